"""What the log holds, as plain data: a denial (opened from a remittance or a claim file, with
the first step the plan gave it), the events recorded about it, and the step a denial is at."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from appealgen.models import Decision
from appealgen.plan import DATED as DATED_ACTIONS
from appealgen.plan import SUBMITTED
from appealgen.rules.classify import CodeUse


class Kind(StrEnum):
    """Event kinds. `built` is recorded by the tool; people record the others."""

    built = "built"  # a packet was built: path, pages, check result, input hash
    sent = "sent"  # the request went to the payer (method: fax, portal, mail, electronic)
    follow_up = "follow_up"  # someone checked on it; when to check next
    decision = "decision"  # the payer decided: overturned, partial, upheld, dismissed
    adjusted = "adjusted"  # written off
    billed_patient = "billed_patient"  # the balance was billed to the patient
    assigned = "assigned"  # who owns it now
    reopened = "reopened"  # a closed denial is worked again
    correction = "correction"  # voids an earlier event (with a reason); nothing is erased


RECORDED_BY_PEOPLE = tuple(k for k in Kind if k is not Kind.built)
KINDS = {k.value: k for k in Kind}  # a dict lookup: Kind(text) costs more, 100,000s of times
SENDS = frozenset(a.value for a in SUBMITTED)  # actions that send something to the payer
DATED = frozenset(a.value for a in DATED_ACTIONS)  # deadlines to meet: see plan.DATED
# The decisions a payer makes on a request: the plan's and the claim file's words (Decision).
OUTCOMES = tuple(d.value for d in Decision if d is not Decision.pending)
METHODS = ("fax", "portal", "mail", "electronic")


def is_dated(action: str, deadline: date | None) -> bool:
    """Whether a step's deadline is one to meet (it sends something, or a review decides in time)."""
    return deadline is not None and action in DATED


@dataclass(frozen=True, slots=True)
class Step:
    """Where a denial stands: the action due at an appeal level, and its filing deadline."""

    level: str
    level_name: str
    action: str
    deadline: date | None  # None when the action sends nothing to the payer (a review is dated: DATED)
    deadline_reason: str  # for a step that sends nothing, why: the action's reason
    opened_on: date  # the denial date, or the decision that opened this level

    @property
    def sends(self) -> bool:
        return self.action in SENDS

    @property
    def dated(self) -> bool:
        return is_dated(self.action, self.deadline)

    @property
    def taken_at(self) -> str:
        """The level whose request or decision the step waits on; "" for a step no level takes
        (adjust, check status: nothing is filed)."""
        return self.level_name if self.dated else ""

    def words(self) -> str:
        """"appeal at Redetermination by 2027-02-16"; a step with no deadline to meet is its action
        alone ("adjust"): no level takes it."""
        return f"{self.action} at {self.taken_at} by {self.deadline}" if self.taken_at else self.action

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level, "level_name": self.level_name, "action": self.action,
                "deadline": self.deadline.isoformat() if self.deadline else None,
                "deadline_reason": self.deadline_reason, "opened_on": self.opened_on.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Step:
        return cls(data["level"], data["level_name"], data["action"],
                   date.fromisoformat(data["deadline"]) if data["deadline"] else None,
                   data["deadline_reason"], date.fromisoformat(data["opened_on"]))


@dataclass(slots=True)
class Facts:
    """What the opening of a denial recorded beyond what its state needs: read by `log show`,
    by re-planning (the codes) and when storing; the queue reads denials without them."""

    source: str  # "835" or "claim file"
    payer_name: str
    reason: str  # the code that chose the category: "CO-50"
    codes: tuple[str, ...]  # tuples: an empty one is shared
    carcs: tuple[CodeUse, ...]  # each reason code as the rules read it
    rarcs: tuple[str, ...]
    patient_liable: bool
    first_dos: date
    billed: Decimal
    paid: Decimal
    dedupe_key: str
    remit_id: int | None = None


@dataclass(slots=True)
class Denial:
    """The opening of a denial: what its state is derived from (the first step the plan gave
    it, the amount at stake) and, when read, the rest of what was recorded (`facts`)."""

    practice: str
    claim_id: str
    payer: str
    category: str
    denied_on: date
    at_stake: Decimal
    first: Step
    facts: Facts | None = None
    id: int | None = None  # set once stored

    @property
    def recorded(self) -> Facts:
        if self.facts is None:
            raise LookupError(f"denial {self.id} was read without its facts")
        return self.facts


@dataclass(slots=True)
class Event:
    kind: Kind
    on: date
    who: str
    ref: str | None = None
    amount: Decimal | None = None
    note: str | None = None
    level: str | None = None
    outcome: str | None = None
    method: str | None = None
    owner: str | None = None
    next_date: date | None = None
    voids: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None
    id: int | None = None  # set once stored
    recorded_at: datetime | None = None

    @property
    def from_remittance(self) -> bool:
        """A decision read from a later remittance (not typed by a person)."""
        return "remit_id" in self.details

    @property
    def still_denied(self) -> Decimal | None:
        """What a partial decision read from a remittance left denied on the denial's lines (the
        rest of what was at stake the payer may have moved to a contractual write-off)."""
        value = self.details.get("still_denied")
        return Decimal(value) if value is not None else None

    @property
    def next_step(self) -> Step | None:
        """The step a decision opened (the next level, or the final action)."""
        data = self.details.get("next")
        return Step.from_json(data) if data else None

    @property
    def sent_step(self) -> Step | None:
        """What a request sent asked for, where it is not the step the log had due (a reopening
        or a corrected claim built in place of the appeal the plan first named)."""
        data = self.details.get("step")
        return Step.from_json(data) if data else None


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def code_json(use: CodeUse) -> list[Any]:
    """A reason code as the log keeps it: [group, carc, amount, unpaid, modifiers]."""
    amount = None if use.amount is None else str(use.amount)
    return [use.group, use.carc, amount, use.unpaid, sorted(use.modifiers or ())]


def code_use(data: Any) -> CodeUse:
    group, carc, amount, unpaid, modifiers = data
    return CodeUse(group, carc, None if amount is None else Decimal(amount), bool(unpaid), frozenset(modifiers))
