"""The stored state of each denial (`log_states`) is a copy of its history replayed, rewritten in
the transaction that records an event: after every kind of event, a correction, a reopening and
an outcome read from a later remittance, it equals `derive` over the events on both backends;
a log migrated from before the table existed gets the states of its events; the queue and the
deadlines read it and leave closed denials out, and the queue ranked from it is the queue of
every history replayed."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config

from appealgen.log.api import QueueFilters, import_files, live_outcomes, open_log, record_entry, work_queue
from appealgen.log.db import open_location
from appealgen.log.migrate import MIGRATIONS
from appealgen.log.model import Kind
from appealgen.log.queue import build_queue, outcome_table
from appealgen.log.record import Entry
from appealgen.log.state import State
from appealgen.log.store import Filters, load_current, load_states
from appealgen.log.tables import states
from appealgen.log.where import locate
from tests.log.helpers import denied, paid, remittance, settings_for

CLAIMS = [f"ACCT-{n:04d}" for n in range(1, 9)]


def rec(url: str, claim: str, kind: Kind, on: date, **fields: Any) -> int:
    done = record_entry(settings_for(url), claim, Entry(kind, on, "pat", **fields), None)
    return done.event.id or 0


def histories(url: str, tmp_path: Path) -> None:
    """Eight denials, each with a different history; ACCT-0007 has none."""
    import_files(settings_for(url), [remittance(tmp_path / "oct.835", [denied(c) for c in CLAIMS])], [], None, "pat")
    rec(url, "ACCT-0001", Kind.sent, date(2026, 10, 20), method="fax")  # awaiting the payer
    rec(url, "ACCT-0002", Kind.sent, date(2026, 10, 20), method="portal")
    rec(url, "ACCT-0002", Kind.decision, date(2026, 11, 2), outcome="upheld")  # the next level is due
    rec(url, "ACCT-0002", Kind.assigned, date(2026, 11, 3), owner="sam")
    rec(url, "ACCT-0003", Kind.adjusted, date(2026, 10, 21), amount="245.00")  # closed
    rec(url, "ACCT-0004", Kind.adjusted, date(2026, 10, 21), amount="245.00")
    rec(url, "ACCT-0004", Kind.reopened, date(2026, 10, 25))  # open again, with the write-off on record
    wrong = rec(url, "ACCT-0005", Kind.sent, date(2026, 10, 20), method="mail")
    rec(url, "ACCT-0005", Kind.correction, date(2026, 10, 22), voids=wrong, note="sent to the wrong payer")
    rec(url, "ACCT-0006", Kind.sent, date(2026, 10, 20), method="electronic")
    later = remittance(tmp_path / "nov.835", [paid("ACCT-0006", amount="245.00")], paid_on="20261120", trace="EFT2")
    import_files(settings_for(url), [later], [], None, "pat")  # paid on reprocessing: overturned, closed
    for _ in range(4):  # upheld at every level: the practice decides (another action, no deadline)
        rec(url, "ACCT-0008", Kind.sent, date(2026, 10, 20), method="mail")
        rec(url, "ACCT-0008", Kind.decision, date(2026, 10, 20), outcome="upheld")


def seen(state: State) -> tuple[Any, ...]:
    """Everything a state holds but its events."""
    return (state.denial.claim_id, state.status, state.step, state.sent_on, state.method, state.follow_up, state.owner,
            state.recovered, state.written_off, state.patient_billed, state.closed_by, state.closed_on,
            state.remaining)


def replayed(url: str) -> dict[str, tuple[Any, ...]]:
    with open_log(settings_for(url), create=False) as log, log.reading() as conn:
        return {s.denial.claim_id: seen(s) for s in load_states(conn)}


def stored(url: str) -> dict[str, tuple[Any, ...]]:
    with open_log(settings_for(url), create=False) as log, log.reading() as conn:
        return {s.denial.claim_id: seen(s) for s in load_current(conn)}


def test_the_stored_state_is_the_history_replayed_and_leaves_closed_denials_out(log_url: str, tmp_path: Path) -> None:
    histories(log_url, tmp_path)
    replay = replayed(log_url)
    assert {c: v[1] for c, v in replay.items()} == {
        "ACCT-0001": "sent", "ACCT-0002": "open", "ACCT-0003": "closed", "ACCT-0004": "open", "ACCT-0005": "open",
        "ACCT-0006": "closed", "ACCT-0007": "open", "ACCT-0008": "open"}
    assert stored(log_url) == {c: v for c, v in replay.items() if v[1] != "closed"}


def test_only_denials_with_events_have_a_stored_state(log_url: str, tmp_path: Path) -> None:
    histories(log_url, tmp_path)
    with open_log(settings_for(log_url), create=False) as log, log.reading() as conn:
        with_state = {s.denial.id for s in load_states(conn) if s.events}
        assert set(conn.execute(states.select().with_only_columns(states.c.denial_id)).scalars()) == with_state
        assert len(with_state) == 7


def test_a_log_from_before_the_stored_state_gets_the_state_of_its_events(log_url: str, tmp_path: Path) -> None:
    url = log_url
    histories(url, tmp_path)
    before = replayed(url)
    location = locate(settings_for(url))
    with open_location(location) as log, log.writing() as conn:  # back to 0003: no log_states table
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    assert stored(url) == {c: v for c, v in before.items() if v[1] != "closed"}  # opened: migrated, states made
    with open_log(settings_for(url), create=False) as log, log.reading() as conn:
        assert len(load_current(conn, Filters(claim_ids=("ACCT-0002",)))) == 1


@pytest.mark.parametrize("limit", [2, 5, None])  # 5: the ranked path, every row but the last
def test_the_queue_ranked_from_stored_states_is_the_queue_of_every_history_replayed(
        log_url: str, tmp_path: Path, limit: int | None) -> None:
    histories(log_url, tmp_path)
    settings = settings_for(log_url)
    with open_log(settings, create=False) as log, log.reading() as conn:
        learnt = outcome_table(live_outcomes(conn, settings.today))
        replay = build_queue(load_states(conn), settings.today, learnt, limit=limit)
    stored_queue = work_queue(settings, QueueFilters(), limit)
    assert stored_queue == replay
    # Sent, its follow-up in 27 days first; then 86 days left (a tie: by claim), then the next level's 165
    # days; last the two with nothing to recover: the reopened write-off, and the claim the practice must decide
    # on (no deadline).
    assert [r.claim_id for r in stored_queue.rows] == ["ACCT-0001", "ACCT-0005", "ACCT-0007", "ACCT-0002",
                                                      "ACCT-0004", "ACCT-0008"][:limit]
    if limit is None:
        assert stored_queue.rows[-1].next_action == "ask_client"
