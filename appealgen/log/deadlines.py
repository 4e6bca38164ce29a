"""`appealgen deadlines`: the filing deadlines of open denials that must send something (or that
wait for a person's review, which must end while a request can still be filed), and the
follow-ups due on requests awaiting a decision; overdue ones make the command exit 3. The
calendar file (iCalendar, RFC 5545) holds every one of them as an all-day event with alarms 14,
7 and 1 days before. It names claim IDs, actions, levels and payers: never a patient."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from appealgen.errors import EXIT_CHECK_FAILED, EXIT_OK
from appealgen.log.state import State
from appealgen.models import Action

REVIEW = Action.review.value
ALARM_DAYS = (14, 7, 1)
LINE_OCTETS = 75  # RFC 5545 3.1: fold longer content lines


@dataclass(frozen=True)
class Due:
    practice: str
    claim_id: str
    denial_id: int
    what: str  # "deadline" (send the request by then) or "follow-up" (ask the payer for its decision)
    action: str
    level: str
    payer: str
    on: date  # the day to send by (a deadline), or to follow up on
    days_left: int
    arrive_by: date | None = None  # a deadline the payer must receive the request by, when it is later than `on`

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def review(self) -> bool:  # a person decides; a request may still follow within the window
        return self.what == "deadline" and self.action == REVIEW

    def description(self) -> str:
        verb = ("Review the denial and decide what to send" if self.review
                else f"Send the {self.action.replace('_', ' ')} request" if self.what == "deadline"
                else "Ask the payer for its decision on the request")
        return (f"{verb} for claim {self.claim_id} (practice {self.practice}, {self.payer}, {self.level}) "
                f"by {self.on}{self._arriving()}. History: appealgen log show {self.claim_id}")

    def _arriving(self) -> str:
        return f" (it must arrive by {self.arrive_by})" if self.arrive_by else ""

    def title(self) -> str:
        if self.review:
            return f"{self.claim_id}: review and decide ({self.level}, {self.payer}) by {self.on}"
        if self.what == "deadline":
            return (f"{self.claim_id}: send {self.action.replace('_', ' ')} ({self.level}, {self.payer}) by {self.on}"
                    f"{self._arriving()}")
        return f"{self.claim_id}: follow up on the {self.level} request ({self.payer}) on {self.on}"


def deadlines_exit_code(items: Iterable[Due]) -> int:
    """Overdue deadlines or follow-ups fail the command, as a failing check does."""
    return EXIT_CHECK_FAILED if any(d.overdue for d in items) else EXIT_OK


def due_items(states: Iterable[State], today: date, send_by: Callable[[State], date] | None = None) -> list[Due]:
    """Every dated thing to do on open denials, soonest first. `send_by`: the day a request must
    leave to arrive by its step's deadline (the payer's delivery and transit days); a review is
    dated by the deadline itself (it sends nothing yet)."""
    found = []
    for state in states:
        if not state.is_open:
            continue
        denial, step = state.denial, state.step
        arrive_by = None
        if state.status == "sent" and state.follow_up is not None:
            what, on = "follow-up", state.follow_up
        elif state.status == "open" and step.dated and step.deadline is not None:
            what, on = "deadline", step.deadline
            leave = send_by(state) if send_by is not None and step.action != REVIEW else on
            on, arrive_by = (leave, on) if leave < on else (on, None)
        else:
            continue
        found.append(Due(denial.practice, denial.claim_id, denial.id or 0, what, step.action, step.level_name,
                         denial.payer, on, (on - today).days, arrive_by))
    return sorted(found, key=lambda d: (d.on, d.claim_id))


def within(items: list[Due], days: int) -> list[Due]:
    return [d for d in items if d.days_left <= days]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (never splitting a
    UTF-8 character)."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = LINE_OCTETS if not out else LINE_OCTETS - 1
        if len((current + char).encode()) > limit:
            out.append(current)
            current = ""
        current += char
    out.append(current)
    return "\r\n ".join(out)


def calendar(items: Iterable[Due], stamp: date) -> str:
    """An iCalendar file with one all-day VEVENT (and three alarms) per item."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//appealgen//tracking log//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "X-WR-CALNAME:appealgen deadlines"]
    for item in items:
        title = _escape(item.title())
        lines += [
            "BEGIN:VEVENT",
            f"UID:appealgen-{item.practice}-{item.denial_id}-{item.what}-{item.on:%Y%m%d}@appealgen".replace(" ", "_"),
            f"DTSTAMP:{stamp:%Y%m%d}T000000Z",
            f"DTSTART;VALUE=DATE:{item.on:%Y%m%d}",
            f"DTEND;VALUE=DATE:{item.on + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{title}",
            f"DESCRIPTION:{_escape(item.description())}",
            "CATEGORIES:appealgen," + ("appeal deadline" if item.what == "deadline" else "follow-up"),
            "TRANSP:TRANSPARENT",
        ]
        for days in ALARM_DAYS:
            lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{title}", f"TRIGGER:-P{days}D", "END:VALARM"]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
