"""What a run built, as an event of its denial (`built`): a packet (where it is, its pages, its
check result, the hash of its inputs) or a letter alone (its files). A claim the log does not
know yet is opened from its claim file."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from appealgen.log.model import Event, Kind
from appealgen.log.opening import claim_file_key, denial_from_claim
from appealgen.log.record import current, resolve_practice
from appealgen.log.state import State, derive, problem
from appealgen.log.store import Filters, existing_keys, insert_denials, insert_events, load_states
from appealgen.log.tables import events
from appealgen.outcome import Outcome
from appealgen.rules.classify import classify
from appealgen.settings import Settings
from appealgen.sources.items import Item
from appealgen.toolkit import Toolkit


def record_built(conn: Connection, tools: Toolkit, settings: Settings, item: Item, outcome: Outcome,
                 who: str) -> str:
    """Record one build (this very packet or letter, same inputs and day, once). Returns what a
    person must hear when the log knows better: the denial is closed, or its decisions have moved
    it to another level than the one this packet asks (nothing is recorded then), else ""."""
    claim = item.claim
    practice = resolve_practice(conn, settings.file.practice, claim.claim_id)
    states = load_states(conn, Filters(practice=practice, claim_ids=(claim.claim_id,)))
    if states:
        state = current(states)
    else:
        profile = tools.profile(claim.payer, item.origin)
        found = classify(claim, tools.codes().for_program(profile.kind))
        if not found.denied:  # a balance the patient owes, a contractual reduction: as `log import` reads them
            return (f"not a denial ({found.category.value}); the tracking log keeps denials, so nothing was "
                    "recorded")
        denial = denial_from_claim(claim, practice, "claim file", claim_file_key(practice, claim), profile,
                                   tools.codes(), settings.today, item.origin)
        insert_denials(conn, [denial])
        state = derive(denial, [])
    denial = state.denial
    details, level = built_details(settings, item, outcome)
    disagreement = log_disagrees(state, level, "packet" if outcome.report else "letter")
    if disagreement:
        return disagreement
    made = outcome.report.inputs_sha256 if outcome.report else ",".join(sorted(f.name for f in outcome.files))
    key = f"built:{denial.id}:{made}:{settings.today}"
    if existing_keys(conn, events.c.dedupe_key, [key]):
        return ""
    event = Event(Kind.built, settings.today, who, level=level, details=details, dedupe_key=key)
    if problem(state, event) is None:  # else built "before" the denial (an --as-of in the past)
        insert_events(conn, [(denial, event)])
    return ""


def log_disagrees(state: State, level: str | None, made: str) -> str:
    """Why what was built is not what the log's denial needs: it is closed (a request would be
    sent for a claim settled), or the decisions recorded since it opened moved it to another
    level (a request to a level already decided, which the payer dismisses). Built from an 835 or
    a claim file without that history, a packet asks for the first level again."""
    claim_id = state.denial.claim_id
    if state.status == "closed":
        by = (state.closed_by or "").replace("_", " ")
        return (f"the tracking log has this denial closed ({by} on {state.closed_on}): this {made} is not needed "
                f"and was not recorded; if it is, record `log record {claim_id} reopened` first")
    step = state.step
    if state.decisions and level is not None and level != step.level:
        due = f" by {step.deadline}" if step.deadline else ""
        return (f"the tracking log has this denial at {step.level_name} ({step.action}{due}) after the decisions "
                f"recorded; this {made} asks for another level and was not recorded: build it from a claim file "
                f"with its appeal history (`log show {claim_id}`)")
    return ""


def built_details(settings: Settings, item: Item, outcome: Outcome) -> tuple[dict[str, object], str | None]:
    """What the event keeps of a packet's report, or of a letter's files; and the level."""
    report, plan = outcome.report, outcome.plan
    named = {"level_name": plan.level_name} if plan else {}  # "New claim" for a new claim: its follow-up is a claim's
    if report is not None:
        folder = outcome.folder or settings.out / item.practice / report.claim_id
        return {"packet": str((folder / "packet.pdf").absolute()), "pages": report.pages,
                "passed": report.check.passed, "missing": report.check.missing,
                "problems": len(report.check.problems), "inputs_sha256": report.inputs_sha256,
                "action": report.action.value, "deadline": report.deadline.isoformat(),
                "origin": item.origin, **named}, report.level
    return {"letters": [str(f.absolute()) for f in outcome.files], "origin": item.origin,
            "action": plan.action.value if plan else None,
            "deadline": plan.deadline.isoformat() if plan else None, **named}, plan.level if plan else None
