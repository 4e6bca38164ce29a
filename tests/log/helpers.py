"""Helpers of the tracking log's tests: settings pointing at a log, synthetic remittances."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from appealgen.settings import Settings, WorkspaceFile
from appealgen.workspace import Workspace
from tests.conftest import REPO, TODAY
from tests.x12gen import ClaimSpec, LineSpec, interchange


def settings_for(url: str, today: date = TODAY, practice: str | None = None) -> Settings:
    return Settings(Workspace.open(REPO), today, file=WorkspaceFile(database_url=url, practice=practice))


def remittance(path: Path, claims: list[ClaimSpec], paid_on: str = "20261014", trace: str = "EFT0001234",
               produced_on: str | None = None) -> Path:
    path.write_text(interchange(claims, paid_on=paid_on, trace=trace, produced_on=produced_on))
    return path


def denied(claim_id: str, billed: str = "245.00", carc: str = "50", remarks: tuple[str, ...] = ("N115",),
           group: str = "CO") -> ClaimSpec:
    """A claim denied in full (status 4) with one line."""
    return ClaimSpec(claim_id, status="4", billed=billed, paid="0", payer_claim_number=f"PCN{claim_id[-4:]}",
                     lines=[LineSpec(billed=billed, paid="0", cas=((group, carc, billed),), remarks=remarks)])


def paid(claim_id: str, billed: str = "245.00", amount: str = "180.00") -> ClaimSpec:
    """A claim paid on (re)processing, with a contractual reduction."""
    reduction = f"{float(billed) - float(amount):.2f}"
    return ClaimSpec(claim_id, status="1", billed=billed, paid=amount, payer_claim_number=f"PCN{claim_id[-4:]}",
                     lines=[LineSpec(billed=billed, paid=amount, cas=(("CO", "45", reduction),), remarks=())])


def partly(claim_id: str, billed: str = "245.00", amount: str = "100.00") -> ClaimSpec:
    """Paid in part, the rest still denied as not medically necessary."""
    rest = f"{float(billed) - float(amount):.2f}"
    return ClaimSpec(claim_id, status="1", billed=billed, paid=amount, payer_claim_number=f"PCN{claim_id[-4:]}",
                     lines=[LineSpec(billed=billed, paid=amount, cas=(("CO", "50", rest),), remarks=("N115",))])


def reversal(claim_id: str, billed: str = "245.00") -> ClaimSpec:
    return ClaimSpec(claim_id, status="22", billed=f"-{billed}", paid="0", payer_claim_number=f"PCN{claim_id[-4:]}",
                     lines=[LineSpec(billed=f"-{billed}", paid="0", cas=(("CO", "50", f"-{billed}"),), remarks=())])



def submitted_csv(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """A claims-submitted file: claim_id, payer, date, charge."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["claim_id", "payer", "date", "charge"])
        writer.writerows(rows)
    return path
