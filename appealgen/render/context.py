"""The data templates see, as typed classes that describe themselves. Built once per packet
from the claim, the payer profile and the plan; the letter, the remittance page and the cover
sheet all use the same object."""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from appealgen.models import AppealStep, Claim, Denial, Patient, Provider, ServiceLine
from appealgen.payers import PayerProfile, Recipient
from appealgen.plan import Plan
from appealgen.report import section_span

LINK_PREFIX = "appealgen:section/"  # a placeholder URI the assembler turns into a page link

CATEGORY_LABELS = {
    "medical_necessity": "medical necessity",
    "coverage": "non-covered service",
    "authorization": "authorization",
    "missing_information": "missing information",
    "coding": "coding",
    "bundling": "bundling",
    "eligibility": "eligibility",
    "timely_filing": "timely filing",
    "duplicate": "duplicate claim",
    "coordination_of_benefits": "coordination of benefits",
    "benefit_maximum": "benefit maximum",
    "contractual": "contractual adjustment",
    "patient_responsibility": "patient responsibility",
    "other": "other",
}


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
    argument_paragraphs: list[str] = about("the claim's appeal.argument, split into paragraphs")
    good_cause: str | None = about("the reason for filing late (appeal.good_cause), if any")
    previous: AppealStep | None = about("the last decision in appeal.history, if any", "previous.date")
    enclosures: list[str] = about("the titles of the enclosed documents, in packet order", "Progress notes")
    today: date = about("the date of the letter", "today|long_date -> November 22, 2026")

    def mapping(self) -> dict[str, Any]:
        """The names as Jinja sees them (no copies of the claim data)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class FrontContext(LetterContext):
    """What the cover sheet and the index page see: the letter's names and the layout."""

    index: list[IndexEntry] = about("the index: number, title, kind, first_page, last_page, pages, link")
    total_pages: int = about("the packet's page count", "27")
    incomplete: bool = about("the packet fails its check (the cover then carries a banner)", "false")
    cover_template: str = about("the cover sheet template the front page includes", "fax_cover.html")


def letter_context(
    claim: Claim, profile: PayerProfile, plan: Plan, enclosures: list[str], today: date
) -> LetterContext:
    return LetterContext(
        claim=claim, patient=claim.patient, provider=claim.provider, lines=claim.service_lines,
        denial=claim.denial, payer=profile, to=profile.recipient(profile.level(plan.level)), plan=plan,
        category_label=CATEGORY_LABELS[plan.category.value], argument_paragraphs=paragraphs(claim.appeal.argument),
        good_cause=claim.appeal.good_cause, previous=claim.appeal.history[-1] if claim.appeal.history else None,
        enclosures=enclosures, today=today,
    )


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
        if not name.startswith("_") and member.fget is not None and not hasattr(BaseModel, name):
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
