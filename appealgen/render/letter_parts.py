"""The parts of a letter that are worked out, not typed: which documents the packet holds, the
coverage criteria the enclosed records address, the filing window with its dates, and the
signature block. Templates print them; they decide nothing themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from appealgen.models import AttachmentKind, Claim, Provider
from appealgen.payers import PayerProfile
from appealgen.plan import Plan
from appealgen.rules.policies import Citation


def _flag(description: str) -> Any:
    return field(default=False, metadata={"description": description, "example": "true"})


@dataclass(frozen=True)
class Enclosed:
    """Which kinds of document the packet holds. A letter names a document only under its test
    ({% if enclosed.delivery_ticket %}), so it never mentions one the packet lacks."""

    remittance_advice: bool = _flag("the remittance advice (or the page rendered from the 835)")
    cmn: bool = _flag("a certificate of medical necessity")
    prescription: bool = _flag("the written order (prescription, SWO)")
    progress_notes: bool = _flag("the treating practitioner's progress notes")
    authorization: bool = _flag("the authorization approval")
    medical_records: bool = _flag("other medical records (test reports, operative reports)")
    delivery_ticket: bool = _flag("the delivery ticket (proof of delivery)")
    corrected_claim: bool = _flag("the corrected claim form")
    medical_necessity_letter: bool = _flag("a letter of medical necessity from the practitioner")
    proof_of_timely_filing: bool = _flag("proof of timely filing (an acceptance report)")
    primary_eob: bool = _flag("the primary payer's explanation of benefits")
    decision_notice: bool = _flag("the notice of the previous decision")
    other: bool = _flag("another document")


def enclosed(kinds: set[str]) -> Enclosed:
    return Enclosed(**{kind.value: kind.value in kinds for kind in AttachmentKind})


@dataclass(frozen=True)
class Addressed:
    criterion: str
    documents: list[str]  # the titles of the enclosed documents that show it


@dataclass(frozen=True)
class PolicyView:
    """A coverage policy as the letter cites it."""

    id: str
    kind: str
    title: str
    article: str
    addressed: list[Addressed]  # the criteria the enclosed records address, with the records
    criteria: list[str]  # every criterion that applies to the disputed lines
    stated: bool  # named in the claim file, not found in the policy table


def policy_views(citations: list[Citation], enclosures: list[tuple[str, str]]) -> list[PolicyView]:
    views = []
    for citation in citations:
        addressed = []
        for criterion in citation.criteria:
            titles = [title for kind, title in enclosures if kind in {d.value for d in criterion.documents}]
            if titles or citation.from_claim:
                addressed.append(Addressed(criterion.text, titles))
        views.append(PolicyView(citation.id, citation.kind, citation.title, citation.article or "", addressed,
                                [c.text for c in citation.criteria], citation.from_claim))
    return views


@dataclass(frozen=True)
class Window:
    """The filing window a letter states (rubric: filed within the window, with the dates)."""

    length: str  # "120 days", "12 months"
    start: date  # the day it counts from
    start_label: str  # "the initial determination", "the redetermination decision", "the date of service"
    receipt_days: int  # days of presumed receipt (Medicare: 5)
    received: date  # start plus the presumed receipt
    deadline: date
    late: bool  # the deadline has passed (the letter then states good cause)


def _start_label(plan: Plan, claim: Claim, profile: PayerProfile) -> str:
    if plan.window_counts_from == "date_of_service":
        return "the date of service"
    if plan.window_counts_from == "previous_decision" and claim.appeal.history:
        name = profile.level(claim.appeal.history[-1].level).name.split(" (")[0]
        return f"the {name if name[:3].isupper() else name.lower()} decision"
    return "the initial determination" if profile.kind == "medicare" else "the denial"


def window(plan: Plan, claim: Claim, profile: PayerProfile) -> Window:
    start = plan.window_start or claim.denial.date
    return Window(plan.window, start, _start_label(plan, claim, profile), plan.receipt_days,
                  start + timedelta(days=plan.receipt_days), plan.deadline, plan.days_left < 0)


@dataclass(frozen=True)
class Signer:
    """The signature block: the requester and how to reach them."""

    name: str
    title: str
    organisation: str
    phone: str
    fax: str
    email: str


def signer(provider: Provider) -> Signer:
    """Empty values stay empty: a missing detail fails the packet's check by name, so a letter
    that is sent always has every one."""
    requester = provider.requester
    return Signer(requester.name or "", requester.title or "", provider.name, provider.phone or "",
                  provider.fax or "", provider.email or "")
