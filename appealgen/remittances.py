"""The `era` command's work: the claims table of 835 files and a claim file per denied claim
(each with its own remittance record, never another patient's)."""

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
from appealgen.payers import PayerProfile
from appealgen.plan import make_plan
from appealgen.rules.codes import CodeTable
from appealgen.rules.decide import choose_action, choose_level
from appealgen.sources import read_remittances
from appealgen.sources.era_claims import (
    FoundClaim,
    claim_document,
    codes_of,
    remittance_record,
    to_claim,
    validate_document,
)


@dataclass
class EraResult:
    files: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    found: list[FoundClaim] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)  # files that could not be read


def claim_row(found: FoundClaim, profiles: dict[str, PayerProfile], codes: CodeTable, today: date) -> dict[str, Any]:
    """The JSON record of one 835 claim (its remittance record, the patient, and the category
    and action the rules give it). A denied claim is planned once, here."""
    era = found.era
    category, action = found.classification.category.value, "none"
    if found.denied:
        profile = profiles[found.profile_id]
        try:
            claim = to_claim(found, None, today, codes)
        except InputError:  # no service lines: decide from the codes alone
            action = choose_action(set(), found.classification, choose_level(Appeal(), profile)).action.value
        else:
            plan = make_plan(claim, profile, codes, today, str(found.source))
            category, action = plan.category.value, plan.action.value
    record = remittance_record(found).model_dump(
        mode="python", include={"payer_claim_number", "status_code", "status", "billed", "paid",
                                "patient_responsibility", "adjustments", "remarks", "lines"})
    carcs, remarks = codes_of(era)
    return {
        "claim_id": era.claim_id, **record, "codes": [f"{g}-{c}" for g, c in carcs] + remarks,
        "denied": found.denied, "reversal": era.reversal,
        "payer": found.remittance.payer.name, "profile": found.profile_id,
        "patient": {"first_name": era.patient.first_name, "last_name": era.patient.last_name,
                    "member_id": era.patient.member_id},
        "category": category, "action": action, "source": str(found.source), "segment": era.segment,
    }


def read_eras(paths: list[Path], profiles: dict[str, PayerProfile], codes: CodeTable, today: date) -> EraResult:
    remits = read_remittances(paths, profiles, codes)
    result = EraResult(found=remits.found, warnings=remits.warnings, errors=remits.errors)
    for era in remits.files:
        payments = [{"payer": r.payer.name, "payee": r.payee.name, "amount": r.payment.amount,
                     "method": r.payment.method, "check_number": r.payment.trace_number,
                     "date": r.payment.date, "claims": len(r.claims),
                     "provider_adjustments": [a.model_dump() for a in r.provider_adjustments]}
                    for r in era.remittances]
        result.files.append({"file": era.source, "transactions": payments})
    result.claims = [claim_row(f, profiles, codes, today) for f in remits.found]
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


def write_claim_files(
    result: EraResult, out: Path, root: Path | None, today: date, codes: CodeTable
) -> tuple[list[Path], list[str]]:
    """One claim file per denied claim (not reversals), in the claim-file contract."""
    written, skipped = [], []
    for found in result.found:
        if not found.denied:
            continue
        document = claim_document(found, root, today, codes)
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


def table_lines(rows: list[dict[str, Any]]) -> list[str]:
    """A fixed-width table for people; codes as GROUP-CARC and remarks."""
    head = f"{'claim':18} {'status':6} {'denied':6} {'billed':>10} {'paid':>10} {'codes':28} {'category':24} action"
    lines = [head, "-" * len(head)]
    for row in rows:
        text = " ".join(row["codes"]) or "-"
        lines.append(f"{row['claim_id'][:18]:18} {row['status_code']:6} {'yes' if row['denied'] else 'no':6} "
                     f"{row['billed']:>10} {row['paid']:>10} {text[:28]:28} {row['category']:24} {row['action']}")
    return lines
