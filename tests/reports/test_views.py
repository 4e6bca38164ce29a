"""The log's read-only views for BI tools (migration 0003): `denials`, `appeals` and `events` on
SQLite and PostgreSQL, agreeing with the rule book and the report, and refusing every write."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from appealgen.errors import InputError
from appealgen.log.api import open_log
from appealgen.log.store import Filters, load_states
from appealgen.log.tables import VIEWS
from tests.conftest import REPO
from tests.reports.seed import settings


def query(url: str, sql: str) -> list[tuple[object, ...]]:
    with open_log(settings(url)) as log, log.reading() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_the_denials_view_agrees_with_the_rule_book(seeded: str) -> None:
    found = {(r[0], str(r[1])): r[2:] for r in query(
        seeded, "SELECT claim_id, denied_on, status, closed_by, owner, at_stake_cents, recovered, written_off, "
                "decisions "
                "FROM denials WHERE practice = 'default'")}
    with open_log(settings(seeded)) as log, log.reading() as conn:
        states = load_states(conn, Filters(practice="default"))
    assert len(found) == len(states) == 9
    for state in states:
        key = (state.denial.claim_id, str(state.denial.denied_on))
        status, closed_by, owner, cents, recovered, written_off, decisions = found[key]
        assert decisions == len(state.decisions)  # live ones: B1's voided upheld is not one
        assert (status, closed_by, owner) == ("open" if state.is_open else "closed", state.closed_by, state.owner)
        assert cents == int(state.denial.at_stake * 100)
        assert Decimal(str(recovered)) == state.recovered and Decimal(str(written_off)) == state.written_off


def test_the_events_view_keeps_a_voided_event_visible_but_not_live(seeded: str) -> None:
    rows = query(seeded, "SELECT kind, outcome, on_date, live, voided_by IS NOT NULL FROM events "
                         "WHERE claim_id = 'B1' ORDER BY event_id")
    assert [(r[0], r[1], str(r[2]), r[3], bool(r[4])) for r in rows] == [
        ("assigned", None, "2026-10-06", 1, False), ("sent", None, "2026-10-07", 1, False),
        ("decision", "upheld", "2026-10-20", 0, True), ("correction", None, "2026-10-21", 0, False),
        ("decision", "overturned", "2026-10-28", 1, False)]


def test_the_appeals_view_pairs_each_request_with_its_decision_as_the_report_counts_them(seeded: str) -> None:
    rows = query(seeded, "SELECT claim_id, sent_on, decided_on, outcome, recovered_cents FROM appeals "
                         "WHERE practice = 'default' ORDER BY sent_on, claim_id")
    assert [(r[0], str(r[1]), r[2] and str(r[2]), r[3], r[4]) for r in rows] == [
        ("A1", "2026-09-20", "2026-10-05", "upheld", 0), ("A3", "2026-09-25", "2026-10-15", "overturned", 15000),
        ("K2", "2026-10-06", None, None, 0), ("B1", "2026-10-07", "2026-10-28", "overturned", 30000),
        ("B4", "2026-10-08", "2026-10-25", "partially_overturned", 20000),
        ("A1", "2026-10-14", "2026-10-30", "upheld", 0), ("B4", "2026-10-27", "2026-10-29", "upheld", 0),
        ("K1", "2026-11-05", None, None, 0)]
    # The report's October overturn rate, from the view with plain SQL: 3 of 6 decided, 650.00 recovered.
    [(decided, won, cents)] = query(seeded, "SELECT count(*), sum(CASE WHEN outcome IN ('overturned', "
                                            "'partially_overturned') THEN 1 ELSE 0 END), sum(recovered_cents) "
                                            "FROM appeals WHERE practice = 'default' AND decided_on BETWEEN "
                                            "'2026-10-01' AND '2026-10-31'")
    assert (decided, won, cents) == (6, 3, 65000)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("statement", ["UPDATE {view} SET claim_id = 'X'", "DELETE FROM {view}",
                                       "INSERT INTO {view} (claim_id) VALUES ('X')"])
def test_every_view_refuses_writes(seeded: str, view: str, statement: str) -> None:
    with open_log(settings(seeded)) as log:
        with log.reading() as conn:
            before = conn.execute(text(f"SELECT count(*) FROM {view}")).scalar_one()
        # SQLite: "cannot modify denials because it is a view" (an OperationalError, told as one line);
        # PostgreSQL: "cannot update view" (a view over two tables is not automatically updatable).
        with pytest.raises((DBAPIError, InputError), match="view"), log.writing() as conn:
            conn.execute(text(statement.format(view=view)))
        with log.reading() as conn:
            assert conn.execute(text(f"SELECT count(*) FROM {view}")).scalar_one() == before


def test_the_views_are_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    for view in VIEWS:
        assert f"`{view}`" in readme
    assert "read-only" in readme and "log_denials" in readme


def test_dates_in_the_views_are_the_payers(seeded: str) -> None:
    [(denied_on,)] = query(seeded, "SELECT denied_on FROM denials WHERE claim_id = 'M1'")
    assert str(denied_on) == str(date(2026, 10, 20))
