"""How the queue and the deadlines read: a fixed-width table for people, JSON and CSV for tools.
Claim IDs, payers, actions, dates and amounts only: never a patient's name."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from appealgen.log.deadlines import Due
from appealgen.log.model import money
from appealgen.log.queue import (
    MOST_URGENT,
    PRIOR_WEIGHT,
    PRIORS,
    RELAXED_DAYS,
    UNKNOWN_PRIOR,
    URGENT_DAYS,
    Queue,
    Row,
)
from appealgen.output import SpreadsheetWriter, counted

FIELDS = ("rank", "practice", "claim_id", "payer", "payer_name", "category", "level", "status", "next_action",
          "deadline", "days_left", "follow_up", "owner", "amount", "likelihood", "urgency", "priority", "missed",
          "note", "why")


def _days(days: int | None) -> str:
    return "-" if days is None else str(days)


def _to_deadline(r: Row, as_of: date) -> str:
    """Days to the deadline beside it (a row's due date may be its follow-up instead: see Row);
    "sent" once the request went: the deadline was met, and counting past it read as missed."""
    if r.status == "sent":
        return "sent"
    return _days((r.deadline - as_of).days if r.deadline else None)


def _payer(r: Row) -> str:
    """The payer as its remittance names it, else its payer profile."""
    return r.payer_name or r.payer


def queue_lines(queue: Queue, limit: int) -> list[str]:
    head = (f"{'#':>4} {'claim':16} {'payer':24} {'category':20} {'level':16} {'next action':22} {'deadline':10} "
            f"{'days':>5} {'follow-up':10} {'owner':10} {'amount':>10} {'likely':>6} {'urg':>5} {'priority':>10}")
    lines = [head, "-" * len(head)]
    for rank, r in enumerate(queue.rows[:limit], start=1):
        lines.append(
            f"{rank:>4} {r.claim_id[:16]:16} {_payer(r)[:24]:24} {r.category[:20]:20} {(r.level or '-')[:16]:16} "
            f"{r.next_action[:22]:22} {r.deadline or '-'!s:10} {_to_deadline(r, queue.as_of):>5} "
            f"{r.follow_up or '-'!s:10} {(r.owner or '-')[:10]:10} {money(r.amount):>10} {r.likelihood:>6.0%} "
            f"{r.urgency:>5.1f} {r.priority:>10,.2f}")
    if queue.total > limit:
        lines.append(f"... {queue.total - limit} more (--limit N, or --csv for all)")
    if not queue.rows:
        lines.append("no open denials to work")
    if queue.missed:
        lines += ["", "Missed filing deadlines (send late with a statement of good cause, or record adjusted):"]
        lines += [f"     {r.claim_id[:16]:16} {_payer(r)[:24]:24} {r.category[:20]:20} {(r.level or '-')[:16]:16} "
                  f"{r.next_action[:22]:22} {r.deadline!s:10} {_days(r.days_left):>5} {money(r.amount):>10}"
                  for r in queue.missed]
    return lines


def _row_dict(r: Row, rank: int | None) -> dict[str, Any]:
    return {"rank": rank, "practice": r.practice, "claim_id": r.claim_id, "payer": r.payer, "payer_name": r.payer_name,
            "category": r.category,
            "level": r.level, "status": r.status, "next_action": r.next_action,
            "deadline": r.deadline.isoformat() if r.deadline else None, "days_left": r.days_left,
            "follow_up": r.follow_up.isoformat() if r.follow_up else None, "owner": r.owner,
            "amount": str(r.amount), "likelihood": round(r.likelihood, 4), "urgency": round(r.urgency, 3),
            "priority": r.priority, "missed": r.missed, "note": r.note, "why": r.why}


def queue_json(queue: Queue, limit: int | None) -> dict[str, Any]:
    return {
        "as_of": queue.as_of.isoformat(),
        "ranking": {
            "priority": "amount x likelihood x urgency",
            "likelihood": f"(prior x {PRIOR_WEIGHT} + won) / ({PRIOR_WEIGHT} + decided), by payer and category",
            "priors": {c: p for c, (p, _) in PRIORS.items()} | {"other categories": UNKNOWN_PRIOR[0]},
            "urgency": f"1 at {RELAXED_DAYS}+ days left, linear to {MOST_URGENT:g} at {URGENT_DAYS} or fewer",
        },
        "rows": [_row_dict(r, n) for n, r in enumerate(queue.rows[:limit], start=1)],
        "missed": [_row_dict(r, None) for r in queue.missed],
    }


def queue_csv(queue: Queue, limit: int | None) -> str:
    buffer = io.StringIO()
    writer = SpreadsheetWriter(buffer)
    writer.writerow(FIELDS)
    rows = [_row_dict(r, n) for n, r in enumerate(queue.rows[:limit], start=1)]
    rows += [_row_dict(r, None) for r in queue.missed]
    writer.writerows(["" if row[f] is None else row[f] for f in FIELDS] for row in rows)
    return buffer.getvalue()


def due_line(due: Due) -> str:
    when = f"OVERDUE by {counted(-due.days_left, 'day')}" if due.overdue else f"in {counted(due.days_left, 'day')}"
    return f"{due.on}  {due.what:9}  {when:22}  {due.title()}"
