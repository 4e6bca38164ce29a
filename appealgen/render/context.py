"""The data templates see, as typed classes that describe themselves. Built once per packet
from the claim, the payer profile and the plan; the letter, the remittance page and the cover
sheet all use the same object."""

from __future__ import annotations

import base64
import dataclasses
import inspect
import re
import types
import typing
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any, Literal, Union, get_args, get_origin

from markupsafe import Markup
from pydantic import BaseModel

from appealgen.disputes import DisputedLine, amount_requested
from appealgen.models import CATEGORY_LABELS, AppealStep, Claim, Denial, Fact, Patient, Provider, ServiceLine
from appealgen.payers import PayerProfile, Recipient
from appealgen.plan import Plan, authorization_refused
from appealgen.readiness import distinct_modifiers
from appealgen.render.letter_parts import (
    Enclosed,
    PolicyView,
    Signer,
    Window,
    answered,
    enclosed,
    level_words,
    notice_word,
    policy_views,
    signer,
    window,
)
from appealgen.report import section_span

LINK_PREFIX = "appealgen:section/"  # a placeholder URI the assembler turns into a page link



def about(description: str, example: str = "") -> Any:
    """A context field with the description and example the template tools show."""
    return field(metadata={"description": description, "example": example})


@dataclass(frozen=True)
class IndexEntry:
    number: int
    title: str
    kind: str
    first_page: int
    last_page: int

    @property
    def pages(self) -> str:
        return section_span(self.first_page, self.last_page)

    @property
    def link(self) -> str:
        return f"{LINK_PREFIX}{self.number}"


def paragraphs(text: str | None) -> list[str]:
    """Blank lines separate paragraphs; line breaks inside one are just wrapping."""
    return [" ".join(p.split()) for p in (text or "").split("\n\n") if p.strip()]


@dataclass(frozen=True)
class LetterContext:
    """Every name a letter template may use."""

    claim: Claim = about("the whole claim file", "claim.claim_id -> ACCT-1001")
    patient: Patient = about("the patient (name, date of birth, member ID)", "patient.last_name -> Perez")
    provider: Provider = about("the provider or supplier that billed the claim", "provider.npi -> 1538261954")
    lines: list[ServiceLine] = about("the claim's service lines", "lines[0].code -> E0601")
    denial: Denial = about("the denial: date, group, reason and remark codes", "denial.date|us_date -> 10/14/2026")
    payer: PayerProfile = about("the payer profile (name, address, fax, levels)", "payer.name -> Example DME MAC")
    to: Recipient = about("who receives a request at this level (the payer, or e.g. a QIC)",
                          "to.name -> Example QIC (DME)")
    plan: Plan = about("the decision: category, action, level, deadline, required documents",
                       "plan.deadline|long_date -> February 16, 2027")
    category_label: str = about("the denial category in words", "medical necessity")
    argument_paragraphs: list[str] = about("the claim's appeal.argument, split into paragraphs",
                                           "argument_paragraphs[0] -> The patient was evaluated ...")
    good_cause: str | None = about("the reason for filing late (appeal.good_cause), if any",
                                   "The practice was closed by a flood")
    previous: AppealStep | None = about("the last decision in appeal.history, if any", "previous.date")
    previous_level: str = about("the name of the level that made the last decision, in lower case",
                                "redetermination")
    previous_by: str = about("who made the last decision (the contractor a second-level request names)",
                             "Example DME MAC")
    previous_outcome: str = about("the last decision's outcome in words", "upheld")
    medicaid_id: str = about("the provider's state Medicaid number where this payer matches by it (a Medicaid plan, "
                             "or a profile listing medicaid_id in provider_ids); else empty", "EXMCD0042")
    ptan: str = about("the provider's Medicare PTAN where this payer matches by it (a Medicare contractor, or a "
                      "profile listing ptan in provider_ids); else empty: a Medicare number is not a plan's", "EXP0101")
    previous_notice: str = about("what the last decision's notice is called: `decision`, or `dismissal` (a "
                                 "dismissal decides nothing)", "decision")
    enclosures: list[str] = about("the titles of the enclosed documents, in packet order", "Progress notes")
    today: date = about("the date of the letter", "today|long_date -> November 22, 2026")
    request: str = about("what is requested, in words with its article", "a redetermination")
    items: str = about("the disputed items in words: codes with modifiers", "E0601-RR-KX and A7030-KX")
    item_word: str = about("what the disputed lines bill, in a word: `item` for equipment and supplies (HCPCS "
                           "codes A, B, E, K, L), else `service`", "item")
    frequency_denied: bool = about("a denial code says the number or frequency of services is not supported "
                                   "(CARC 151)", "false")
    modifier_denied: bool = about("a denial code says a modifier is inconsistent with the procedure or missing "
                                  "(CARC 4)", "false")
    service_dates: str = about("the dates of service of the disputed lines, with their label",
                               "date of service 09/02/2026")
    dates_of_service: str = about("the dates of service of the disputed lines, without a label", "09/02/2026")
    claim_number_label: str = about("what the payer calls its claim number", "Claim number (ICN)")
    case_number_label: str = about("what the payer calls the number of an appeal it decided: Medicare's appeal "
                                   "number, another payer's case number", "appeal number")
    member_label: str = about("what the payer calls the member ID", "Medicare number")
    disputed: list[DisputedLine] = about("only the lines the request is about: dos, label, units, billed, denied, "
                                         "codes, remarks", "disputed[0].denied|money -> $245.00")
    amount_requested: Decimal = about("the denied amount of the disputed lines: what the request asks for",
                                      "amount_requested|money -> $410.00")
    amount_basis: str = about("what the amount requested is, for the table's total: the denied amount of the "
                              "lines, or what the primary payer left owing when that is less (a secondary claim "
                              "after a coordination-of-benefits denial)", "the denied amount of the lines above")
    level_words: str = about("the level's name as it reads inside a sentence", "QIC review of the redetermination "
                             "dismissal")
    relief: str = about("what the letter asks of its reader before the amount: the level's `relief` in the payer "
                        "profile, else \"reverse the denial and pay\"", "reverse the denial and pay")
    seeking: str = about("how the letter's opening asks for the amount: \"and payment of\", or \"with an amount "
                         "in controversy of\" at a level whose reader decides and does not pay (its `relief` is "
                         "set: an ALJ, the Council)", "and payment of")
    greeting: str = about("how the letter greets its reader: the level's `greeting` in the payer profile, else "
                          "\"To the reviewer:\"", "To the Administrative Law Judge:")
    in_packet: bool = about("the letter goes in a packet, after its cover sheet and index (false: `letters`, "
                            "a letter on its own)", "true")
    paid_in_part: bool = about("the payer paid something on the claim: it was not denied whole", "true")
    codes: list[str] = about("the denial codes of the disputed lines, each with its group", "CO-50")
    remarks: list[str] = about("the remark codes of the disputed lines", "N115")
    diagnoses: list[str] = about("the diagnosis codes of the disputed lines", "G47.33")
    distinct_modifiers: list[str] = about("the modifiers on the disputed lines that mark a separate service "
                                          "(25, 59, XE, XS, XP, XU, ...)", "25")
    authorization_denial: str = about("what an authorization denial says: `missing` (no authorization on file, "
                                      "CARC 197), `exceeded` (the authorized units or visits, 198), `mismatch` "
                                      "(the claim differs from the authorized service, N54), or `refused` (none on "
                                      "file, and the retroactive authorization refused since)", "exceeded")
    enclosed: Enclosed = about("which kinds of document the packet holds (yes/no each): say a document is "
                               "enclosed only under its test", "enclosed.delivery_ticket -> true")
    policies: list[PolicyView] = about("the coverage policies the letter cites, with the criteria the enclosed "
                                       "records address", "policies[0].id -> L33718")
    policy_missing: list[str] = about("disputed codes the policy table has no policy for: the letter asks for one",
                                      "K0999")
    facts: list[Fact] = about("what the records show, from the claim file (appeal.facts): date and text",
                              "facts[0].text -> AHI 28 events per hour")
    correction: str | None = about("what a corrected claim or a reopening changes (appeal.correction)",
                                   "Modifier KX added to line 1")
    window: Window = about("the filing window: length, start, start_label, received, deadline, late",
                           "window.length -> 120 days")
    signer: Signer = about("the signature block: name, title, organisation, phone, fax, email",
                           "signer.name -> Dana Sample")
    signature: str = about("the signature image, when the practice has one (empty otherwise)",
                           "{% if signature %}{{ signature }}{% endif %}")
    code_text: dict[str, str] = about("official code descriptions loaded with --descriptions, by code",
                                      "code_text['50']")

    def mapping(self) -> dict[str, Any]:
        """The names as Jinja sees them (no copies of the claim data)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class FrontContext(LetterContext):
    """What the cover sheet and the index page see: the letter's names and the layout."""

    index: list[IndexEntry] = about("the index: number, title, kind, first_page, last_page, pages, link",
                                    "index[2].pages -> 3-4")
    total_pages: int = about("the packet's page count", "27")
    incomplete: bool = about("the packet fails its check (the cover then carries a banner)", "false")
    cover_template: str = about("the cover sheet template the front page includes", "fax_cover.html")


def request_words(plan: Plan) -> str:
    """What the letter requests, to follow "requests" and precede "of the denial": "a
    redetermination", "an ALJ hearing", "a Medicare Appeals Council review",
    "reprocessing, with the enclosed corrected claim,"."""
    if plan.action.value == "corrected_claim":
        return "reprocessing, with the enclosed corrected claim,"
    if plan.action.value == "request_authorization":
        return "a retroactive authorization review"
    name = level_words(plan.level_name)
    if name.lower().endswith("dispute"):  # "requests a claim dispute review of the denial", not "a claim dispute of"
        name += " review"
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _previous_by(last: AppealStep, profile: PayerProfile) -> str:
    step = profile.level(last.level)
    return last.decided_by or step.decision_by or (step.recipient.name if step.recipient else profile.name)


def _words(values: list[str]) -> str:
    if len(values) < 2:
        return "".join(values)
    return ", ".join(values[:-1]) + " and " + values[-1]


def asked_id(provider: Provider, profile: PayerProfile, key: Literal["medicaid_id", "ptan"], kind: str) -> str:
    """A program's own provider number (the state Medicaid ID, Medicare's PTAN), for a payer that
    matches a request by it: a payer of that program, or any profile that asks for it
    (`provider_ids`). Other letters leave it out: a Medicare number is not a plan's."""
    asks = profile.kind == kind or key in profile.provider_ids
    return str(getattr(provider, key) or "") if asks else ""


def authorization_denial(codes: list[str], remarks: list[str], refused: bool) -> str:
    """An authorization letter must answer what the payer found: a letter saying an authorization
    was on file answers neither "units exceeded" (198) nor "not the service authorized" (N54), and
    after a refused retroactive authorization none exists to speak of."""
    if refused:
        return "refused"
    if any(code.rsplit("-", 1)[-1] == "198" for code in codes):
        return "exceeded"
    return "mismatch" if "N54" in remarks else "missing"


def items(lines: list[DisputedLine]) -> str:
    """"E0601-RR-KX and A7030-KX"; "the whole claim" for a claim denied at claim level."""
    labels = [line.label if not line.label.startswith("whole claim") else "the whole claim" for line in lines]
    return _words(list(dict.fromkeys(labels)))


def date_spans(lines: list[DisputedLine]) -> list[str]:
    """Each distinct date of service ("09/02/2026") or statement period ("09/01/2026 to 09/30/2026")."""
    spans: list[str] = []
    for line in lines:
        span = f"{line.dos:%m/%d/%Y}" + (f" to {line.dos_to:%m/%d/%Y}" if line.dos_to and line.dos_to != line.dos
                                         else "")
        if span not in spans:
            spans.append(span)
    return spans


def service_dates(lines: list[DisputedLine]) -> str:
    """"date of service 09/02/2026", "dates of service 09/02/2026 and 09/16/2026", or a statement
    period "dates of service 09/01/2026 to 09/30/2026"."""
    spans = date_spans(lines)
    several = len(spans) > 1 or any(" to " in span for span in spans)
    return f"{'dates' if several else 'date'} of service {_words(spans)}"


@dataclass(frozen=True)
class Extras:
    """What a letter needs beyond the claim, the profile and the plan."""

    signature: bytes | None = None  # the practice's signature image (PNG or JPEG)
    code_text: dict[str, str] = field(default_factory=dict)  # official descriptions, when loaded


def letter_context(
    claim: Claim, profile: PayerProfile, plan: Plan, enclosures: list[tuple[str, str]], today: date,
    extras: Extras | None = None, in_packet: bool = True,
) -> LetterContext:
    """`enclosures` are the (kind, title) of the documents that follow the letter, in packet order."""
    extras = extras or Extras()
    kinds = {kind for kind, _ in enclosures}
    last, step = answered(claim, profile, plan), profile.level(plan.level)
    return LetterContext(
        claim=claim, patient=claim.patient, provider=claim.provider, lines=claim.service_lines,
        denial=claim.denial, payer=profile, to=profile.recipient(step), plan=plan,
        category_label=CATEGORY_LABELS[plan.category.value], argument_paragraphs=paragraphs(claim.appeal.argument),
        good_cause=claim.appeal.good_cause, previous=last,
        previous_level=level_words(profile.level(last.level).name) if last else "",
        previous_by=_previous_by(last, profile) if last else "",
        previous_outcome=last.outcome.value.replace("_", " ") if last else "",
        previous_notice=notice_word(last) if last else "",
        medicaid_id=asked_id(claim.provider, profile, "medicaid_id", "medicaid"),
        ptan=asked_id(claim.provider, profile, "ptan", "medicare"),
        enclosures=[title for _, title in enclosures], today=today, request=request_words(plan),
        level_words=level_words(plan.level_name), greeting=step.greeting or "To the reviewer:",
        relief=step.relief or "reverse the denial and pay",
        seeking="with an amount in controversy of" if step.relief else "and payment of",
        items=items(plan.disputed), service_dates=service_dates(plan.disputed),
        modifier_denied=any(code.rpartition("-")[2] == "4" for code in plan.quoted_codes),
        frequency_denied=any(code.rpartition("-")[2] == "151" for code in plan.quoted_codes),
        item_word=item_word(plan.disputed),
        dates_of_service=_words(date_spans(plan.disputed)),
        claim_number_label="Claim number (ICN)" if profile.kind == "medicare" else "Claim number",
        case_number_label="appeal number" if profile.kind == "medicare" else "case number",
        member_label="Medicare number" if profile.kind == "medicare" else "Member ID",
        disputed=plan.disputed, amount_requested=plan.amount_requested, amount_basis=amount_basis(plan),
        paid_in_part=any(line.paid > 0 for line in claim.service_lines), in_packet=in_packet, codes=plan.quoted_codes,
        remarks=plan.quoted_remarks,
        diagnoses=list(dict.fromkeys(code for d in plan.disputed for code in d.diagnosis)),
        distinct_modifiers=distinct_modifiers(claim, plan.disputed),
        authorization_denial=authorization_denial(plan.quoted_codes, plan.quoted_remarks,
                                                  authorization_refused(claim, profile)),
        enclosed=enclosed(kinds), policies=policy_views(plan.policies, enclosures), policy_missing=plan.policy_missing,
        facts=claim.appeal.facts, correction=claim.appeal.correction, window=window(plan, claim, profile),
        signer=signer(claim.provider), signature=_image_tag(extras.signature), code_text=extras.code_text,
    )


def _image_tag(data: bytes | None) -> str:
    """The signature as an <img> for HTML letters (Word letters get the picture itself)."""
    if not data:
        return ""
    mime = "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
    return Markup('<img class="signature" alt="Signature" src="data:{};base64,{}">').format(
        mime, base64.b64encode(data).decode("ascii"))


def front_context(base: LetterContext, entries: list[IndexEntry], total_pages: int, incomplete: bool,
                  cover_template: str) -> FrontContext:
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
    return FrontContext(**values, index=entries, total_pages=total_pages, incomplete=incomplete,
                        cover_template=cover_template)


# --- self-description, for the template tools ------------------------------------------------


@dataclass(frozen=True)
class FieldDoc:
    name: str  # dotted, as a template writes it: "patient.last_name", "lines[].code"
    type: str
    description: str
    example: str = ""


def _type_name(annotation: Any) -> str:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " or ".join(names) + (" (optional)" if type(None) in args else "")
    if origin is list:
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return "mapping"
    if origin is typing.Literal:
        return f"choice of {', '.join(str(a) for a in args)}"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return f"choice of {', '.join(str(m.value) for m in annotation)}"
    if isinstance(annotation, type) and issubclass(annotation, PurePath):
        return "file name"
    return {str: "text", int: "number", float: "number", Decimal: "number", bool: "yes/no",
            date: "date"}.get(annotation, getattr(annotation, "__name__", str(annotation)))


MONEY_WORDS = ("billed", "paid", "amount", "allowed", "responsibility", "charge", "minimum", "total", "recovered",
               "controversy")


def _field_type(name: str, annotation: Any) -> str:
    """The type a template author reads: amounts of money are "money" (use | money), counts and
    units "number", dates "date" (use | us_date or | long_date)."""
    kind = _type_name(annotation)
    if kind.startswith("number") and any(word in name for word in MONEY_WORDS):
        return kind.replace("number", "money", 1)
    return kind


def _nested(annotation: Any) -> tuple[type | None, str]:
    """The model or dataclass inside an annotation, and the suffix its fields get ("[]" in lists)."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _nested(inner[0]) if len(inner) == 1 else (None, "")
    if origin is list and args:
        nested, suffix = _nested(args[0])
        return nested, "[]" + suffix
    if isinstance(annotation, type) and (issubclass(annotation, BaseModel) or dataclasses.is_dataclass(annotation)):
        return annotation, ""
    return None, ""


def _members(kind: type) -> list[tuple[str, Any, str, str]]:
    """(name, annotation, description, example) of a pydantic model's or a dataclass's fields,
    and of its properties (templates read them like fields)."""
    hints = typing.get_type_hints(kind)
    if issubclass(kind, BaseModel):
        found = [(name, hints.get(name, info.annotation), info.description or "",
                  str(info.examples[0]) if info.examples else "") for name, info in kind.model_fields.items()]
    else:
        found = [(f.name, hints[f.name], f.metadata.get("description", ""), f.metadata.get("example", ""))
                 for f in dataclasses.fields(kind)]  # type: ignore[arg-type]
    for name, member in inspect.getmembers(kind, lambda m: isinstance(m, property)):
        # model_* members of pydantic models are refused by the sandbox: not template names
        if not name.startswith(("_", "model_")) and member.fget is not None and not hasattr(BaseModel, name):
            returns = typing.get_type_hints(member.fget).get("return", Any)
            found.append((name, returns, (member.__doc__ or "").strip().split("\n")[0], ""))
    return found


def describe(kind: type = FrontContext, prefix: str = "", depth: int = 4) -> list[FieldDoc]:
    """Every name a template can reach from `kind`, with its type, description and example."""
    docs: list[FieldDoc] = []
    for name, annotation, description, example in _members(kind):
        dotted = f"{prefix}{name}"
        docs.append(FieldDoc(dotted, _field_type(name, annotation), description, example))
        nested, suffix = _nested(annotation)
        if nested is not None and depth > 0:
            docs += describe(nested, f"{dotted}{suffix}.", depth - 1)
    return docs


def amount_basis(plan: Plan) -> str:
    """Why the total asks for what it asks: a secondary claim asks for no more than the primary
    left owing (plan.requested_amount), which the lines' denied amounts do not show."""
    if plan.amount_requested < amount_requested(plan.disputed):
        return "what the primary payer left owing"
    return "the denied amount of the lines above"


# HCPCS Level II codes of equipment and supplies (a letter first): DME, orthotics and prosthetics,
# enteral and parenteral nutrition, medical and surgical supplies
ITEM_CODES = ("A", "B", "E", "K", "L")


def item_word(disputed: list[DisputedLine]) -> str:
    """"item" when every disputed line bills equipment or supplies, else "service" (an MRI, a
    visit, therapy: a reviewer reads "the item was medically necessary" as written for a device)."""
    labels = [line.label for line in disputed]  # "E0601-RR-KX", or words for a claim denied whole
    return "item" if labels and all(re.match(rf"[{''.join(ITEM_CODES)}]\d{{4}}\b", label) for label in labels) \
        else "service"
