"""The parts of a letter that are worked out, not typed: which documents the packet holds, the
coverage criteria the enclosed records address, the filing window with its dates, and the
signature block. Templates print them; they decide nothing themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from appealgen.models import AppealStep, AttachmentKind, Claim, Provider
from appealgen.payers import PayerProfile
from appealgen.plan import Plan
from appealgen.rules.deadlines import refiled_history
from appealgen.rules.policies import Citation


def doc(description: str, example: str = "") -> dict[str, str]:
    """A field's description and example, for `appealgen templates fields`."""
    return {"description": description, "example": example}


@dataclass(frozen=True)
class Enclosed:
    """Which kinds of document the packet holds. A letter names a document only under its test
    ({% if enclosed.delivery_ticket %}), so it never mentions one the packet lacks."""

    remittance_advice: bool = field(default=False, metadata=doc(
        "the remittance advice (or the page rendered from the 835)", "true"))
    cmn: bool = field(default=False, metadata=doc("a certificate of medical necessity", "true"))
    prescription: bool = field(default=False, metadata=doc("the written order (prescription, SWO)", "true"))
    progress_notes: bool = field(default=False, metadata=doc("the treating practitioner's progress notes", "true"))
    authorization: bool = field(default=False, metadata=doc("the authorization approval", "true"))
    medical_records: bool = field(default=False, metadata=doc("other medical records (test reports, operative reports)",
                                                              "true"))
    delivery_ticket: bool = field(default=False, metadata=doc("the delivery ticket (proof of delivery)", "true"))
    corrected_claim: bool = field(default=False, metadata=doc("the corrected claim form", "true"))
    medical_necessity_letter: bool = field(default=False, metadata=doc(
        "a letter of medical necessity from the practitioner", "true"))
    proof_of_timely_filing: bool = field(default=False, metadata=doc("proof of timely filing (an acceptance report)",
                                                                     "true"))
    primary_eob: bool = field(default=False, metadata=doc("the primary payer's explanation of benefits", "true"))
    decision_notice: bool = field(default=False, metadata=doc("the notice of the previous decision", "true"))
    abn: bool = field(default=False, metadata=doc("the advance beneficiary notice the beneficiary signed", "true"))
    other: bool = field(default=False, metadata=doc("another document", "true"))


def enclosed(kinds: set[str]) -> Enclosed:
    return Enclosed(**{kind.value: kind.value in kinds for kind in AttachmentKind})


@dataclass(frozen=True)
class Addressed:
    criterion: str = field(metadata=doc("a criterion of the policy, in plain words",
                            "an order for the device from the treating practitioner"))
    documents: list[str] = field(metadata=doc("the titles of the enclosed documents that show it",
                                              "Standard written order"))


@dataclass(frozen=True)
class PolicyView:
    """A coverage policy as the letter cites it."""

    id: str = field(metadata=doc("the policy's number (LCD L#####, NCD section, or the plan's)", "L33718"))
    kind: str = field(metadata=doc("LCD, NCD, or the plan's word for its policy", "LCD"))
    title: str = field(metadata=doc("the policy's title as published", "Oxygen and Oxygen Equipment"))
    article: str = field(metadata=doc("the LCD's policy article (empty when none)", "A52514"))
    addressed: list[Addressed] = field(metadata=doc(
        "the criteria the enclosed records address, each with those records"))
    criteria: list[str] = field(metadata=doc("every criterion that applies to the disputed lines"))
    stated: bool = field(metadata=doc("named in the claim file (appeal.policy), not found in the policy table",
                                      "false"))


def policy_views(citations: list[Citation], enclosures: list[tuple[str, str]]) -> list[PolicyView]:
    views = []
    for citation in citations:
        addressed = []
        for criterion in citation.criteria:
            titles = [title for kind, title in enclosures if kind in {d.value for d in criterion.documents}]
            if titles:  # a criterion no enclosed record is named for is listed, never claimed as shown
                addressed.append(Addressed(criterion.text, titles))
        views.append(PolicyView(citation.id, citation.kind, citation.title, citation.article or "", addressed,
                                [c.text for c in citation.criteria], citation.from_claim))
    return views


@dataclass(frozen=True)
class Window:
    """The filing window a letter states (rubric: filed within the window, with the dates)."""

    length: str = field(metadata=doc("the window's length", "120 days"))
    start: date = field(metadata=doc("the day it counts from (the notice's date, or the date of service)",
                         "window.start|long_date -> October 14, 2026"))
    start_label: str = field(metadata=doc("what it counts from, in words", "the initial determination"))
    receipt_days: int = field(metadata=doc("days of presumed receipt added to the start (Medicare: 5)", "5"))
    received: date = field(metadata=doc("the start plus the presumed receipt", "October 19, 2026"))
    deadline: date = field(metadata=doc("the day the request must arrive", "February 16, 2027"))
    late: bool = field(metadata=doc("the deadline has passed (the letter then states good cause)", "false"))
    any_time: str = field(default="", metadata=doc(
        "when late: the rule that lets this request come at any time all the same (a clerical error's reopening)",
        "a clerical error on an unfavorable determination may be reopened at any time (...)"))


def level_words(name: str) -> str:
    """A level's name as it reads inside a sentence: "redetermination", but "ALJ hearing" and
    "Medicare Appeals Council review" (an acronym or a proper name keeps its capitals)."""
    name = name.split(" (")[0]
    words = name.split()
    proper = any(word[:1].isupper() for word in words[1:]) or words[0].isupper()  # "Appeals Council", "QIC"
    return name if proper else name[:1].lower() + name[1:]


def notice_word(step: AppealStep) -> str:
    """What a decision's notice is called: a dismissal decides nothing, so it is no "decision"."""
    return "dismissal" if step.outcome == "dismissed" else "decision"


def answered(claim: Claim, profile: PayerProfile, plan: Plan) -> AppealStep | None:
    """The decision the request answers: the last in the history, except the dismissal of an
    earlier request at the same level, which a new request there refiles rather than answers."""
    history = refiled_history(claim.appeal.history, profile.level(plan.level))
    return history[-1] if history else None


def _start_label(plan: Plan, claim: Claim, profile: PayerProfile) -> str:
    if plan.window_counts_from == "date_of_service":
        return "the date of service"
    last = answered(claim, profile, plan)
    if plan.window_counts_from == "previous_decision" and last is not None:
        return f"the {level_words(profile.level(last.level).name)} {notice_word(last)}"
    return "the initial determination" if profile.kind == "medicare" else "the denial"


def window(plan: Plan, claim: Claim, profile: PayerProfile) -> Window:
    start = plan.window_start or claim.denial.date
    late = plan.days_left < 0
    return Window(plan.window, start, _start_label(plan, claim, profile), plan.receipt_days,
                  start + timedelta(days=plan.receipt_days), plan.deadline, late,
                  (profile.level(plan.level).any_time or "") if late else "")


@dataclass(frozen=True)
class Signer:
    """The signature block: the requester and how to reach them."""

    name: str = field(metadata=doc("who signs the request", "Dana Sample"))
    title: str = field(metadata=doc("their title", "Billing Lead"))
    organisation: str = field(metadata=doc("the practice or supplier", "Example Home Medical Supply LLC"))
    phone: str = field(metadata=doc("the practice's phone", "555-0160"))
    fax: str = field(metadata=doc("the practice's fax", "555-0161"))
    email: str = field(metadata=doc("the practice's email", "appeals@homemedical.example"))


def signer(provider: Provider) -> Signer:
    """Empty values stay empty: a missing detail fails the packet's check by name, so a letter
    that is sent always has every one."""
    requester = provider.requester
    return Signer(requester.name or "", requester.title or "", provider.name, provider.phone or "",
                  provider.fax or "", provider.email or "")
