"""The log's database: created and migrated on open (from an empty database, and from an older
schema with a backup first), append-only by the database's own triggers on both backends, a
private SQLite file, never on a network share."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from appealgen.errors import InputError
from appealgen.log.api import import_files, open_log, record_entry
from appealgen.log.db import Log, make_engine, open_location
from appealgen.log.migrate import HEAD, MIGRATIONS, REVISIONS, current_revision, migrate
from appealgen.log.model import Kind
from appealgen.log.record import Entry
from appealgen.log.tables import APPEND_ONLY, metadata
from appealgen.log.where import Location, locate, mount_type, refuse_network_share
from tests.conftest import TODAY
from tests.log.helpers import denied, remittance, settings_for, submitted_csv


def test_a_new_log_is_made_from_an_empty_database_with_every_table(log_url: str) -> None:
    with open_log(settings_for(log_url)) as log, log.reading() as conn:
        assert current_revision(conn) == HEAD
        assert set(APPEND_ONLY) <= set(inspect(conn).get_table_names())
        # The migrations make exactly the schema the code describes.
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_the_revision_list_is_the_migration_scripts_in_order() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    assert [s.revision for s in reversed(list(scripts.walk_revisions()))] == list(REVISIONS)
    assert scripts.get_current_head() == HEAD


@pytest.fixture
def filled(log_url: str, tmp_path: Path) -> Log:
    """A log with a row in every table: a remittance with a denial, a decision, submitted claims."""
    settings = settings_for(log_url)
    import_files(settings, [remittance(tmp_path / "a.835", [denied("ACCT-0001")])],
                 [submitted_csv(tmp_path / "claims.csv", [("ACCT-0001", "medicare-dme", "2026-09-05", "245.00")])],
                 None, "pat")
    record_entry(settings, "ACCT-0001", Entry(Kind.sent, date(2026, 10, 20), "pat", method="fax"), None)
    later = remittance(tmp_path / "b.835", [denied("ACCT-0001")], paid_on="20261120", trace="EFT2")
    import_files(settings, [later], [], None, "pat")  # denied again: an upheld decision event
    return open_log(settings)


@pytest.mark.parametrize("table", APPEND_ONLY)
@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}"])
def test_the_database_refuses_to_change_or_remove_history(filled: Log, table: str, statement: str) -> None:
    with filled:
        with filled.reading() as conn:
            before = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        assert before > 0
        with pytest.raises(DBAPIError, match="the tracking log is append-only"), filled.writing() as conn:
            conn.execute(text(statement.format(table=table)))
        with filled.reading() as conn:
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == before


def test_postgresql_also_refuses_truncate(postgres_schema: str, tmp_path: Path) -> None:
    settings = settings_for(postgres_schema)
    import_files(settings, [remittance(tmp_path / "a.835", [denied("ACCT-0001")])], [], None, "pat")
    with open_log(settings) as log, pytest.raises(DBAPIError, match="append-only"), log.writing() as conn:
        conn.execute(text("TRUNCATE log_events, log_denials, remits, imports CASCADE"))


def test_a_sqlite_log_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    with open_log(settings_for(str(tmp_path / "team" / "log.sqlite"))) as log, log.writing() as conn:
        conn.execute(text("INSERT INTO imports (practice, kind, file_name, sha256, rows, who, recorded_at) "
                          "VALUES ('default', '835', 'a.835', 'x', 1, 'pat', '2026-10-01')"))
        # SQLite's write-ahead log and its index hold entries too: they take the file's mode.
        assert {p.name: stat.S_IMODE(os.stat(p).st_mode) for p in (tmp_path / "team").iterdir()} == \
            {"log.sqlite": 0o600, "log.sqlite-wal": 0o600, "log.sqlite-shm": 0o600}


def test_an_older_sqlite_log_is_copied_before_it_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "appealgen-log.sqlite"
    location = Location(f"sqlite:///{path}", "test", path)
    path.touch(mode=0o600)
    old = Log(make_engine(location), location)
    migrate(old, target="0001")  # as an older appealgen left it: tables, no triggers yet
    with old.writing() as conn:
        conn.execute(text("INSERT INTO imports (practice, kind, file_name, sha256, rows, who, recorded_at) "
                          "VALUES ('default', '835', 'old.835', 'x', 1, 'pat', '2026-10-01')"))
    old.close()

    with open_location(location) as log, log.reading() as conn:
        assert current_revision(conn) == HEAD
        assert conn.execute(text("SELECT file_name FROM imports")).scalars().all() == ["old.835"]
    [backup] = tmp_path.glob("appealgen-log.sqlite.0001-*.bak")
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        assert copy.execute("SELECT file_name FROM imports").fetchall() == [("old.835",)]


def test_an_up_to_date_log_is_not_copied(tmp_path: Path) -> None:
    settings = settings_for(str(tmp_path / "appealgen-log.sqlite"))
    open_log(settings).close()
    open_log(settings).close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["appealgen-log.sqlite"]


def test_a_log_made_by_a_newer_appealgen_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "appealgen-log.sqlite"
    open_log(settings_for(str(path))).close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(InputError) as caught:
        open_log(settings_for(str(path)))
    assert caught.value.line() == f"{path}: the log's schema (9999) is newer than this appealgen knows ({HEAD}); " \
                                  "upgrade appealgen"


MOUNTS = """\
/dev/vda1 / ext4 rw,relatime 0 0
server:/export /mnt/billing nfs4 rw,relatime 0 0
//files/share /mnt/office\\040share cifs rw 0 0
user@host:/data /home/pat/remote fuse.sshfs rw 0 0
tmpfs /tmp tmpfs rw 0 0
"""


@pytest.mark.parametrize(("folder", "kind"), [
    ("/home/pat/work", "ext4"),
    ("/mnt/billing/logs", "nfs4"),
    ("/mnt/billing", "nfs4"),
    ("/mnt/billingx", "ext4"),  # a sibling whose name starts alike is not inside the mount
    ("/mnt/office share/appeals", "cifs"),  # /proc/mounts writes a space as \040
    ("/home/pat/remote/x", "fuse.sshfs"),
    ("/tmp/x", "tmpfs"),
])
def test_the_filesystem_of_a_folder_is_the_longest_mount_point_holding_it(folder: str, kind: str) -> None:
    assert mount_type(Path(folder), MOUNTS) == kind


@pytest.mark.parametrize("folder", ["/mnt/billing", "/mnt/office share", "/home/pat/remote"])
def test_sqlite_on_a_network_share_is_refused_with_a_pointer_to_postgresql(folder: str, tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(MOUNTS)
    path = Path(folder) / "appealgen-log.sqlite"
    with pytest.raises(InputError) as caught:
        refuse_network_share(Location(f"sqlite:///{path}", "test", path), mounts)
    kind = mount_type(Path(folder), MOUNTS)
    assert caught.value.line() == (
        f"{path}: database_url: is on a network share ({kind}), where SQLite's locking is unreliable; use "
        "PostgreSQL for a shared log (database_url: postgresql://user@host/appealgen) or keep the SQLite file "
        "on a local disk")


def test_a_local_sqlite_file_is_accepted(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(MOUNTS)
    path = Path("/home/pat/work/appealgen-log.sqlite")
    refuse_network_share(Location(f"sqlite:///{path}", "test", path), mounts)


def test_where_the_log_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert locate(settings_for("postgres://pat@db.example.invalid/billing")).url == \
        "postgresql+psycopg://pat@db.example.invalid/billing"
    assert locate(settings_for("logs/team.sqlite")).path == tmp_path / "logs" / "team.sqlite"
    monkeypatch.setenv("APPEALGEN_DATABASE_URL", "sqlite:///override.sqlite")  # the variable wins
    assert locate(settings_for("logs/team.sqlite")).path == tmp_path / "override.sqlite"
    monkeypatch.setenv("APPEALGEN_DATABASE_URL", "mysql://pat@db/billing")
    with pytest.raises(InputError, match=r"^APPEALGEN_DATABASE_URL: database_url: mysql:// is not supported"):
        locate(settings_for(""))
    monkeypatch.setenv("APPEALGEN_DATABASE_URL", "sqlite:///:memory:")
    with pytest.raises(InputError, match="a log in memory would be lost"):
        locate(settings_for(""))


def test_an_unreachable_server_is_one_line_naming_the_setting(tmp_path: Path) -> None:
    url = f"postgresql://pat:secret@/appealgen?host={tmp_path}"  # no server listens in an empty folder
    with pytest.raises(InputError) as caught:
        open_log(settings_for(url))
    line = caught.value.line()
    assert line.startswith("appealgen.yaml: database_url: postgresql+psycopg://pat:***@/appealgen?host=")
    assert "secret" not in line and "\n" not in line


def test_the_default_log_is_a_file_in_the_workspace(tmp_path: Path) -> None:
    from appealgen.settings import Settings
    from appealgen.workspace import Workspace

    (tmp_path / "appealgen.yaml").write_text("practice: North Clinic\n")
    settings = Settings(Workspace.open(tmp_path), TODAY)
    assert locate(settings).path == tmp_path / "appealgen-log.sqlite"


def test_a_log_from_before_a_change_of_the_state_rules_has_its_states_made_again(tmp_path: Path) -> None:
    """Revision 0007: a write-off of part of what is at stake no longer closes the denial. A log
    whose stored state says closed, as the old rule made it, reads open once migrated."""
    path = tmp_path / "appealgen-log.sqlite"
    settings = settings_for(str(path))
    import_files(settings, [remittance(tmp_path / "oct.835", [denied("ACCT-0001")])], [], None, "pat")
    record_entry(settings, "ACCT-0001", Entry(Kind.adjusted, date(2026, 11, 1), "pat", amount="100.00"), None)
    with sqlite3.connect(path) as old:  # as appealgen left it at 0006
        old.execute("UPDATE log_states SET status = 'closed', closed_by = 'adjusted', closed_on = '2026-11-01'")
        old.execute("UPDATE alembic_version SET version_num = '0006'")
    with open_log(settings) as log, log.reading() as conn:
        assert current_revision(conn) == HEAD
        assert conn.execute(text("SELECT status, remaining FROM log_states")).one() == ("open", 14500)
