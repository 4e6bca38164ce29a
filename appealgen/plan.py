"""Claim + payer profile + rules -> Plan: the one decision that drives rendering and checking."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from appealgen.models import Action, AttachmentKind, Category, Claim
from appealgen.payers import PayerProfile, Requirement
from appealgen.rules import action_for, categorise, deadline_for, next_level

DEADLINE_WARNING_DAYS = 14
# Remittance advice always follows the letter; then the payer's order, then the rest.
DEFAULT_ORDER = [k for k in AttachmentKind if k is not AttachmentKind.remittance_advice]


class RequiredDocument(BaseModel):
    description: str
    kinds: list[AttachmentKind]
    present: bool


class Plan(BaseModel):
    claim_id: str
    payer: str
    payer_name: str
    category: Category
    category_reason: str
    action: Action
    level: str
    level_name: str
    deadline: date
    deadline_reason: str
    days_left: int
    letter: str
    cover: str
    required: list[RequiredDocument]
    attachment_order: list[int]  # indexes into claim.attachments, in packet order

    @property
    def missing(self) -> list[str]:
        return [r.description for r in self.required if not r.present]


def applies(requirement: Requirement, level: str, first_dos: date) -> bool:
    if requirement.levels is not None and level not in requirement.levels:
        return False
    if requirement.dos_before is not None and first_dos >= requirement.dos_before:
        return False
    return not (requirement.dos_from is not None and first_dos < requirement.dos_from)


def attachment_order(claim: Claim, profile: PayerProfile) -> list[int]:
    ranks = [AttachmentKind.remittance_advice, *profile.order]
    ranks += [k for k in DEFAULT_ORDER if k not in ranks]
    indexed = list(enumerate(claim.attachments))
    indexed.sort(key=lambda item: (ranks.index(item[1].kind), item[0]))
    return [i for i, _ in indexed]


def make_plan(claim: Claim, profile: PayerProfile, today: date | None = None) -> Plan:
    today = today or date.today()
    decision = categorise(claim)
    level = next_level(claim, profile)
    deadline, reason = deadline_for(claim, profile, level)
    first_dos = min(line.dos for line in claim.service_lines)
    kinds = {a.kind for a in claim.attachments}
    required = [
        RequiredDocument(
            description=r.describe(), kinds=r.one_of, present=any(k in kinds for k in r.one_of)
        )
        for r in profile.requirements(decision.category)
        if applies(r, level.id, first_dos)
    ]
    return Plan(
        claim_id=claim.claim_id,
        payer=profile.id,
        payer_name=profile.name,
        category=decision.category,
        category_reason=decision.reason,
        action=action_for(decision.category, level),
        level=level.id,
        level_name=level.name,
        deadline=deadline,
        deadline_reason=reason,
        days_left=(deadline - today).days,
        letter=claim.appeal.letter or profile.letter_for(decision.category),
        cover=level.cover or profile.cover,
        required=required,
        attachment_order=attachment_order(claim, profile),
    )
