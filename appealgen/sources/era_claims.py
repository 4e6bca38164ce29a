"""From a read 835 to the rest of the tool: which claims are denied, which payer profile
applies, and the claim-file contract (with this claim's remittance record) for each."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from pydantic import ValidationError

from appealgen.documents import validation_errors
from appealgen.errors import InputError
from appealgen.models import (
    MAX_CLAIM_ID,
    WINDOWS_DEVICES,
    AttachmentKind,
    Claim,
    RemittanceLine,
    RemittanceRecord,
    luhn_npi,
)
from appealgen.models import RemittanceAdjustment as Adjustment
from appealgen.payers import PayerProfile
from appealgen.plan import part_claim, parts_apart, without_parts
from appealgen.rules.classify import CLAIM_LEVEL, Classification, CodeUse, classify, classify_codes, merge_uses
from appealgen.rules.codes import CodeTable
from appealgen.sources.attachment_names import Found, by_name
from appealgen.sources.era import EraClaim, EraFile, Remittance

FALLBACK_PROFILE = "commercial"
REMARK = re.compile(r"(M|MA|N)\d{1,3}")
# Claim statuses that neither pay nor deny anything new: a reversal of an earlier payment, and a
# predetermination (pricing only, nothing was adjudicated).
NOT_ADJUDICATED = {"22": "a reversal of an earlier payment", "25": "a predetermination: pricing only"}
REVERSAL = "22"
# Claim filing indicators (CLP06) that name a public program: (profile kind, words for people).
FILING_PROGRAMS = {"MA": ("medicare", "Medicare Part A"), "MB": ("medicare", "Medicare Part B"),
                   "MC": ("medicaid", "Medicaid")}
# Claim filing indicators of a Medicare Advantage plan (a private plan with its own appeal rules):
# no shipped profile is one, so a plan matched only by the generic profile is named.
MEDICARE_ADVANTAGE = {"16": "HMO Medicare risk"}


@dataclass
class FoundClaim:
    """One CLP of an 835 with what the rules make of it."""

    source: Path
    remittance: Remittance
    era: EraClaim
    codes: tuple[list[CodeUse], list[str]]  # codes_of(era): read once, used by every later stage
    classification: Classification
    denied: bool
    profile_id: str
    program: str  # the profile's kind: which group rules of the code table apply (CodeTable.for_program)
    claim_id: str = ""  # file-name safe and unique in a run; set by unique_claim_ids

    def __post_init__(self) -> None:
        self.claim_id = self.claim_id or safe_claim_id(self.era.claim_id)

    @cached_property
    def record(self) -> RemittanceRecord:
        """This claim's remittance record, made once (the table row and the claim use it)."""
        return remittance_record(self)


def codes_of(claim: EraClaim | RemittanceRecord) -> tuple[list[CodeUse], list[str]]:
    """The reason codes of a remitted claim, each adjustment with its own group and amount, and
    its remarks. A code is `unpaid` where its line (or, at claim level, the claim) was billed
    and paid nothing."""
    uses = [CodeUse(a.group, a.carc, a.amount, claim.paid == 0 and claim.billed > 0) for a in claim.adjustments]
    for line in claim.lines:
        unpaid, modifiers = line.paid == 0 and line.billed > 0, frozenset(line.modifiers)
        uses += [CodeUse(a.group, a.carc, a.amount, unpaid, modifiers) for a in line.adjustments]
    remarks = [*claim.remarks, *(r for line in claim.lines for r in line.remarks)]
    return merge_uses(uses), list(dict.fromkeys(remarks))


def is_denied(claim: EraClaim, found: Classification) -> bool:
    """Denied: status 4, or any adjustment the rules call a denial (a code the table does not
    know counts where its line was paid nothing). A reversal or a predetermination is never a
    new denial."""
    if claim.status_code in NOT_ADJUDICATED:
        return False
    return claim.status_code == "4" or found.denied


def match_profile(remittance: Remittance, profiles: dict[str, PayerProfile]) -> tuple[str | None, bool]:
    """A profile whose `match` names this payer's ID (REF*2U, N1*PR04, TRN03) or name, and
    whether it is specific (by ID, or by a name other than the generic fallback's)."""
    payer = remittance.payer
    ids = {v for v in (payer.reference_ids.get("2U"), payer.id, remittance.payment.originator) if v}
    for profile in profiles.values():
        if ids & set(profile.match.payer_ids):
            return profile.id, True
    # By name: a specific profile before the generic fallback, then the longest pattern.
    name = payer.name.upper()
    hits = [(profile.id != FALLBACK_PROFILE, len(pattern), profile.id)
            for profile in profiles.values() for pattern in profile.match.names if pattern.upper() in name]
    return (max(hits)[2], max(hits)[0]) if hits else (None, False)


def claim_profile(matched: tuple[str | None, bool], claim: EraClaim,
                  profiles: dict[str, PayerProfile]) -> tuple[str, bool]:
    """The profile for one claim, and whether its filing indicator chose it: the payer's own,
    unless only the generic fallback's names (or nothing) matched, where the claim's filing
    indicator says more: a Medicare contractor whose name holds "INSURANCE" is not a commercial
    plan, and its deadlines are not one."""
    profile, specific = matched
    if specific and profile is not None:
        return profile, False
    by_filing = [p.id for p in profiles.values() if claim.filing_indicator in p.match.filing_indicators]
    return (by_filing[0], True) if by_filing else (profile or FALLBACK_PROFILE, False)


def profile_warnings(source: str, remittance: Remittance, matched: tuple[str | None, bool], claim: EraClaim,
                     choice: tuple[str, bool], profiles: dict[str, PayerProfile]) -> list[str]:
    """A payer no profile matches, a Medicare Advantage plan matched only by the generic profile,
    and a profile whose kind the claims' filing indicator contradicts (a match by the indicator
    itself: by_filing_lines)."""
    payer = remittance.payer.name or "(unnamed)"
    indicator = claim.filing_indicator
    program = FILING_PROGRAMS.get(indicator)
    lines = []
    chosen, by_filing = choice
    # A match by the filing indicator is named once for all of them (by_filing_lines)
    if matched[0] is None and not (by_filing and program is not None):
        lines.append(f"{source}: payer {payer} matches no payer profile; using {chosen}")
    kind = profiles[chosen].kind if chosen in profiles else None
    if indicator in MEDICARE_ADVANTAGE and not matched[1]:
        lines.append(f"{source}: payer {payer}: its claims are Medicare Advantage (CLP06 {indicator}: "
                     f"{MEDICARE_ADVANTAGE[indicator]}), "
                     f"matched only to the generic profile {chosen}: a Medicare Advantage plan's appeal windows are "
                     "its contract's, or for a non-contracted provider Medicare's rules for such plans (42 CFR 422 "
                     "subpart M), not a commercial plan's: add a profile for this plan (match.payer_ids) before "
                     "trusting its deadlines")
    elif program is not None and kind is not None and program[0] != kind:
        lines.append(f"{source}: payer {payer}: its claims are {program[1]} (CLP06 {indicator}), but its profile "
                     f"{chosen} is for {kind} payers: check the profile's match (its levels and deadlines would "
                     "be wrong)")
    return lines


def find_claims(
    era: EraFile, profiles: dict[str, PayerProfile], codes: CodeTable
) -> tuple[list[FoundClaim], list[str]]:
    found, warnings = [], []
    for remittance in era.remittances:
        matched = match_profile(remittance, profiles)
        lines: list[str] = []  # this payer's, each once
        by_filing: dict[str, dict[str, str]] = {}  # profile chosen -> its claims' indicators, in the order read
        for claim in remittance.claims:
            chosen = claim_profile(matched, claim, profiles)
            profile = chosen[0]
            if chosen[1] and claim.filing_indicator in FILING_PROGRAMS:
                by_filing.setdefault(profile, {})[claim.filing_indicator] = FILING_PROGRAMS[claim.filing_indicator][1]
            lines += [line for line in profile_warnings(era.source, remittance, matched, claim, chosen, profiles)
                      if line not in lines]
            claim_codes = codes_of(claim)
            program = profiles[profile].kind if profile in profiles else "commercial"
            classification = classify_codes(*claim_codes, codes.for_program(program))
            found.append(FoundClaim(Path(era.source), remittance, claim, claim_codes, classification,
                                    is_denied(claim, classification), profile, program))
            if classification.unknown:
                lines.append(f"{era.source}: segment {claim.segment} (CLP): {', '.join(classification.unknown)} "
                             "not in the code table (rules/codes.yaml): a person must review this claim")
        warnings += by_filing_lines(era.source, remittance, by_filing) + lines
    return found, warnings


def by_filing_lines(source: str, remittance: Remittance, by_filing: dict[str, dict[str, str]]) -> list[str]:
    """One line per profile a payer's claims' filing indicators chose (Part A and Part B claims
    of one Medicare contractor are one match, not two)."""
    payer = remittance.payer.name or "(unnamed)"
    lines = []
    for chosen, programs in by_filing.items():
        named = "; ".join(f"{indicator}: {words}" for indicator, words in programs.items())
        plural = "s" if len(programs) > 1 else ""
        lines.append(f"{source}: payer {payer} is matched by its claims' filing indicator{plural} (CLP06 {named}) to "
                     f"{chosen}; add its payer ID to that profile's match.payer_ids to be sure")
    return lines


def denied_amount(found: FoundClaim) -> Decimal:
    """What the denial codes took off the claim; billed less paid when a denied claim gives no
    denial amounts (status 4 with no adjustments)."""
    if not found.denied:
        return Decimal(0)
    return found.classification.denied_amount or max(found.era.billed - found.era.paid, Decimal(0))


def unique_claim_ids(found: list[FoundClaim]) -> None:
    """Two claims with one patient control number must not share a claim file or packet
    folder: the later ones get the payer claim number (then a counter) appended."""
    seen: set[str] = set()
    for item in found:
        candidate, counter = item.claim_id, 1
        while candidate in seen:
            suffix = re.sub(r"[^A-Za-z0-9]", "", item.era.payer_claim_number) if counter == 1 else str(counter)
            candidate = f"{item.claim_id[: MAX_CLAIM_ID - len(suffix) - 1]}-{suffix or counter}"
            counter += 1
        item.claim_id = candidate
        seen.add(candidate)


def safe_claim_id(value: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "-", value).strip("-._")[:MAX_CLAIM_ID].rstrip(".")
    if cleaned.split(".")[0].upper() in WINDOWS_DEVICES:  # CON, NUL, LPT1...: not a folder name everywhere
        cleaned = f"{cleaned[:MAX_CLAIM_ID - 6]}-claim"
    return cleaned or "CLAIM"


_CLAIM_FIELDS = set(RemittanceRecord.model_fields) & set(EraClaim.model_fields) - {"lines"}
_LINE_FIELDS = set(RemittanceLine.model_fields)


def remittance_record(found: FoundClaim) -> RemittanceRecord:
    """This claim's part of the 835 (never another claim's), as the claim file carries it."""
    r, c = found.remittance, found.era
    return RemittanceRecord(
        source=found.source.name, payer_name=r.payer.name,
        payer_id=r.payer.reference_ids.get("2U", r.payer.id), payee_name=r.payee.name,
        payee_npi=r.payee.id if r.payee.id_qualifier == "XX" else "",
        payment_method=r.payment.method, payment_amount=r.payment.amount,
        check_number=r.payment.trace_number, payment_date=r.payment.date or r.production_date,
        status=c.status, **c.model_dump(include=_CLAIM_FIELDS),
        lines=[RemittanceLine.model_validate(line.model_dump(include=_LINE_FIELDS)) for line in c.lines],
    )


def attachments_by_convention(root: Path | None, claim_id: str,
                              names: Mapping[str, AttachmentKind] | None = None) -> Found:
    """The files of `<root>/<claim_id>/`, each with the kind its name says (see
    attachment_names), paths relative to root (build with --attachments-root); the files left
    out are listed with the reason."""
    return by_name(root, claim_id, names)


def _valid_npi(value: str) -> bool:
    try:
        luhn_npi(value)
    except ValueError:
        return False
    return True


def _adjustments(adjustments: list[Adjustment]) -> list[dict[str, object]]:
    """Each CAS triplet with its own group and amount (never merged under one group)."""
    return [{"group": a.group, "carc": a.carc, "amount": a.amount} for a in adjustments]


def _lines(found: FoundClaim, fallback_dos: date) -> list[dict[str, object]]:
    c = found.era
    lines: list[dict[str, object]] = [{
        "dos": line.dos or fallback_dos, "code": line.code, "modifiers": line.modifiers,
        "units": line.units, "billed": line.billed, "paid": line.paid,
        "adjustments": _adjustments(line.adjustments),
        "rarc": [r for r in line.remarks if REMARK.fullmatch(r)],
    } for line in c.lines]
    if lines:
        return lines
    # Denied whole at claim level: one line from the CLP amounts and the statement dates, with no
    # procedure code (the remittance names none); its codes are the claim-level ones on the denial.
    return [{"dos": c.statement_from or fallback_dos, "dos_to": c.statement_to, "claim_level": True,
             "billed": c.billed, "paid": c.paid}]


def _denial(found: FoundClaim, denied_date: date) -> dict[str, object]:
    """The denial: its date, the claim-level codes with their groups, the remarks; `carc` and
    `group` too when every denial code shares one group (nothing is merged under a group)."""
    c = found.era
    denial_codes = [f for f in found.classification.findings if f.denial and f.group]
    groups = {f.group for f in denial_codes}
    denial: dict[str, object] = {"date": denied_date}
    if len(groups) == 1:
        denial["carc"] = list(dict.fromkeys(f.code.split("-", 1)[1] for f in denial_codes))
        denial["group"] = groups.pop()
    denial["rarc"] = [r for r in found.codes[1] if REMARK.fullmatch(r)]
    denial["adjustments"] = _adjustments(c.adjustments)
    return denial


def claim_document(found: FoundClaim, root: Path | None, today: date,
                   names: Mapping[str, AttachmentKind] | None = None) -> dict[str, object]:
    """The claim-file contract for one denied 835 claim, as plain data ready for YAML."""
    c, r = found.era, found.remittance
    fix = c.corrected_patient  # NM1*74 corrects only the fields it carries
    first = (fix and fix.first_name) or c.patient.first_name
    last = (fix and fix.last_name) or c.patient.last_name
    member = c.patient.member_id or (c.insured.member_id if c.insured else "")
    denied_date = r.notice_date or today  # the reader refuses a remittance without a date
    candidates = [c.rendering_npi, r.payee.id if r.payee.id_qualifier == "XX" else ""]
    npi = next((n for n in candidates if _valid_npi(n)), None)  # else the plan reports it missing
    return {
        "claim_id": found.claim_id, "payer": found.profile_id,
        "payer_claim_number": re.sub(r"[^A-Za-z0-9-]", "", c.payer_claim_number) or None,
        "patient": {"first_name": first or "(unknown)", "last_name": last or "(unknown)",
                    "member_id": member},
        "provider": {"name": r.payee.name or "(payee not named)", "npi": npi},
        "service_lines": _lines(found, c.statement_from or c.received or denied_date),
        "denial": _denial(found, denied_date),
        "attachments": attachments_by_convention(root, found.claim_id, names).attachments,
        "remittance": found.record,  # a validated model: the claim takes it without checking it again
    }


def to_claim(found: FoundClaim, root: Path | None, today: date,
             names: Mapping[str, AttachmentKind] | None = None) -> Claim:
    return validate_document(found, claim_document(found, root, today, names))


def split_document(found: FoundClaim, document: dict[str, object],
                   codes: CodeTable) -> list[tuple[dict[str, object], Claim]]:
    """The claim-file documents of one denied 835 claim: itself, or, when its lines were denied
    for different reasons (a line not medically necessary, another a duplicate), the lines the
    plan follows under the claim's own id and each other line under `<id>-L<n>` (its line
    number), so each part is planned, built and tracked on its own, before its own deadline.
    The claim's own codes (a claim-level adjustment) stay with the lines the plan follows. Each
    document comes with its claim, validated once."""
    claim = validate_document(found, document)
    codes = codes.for_program(found.program)
    if len(claim.service_lines) < 2:  # only lines are planned apart: one line is one part (no need to classify)
        return [(document, claim)]
    apart = [index for index in parts_apart(claim, classify(claim, codes), codes) if index != CLAIM_LEVEL]
    if not apart:
        return [(document, claim)]
    rest = [i for i in range(len(claim.service_lines)) if i not in apart]
    parts = [_part(document, str(document["claim_id"]), rest, without_parts(claim, apart)),
             *(_part(document, part_id(str(document["claim_id"]), i), [i], part_claim(claim, i)) for i in apart)]
    return [(part, validate_document(found, part)) for part in parts]


def part_id(claim_id: str, index: int) -> str:
    """"ACCT-9101" -> "ACCT-9101-L2" for the claim's second line (within the claim-id length)."""
    suffix = f"-L{index + 1}"
    return f"{claim_id[: MAX_CLAIM_ID - len(suffix)]}{suffix}"


def _part(document: dict[str, object], claim_id: str, indices: list[int], part: Claim) -> dict[str, object]:
    """The document with only the lines at `indices`, and the part's codes and remarks on its denial."""
    lines, denial = document["service_lines"], document["denial"]
    assert isinstance(lines, list) and isinstance(denial, dict)
    codes = {"carc": part.denial.carc} if "carc" in denial else {}
    own = {"adjustments": denial["adjustments"] if part.denial.adjustments else []}
    return {**document, "claim_id": claim_id, "service_lines": [lines[i] for i in indices],
            "denial": {**denial, **codes, "rarc": part.denial.rarc, **own}}


def validate_document(found: FoundClaim, data: dict[str, object]) -> Claim:
    """The claim-file contract applied to a document made from the 835; errors name the CLP."""
    try:
        return Claim.model_validate(data)
    except ValidationError as exc:
        lines = validation_errors(Path(found.source), exc)
        detail = "; ".join(f"{e.field}: {e.message}" for e in lines)
        raise InputError(found.source, f"segment {found.era.segment} (CLP)", detail) from None

