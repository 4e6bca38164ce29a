"""Each denial's history replayed up to the end of the report (the log's one rule book,
`appealgen.log.state`, decides which events count, as it does for the queue), turned into dated
facts the metrics count: the denial's opening, each request sent, each decision, write-offs,
the deadline of a step that passed unsent, the resolution, and the state at the end.

Live events only: an event voided by a correction never counts, whenever the correction was
recorded (the mistake is known now). Events dated after the report's end are left out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from appealgen.log.model import Event, Kind
from appealgen.log.state import State, apply, problem
from appealgen.models import Action
from appealgen.readiness import REVIEWS
from appealgen.reports.causes import CauseTable

ZERO = Decimal("0.00")
MOVES = frozenset({Kind.sent, Kind.decision, Kind.adjusted, Kind.billed_patient})  # events that end an unsent step
CLOSING = {"overturned": "overturned (paid)", "adjusted": "written off", "billed_patient": "billed to the patient"}
UNASKED = "paid with no request sent"  # a payer's own reprocessing: no appeal won it
# Requests for review on the merits (a `review` step sent: a person chose to appeal at its level).
# A corrected or new claim, a reopening (a clerical fix) and a retroactive authorization are
# resubmissions, paid nine times in ten: counted as appeals won they would make the overturn rate
# say little about the appeals (DOMAIN.md: a corrected claim is not an appeal).
APPEALS = frozenset(action.value for action in (*REVIEWS, Action.review))


@dataclass(slots=True)
class Subject:
    """What every fact of one denial is grouped by."""

    denial_id: int
    practice: str
    claim_id: str
    payer: str  # as the remittance named it (N1*PR): one payer profile may stand for several payers
    category: str
    reason: str
    cause: str
    avoidable: bool
    team: str
    denied_on: date
    at_stake: Decimal
    level: str = ""  # the level it stands at, at the end of the period
    owner: str = ""  # its owner at the end of the period ("" when unassigned)


@dataclass(slots=True)
class Sent:
    on: date
    subject: Subject
    level: str
    deadline: date | None
    first: bool  # the denial's first appeal (days from denial to appeal)


@dataclass(slots=True)
class Decided:
    on: date
    subject: Subject
    level: str
    outcome: str
    recovered: Decimal
    in_dispute: Decimal  # what was still at stake when the payer decided
    overturned: Decimal  # of that, what the decision no longer denies


@dataclass(slots=True)
class WrittenOff:
    on: date
    subject: Subject
    amount: Decimal


@dataclass(slots=True)
class Missed:
    on: date  # the deadline that passed
    subject: Subject
    level: str
    amount: Decimal  # still at stake then
    sent_on: date | None  # sent late (with good cause), or None


@dataclass(slots=True)
class Resolved:
    on: date  # the fixed endpoint: the date it closed (paid on overturn, written off, billed to the patient)
    subject: Subject
    by: str


@dataclass(slots=True)
class Open:
    subject: Subject
    amount: Decimal  # still at stake at the end of the period


@dataclass(slots=True)
class Facts:
    opened: list[Subject] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    decided: list[Decided] = field(default_factory=list)  # on appeals (APPEALS)
    resubmitted: list[Decided] = field(default_factory=list)  # on the other requests: resubmissions
    written_off: list[WrittenOff] = field(default_factory=list)
    billed_patient: list[WrittenOff] = field(default_factory=list)  # moved to the patient's bill, by the same shape
    missed: list[Missed] = field(default_factory=list)
    resolved: list[Resolved] = field(default_factory=list)
    open_at_end: list[Open] = field(default_factory=list)
    open_before: list[Open] = field(default_factory=list)  # open at the previous period's end (its backlog)


def live(events: Iterable[Event], end: date) -> list[Event]:
    """Events that count at `end`: not corrections, not voided, dated on or before `end`."""
    events = list(events)
    voided = {e.voids for e in events if e.kind is Kind.correction}
    return [e for e in events if e.kind is not Kind.correction and e.id not in voided and e.on <= end]


def _missed_check(state: State, on: date, facts: Facts, subject: Subject, seen: set[tuple[str, date]],
                  sent_on: date | None) -> None:
    """A step open and unsent whose deadline passed before `on` is a missed deadline."""
    step = state.step
    if state.status != "open" or not step.dated or step.deadline is None or step.deadline >= on:
        return
    if (step.level, step.deadline) not in seen:
        seen.add((step.level, step.deadline))
        facts.missed.append(Missed(step.deadline, subject, step.level_name, state.remaining, sent_on))


def replay(state: State, subject: Subject, end: date, facts: Facts, previous_end: date | None = None) -> None:
    """Add one denial's facts up to `end` (its state as derived by the rule book, step by step),
    and whether it was open at `previous_end` (the previous period's backlog), in the same pass."""
    facts.opened.append(subject)
    cut = previous_end if previous_end is not None and state.denial.denied_on <= previous_end else None
    walk = State(state.denial, state.denial.first)
    seen: set[tuple[str, date]] = set()
    first_sent = True
    endpoint: Resolved | None = None  # one fixed endpoint: the last closing (a reopened denial closes again)
    for event in live(state.events, end):
        if cut is not None and event.on > cut:
            _open_before(walk, subject, facts)
            cut = None
        if problem(walk, event) is not None:
            continue  # out of order: the rule book ignores it when deriving, so do we
        if event.kind in MOVES:
            _missed_check(walk, event.on, facts, subject, seen, event.on if event.kind is Kind.sent else None)
        appealed = event.kind is Kind.sent and walk.step.action in APPEALS
        _record(walk, event, subject, facts, first_sent and appealed)
        first_sent = first_sent and not appealed
        was_open, asked = walk.is_open, walk.status == "sent"
        apply(walk, event)
        if was_open and not walk.is_open and walk.closed_by is not None:
            by = UNASKED if event.kind is Kind.decision and not asked else CLOSING.get(walk.closed_by, walk.closed_by)
            endpoint = Resolved(event.on, subject, by)
    if endpoint is not None and not walk.is_open:  # reopened and still open at the end: not resolved
        facts.resolved.append(endpoint)
    if cut is not None:
        _open_before(walk, subject, facts)
    _missed_check(walk, end, facts, subject, seen, None)
    # A step that sends nothing (a status check, a write-off) stands at no level: the queue shows none
    subject.level, subject.owner = walk.step.taken_at, walk.owner or ""
    if walk.is_open:
        facts.open_at_end.append(Open(subject, walk.remaining))


def _open_before(walk: State, subject: Subject, facts: Facts) -> None:
    if walk.is_open:
        facts.open_before.append(Open(subject, walk.remaining))


def _record(walk: State, event: Event, subject: Subject, facts: Facts, first_appeal: bool) -> None:
    step = walk.step
    if event.kind is Kind.sent:
        facts.sent.append(Sent(event.on, subject, step.level_name, step.deadline if step.dated else None,
                               first_appeal))
    elif event.kind is Kind.decision and walk.status == "sent":
        # A decision on a request sent; a later remittance that pays a claim nobody appealed is
        # the payer's own reprocessing, not an appeal won.
        won = event.outcome in ("overturned", "partially_overturned")
        decided = Decided(event.on, subject, step.level_name, event.outcome or "", (event.amount or ZERO) if won
                          else ZERO, walk.remaining, overturned_by(event, walk.remaining))
        (facts.decided if step.action in APPEALS else facts.resubmitted).append(decided)
    elif event.kind is Kind.adjusted:
        facts.written_off.append(WrittenOff(event.on, subject, event.amount or ZERO))
    elif event.kind is Kind.billed_patient:
        facts.billed_patient.append(WrittenOff(event.on, subject, event.amount or ZERO))


def overturned_by(event: Event, in_dispute: Decimal) -> Decimal:
    """The denied dollars a decision overturned: all it had at stake when overturned in full (the
    payer pays its allowed amount, the rest is contractual: no loss of the appeal); in part, what
    the remittance no longer denies, else (recorded by a person) the amount paid."""
    if event.outcome == "overturned":
        return in_dispute
    if event.outcome != "partially_overturned":
        return ZERO
    if event.still_denied is not None:
        return max(in_dispute - event.still_denied, ZERO)
    return min(event.amount or ZERO, in_dispute)


def subject_of(state: State, labels: tuple[str, str], causes: CauseTable, memo: dict[tuple[str, str], str],
               own: Mapping[str, str] | None = None) -> Subject:
    """The denial as its facts are grouped: by the payer its remittance named (a claim file's:
    its payer profile's name), the reason code, the root cause."""
    denial = state.denial
    reason, payer = labels
    key = (denial.category, reason)
    cause_id = memo.get(key)
    if cause_id is None:
        cause_id = memo[key] = causes.cause_id(denial.category, reason, own)
    cause = causes.causes[cause_id]
    return Subject(denial.id or 0, denial.practice, denial.claim_id, payer or denial.payer, denial.category, reason,
                   cause_id, cause.avoidable, cause.team, denial.denied_on, denial.at_stake)


def collect(states: Iterable[State], labels: dict[int, tuple[str, str]], causes: CauseTable, end: date,
            previous_end: date | None = None, own: Mapping[str, str] | None = None) -> Facts:
    """The facts of every denial opened on or before `end`; those open at `previous_end` too.
    `own`: the category each reason code gives by itself (see CauseTable.cause_id)."""
    facts, memo = Facts(), dict[tuple[str, str], str]()
    for state in states:
        if state.denial.denied_on <= end:
            subject = subject_of(state, labels.get(state.denial.id or 0, ("", "")), causes, memo, own)
            replay(state, subject, end, facts, previous_end)
    for found in (facts.sent, facts.decided, facts.resubmitted, facts.written_off, facts.billed_patient, facts.missed,
                  facts.resolved):
        found.sort(key=lambda f: f.on)  # type: ignore[attr-defined]
    facts.opened.sort(key=lambda s: s.denied_on)
    return facts
