"""packet.json: the build report, which the PDF must agree with."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from appealgen.models import Action, AttachmentKind, Category


def section_span(first: int, last: int) -> str:
    """How the index prints a page range: "4" or "4–7"."""
    return str(first) if first == last else f"{first}\u2013{last}"


class CheckResult(BaseModel):
    passed: bool
    missing: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class Section(BaseModel):
    kind: str
    title: str
    first_page: int
    last_page: int
    source: str
    sha256: str


class Requirement(BaseModel):
    """A required document as the plan decided it: satisfied by any one of `kinds`."""

    description: str
    kinds: list[AttachmentKind]
    present: bool


class PacketReport(BaseModel):
    claim_id: str
    payer: str
    category: Category
    action: Action
    level: str
    deadline: date
    days_left: int
    letter: str
    cover: str
    pages: int
    sections: list[Section]
    required: list[Requirement]  # the plan's manifest entries and remark-code documents
    good_cause: bool  # a late filing states good cause (the deadline then only warns)
    first_dos: date
    stamp: str  # the stamp on page 1, as printed
    check: CheckResult
    inputs_sha256: str
    appealgen_version: str
