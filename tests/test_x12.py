"""The X12 835 reader: real public sample files, delimiters from ISA, structural faults with
exact messages, and mutated files that may only ever raise the project's own errors.

The real files live in tests/data/x12/<folder>/ with their LICENSE and a NOTICE.md naming
the source repository, commit and licence. Synthetic files come from tests/x12gen.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appealgen.errors import AppealgenError, InputError
from appealgen.models import RemittanceAdjustment as Adjustment
from appealgen.remittances import read_eras
from appealgen.sources.era import EraClaim, ProviderAdjustment, read_era
from appealgen.sources.x12 import Delimiters, X12Error, read_x12
from appealgen.workspace import Workspace
from tests.conftest import CODES, PROFILES, REPO, TODAY
from tests.helpers import run
from tests.x12gen import ClaimSpec, LineSpec, denial_mix, interchange, transaction

DATA = Path(__file__).resolve().parent / "data" / "x12"
AS_OF = ["--as-of", "2026-11-22", "--workspace", str(REPO)]


def write(folder: Path, text: str | bytes, name: str = "remit.835") -> Path:
    path = folder / name
    path.write_bytes(text.encode("latin-1") if isinstance(text, str) else text)
    return path


# --- 1. Real public sample files ------------------------------------------------------------


@dataclass(frozen=True)
class Line835:
    code: str
    billed: str
    paid: str
    adjustments: tuple[str, ...] = ()  # line CAS as "GROUP-CARC AMOUNT"
    modifiers: tuple[str, ...] = ()
    remarks: tuple[str, ...] = ()  # LQ*HE


@dataclass(frozen=True)
class Claim835:
    clp01: str
    status: str
    billed: str
    paid: str
    patient_responsibility: str = "0"
    adjustments: tuple[str, ...] = ()  # claim-level CAS
    remarks: tuple[str, ...] = ()  # MIA/MOA
    lines: tuple[Line835, ...] = ()


@dataclass(frozen=True)
class File835:
    payer: str
    payer_id: str  # REF*2U, else N1*PR04
    payee: str
    payee_id: str  # N1*PE03 and N1*PE04
    payment: str
    method: str
    trace: str  # TRN02: the check or EFT number
    payment_date: date | None
    claims: tuple[Claim835, ...]
    warnings: tuple[str, ...] = ()  # each after "FILE: "
    faults: tuple[str, ...] = ()  # each after "FILE: ": what could not be read


def codes(items: list[Adjustment]) -> tuple[str, ...]:
    return tuple(f"{a.group}-{a.carc} {a.amount}" for a in items)


def summary(claim: EraClaim) -> Claim835:
    return Claim835(
        claim.claim_id, claim.status_code, str(claim.billed), str(claim.paid), str(claim.patient_responsibility),
        codes(claim.adjustments), tuple(claim.remarks),
        tuple(Line835(line.code, str(line.billed), str(line.paid), codes(line.adjustments),
                      tuple(line.modifiers), tuple(line.remarks)) for line in claim.lines),
    )


COMPOSITE_GT = "composite uses '>', not the declared ':'"
YOUR_TAX_DOLLARS = "YOUR TAX DOLLARS AT WORK"

CORPUS: dict[str, File835] = {
    "edi-835-parser/blue_cross_nc_sample.835": File835(
        "BLUE CROSS AND BLUE SHIELD OF NORTH CAROLINA", "", "XYZ HEALTHCARE CORPORATION", "XX 0987654321",
        "1922.86", "CHK", "02790758", date(2011, 1, 8),
        (Claim835("200200964A52", "1", "2100", "1922.86", "142.54", lines=(
            Line835("59430", "1210", "1057.86", ("CO-42 34.6", "PR-2 117.54")),
            Line835("59440", "890", "865", ("PR-3 25",)),
            # the file puts this line's amounts in SVC07/SVC08 (SVC*HC:59426******742*742**1)
            Line835("59426", "0", "0"),
        )),),
        ("no ISA envelope; read as a bare transaction set with default delimiters",
         "segment 32 (SE): SE01 says 33 segments; the transaction set has 32"),
    ),
    # eMedNY's published sample (New York Medicaid): three claims sharing one account number;
    # a timely-filing denial (CO-29) and a partly paid claim with two lines missing a document (CO-251, N206).
    "edi-835-parser/emedny_sample.835": File835(
        "NYSDOH", "", "MAJOR MEDICAL PROVIDER", "XX 9999999995", "45.75", "ACH", "10100000000", date(2010, 1, 1),
        (Claim835("PATIENT ACCOUNT NUMBER", "1", "34.25", "34.25", lines=(
            Line835("V2020", "6", "6", modifiers=("RB",)), Line835("V2700", "2.75", "2.75", modifiers=("RB",)),
            Line835("V2103", "5.5", "5.5", modifiers=("RB",)), Line835("S0580", "20", "20"),
        )),
         Claim835("PATIENT ACCOUNT NUMBER", "2", "34", "0", lines=(
             Line835("V2020", "12", "0", ("CO-29 12",)), Line835("V2103", "22", "0", ("CO-29 22",)),
         )),
         Claim835("PATIENT ACCOUNT NUMBER", "2", "34.25", "11.5", lines=(
             Line835("V2020", "6", "6", modifiers=("RB",)), Line835("V2103", "5.5", "5.5", modifiers=("RB",)),
             Line835("V2700", "2.75", "0", ("CO-251 2.75",), ("RB",), ("N206",)),
             Line835("S0580", "20", "0", ("CO-251 20",), (), ("N206",)),
         ))),
    ),
    "edi-835-parser/united_healthcare_legacy_sample.835": File835(
        "UNITED HEALTHCARE INSURANCE COMPANY", "87726", "KLAUS MEDICAL CENTER", "XX 1922164458",
        "349.99", "ACH", "1234567890", date(2021, 2, 4),
        (Claim835("001-18573-358", "1", "341.28", "88.92", "105.26", lines=(
            Line835("B4152", "156.42", "88.92", ("CO-45 67.5",)),
            Line835("B4152", "184.86", "0", ("PR-1 105.26", "CO-45 79.6")),
        )),
         Claim835("001-18604-358", "1", "816.24", "261.07", "115.13", lines=(
             Line835("B4154", "459.9", "204.18", ("CO-45 255.72",)),
             Line835("B4034", "27.84", "27.84"),
             Line835("B4154", "328.5", "29.05", ("PR-2 5.13", "PR-1 110", "CO-45 184.32")),
         ))),
    ),
    "linuxforhealth-x12/cob-contractural-adjustment.835": File835(
        # BPR carries its date in BPR15, one element early: no payment date is read
        YOUR_TAX_DOLLARS, "", "ATONEWITHHEALTH", "FI 3UR334563", "34.00", "CHK", "0063158ABC", None,
        (Claim835("0001000055", "2", "541.00", "34.00", lines=(
            Line835("55669", "541.00", "34.00", ("OA-23 516.00", "OA-94 -9.00")),
        )),),
        (f"segment 21 (SVC): {COMPOSITE_GT}",),
    ),
    # An early version of the project's demo file: its second claim has a malformed segment
    # (CAS_CO) and its SE count is one short. Only that claim is lost; the count only warns.
    "linuxforhealth-x12/demo.835": File835(
        "RUSHMORE LIFE", "", "ACME MEDICAL CENTER", "XX 5544667733", "945", "ACH", "7170066655", None,
        (Claim835("5554555444", "1", "800", "450", "300", ("CO-A2 50",), lines=(
            Line835("99211", "800", "500", ("PR-1 300",)),
        )),),
        ("segment 28 (SE): SE01 says 25 segments; the transaction set has 26",),
        ("segment 27 (CAS_CO): CAS_CO is not an 835 segment; the claim at segment 20 (CLP) skipped",),
    ),
    "linuxforhealth-x12/managed-care.835": File835(
        "RUSHMORE LIFE", "", "ACME MEDICAL CENTER", "XX 5544667733", "945.00", "ACH", "7170066655", None,
        (Claim835("5554555444", "1", "800.00", "450.00", "300.00", ("CO-A2 50.00",), lines=(
            Line835("99211", "800.00", "500.00", ("PR-1 300.00",)),
        )),
         Claim835("8765432112", "1", "1200.00", "495.00", "600.00", ("CO-A2 55.00",), lines=(
             Line835("93555", "1200.00", "550.00", ("PR-1 600.00", "CO-45 50.00")),
         ))),
        ("segment 4 (BPR): element 16 is not a valid date",),  # BPR16 is 20002316
    ),
    "linuxforhealth-x12/medicare-part-a.835": File835(
        "INSURANCE COMPANY OF TIMBUCKTU", "999", "REGIONAL HOPE HOSPITAL", "XX 6543210903",
        "150000.00", "ACH", "12345", date(2002, 9, 13),
        (Claim835("666123", "1", "211366.97", "138018.40", adjustments=("CO-45 73348.57",)),
         Claim835("777777", "1", "15000.00", "11980.33", adjustments=("CO-45 3019.67",), remarks=("MA02",))),
    ),
    "linuxforhealth-x12/secondary-payment.835": File835(
        YOUR_TAX_DOLLARS, "", "ACME MEDICAL CENTER", "FI 599944521", "1222.00", "CHK", "0012524965", None,
        (Claim835("L0004828311", "2", "10323.64", "912.00", adjustments=("OA-23 9411.64",)),
         Claim835("0001000053", "2", "751.50", "310.00", "220.00", lines=(
             Line835("12345", "166.50", "30.00", ("OA-23 136.50",), ("26",)),
             Line835("66543", "585.00", "280.00", ("PR-1 150.00", "PR-2 70.00", "CO-42 85.00"), ("26",)),
         ))),
        (f"segment 29 (SVC): {COMPOSITE_GT}", f"segment 34 (SVC): {COMPOSITE_GT}"),
    ),
    "linuxforhealth-x12/tertiary-payment.835": File835(
        YOUR_TAX_DOLLARS, "", "ACME MEDICAL CENTER", "FI 599944521", "187.50", "CHK", "0012524879", None,
        # SVC*HC*24599.00*1766.50*187.50**1: no procedure code, and every amount one element late
        (Claim835("0001000054", "3", "1766.50", "187.50", lines=(
            Line835("", "24599.00", "1766.50", ("OA-23 1579.00",)),
        )),),
        ("segment 20 (SVC): SVC01 has no procedure code",),
    ),
}


def test_every_corpus_file_is_copied_with_its_licence_and_notice() -> None:
    files = sorted(p.relative_to(DATA).as_posix() for p in DATA.glob("*/*.835"))
    assert files == sorted(CORPUS)
    for folder in ("edi-835-parser", "linuxforhealth-x12"):
        assert (DATA / folder / "LICENSE").is_file()
        assert "commit" in (DATA / folder / "NOTICE.md").read_text()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_real_file_is_read_exactly(name: str) -> None:
    path, expected = DATA / name, CORPUS[name]
    era = read_era(path)
    assert era.warnings == [f"{path}: {w}" for w in expected.warnings]
    assert [str(f) for f in era.faults] == [f"{path}: {f}" for f in expected.faults]
    [remittance] = era.remittances
    payer, payee, payment = remittance.payer, remittance.payee, remittance.payment
    assert payer.name == expected.payer
    assert payer.reference_ids.get("2U", payer.id) == expected.payer_id
    assert (payee.name, f"{payee.id_qualifier} {payee.id}") == (expected.payee, expected.payee_id)
    assert (str(payment.amount), payment.method, payment.trace_number, payment.date) == (
        expected.payment, expected.method, expected.trace, expected.payment_date)
    assert tuple(summary(c) for c in remittance.claims) == expected.claims


def test_medicare_part_a_provider_adjustment() -> None:
    [remittance] = read_era(DATA / "linuxforhealth-x12" / "medicare-part-a.835").remittances
    assert remittance.provider_adjustments == [ProviderAdjustment(
        provider="6543210903", fiscal_period=date(2002, 12, 31), reason="CV", reference="CP",
        amount=Decimal("-1.27"))]
    assert [c.patient.member_id for c in remittance.claims] == ["666666666A", "996669999B"]


def test_bare_transaction_set_is_read_with_default_delimiters_and_warnings() -> None:
    path = DATA / "edi-835-parser" / "blue_cross_nc_sample.835"
    interchange_ = read_x12(path)
    assert interchange_.delimiters == Delimiters("*", ":", "^", "~")
    assert [t.control for t in interchange_.transactions] == ["1234"]
    claim = read_era(path).remittances[0].claims[0]
    assert (claim.patient.first_name, claim.patient.last_name, claim.patient.member_id) == (
        "Mary", "Dough", "YPB123456789001")  # the file pads the member ID with a space


def test_united_healthcare_component_separator_comes_from_isa16() -> None:
    path = DATA / "edi-835-parser" / "united_healthcare_legacy_sample.835"
    assert read_x12(path).delimiters == Delimiters("*", ">", "^", "~")
    lines = read_era(path).remittances[0].claims[0].lines
    assert [(line.qualifier, line.code, line.units) for line in lines] == [
        ("HC", "B4152", Decimal(234)), ("HC", "B4152", Decimal(277))]


# What the rules make of every claim of every real file: (claim, status, denied, category,
# action, denied amount). Unmatched payers fall back to the commercial profile. A paid claim
# with a patient balance beside the contract's reduction is the patient's (codes.yaml precedence).
DECISIONS: dict[str, list[tuple[str, str, bool, str, str, str]]] = {
    # CO-42 (deactivated: an older code for 45) is the contract's reduction, not a denial; PR-2 and
    # PR-3 are the patient's coinsurance and copay: bill the patient.
    "edi-835-parser/blue_cross_nc_sample.835": [
        ("200200964A52", "1", False, "patient_responsibility", "bill_patient", "0")],
    "edi-835-parser/emedny_sample.835": [
        ("PATIENT ACCOUNT NUMBER", "1", False, "other", "none", "0"),  # paid in full
        ("PATIENT ACCOUNT NUMBER", "2", True, "timely_filing", "adjust", "34"),  # CO-29, no proof: write off
        ("PATIENT ACCOUNT NUMBER", "2", True, "missing_information", "reconsideration", "22.75"),  # CO-251 N206
    ],
    "edi-835-parser/united_healthcare_legacy_sample.835": [  # CO-45 contract, PR-1/PR-2 balances
        ("001-18573-358", "1", False, "patient_responsibility", "bill_patient", "0"),
        ("001-18604-358", "1", False, "patient_responsibility", "bill_patient", "0"),
    ],
    # OA-23 (the prior payer's payment) and OA-94 (paid over the charge) deny nothing.
    "linuxforhealth-x12/cob-contractural-adjustment.835": [
        ("0001000055", "2", False, "coordination_of_benefits", "none", "0")],
    "linuxforhealth-x12/demo.835": [("5554555444", "1", False, "patient_responsibility", "bill_patient", "0")],
    "linuxforhealth-x12/managed-care.835": [  # CO-A2 (deactivated: an older 45) on paid claims; PR-1 deductible
        ("5554555444", "1", False, "patient_responsibility", "bill_patient", "0"),
        ("8765432112", "1", False, "patient_responsibility", "bill_patient", "0"),
    ],
    "linuxforhealth-x12/medicare-part-a.835": [
        ("666123", "1", False, "contractual", "none", "0"), ("777777", "1", False, "contractual", "none", "0")],
    "linuxforhealth-x12/secondary-payment.835": [
        ("L0004828311", "2", False, "coordination_of_benefits", "none", "0"),
        ("0001000053", "2", False, "coordination_of_benefits", "bill_patient", "0"),  # PR-1, PR-2 as secondary
    ],
    "linuxforhealth-x12/tertiary-payment.835": [("0001000054", "3", False, "coordination_of_benefits", "none", "0")],
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_real_file_decisions(name: str) -> None:
    result = read_eras([DATA / name], PROFILES, CODES, TODAY)
    rows = sorted(result.claims, key=lambda row: row["segment"])
    assert [(r["claim_id"], r["status_code"], r["denied"], r["category"], r["action"], str(r["denied_amount"]))
            for r in rows] == DECISIONS[name]


def test_every_real_file_goes_through_the_era_command() -> None:
    """Every claim of every file is read, or named on a line of its own (exit 1)."""
    files = [str(DATA / name) for name in sorted(CORPUS)]
    code, stdout, stderr = run("era", *files, "--json", *AS_OF)
    assert "Traceback" not in stderr
    faults = [f"{DATA / name}: {f}" for name, spec in sorted(CORPUS.items()) for f in spec.faults]
    assert [line for line in stderr.splitlines() if "skipped" in line] == faults
    assert code == (1 if faults else 0)
    assert len(json.loads(stdout)["claims"]) == sum(len(f.claims) for f in CORPUS.values()) == 15


# --- 2. Delimiters from ISA ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sep", "comp", "term", "newline"),
    [
        ("*", ":", "~", "\n"),
        ("*", ":", "~", "\r\n"),
        ("*", ":", "~", ""),
        ("|", "}", "'", "\n"),
        ("|", "}", "'", "\r\n"),
        ("!", "\\", "\n", ""),  # newline itself as the segment terminator
        ("\x1d", "\x1f", "\x1c", ""),  # control characters, as some clearinghouses send
    ],
    ids=["default-lf", "default-crlf", "no-newline", "pipe-lf", "pipe-crlf", "newline-terminator", "control"],
)
def test_delimiters_are_taken_from_isa(tmp_path: Path, sep: str, comp: str, term: str, newline: str) -> None:
    text = interchange([ClaimSpec(), denial_mix()[8]], sep=sep, comp=comp, term=term, newline=newline)
    path = write(tmp_path, text)
    assert read_x12(path).delimiters == Delimiters(sep, comp, "^", term)
    era = read_era(path)
    assert era.warnings == []
    [remittance] = era.remittances
    assert remittance.payer.name == "EXAMPLE DME MAC"
    assert [(c.claim_id, c.status_code, str(c.billed), str(c.paid)) for c in remittance.claims] == [
        ("ACCT-9001", "4", "245.00", "0"), ("ACCT-9009", "1", "395.00", "150.00")]
    lines = remittance.claims[1].lines
    assert [(line.code, line.modifiers, line.remarks) for line in lines] == [
        ("E0601", ["RR", "KX"], []), ("A7034", [], ["N115", "N130"])]
    assert [(a.reason, a.reference, a.amount) for a in remittance.provider_adjustments] == [
        ("L6", "INTEREST", Decimal("-1.27"))]


def test_several_interchanges_in_one_file(tmp_path: Path) -> None:
    first = interchange([ClaimSpec()], newline="\r\n")
    second = interchange([denial_mix()[1]], payer="ANOTHER DME MAC", newline="")
    era = read_era(write(tmp_path, first + second))
    assert [(r.payer.name, [c.claim_id for c in r.claims]) for r in era.remittances] == [
        ("EXAMPLE DME MAC", ["ACCT-9001"]), ("ANOTHER DME MAC", ["ACCT-9002"])]
    assert era.warnings == []


def test_several_transaction_sets_in_one_group(tmp_path: Path) -> None:
    interchange_ = read_x12(write(tmp_path, interchange(denial_mix()[:2], transactions=2)))
    assert [t.control for t in interchange_.transactions] == ["0001", "0002"]
    era = read_era(tmp_path / "remit.835")
    assert [[c.claim_id for c in r.claims] for r in era.remittances] == [["ACCT-9001", "ACCT-9002"]] * 2


def test_several_functional_groups_in_one_interchange(tmp_path: Path) -> None:
    segments = interchange([ClaimSpec()], newline="").split("~")[:-1]
    group = segments[1:-1]  # GS ... GE
    text = "~".join([segments[0], *group, *group, "IEA*2*000000001"]) + "~"
    era = read_era(write(tmp_path, text))
    assert len(era.remittances) == 2


def test_utf8_byte_order_mark_is_skipped(tmp_path: Path) -> None:
    era = read_era(write(tmp_path, b"\xef\xbb\xbf" + interchange([ClaimSpec()]).encode()))
    assert [c.claim_id for c in era.remittances[0].claims] == ["ACCT-9001"]


# --- 3. Structural faults: a fault costs only its claim, segment or set ---------------------

Edit = Callable[[list[str]], list[str]]
MIX = denial_mix()


def two_sets() -> str:
    """Two transaction sets: 0001 holds ACCT-9001 (CO-50) and ACCT-9002 (CO-197), 0002 holds
    ACCT-9005 (CO-29). Segments, numbered as the messages below name them: 1 ISA, 2 GS, 3 ST,
    4 BPR, 5 TRN, 6 DTM, 7 N1*PR, 8 N3, 9 N4, 10 REF*2U, 11 N1*PE, 12 LX, 13 CLP ACCT-9001,
    14 NM1*QC, 15 NM1*82, 16 DTM, 17 SVC, 18 DTM, 19 CAS, 20 REF*6R, 21 AMT, 22 LQ,
    23 CLP ACCT-9002 ... 32 PLB, 33 SE, 34 ST 0002 ... 44 CLP ACCT-9005 ... 54 SE, 55 GE, 56 IEA."""
    isa = interchange([ClaimSpec()]).split("~\n")[0]
    segments = [isa, "GS*HP*EXAMPLEPAYER*EXAMPLESUPPLY*20261014*1200*1*X*005010X221A1"]
    segments += transaction([MIX[0], MIX[1]], control="0001")
    segments += transaction([MIX[4]], control="0002", plb=False)
    segments += ["GE*2*1", "IEA*1*000000001"]
    return "".join(s + "~\n" for s in segments)


BASE = two_sets()
ALL = ["ACCT-9001", "ACCT-9002", "ACCT-9005"]
FIRST_SET_LOST = ["ACCT-9005"]
FIRST_CLAIM_LOST = ["ACCT-9002", "ACCT-9005"]


def segments_of(text: str) -> list[str]:
    return text.split("~\n")[:-1]


def join(segments: list[str], recount: bool = True) -> str:
    """The file again; with `recount`, every SE01 says its transaction set's true size, so an
    edit inside a transaction set shows the fault it was made for, not a count mismatch."""
    out = list(segments)
    if recount:
        start = 0
        for i, segment in enumerate(out):
            if segment.startswith("ST*"):
                start = i
            elif segment.startswith("SE*"):
                out[i] = f"SE*{i - start + 1}*{segment.split('*')[2]}"
    return "".join(s + "~\n" for s in out)


def find(segments: list[str], prefix: str) -> int:
    return next(i for i, s in enumerate(segments) if s.startswith(prefix))


def insert(prefix: str, new: str, after: bool = False) -> Callable[[str], str]:
    def edit(text: str) -> str:
        segments = segments_of(text)
        at = find(segments, prefix) + (1 if after else 0)
        return join([*segments[:at], new, *segments[at:]])
    return edit


def replace(prefix: str, new: str, recount: bool = True) -> Callable[[str], str]:
    def edit(text: str) -> str:
        segments = segments_of(text)
        segments[find(segments, prefix)] = new
        return join(segments, recount)
    return edit


def drop(prefix: str, recount: bool = True) -> Callable[[str], str]:
    def edit(text: str) -> str:
        segments = segments_of(text)
        del segments[find(segments, prefix)]
        return join(segments, recount)
    return edit


def cut_inside(marker: str, keep: int) -> Callable[[str], str]:
    return lambda text: text[: text.index(marker) + keep]


def constant(value: str | bytes) -> Callable[[str], str | bytes]:
    return lambda _text: value


EMPTY_SET = "".join(s + "~\n" for s in [
    BASE.split("~")[0], "GS*HP*EXAMPLEPAYER*EXAMPLESUPPLY*20261014*1200*1*X*005010X221A1",
    "ST*835*0001", "SE*2*0001", "GE*1*1", "IEA*1*000000001"])
OUT_OF_ORDER = "segments out of order"
CLAIM_13 = "the claim at segment 13 (CLP) skipped"

# Files that cannot be read at all: one X12Error, nothing else.
FATAL: list[tuple[str, Callable[[str], str | bytes], str]] = [
    ("truncated-in-isa", lambda text: text[:60], "segment 1 (ISA): ISA segment is incomplete: truncated, or not X12"),
    ("isa-alone", constant("ISA"), "segment 1 (ISA): ISA segment is incomplete: truncated, or not X12"),
    ("no-terminator-after-isa16", lambda text: text.replace(":~\n", ":A", 1),
     "segment 1 (ISA): no segment terminator after ISA16"),
    ("component-equals-element", lambda text: text.replace(":~\n", "*~\n", 1),
     "segment 1 (ISA): ISA16 (component separator) is not a usable separator"),
    ("empty-file", constant(""), "file is empty"),
    ("whitespace-only", constant("\r\n \n\t"), "file is empty"),
    ("not-x12", constant("patient,claim\nNora,ACCT-9001\n"),
     "segment 1: not an X12 file: it must start with ISA (or a bare ST)"),
    ("pdf", constant(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
     "segment 1: not an X12 file: it must start with ISA (or a bare ST)"),
]


@dataclass(frozen=True)
class Fault:
    name: str
    edit: Callable[[str], str | bytes]
    errors: tuple[str, ...]  # each line after "FILE: "; the command exits 1 when there is one
    claims: tuple[str, ...]  # the claims still read
    warnings: tuple[str, ...] = ()


FAULTS = [
    # Envelope faults that lose nothing are warnings: every claim is still read (a wrong SE
    # count used to cost every claim in the file).
    Fault("se-count", replace("SE*", "SE*21*0001", recount=False), (), tuple(ALL),
          ("segment 33 (SE): SE01 says 21 segments; the transaction set has 31",)),
    Fault("missing-ge", drop("GE*"), (), tuple(ALL),
          ("segment 2 (GS): missing GE: the functional group is not closed",)),
    Fault("missing-iea", drop("IEA*"), (), tuple(ALL),
          ("segment 55 (GE): missing IEA: the interchange is not closed (truncated?)",)),
    Fault("iea-count", replace("IEA*", "IEA*2*000000001"), (), tuple(ALL),
          ("segment 56 (IEA): IEA01 says 2 groups; the interchange has 1",)),
    Fault("ge-count", replace("GE*", "GE*3*1"), (), tuple(ALL),
          ("segment 55 (GE): GE01 says 3 transaction sets; the group has 2",)),
    Fault("segment-after-iea", lambda text: text + "GS*HP*A*B*20261014*1200*2*X*005010X221A1~\n", (), tuple(ALL),
          ("segment 57 (GS): expected ISA (a new interchange) after IEA",
           "segment 57 (GS): missing GE: the functional group is not closed")),
    # A transaction set that is not closed, or whose header is broken, is skipped; the other is read.
    Fault("missing-se", drop("SE*", recount=False),
          ("segment 3 (ST): missing SE: the transaction set is not closed (truncated?); transaction set 0001 skipped",),
          tuple(FIRST_SET_LOST)),
    Fault("bpr-repeated", insert("TRN*", "BPR*I*10.00*C*CHK", after=True),
          ("segment 6 (BPR): BPR repeated: one transaction set has one payment; transaction set 0001 skipped",),
          tuple(FIRST_SET_LOST)),
    Fault("first-not-bpr", drop("BPR*"),
          ("segment 4 (TRN): an 835 transaction must start with BPR; transaction set 0001 skipped",),
          tuple(FIRST_SET_LOST)),
    # A fault inside a claim costs that claim; the others are read.
    Fault("lq-before-svc", insert("CLP*", "LQ*HE*N115", after=True),
          (f"segment 14 (LQ): LQ outside a service line: {OUT_OF_ORDER}; {CLAIM_13}",), tuple(FIRST_CLAIM_LOST)),
    Fault("n1-inside-claim", insert("CLP*", "N1*PR*ANOTHER PAYER", after=True),
          (f"segment 14 (N1): N1 inside a claim: {OUT_OF_ORDER}; {CLAIM_13}",), tuple(FIRST_CLAIM_LOST)),
    Fault("non-835-segment", insert("CLP*", "HL*1**20*1", after=True),
          (f"segment 14 (HL): HL is not an 835 segment; {CLAIM_13}",), tuple(FIRST_CLAIM_LOST)),
    Fault("unprintable-segment-id", insert("CLP*", "C\x07P*X", after=True),
          (f"segment 14 (C\\x07P): C\\x07P is not an 835 segment; {CLAIM_13}",), tuple(FIRST_CLAIM_LOST)),
    Fault("clp-without-status", replace("CLP*", "CLP*ACCT-9001**245.00*0"),
          ("segment 13 (CLP): CLP01 (claim id) and CLP02 (status) are required; its claim skipped",),
          tuple(FIRST_CLAIM_LOST)),
    Fault("amount-not-a-number", replace("CLP*", "CLP*ACCT-9001*4*245,00*0"),
          ("segment 13 (CLP): element 3 is not a number; its claim skipped",), tuple(FIRST_CLAIM_LOST)),
    Fault("amount-nan", replace("CLP*", "CLP*ACCT-9001*4*NaN*0"),
          ("segment 13 (CLP): element 3 is not a number; its claim skipped",), tuple(FIRST_CLAIM_LOST)),
    Fault("amount-missing", replace("CLP*", "CLP*ACCT-9001*4**0"),
          ("segment 13 (CLP): element 3 (amount) is missing; its claim skipped",), tuple(FIRST_CLAIM_LOST)),
    Fault("svc-without-code", replace("SVC*", "SVC**245.00*0"),
          (f"segment 17 (SVC): SVC01 (procedure code) is missing; {CLAIM_13}",), tuple(FIRST_CLAIM_LOST)),
    Fault("units-not-a-number", replace("SVC*", "SVC*HC:E0601*245.00*0**one"),
          (f"segment 17 (SVC): element 5 is not a number; {CLAIM_13}",), tuple(FIRST_CLAIM_LOST)),
    Fault("cas-without-group", replace("CAS*", "CAS**50*245.00"),
          (f"segment 19 (CAS): CAS01 (group code) is missing; {CLAIM_13}",), tuple(FIRST_CLAIM_LOST)),
    Fault("cas-quantity-infinite", replace("CAS*", "CAS*CO*50*245.00*Infinity"),
          (f"segment 19 (CAS): element 4 is not a number; {CLAIM_13}",), tuple(FIRST_CLAIM_LOST)),
    Fault("clp-after-plb", insert("PLB*", "CLP*ACCT-9003*4*10.00*0", after=True),
          (f"segment 33 (CLP): CLP after PLB: {OUT_OF_ORDER}; its claim skipped",), tuple(ALL)),
    # A stray segment between claims or sets costs only itself.
    Fault("svc-before-clp", insert("CLP*", "SVC*HC:E0601*245.00*0"),
          (f"segment 13 (SVC): SVC outside a claim (no CLP before it): {OUT_OF_ORDER}; segment skipped",), tuple(ALL)),
    Fault("cas-before-clp", insert("CLP*", "CAS*CO*50*245.00"),
          (f"segment 13 (CAS): CAS outside a claim (no CLP before it): {OUT_OF_ORDER}; segment skipped",), tuple(ALL)),
    Fault("n1-after-lx", insert("LX*", "N1*PR*ANOTHER PAYER", after=True),
          (f"segment 13 (N1): N1 after the claims began (LX/CLP): {OUT_OF_ORDER}; segment skipped",), tuple(ALL)),
    Fault("n1-after-plb", insert("PLB*", "N1*PR*ANOTHER PAYER", after=True),
          (f"segment 33 (N1): N1 after PLB: {OUT_OF_ORDER}; segment skipped",), tuple(ALL)),
    Fault("segment-between-se-and-ge", insert("GE*", "REF*EV*1"),
          ("segment 55 (REF): segment outside a transaction set (expected ST); segment skipped",), tuple(ALL)),
    # A file cut short: the cut segment is not read, nor the set it leaves unclosed.
    Fault("truncated-before-iea-ends", lambda text: text.rstrip()[:-1],
          ("segment 56 (IEA): file ends without a segment terminator; it looks truncated; this segment was not read",),
          tuple(ALL), ("segment 55 (GE): missing IEA: the interchange is not closed (truncated?)",)),
    Fault("truncated-mid-claim", cut_inside("CLP*ACCT-9005", 11),
          ("segment 34 (ST): missing SE: the transaction set is not closed (truncated?); transaction set 0002 skipped",
           "segment 44 (CLP): file ends without a segment terminator; it looks truncated; this segment was not read"),
          ("ACCT-9001", "ACCT-9002"),
          ("segment 2 (GS): missing GE: the functional group is not closed",
           "segment 43 (LX): missing IEA: the interchange is not closed (truncated?)")),
    Fault("empty-transaction-set", constant(EMPTY_SET),
          ("segment 3 (ST): empty transaction set; transaction set 0001 skipped",), ()),
]


@pytest.mark.parametrize(("name", "edit", "message"), FATAL, ids=[f[0] for f in FATAL])
def test_a_file_that_cannot_be_read_is_one_exact_x12_error(
    tmp_path: Path, name: str, edit: Callable[[str], str | bytes], message: str
) -> None:
    path = write(tmp_path, edit(BASE))
    with pytest.raises(X12Error) as caught:
        read_era(path)
    assert isinstance(caught.value, InputError)
    assert str(caught.value) == f"{path}: {message}"
    assert run("era", str(path), *AS_OF) == (1, "", f"{path}: {message}\n")


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_a_fault_costs_only_its_claim_segment_or_set(tmp_path: Path, fault: Fault) -> None:
    path = write(tmp_path, fault.edit(BASE))
    era = read_era(path)
    assert [str(f) for f in era.faults] == [f"{path}: {e}" for e in fault.errors]
    assert era.warnings == [f"{path}: {w}" for w in fault.warnings]
    assert tuple(c.claim_id for r in era.remittances for c in r.claims) == fault.claims


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_era_command_reports_each_fault_on_one_line_and_lists_the_rest(tmp_path: Path, fault: Fault) -> None:
    path = write(tmp_path, fault.edit(BASE))
    code, stdout, stderr = run("era", str(path), "--json", *AS_OF)
    assert code == (1 if fault.errors else 0)
    assert stderr.splitlines()[: len(fault.errors)] == [f"{path}: {e}" for e in fault.errors]
    assert sorted(r["claim_id"] for r in json.loads(stdout)["claims"]) == sorted(fault.claims)


def test_era_command_on_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.835"
    assert run("era", str(path), *AS_OF) == (1, "", f"{path}: file not found\n")


def test_bare_transaction_set_with_a_wrong_count_is_only_a_warning(tmp_path: Path) -> None:
    body = transaction([ClaimSpec()])
    body[-1] = "SE*99*0001"
    path = write(tmp_path, "".join(s + "~" for s in body))
    era = read_era(path)
    assert era.warnings == [
        f"{path}: no ISA envelope; read as a bare transaction set with default delimiters",
        f"{path}: segment 22 (SE): SE01 says 99 segments; the transaction set has 22",
    ]
    assert [c.claim_id for c in era.remittances[0].claims] == ["ACCT-9001"]


# --- 4. Mutated files raise only the project's own errors ------------------------------------

WORKSPACE = Workspace.open(REPO)
SEEDS: list[tuple[str, str]] = [  # (file text, segment terminator)
    *((path.read_bytes().decode("latin-1"), "~") for path in sorted(DATA.glob("*/*.835"))),
    (interchange(denial_mix()[:4]), "~"),
    (interchange([denial_mix()[3], denial_mix()[7], denial_mix()[8]], sep="|", comp="}", term="'"), "'"),
    ("".join(s + "~" for s in transaction([ClaimSpec(lines=[LineSpec(), LineSpec(code="A7034")])])), "~"),
]
JUNK = "*~:>^|'}\n\r \x00\x1cé-.0123456789ACELNPQSTX"


def read_only_own_errors(path: Path) -> None:
    """Reading may fail, but only with an AppealgenError on one line naming the file."""
    try:
        read_era(path)
        read_eras([path], PROFILES, CODES, TODAY)
    except AppealgenError as error:
        text = str(error)
        assert text.startswith(f"{path}: ")
        assert len(text.splitlines()) == 1


@st.composite
def segment_edits(draw: st.DrawFn) -> str:
    text, term = draw(st.sampled_from(SEEDS))
    pieces = text.split(term)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(pieces) - 1))
        j = draw(st.integers(0, len(pieces) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "move"]))
        if op == "delete" and len(pieces) > 1:
            del pieces[i]
        elif op == "duplicate":
            pieces.insert(j, pieces[i])
        elif op == "swap":
            pieces[i], pieces[j] = pieces[j], pieces[i]
        elif op == "move":
            pieces.insert(j, pieces.pop(i))
    return term.join(pieces)


@st.composite
def character_flips(draw: st.DrawFn) -> str:
    text = list(draw(st.sampled_from(SEEDS))[0])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text) - 1))
        text[at] = draw(st.sampled_from(JUNK))
    return "".join(text)


VALUES = st.one_of(
    st.text(alphabet=JUNK + "abxyz", max_size=12),
    st.from_regex(r"-?[0-9]{0,8}(\.[0-9]{0,3})?", fullmatch=True),
    st.sampled_from(["", "0", "-0", "1E+99", "20260231", "99999999", "HC:", "::", "XX", "22", "4", "PR", "96"]),
)


@st.composite
def element_edits(draw: st.DrawFn) -> str:
    """Replace or append element values: the envelope stays valid, so the 835 semantics and
    the rules run on odd amounts, dates, codes and composites."""
    text, term = draw(st.sampled_from(SEEDS))
    pieces = text.split(term)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(pieces) - 1))
        sep = "|" if pieces[0].lstrip().startswith("ISA|") else "*"
        elements = pieces[i].split(sep)
        at = draw(st.integers(1, len(elements)))
        value = draw(VALUES)
        elements[at:at + 1] = [value]
        pieces[i] = sep.join(elements)
    return term.join(pieces)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mutants")


@settings(max_examples=60, deadline=None)
@given(text=segment_edits())
def test_deleted_duplicated_or_swapped_segments(scratch: Path, text: str) -> None:
    read_only_own_errors(write(scratch, text))


@settings(max_examples=50, deadline=None)
@given(text=character_flips())
def test_flipped_characters(scratch: Path, text: str) -> None:
    read_only_own_errors(write(scratch, text))


@settings(max_examples=50, deadline=None)
@given(text=element_edits())
def test_odd_element_values(scratch: Path, text: str) -> None:
    read_only_own_errors(write(scratch, text))


@settings(max_examples=40, deadline=None)
@given(data=st.one_of(
    st.binary(max_size=400),
    st.binary(max_size=300).map(lambda b: b"ISA*" + b),
    st.binary(max_size=300).map(lambda b: BASE.encode()[:120] + b),
    st.binary(max_size=300).map(lambda b: b"ST*835*0001~BPR*I*0*C*NON~" + b),
))
def test_random_bytes(scratch: Path, data: bytes) -> None:
    read_only_own_errors(write(scratch, data))


def test_truncation_at_every_position(tmp_path: Path) -> None:
    """Any prefix of a valid file short of its last terminator is refused outright, read with a
    fault naming what was cut, or (cut after its last SE) read whole with a warning; never an
    exception of another kind, never silence."""
    text = interchange([ClaimSpec(lines=[LineSpec(remarks=())])], newline="")
    assert read_era(write(tmp_path, text)).remittances  # the whole file is valid
    for end in range(len(text)):
        path = write(tmp_path, text[:end])
        try:
            era = read_era(path)
        except X12Error as error:
            assert str(error).startswith(f"{path}: ")
            continue
        # cut after the last SE: every claim is read, and a warning says the envelope is open
        lost_nothing = [c.claim_id for r in era.remittances for c in r.claims] == ["ACCT-9001"]
        assert era.faults or (lost_nothing and "is not closed" in era.warnings[-1]), end
        assert all(str(f).startswith(f"{path}: segment ") for f in era.faults)
