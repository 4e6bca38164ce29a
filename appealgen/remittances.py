"""835 files for the commands: the claims table, claim files for denied claims, and Claims
ready to build (each with its own remittance record, never another patient's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from appealgen.errors import InputError
from appealgen.models import Appeal
from appealgen.output import write_atomic
from appealgen.payers import PayerProfile, load_payer
from appealgen.plan import make_plan
from appealgen.rules.decide import choose_action, choose_level
from appealgen.sources.claim_file import LoadedClaim, load_claims
from appealgen.sources.era import Adjustment, read_era
from appealgen.sources.era_claims import (
    FoundClaim,
    claim_document,
    find_claims,
    to_claim,
    unique_claim_ids,
    validate_document,
)
from appealgen.workspace import Workspace

X12_SUFFIXES = {".835", ".x12", ".edi", ".era"}


def is_x12(path: Path) -> bool:
    if path.suffix.lower() in X12_SUFFIXES:
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(16).removeprefix(b"\xef\xbb\xbf").lstrip()
    except OSError:
        return False
    return head.startswith((b"ISA", b"ST*835"))


def all_profiles(workspace: Workspace) -> dict[str, PayerProfile]:
    return {name.removesuffix(".yaml"): load_payer(workspace, name.removesuffix(".yaml"))
            for name in workspace.list("payers", "*.yaml")}


@dataclass
class EraResult:
    files: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    found: list[FoundClaim] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _adjustments(items: list[Adjustment]) -> list[dict[str, Any]]:
    return [a.model_dump(include={"group", "carc", "amount"}) for a in items]


def claim_row(found: FoundClaim, profiles: dict[str, PayerProfile], today: date) -> dict[str, Any]:
    """The JSON record of one 835 claim, with the category and action the rules give it."""
    era = found.era
    category, action = found.classification.category.value, "none"
    if found.denied:
        claim = to_claim_or_none(found, today)
        if claim is not None:
            plan = make_plan(claim, profiles[found.profile_id], today)
            category, action = plan.category.value, plan.action.value
        else:  # no service lines: decide from the codes alone
            action = action_from_codes(found, profiles[found.profile_id])
    return {
        "claim_id": era.claim_id, "payer_claim_number": era.payer_claim_number,
        "status_code": era.status_code, "status": era.status, "denied": found.denied,
        "reversal": era.reversal, "payer": found.remittance.payer.name, "profile": found.profile_id,
        "patient": {"first_name": era.patient.first_name, "last_name": era.patient.last_name,
                    "member_id": era.patient.member_id},
        "billed": era.billed, "paid": era.paid, "patient_responsibility": era.patient_responsibility,
        "adjustments": _adjustments(era.adjustments), "remarks": era.remarks,
        "lines": [{"code": line.code, "modifiers": line.modifiers, "dos": line.dos or line.dos_from,
                   "billed": line.billed, "paid": line.paid, "units": line.units,
                   "adjustments": _adjustments(line.adjustments), "remarks": line.remarks}
                  for line in era.lines],
        "category": category, "action": action, "source": str(found.source), "segment": era.segment,
    }


def to_claim_or_none(found: FoundClaim, today: date) -> Any:
    try:
        return to_claim(found, None, today)
    except InputError:
        return None


def action_from_codes(found: FoundClaim, profile: PayerProfile) -> str:
    """Action for a denied claim that cannot become a claim file (no service lines)."""
    choice = choose_level(Appeal(), profile)
    return choose_action(set(), found.classification, choice).action.value


def read_eras(paths: list[Path], workspace: Workspace, today: date) -> EraResult:
    result = EraResult()
    profiles = all_profiles(workspace)
    for path in paths:
        era = read_era(path)
        found, warnings = find_claims(era, profiles)
        result.warnings += era.warnings + warnings
        result.found += found
        payments = [{"payer": r.payer.name, "payee": r.payee.name, "amount": r.payment.amount,
                     "method": r.payment.method, "check_number": r.payment.trace_number,
                     "date": r.payment.date, "claims": len(r.claims),
                     "provider_adjustments": [a.model_dump() for a in r.provider_adjustments]}
                    for r in era.remittances]
        result.files.append({"file": str(path), "transactions": payments})
    unique_claim_ids(result.found)
    result.claims = [claim_row(f, profiles, today) for f in result.found]
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
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v not in (None, [], "")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def dump_claim(document: dict[str, Any]) -> str:
    return yaml.dump(_plain(document), Dumper=_ClaimDumper, sort_keys=False, allow_unicode=True)


def write_claim_files(result: EraResult, out: Path, root: Path | None, today: date) -> tuple[list[Path], list[str]]:
    """One claim file per denied claim (not reversals), in the claim-file contract."""
    written, skipped = [], []
    for found in result.found:
        if not found.denied:
            continue
        document = claim_document(found, root, today)
        try:
            validate_document(found, document)
        except InputError as error:
            skipped.append(f"{error.line()}; claim file not written")
            continue
        path = out / f"{document['claim_id']}.yaml"
        header = (f"# From {found.source.name}, CLP segment {found.era.segment}. "
                  f"Build with: appealgen build {path.name}"
                  + (f" --attachments-root {root}" if root else "") + "\n")
        write_atomic(path, (header + dump_claim(document)).encode())
        written.append(path)
    return written, skipped


@dataclass
class Loaded:
    claims: list[LoadedClaim]
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # claims that could not be used: exit 1


def claims_from_file(path: Path, workspace: Workspace, root: Path | None, today: date) -> Loaded:
    """A claim file (YAML/JSON), or every denied claim of an 835 with its remittance record."""
    if not is_x12(path):
        return Loaded(load_claims(path))
    result = read_eras([path], workspace, today)
    loaded = Loaded([], warnings=list(result.warnings))
    for found in result.found:
        if found.denied:
            try:
                loaded.claims.append(LoadedClaim(to_claim(found, root, today), path))
            except InputError as error:
                loaded.errors.append(f"{error.line()}; no packet built for claim {found.claim_id}")
    return loaded


def table_lines(rows: list[dict[str, Any]]) -> list[str]:
    """A fixed-width table for people; codes as GROUP-CARC and remarks."""
    head = f"{'claim':18} {'status':6} {'denied':6} {'billed':>10} {'paid':>10} {'codes':28} {'category':24} action"
    lines = [head, "-" * len(head)]
    for row in rows:
        codes = [f"{a['group']}-{a['carc']}" for a in row["adjustments"]]
        codes += [f"{a['group']}-{a['carc']}" for line in row["lines"] for a in line["adjustments"]]
        codes += list(row["remarks"]) + [r for line in row["lines"] for r in line["remarks"]]
        text = " ".join(dict.fromkeys(codes)) or "-"
        lines.append(f"{row['claim_id'][:18]:18} {row['status_code']:6} {'yes' if row['denied'] else 'no':6} "
                     f"{row['billed']:>10} {row['paid']:>10} {text[:28]:28} {row['category']:24} {row['action']}")
    return lines
