"""The seeded log (tests/reports/seed.py), made once per backend for the module that asks for
it: on SQLite (a file) and on PostgreSQL (a fresh schema of the test server)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests.log.conftest import BACKENDS, postgres_admin_url
from tests.reports.seed import seed


@pytest.fixture(autouse=True)
def _no_log_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APPEALGEN_DATABASE_URL", raising=False)
    monkeypatch.setenv("APPEALGEN_USER", "pat")


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("seeded")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'appealgen-log.sqlite'}"
        seed(url, folder)
        yield url
        return
    admin = create_engine(postgres_admin_url())
    schema = f"r_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    base = admin.url.render_as_string(hide_password=False)
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    try:
        seed(url, folder)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
