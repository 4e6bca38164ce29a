"""Fixtures of the tracking log's tests: a log on SQLite and on PostgreSQL (a fresh schema of
the test server that scripts/with-postgres starts), and no log or user from the environment."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

POSTGRES_ENV = "APPEALGEN_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]


def postgres_required() -> bool:
    """Under CI, or when scripts/with-postgres started a server, a missing server fails."""
    return bool(os.environ.get("APPEALGEN_REQUIRE_POSTGRES") or os.environ.get("CI"))


def postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        message = f"{POSTGRES_ENV} is not set: run the tests through scripts/with-postgres (make pytest)"
        if postgres_required():
            pytest.fail(message)
        pytest.skip(message)
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def postgres_schema() -> Iterator[str]:
    """A URL whose connections use a new, empty schema (dropped afterwards)."""
    admin = create_engine(postgres_admin_url())
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in admin.url.render_as_string(hide_password=False) else "?"
    try:
        yield f"{admin.url.render_as_string(hide_password=False)}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def log_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The log's URL, once on SQLite (a file in tmp_path) and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'appealgen-log.sqlite'}"
    return str(request.getfixturevalue("postgres_schema"))


@pytest.fixture(autouse=True)
def _no_log_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APPEALGEN_DATABASE_URL", raising=False)
    monkeypatch.setenv("APPEALGEN_USER", "pat")
