"""Reason codes on a claim -> one primary denial category (by documented precedence), the
others kept, and what the remark codes add (forced action, appeal rights, documents)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from appealgen.models import Action, AttachmentKind, Category, Claim, ServiceLine
from appealgen.rules.codes import CarcRule, CodeTable, GroupRule


@dataclass(frozen=True)
class CodeUse:
    """One reason code as the claim uses it: under which group, for how much, on what."""

    group: str | None
    carc: str
    amount: Decimal | None = None  # None: the claim file does not say
    # The line (or, for a claim-level code, the claim) was billed and paid nothing. A code the
    # table does not know denies only there; on a paid line it is a reduction.
    unpaid: bool = True
    # The modifiers every line carrying the code has; None for a code on the claim (no line's apply).
    modifiers: frozenset[str] | None = None

    @property
    def zero(self) -> bool:
        """A zero-dollar adjustment adjusts nothing: never a denial, nothing for the patient."""
        return self.amount is not None and self.amount == 0


@dataclass(frozen=True)
class CodeFinding:
    code: str  # "CO-50" or "N115"
    category: Category | None
    label: str
    denial: bool
    remark: bool = False
    group: str | None = None
    refinable: bool = False  # a remark code may replace its category
    liable: bool = False  # a PR-group amount the patient owes (a balance or a denial the patient carries)
    known: bool = True
    pended: bool = False  # held for a later decision by the payer
    amount: Decimal | None = None  # the adjusted amount, when the remittance gives it
    group_action: Action | None = None  # what the code's group rule decides (PR-96: bill the patient)
    group_note: str = ""


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
    split: bool = False  # the claim's parts need different decisions: the largest part's decide (deciding_lines)
    deciding: tuple[int, ...] = ()  # when split: the parts this classification is of (lines, CLAIM_LEVEL)
    documents: list[AttachmentKind] = field(default_factory=list)
    cite_lcd: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def unknown(self) -> list[str]:
        """Reason codes the table does not know (a person must look at them)."""
        return [f.code for f in self.findings if not f.known and not f.remark]

    @property
    def unknown_denial(self) -> bool:
        return any(not f.known and f.denial for f in self.findings)

    @property
    def pended(self) -> bool:
        return any(f.pended for f in self.findings)

    @property
    def denial_codes(self) -> list[str]:
        return [f.code for f in self.findings if f.denial]

    @property
    def denied_amount(self) -> Decimal:
        """What the denial codes took off the claim, where the remittance gives the amounts."""
        return sum((f.amount for f in self.findings if f.denial and f.amount is not None), Decimal(0))


def merge_uses(uses: Iterable[CodeUse]) -> list[CodeUse]:
    """One use per (group, CARC), first seen first: amounts add up, the code is unpaid when any
    use is; a modifier counts only when every line carrying the code has it (GZ on one line of two
    does not make the other line's denial the supplier's)."""
    merged: dict[tuple[str | None, str], CodeUse] = {}
    for use in uses:
        key = (use.group, use.carc)
        seen = merged.get(key)
        if seen is None:
            merged[key] = use
            continue
        amounts = [a for a in (seen.amount, use.amount) if a is not None]
        merged[key] = replace(seen, amount=sum(amounts, Decimal(0)) if amounts else None,
                              unpaid=seen.unpaid or use.unpaid, modifiers=_shared(seen.modifiers, use.modifiers))
    return list(merged.values())


def _shared(first: frozenset[str] | None, second: frozenset[str] | None) -> frozenset[str] | None:
    if first is None or second is None:
        return second if first is None else first
    return first & second


CLAIM_LEVEL = -1  # in deciding_lines: the claim's own codes (those no line carries), a part beside its lines


def claim_codes(claim: Claim, lines: Sequence[int] | None = None) -> tuple[list[CodeUse], list[str]]:
    """The reason codes of a claim file, each with its own group: the denial's (stated as
    denied) and every line's (unpaid when the line was billed and paid nothing). `lines`: only
    these lines' codes count (by index; CLAIM_LEVEL for the claim's own codes), and the denial's
    codes and remarks that only other lines carry are theirs (an 835's claim file lists every
    line's codes on its denial too; a CSV export may list them there without a group)."""
    denial = claim.denial
    wanted = range(len(claim.service_lines)) if lines is None else [i for i in lines if i != CLAIM_LEVEL]
    own_codes = lines is None or CLAIM_LEVEL in lines
    chosen = [claim.service_lines[i] for i in wanted]
    others = [line for i, line in enumerate(claim.service_lines) if i not in wanted]
    mine = {u.carc for line in chosen for u in line_uses(line)}
    theirs = {u.carc for line in others for u in line_uses(line)} - mine
    their_remarks = {r for line in others for r in line.rarc} - {r for line in chosen for r in line.rarc}
    uses = [CodeUse(a.group, a.carc, a.amount) for a in denial.adjustments] if own_codes else []
    uses += [CodeUse(denial.group, c) for c in denial.carc if c in mine or (own_codes and c not in theirs)]
    for line in chosen:
        uses += line_uses(line)
    rarcs = [*(r for r in denial.rarc if r not in their_remarks), *(r for line in chosen for r in line.rarc)]
    return merge_uses(uses), list(dict.fromkeys(rarcs))


def claim_level_codes(claim: Claim) -> tuple[list[CodeUse], list[str]]:
    """The claim's own codes and remarks: its claim-level adjustments, and the denial's codes
    and remarks that no line carries (they apply to the claim as a whole)."""
    denial = claim.denial
    on_lines = {u.carc for line in claim.service_lines for u in line_uses(line)}
    remarks_on_lines = {r for line in claim.service_lines for r in line.rarc}
    uses = [CodeUse(a.group, a.carc, a.amount) for a in denial.adjustments]
    uses += [CodeUse(denial.group, c) for c in denial.carc if c not in on_lines]
    return uses, [r for r in denial.rarc if r not in remarks_on_lines]


Decision = tuple[Category, Action | None]  # a part's category, and what its group rule decides (GZ: adjust)


def decision_of(found: Classification) -> Decision:
    return found.category, found.group_action


def parts_of(claim: Claim, table: CodeTable) -> dict[int, Classification]:
    """Each part of a claim that carries codes, classified on its own: its lines (by index), and
    the claim's own codes (CLAIM_LEVEL), with the claim's own remarks."""
    parts = {i: found for i, line in enumerate(claim.service_lines)
             if (found := line_denial(claim, line, table)) is not None}
    uses, remarks = claim_level_codes(claim)
    if uses:
        parts[CLAIM_LEVEL] = classify_codes(uses, remarks, table)
    return parts


def whole_claim(claim: Claim, table: CodeTable) -> bool:
    """A remark on the claim itself that decides for all of it (MA130: the claim is unprocessable;
    N211: no appeal rights): its lines are not planned apart."""
    remarks = classify_codes([], claim_level_codes(claim)[1], table)
    return remarks.forced_action is not None or not remarks.appeal_rights


def deciding_lines(claim: Claim, table: CodeTable) -> tuple[list[int], Category, Decimal] | None:
    """When a claim's parts were denied for different reasons (a line not medically necessary,
    another a duplicate; a line with modifier GZ, which the supplier carries, beside one to
    appeal), one part's code must not decide for the others: the plan follows the part of the
    decision that carries the most denied money (what its denial adjustments took, else billed
    less paid; the table's precedence between equal amounts), and the other parts are named to
    be planned apart (plan.mixed_findings). Returns the indices of those lines (with the lines
    that deny nothing, and CLAIM_LEVEL when the claim's own codes are among them), the category
    and its amount; None when the parts agree, a person stated the claim's category, or a remark
    on the claim itself decides for all of it (MA130: the whole claim is unprocessable)."""
    uncoded = [line for line in claim.service_lines if not line_uses(line)]
    own_uses = claim_level_codes(claim)[0]
    # The claim's own codes compete as a part when they carry money of their own (a claim-level
    # adjustment, or lines without codes they stand for); else they are the whole claim's denial.
    own_part = bool(own_uses) and (any(use.amount for use in own_uses) or bool(uncoded))
    if claim.denial.category is not None or len(claim.service_lines) - len(uncoded) + own_part < 2:
        return None
    if whole_claim(claim, table):
        return None
    parts = parts_of(claim, table)
    if not own_part:
        parts.pop(CLAIM_LEVEL, None)
    amounts: dict[Decision, Decimal] = {}
    for index, found in parts.items():
        if found.denied:  # a contractual write-off is not denied money
            lines = [claim.service_lines[index]] if index != CLAIM_LEVEL else uncoded
            rest = sum((max(line.billed - line.paid, Decimal(0)) for line in lines), Decimal(0))
            amounts[decision_of(found)] = amounts.get(decision_of(found), Decimal(0)) + (found.denied_amount or rest)
    if len(amounts) < 2:
        return None
    best = max(amounts, key=lambda d: (amounts[d], -table.rank(d[0]), d[1] is None))
    chosen = [i for i in range(len(claim.service_lines))
              if i not in parts or not parts[i].denied or decision_of(parts[i]) == best]
    if CLAIM_LEVEL not in parts or not parts[CLAIM_LEVEL].denied or decision_of(parts[CLAIM_LEVEL]) == best:
        chosen.append(CLAIM_LEVEL)  # the whole claim's codes go with every part
    return chosen, best[0], amounts[best]


def line_uses(line: ServiceLine) -> list[CodeUse]:
    """A line's own reason codes (unpaid when the line was billed and paid nothing)."""
    unpaid, modifiers = line.paid == 0 and line.billed > 0, frozenset(line.modifiers)
    return [*(CodeUse(a.group, a.carc, a.amount, unpaid, modifiers) for a in line.adjustments),
            *(CodeUse(line.group, c, None, unpaid, modifiers) for c in line.carc)]


def line_denial(claim: Claim, line: ServiceLine, table: CodeTable) -> Classification | None:
    """One line's own codes classified, with its remarks and the claim's own (those no line
    carries: an 835's claim file repeats each line's remarks on its denial); None for a line
    without codes."""
    uses = line_uses(line)
    if not uses:
        return None
    on_lines = {remark for each in claim.service_lines for remark in each.rarc}
    return classify_codes(uses, [*line.rarc, *(r for r in claim.denial.rarc if r not in on_lines)], table)


def _group_rule(rule: CarcRule, use: CodeUse, table: CodeTable) -> tuple[GroupRule | None, str | None]:
    """The group rule that applies to this use, and the note when it would apply but for a
    missing modifier (e.g. PR-50 without GA: no advance beneficiary notice on file). A rule of
    another program than the table's payer kind's does not apply (CodeTable.for_program)."""
    override = rule.groups.get(use.group or "")
    if override is not None and not table.applies(override):
        return None, None
    if override is None or override.modifier is None or override.modifier in (use.modifiers or ()):
        return override, None
    return None, override.otherwise


def _finding(use: CodeUse, table: CodeTable, result: Classification) -> CodeFinding:
    name = f"{use.group}-{use.carc}" if use.group else f"CARC {use.carc}"
    rule = table.carc.get(use.carc)
    if rule is None:
        return CodeFinding(name, Category.other, "not in the code table", use.unpaid and not use.zero,
                           group=use.group, known=False, amount=use.amount)
    override, otherwise = _group_rule(rule, use, table)
    if otherwise:
        result.notes.append(f"{name}: {otherwise}")
    category = override.category if override and override.category else rule.category
    denial = override.denial if override and override.denial is not None else rule.denial
    denial = denial and not use.zero
    liable = use.group == "PR" and not use.zero and otherwise is None
    action = override.action if override else None
    return CodeFinding(name, category, rule.label, denial, group=use.group, refinable=rule.refinable,
                       liable=liable, pended=rule.pended and not use.zero, amount=use.amount, group_action=action,
                       group_note=(override.note or action.value) if override and action else "")


def classify_codes(uses: Iterable[CodeUse], rarcs: list[str], table: CodeTable) -> Classification:
    findings: list[CodeFinding] = []
    result = Classification(Category.other, [], findings, [], denied=False, patient_liable=False)
    findings += [_finding(use, table, result) for use in merge_uses(uses)]
    refinements: list[tuple[str, Category, str]] = []
    for code in dict.fromkeys(rarcs):
        remark = table.rarc.get(code)
        if remark is None:  # any remark the table does not list is information only
            findings.append(CodeFinding(code, None, "information only", False, remark=True))
            continue
        findings.append(CodeFinding(code, None, remark.label, False, remark=True))
        if remark.category is not None:
            refinements.append((code, remark.category, remark.label))
        result.forced_action = remark.action or result.forced_action
        result.appeal_rights &= remark.appeal_rights
        result.documents += [d for d in remark.documents if d not in result.documents]
        result.cite_lcd |= remark.cite_lcd
    _refine(findings, refinements, table)
    for finding in findings:
        if finding.group_action is not None:  # the last code's rule decides, as the codes are listed
            result.group_action = finding.group_action
            result.notes.append(f"{finding.code}: {finding.group_note}")
    _choose(result, findings, table)
    return result


def _refine(findings: list[CodeFinding], refinements: list[tuple[str, Category, str]], table: CodeTable) -> None:
    """A remark's category replaces the category of a generic CARC (16, 96, 251, ...): the
    highest-ranked remark wins when several refine. The code's group rule was written for its
    own category: once a remark moves it elsewhere (PR-96 with M127, a missing record), the rule
    no longer applies."""
    if not refinements:
        return
    code, category, label = min(refinements, key=lambda item: table.rank(item[1]))
    for i, finding in enumerate(findings):
        if finding.refinable:
            moved = category != finding.category
            findings[i] = replace(finding, category=category, label=f"{finding.label}; {code}: {label}",
                                  group_action=None if moved else finding.group_action,
                                  liable=finding.liable and (not moved or finding.group_action is None))


def _choose(result: Classification, findings: list[CodeFinding], table: CodeTable) -> None:
    """Primary category: the highest in the table's precedence among the denial codes (and
    the remarks that refine them); when nothing is a denial, among all codes."""
    rank = table.rank
    result.denied = any(f.denial for f in findings)
    # The patient owes the amount only where a PR group code carries the denial itself, or
    # where nothing is denied and PR marks a balance (deductible, coinsurance, copay).
    result.patient_liable = any(f.liable and (f.denial or not result.denied) for f in findings)
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
    deciding = deciding_lines(claim, table)
    result = classify_codes(*claim_codes(claim, deciding[0] if deciding else None), table)
    if deciding is not None:
        result.split, result.deciding = True, tuple(deciding[0])
        result.reasons.insert(0, f"the lines denied as {deciding[1].value} carry the most denied money "
                                 f"(${deciding[2]:,.2f}): this plan follows them; the other lines are planned apart")
    if claim.denial.category is not None and claim.denial.category != result.category:
        result.reasons.insert(0, f"category {claim.denial.category.value} stated in the claim file")
        if result.category not in result.others and result.reasons[1:]:
            result.others.insert(0, result.category)
        result.category = claim.denial.category
        result.denied = result.denied or claim.denial.category not in (
            Category.contractual, Category.patient_responsibility)
    return result
