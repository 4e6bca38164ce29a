"""Opening the tracking log: the engine for SQLite or PostgreSQL, its schema brought up to date
(with a backup copy of a SQLite file first), and transactions that serialize writers.

Writers take one log-wide write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-level
advisory lock), so every check a writer makes (is this event in order? was this remittance
recorded?) still holds when it commits: no lost event, no duplicate. Writes are short (one
event, one file's import), so one lock is enough for a team; readers are never blocked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError

from appealgen.errors import InputError
from appealgen.log.where import Location, create_private, refuse_network_share

BUSY_SECONDS = 60  # how long a SQLite writer waits for another to finish
WRITE_LOCK = 0x61707065616C  # the PostgreSQL advisory lock key ("appeal")
WRITE = "appealgen_write"  # the execution option that makes a SQLite transaction take the write lock


class Log:
    """An open log. Use `reading()` for queries and `writing()` for anything that records."""

    def __init__(self, engine: Engine, location: Location) -> None:
        self.engine = engine
        self.location = location

    @property
    def backend(self) -> str:
        return self.engine.dialect.name  # "sqlite" or "postgresql"

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """One consistent snapshot for every query inside."""
        with self._guard(), self.engine.connect() as conn:
            if self.backend == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A transaction holding the log's write lock; committed when the block ends."""
        with self._guard(), self.engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                if self.backend == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})
                yield conn

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Database trouble (unreachable server, a lock held too long) as one line naming the log."""
        try:
            yield
        except OperationalError as error:
            raise InputError(self.location.source, "database_url",
                             f"{self.location.shown}: {reason(error)}") from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Log:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def reason(error: DBAPIError) -> str:
    """The driver's first line: no statement, no parameters (they may hold claim data)."""
    text_ = str(error.orig).strip().splitlines()
    first = text_[0] if text_ else type(error.orig).__name__
    if "database is locked" in first:
        return f"the log stayed busy for {BUSY_SECONDS} s (another writer); try again"
    return first


def make_engine(location: Location) -> Engine:
    if location.path is None:
        return create_engine(location.url, pool_pre_ping=True)
    engine = create_engine(location.url, connect_args={"timeout": BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        # SQLAlchemy's documented recipe: let it emit BEGIN itself, so the write lock is
        # taken at BEGIN (IMMEDIATE), not at the first write, where a deadlock could follow.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

    return engine


def open_location(location: Location, create: bool = True) -> Log:
    """Open (and, for SQLite, create with mode 0600) the log at `location`, migrated to the
    current schema. `create=False`: a missing SQLite file is an error."""
    from appealgen.log.migrate import migrate

    if location.path is not None:
        refuse_network_share(location)
        if not location.path.exists():
            if not create:
                raise InputError(location.path, None, "no tracking log here yet; start one with "
                                 "`appealgen log import FILE.835`")
            create_private(location.path)
    log = Log(make_engine(location), location)
    try:
        migrate(log)
    except BaseException:
        log.close()
        raise
    return log
