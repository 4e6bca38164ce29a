"""Payer profiles (payers/<id>.yaml): contacts, limits, appeal levels and manifests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from appealgen.documents import did_you_mean, read_model
from appealgen.errors import InputError, InputErrors
from appealgen.models import Action, AttachmentKind, Category, PayerId, Strict
from appealgen.workspace import BUILTIN_PREFIX, Workspace


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


Delivery = Literal["mail", "fax", "portal"]
Corrections = Literal["new_claim", "reopening", "replacement_claim"]
ProviderId = Literal["npi", "ptan", "tax_id", "medicaid_id"]
FAX_COVER = "fax_cover.html"
MAIL_COVER = "mail_cover.html"
# Days a request needs to arrive, by delivery method: a house default, not a regulation (mail:
# about 5 days in transit plus 2 for the payer's mailroom; fax and portal: the next business
# day). A profile sets its own in `transit_days`.
DEFAULT_TRANSIT_DAYS: dict[Delivery, int] = {"mail": 7, "fax": 1, "portal": 1}


class Dismissal(Strict):
    """What a party may do when a level dismisses its request (a dismissal is not a decision on
    the merits): have another step review the dismissal, or nothing (`final`: binding)."""

    review: str | None = None  # the id of the step that reviews it: a level or a dismissal step
    final: bool = False
    # The body that dismissed may also be asked to vacate its dismissal within this many months
    # of the notice (counted from the notice date: the earlier, safe date).
    vacate_months: int | None = Field(default=None, gt=0)
    vacate_source: str | None = None  # the rule, for the plan's note (e.g. 42 CFR 405.952(d))

    @model_validator(mode="after")
    def _one_path(self) -> Dismissal:
        if (self.review is None) == (not self.final):
            raise ValueError("give either review (the step that reviews the dismissal) or final: true")
        return self


class Level(Strict):
    """One appeal level (or another step: a dismissal review, a reopening). The window runs from
    the notice that opened it (the denial, or the previous step's decision) plus the profile's
    presumed-receipt days."""

    id: str = Field(pattern=r"^[a-z0-9_]+$", max_length=32)  # the tracking log's columns hold 32 and 80
    name: str = Field(max_length=80)
    window_days: int | None = Field(default=None, gt=0)
    window_months: int | None = Field(default=None, gt=0)
    counts_from: Literal["denial_date", "previous_decision"] = "denial_date"
    presumed_receipt: bool = True  # false: count from the notice's own date (the earlier, safe date)
    action: Action = Action.appeal
    decided_by: str | None = None
    # Who decides at this level as a later letter names them, where that is not its recipient
    # (OMHA's central office dockets a hearing request; an Administrative Law Judge decides it).
    decision_by: str | None = Field(default=None, max_length=120)
    form: str | None = None
    cover: str | None = None  # cover sheet template for this level
    letter: str | None = None  # letter template for every category at this level
    # How a letter at this level greets its reader (an ALJ, the Council); else "To the reviewer:".
    greeting: str | None = Field(default=None, max_length=80)
    # What a letter at this level asks of its reader, before the amount: an ALJ or the Council
    # decides and does not pay ("issue a fully favorable decision reversing the denial of").
    relief: str | None = Field(default=None, max_length=120)
    recipient: Recipient | None = None
    delivery: Delivery | None = None  # how requests at this level are sent (default: the profile's)
    amount_in_controversy: dict[int, Decimal] = Field(default_factory=dict)  # year -> minimum
    skip_for: list[Category] = Field(default_factory=list)  # these denials start at the next level
    dismissal: Dismissal | None = None  # what may follow when this level dismisses a request
    final: bool = False  # its decision is binding: no further step follows it
    # false: only the manifest's "all" documents (a dismissal review argues the dismissal, a
    # reopening corrects a clerical error: neither needs the clinical record)
    category_documents: bool = True
    # Days the reviewer has to decide once the request is received: the tracking log sets the
    # follow-up date from it. None: not published (the log then follows up after 30 days).
    decision_days: int | None = Field(default=None, gt=0)
    # Where the rules let an appellant move on to the next level when no decision came within
    # decision_days (Medicare: the QIC 405.970, the ALJ 405.1016, the Council 405.1132): the citation.
    escalation: str | None = None
    # A request after the window, with good cause: `late_rule` says what good cause is there (the
    # plan's message quotes it), `late_months` how long after the window's start it may still
    # come (a Medicare reopening: 4 years, 405.980(b)(2)); None: no limit but good cause.
    late_rule: str | None = None
    late_months: int | None = Field(default=None, gt=0)
    # A request this step takes at any time, after its window and late limit too, and the rule
    # that says so (a Medicare reopening that corrects a clerical error): late is then no problem.
    any_time: str | None = Field(default=None, max_length=300)
    # A level that is a lawsuit (Medicare's judicial review), filed by counsel: the citation. The
    # plan then sends nothing (action review, its deadline kept): a court filing is public.
    filed_by_counsel: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _one_window(self) -> Level:
        if (self.window_days is None) == (self.window_months is None):
            raise ValueError("give exactly one of window_days and window_months")
        return self


class FilingLimit(Strict):
    """How long after the date of service a claim may be filed (a new claim must meet it)."""

    window_days: int | None = Field(default=None, gt=0)
    window_months: int | None = Field(default=None, gt=0)
    source: str | None = None  # the rule or contract, for the plan's reason

    @model_validator(mode="after")
    def _one_window(self) -> FilingLimit:
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
    # only when a disputed line's procedure code matches one of these (shell patterns: "B4*")
    codes: list[str] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_kind(cls, value: object) -> object:
        return {"one_of": [value]} if isinstance(value, str) else value

    def describe(self) -> str:
        return self.label or " or ".join(k.value for k in self.one_of)


class Match(Strict):
    """How an 835's payer finds this profile: its payer ID, a part of its name, or, when neither
    names a specific profile, the claim filing indicator its claims carry (CLP06: MA Medicare
    Part A, MB Medicare Part B, MC Medicaid)."""

    payer_ids: list[str] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)
    filing_indicators: list[str] = Field(default_factory=list)


class PayerProfile(Strict):
    id: PayerId
    name: str
    kind: Literal["medicare", "medicaid", "commercial"] = "commercial"
    # A shipped example: its addresses and fax numbers are fictional and its windows a model's, so
    # every plan under it says so until a person sets the plan's own and removes the flag.
    example: bool = False
    address: list[str] = Field(min_length=1)
    phone: str | None = None
    fax: str | None = None
    portal: str | None = None
    limits: Limits = Field(default_factory=Limits)
    presumed_receipt_days: int = Field(default=0, ge=0)  # Medicare: notices count as received 5 days on
    levels: list[Level] = Field(min_length=1)  # the appeal levels on the merits, in order
    dismissal_steps: list[Level] = Field(default_factory=list)  # steps that review a dismissal
    # How the payer takes a correction of our own billing error: a new claim, a reopening of its
    # determination (`reopening` then describes it), or a replacement claim (frequency code 7
    # with the payer's original claim number).
    corrections: Corrections = "replacement_claim"
    reopening: Level | None = None
    # Where a replacement claim (frequency code 7) goes, with its window and letter; without it,
    # a corrected claim goes to the first level's address.
    replacement: Level | None = None
    # Where a request for retroactive authorization goes (the plan's utilization management);
    # without it the payer takes none, and a claim denied for a missing authorization is reviewed.
    retro_authorization: Level | None = None
    # The provider's identifiers every request to this payer must state (DME MACs: NPI, PTAN, tax ID).
    provider_ids: list[ProviderId] = Field(default_factory=lambda: list[ProviderId](["npi"]))
    # The patient's identifier the payer matches a request by: `mbi`, the Medicare Beneficiary
    # Identifier (its form is checked); `any`, the plan's own member IDs (any form).
    member_ids: Literal["any", "mbi"] = "any"
    # What the payer calls the party asking: a DME MAC's are suppliers, a Part B MAC's providers.
    provider_role: Literal["provider", "supplier"] = "provider"
    filing_limit: FilingLimit | None = None  # from the date of service; a new claim must meet it
    letters: dict[str, str] = Field(default_factory=dict)  # category (or "default") -> template
    cover: str | None = None  # default: the fax cover when requests go by fax, else the mail cover
    delivery: Delivery | None = None  # default: fax when the recipient has a fax number, else mail
    transit_days: dict[Delivery, int] = Field(default_factory=lambda: dict(DEFAULT_TRANSIT_DAYS))
    # category (or "default") -> required documents; "all" applies on top of every category
    manifests: dict[str, list[Requirement]] = Field(default_factory=dict)
    corrected_claims_in_appeals: bool = True  # some payers refuse a corrected claim inside an appeal
    # How the payer takes a claim it denied because another payer pays first, once the primary
    # payer has decided: `review`, a request for review with the primary's EOB enclosed; or
    # `new_claim`, the claim billed again as secondary with the primary's payment on it (Medicare:
    # an MSP claim, not a redetermination).
    secondary_claims: Literal["review", "new_claim"] = "review"
    order: list[AttachmentKind] = Field(default_factory=list)
    match: Match = Field(default_factory=Match)

    @model_validator(mode="after")
    def _known_categories(self) -> PayerProfile:
        allowed = {c.value for c in Category} | {"default", "all"}
        for table in (self.manifests, self.letters):
            for key in table:
                if key not in allowed:
                    raise ValueError(f"unknown category {key!r}{did_you_mean(key, sorted(allowed))}")
        return self

    def steps(self) -> list[Level]:
        """Every step a request can be made at: the levels, the dismissal steps, the reopening."""
        extra = [step for step in (self.reopening, self.replacement, self.retro_authorization) if step]
        return [*self.levels, *self.dismissal_steps, *extra]

    def first_level(self, category: Category) -> Level:
        """The first level that takes this category (CareSource: medical-necessity denials skip
        the claim dispute and go to the clinical appeal)."""
        return next((lv for lv in self.levels if category not in lv.skip_for), self.levels[0])

    def level(self, level_id: str | None) -> Level:
        if level_id is None:
            return self.levels[0]
        for level in self.steps():
            if level.id == level_id:
                return level
        known = ", ".join(lv.id for lv in self.steps())
        raise InputError(f"payers/{self.id}.yaml", "levels", f"no level {level_id!r} (has: {known})")

    def delivery_for(self, level: Level) -> Delivery:
        """How a request at `level` is sent: the level's method, the profile's, else fax when the
        recipient has a fax number, else mail (a request never depends on a fax it cannot have)."""
        return level.delivery or self.delivery or ("fax" if self.recipient(level).fax else "mail")

    def cover_for(self, level: Level) -> tuple[str, str]:
        """The cover sheet for `level` and why."""
        if level.cover:
            return level.cover, f"the cover for {level.name}"
        delivery = self.delivery_for(level)
        # The profile's cover is a default: a fax cover never goes to a recipient without a fax.
        if self.cover and (delivery == "fax" or self.cover.removeprefix(BUILTIN_PREFIX) != FAX_COVER):
            return self.cover, "the payer's cover sheet"
        if delivery == "fax":
            return FAX_COVER, "the fax cover: requests go by fax"
        return MAIL_COVER, f"the transmittal cover: requests go by {delivery}"

    def problems(self) -> list[tuple[str, str]]:
        """(field, message) for what the model alone cannot check: step ids, dismissal paths, the
        reopening, and that no step needs a fax number its recipient lacks."""
        found: list[tuple[str, str]] = []
        ids = [step.id for step in self.steps()]
        found += [("levels", f"step id {i!r} is used twice") for i in sorted({i for i in ids if ids.count(i) > 1})]
        if self.corrections == "reopening" and self.reopening is None:
            found.append(("reopening", "corrections: reopening needs a reopening step (window, letter)"))
        for where, step in self.named_steps():
            path = step.dismissal
            if path is not None and path.review is not None and path.review not in ids:
                found.append((f"{where}.dismissal.review", f"no step {path.review!r} (has: {', '.join(ids)})"))
            if not self.recipient(step).fax:
                if self.delivery_for(step) == "fax":
                    found.append((f"{where}.delivery", f"fax, but {step.id}'s recipient has no fax number"))
                elif self.cover_for(step)[0].removeprefix(BUILTIN_PREFIX) == FAX_COVER:
                    found.append((f"{where}.cover", f"{FAX_COVER} needs a fax number; {step.id}'s recipient has "
                                  "none (leave cover out: the transmittal cover is used)"))
        return found

    def named_steps(self) -> list[tuple[str, Level]]:
        named = [(f"levels[{i}]", step) for i, step in enumerate(self.levels)]
        named += [(f"dismissal_steps[{i}]", step) for i, step in enumerate(self.dismissal_steps)]
        extra = (("reopening", self.reopening), ("replacement", self.replacement),
                 ("retro_authorization", self.retro_authorization))
        return named + [(where, step) for where, step in extra if step is not None]

    def requirements(self, category: Category, level_id: str | None = None) -> list[Requirement]:
        step = next((s for s in self.steps() if s.id == level_id), None)
        if step is not None and not step.category_documents:
            return list(self.manifests.get("all", []))
        specific = self.manifests.get(category.value, self.manifests.get("default", []))
        return [*self.manifests.get("all", []), *specific]

    def recipient(self, level: Level) -> Recipient:
        if level.recipient is not None:
            return level.recipient
        return Recipient(name=self.name, address=self.address, fax=self.fax, phone=self.phone)

    def sent_by(self, delivery: Delivery) -> PayerProfile:
        """This profile with its requests sent by `delivery` (`--delivery`: the payer's fax line
        is down, a mailing is printed): the plan's send-by date, its cover sheet and the letter's
        head follow it. A step whose recipient has no fax number stays as it was for fax (the
        plan's step is checked: see planned.plan_item)."""
        def changed(step: Level) -> Level:
            keep = delivery == "fax" and not self.recipient(step).fax
            return step if keep else step.model_copy(update={"delivery": delivery})

        return self.model_copy(update={
            "levels": [changed(step) for step in self.levels],
            "dismissal_steps": [changed(step) for step in self.dismissal_steps],
            **{name: changed(step) for name in ("reopening", "replacement", "retro_authorization")
               if (step := getattr(self, name)) is not None}})



def read_profile(path: Path) -> PayerProfile:
    """Read and validate one profile file (uncached: the toolkit caches per file version)."""
    profile = read_model(path, PayerProfile, "a payer profile")
    if profile.id != path.stem:
        raise InputError(path, "id", f"must equal the file name ({path.stem})")
    problems = profile.problems()
    if problems:
        raise InputErrors([InputError(path, where, message) for where, message in problems])
    return profile


def profile_path(workspace: Workspace, payer_id: str, source: object = "payer") -> Path:
    """The file of profile `payer_id`; an unknown id is reported against `source` (the claim)."""
    try:
        return workspace.find("payers", f"{payer_id}.yaml").resolve()
    except InputError:
        known = profile_ids(workspace)
        raise InputError(source, "payer", f"unknown payer profile {payer_id!r}{did_you_mean(payer_id, known)} "
                         f"(known: {', '.join(known)})") from None


def profile_ids(workspace: Workspace) -> list[str]:
    return sorted(p.removesuffix(".yaml") for p in workspace.list("payers", "*.yaml"))


def load_payer(workspace: Workspace, payer_id: str, source: object = "payer") -> PayerProfile:
    """The profile `payer_id`, read now (commands use the toolkit's cached copy)."""
    return read_profile(profile_path(workspace, payer_id, source))


def missing_templates(workspace: Workspace, profile: PayerProfile, path: Path) -> list[InputError]:
    """The letters and covers a profile names that exist nowhere: reported when the profile
    loads, not when the first claim that needs one is built."""
    named = [(f"letters.{key}", "letters", name) for key, name in profile.letters.items()]
    named += [("cover", "cover_sheets", profile.cover)] if profile.cover else []
    for where, level in profile.named_steps():
        named += [(f"{where}.cover", "cover_sheets", level.cover)] if level.cover else []
        named += [(f"{where}.letter", "letters", level.letter)] if level.letter else []
    errors = []
    for field, folder, name in named:
        try:
            workspace.template(folder, name, profile.id)
        except InputError:
            known = [n for n in workspace.list(f"templates/{folder}", "*") if "." in n]
            errors.append(InputError(path, field, f"template {name!r} is not in templates/{folder}"
                                     f"{did_you_mean(name.removeprefix('builtin:'), known)}"))
    return errors
