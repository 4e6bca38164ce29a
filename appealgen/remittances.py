"""The `era` command's work: the claims table of 835 files and a claim file per denied claim
(each with its own remittance record, never another patient's)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from appealgen.collector import gc_paused
from appealgen.errors import InputError
from appealgen.models import Appeal, AttachmentKind
from appealgen.output import write_atomic
from appealgen.payers import PayerProfile
from appealgen.plan import decide, mixed_findings, shown_action
from appealgen.rules.codes import CodeTable
from appealgen.rules.decide import Situation, choose_action, choose_level
from appealgen.sources import read_remittances
from appealgen.sources.attachment_names import unused_lines
from appealgen.sources.era_claims import (
    NOT_ADJUDICATED,
    REVERSAL,
    FoundClaim,
    attachments_by_convention,
    claim_document,
    denied_amount,
    split_document,
    to_claim,
)


@dataclass
class EraResult:
    files: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    found: list[FoundClaim] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)  # files, sets or claims that could not be read


@dataclass(frozen=True)
class RowDecision:
    """What the rules make of one remitted claim: for a denied claim, its plan's decision."""

    category: str
    action: str
    reason: str
    deadline: date | None = None
    days_left: int | None = None
    send_by: date | None = None
    warnings: tuple[str, ...] = ()  # lines denied for other reasons, to be planned apart
    new_claim: bool = False  # the correction is a new claim (MA130 at Medicare), not a replacement (frequency 7)


def _without_plan(found: FoundClaim, profile: PayerProfile) -> RowDecision:
    """The decision from the codes alone: for claims that are not denied, and for a denied claim
    that cannot be made into a claim file."""
    found_codes = found.classification
    choice = choose_level(Appeal(), profile, found_codes.category)
    action = choose_action(Situation(set(), choice, profile), found_codes)
    return RowDecision(found_codes.category.value, action.action.value, action.reason)


def decide_row(found: FoundClaim, profile: PayerProfile, codes: CodeTable, today: date,
               unpaired: bool = False) -> RowDecision:
    """A denied claim is planned once, here; the others get the decision for their codes.
    `unpaired`: a reversal with no claim that adjudicates it again in its file (a reversal of a
    payment is then money taken back)."""
    status = found.era.status_code
    if status == REVERSAL and unpaired and found.era.paid < 0:  # a payment taken back, none made again
        taken = -found.era.paid
        return RowDecision(found.classification.category.value, "review",
                           f"status 22: a reversal of an earlier payment (${taken:,.2f} taken back) with no claim "
                           "processed again in its place in this file: find out why, and dispute the recoupment if "
                           "it is wrong")
    if status in NOT_ADJUDICATED:
        return RowDecision(found.classification.category.value, "none", f"status {status}: {NOT_ADJUDICATED[status]}")
    if not found.denied:
        return _without_plan(found, profile)
    try:
        claim = to_claim(found, None, today)
    except InputError:
        return _without_plan(found, profile)
    decided = decide(claim, profile, codes, today, str(found.source))  # the plan's decisions, not its packet
    category, action = decided.found.category.value, decided.action
    table = codes.for_program(profile.kind)
    warnings = tuple(f.message for f in mixed_findings(claim, decided.found, table, profile, today))
    if not decided.dated:  # no deadline to meet: none to show
        return RowDecision(category, action.action.value, action.reason, warnings=warnings)
    sending = decided.sending.date if decided.submitted else None  # a review decides; it sends nothing yet
    return RowDecision(category, action.action.value, action.reason, decided.deadline.date, decided.days_left,
                       sending, warnings, action.new_claim)


def claim_row(found: FoundClaim, profiles: dict[str, PayerProfile], codes: CodeTable, today: date,
              descriptions: dict[str, str] | None = None, unpaired: bool = False) -> dict[str, Any]:
    """The JSON record of one 835 claim: its remittance record, the patient, the payer, and the
    category, action and deadline the rules give it."""
    era = found.era
    decision = decide_row(found, profiles[found.profile_id], codes, today, unpaired)
    record = found.record.model_dump(
        mode="python", include={"payer_claim_number", "status_code", "status", "billed", "paid",
                                "patient_responsibility", "adjustments", "remarks", "lines"})
    uses, remarks = found.codes
    row = {
        "claim_id": era.claim_id, **record, "codes": [f"{u.group}-{u.carc}" for u in uses] + remarks,
        "denied": found.denied, "reversal": era.reversal, "denied_amount": denied_amount(found),
        "payer": found.remittance.payer.name, "profile": found.profile_id,
        "patient": {"first_name": era.patient.first_name, "last_name": era.patient.last_name,
                    "member_id": era.patient.member_id},
        "category": decision.category, "action": decision.action, "new_claim": decision.new_claim,
        "action_reason": decision.reason,
        "deadline": decision.deadline, "days_left": decision.days_left, "send_by": decision.send_by,
        "warnings": list(decision.warnings), "source": str(found.source), "segment": era.segment,
    }
    if descriptions is not None:
        row["descriptions"] = {code: descriptions.get(bare_code(code), "(no description loaded)")
                               for code in row["codes"]}
    return row


def unpaired_reversals(found: list[FoundClaim]) -> set[int]:
    """The reversals (status 22) no claim of the same file and account adjudicates again: the
    payer took the money back and paid nothing in its place (by `id` of the FoundClaim)."""
    again = {(f.source, f.era.claim_id) for f in found if f.era.status_code not in NOT_ADJUDICATED}
    return {id(f) for f in found if f.era.status_code == REVERSAL and (f.source, f.era.claim_id) not in again}


# PLB reason codes (X12 code list for PLB03-1) as people say them; the others are shown as codes.
PLB_REASONS = {"WO": "overpayment recovery", "FB": "forwarding balance", "L6": "interest owed",
               "72": "authorized return", "J1": "nonreimbursable", "WU": "unspecified recovery", "CS": "adjustment",
               "50": "late charge", "90": "early payment allowance", "IR": "internal revenue service withholding",
               "LE": "levy", "CV": "capital passthru", "TL": "third party liability"}


def provider_adjustment_lines(files: list[dict[str, Any]]) -> list[str]:
    """The provider-level adjustments (PLB) of each file, under the table: money withheld or added
    apart from any claim row, an overpayment recovery (WO) naming the claim it takes back from."""
    lines = []
    for era in files:
        for payment in era["transactions"]:
            for adjustment in payment["provider_adjustments"]:
                amount = Decimal(adjustment["amount"])
                said = f"withheld ${amount:,.2f}" if amount > 0 else f"added ${-amount:,.2f}"
                reason = adjustment["reason"]
                words = f" ({PLB_REASONS[reason]})" if reason in PLB_REASONS else ""
                reference = f" {adjustment['reference']}" if adjustment["reference"] else ""
                lines.append(f"  {era['file']}: {payment['payer']}: PLB {reason}{words}{reference}: {said}")
    return ["", "provider adjustments (PLB), apart from the claims above:", *lines] if lines else []


def bare_code(code: str) -> str:
    """"CO-50" -> "50"; remarks stay as they are."""
    return code.split("-")[-1].removeprefix("CARC ")


def read_eras(paths: list[Path], profiles: dict[str, PayerProfile], codes: CodeTable, today: date,
              descriptions: dict[str, str] | None = None) -> EraResult:
    with gc_paused():  # a claim model and a plan per denied claim
        return _read_eras(paths, profiles, codes, today, descriptions)


def _read_eras(paths: list[Path], profiles: dict[str, PayerProfile], codes: CodeTable, today: date,
               descriptions: dict[str, str] | None) -> EraResult:
    remits = read_remittances(paths, profiles, codes)
    result = EraResult(found=remits.found, warnings=remits.warnings, errors=remits.errors)
    for era in remits.files:
        payments = [{"payer": r.payer.name, "payee": r.payee.name, "amount": r.payment.amount,
                     "method": r.payment.method, "check_number": r.payment.trace_number,
                     "date": r.payment.date, "claims": len(r.claims),
                     "provider_adjustments": [a.model_dump() for a in r.provider_adjustments]}
                    for r in era.remittances]
        result.files.append({"file": era.source, "transactions": payments})
    alone = unpaired_reversals(remits.found)
    result.claims = [claim_row(f, profiles, codes, today, descriptions, id(f) in alone) for f in remits.found]
    result.claims.sort(key=lambda row: (not row["denied"], row["source"], row["segment"]))
    return result


class _ClaimDumper(yaml.SafeDumper):
    """Plain YAML for people: no anchors, amounts written as the numbers they are."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    tag = "int" if value == value.to_integral_value() and "." not in str(value) else "float"
    return dumper.represent_scalar(f"tag:yaml.org,2002:{tag}", str(value))


_ClaimDumper.add_representer(Decimal, _decimal)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _plain(value.model_dump(mode="python"))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v not in (None, [], "")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def dump_claim(document: dict[str, Any]) -> str:
    return yaml.dump(_plain(document), Dumper=_ClaimDumper, sort_keys=False, allow_unicode=True)


@dataclass
class Written:
    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # claims no claim file could be made for
    kept: list[str] = field(default_factory=list)  # existing files that differ: left as a person edited them
    unused: list[str] = field(default_factory=list)  # files under --attachments-root not attached, and why


def write_claim_files(result: EraResult, out: Path, root: Path | None, today: date, codes: CodeTable,
                      force: bool = False, names: Mapping[str, AttachmentKind] | None = None, verbose: bool = False,
                      workspace: Path | None = None) -> Written:
    """One claim file per denied claim (not reversals), in the claim-file contract; one per part
    of a claim whose lines were denied for different reasons (`<id>-L<n>.yaml` for each line
    planned apart: era_claims.split_document). A file that already exists and differs from what
    would be written is left alone (a person may have edited it) unless `force`. Files under
    `root` that are not attached are counted (named with `verbose`)."""
    done = Written()
    for found in result.found:
        if not found.denied:
            continue
        done.unused += unused_lines(attachments_by_convention(root, found.claim_id, names), verbose)
        try:
            documents = split_document(found, claim_document(found, root, today, names), codes)
        except InputError as error:
            done.skipped.append(f"{error.line()}; claim file not written")
            continue
        for document, _ in documents:
            _write_claim_file(done, found, document, out, root, force, workspace)
    return done


def _write_claim_file(done: Written, found: FoundClaim, document: dict[str, Any], out: Path, root: Path | None,
                      force: bool, workspace: Path | None) -> None:
    path = out / f"{document['claim_id']}.yaml"
    part = "" if document["claim_id"] == found.claim_id else " (lines denied for another reason, planned apart)"
    header = (f"# From {found.source.name}, CLP segment {found.era.segment}{part}. "
              f"Build with: appealgen build {path.name}"
              + (f" --attachments-root {root}" if root else "")
              # the practice's details (PTAN, address, requester) come from the workspace's settings
              + (f" --workspace {workspace}" if workspace else "") + "\n")
    content = (header + dump_claim(document)).encode()
    if not force and path.exists() and path.read_bytes() != content:
        done.kept.append(f"{path}: differs from what {found.source.name} (CLP segment {found.era.segment}) "
                         "gives; left as it is (--force rewrites it)")
        return
    write_atomic(path, content)
    done.written.append(path)


def table_lines(rows: list[dict[str, Any]]) -> list[str]:
    """A fixed-width table for people; codes as GROUP-CARC and remarks; with descriptions (when
    loaded) under each claim."""
    head = (f"{'claim':18} {'status':6} {'denied':6} {'billed':>10} {'paid':>10} {'denied $':>10} "
            f"{'payer':20} {'codes':28} {'category':24} {'action':21} {'deadline':10} {'days':>5}")
    lines = [head, "-" * len(head)]
    for row in rows:
        text = " ".join(row["codes"]) or "-"
        deadline = row["deadline"].isoformat() if row["deadline"] else "-"
        days = str(row["days_left"]) if row["days_left"] is not None else "-"
        action = shown_action(row["action"], row["new_claim"])
        lines.append(f"{row['claim_id'][:18]:18} {row['status_code']:6} {'yes' if row['denied'] else 'no':6} "
                     f"{row['billed']:>10.2f} {row['paid']:>10.2f} {row['denied_amount']:>10.2f} "
                     f"{row['payer'][:20]:20} {text[:28]:28} {row['category']:24} {action:21} {deadline:10} "
                     f"{days:>5}")
        lines += [f"    {code}: {text}" for code, text in row.get("descriptions", {}).items()]
        lines += [f"    warning: {text}" for text in row["warnings"]]
    return lines
