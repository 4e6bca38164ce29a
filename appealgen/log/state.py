"""The state of a denial, derived from its events; and the one rule book that says which event
may follow which (used when recording and when deriving, so the two never disagree).

A denial is `open` (its step is due), `sent` (a request awaits the payer's decision) or
`closed` (overturned, written off, or billed to the patient). A correction voids an event:
derivation skips it, and a correction is refused when a later event depends on what it voids,
so the live events always read as a valid history."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

from appealgen.log.model import Denial, Event, Kind, Step

Status = Literal["open", "sent", "closed"]
OPTION_DATE = re.compile(r"\bby (\d{4}-\d{2}-\d{2})")  # the date an option of a dismissal is due by
ZERO = Decimal("0.00")
NOTHING_VOIDED: Mapping[int, Event] = MappingProxyType({})


@dataclass(slots=True)
class Standing:
    """What the queue ranks an open denial by, and nothing more: it is read for each of
    100,000s of denials (`store.load_standings`), the whole state only for the rows shown."""

    denial_id: int
    claim_id: str
    payer: str
    category: str
    status: Status
    action: str  # the step's
    deadline: date | None  # the step's
    dated: bool  # the step's deadline is one to meet (Step.dated)
    follow_up: date | None
    owner: str | None
    remaining: Decimal  # State.remaining


@dataclass(slots=True)
class State:
    denial: Denial
    step: Step
    status: Status = "open"
    sent_on: date | None = None
    method: str | None = None
    follow_up: date | None = None
    owner: str | None = None
    recovered: Decimal = ZERO
    written_off: Decimal = ZERO
    patient_billed: Decimal = ZERO
    closed_by: str | None = None
    closed_on: date | None = None
    # Tuples and a shared empty mapping: a state with no events allocates nothing more.
    decisions: tuple[Event, ...] = ()
    events: Sequence[Event] = ()  # all of them, voided ones and corrections too
    voided: Mapping[int, Event] = field(default_factory=lambda: NOTHING_VOIDED)  # event id -> its correction
    ignored: tuple[Event, ...] = ()  # live events out of order (never, when written through `record`)
    still_denied: Decimal | None = None  # after a partial decision read from a remittance: what it left denied

    @property
    def is_open(self) -> bool:
        return self.status != "closed"

    def options_open(self, today: date) -> list[str]:
        """The other ways out of the last dismissal (a review of it, a request to vacate it) whose
        dates have not passed: what is left when the step's own deadline is missed."""
        if not self.decisions:
            return []
        options = [str(o) for o in self.decisions[-1].details.get("options", [])]
        return [o for o in options if (due := OPTION_DATE.search(o)) and date.fromisoformat(due[1]) >= today]

    def standing(self) -> Standing:
        step = self.step
        return Standing(self.denial.id or 0, self.denial.claim_id, self.denial.payer, self.denial.category,
                        self.status, step.action, step.deadline, step.dated, self.follow_up, self.owner,
                        self.remaining)

    @property
    def remaining(self) -> Decimal:
        """What is still at stake: the denied amount less what was recovered, written off or billed."""
        if not (self.recovered or self.written_off or self.patient_billed):  # most denials: nothing yet
            return self.denial.at_stake
        left = self.denial.at_stake - self.recovered - self.written_off - self.patient_billed
        if self.still_denied is not None:  # a contractual write-off on the rest is no one's to recover
            left = min(left, self.still_denied - self.written_off - self.patient_billed)
        return max(left, ZERO)


def problem(state: State, event: Event) -> str | None:
    """Why `event` cannot follow the history so far, or None when it can."""
    kind, step = event.kind, state.step
    if event.on < state.denial.denied_on:
        return f"date {event.on} is before the denial ({state.denial.denied_on})"
    if kind in (Kind.built, Kind.correction):
        return None
    if kind is Kind.reopened:
        return None if state.status == "closed" else "the denial is open; only a closed denial can be reopened"
    if state.status == "closed":
        return f"the denial is closed ({state.closed_by} on {state.closed_on}); record reopened first"
    if kind is Kind.sent:
        if state.status == "sent":
            return f"already sent on {state.sent_on} for {step.level_name}; record a decision or a follow-up"
        if event.on < step.opened_on:
            return f"date {event.on} is before {step.level_name} opened ({step.opened_on})"
    if kind is Kind.decision:
        if state.status != "sent" and not event.from_remittance:
            return f"no request is pending for {step.level_name}; record sent first"
        if event.on < (state.sent_on or step.opened_on):
            return f"date {event.on} is before the request was sent ({state.sent_on or step.opened_on})"
    if kind is Kind.follow_up and state.sent_on is not None and event.on < state.sent_on:
        return f"date {event.on} is before the request was sent ({state.sent_on})"
    return None


def apply(state: State, event: Event) -> None:
    """Move the state on by one event that `problem` accepted."""
    kind, amount = event.kind, event.amount or ZERO
    if kind is Kind.sent:
        state.step = event.sent_step or state.step  # its decision answers what was sent
        state.status, state.sent_on, state.method, state.follow_up = "sent", event.on, event.method, event.next_date
    elif kind is Kind.follow_up:
        state.follow_up = event.next_date
    elif kind is Kind.decision:
        state.decisions = (*state.decisions, event)
        if event.outcome in ("overturned", "partially_overturned"):
            state.recovered += amount
        state.still_denied = event.still_denied if event.still_denied is not None else state.still_denied
        if event.outcome == "overturned":
            _close(state, "overturned", event.on)
        else:  # upheld, dismissed or partially overturned: the next level (or the final action) is due
            state.step = event.next_step or state.step
            state.status, state.sent_on, state.method, state.follow_up = "open", None, None, None
    elif kind is Kind.adjusted:
        state.written_off += amount
        _close_when_settled(state, "adjusted", event.on)
    elif kind is Kind.billed_patient:
        state.patient_billed += amount
        _close_when_settled(state, "billed_patient", event.on)
    elif kind is Kind.assigned:
        state.owner = event.owner
    elif kind is Kind.reopened:
        state.status, state.closed_by, state.closed_on = "open", None, None
        state.sent_on, state.method, state.follow_up = None, None, None


def remaining_after(state: State, event: Event) -> Decimal:
    """What would still be at stake once `event` is applied (the next level's amount in
    controversy after a partial decision), leaving `state` as it is."""
    after = replace(state)
    apply(after, event)
    return after.remaining


def _close(state: State, by: str, on: date) -> None:
    state.status, state.closed_by, state.closed_on, state.follow_up = "closed", by, on, None


def _close_when_settled(state: State, by: str, on: date) -> None:
    """A write-off or a bill to the patient closes the denial once nothing is left at stake; of
    part of it, the rest is still worked (closed, it went out of every figure)."""
    if state.remaining <= ZERO:
        _close(state, by, on)


def derive(denial: Denial, events: Sequence[Event]) -> State:
    """The state after `events` (in the order they were recorded), corrections applied. The log
    keeps a copy of it per denial (`log_states`): a change to these rules needs a new revision in
    `migrate.REBUILD_STATES`, so every log's copies are made again."""
    state = State(denial, denial.first, events=tuple(events))
    if not events:  # most denials in a queue: nothing recorded yet
        return state
    state.voided = {e.voids: e for e in events if e.kind is Kind.correction and e.voids is not None}
    for event in events:
        if event.kind is Kind.correction or event.id in state.voided:
            continue
        if problem(state, event) is None:
            apply(state, event)
        else:
            state.ignored = (*state.ignored, event)
    return state


def correction_problem(state: State, correction: Event) -> str | None:
    """Why `correction` cannot void its target, or None when it can."""
    target = next((e for e in state.events if e.id == correction.voids), None)
    if target is None:
        return f"event #{correction.voids} is not an event of this denial"
    if target.kind is Kind.correction:
        return f"event #{target.id} is a correction; record the event again instead"
    voided_by = state.voided.get(target.id or 0)
    if voided_by is not None:
        return f"event #{target.id} is already voided by #{voided_by.id}"
    trial = derive(state.denial, [*state.events, correction])
    if trial.ignored:
        first = trial.ignored[0]
        return f"event #{first.id} ({first.kind.value}) depends on event #{target.id}; correct #{first.id} first"
    return None
