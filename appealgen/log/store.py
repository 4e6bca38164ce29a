"""Rows <-> the log's plain data, and the few queries everything else is built on."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Date,
    String,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.engine import Connection

from appealgen.collector import gc_paused
from appealgen.log.model import KINDS, Denial, Event, Facts, Step, code_json, code_use, is_dated
from appealgen.log.state import ZERO, Standing, State, derive
from appealgen.log.tables import Money, denials, events, states


def utcnow() -> datetime:
    """When a row is written, in UTC (stored without a zone on both backends)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Filters:
    practice: str | None = None
    payer: str | None = None
    category: str | None = None
    claim_ids: tuple[str, ...] | None = None
    denial_ids: tuple[int, ...] | None = None

    def condition(self) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if self.practice is not None:
            parts.append(denials.c.practice == self.practice)
        if self.payer is not None:
            parts.append(denials.c.payer == self.payer)
        if self.category is not None:
            parts.append(denials.c.category == self.category)
        if self.claim_ids is not None:
            parts.append(denials.c.claim_id.in_(self.claim_ids))
        if self.denial_ids is not None:
            parts.append(denials.c.id.in_(self.denial_ids))
        return and_(true(), *parts)


def denial_values(denial: Denial, now: datetime) -> dict[str, Any]:
    step, facts = denial.first, denial.recorded
    return {
        "practice": denial.practice, "claim_id": denial.claim_id, "dedupe_key": facts.dedupe_key,
        "source": facts.source, "remit_id": facts.remit_id, "payer": denial.payer,
        "payer_name": facts.payer_name[:120], "category": denial.category, "reason": facts.reason,
        "codes": list(facts.codes), "carcs": [code_json(use) for use in facts.carcs], "rarcs": list(facts.rarcs),
        "patient_liable": facts.patient_liable, "denied_on": denial.denied_on, "first_dos": facts.first_dos,
        "billed": facts.billed, "paid": facts.paid, "at_stake": denial.at_stake, "level": step.level,
        "level_name": step.level_name, "action": step.action, "deadline": step.deadline,
        "deadline_reason": step.deadline_reason[:200], "recorded_at": now,
    }


_DATES: dict[str, date] = {}  # a log of 100,000 denials holds a few hundred distinct dates


def as_date(value: Any) -> date:
    """A date column read without SQLAlchemy's processing: SQLite gives text, PostgreSQL a date."""
    if type(value) is not str:
        return value  # type: ignore[no-any-return]
    found = _DATES.get(value)
    if found is None:
        found = _DATES[value] = date.fromisoformat(value)
    return found


def as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


# Columns read as stored (cents, ISO text or dates, JSON text or objects) and decoded here, by
# position: for 100,000 denials SQLAlchemy's per-value processing costs more than the query.
RAW_TYPES = {Money: BigInteger, Date: String, JSON: String}
DENIAL_COLUMNS = ("id", "practice", "claim_id", "payer", "category", "denied_on", "at_stake", "level", "level_name",
                  "action", "deadline", "deadline_reason")  # what a denial's state needs
FACT_COLUMNS = ("source", "payer_name", "reason", "codes", "carcs", "rarcs", "patient_liable", "first_dos", "billed",
                "paid", "dedupe_key", "remit_id")  # the rest (the queue leaves them out: half the columns)
EVENT_COLUMNS = ("id", "denial_id", "kind", "on_date", "who", "ref", "amount", "note", "level", "outcome",
                 "method", "owner", "next_date", "voids", "details", "dedupe_key", "recorded_at")


def raw(table: Table, names: Sequence[str]) -> list[Any]:
    """`names` of `table`, in that order, read without SQLAlchemy's type processing."""
    columns = [table.c[name] for name in names]
    return [type_coerce(c, RAW_TYPES[type(c.type)]).label(c.name) if type(c.type) in RAW_TYPES else c
            for c in columns]


def denial_from_row(row: Sequence[Any]) -> Denial:
    """A denial from a row of DENIAL_COLUMNS, with its facts when FACT_COLUMNS follow. Positional
    and inline: it runs once per denial."""
    (id_, practice, claim_id, payer, category, denied_on, at_stake, level, level_name, action, deadline,
     deadline_reason, *more) = row
    opened = as_date(denied_on)
    first = Step(level, level_name, action, None if deadline is None else as_date(deadline), deadline_reason,
                 opened)
    return Denial(practice, claim_id, payer, category, opened, Decimal(at_stake).scaleb(-2), first,
                  facts_from(more) if more else None, id_)


def facts_from(values: Sequence[Any]) -> Facts:
    source, payer_name, reason, codes, carcs, rarcs, patient_liable, first_dos, billed, paid, key, remit_id = values
    return Facts(source, payer_name, reason, tuple(as_json(codes)), tuple(code_use(c) for c in as_json(carcs)),
                 tuple(as_json(rarcs)), bool(patient_liable), as_date(first_dos), Decimal(billed).scaleb(-2),
                 Decimal(paid).scaleb(-2), key, remit_id)


def event_values(denial: Denial, event: Event, now: datetime) -> dict[str, Any]:
    return {
        "denial_id": denial.id, "practice": denial.practice, "claim_id": denial.claim_id,
        "kind": event.kind.value, "on_date": event.on, "who": event.who[:80], "ref": event.ref,
        "amount": event.amount, "note": event.note, "level": event.level, "outcome": event.outcome,
        "method": event.method, "owner": event.owner, "next_date": event.next_date, "voids": event.voids,
        "dedupe_key": event.dedupe_key, "details": event.details or None, "recorded_at": now,
    }


def event_from_row(row: Sequence[Any], full: bool = True) -> tuple[int, Event]:
    """(denial id, event) from a row of EVENT_COLUMNS. Without `full`, only a decision's details
    are read (its next step is part of the state; the rest is for `log show`)."""
    (id_, denial_id, kind, on_date, who, ref, amount, note, level, outcome, method, owner, next_date, voids,
     details, dedupe_key, recorded_at) = row
    return denial_id, Event(
        KINDS[kind], as_date(on_date), who, ref, None if amount is None else Decimal(amount).scaleb(-2), note,
        level, outcome, method, owner, None if next_date is None else as_date(next_date), voids,
        (as_json(details) or {}) if full or kind == "decision" else {}, dedupe_key, id_, recorded_at,
    )


def insert_denials(conn: Connection, new: Sequence[Denial]) -> None:
    """Store new denials and set their ids."""
    if not new:
        return
    now = utcnow()
    rows = conn.execute(insert(denials).returning(denials.c.id, sort_by_parameter_order=True),
                        [denial_values(d, now) for d in new])
    for denial, row in zip(new, rows, strict=True):
        denial.id = row.id


def insert_events(conn: Connection, new: Sequence[tuple[Denial, Event]]) -> None:
    """Store new events (their denials stored already), set their ids, and rewrite the derived
    state of the denials they concern (in the same transaction: the two never disagree)."""
    if not new:
        return
    now = utcnow()
    rows = conn.execute(insert(events).returning(events.c.id, sort_by_parameter_order=True),
                        [event_values(d, e, now) for d, e in new])
    for (_, event), row in zip(new, rows, strict=True):
        event.id, event.recorded_at = row.id, now
    refresh_states(conn, {d.id for d, _ in new if d.id is not None})


# The stored state's columns after DENIAL_COLUMNS in a current-state row (see load_current).
STATE_COLUMNS = ("status", "level", "level_name", "action", "deadline", "deadline_reason", "opened_on", "sent_on",
                 "method", "follow_up", "owner", "recovered", "written_off", "patient_billed", "closed_by",
                 "closed_on", "remaining")
CHUNK = 500  # values per IN (...): under SQLite's and PostgreSQL's limits on bound parameters
T = TypeVar("T")


def chunks(values: Iterable[T]) -> Iterator[tuple[T, ...]]:
    """`values` CHUNK at a time, for the IN (...) of one statement each."""
    items = list(values)
    for start in range(0, len(items), CHUNK):
        yield tuple(items[start:start + CHUNK])


def state_values(state: State) -> dict[str, Any]:
    step = state.step
    return {
        "denial_id": state.denial.id, "status": state.status, "level": step.level, "level_name": step.level_name,
        "action": step.action, "deadline": step.deadline, "deadline_reason": step.deadline_reason[:200],
        "opened_on": step.opened_on, "sent_on": state.sent_on, "method": state.method, "follow_up": state.follow_up,
        "owner": state.owner, "recovered": state.recovered, "written_off": state.written_off,
        "patient_billed": state.patient_billed, "remaining": state.remaining, "closed_by": state.closed_by,
        "closed_on": state.closed_on,
        "last_event": max(e.id or 0 for e in state.events),
    }


def refresh_states(conn: Connection, denial_ids: Iterable[int]) -> None:
    """Derive again, from all their events, the stored state of these denials (the caller holds
    the write lock, so no other writer's event can slip between the read and the write)."""
    for chunk in chunks(sorted(set(denial_ids))):
        found = load_states(conn, Filters(denial_ids=chunk), full=False)
        conn.execute(delete(states).where(states.c.denial_id.in_(chunk)))
        derived = [state_values(state) for state in found if state.events]
        if derived:
            conn.execute(insert(states), derived)


def rebuild_states(conn: Connection) -> None:
    """The stored state of every denial that has events, made again from them (`migrate` calls
    it after a revision in REBUILD_STATES: the table is new, or the rules of `state.derive` changed)."""
    conn.execute(delete(states))
    refresh_states(conn, conn.execute(select(events.c.denial_id).distinct()).scalars())


def load_states(conn: Connection, filters: Filters = Filters(), full: bool = True) -> list[State]:
    """Every denial matching `filters` with its state, oldest first. `full=False` leaves out
    the denials' facts and most events' details (enough for the queue and the deadlines, and
    much faster)."""
    names = DENIAL_COLUMNS + FACT_COLUMNS if full else DENIAL_COLUMNS
    query = select(*raw(denials, names)).where(filters.condition()).order_by(denials.c.id)
    event_query = select(*raw(events, EVENT_COLUMNS)).order_by(events.c.id)
    if filters != Filters():
        event_query = event_query.where(events.c.denial_id.in_(select(denials.c.id).where(filters.condition())))
    with gc_paused():
        found = list(map(denial_from_row, conn.execute(query).all()))
        by_denial: dict[int, list[Event]] = {}
        for row in conn.execute(event_query).all():
            denial_id, event = event_from_row(row, full)
            by_denial.setdefault(denial_id, []).append(event)
        none: list[Event] = []
        return [derive(d, by_denial.get(d.id or 0, none)) for d in found]


def load_current(conn: Connection, filters: Filters = Filters()) -> list[State]:
    """The denials matching `filters` that are not closed, each with its stored state (a denial
    without events is at its first step): what the queue and the deadlines need, read without
    replaying any history. The states carry no events."""
    query = (select(*raw(denials, DENIAL_COLUMNS), *raw(states, STATE_COLUMNS))
             .select_from(denials.outerjoin(states, states.c.denial_id == denials.c.id))
             .where(filters.condition(), _open())
             .order_by(denials.c.id))
    with gc_paused():
        return [state_from_row(row) for row in conn.execute(query).all()]


def current_by_id(conn: Connection, denial_ids: Sequence[int]) -> dict[int, State]:
    """The current states of these denials (the rows a queue shows), by denial id."""
    found: dict[int, State] = {}
    for chunk in chunks(denial_ids):
        found.update((s.denial.id or 0, s) for s in load_current(conn, Filters(denial_ids=chunk)))
    return found


def replayed_by_id(conn: Connection, denial_ids: Sequence[int]) -> dict[int, State]:
    """These denials' states made from their events, which they carry (a missed step's row reads
    its last decision's other ways out of a dismissal): for a few rows, not a whole queue."""
    found: dict[int, State] = {}
    for chunk in chunks(denial_ids):
        found.update((s.denial.id or 0, s) for s in load_states(conn, Filters(denial_ids=chunk), full=False))
    return found


def payer_names(conn: Connection, denial_ids: Iterable[int]) -> dict[int, str]:
    """The payer's name each denial's opening recorded (the queue's states are read without it)."""
    found: dict[int, str] = {}
    for chunk in chunks(denial_ids):
        query = select(denials.c.id, denials.c.payer_name).where(denials.c.id.in_(chunk))
        found.update((denial_id, name) for denial_id, name in conn.execute(query))
    return found


def _open() -> ColumnElement[bool]:
    """Not closed: no stored state yet (no events), or a state that is open or sent."""
    return or_(states.c.status.is_(None), states.c.status != "closed")


def _stepped(column: str) -> Any:
    """The current step's `column`: the stored state's, else the denial's first step."""
    return case((states.c.denial_id.is_(None), denials.c[column]), else_=states.c[column])


def load_standings(conn: Connection, filters: Filters = Filters()) -> list[Standing]:
    """What ranks each open denial matching `filters` (see Standing), oldest first: ten columns
    of a stored row, no history replayed, no state built."""
    query = (select(denials.c.id, denials.c.claim_id, denials.c.payer, denials.c.category,
                    func.coalesce(states.c.status, "open"), _stepped("action"),
                    type_coerce(_stepped("deadline"), String), type_coerce(states.c.follow_up, String),
                    states.c.owner, type_coerce(func.coalesce(states.c.remaining, denials.c.at_stake), BigInteger))
             .select_from(denials.outerjoin(states, states.c.denial_id == denials.c.id))
             .where(filters.condition(), _open())
             .order_by(denials.c.id))
    with gc_paused():
        return [standing_from_row(row) for row in conn.execute(query).all()]


def standing_from_row(row: Sequence[Any]) -> Standing:
    id_, claim_id, payer, category, status, action, deadline, follow_up, owner, remaining = row
    due = None if deadline is None else as_date(deadline)
    return Standing(id_, claim_id, payer, category, status, action, due, is_dated(action, due),
                    None if follow_up is None else as_date(follow_up), owner, _money(remaining))


_DENIAL_WIDTH = len(DENIAL_COLUMNS)


def state_from_row(row: Sequence[Any]) -> State:
    """A state from a row of DENIAL_COLUMNS then STATE_COLUMNS (None there: no events yet).
    Inline, like denial_from_row: it runs once per open denial."""
    denial = denial_from_row(row[:_DENIAL_WIDTH])
    (status, level, level_name, action, deadline, reason, opened_on, sent_on, method, follow_up, owner, recovered,
     written_off, patient_billed, closed_by, closed_on, remaining) = row[_DENIAL_WIDTH:]
    if status is None:
        return State(denial, denial.first)
    step = Step(level, level_name, action, None if deadline is None else as_date(deadline), reason,
                as_date(opened_on))
    state = State(denial, step, status, None if sent_on is None else as_date(sent_on), method,
                  None if follow_up is None else as_date(follow_up), owner, _money(recovered), _money(written_off),
                  _money(patient_billed), closed_by, None if closed_on is None else as_date(closed_on))
    if _money(remaining) < state.remaining:  # a partial decision left less denied (State.still_denied): as stored
        state.still_denied = _money(remaining) + state.written_off + state.patient_billed
    return state


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2) if cents else ZERO


def practices_of(conn: Connection, claim_id: str) -> list[str]:
    query = select(denials.c.practice).where(denials.c.claim_id == claim_id).distinct().order_by(denials.c.practice)
    return list(conn.execute(query).scalars())


def existing_keys(conn: Connection, column: Any, keys: Iterable[str]) -> set[str]:
    """Which of `keys` a dedupe_key column already holds (asked in chunks: SQLite's limit on
    bound parameters)."""
    found: set[str] = set()
    for chunk in chunks(keys):
        found |= set(conn.execute(select(column).where(column.in_(chunk))).scalars())
    return found
