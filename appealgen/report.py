"""packet.json (the build report, which the PDF must agree with) and the findings of a check."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from appealgen.models import Action, AttachmentKind, Category

# Raised whenever packet.json gains or changes a field; `check` refuses other versions.
SCHEMA_VERSION = 3

# `built`: packet.pdf holds the request; `nothing_to_send`: the action sends nothing, no packet.pdf
PacketStatus = Literal["built", "nothing_to_send"]

Severity = Literal["problem", "missing", "warning"]


def section_span(first: int, last: int) -> str:
    """How the index prints a page range: "4" or "4–7"."""
    return str(first) if first == last else f"{first}\u2013{last}"


class Finding(BaseModel):
    """One result of a check. `code` says what kind of finding it is (`deadline.passed`,
    `manifest.missing`, `identity.not_named`, ...); `check` recomputes findings by code."""

    code: str
    severity: Severity
    message: str


def problem(code: str, message: str) -> Finding:
    return Finding(code=code, severity="problem", message=message)


def warning(code: str, message: str) -> Finding:
    return Finding(code=code, severity="warning", message=message)


def missing(code: str, message: str) -> Finding:
    return Finding(code=code, severity="missing", message=message)


class CheckResult(BaseModel):
    passed: bool
    missing: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)

    @classmethod
    def of(cls, findings: list[Finding]) -> CheckResult:
        """The verdict and the three lists of messages, from the findings alone."""
        def messages(severity: Severity) -> list[str]:
            return [f.message for f in findings if f.severity == severity]

        blocking = [f for f in findings if f.severity != "warning"]
        return cls(passed=not blocking, missing=messages("missing"), problems=messages("problem"),
                   warnings=messages("warning"), findings=findings)


class Override(BaseModel):
    """A specialist's action in place of the plan's: who chose it and why, as recorded."""

    action: Action
    planned: Action  # what the plan would have done
    planned_reason: str
    by: str  # "--action" or "appeal.action"
    reason: str


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
    schema_version: int
    status: PacketStatus = "built"
    claim_id: str
    payer: str
    category: Category
    action: Action
    action_reason: str = ""
    instead: str = ""  # nothing to send: what to do instead
    override: Override | None = None  # a specialist overruled the plan's action
    level: str
    deadline: date
    days_left: int
    letter: str
    cover: str
    letter_file: str = ""  # the template file used: "workspace templates/letters/x.docx" or "built-in ..."
    cover_file: str = ""
    pages: int
    sections: list[Section]
    required: list[Requirement]  # the plan's manifest entries and remark-code documents
    good_cause: bool  # a late filing states good cause (the deadline then only warns)
    first_dos: date
    # The disputed lines' procedure codes, for the manifest entries that depend on them (a packet
    # written before this field had none: `check` then adds no such entry to the plan's list).
    procedure_codes: list[str] = Field(default_factory=list)
    stamp: str  # the stamp on page 1, as printed
    check: CheckResult
    inputs_sha256: str
    appealgen_version: str
