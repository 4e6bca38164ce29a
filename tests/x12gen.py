"""Synthetic X12 835 files (invented payers, patients and IDs) for tests, examples and bench."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class LineSpec:
    code: str = "E0601"
    modifiers: tuple[str, ...] = ("RR", "KX")
    billed: str = "245.00"
    paid: str = "0"
    dos: str = "20260902"
    cas: tuple[tuple[str, str, str], ...] = (("CO", "50", "245.00"),)
    remarks: tuple[str, ...] = ("N115",)
    allowed: str | None = None  # AMT*B6; by default 0 on a denied line, the charge less CO/OA/PI on a paid one

    def allowed_amount(self) -> str:
        """What a payer reports as allowed: nothing for a line it denied, never its charge."""
        if self.allowed is not None:
            return self.allowed
        if Decimal(self.paid) == 0:
            return "0"
        reductions = sum((Decimal(a) for g, _, a in self.cas if g in ("CO", "OA", "PI")), Decimal(0))
        return f"{Decimal(self.billed) - reductions:.2f}"


@dataclass
class ClaimSpec:
    claim_id: str = "ACCT-9001"
    status: str = "4"
    billed: str = "245.00"
    paid: str = "0"
    patient_resp: str = "0"
    payer_claim_number: str = "26287000999901"
    first: str = "Nora"
    last: str = "Synthetic"
    member_id: str = "7XK2QW3PR91"
    claim_cas: tuple[tuple[str, str, str], ...] = ()
    claim_remarks: tuple[str, ...] = ()
    lines: list[LineSpec] = field(default_factory=lambda: [LineSpec()])
    statement: tuple[str, str] | None = None  # DTM*232 and DTM*233: the claim's statement period
    frequency: str = "1"  # CLP09: 1 original, 7 replacement, 8 void
    filing: str = "MB"  # CLP06, the claim filing indicator: MB Medicare Part B, MC Medicaid, CI commercial


def claim_segments(c: ClaimSpec, sep: str = "*", comp: str = ":") -> list[str]:
    out = [f"CLP{sep}{c.claim_id}{sep}{c.status}{sep}{c.billed}{sep}{c.paid}{sep}{c.patient_resp}{sep}{c.filing}"
           f"{sep}{c.payer_claim_number}{sep}12{sep}{c.frequency}"]
    for group, code, amount in c.claim_cas:
        out.append(f"CAS{sep}{group}{sep}{code}{sep}{amount}")
    out.append(f"NM1{sep}QC{sep}1{sep}{c.last}{sep}{c.first}{sep}{sep}{sep}{sep}MI{sep}{c.member_id}")
    out.append(f"NM1{sep}82{sep}1{sep}PROVIDER{sep}EXAMPLE{sep}{sep}{sep}{sep}XX{sep}1538261953")
    if c.claim_remarks:
        out.append(sep.join(["MOA", "", "", *c.claim_remarks]))
    out.append(f"DTM{sep}050{sep}20261001")
    if c.statement:
        out += [f"DTM{sep}232{sep}{c.statement[0]}", f"DTM{sep}233{sep}{c.statement[1]}"]
    for line in c.lines:
        code = comp.join(["HC", line.code, *line.modifiers])
        out.append(f"SVC{sep}{code}{sep}{line.billed}{sep}{line.paid}{sep}{sep}1")
        out.append(f"DTM{sep}472{sep}{line.dos}")
        for group, reason, amount in line.cas:
            out.append(f"CAS{sep}{group}{sep}{reason}{sep}{amount}")
        out.append(f"REF{sep}6R{sep}{c.claim_id}-1")
        out.append(f"AMT{sep}B6{sep}{line.allowed_amount()}")
        out.extend(f"LQ{sep}HE{sep}{r}" for r in line.remarks)
    return out


def transaction(claims: list[ClaimSpec], control: str = "0001", payer: str = "EXAMPLE DME MAC",
                payer_id: str = "17003", sep: str = "*", comp: str = ":", plb: bool = True,
                paid_on: str = "20261014", trace: str = "EFT0001234", produced_on: str | None = None) -> list[str]:
    body = [
        f"BPR{sep}I{sep}0{sep}C{sep}NON{sep * 12}{paid_on}",
        f"TRN{sep}1{sep}{trace}{sep}1000000001",
        f"DTM{sep}405{sep}{paid_on if produced_on is None else produced_on}",
        f"N1{sep}PR{sep}{payer}",
        f"N3{sep}PO BOX 0101",
        f"N4{sep}EXAMPLEVILLE{sep}EX{sep}00000",
        f"REF{sep}2U{sep}{payer_id}",
        f"N1{sep}PE{sep}EXAMPLE HOME MEDICAL SUPPLY LLC{sep}XX{sep}1538261953",
        f"LX{sep}1",
    ]
    for claim in claims:
        body += claim_segments(claim, sep, comp)
    if plb:
        body.append(f"PLB{sep}1538261953{sep}20261231{sep}L6{comp}INTEREST{sep}-1.27")
    return [f"ST{sep}835{sep}{control}", *body, f"SE{sep}{len(body) + 2}{sep}{control}"]


def interchange(claims: list[ClaimSpec], sep: str = "*", comp: str = ":", term: str = "~",
                newline: str = "\n", transactions: int = 1, **kwargs: object) -> str:
    isa = (f"ISA{sep}00{sep}{' ' * 10}{sep}00{sep}{' ' * 10}{sep}ZZ{sep}{'EXAMPLEPAYER':15}{sep}ZZ{sep}"
           f"{'EXAMPLESUPPLY':15}{sep}261014{sep}1200{sep}^{sep}00501{sep}000000001{sep}0{sep}T{sep}{comp}")
    segments = [isa, f"GS{sep}HP{sep}EXAMPLEPAYER{sep}EXAMPLESUPPLY{sep}20261014{sep}1200{sep}1{sep}X{sep}005010X221A1"]
    for n in range(transactions):
        segments += transaction(claims, control=f"{n + 1:04d}", sep=sep, comp=comp, **kwargs)  # type: ignore[arg-type]
    segments += [f"GE{sep}{transactions}{sep}1", f"IEA{sep}1{sep}000000001"]
    return "".join(s + term + newline for s in segments)


def denial_mix() -> list[ClaimSpec]:
    """One claim per denial the issue names, plus a paid claim and a reversal."""
    return [
        ClaimSpec("ACCT-9001"),  # CO-50 / N115, line level
        ClaimSpec("ACCT-9002", first="Omar", last="Fixture", member_id="2AC3CD4EF56",
                  payer_claim_number="26287000999902",
                  lines=[LineSpec(code="72148", modifiers=(), billed="1180.00", cas=(("CO", "197", "1180.00"),),
                                  remarks=())], billed="1180.00"),
        ClaimSpec("ACCT-9003", status="1", first="Ida", last="Mockridge", member_id="3CD4EF5GH67",
                  payer_claim_number="26287000999903",
                  lines=[LineSpec(code="A7030", modifiers=(), billed="165.00", cas=(("PR", "96", "165.00"),),
                                  remarks=("N130", "M127", "N54"))], billed="165.00"),
        ClaimSpec("ACCT-9004", first="Lev", last="Placeholder", member_id="4EF5GH6JK78",
                  payer_claim_number="26287000999904", claim_cas=(("CO", "16", "310.00"),),
                  claim_remarks=("MA130",),
                  lines=[LineSpec(code="E0260", modifiers=("RR",), billed="310.00", cas=(), remarks=())],
                  billed="310.00"),
        ClaimSpec("ACCT-9005", first="Ann", last="Sampleby", member_id="5GH6JK7MN89",
                  payer_claim_number="26287000999905",
                  lines=[LineSpec(code="E0431", modifiers=("RR",), billed="95.00", cas=(("CO", "29", "95.00"),),
                                  remarks=("N211",))], billed="95.00"),
        ClaimSpec("ACCT-9006", first="Bo", last="Testley", member_id="6JK7MN8NP91",
                  payer_claim_number="26287000999906",
                  lines=[LineSpec(code="E0601", modifiers=("RR",), billed="245.00", cas=(("CO", "18", "245.00"),),
                                  remarks=("N522",))]),
        ClaimSpec("ACCT-9007", status="1", paid="180.00", first="Cy", last="Paidwell", member_id="7MN8NP9QR12",
                  payer_claim_number="26287000999907", billed="245.00",
                  lines=[LineSpec(billed="245.00", paid="180.00", cas=(("CO", "45", "65.00"),), remarks=())]),
        ClaimSpec("ACCT-9008", status="22", paid="-180.00", first="Di", last="Reversed", member_id="8NP9QR1TU23",
                  payer_claim_number="26287000999908", billed="-245.00",
                  lines=[LineSpec(billed="-245.00", paid="-180.00", cas=(("CO", "45", "-65.00"),), remarks=())]),
        ClaimSpec("ACCT-9009", status="1", paid="150.00", first="Eve", last="Partial", member_id="9QR1TU2UV34",
                  payer_claim_number="26287000999909", billed="395.00",
                  lines=[LineSpec(code="E0601", billed="245.00", paid="150.00", cas=(("CO", "45", "95.00"),),
                                  remarks=()),
                         LineSpec(code="A7034", modifiers=(), billed="150.00", paid="0",
                                  cas=(("CO", "50", "150.00"),), remarks=("N115", "N130"))]),
    ]
