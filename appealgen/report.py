"""packet.json: the build report, which the PDF must agree with."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


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


class PacketReport(BaseModel):
    claim_id: str
    payer: str
    category: str
    action: str
    level: str
    deadline: date
    days_left: int
    letter: str
    cover: str
    pages: int
    sections: list[Section]
    required: list[str]  # manifest entries that applied, as described to the user
    first_dos: date
    stamp: str  # the stamp on page 1, as printed
    check: CheckResult
    inputs_sha256: str
    appealgen_version: str
