"""X12 835 remittance -> payments, claims, lines, adjustments and remarks.

Loops follow 005010X221A1: header (BPR, TRN, N1*PR payer, N1*PE payee), then per claim
(2100: CLP, CAS, NM1, MIA/MOA, DTM, AMT) and per service line (2110: SVC, DTM, CAS, REF*6R,
AMT*B6, LQ*HE), and PLB provider adjustments at the end.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

from appealgen.models import RemittanceAdjustment as Adjustment
from appealgen.sources.era_models import (
    CLAIM,
    HEADER,
    HEADER_ONLY,
    LINE,
    STATUS,
    EraClaim,
    EraFile,
    Line,
    Party,
    Payment,
    Person,
    ProviderAdjustment,
    Remittance,
)
from appealgen.sources.x12 import Interchange, Segment, Transaction, X12Error, read_x12, shown

__all__ = ["STATUS", "EraClaim", "EraFile", "Line", "Party", "Payment", "Person", "ProviderAdjustment",
           "Remittance", "parse_interchange", "read_era"]


class _Reader:
    """Walks one transaction's segments; `where` tells which loop the next segment belongs to."""

    def __init__(self, source: Path, transaction: Transaction, component: str, repetition: str | None) -> None:
        self.source = source
        self.transaction = transaction
        self.component = component
        self.repetition = repetition
        self.out = Remittance(control_number=transaction.control)
        self.party: Party | None = None
        self.claim: EraClaim | None = None
        self.line: Line | None = None
        self.after_claims = False
        self.in_detail = False  # an LX or CLP was read: the header loops are over
        self.skipping = False  # a fault dropped the claim: its other segments are passed over
        self.warnings: list[str] = []
        self.faults: list[X12Error] = []

    def error(self, segment: Segment, message: str) -> X12Error:
        return X12Error(self.source, segment.where(), message)

    def money(self, segment: Segment, index: int, required: bool = False) -> Decimal:
        if not segment.get(index):
            if required:
                raise self.error(segment, f"element {index} (amount) is missing")
            return Decimal(0)
        return self.number(segment, index)

    def number(self, segment: Segment, index: int) -> Decimal:
        try:
            value = Decimal(segment.get(index))
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():  # also refuses NaN and Infinity, which Decimal() accepts
            raise self.error(segment, f"element {index} is not a number")
        return value

    def date(self, segment: Segment, index: int) -> dt.date | None:
        text = segment.get(index)
        if not text:
            return None
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        except ValueError:  # seen in real files: a bad date is reported, not fatal
            self.warnings.append(f"{self.source}: {segment.where()}: element {index} is not a valid date")
            return None

    def adjustments(self, segment: Segment) -> list[Adjustment]:
        group, found = segment.get(1), []
        if not group:
            raise self.error(segment, "CAS01 (group code) is missing")
        for start in range(2, 20, 3):
            code = segment.get(start)
            if code:
                quantity = self.number(segment, start + 2) if segment.get(start + 2) else None
                found.append(Adjustment(group=group, carc=code, amount=self.money(segment, start + 1, True),
                                        quantity=quantity))
        if not found:
            raise self.error(segment, "CAS has no reason code")
        return found

    def read(self, segments: list[Segment]) -> Remittance:
        if not segments or segments[0].id != "BPR":
            first = segments[0] if segments else None
            if first is None:
                raise X12Error(self.source, f"segment {self.transaction.start} (ST)", "empty transaction set")
            raise self.error(first, "an 835 transaction must start with BPR")
        handlers: dict[str, Callable[[Segment], None]] = {
            "BPR": self.bpr, "TRN": self.trn, "N1": self.n1, "N3": self.n3, "N4": self.n4, "REF": self.ref,
            "DTM": self.dtm, "LX": self.lx, "CLP": self.clp, "CAS": self.cas, "NM1": self.nm1,
            "MIA": self.mia, "MOA": self.moa, "SVC": self.svc, "AMT": self.amt, "LQ": self.lq,
            "PLB": self.plb,
        }
        for segment in segments:
            if self.skipping and segment.id not in ("CLP", "LX", "PLB"):
                continue
            self.skipping = False
            try:
                self.handle(segment, handlers, segment is segments[0])
            except X12Error as fault:
                self.recover(segment, fault)
        if self.out.payment.date is None and self.out.production_date is None:
            # Deadlines count from the remittance's date: another date (today's) would move them all.
            raise X12Error(self.source, f"segment {self.transaction.start} (ST)", "no remittance date: BPR16 and "
                           "DTM*405 are both missing or not valid dates, and every deadline counts from them")
        return self.out

    def handle(self, segment: Segment, handlers: dict[str, Callable[[Segment], None]], first: bool) -> None:
        handler = handlers.get(segment.id)
        if handler is None and segment.id not in HEADER | CLAIM | LINE | {"TS3", "TS2"}:
            raise self.error(segment, f"{shown(segment.id)} is not an 835 segment")
        self.check_order(segment, first)
        if handler is not None:
            handler(segment)

    def recover(self, segment: Segment, fault: X12Error) -> None:
        """A fault in the header costs the transaction set (raised on); in a claim, that claim
        (its other segments are passed over); between claims, that segment."""
        if not self.in_detail:
            raise fault
        if segment.id == "CLP":
            self.claim, self.line, self.skipping = None, None, True
            self.faults.append(X12Error(fault.source, fault.field, f"{fault.message}; its claim skipped"))
        elif self.claim is not None:
            self.out.claims.remove(self.claim)
            cost = f"the claim at segment {self.claim.segment} (CLP) skipped"
            self.claim, self.line, self.skipping = None, None, True
            self.faults.append(X12Error(fault.source, fault.field, f"{fault.message}; {cost}"))
        else:
            self.faults.append(X12Error(fault.source, fault.field, f"{fault.message}; segment skipped"))

    def check_order(self, segment: Segment, first: bool) -> None:
        """PLB ends the claims; BPR, TRN and the payer/payee loops come before them."""
        if self.after_claims and segment.id != "PLB":
            raise self.error(segment, f"{shown(segment.id)} after PLB: segments out of order")
        if segment.id == "BPR" and not first:
            raise self.error(segment, "BPR repeated: one transaction set has one payment")
        if segment.id in HEADER_ONLY and self.claim is not None:
            raise self.error(segment, f"{segment.id} inside a claim: segments out of order")
        if segment.id in HEADER_ONLY and self.in_detail:
            raise self.error(segment, f"{segment.id} after the claims began (LX/CLP): segments out of order")

    def bpr(self, s: Segment) -> None:
        self.out.payment = Payment(handling=s.get(1), amount=self.money(s, 2, True), method=s.get(4),
                                   date=self.date(s, 16))

    def trn(self, s: Segment) -> None:
        self.out.payment.trace_number, self.out.payment.originator = s.get(2), s.get(3)

    def n1(self, s: Segment) -> None:
        party = Party(name=s.get(2), id_qualifier=s.get(3), id=s.get(4))
        if s.get(1) == "PR":
            self.out.payer = party
        elif s.get(1) == "PE":
            self.out.payee = party
        self.party = party

    def n3(self, s: Segment) -> None:
        if self.party is not None:
            self.party.address += [v for v in (s.get(1), s.get(2)) if v]

    def n4(self, s: Segment) -> None:
        if self.party is not None:
            self.party.address.append(" ".join(v for v in (f"{s.get(1)},", s.get(2), s.get(3)) if v.strip(",")))

    def ref(self, s: Segment) -> None:
        if self.line is not None:
            if s.get(1) == "6R":
                self.line.control_number = s.get(2)
        elif self.claim is None and self.party is not None:
            self.party.reference_ids[s.get(1)] = s.get(2)

    def dtm(self, s: Segment) -> None:
        qualifier, value = s.get(1), self.date(s, 2)
        if self.line is not None:
            if qualifier == "472":
                self.line.dos = value
            elif qualifier == "150":
                self.line.dos_from = value
                self.line.dos = self.line.dos or value
            elif qualifier == "151":
                self.line.dos_to = value
        elif self.claim is not None:
            if qualifier == "050":
                self.claim.received = value
            elif qualifier == "232":
                self.claim.statement_from = value
            elif qualifier == "233":
                self.claim.statement_to = value
        elif qualifier == "405":
            self.out.production_date = value

    def lx(self, s: Segment) -> None:
        self.party, self.claim, self.line, self.in_detail = None, None, None, True

    def clp(self, s: Segment) -> None:
        self.claim, self.line = None, None  # the previous claim is complete
        if not s.get(1) or not s.get(2):
            raise self.error(s, "CLP01 (claim id) and CLP02 (status) are required")
        self.party, self.line, self.in_detail = None, None, True
        self.claim = EraClaim(
            claim_id=s.get(1), status_code=s.get(2), billed=self.money(s, 3, True), paid=self.money(s, 4, True),
            patient_responsibility=self.money(s, 5), filing_indicator=s.get(6), payer_claim_number=s.get(7),
            facility_type=s.get(8), frequency=s.get(9), segment=s.number,
        )
        self.out.claims.append(self.claim)

    def _need_claim(self, s: Segment) -> EraClaim:
        if self.claim is None:
            raise self.error(s, f"{s.id} outside a claim (no CLP before it): segments out of order")
        return self.claim

    def cas(self, s: Segment) -> None:
        target = self.line if self.line is not None else self._need_claim(s)
        target.adjustments += self.adjustments(s)

    def nm1(self, s: Segment) -> None:
        claim = self._need_claim(s)
        person = Person(last_name=s.get(3), first_name=s.get(4), middle=s.get(5), id_qualifier=s.get(8),
                        member_id=s.get(9))
        role = s.get(1)
        if role == "QC":
            claim.patient = person
        elif role == "74":
            claim.corrected_patient = person
        elif role == "IL":
            claim.insured = person
        elif role == "82":
            claim.rendering_name = " ".join(v for v in (s.get(4), s.get(3)) if v)
            claim.rendering_npi = s.get(9) if s.get(8) == "XX" else ""

    def mia(self, s: Segment) -> None:
        self._need_claim(s).remarks += [v for v in (s.get(5), *(s.get(i) for i in range(20, 25))) if v]

    def moa(self, s: Segment) -> None:
        self._need_claim(s).remarks += [v for v in (s.get(i) for i in range(3, 8)) if v]

    def composite(self, s: Segment, index: int) -> list[str]:
        """Split a composite; tolerate files whose composites use another separator than ISA16."""
        value = s.get(index)
        if self.component in value or not value:
            return value.split(self.component) if value else []
        odd = re.match(r"^[A-Z0-9]{2}([^A-Za-z0-9\s])", value)
        if odd:
            self.warnings.append(f"{self.source}: {s.where()}: composite uses {odd.group(1)!r}, "
                                 f"not the declared {self.component!r}")
            return value.split(odd.group(1))
        return [value]

    def svc(self, s: Segment) -> None:
        claim = self._need_claim(s)
        parts = self.composite(s, 1)
        if not parts:
            raise self.error(s, "SVC01 (procedure code) is missing")
        if len(parts) < 2 or not parts[1].strip():
            self.warnings.append(f"{self.source}: {s.where()}: SVC01 has no procedure code")
        original = self.composite(s, 6)
        self.line = Line(
            qualifier=parts[0], code=parts[1].strip() if len(parts) > 1 else "",
            modifiers=[m.strip() for m in parts[2:6] if m.strip()],
            billed=self.money(s, 2), paid=self.money(s, 3), revenue_code=s.get(4),
            units=self._units(s),
            original_code=original[1] if len(original) > 1 else "",
        )
        claim.lines.append(self.line)

    def _units(self, s: Segment) -> Decimal:
        """Units billed: SVC07 (original units) when given, else SVC05 (units paid) unless a
        denial left it at zero, else 1."""
        for index in (7, 5):
            if s.get(index) and (value := self.number(s, index)) > 0:
                return value
        return Decimal(1)

    def amt(self, s: Segment) -> None:
        if self.line is not None and s.get(1) == "B6":
            self.line.allowed = self.money(s, 2)

    def lq(self, s: Segment) -> None:
        if self.line is None:
            raise self.error(s, "LQ outside a service line: segments out of order")
        if s.get(1) == "HE":
            self.line.remarks.append(s.get(2))

    def plb(self, s: Segment) -> None:
        self.after_claims, self.claim, self.line = True, None, None
        for start in range(3, 15, 2):
            if s.get(start):
                reason = s.get(start).split(self.component)
                self.out.provider_adjustments.append(ProviderAdjustment(
                    provider=s.get(1), fiscal_period=self.date(s, 2), reason=reason[0],
                    reference=reason[1] if len(reason) > 1 else "", amount=self.money(s, start + 1, True)))


def parse_interchange(interchange: Interchange) -> EraFile:
    remittances, warnings = [], list(interchange.warnings)
    faults = list(interchange.faults)
    for transaction in interchange.transactions:
        reader = _Reader(interchange.source, transaction, interchange.delimiters.component,
                         interchange.delimiters.repetition)
        try:
            remittances.append(reader.read(transaction.segments))
        except X12Error as fault:  # a header fault: this transaction set is lost, the others are read
            faults.append(X12Error(fault.source, fault.field,
                                   f"{fault.message}; transaction set {shown(transaction.control)} skipped"))
        warnings += reader.warnings
        faults += reader.faults
    faults.sort(key=lambda fault: _segment_number(fault.field))
    return EraFile(source=str(interchange.source), remittances=remittances, warnings=warnings, faults=faults)


def _segment_number(field: str | None) -> int:
    match = re.match(r"segment (\d+)", field or "")
    return int(match.group(1)) if match else 0


def read_era(path: Path) -> EraFile:
    return parse_interchange(read_x12(path))
