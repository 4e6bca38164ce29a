"""Denial rules: reason codes -> category, category -> action, level and deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from appealgen.models import Action, Category, Claim
from appealgen.payers import Level, PayerProfile

# CARC -> category, for the codes DOMAIN.md names. The rules issue replaces this with a
# data table carrying group-code rules and RARC refinements.
CARC_CATEGORY: dict[str, Category] = {
    "50": Category.medical_necessity, "151": Category.medical_necessity,
    "167": Category.medical_necessity, "11": Category.coding,
    "96": Category.coverage, "204": Category.coverage,
    "197": Category.authorization, "15": Category.authorization,
    "16": Category.missing_information, "251": Category.missing_information,
    "252": Category.missing_information, "4": Category.coding, "236": Category.bundling,
    "97": Category.bundling, "26": Category.eligibility, "27": Category.eligibility,
    "31": Category.eligibility, "109": Category.eligibility, "29": Category.timely_filing,
    "18": Category.duplicate, "22": Category.coordination_of_benefits,
    "23": Category.coordination_of_benefits, "119": Category.benefit_maximum,
    "45": Category.contractual,
}

# Categories whose usual action is a request for review at the payer's current level.
REVIEW_CATEGORIES = {
    Category.medical_necessity, Category.coverage, Category.authorization,
    Category.missing_information, Category.coding, Category.bundling, Category.benefit_maximum,
    Category.other,
}
CATEGORY_ACTION: dict[Category, Action] = {
    Category.eligibility: Action.verify_eligibility,
    Category.timely_filing: Action.adjust,
    Category.duplicate: Action.check_status,
    Category.coordination_of_benefits: Action.corrected_claim,
    Category.contractual: Action.none,
}


@dataclass(frozen=True)
class CategoryDecision:
    category: Category
    reason: str


def categorise(claim: Claim) -> CategoryDecision:
    """The claim's stated category wins; otherwise the first denial CARC with a known category."""
    if claim.denial.category is not None:
        return CategoryDecision(claim.denial.category, "stated in the claim file")
    codes = list(claim.denial.carc) + [c for line in claim.service_lines for c in line.carc]
    for code in codes:
        if code in CARC_CATEGORY:
            return CategoryDecision(CARC_CATEGORY[code], f"CARC {code}")
    return CategoryDecision(Category.other, "no known denial code")


def next_level(claim: Claim, profile: PayerProfile) -> Level:
    """The stated level, else the one after the last decided level in the history."""
    if claim.appeal.level:
        return profile.level(claim.appeal.level)
    if claim.appeal.history:
        last = profile.level(claim.appeal.history[-1].level)
        index = profile.levels.index(last)
        return profile.levels[min(index + 1, len(profile.levels) - 1)]
    return profile.levels[0]


def action_for(category: Category, level: Level) -> Action:
    if category in REVIEW_CATEGORIES:
        return level.action
    return CATEGORY_ACTION.get(category, Action.none)


def deadline_for(claim: Claim, profile: PayerProfile, level: Level) -> tuple[date, str]:
    """Filing deadline and the arithmetic behind it."""
    start, label = claim.denial.date, "denial date"
    if level.counts_from == "previous_decision" and claim.appeal.history:
        start, label = claim.appeal.history[-1].date, "previous decision"
    receipt = profile.presumed_receipt_days if level.counts_from != "denial_date" else 0
    deadline = start + timedelta(days=receipt + level.window_days)
    extra = f" + {receipt} days presumed receipt" if receipt else ""
    return deadline, f"{label} {start.isoformat()}{extra} + {level.window_days} days"
