"""The decision tree of DOMAIN.md: which appeal level is next, and what to do about the denial."""

from __future__ import annotations

from dataclasses import dataclass, field

from appealgen.models import Action, Appeal, AttachmentKind, Category
from appealgen.payers import Level, PayerProfile
from appealgen.rules.classify import Classification

# Categories where the usual answer is a request for review at the current level.
REVIEW = {Category.medical_necessity, Category.coverage, Category.missing_information,
          Category.bundling, Category.other}


@dataclass
class LevelChoice:
    level: Level
    status: str  # "first", "stated", "next", "exhausted", "pending", "won"
    reason: str


def choose_level(appeal: Appeal, profile: PayerProfile) -> LevelChoice:
    if appeal.level:
        return LevelChoice(profile.level(appeal.level), "stated", "level stated in the claim file")
    if not appeal.history:
        first = profile.levels[0]
        return LevelChoice(first, "first", f"no appeal history: first level, {first.name}")
    last = appeal.history[-1]
    decided = profile.level(last.level)
    if last.outcome == "pending":
        return LevelChoice(decided, "pending", f"{decided.name} filed {last.date.isoformat()} is pending")
    if last.outcome == "overturned":
        return LevelChoice(decided, "won", f"{decided.name} overturned the denial on {last.date.isoformat()}")
    index = profile.levels.index(decided)
    if index + 1 == len(profile.levels):
        return LevelChoice(decided, "exhausted",
                           f"{decided.name} was {last.outcome} on {last.date.isoformat()}: every level is used")
    following = profile.levels[index + 1]
    return LevelChoice(following, "next",
                       f"{decided.name} was {last.outcome} on {last.date.isoformat()}: next level, {following.name}")


@dataclass
class ActionChoice:
    action: Action
    reason: str
    notes: list[str] = field(default_factory=list)


def _review(choice: LevelChoice, found: Classification, why: str) -> ActionChoice:
    if choice.status == "exhausted":
        final = Action.bill_patient if found.patient_liable else Action.adjust
        liable = "the patient is liable (PR)" if found.patient_liable else "the patient is not liable"
        return ActionChoice(final, f"{choice.reason}; {liable}",
                            ["ask the client whether to bill the patient or adjust the balance"])
    return ActionChoice(choice.level.action, f"{why}: {choice.level.action.value} at {choice.level.name}")


def choose_action(kinds: set[AttachmentKind], found: Classification, choice: LevelChoice) -> ActionChoice:
    """Walk the decision tree; the first rule that applies decides. `kinds`: the documents
    the claim encloses."""
    category = found.category
    if choice.status == "won":
        return ActionChoice(Action.none, choice.reason)
    if choice.status == "pending":
        return ActionChoice(Action.check_status, choice.reason)
    if not found.denied:
        if found.patient_liable:
            return ActionChoice(Action.bill_patient, "patient responsibility (deductible, coinsurance or copay)")
        return ActionChoice(Action.none, f"{category.value}: not a denial, nothing to dispute")
    if found.forced_action is not None:
        return ActionChoice(found.forced_action, f"a remark code requires a {found.forced_action.value}",
                            [] if found.appeal_rights else ["the remark gives no appeal rights"])
    if category is Category.timely_filing:
        if AttachmentKind.proof_of_timely_filing in kinds and found.appeal_rights:
            return _review(choice, found, "timely filing with proof of timely filing enclosed")
        why = "no appeal rights (N211)" if not found.appeal_rights else "no proof of timely filing"
        notes = [] if found.appeal_rights else ["the remark gives no appeal rights"]
        return ActionChoice(Action.adjust, f"timely filing, {why}: write the balance off", notes)
    if not found.appeal_rights:
        return ActionChoice(Action.adjust, "the remark code gives no appeal rights: adjust")
    if found.group_action is not None:
        return ActionChoice(found.group_action, f"group code rule: {'; '.join(found.notes)}")
    simple = {
        Category.contractual: (Action.none, "contractual adjustment: the contract amount, nothing to dispute"),
        Category.duplicate: (Action.check_status, "duplicate: check the original claim's status; do not appeal"),
        Category.eligibility: (Action.verify_eligibility,
                               "eligibility: verify the member ID and coverage, rebill the right payer"),
        Category.patient_responsibility: (Action.bill_patient, "patient responsibility"),
    }
    if category in simple:
        action, why = simple[category]
        return ActionChoice(action, why)
    if category is Category.coordination_of_benefits:
        if AttachmentKind.primary_eob in kinds:
            return _review(choice, found, "coordination of benefits with the primary payer's EOB enclosed")
        return ActionChoice(Action.corrected_claim, "coordination of benefits: bill the primary payer first, "
                            "then rebill with its EOB", ["no primary EOB enclosed"])
    if category is Category.authorization:
        if AttachmentKind.authorization in kinds:
            return _review(choice, found, "authorization on file (enclosed)")
        return ActionChoice(Action.request_authorization,
                            "no authorization enclosed: request a retro authorization")
    if category is Category.coding:
        if AttachmentKind.corrected_claim in kinds:
            return ActionChoice(Action.corrected_claim, "coding error on our side: send the corrected claim")
        return _review(choice, found, "the code billed was correct")
    if category is Category.benefit_maximum:
        if AttachmentKind.authorization in kinds:
            return _review(choice, found, "benefit maximum with an authorization on file")
        final = Action.bill_patient if found.patient_liable else Action.adjust
        return ActionChoice(final, "benefit maximum with no authorization",
                            ["verify the payment history; ask the client before billing the patient"])
    if category is Category.coverage:
        result = _review(choice, found, "non-covered service")
        result.notes.append("verify eligibility and authorization before asking for review")
        return result
    return _review(choice, found, category.value.replace("_", " "))
