"""Payer profiles (payers/<id>.yaml): contacts, limits, appeal levels and manifests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from appealgen.documents import read_document, validation_errors
from appealgen.errors import InputError, InputErrors
from appealgen.models import Action, AttachmentKind, Category, PayerId, Strict
from appealgen.workspace import Workspace


class Limits(Strict):
    max_file_mb: float | None = Field(default=None, gt=0)
    max_pages: int | None = Field(default=None, gt=0)
    max_files: int | None = Field(default=None, gt=0)


class Recipient(Strict):
    """Where a level's requests go when that is not the payer's main address (e.g. a QIC)."""

    name: str
    address: list[str] = Field(min_length=1)
    fax: str | None = None
    phone: str | None = None


class Level(Strict):
    """One appeal level. The window runs from the notice that opened it (the denial, or the
    previous level's decision) plus the profile's presumed-receipt days."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    window_days: int | None = Field(default=None, gt=0)
    window_months: int | None = Field(default=None, gt=0)
    counts_from: Literal["denial_date", "previous_decision"] = "denial_date"
    action: Action = Action.appeal
    decided_by: str | None = None
    form: str | None = None
    cover: str | None = None  # cover sheet template for this level
    letter: str | None = None  # letter template for every category at this level
    recipient: Recipient | None = None
    amount_in_controversy: dict[int, Decimal] = Field(default_factory=dict)  # year -> minimum
    # Days the reviewer has to decide once the request is received: the tracking log sets the
    # follow-up date from it. None: not published (the log then follows up after 30 days).
    decision_days: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_window(self) -> Level:
        if (self.window_days is None) == (self.window_months is None):
            raise ValueError("give exactly one of window_days and window_months")
        return self


class Requirement(Strict):
    """A required document: one kind, or any one of several; optionally only in some cases."""

    one_of: list[AttachmentKind] = Field(min_length=1)
    label: str | None = None
    levels: list[str] | None = None  # only at these levels
    dos_before: date | None = None  # only when the earliest date of service is before this
    dos_from: date | None = None  # only when the earliest date of service is on/after this

    @model_validator(mode="before")
    @classmethod
    def _from_kind(cls, value: object) -> object:
        return {"one_of": [value]} if isinstance(value, str) else value

    def describe(self) -> str:
        return self.label or " or ".join(k.value for k in self.one_of)


class Match(Strict):
    payer_ids: list[str] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)


class PayerProfile(Strict):
    id: PayerId
    name: str
    kind: Literal["medicare", "medicaid", "commercial"] = "commercial"
    address: list[str] = Field(min_length=1)
    phone: str | None = None
    fax: str | None = None
    portal: str | None = None
    limits: Limits = Field(default_factory=Limits)
    presumed_receipt_days: int = Field(default=0, ge=0)  # Medicare: notices count as received 5 days on
    levels: list[Level] = Field(min_length=1)
    letters: dict[str, str] = Field(default_factory=dict)  # category (or "default") -> template
    cover: str = "fax_cover.html"
    # category (or "default") -> required documents; "all" applies on top of every category
    manifests: dict[str, list[Requirement]] = Field(default_factory=dict)
    corrected_claims_in_appeals: bool = True  # some payers refuse a corrected claim inside an appeal
    order: list[AttachmentKind] = Field(default_factory=list)
    match: Match = Field(default_factory=Match)

    @model_validator(mode="after")
    def _known_categories(self) -> PayerProfile:
        allowed = {c.value for c in Category} | {"default", "all"}
        for table in (self.manifests, self.letters):
            for key in table:
                if key not in allowed:
                    raise ValueError(f"unknown category {key!r}")
        return self

    def level(self, level_id: str | None) -> Level:
        if level_id is None:
            return self.levels[0]
        for level in self.levels:
            if level.id == level_id:
                return level
        known = ", ".join(lv.id for lv in self.levels)
        raise InputError(f"payers/{self.id}.yaml", "levels", f"no level {level_id!r} (has: {known})")

    def requirements(self, category: Category) -> list[Requirement]:
        specific = self.manifests.get(category.value, self.manifests.get("default", []))
        return [*self.manifests.get("all", []), *specific]

    def recipient(self, level: Level) -> Recipient:
        if level.recipient is not None:
            return level.recipient
        return Recipient(name=self.name, address=self.address, fax=self.fax, phone=self.phone)



def read_profile(path: Path) -> PayerProfile:
    """Read and validate one profile file (uncached: the toolkit caches per file version)."""
    data = read_document(path)
    if not isinstance(data, dict):
        raise InputError(path, None, "a payer profile must be a mapping")
    try:
        profile = PayerProfile.model_validate(data)
    except ValidationError as exc:
        raise InputErrors(validation_errors(path, exc)) from None
    if profile.id != path.stem:
        raise InputError(path, "id", f"must equal the file name ({path.stem})")
    return profile


def profile_path(workspace: Workspace, payer_id: str, source: object = "payer") -> Path:
    """The file of profile `payer_id`; an unknown id is reported against `source` (the claim)."""
    try:
        return workspace.find("payers", f"{payer_id}.yaml").resolve()
    except InputError:
        raise InputError(source, "payer", f"unknown payer profile {payer_id!r} (known: "
                         f"{', '.join(profile_ids(workspace))})") from None


def profile_ids(workspace: Workspace) -> list[str]:
    return sorted(p.removesuffix(".yaml") for p in workspace.list("payers", "*.yaml"))


def load_payer(workspace: Workspace, payer_id: str, source: object = "payer") -> PayerProfile:
    """The profile `payer_id`, read now (commands use the toolkit's cached copy)."""
    return read_profile(profile_path(workspace, payer_id, source))
