"""Reason codes on a claim -> one primary denial category (by documented precedence), the
others kept, and what the remark codes add (forced action, appeal rights, documents)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from appealgen.models import Action, AttachmentKind, Category, Claim
from appealgen.rules.codes import CodeTable

CodePair = tuple[str | None, str]  # (group, CARC)


@dataclass(frozen=True)
class CodeFinding:
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
    findings: list[CodeFinding]
    reasons: list[str]
    denied: bool
    patient_liable: bool  # a PR group code: the patient owes the adjusted amount
    forced_action: Action | None = None
    group_action: Action | None = None
    appeal_rights: bool = True
    documents: list[AttachmentKind] = field(default_factory=list)
    cite_lcd: bool = False
    notes: list[str] = field(default_factory=list)


def unique_codes(carcs: Iterable[CodePair], rarcs: Iterable[str]) -> tuple[list[CodePair], list[str]]:
    """Each (group, CARC) pair and each remark once, first seen first."""
    return list(dict.fromkeys(carcs)), list(dict.fromkeys(rarcs))


def claim_codes(claim: Claim) -> tuple[list[CodePair], list[str]]:
    """(group, CARC) pairs and RARCs from the denial and every line."""
    carcs = [(claim.denial.group, c) for c in claim.denial.carc]
    carcs += [(line.group, c) for line in claim.service_lines for c in line.carc]
    rarcs = [*claim.denial.rarc, *(r for line in claim.service_lines for r in line.rarc)]
    return unique_codes(carcs, rarcs)


def classify_codes(
    carcs: list[CodePair], rarcs: list[str], table: CodeTable, unknown_is_denial: bool = True
) -> Classification:
    """`unknown_is_denial`: a CARC missing from the table counts as a denial (right for a claim
    someone chose to dispute; a remittance reader decides from the amounts instead)."""
    findings: list[CodeFinding] = []
    result = Classification(Category.other, [], findings, [], denied=False, patient_liable=False)
    for group, code in carcs:
        rule = table.carc.get(code)
        name = f"{group}-{code}" if group else f"CARC {code}"
        if rule is None:
            findings.append(CodeFinding(name, Category.other, "not in the code table", unknown_is_denial, group=group))
            continue
        override = rule.groups.get(group or "")
        category = override.category if override and override.category else rule.category
        denial = override.denial if override and override.denial is not None else rule.denial
        findings.append(CodeFinding(name, category, rule.label, denial, group=group, refinable=rule.refinable))
        if override and override.action:
            result.group_action = override.action
            result.notes.append(f"{name}: {override.note or override.action.value}")
    refinements: list[tuple[str, Category, str]] = []
    for code in rarcs:
        remark = table.rarc.get(code)
        if remark is None:
            findings.append(CodeFinding(code, None, "not in the code table", False, remark=True))
            continue
        findings.append(CodeFinding(code, None, remark.label, False, remark=True))
        if remark.category is not None:
            refinements.append((code, remark.category, remark.label))
        result.forced_action = remark.action or result.forced_action
        result.appeal_rights &= remark.appeal_rights
        result.documents += [d for d in remark.documents if d not in result.documents]
        result.cite_lcd |= remark.cite_lcd
    _refine(findings, refinements, table)
    _choose(result, findings, table)
    return result


def _refine(findings: list[CodeFinding], refinements: list[tuple[str, Category, str]], table: CodeTable) -> None:
    """A remark's category replaces the category of a generic CARC (16, 96, 251, ...): the
    highest-ranked remark wins when several refine."""
    if not refinements:
        return
    code, category, label = min(refinements, key=lambda item: table.rank(item[1]))
    for i, finding in enumerate(findings):
        if finding.refinable:
            findings[i] = replace(finding, category=category, label=f"{finding.label}; {code}: {label}")


def _choose(result: Classification, findings: list[CodeFinding], table: CodeTable) -> None:
    """Primary category: the highest in the table's precedence among the denial codes (and
    the remarks that refine them); when nothing is a denial, among all codes."""
    rank = table.rank
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


def classify(claim: Claim, table: CodeTable) -> Classification:
    result = classify_codes(*claim_codes(claim), table)
    if claim.denial.category is not None and claim.denial.category != result.category:
        result.reasons.insert(0, f"category {claim.denial.category.value} stated in the claim file")
        if result.category not in result.others and result.reasons[1:]:
            result.others.insert(0, result.category)
        result.category = claim.denial.category
        result.denied = result.denied or claim.denial.category not in (
            Category.contractual, Category.patient_responsibility)
    return result
