"""`appealgen log show CLAIM_ID`: a claim's whole history (submissions, remittances, each
denial with every event, voided ones marked) and where it stands now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from appealgen.log.model import Event, Kind, money
from appealgen.log.record import claim_states
from appealgen.log.state import State
from appealgen.log.tables import remits, submissions
from appealgen.output import counted


@dataclass
class History:
    practice: str
    claim_id: str
    submitted: list[dict[str, Any]]
    remitted: list[dict[str, Any]]
    denials: list[State]


def history(conn: Connection, practice: str, claim_id: str) -> History:
    states = claim_states(conn, practice, claim_id)
    sent = conn.execute(select(submissions.c.submitted_on, submissions.c.payer, submissions.c.charge)
                        .where(submissions.c.practice == practice, submissions.c.claim_id == claim_id)
                        .order_by(submissions.c.submitted_on, submissions.c.id))
    paid = conn.execute(select(remits.c.remit_date, remits.c.status_code, remits.c.denied, remits.c.reversal,
                               remits.c.billed, remits.c.paid, remits.c.codes, remits.c.file_name, remits.c.payer,
                               remits.c.payer_name)
                        .where(remits.c.practice == practice, remits.c.claim_id == claim_id)
                        .order_by(remits.c.remit_date, remits.c.id))
    return History(practice, claim_id, [dict(r._mapping) for r in sent], [dict(r._mapping) for r in paid], states)


def event_text(event: Event) -> str:
    kind = event.kind
    parts: list[str] = []
    if kind is Kind.sent:
        parts.append(f"{event.method}; follow up {event.next_date}")
    elif kind is Kind.follow_up:
        parts.append(f"next follow-up {event.next_date}")
    elif kind is Kind.decision:
        parts.append(event.outcome or "")
        step = event.next_step
        if step is not None:
            parts.append(f"next: {step.words()}")
        parts += [str(option) for option in event.details.get("options", [])]  # a dismissal's other ways out
        if event.from_remittance:
            parts.append(f"from {event.details.get('file')} (segment {event.details.get('segment')})")
    elif kind is Kind.assigned:
        parts.append(f"to {event.owner}")
    elif kind is Kind.correction:
        parts.append(f"voids #{event.voids}")
    elif kind is Kind.built and "letters" in event.details:
        parts.append(f"letter {', '.join(event.details['letters'])}")
    elif kind is Kind.built:
        d = event.details
        parts.append(f"{d.get('packet')}, {d.get('pages')} pages, check {'passed' if d.get('passed') else 'FAILED'}")
    if event.amount is not None:
        parts.append(money(event.amount))
    if event.ref:
        parts.append(f"ref {event.ref}")
    return "; ".join(p for p in parts if p)


def state_text(state: State, today: date) -> str:
    step = state.step
    if not state.is_open:
        return f"closed: {state.closed_by} on {state.closed_on}"
    if state.status == "sent":
        now = f"sent {state.sent_on} for {step.level_name}, follow up {state.follow_up}"
    elif step.deadline is not None:
        left = (step.deadline - today).days
        missed = [f"MISSED by {counted(-left, 'day')}: send with good cause, or adjust", *state.options_open(today)]
        when = f"{counted(left, 'day')} left" if left >= 0 else "; ".join(missed)
        now = f"{step.action} at {step.level_name} by {step.deadline} ({when})"
        if not step.sends:  # a review: what the person must weigh
            now += f": {step.deadline_reason}"
    else:
        now = f"{step.action} ({step.deadline_reason})"
    return f"open: {now}; owner {state.owner or '-'}; {money(state.remaining)} at stake"


def lines(found: History, today: date) -> list[str]:
    out = [f"{found.claim_id} (practice {found.practice})"]
    out += [f"  submitted {s['submitted_on']} to {s['payer']}, charge {money(s['charge'])}" for s in found.submitted]
    for r in found.remitted:
        verdict = "reversal" if r["reversal"] else "denied" if r["denied"] else "paid"
        out.append(f"  remitted {r['remit_date']} by {r['payer_name']} ({r['payer']}): {verdict} (status "
                   f"{r['status_code']}), billed "
                   f"{money(r['billed'])}, paid {money(r['paid'])}; {' '.join(r['codes']) or '-'} [{r['file_name']}]")
    for state in found.denials:
        d = state.denial
        out.append(f"  denial {d.denied_on} ({d.recorded.source}): {d.category} ({d.recorded.reason}), "
                   f"{money(d.at_stake)} at stake; {d.first.words()}")
        for event in state.events:
            voided = state.voided.get(event.id or 0)
            mark = f"  [voided by #{voided.id}: {voided.note}]" if voided else ""
            note = f" \u2014 {event.note}" if event.note else ""
            out.append(f"    #{event.id:<4} {event.on}  {event.kind.value:<14} {event_text(event)}{note} "
                       f"(by {event.who}){mark}")
        out.append(f"    now {state_text(state, today)}")
    return out


def as_json(found: History, today: date) -> dict[str, Any]:
    def event_json(event: Event, state: State) -> dict[str, Any]:
        voided = state.voided.get(event.id or 0)
        return {"id": event.id, "kind": event.kind.value, "date": event.on, "by": event.who, "ref": event.ref,
                "amount": event.amount, "note": event.note, "level": event.level, "outcome": event.outcome,
                "method": event.method, "owner": event.owner, "next_date": event.next_date, "voids": event.voids,
                "voided_by": voided.id if voided else None, "details": event.details}

    return {
        "claim_id": found.claim_id, "practice": found.practice, "submitted": found.submitted,
        "remitted": found.remitted,
        "denials": [{
            "denied_on": s.denial.denied_on, "source": s.denial.recorded.source, "payer": s.denial.payer,
            "payer_name": s.denial.recorded.payer_name,
            "category": s.denial.category, "reason": s.denial.recorded.reason, "codes": list(s.denial.recorded.codes),
            "at_stake": s.denial.at_stake, "first_step": s.denial.first.to_json(),
            "events": [event_json(e, s) for e in s.events],
            "now": {"status": s.status, "step": s.step.to_json(), "follow_up": s.follow_up, "owner": s.owner,
                    "remaining": s.remaining, "recovered": s.recovered, "written_off": s.written_off,
                    "closed_by": s.closed_by, "closed_on": s.closed_on, "text": state_text(s, today)},
        } for s in found.denials],
    }
