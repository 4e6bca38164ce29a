"""What people record about a denial (`appealgen log record`): each entry checked for its
fields, then against the denial's history (the rules of `state.problem`), completed with what
the tool knows (the follow-up date after a submission, the step a decision opens), and stored.
A refusal is one line: `CLAIM_ID: event: why`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from appealgen.toolkit import Toolkit

from appealgen.errors import InputError
from appealgen.log.model import METHODS, OUTCOMES, SENDS, Event, Kind, Step
from appealgen.log.state import ZERO, State, correction_problem, derive, problem, remaining_after
from appealgen.log.steps import follow_up_after, options_after, step_after
from appealgen.log.store import Filters, insert_events, load_states, practices_of
from appealgen.models import Decision

DEFAULT_PRACTICE = "default"
# The options an event takes beyond the common ones (date, ref, by, note), and those it needs.
TAKES: dict[Kind, set[str]] = {
    Kind.sent: {"method", "amount"}, Kind.follow_up: {"next_date"}, Kind.decision: {"outcome", "amount"},
    Kind.adjusted: {"amount"}, Kind.billed_patient: {"amount"}, Kind.assigned: {"owner"},
    Kind.reopened: set(), Kind.correction: {"voids"},
}
NEEDS: dict[Kind, set[str]] = {
    Kind.sent: {"method"}, Kind.follow_up: {"next_date"}, Kind.decision: {"outcome"},
    Kind.assigned: {"owner"}, Kind.correction: {"voids", "note"},
}
OPTION = {"next_date": "next", "voids": "voids", "method": "method", "outcome": "outcome", "owner": "owner",
          "amount": "amount", "note": "note"}


@dataclass(frozen=True)
class Entry:
    """One event as a person gives it; `amount` as typed (checked here)."""

    kind: Kind
    on: date
    who: str
    ref: str | None = None
    amount: str | None = None
    note: str | None = None
    method: str | None = None
    outcome: str | None = None
    owner: str | None = None
    next_date: date | None = None
    voids: int | None = None


@dataclass
class Recorded:
    event: Event
    state: State
    notes: list[str] = field(default_factory=list)  # what the tool added (the follow-up date, the next step)


def parse_amount(source: str, text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").removeprefix("$"))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise InputError(source, "amount", f"{text!r} is not an amount (like 120.50)")
    return value


def check_entry(claim_id: str, entry: Entry, today: date) -> None:
    """The entry's own fields: which options this event takes and needs, and their values."""
    kind = entry.kind
    given = {name for name in OPTION if getattr(entry, name) not in (None, "")}
    for name in sorted(given - TAKES[kind] - {"note"}):
        raise InputError(claim_id, OPTION[name], f"does not apply to {kind.value}")
    for name in sorted(NEEDS.get(kind, set()) - given):
        raise InputError(claim_id, OPTION[name], f"is required for {kind.value}")
    if entry.on > today:
        raise InputError(claim_id, "date", f"{entry.on} is after today ({today})")
    if entry.method is not None and entry.method not in METHODS:
        raise InputError(claim_id, "method", f"must be one of {', '.join(METHODS)}")
    if entry.outcome is not None and entry.outcome not in OUTCOMES:
        raise InputError(claim_id, "outcome", f"must be one of {', '.join(OUTCOMES)}")
    if entry.next_date is not None and entry.next_date <= entry.on:
        raise InputError(claim_id, "next", f"{entry.next_date} must be after the event's date ({entry.on})")
    if kind is Kind.decision and entry.outcome == "partially_overturned" and entry.amount is None:
        raise InputError(claim_id, "amount", "is required for a partial decision (the amount paid)")
    for name, value, limit in (("ref", entry.ref, 80), ("owner", entry.owner, 80), ("note", entry.note, 2000),
                               ("by", entry.who, 80)):
        if value is not None and (len(value) > limit or (name != "note" and not value.strip())):
            raise InputError(claim_id, name, f"must be 1 to {limit} characters")


def resolve_practice(conn: Connection, given: str | None, claim_id: str) -> str:
    """The practice named, else the only one that has this claim (else the default)."""
    if given:
        return given
    found = practices_of(conn, claim_id)
    if len(found) > 1:
        raise InputError(claim_id, "practice", f"the claim is in several practices ({', '.join(found)}); "
                         "name one with --practice")
    return found[0] if found else DEFAULT_PRACTICE


def claim_states(conn: Connection, practice: str, claim_id: str) -> list[State]:
    states = load_states(conn, Filters(practice=practice, claim_ids=(claim_id,)))
    if not states:
        raise InputError(claim_id, "claim", f"not in the log (practice {practice}); import its remittance first "
                         "(appealgen log import FILE.835), or build its claim file, a CSV export's too, with the "
                         "log in use (its denial opens from it)")
    return states


def current(states: list[State]) -> State:
    """The denial people work on: the open one, else the latest."""
    return next((s for s in reversed(states) if s.is_open), states[-1])


def over_stake(state: State, event: Event) -> str | None:
    """A write-off, a patient bill or a recovery larger than what is still at stake would count
    money twice in the report, or an overturn rate over 100% (checked as entries are recorded;
    the rule book leaves stored events as they are). Interest a payer adds goes in the note."""
    if event.kind not in (Kind.adjusted, Kind.billed_patient, Kind.decision) or event.amount is None:
        return None
    if event.amount > state.remaining:
        return f"amount {event.amount:,.2f} is more than the {state.remaining:,.2f} still at stake"
    return None


def not_liable(state: State, event: Event) -> str | None:
    """A patient may be billed only where the rules found them liable when the denial was
    opened (a PR group code; a PR-50 only with an advance beneficiary notice on file, modifier
    GA), and for no more than the PR amounts. A CO or PI balance is the provider's under its
    contract with the payer: billing it to the patient is balance billing."""
    if event.kind is not Kind.billed_patient:
        return None
    facts = state.denial.recorded
    if not facts.patient_liable and facts.reason.startswith("PR-") and facts.reason != "PR-50":
        remarks = f" with remark codes {', '.join(facts.rarcs)}" if facts.rarcs else ""
        return (f"the patient is not liable for this denial ({facts.reason}{remarks}): the rules read it as a "
                f"{state.denial.category.replace('_', ' ')} denial for the provider to resolve with the payer "
                "first; record adjusted to write it off, or the payer's answer when it comes")
    if not facts.patient_liable:
        return (f"the patient is not liable for this denial ({facts.reason}): a patient owes only what a PR group "
                "code assigns (a PR-50 only with an advance beneficiary notice on file, modifier GA); record "
                "adjusted to write it off")
    owed = sum((use.amount or ZERO for use in facts.carcs if use.group == "PR"), ZERO)
    if event.amount is not None and owed and event.amount > owed:
        return f"amount {event.amount:,.2f} is more than the {owed:,.2f} the remittance's PR codes put on the patient"
    return None


def failed_packet(state: State) -> list[str]:
    """A word when the last packet built for this denial failed its check: what was sent may be
    the INCOMPLETE one (recorded all the same: the request did go out)."""
    built = [e for e in state.events if e.kind is Kind.built and e.details and "passed" in e.details]
    if not built or built[-1].details.get("passed", True):
        return []
    missing = built[-1].details.get("missing") or []
    why = f" (missing {', '.join(str(m) for m in missing)})" if missing else ""
    return [f"the last packet built for this claim, on {built[-1].on}, failed its check{why}: make sure what was "
            "sent is complete, or send what is missing now"]


def against_the_plan(step: Step) -> list[str]:
    """A word when a request is recorded where the plan sends nothing (a duplicate's status
    check, a write-off): recorded all the same, for it went out, but someone overruled the plan."""
    if step.dated:  # it sends something, or a person's review may decide to
        return []
    return [f"the plan's step here is {step.action} ({step.deadline_reason}), which sends nothing to the payer: "
            f"recorded as a request at {step.level_name} all the same"]


def settled_stays(state: State) -> list[str]:
    """Reopening a denial written off (or billed to the patient) keeps that amount off what is at
    stake: the payer's payment after an appeal cannot be recorded against it, and the report
    counts the write-off. When it was undone, the write-off itself is the event to void."""
    closing = [e for e in state.events if e.kind.value == state.closed_by and e.id not in state.voided]
    if state.closed_by not in (Kind.adjusted.value, Kind.billed_patient.value) or not closing:
        return []
    last = closing[-1]
    what = "write-off" if last.kind is Kind.adjusted else "bill to the patient"
    claim_id = state.denial.claim_id
    return [f"the {what} of {last.amount or ZERO:,.2f} (#{last.id}) stays recorded, so nothing is at stake: if it "
            f"was undone, void this reopening, then the {what} (`log record {claim_id} correction --voids "
            f"{last.id} --note ...`), which reopens the denial with its amount"]


def built_instead(state: State, tools: Toolkit) -> Step | None:
    """The step of the last request built for this denial since its step opened, where it asked
    for another level than the step's: a reopening or a corrected claim built with --action in
    place of the appeal the plan named. Its decision answers that request (a refused reopening
    leaves the appeal open, counted from the denial: 42 CFR 405.980(a)(5)), never the appeal's."""
    step = state.step
    voided = state.voided
    built = [e for e in state.events if e.kind is Kind.built and e.id not in voided and e.on >= step.opened_on
             and e.level and e.details.get("action") in SENDS and e.details.get("deadline")]
    if not built or built[-1].level == step.level:
        return None
    last = built[-1]
    try:
        level = tools.profile(state.denial.payer).level(last.level)
    except InputError:  # the profile no longer has it
        return None
    name = str(last.details.get("level_name") or level.name)
    return Step(level.id, name, str(last.details["action"]), date.fromisoformat(str(last.details["deadline"])),
                f"as built on {last.on}", step.opened_on)


def to_event(state: State, entry: Entry, tools: Toolkit, notes: list[str]) -> Event:
    """The stored event: the entry plus what the tool works out for it."""
    claim_id, step = state.denial.claim_id, state.step
    amount = parse_amount(claim_id, entry.amount) if entry.amount is not None else None
    event = Event(entry.kind, entry.on, entry.who, entry.ref, amount, entry.note, None, entry.outcome,
                  entry.method, entry.owner, entry.next_date, entry.voids)
    if entry.kind in (Kind.sent, Kind.follow_up, Kind.decision):
        event.level = step.level
    if entry.kind is Kind.sent:
        built = built_instead(state, tools)
        if built is not None:  # the request sent is the one built, not the step the log had due
            step, event.level = built, built.level
            notes.append(f"sent as built: {built.action} at {built.level_name}, not {state.step.words()}")
        event.next_date, why = follow_up_after(tools.profile(state.denial.payer), step, entry.on)
        event.details = {"follow_up_reason": why, **({"step": built.to_json()} if built else {})}
        notes.append(f"follow up on {event.next_date} ({why})")
        notes += failed_packet(state) + against_the_plan(step)
    elif entry.kind in (Kind.adjusted, Kind.billed_patient) and amount is None:
        event.amount = state.remaining
    elif entry.kind is Kind.reopened:
        notes += settled_stays(state)
    elif entry.kind is Kind.decision and problem(state, event) is None:
        if entry.outcome == "overturned" and amount is None:
            event.amount = state.remaining
        if entry.outcome != "overturned":
            profile, outcome = tools.profile(state.denial.payer), Decision(entry.outcome or "upheld")
            following = step_after(state, outcome, entry.on, profile, tools.codes(), remaining_after(state, event))
            options = options_after(state, outcome, entry.on, profile)
            event.details = {"next": following.to_json(), **({"options": options} if options else {})}
            notes += [f"next: {following.words()}", *(f"  {option}" for option in options)]
    return event


def record(conn: Connection, tools: Toolkit, today: date, practice: str | None, claim_id: str,
           entry: Entry) -> Recorded:
    """Check and store one entry; the caller holds the log's write lock."""
    check_entry(claim_id, entry, today)
    states = claim_states(conn, resolve_practice(conn, practice, claim_id), claim_id)
    state = current(states)
    if entry.kind is Kind.correction:
        state = next((s for s in states if any(e.id == entry.voids for e in s.events)), state)
    notes: list[str] = []
    event = to_event(state, entry, tools, notes)
    why = correction_problem(state, event) if entry.kind is Kind.correction else problem(state, event)
    why = why or over_stake(state, event) or not_liable(state, event)
    if why is not None:
        raise InputError(claim_id, entry.kind.value, why)
    insert_events(conn, [(state.denial, event)])
    return Recorded(event, derive(state.denial, [*state.events, event]), notes)
