"""Claim files: YAML or JSON, one claim or a list; money as Decimal; every error collected."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from appealgen.errors import InputError, InputErrors
from appealgen.sources.claim_file import load_claim_file, load_claims
from tests.conftest import claim_dict


def test_yaml_money_is_decimal_never_float(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(claim_dict()).replace("'245.00'", "245.10"))
    claim = load_claims(path)[0].claim
    assert claim.service_lines[0].billed == Decimal("245.10")
    assert isinstance(claim.service_lines[0].billed, Decimal)


def test_json_list_of_claims(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    claims = [claim_dict(claim_id="J-1"), claim_dict(claim_id="J-2")]
    path.write_text(json.dumps(claims))
    loaded = load_claims(path)
    assert [item.claim.claim_id for item in loaded] == ["J-1", "J-2"]
    assert all(item.source == path for item in loaded)


def test_a_bad_claim_in_a_list_fails_alone_named_by_its_index(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    bad = claim_dict(claim_id="B-2")
    del bad["denial"]
    path.write_text(yaml.safe_dump([claim_dict(), bad, "not a claim"]))
    loaded = load_claim_file(path)
    assert [item.claim_id for item in loaded.items] == ["TEST-1"]
    assert [line for error in loaded.errors for line in error.lines()] == [
        f"{path}[1]: denial: Field required", f"{path}[2]: a claim must be a mapping"]


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{\n  "claim_id": "A",\n  oops\n}')
    with pytest.raises(InputError) as caught:
        load_claims(path)
    assert str(caught.value) == f"{path}: line 3: invalid JSON: Expecting property name enclosed in double quotes"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_claims(tmp_path / "none.yaml")
    assert str(caught.value) == f"{tmp_path / 'none.yaml'}: file not found"


def test_error_messages_never_echo_values(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    data = claim_dict(patient={"first_name": "Zelda", "last_name": "Secretname", "dob": "not-a-date",
                               "member_id": "Secret!!"})
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InputErrors) as caught:
        load_claims(path)
    text = str(caught.value)
    assert "patient.dob" in text and "patient.member_id" in text
    for secret in ("Zelda", "Secretname", "not-a-date", "Secret!!"):
        assert secret not in text


@pytest.mark.parametrize("npi", ["1538261953", "1042177331", "1760492888"])
def test_valid_npis_pass_the_luhn_check(npi: str, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(claim_dict(provider={"name": "P", "npi": npi})))
    assert load_claims(path)[0].claim.provider.npi == npi
