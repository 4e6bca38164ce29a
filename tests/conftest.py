"""Shared fixtures: a synthetic claim written to tmp_path, and a Builder on the repo's files."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from appealgen.payers import load_payer, profile_ids
from appealgen.rules.codes import CODES_FILE, CodeTable, load_code_table
from appealgen.workspace import RULES_DIR, Workspace
from tests.builder import Builder
from tests.pdfs import make_pdf

if TYPE_CHECKING:
    from distributed import Client

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 22)  # deadlines in tests are computed as of this date
CODES: CodeTable = load_code_table(RULES_DIR / CODES_FILE)  # the shipped reason-code table
PROFILES = {payer: load_payer(Workspace.open(REPO), payer) for payer in profile_ids(Workspace.open(REPO))}

PATIENT = {"first_name": "Rosa", "last_name": "Testcase", "dob": "1950-01-02", "member_id": "9XX9XX9XX99"}
PROVIDER = {"name": "Test Supply Co", "npi": "1538261953", "ptan": "TST01", "tax_id": "00-0000999",
            "address": "9 Test Lane, Testville, EX 00000", "phone": "555-0199", "fax": "555-0198",
            "email": "billing@testsupply.example", "contact": "Pat Tester",
            "requester": {"name": "Pat Tester", "title": "Billing Specialist"}}
# The plan's medical policy for the default claim (a commercial plan: no LCD applies).
PLAN_POLICY = {"id": "TP-0101", "title": "Positive Airway Pressure Devices (test plan policy)",
               "kind": "medical policy"}


def claim_dict(**overrides: Any) -> dict[str, Any]:
    claim: dict[str, Any] = {
        "claim_id": "TEST-1",
        "payer": "commercial",
        "payer_claim_number": "PCN0001",
        "patient": dict(PATIENT),
        "provider": dict(PROVIDER),
        "service_lines": [{"dos": "2026-09-02", "code": "E0601", "modifiers": ["RR", "KX"],
                           "units": 1, "billed": "245.00", "paid": 0, "diagnosis": ["G47.33"],
                           "carc": ["50"], "group": "CO", "rarc": ["N115"]}],
        "denial": {"date": "2026-10-14", "carc": ["50"], "rarc": ["N115"], "group": "CO"},
        "appeal": {"argument": "The records show the item was needed.", "policy": dict(PLAN_POLICY)},
        "attachments": [
            {"kind": "remittance_advice", "path": "docs/ra.pdf"},
            {"kind": "progress_notes", "path": "docs/notes.pdf", "title": "Progress notes"},
        ],
    }
    claim.update(overrides)
    return claim


WriteClaim = Callable[..., Path]


@pytest.fixture
def write_claim(tmp_path: Path) -> WriteClaim:
    """Write claim.yaml (with overrides) into tmp_path/claim and a PDF for each attachment
    whose file does not exist yet; returns the claim file's path."""

    def write(files: dict[str, bytes] | None = None, **overrides: Any) -> Path:
        folder = tmp_path / "claim"
        folder.mkdir(exist_ok=True)
        data = claim_dict(**overrides)
        for name, content in (files or {}).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(content)
        for attachment in data.get("attachments", []):
            target = folder / attachment["path"]
            if not target.exists() and not Path(attachment["path"]).is_absolute():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(make_pdf())
        path = folder / "claim.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    return write


@pytest.fixture
def builder() -> Builder:
    return Builder(Workspace.open(REPO), today=TODAY)


@pytest.fixture(scope="session")
def client() -> Iterator[Client]:
    """A Dask LocalCluster of two worker processes, as CI runs the cluster tests on (imported
    here, so the other tests run without the cluster extra)."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as connected:
        yield connected
