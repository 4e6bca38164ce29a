"""Claim + payer profile + rules -> Plan: the one decision that drives rendering and checking."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from pydantic import BaseModel, Field

from appealgen.disputes import DisputedLine, amount_requested, disputed_lines, quoted_codes
from appealgen.errors import InputError
from appealgen.models import Action, AppealStep, AttachmentKind, Category, Claim, Decision
from appealgen.output import counted
from appealgen.payers import Level, PayerProfile
from appealgen.payers import Requirement as ManifestEntry
from appealgen.readiness import (
    REVIEWS,
    bundling_findings,
    cite_policies,
    contested_liability,
    liability_findings,
    request_findings,
)
from appealgen.report import Finding, Override, Requirement, problem, warning
from appealgen.rules.classify import CLAIM_LEVEL, Classification, classify, line_uses, parts_of, whole_claim
from appealgen.rules.codes import CodeTable
from appealgen.rules.deadlines import (
    Deadline,
    SendBy,
    aic_minimum,
    amount_in_controversy,
    claim_filing_deadline,
    filing_deadline,
    late_limit_passed,
    minimum_year,
    send_by,
    window_deadline,
)
from appealgen.rules.decide import (
    AGGREGATION,
    ActionChoice,
    LevelChoice,
    Situation,
    choose_action,
    choose_level,
    overrule,
)
from appealgen.rules.policies import Citation, PolicyTable

DEADLINE_WARNING_DAYS = 14
# Remittance advice always follows the letter; then the payer's order, then the rest.
DEFAULT_ORDER = [k for k in AttachmentKind if k is not AttachmentKind.remittance_advice]
# The shipped Word letter for each situation; a payer profile's `letters` overrides these.
CATEGORY_LETTERS = {
    Category.medical_necessity: "medical_necessity.docx",
    Category.coverage: "non_covered.docx",
    Category.authorization: "authorization.docx",
    Category.missing_information: "missing_information.docx",
    Category.coding: "coding.docx",
    Category.bundling: "bundling.docx",
    Category.eligibility: "eligibility.docx",
    Category.timely_filing: "timely_filing.docx",
    Category.coordination_of_benefits: "coordination_of_benefits.docx",
    Category.benefit_maximum: "benefit_maximum.docx",
}
ACTION_LETTERS = {Action.corrected_claim: "corrected_claim.docx", Action.reopening: "reopening.docx",
                  Action.request_authorization: "retro_authorization.docx"}
FALLBACK_LETTER = "reconsideration.html"
# Actions that send something to the payer; the others build no packet (nothing to send).
SUBMITTED = {Action.appeal, Action.reconsideration, Action.corrected_claim, Action.request_authorization,
             Action.reopening}
# Actions whose deadline is one to meet: those that send something, a person's review, which
# sends nothing yet while the window it may still use keeps running, and a verification of
# eligibility, whose rebill is a new claim within a filing limit. Every view shows a deadline for
# these only (era's table, the batch summary, the log's steps).
DATED = SUBMITTED | {Action.review, Action.verify_eligibility}
# What to do instead when nothing is sent, as the build line says it.
INSTEAD = {
    Action.adjust: "adjust the balance (write it off)",
    Action.check_status: "check the claim's status with the payer",
    Action.bill_patient: "bill the patient",
    Action.verify_eligibility: "verify the patient's coverage and member ID, then bill the right payer",
    Action.ask_client: "ask the client (the practice) whether to bill the patient or adjust the balance",
    Action.review: "have a person review the denial before anything is sent",
    Action.none: "nothing: there is no denial to dispute",
}
CORRECTED_CLAIM_FORM = "corrected claim form (frequency code 7, with the original claim number)"
AFTER_REFUSAL = (("the utilization management decision refusing the authorization", [AttachmentKind.decision_notice]),
                 ("records showing the medical need", [AttachmentKind.progress_notes, AttachmentKind.medical_records]))
SIGNED_ABN = "advance beneficiary notice (CMS-R-131) signed before the service (modifier GA)"


class Plan(BaseModel):
    claim_id: str
    payer: str
    payer_name: str
    category: Category
    other_categories: list[Category]
    category_reasons: list[str]
    codes: list[str]  # every reason and remark code seen, e.g. "CO-50", "N115"
    denial_codes: list[str]  # the reason codes that deny, e.g. "CO-50" (each with its own group)
    remarks: list[str]  # the remark codes, e.g. "N115"
    denied: bool
    action: Action
    action_reason: str
    override: Override | None = None  # a specialist overruled the plan's action
    new_claim: bool  # a corrected claim sent as a new claim (not a replacement): the filing limit applies
    notes: list[str]
    level: str
    level_name: str
    level_reason: str
    first_dos: date  # the earliest date of service on the claim
    deadline: date  # the day the request must arrive
    deadline_reason: str
    window: str = ""  # the filing window: "120 days", "12 months"
    window_start: date | None = None  # the day it counts from (the notice's date, or the date of service)
    window_counts_from: str = "denial_date"  # denial_date, previous_decision or date_of_service
    receipt_days: int = 0  # days of presumed receipt added to window_start
    days_left: int
    send_by: date  # the day to send it, allowing for the delivery method's transit time
    send_by_reason: str
    delivery: str  # mail, fax or portal
    amount_in_controversy: Decimal
    aic_minimum: Decimal | None
    appeal_rights: bool
    cite_lcd: bool
    letter: str
    letter_reason: str
    letter_file: str = ""  # the file used, and where it comes from (workspace or built-in)
    cover: str
    cover_reason: str
    cover_file: str = ""
    required: list[Requirement]
    attachment_order: list[int]  # indexes into claim.attachments, in packet order
    findings: list[Finding]  # known before building: problems fail the packet's check
    disputed: list[DisputedLine] = Field(default_factory=list)  # the lines the request is about
    amount_requested: Decimal = Decimal(0)  # the denied amount of the disputed lines
    quoted_codes: list[str] = Field(default_factory=list)  # the denial codes of the disputed lines
    quoted_remarks: list[str] = Field(default_factory=list)  # and their remark codes
    policies: list[Citation] = Field(default_factory=list)  # coverage policies the letter cites
    policy_missing: list[str] = Field(default_factory=list)  # disputed codes of a medical-necessity denial without one

    @property
    def submitted(self) -> bool:
        return self.action in SUBMITTED

    @property
    def packet(self) -> bool:
        """A packet is built: the action sends a request (a corrected claim sent as a new claim
        goes through claim submission, not in a packet)."""
        return self.action in SUBMITTED and not self.new_claim

    @property
    def instead(self) -> str:
        """What to do when no packet is built, for the build line and packet.json."""
        if self.packet:
            return ""
        if self.action is Action.corrected_claim:
            what = ("send a new claim as the secondary payer, with the primary payer's decision on it,"
                    if self.category is Category.coordination_of_benefits
                    else "correct the claim and send it as a new claim (frequency code 1)")
            return f"{what} by {self.send_by.isoformat()}; it must arrive by {self.deadline.isoformat()}"
        return INSTEAD[self.action]

    @property
    def problems(self) -> list[str]:
        return [f.message for f in self.findings if f.severity == "problem"]

    @property
    def warnings(self) -> list[str]:
        return [f.message for f in self.findings if f.severity == "warning"]

    @property
    def missing(self) -> list[str]:
        return [r.description for r in self.required if not r.present]

    @property
    def would_fail(self) -> bool:
        """Its packet would fail its check: a required document missing, or a problem found."""
        return bool(self.missing or self.problems)

    @property
    def category_reason(self) -> str:
        return self.category_reasons[0] if self.category_reasons else ""


def disputed_codes(claim: Claim, disputed: Sequence[DisputedLine]) -> list[str]:
    """The procedure codes of the lines disputed (a claim-level line has none)."""
    return [code for d in disputed if (code := claim.service_lines[d.index].code)]


def applies(requirement: ManifestEntry, level: str, first_dos: date, codes: Sequence[str] = ()) -> bool:
    """Whether a manifest entry holds for this request: its levels, its dates of service, and the
    procedure codes of the lines disputed (a CMN only for the items that had one)."""
    if requirement.levels is not None and level not in requirement.levels:
        return False
    if requirement.codes is not None and not any(fnmatch.fnmatchcase(code, pattern) for code in codes
                                                 for pattern in requirement.codes):
        return False
    if requirement.dos_before is not None and first_dos >= requirement.dos_before:
        return False
    return not (requirement.dos_from is not None and first_dos < requirement.dos_from)


def attachment_order(claim: Claim, profile: PayerProfile) -> list[int]:
    """Packet order: what the request answers first (at a later level the decision notices, then
    the remittance; at the first level the remittance), then the payer's order."""
    first = [AttachmentKind.remittance_advice]
    if claim.appeal.history:
        first.insert(0, AttachmentKind.decision_notice)
    ranks = [*first, *(k for k in profile.order if k not in first)]
    ranks += [k for k in DEFAULT_ORDER if k not in ranks]
    indexed = list(enumerate(claim.attachments))
    indexed.sort(key=lambda item: (ranks.index(item[1].kind), item[0]))
    return [i for i, _ in indexed]


def remittance_place(claim: Claim, kinds: list[str]) -> int:
    """Where the remittance page made from the claim's 835 goes among its documents in packet order
    (`kinds`): first, or after the notice a later level answers, as `attachment_order` ranks them."""
    if not claim.appeal.history:
        return 0
    return next((n for n, kind in enumerate(kinds) if kind != AttachmentKind.decision_notice.value), len(kinds))


def authorization_refused(claim: Claim, profile: PayerProfile) -> bool:
    """The payer's utilization management refused the retroactive authorization: the request that
    follows has no authorization to enclose or to say was on file; it argues the medical need."""
    step = profile.retro_authorization
    return step is not None and any(h.level == step.id and h.outcome is Decision.upheld for h in claim.appeal.history)


def choose_letter(claim: Claim, profile: PayerProfile, category: Category, action: Action,
                  level_letter: str | None) -> tuple[str, str]:
    if claim.appeal.letter:
        return claim.appeal.letter, "stated in the claim file"
    if action in ACTION_LETTERS:
        return ACTION_LETTERS[action], f"action {action.value}"
    if level_letter:
        return level_letter, "the payer's letter for this level"
    if category.value in profile.letters:
        return profile.letters[category.value], f"the payer's letter for {category.value}"
    if category in CATEGORY_LETTERS:
        return CATEGORY_LETTERS[category], f"the letter for {category.value}"
    return profile.letters.get("default", FALLBACK_LETTER), "the default letter"


def requested_amount(claim: Claim, category: Category, disputed: list[DisputedLine]) -> Decimal:
    """What a request asks for: the denied amount of the disputed lines; after a coordination-of-
    benefits denial, no more than the primary payer left owing (a secondary pays at most that)."""
    denied = amount_requested(disputed)
    if category is Category.coordination_of_benefits and claim.primary_balance is not None:
        return min(denied, claim.primary_balance)
    return denied


def cob_findings(claim: Claim, category: Category, action: Action, kinds: set[AttachmentKind]) -> list[Finding]:
    """A secondary claim after a coordination-of-benefits denial, with the primary's EOB but no
    balance from it: the letter asks for the whole denied amount, more than a secondary pays."""
    if category is not Category.coordination_of_benefits or action not in SUBMITTED or \
            AttachmentKind.primary_eob not in kinds or claim.primary_balance is not None:
        return []
    return [warning("cob.primary_balance_missing", "primary_balance is missing: the letter asks for the whole "
                    "denied amount, while a secondary payer pays at most what the primary's explanation of "
                    "benefits left owing; copy that balance from it")]


def stated_letter_findings(claim: Claim, action: Action) -> list[Finding]:
    """A letter the claim file states that the project made for another purpose (an appeal's, or
    another action's), for an action with a letter of its own: a corrected claim sent with a
    letter that argues the claim as billed contradicts itself. A team's own letter is trusted."""
    stated, own = claim.appeal.letter, ACTION_LETTERS.get(action)
    if stated is None or own is None or stated == own:
        return []
    purpose = next((f"action {a.value}" for a, letter in ACTION_LETTERS.items() if letter == stated), None) or \
        next((f"{c.value} denials" for c, letter in CATEGORY_LETTERS.items() if letter == stated), None)
    if purpose is None:
        return []
    return [problem("appeal.letter_for_another_action", f"appeal.letter {stated} is the letter for {purpose}, but "
                    f"this claim's action is {action.value}, whose letter is {own}: remove appeal.letter, or state "
                    f"a letter written for a {action.value.replace('_', ' ')}")]


def deadline_findings(good_cause: bool, deadline: date, days_left: int, step: Level | None = None) -> list[Finding]:
    """The filing window as of a day; `check` re-runs it on its own day. The deadline day
    itself is still in time. `step`: its `late_rule` says what good cause is there, its
    `any_time` why the request may still come without it (a clerical error's reopening)."""
    if days_left < 0:
        message = f"filing deadline {deadline.isoformat()} has passed"
        if good_cause:
            return [warning("deadline.passed_good_cause", f"{message}; good cause is stated in the letter")]
        if step is not None and step.any_time:
            return [warning("deadline.passed_any_time", f"{message}, but {step.any_time}: a letter built after that "
                            "day says so")]
        rule = f": {step.late_rule}" if step is not None and step.late_rule else ""
        return [problem("deadline.passed", f"{message}; state good cause (appeal.good_cause) to file late{rule}")]
    if days_left <= DEADLINE_WARNING_DAYS:
        return [warning("deadline.soon", f"filing deadline {deadline.isoformat()} is {counted(days_left, 'day')} away")]
    return []


def required_documents(
    profile: PayerProfile, category: Category, level: str, first_dos: date, action: Action,
    kinds: set[AttachmentKind], remark_documents: list[AttachmentKind], new_claim: bool = False,
    history: bool = False, codes: Sequence[str] = (), liability: bool = False, refused: bool = False,
) -> list[Requirement]:
    """The documents a request needs: the payer's manifest for the category and level, and
    what the remark codes ask for. The one place this is decided; `plan` and `check` call it.
    `codes`: the procedure codes of the lines disputed; `liability`: the request contests who is
    liable for them (`contested_liability`), which rests on the beneficiary's signed notice;
    `refused`: the retroactive authorization was refused (`authorization_refused`): no authorization
    exists to enclose, the request rests on the refusal and the medical record."""
    # A decision notice is the previous level's: at the first level a denial of this category
    # reaches (CareSource's appeal of a medical-necessity denial, the dispute skipped) there is
    # none, unless the history records an earlier decision all the same. (`check` passes no
    # history: the plan's own list, recorded in packet.json, already holds what it required.)
    first = level == profile.first_level(category).id and not history
    required = [
        Requirement(description=r.describe(), kinds=r.one_of, present=any(k in kinds for k in r.one_of))
        for r in profile.requirements(category, level)
        if applies(r, level, first_dos, codes) and not (first and r.one_of == [AttachmentKind.decision_notice])
    ]
    required += [
        Requirement(description=f"{kind.value} (asked for by a remark code)", kinds=[kind], present=kind in kinds)
        for kind in remark_documents if not any(r.kinds == [kind] for r in required)
    ]
    if action is Action.request_authorization:  # the authorization is what is being asked for
        required = [r for r in required if r.kinds != [AttachmentKind.authorization]]
    if action is Action.corrected_claim and not new_claim:  # the replacement claim (7) is what is being sent
        kind = AttachmentKind.corrected_claim
        required.append(Requirement(description=CORRECTED_CLAIM_FORM, kinds=[kind], present=kind in kinds))
    if liability:
        kind = AttachmentKind.abn
        required.append(Requirement(description=SIGNED_ABN, kinds=[kind], present=kind in kinds))
    if refused and action in REVIEWS:
        required = [r for r in required if r.kinds != [AttachmentKind.authorization]]
        required += [Requirement(description=description, kinds=wanted, present=any(k in kinds for k in wanted))
                     for description, wanted in AFTER_REFUSAL if not any(r.kinds == wanted for r in required)]
    return required


def check_levels(claim: Claim, profile: PayerProfile, origin: str) -> None:
    """Appeal levels named in the claim must exist in its payer's profile."""
    named = [("appeal.level", claim.appeal.level)]
    named += [(f"appeal.history[{i}].level", step.level) for i, step in enumerate(claim.appeal.history)]
    known = [level.id for level in profile.steps()]
    for where, level in named:
        if level is not None and level not in known:
            raise InputError(origin, where, f"{profile.id} has no level {level!r} (levels: {', '.join(known)})")


def _deadline(claim: Claim, profile: PayerProfile, step: Level, action: ActionChoice,
              first_dos: date) -> tuple[Deadline, list[Finding]]:
    """The step's window; a new claim's own filing limit instead (it was never filed)."""
    if not action.new_claim:
        return filing_deadline(claim, profile, step), []
    if profile.filing_limit is not None:
        return claim_filing_deadline(first_dos, profile.filing_limit), []
    return filing_deadline(claim, profile, step), [warning(
        "payer.filing_limit_missing", f"{profile.id} gives no claim filing limit (filing_limit); the deadline "
        f"shown is {step.name}'s window: check the payer's limit for a new claim")]


def filing_limit_passed(profile: PayerProfile, first_dos: date, today: date) -> date | None:
    """The day a new claim for this date of service had to be filed by, when that day has passed."""
    if profile.filing_limit is None:
        return None
    limit = claim_filing_deadline(first_dos, profile.filing_limit).date
    return limit if limit < today else None


def limits_passed(profile: PayerProfile, first_dos: date, denial_date: date, history: Sequence[AppealStep],
                  today: date) -> tuple[date | None, date | None]:
    """The limits that have closed as of `today`, for `Situation`: a new claim's filing limit,
    and the last day of a reopening even for good cause."""
    reopening = (late_limit_passed(denial_date, history, profile, profile.reopening, today)
                 if profile.reopening is not None and not profile.reopening.any_time else None)
    return filing_limit_passed(profile, first_dos, today), reopening


def part_claim(claim: Claim, index: int) -> Claim:
    """The claim as if only one of its parts had been denied: a line alone, or the claim's own
    codes with the lines that carry none (each with the claim's own remarks)."""
    lines, denial = claim.service_lines, claim.denial
    if index == CLAIM_LEVEL:
        kept = [line for line in lines if not line_uses(line)] or lines
        on_lines = {use.carc for line in lines for use in line_uses(line)}
        carcs = [c for c in denial.carc if c not in on_lines]
        adjustments = denial.adjustments
    else:
        kept = [lines[index]]
        carcs = [c for c in denial.carc if c in {use.carc for use in line_uses(lines[index])}]
        adjustments = []
    theirs = {r for line in lines for r in line.rarc} - {r for line in kept for r in line.rarc}
    part = denial.model_copy(update={"carc": carcs, "adjustments": adjustments,
                                     "rarc": [r for r in denial.rarc if r not in theirs]})
    return claim.model_copy(update={"service_lines": kept, "denial": part})


def _its_own(claim: Claim, index: int, profile: PayerProfile, codes: CodeTable, today: date) -> str:
    """What a part planned apart needs, in a few words: its action, and its deadline when it has one."""
    decided = decide(part_claim(claim, index), profile, codes, today)
    due = f" by {decided.deadline.date.isoformat()}" if decided.dated else ""
    return f"{decided.action.action.value}{due}"


def parts_apart(claim: Claim, found: Classification, codes: CodeTable) -> dict[int, Classification]:
    """The parts (line indices; CLAIM_LEVEL for the claim's own codes) denied for another reason
    than the one the plan follows, each with its own classification: each needs a plan of its
    own (mixed_findings names them; an 835's claim is split into them: era_claims.split_document)."""
    if claim.denial.category is not None:  # a person stated the claim's category: the lines follow it
        return {}
    if not found.split and (not found.others or whole_claim(claim, codes)):  # one decision for the whole claim
        return {}
    return {index: own for index, own in parts_of(claim, codes).items()
            if own.denied and not (index in found.deciding if found.split else
                                   index == CLAIM_LEVEL or own.category is found.category)}


def without_parts(claim: Claim, indices: Sequence[int]) -> Claim:
    """The claim once the lines at `indices` are planned apart (part_claim gives each of them):
    the other lines, and the denial's codes and remarks that only the parts carried left out."""
    lines, denial = claim.service_lines, claim.denial
    kept = [line for i, line in enumerate(lines) if i not in indices]
    gone = [lines[i] for i in indices]
    theirs = {u.carc for line in gone for u in line_uses(line)} - {u.carc for line in kept for u in line_uses(line)}
    their_remarks = {r for line in gone for r in line.rarc} - {r for line in kept for r in line.rarc}
    rest = denial.model_copy(update={"carc": [c for c in denial.carc if c not in theirs],
                                     "rarc": [r for r in denial.rarc if r not in their_remarks]})
    return claim.model_copy(update={"service_lines": kept, "denial": rest})


def mixed_findings(claim: Claim, found: Classification, codes: CodeTable, profile: PayerProfile,
                   today: date) -> list[Finding]:
    """Parts of a claim denied for different reasons need different actions (a medical-necessity
    line's appeal, a duplicate line's status check, a GZ line's write-off): the plan follows the
    part that carries the most denied money (classify), so the others are named, each with its
    own action and deadline, to be planned apart before their own windows close."""
    others: dict[str, list[str]] = {}
    for index, own in parts_apart(claim, found, codes).items():
        # By its number too: two lines may bill the same code (a month's supplies, a repeated test)
        label = f"{claim.service_lines[index].label} on line {index + 1}" if index != CLAIM_LEVEL \
            else "the claim's own codes"
        decision = own.category.value + (f", {own.group_action.value}" if own.group_action is not None else "")
        others.setdefault(decision, []).append(f"{label} ({', '.join(own.denial_codes)}, its own plan "
                                               f"{_its_own(claim, index, profile, codes, today)})")
    if not others:
        return []
    listed = "; ".join(f"{decision}: {', '.join(labels)}" for decision, labels in others.items())
    return [warning("claim.mixed_denials", f"lines denied for other reasons than {found.category.value} ({listed}); "
                    "this plan follows the lines that carry the most denied money: put the others in a claim file "
                    "of their own, so each is planned on its own and meets its own deadline (from an 835, `build`, "
                    "`batch` and `era --out` do: <claim id>-L<line number>)")]


FALLBACKS = {Action.reopening: "the reopening", Action.request_authorization: "the authorization"}


def fallback_notes(claim: Claim, profile: PayerProfile, level: LevelChoice, action: ActionChoice,
                   today: date) -> list[str]:
    """Neither a reopening (405.980(a)(5)) nor a request for retroactive authorization stops the
    appeal clock: the date the appeal is due if it is refused, so it is not lost while waiting
    (at a plan whose dispute window is as short as its authorization window, file both). Below
    a level's minimum, the date claims aggregated to reach it are due (405.1006(e))."""
    asked = FALLBACKS.get(action.action)
    below = AGGREGATION in action.notes  # the client may aggregate claims to reach the minimum
    if (asked is None and not below) or level.status in ("exhausted", "no_path"):
        return []
    window = window_deadline(claim.denial.date, claim.appeal.history, profile, level.level)
    if window.date < today:  # gone already: no date to keep
        return []
    if below:
        return [f"aggregated with other claims to reach the minimum: {level.level.name} by "
                f"{window.date.isoformat()} ({window.reason})"]
    return [f"if {asked} is refused: {level.level.name} by {window.date.isoformat()} ({window.reason})"]


def escalation_notes(claim: Claim, profile: PayerProfile, level: LevelChoice, today: date, aic: Decimal) -> list[str]:
    """A request pending past its level's decision timeframe, where the rules let the appellant
    move on to the next level without the decision (Medicare: the QIC, the ALJ, the Council),
    and the amount in controversy meets that level's minimum."""
    step = level.level
    if level.status != "pending" or not claim.appeal.history or not step.escalation or not step.decision_days:
        return []
    due = claim.appeal.history[-1].date + timedelta(days=step.decision_days)
    following = profile.levels.index(step) + 1 if step in profile.levels else len(profile.levels)
    if today <= due or following >= len(profile.levels):
        return []
    target = profile.levels[following]
    minimum = aic_minimum(target, today)
    if minimum is not None and aic < minimum:
        return []
    return [f"no decision by {due.isoformat()}, {step.decision_days} days after the request was filed: you may ask "
            f"for the appeal to be escalated to {target.name} ({step.escalation}), or keep waiting for the decision"]


def _code_findings(found: Classification) -> list[Finding]:
    if not found.unknown:
        return []
    return [warning("codes.unknown", f"{', '.join(found.unknown)} not in the code table (rules/codes.yaml): a "
                    "person must review the denial")]


def _override(claim: Claim, situation: Situation, planned: ActionChoice, wanted: tuple[Action, str, str] | None,
              origin: str) -> tuple[ActionChoice, Override | None]:
    """The specialist's action (`--action`, else `appeal.action`) in place of the plan's."""
    if wanted is None and claim.appeal.action is not None:
        wanted = (claim.appeal.action, claim.appeal.action_reason or "", "appeal.action")
    if wanted is None:
        return planned, None
    action, reason, by = wanted
    chosen = overrule(situation, action, f"overruled by {by}: {reason} (the plan was {planned.action.value}: "
                      f"{planned.reason})")
    if isinstance(chosen, str):
        raise InputError(origin, by, chosen)
    return chosen, Override(action=action, planned=planned.action, planned_reason=planned.reason, by=by,
                            reason=reason)


@dataclass(frozen=True)
class Decided:
    """What a claim's plan decides (category, action, level, deadline, send-by date), before the
    rest of the plan (letter, cover, documents, findings) is worked out: `era`'s table of a
    10,000-claim 835 needs only this."""

    found: Classification
    kinds: set[AttachmentKind]
    level: LevelChoice
    disputed: list[DisputedLine]  # the lines the request is about: the amount in controversy is theirs
    aic: Decimal
    minimum: Decimal | None
    action: ActionChoice
    override: Override | None
    step: Level
    first_dos: date
    deadline: Deadline
    findings: list[Finding]  # from the deadline (a new claim's filing limit missing)
    days_left: int
    sending: SendBy

    @property
    def submitted(self) -> bool:
        return self.action.action in SUBMITTED

    @property
    def dated(self) -> bool:
        return self.action.action in DATED


def decide(claim: Claim, profile: PayerProfile, codes: CodeTable, today: date, origin: str = "claim",
           wanted: tuple[Action, str, str] | None = None) -> Decided:
    """The decisions of `make_plan` for one claim (it calls this: the two never differ)."""
    check_levels(claim, profile, origin)
    codes = codes.for_program(profile.kind)
    found = classify(claim, codes)
    kinds = {a.kind for a in claim.attachments}
    level = choose_level(claim.appeal, profile, found.category, claim.denial.date, today)
    disputed = disputed_lines(claim, found.denial_codes)
    if found.split:  # a line of another category may share a code with the plan's lines: it is not this request's
        disputed = [line for line in disputed if line.index in found.deciding] or disputed
    aic, minimum = amount_in_controversy(claim, disputed), aic_minimum(level.level, today)
    first_dos = min(line.dos for line in claim.service_lines)
    situation = Situation(kinds, level, profile, aic, minimum,
                          *limits_passed(profile, first_dos, claim.denial.date, claim.appeal.history, today))
    action, override = _override(claim, situation, choose_action(situation, found), wanted, origin)
    step = action.step or level.level
    deadline, findings = _deadline(claim, profile, step, action, first_dos)
    days_left = (deadline.date - today).days
    sending = send_by(deadline.date, profile.delivery_for(step), profile)
    return Decided(found, kinds, level, disputed, aic, minimum, action, override, step, first_dos, deadline,
                   findings, days_left, sending)


def example_findings(claim: Claim, profile: PayerProfile) -> list[Finding]:
    """A request for a payer the claim names (the billing system's payer, or the remittance's)
    under a shipped example profile would go to the example's fictional address."""
    named = claim.payer_name or (claim.remittance.payer_name if claim.remittance else "")
    if not profile.example or not named:
        return []
    return [warning("payer.example_profile", f"payer {named} is planned under the shipped example profile "
                    f"{profile.id} ({profile.name}), whose addresses and fax numbers are fictional and whose windows "
                    f"are a model's: make the plan's own (`appealgen payers copy {profile.id} NEW_ID`), set them, "
                    "and remove `example: true`")]


def make_plan(claim: Claim, profile: PayerProfile, codes: CodeTable, today: date, origin: str = "claim",
              policies: PolicyTable | None = None, wanted: tuple[Action, str, str] | None = None) -> Plan:
    """The plan for one claim. `origin` names the claim in errors (its file); `wanted` is a
    specialist's (action, reason, where it was given) overruling the plan's action."""
    decided = decide(claim, profile, codes, today, origin, wanted)
    codes = codes.for_program(profile.kind)  # as `decide` read them
    found, level, aic, minimum = decided.found, decided.level, decided.aic, decided.minimum
    action, override, step, first_dos = decided.action, decided.override, decided.step, decided.first_dos
    deadline, days_left, sending = decided.deadline, decided.days_left, decided.sending
    kinds, findings = set(decided.kinds), list(decided.findings)  # added to below
    if claim.remittance is not None:  # the remittance page is rendered from the 835
        kinds.add(AttachmentKind.remittance_advice)
    liable = contested_liability(claim, profile, found, action.action, decided.disputed)
    required = required_documents(profile, found.category, step.id, first_dos, action.action, kinds,
                                  found.documents, action.new_claim, bool(claim.appeal.history),
                                  disputed_codes(claim, decided.disputed), bool(liable),
                                  found.category is Category.authorization and authorization_refused(claim, profile))
    letter, letter_reason = choose_letter(claim, profile, found.category, action.action, step.letter)
    cover, cover_reason = profile.cover_for(step)
    disputed = decided.disputed
    citations, uncovered = cite_policies(claim, profile, policies, found, action.action, step, disputed)
    findings += _code_findings(found) + mixed_findings(claim, found, codes, profile, today)
    findings += example_findings(claim, profile) if action.action in SUBMITTED and not action.new_claim else []
    findings += stated_letter_findings(claim, action.action) + cob_findings(claim, found.category, action.action,
                                                                           kinds)
    if action.action in SUBMITTED and not action.new_claim:
        findings += deadline_findings(bool(claim.appeal.good_cause), deadline.date, days_left, step)
        findings += request_findings(claim, profile, action.action, found, citations, uncovered, step)
        findings += bundling_findings(claim, profile, found, action.action, disputed)
        findings += liability_findings(liable, AttachmentKind.abn in kinds)
    review = action.action in REVIEWS
    if review and not profile.corrected_claims_in_appeals and AttachmentKind.corrected_claim in kinds:
        findings.append(problem("payer.corrected_claim_in_appeal", f"{profile.id} does not accept a corrected "
                                "claim inside an appeal; send it separately"))
    if minimum is not None and aic < minimum:
        year = minimum_year(level.level, today)
        older = "" if year == today.year else f" (the latest year the payer profile gives; check {today.year}'s)"
        findings.append(warning("aic.below_minimum", f"amount in controversy ${aic:,.2f} is below the "
                                f"${minimum:,.2f} minimum for {level.level.name} in {year}{older}"))
    notes = action.notes if action.action is found.group_action else found.notes + action.notes
    notes = [*level.notes, *escalation_notes(claim, profile, level, today, aic), *notes,
             *fallback_notes(claim, profile, level, action, today)]
    quoted, remarks = quoted_codes(disputed)
    # Built from values this function computed (typed, checked by mypy): validating them again
    # would cost more than the rest of the plan, for every claim of a large remittance.
    return Plan.model_construct(
        claim_id=claim.claim_id, payer=profile.id, payer_name=profile.name,
        category=found.category, other_categories=found.others, category_reasons=found.reasons,
        codes=[f.code for f in found.findings], denial_codes=found.denial_codes,
        remarks=[f.code for f in found.findings if f.remark],
        denied=found.denied, action=action.action, action_reason=action.reason, override=override,
        new_claim=action.new_claim, notes=notes,
        level=step.id, level_name=step_name(step, action.new_claim),
        level_reason=_level_reason(profile, level.reason, action, step),
        first_dos=first_dos, deadline=deadline.date, deadline_reason=deadline.reason, window=deadline.window,
        window_start=deadline.start, window_counts_from=deadline.counts_from, receipt_days=deadline.receipt_days,
        days_left=days_left, send_by=sending.date, send_by_reason=sending.reason, delivery=sending.delivery,
        amount_in_controversy=aic, aic_minimum=minimum,
        appeal_rights=found.appeal_rights, cite_lcd=found.cite_lcd,
        letter=letter, letter_reason=letter_reason, cover=cover, cover_reason=cover_reason,
        required=required, attachment_order=attachment_order(claim, profile), findings=findings,
        disputed=disputed, amount_requested=requested_amount(claim, found.category, disputed), quoted_codes=quoted,
        quoted_remarks=remarks,
        policies=citations, policy_missing=uncovered if found.category is Category.medical_necessity else [],
    )


NEW_CLAIM = "New claim"


def shown_action(action: str, new_claim: bool) -> str:
    """The action as a table shows it: a correction sent as a new claim (frequency code 1, after
    MA130) reads `new_claim`, so nobody sends a replacement (frequency 7) of a claim never processed."""
    return "new_claim" if new_claim and action == Action.corrected_claim.value else action


def step_name(step: Level, new_claim: bool) -> str:
    """The name shown for the step an action takes: a new claim goes through claim submission,
    not the appeal level the rules would otherwise open (whose id it keeps)."""
    return NEW_CLAIM if new_claim else step.name


def _level_reason(profile: PayerProfile, reason: str, action: ActionChoice, step: Level) -> str:
    if action.step is None:
        return reason
    if action.action in REVIEWS:
        return f"{step.name}: the level that takes {action.action.value} ({reason})"
    if action.action is Action.request_authorization:
        return f"{step.name}: where {profile.id} takes requests for retroactive authorization"
    return f"{step.name}: how {profile.id} takes corrections"


def _file(where: str) -> str:
    return f" -> {where}" if where else ""


def _request_lines(plan: Plan) -> list[str]:
    """The level, deadline, letter and cover of a request: all of them when a packet is sent; a
    review's level and deadline, for the appeal it may decide on; a new claim's filing deadline
    (its send-by date is in the line that says to send it); none for the other actions."""
    deadline = [f"  deadline: {plan.deadline.isoformat()}, {counted(plan.days_left, 'day')} left",
                f"    because {plan.deadline_reason}"]
    if plan.action is Action.review:
        return [f"  if appealed: {plan.level_name} ({plan.level_reason})", *deadline]
    if not plan.packet:
        return deadline if plan.action in DATED else []
    return [f"  level: {plan.level_name} ({plan.level_reason})", *deadline,
            f"  send by: {plan.send_by.isoformat()} ({plan.send_by_reason})",
            f"  letter: {plan.letter} ({plan.letter_reason}){_file(plan.letter_file)}",
            f"  cover: {plan.cover} ({plan.cover_reason}){_file(plan.cover_file)}"]


def describe(plan: Plan, descriptions: dict[str, str] | None = None) -> list[str]:
    """The decision and the reasons behind it, as lines for people. `descriptions` (official
    code texts the user is licensed to use) adds a line per code."""
    lines = [f"{plan.claim_id}: {plan.payer} ({plan.payer_name})"]
    if descriptions:
        lines.append("  codes:")
        for code in plan.codes:
            bare = code.split("-")[-1].removeprefix("CARC ")
            lines.append(f"    {code}: {descriptions.get(bare, '(no description loaded)')}")
    lines.append(f"  category: {plan.category.value}")
    lines += [f"    because {reason}" for reason in plan.category_reasons]
    lines += [f"  action: {plan.action.value}", f"    because {plan.action_reason}"]
    if plan.override is not None:
        lines.append(f"    overruled by {plan.override.by}: the plan was {plan.override.planned.value}")
    lines += [f"    note: {note}" for note in plan.notes]
    if not plan.packet:
        lines.append(f"  nothing to send: {plan.instead}")
    lines += _request_lines(plan)
    heading = "disputed" if plan.packet or plan.action is Action.review else "denied line"  # nothing is disputed
    lines += [f"  {heading}: {d.dos.isoformat()} {d.label}, denied ${d.denied:,.2f} ({', '.join(d.codes + d.remarks)})"
              for d in plan.disputed if plan.denial_codes]  # a claim not denied (OA-23 on a secondary) has none
    if plan.packet:
        lines.append(f"  amount requested: ${plan.amount_requested:,.2f}")
    if plan.packet or plan.action is Action.review:
        lines += [f"  coverage policy: {c.kind} {c.id} ({c.title})" for c in plan.policies]
        lines.append("  required documents:" if plan.packet else "  required documents (for an appeal):")
        lines += [f"    {'present' if r.present else 'MISSING'}  {r.description}" for r in plan.required]
        if not plan.required:
            lines.append("    none")
    lines += [f"  problem: {p}" for p in plan.problems]
    lines += [f"  warning: {w}" for w in plan.warnings]
    return lines
