"""The coverage-policy table (policies.yaml): HCPCS code -> the LCD, NCD or plan policy a
medical-necessity letter cites, with the criteria a reviewer checks and the documents that show
each. A workspace's table is read before the shipped one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from appealgen.documents import read_model
from appealgen.models import AttachmentKind, Policy, Strict

POLICIES_FILE = "policies.yaml"
PayerKind = Literal["medicare", "medicaid", "commercial"]
CODE = re.compile(r"^([A-Z]?)(\d{4,5})$")
RANGE = re.compile(r"^([A-Z]?)(\d{4,5})-\1(\d{4,5})$")


class Criterion(Strict):
    text: str = Field(min_length=1)
    documents: list[AttachmentKind] = Field(min_length=1)  # the documents that show it
    codes: list[str] = Field(default_factory=list)  # only for these codes (none: every code of the entry)
    modifiers: list[str] = Field(default_factory=list)  # only when a disputed line carries one of these

    def applies(self, codes: set[str], modifiers: set[str]) -> bool:
        if self.codes and not codes & set(self.codes):
            return False
        return not self.modifiers or bool(modifiers & set(self.modifiers))


class PolicyEntry(Strict):
    hcpcs: list[str] = Field(min_length=1)
    policy_id: str = Field(min_length=1)
    kind: Literal["LCD", "NCD", "policy"]
    title: str = Field(min_length=1)
    article: str | None = None
    ncd: list[str] = Field(default_factory=list)
    payer_kinds: list[PayerKind] = Field(default_factory=lambda: list[PayerKind](["medicare"]))
    payers: list[str] | None = None  # only these payer profiles
    criteria: list[Criterion] = Field(min_length=1)
    source: list[str] = Field(min_length=1)
    verified: bool
    unverified: list[str] = Field(default_factory=list)
    notes: str | None = None

    @field_validator("hcpcs")
    @classmethod
    def _codes(cls, values: list[str]) -> list[str]:
        for value in values:
            if not (CODE.fullmatch(value) or RANGE.fullmatch(value)):
                raise ValueError(f"{value!r} is neither a code nor a range like A7030-A7039")
        return values

    @model_validator(mode="after")
    def _says_what_is_unverified(self) -> PolicyEntry:
        if not self.verified and not self.unverified:
            raise ValueError("an entry with verified: false must say what is unverified (unverified: [...])")
        return self

    def covers(self, code: str) -> bool:
        for pattern in self.hcpcs:
            if pattern == code:
                return True
            found, span = CODE.fullmatch(code), RANGE.fullmatch(pattern)
            if found and span and found.group(1) == span.group(1) and \
                    int(span.group(2)) <= int(found.group(2)) <= int(span.group(3)):
                return True
        return False

    def binds(self, payer_id: str, payer_kind: str) -> bool:
        return (self.payers is None or payer_id in self.payers) and payer_kind in self.payer_kinds


class PolicyTable(Strict):
    policies: list[PolicyEntry] = Field(default_factory=list)

    def find(self, code: str, payer_id: str, payer_kind: str) -> PolicyEntry | None:
        """The first entry for this code that binds this payer."""
        return next((p for p in self.policies if p.covers(code) and p.binds(payer_id, payer_kind)), None)


def read_policy_table(path: Path) -> PolicyTable:
    return read_model(path, PolicyTable, "a policy table (`policies:` and its entries)")


def load_policies(paths: list[Path]) -> PolicyTable:
    """The tables at `paths` in order (the workspace's first), as one: earlier entries win."""
    return PolicyTable(policies=[entry for path in paths for entry in read_policy_table(path).policies])


class Citation(BaseModel):
    """A policy as a letter cites it: only the criteria that apply to the disputed lines."""

    id: str
    kind: str  # LCD, NCD, policy
    title: str
    article: str | None = None
    codes: list[str]  # the disputed codes it covers
    criteria: list[Criterion]
    source: str = ""  # where the table's entry was checked (first source)
    verified: bool = True
    unverified: list[str] = Field(default_factory=list)
    from_claim: bool = False  # named in the claim file (appeal.policy), not found in the table


def cite(table: PolicyTable, payer_id: str, payer_kind: str, lines: list[tuple[str, list[str]]],
         stated: Policy | None) -> tuple[list[Citation], list[str]]:
    """The policies for the disputed lines' (code, modifiers), one citation per policy, and the
    codes no policy covers. A policy the claim file states covers every code."""
    if stated is not None:
        # The claim file names no record for a criterion: none is claimed to show it (the letter lists them)
        criteria = [Criterion.model_construct(text=text, documents=[], codes=[], modifiers=[])
                    for text in stated.criteria]
        citation = Citation(id=stated.id, kind=stated.kind, title=stated.title, criteria=criteria,
                            codes=[code for code, _ in lines], from_claim=True)
        return [citation], []
    found: dict[tuple[str, str], list[tuple[PolicyEntry, str]]] = {}
    uncovered: list[str] = []
    for code, _ in lines:
        entry = table.find(code, payer_id, payer_kind)
        if entry is None:
            uncovered.append(code)
        else:
            found.setdefault((entry.policy_id, entry.title), []).append((entry, code))
    modifiers = {m for _, mods in lines for m in mods}
    return [_citation(uses, modifiers) for uses in found.values()], list(dict.fromkeys(uncovered))


def _citation(uses: list[tuple[PolicyEntry, str]], modifiers: set[str]) -> Citation:
    """One policy cited for several codes (a device and its supplies): the criteria of each
    entry that apply to its own codes, each once."""
    criteria: dict[str, Criterion] = {}
    for entry, _ in uses:
        codes = {code for e, code in uses if e is entry}
        for criterion in entry.criteria:
            if criterion.applies(codes, modifiers):
                criteria.setdefault(criterion.text, criterion)
    first = uses[0][0]
    unverified = list(dict.fromkeys(u for entry, _ in uses for u in entry.unverified))
    return Citation(id=first.policy_id, kind=first.kind, title=first.title, article=first.article,
                    codes=list(dict.fromkeys(code for _, code in uses)), criteria=list(criteria.values()),
                    source=first.source[0], verified=all(entry.verified for entry, _ in uses), unverified=unverified)
