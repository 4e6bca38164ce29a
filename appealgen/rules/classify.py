"""Reason codes on a claim -> one primary denial category (by documented precedence), the
others kept, and what the remark codes add (forced action, appeal rights, documents)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from appealgen.models import Action, AttachmentKind, Category, Claim
from appealgen.rules.codes import code_table


@dataclass(frozen=True)
class Finding:
    code: str  # "CO-50" or "N115"
    category: Category | None
    label: str
    denial: bool
    remark: bool = False
    group: str | None = None
    refinable: bool = False  # a remark code may replace its category


@dataclass
class Classification:
    category: Category
    others: list[Category]
    findings: list[Finding]
    reasons: list[str]
    denied: bool
    patient_liable: bool  # a PR group code: the patient owes the adjusted amount
    forced_action: Action | None = None
    group_action: Action | None = None
    appeal_rights: bool = True
    documents: list[AttachmentKind] = field(default_factory=list)
    cite_lcd: bool = False
    notes: list[str] = field(default_factory=list)


def claim_codes(claim: Claim) -> tuple[list[tuple[str | None, str]], list[str]]:
    """(group, CARC) pairs and RARCs from the denial and every line, first seen first."""
    carcs: list[tuple[str | None, str]] = [(claim.denial.group, c) for c in claim.denial.carc]
    rarcs = list(claim.denial.rarc)
    for line in claim.service_lines:
        carcs += [(line.group, c) for c in line.carc]
        rarcs += line.rarc
    return list(dict.fromkeys(carcs)), list(dict.fromkeys(rarcs))


def classify_codes(
    carcs: list[tuple[str | None, str]], rarcs: list[str], unknown_is_denial: bool = True
) -> Classification:
    """`unknown_is_denial`: a CARC missing from the table counts as a denial (right for a claim
    someone chose to dispute; a remittance reader decides from the amounts instead)."""
    table = code_table()
    findings: list[Finding] = []
    result = Classification(Category.other, [], findings, [], denied=False, patient_liable=False)
    for group, code in carcs:
        rule = table.carc.get(code)
        name = f"{group}-{code}" if group else f"CARC {code}"
        if rule is None:
            findings.append(Finding(name, Category.other, "not in the code table", unknown_is_denial, group=group))
            continue
        override = rule.groups.get(group or "")
        category = override.category if override and override.category else rule.category
        denial = override.denial if override and override.denial is not None else rule.denial
        findings.append(Finding(name, category, rule.label, denial, group=group, refinable=rule.refinable))
        if override and override.action:
            result.group_action = override.action
            result.notes.append(f"{name}: {override.note or override.action.value}")
    refinements: list[tuple[str, Category, str]] = []
    for code in rarcs:
        remark = table.rarc.get(code)
        if remark is None:
            findings.append(Finding(code, None, "not in the code table", False, remark=True))
            continue
        findings.append(Finding(code, None, remark.label, False, remark=True))
        if remark.category is not None:
            refinements.append((code, remark.category, remark.label))
        result.forced_action = remark.action or result.forced_action
        result.appeal_rights &= remark.appeal_rights
        result.documents += [d for d in remark.documents if d not in result.documents]
        result.cite_lcd |= remark.cite_lcd
    _refine(findings, refinements)
    _choose(result, findings)
    return result


def _refine(findings: list[Finding], refinements: list[tuple[str, Category, str]]) -> None:
    """A remark's category replaces the category of a generic CARC (16, 96, 251, ...): the
    highest-ranked remark wins when several refine."""
    if not refinements:
        return
    code, category, label = min(refinements, key=lambda item: code_table().rank(item[1]))
    for i, finding in enumerate(findings):
        if finding.refinable:
            findings[i] = replace(finding, category=category, label=f"{finding.label}; {code}: {label}")


def _choose(result: Classification, findings: list[Finding]) -> None:
    """Primary category: the highest in the table's precedence among the denial codes (and
    the remarks that refine them); when nothing is a denial, among all codes."""
    rank = code_table().rank
    result.denied = any(f.denial for f in findings)
    # The patient owes the amount only where a PR group code carries the denial itself.
    result.patient_liable = any(f.group == "PR" and (f.denial or not result.denied) for f in findings)
    candidates = [
        (f, f.category) for f in findings
        if f.category is not None and (f.denial or f.remark or not result.denied)
    ]
    if not candidates:
        result.reasons.append("no known reason code: category other")
        return
    candidates.sort(key=lambda item: rank(item[1]))
    best, category = candidates[0]
    result.category = category
    result.reasons.append(f"{best.code} ({best.label}) -> {category.value}")
    for finding, other in candidates[1:]:
        if other != category and other not in result.others:
            result.others.append(other)
            result.reasons.append(f"also {finding.code} ({finding.label}) -> {other.value}, lower precedence")


def classify(claim: Claim) -> Classification:
    result = classify_codes(*claim_codes(claim))
    if claim.denial.category is not None and claim.denial.category != result.category:
        result.reasons.insert(0, f"category {claim.denial.category.value} stated in the claim file")
        if result.category not in result.others and result.reasons[1:]:
            result.others.insert(0, result.category)
        result.category = claim.denial.category
        result.denied = result.denied or claim.denial.category not in (
            Category.contractual, Category.patient_responsibility)
    return result
