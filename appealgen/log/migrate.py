"""The log's schema, brought up to date on open by the Alembic migrations shipped in
`appealgen/log/migrations`. An up-to-date log costs one query (Alembic is not even imported);
a SQLite file that needs migrating is first copied next to itself (0600)."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from appealgen.errors import InputError
from appealgen.log.db import Log

MIGRATIONS = Path(__file__).parent / "migrations"
# In order; a test checks this against the migration scripts.
REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008")
HEAD = REVISIONS[-1]
# Revisions after which the stored states (log_states) are made again from the events, once the
# log is at HEAD: 0004 made the table; a change to `state.derive`'s rules adds its revision here.
REBUILD_STATES = frozenset({"0004", "0007", "0008"})


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def upgrade(conn: Connection, target: str = "head") -> None:
    """Run the migrations on `conn`, inside the transaction the caller holds."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, target)


def migrate(log: Log, target: str = HEAD) -> None:
    with log.reading() as conn:
        current = current_revision(conn)
    if current == target:
        return
    if current is not None and current not in REVISIONS:
        raise InputError(log.location.shown, None, f"the log's schema ({current}) is newer than this appealgen "
                         f"knows ({HEAD}); upgrade appealgen")
    if current is not None and log.location.path is not None:
        backup(log.location.path, current)
    with log.writing() as conn:  # one process migrates; the others find it done
        before = current_revision(conn)
        if before != target:
            upgrade(conn, target)
            if target == HEAD and _passes_rebuild(before):
                from appealgen.log.store import rebuild_states  # the log's tables as this appealgen knows them

                rebuild_states(conn)


def _passes_rebuild(before: str | None) -> bool:
    """Whether an upgrade from `before` to HEAD runs a revision that needs the states made again."""
    done = REVISIONS.index(before) + 1 if before is not None else 0
    return bool(REBUILD_STATES & set(REVISIONS[done:]))


def backup(path: Path, revision: str) -> Path:
    """A consistent copy of the SQLite file (SQLite's backup API, safe while others read)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = path.with_name(f"{path.name}.{revision}-{stamp}.bak")
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    return target
