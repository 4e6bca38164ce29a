"""835 claims turned into claim files: ids, units and the payer profile they get."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from appealgen.sources.claim_file import load_claims
from tests.conftest import REPO
from tests.helpers import (
    AS_OF,
    run,
    write_835,
)
from tests.x12gen import ClaimSpec, interchange


def test_two_denied_claims_with_one_64_character_clp01_get_two_claim_files(tmp_path: Path) -> None:
    clp01 = "A" * 64
    remit = write_835(tmp_path / "remit.835", [
        ClaimSpec(clp01, payer_claim_number="26287000999901"),
        ClaimSpec(clp01, payer_claim_number="26287000999902", first="Omar", last="Fixture",
                  member_id="2AC3CD4EF56"),
    ])
    out = tmp_path / "claims"
    # A subprocess, so a regression that loops forever fails at the timeout instead of hanging.
    done = subprocess.run([sys.executable, "-m", "appealgen", "era", str(remit), "--out", str(out), *AS_OF],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stderr) == (0, "workspace: none (built-in templates and payer profiles)\n"
                                                 f"2 claim files written to {out}\n")
    files = sorted(out.glob("*.yaml"))
    claims = [claim for path in files for claim in load_claims(path)]
    ids = [loaded.claim.claim_id for loaded in claims]
    assert ids == [path.stem for path in files]
    assert len(set(ids)) == 2
    assert clp01 in ids
    assert all(len(claim_id) <= 64 for claim_id in ids)
    assert {loaded.claim.patient.member_id for loaded in claims} == {"7XK2QW3PR91", "2AC3CD4EF56"}


@pytest.mark.parametrize(
    ("svc", "units"),
    [
        ("SVC*HC:E0601:RR:KX*245.00*0**0**2~", "2"),  # SVC05 0 units paid, SVC07 2 units billed
        ("SVC*HC:E0601:RR:KX*245.00*0~", "1"),  # neither
    ],
    ids=["svc05-zero-svc07-two", "no-units"],
)
def test_units_of_a_denied_835_line(tmp_path: Path, svc: str, units: str) -> None:
    text = interchange([ClaimSpec()])
    generated = "SVC*HC:E0601:RR:KX*245.00*0**1~"
    assert generated in text
    remit = tmp_path / "remit.835"
    remit.write_text(text.replace(generated, svc))
    code, stdout, _ = run("era", str(remit), "--json", "--out", str(tmp_path / "claims"), *AS_OF)
    assert code == 0
    [row] = json.loads(stdout)["claims"]
    assert [line["units"] for line in row["lines"]] == [units]
    [loaded] = load_claims(tmp_path / "claims" / "ACCT-9001.yaml")
    assert [line.units for line in loaded.claim.service_lines] == [Decimal(units)]


def test_a_specific_payer_name_beats_the_generic_fallback(tmp_path: Path) -> None:
    path = write_835(tmp_path / "cs.835", [ClaimSpec("ACCT-9001", filing="MC")], payer="CARESOURCE HEALTH PLAN",
                     payer_id="NOMATCH")
    code, stdout, _ = run("era", str(path), "--json", *AS_OF)
    assert code == 0
    assert [row["profile"] for row in json.loads(stdout)["claims"]] == ["medicaid-caresource"]


def test_an_835_claim_id_that_is_a_windows_device_name_gets_a_safe_folder() -> None:
    from appealgen.sources.era_claims import safe_claim_id

    assert [safe_claim_id(v) for v in ("CON", "nul.x", "A..", "AB 12/3")] == [
        "CON-claim", "nul.x-claim", "A", "AB-12-3"]
