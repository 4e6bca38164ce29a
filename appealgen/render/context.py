"""The data templates see. Built once per claim from the claim, the profile and the plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from appealgen.models import Claim
from appealgen.payers import PayerProfile
from appealgen.plan import Plan
from appealgen.report import section_span

CATEGORY_LABELS = {
    "medical_necessity": "medical necessity",
    "coverage": "non-covered service",
    "authorization": "authorization",
    "missing_information": "missing information",
    "coding": "coding",
    "bundling": "bundling",
    "eligibility": "eligibility",
    "timely_filing": "timely filing",
    "duplicate": "duplicate claim",
    "coordination_of_benefits": "coordination of benefits",
    "benefit_maximum": "benefit maximum",
    "contractual": "contractual adjustment",
    "other": "other",
}


@dataclass(frozen=True)
class IndexEntry:
    number: int
    title: str
    kind: str
    first_page: int
    last_page: int

    @property
    def pages(self) -> str:
        return section_span(self.first_page, self.last_page)

    @property
    def link(self) -> str:
        # A placeholder URI; the assembler turns it into a link to the section's first page.
        return f"appealgen:section/{self.number}"


def paragraphs(text: str | None) -> list[str]:
    """Blank lines separate paragraphs; line breaks inside one are just wrapping."""
    return [" ".join(p.split()) for p in (text or "").split("\n\n") if p.strip()]


def letter_context(
    claim: Claim, profile: PayerProfile, plan: Plan, enclosures: list[str], today: date
) -> dict[str, Any]:
    return {
        "claim": claim,
        "patient": claim.patient,
        "provider": claim.provider,
        "lines": claim.service_lines,
        "denial": claim.denial,
        "payer": profile,
        "to": profile.recipient(profile.level(plan.level)),  # this level's addressee
        "plan": plan,
        "category_label": CATEGORY_LABELS[plan.category.value],
        "argument_paragraphs": paragraphs(claim.appeal.argument),
        "good_cause": claim.appeal.good_cause,
        "previous": claim.appeal.history[-1] if claim.appeal.history else None,
        "enclosures": enclosures,
        "today": today,
    }


def front_context(
    base: dict[str, Any], entries: list[IndexEntry], total_pages: int, incomplete: bool
) -> dict[str, Any]:
    return {**base, "index": entries, "total_pages": total_pages, "incomplete": incomplete}
