"""What an X12 835 says, as data: payments, payers and payees, claims (loop 2100), service
lines (loop 2110), adjustments and remarks, provider-level adjustments, and what could not be
read. The reader that fills them is appealgen.sources.era."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field

from appealgen.models import RemittanceAdjustment as Adjustment
from appealgen.models import RemittanceLine
from appealgen.sources.x12 import X12Error

STATUS = {"1": "processed as primary", "2": "processed as secondary", "3": "processed as tertiary",
          "4": "denied", "19": "processed as primary, forwarded", "20": "processed as secondary, forwarded",
          "21": "processed as tertiary, forwarded", "22": "reversal of previous payment",
          "23": "not our claim, forwarded", "25": "predetermination pricing only"}
HEADER = {"BPR", "TRN", "CUR", "REF", "DTM", "N1", "N2", "N3", "N4", "PER", "RDM"}
CLAIM = {"CAS", "NM1", "MIA", "MOA", "REF", "DTM", "PER", "AMT", "QTY"}
LINE = {"DTM", "CAS", "REF", "AMT", "QTY", "LQ"}
HEADER_ONLY = {"BPR", "TRN", "CUR", "N1", "N2", "N3", "N4", "RDM"}  # loops 1000A/1000B, before the first LX/CLP


class Person(BaseModel):
    last_name: str = ""
    first_name: str = ""
    middle: str = ""
    id_qualifier: str = ""
    member_id: str = ""


class Party(BaseModel):
    name: str = ""
    id_qualifier: str = ""
    id: str = ""
    address: list[str] = Field(default_factory=list)
    reference_ids: dict[str, str] = Field(default_factory=dict)  # REF qualifier -> value


class Payment(BaseModel):
    handling: str = ""
    amount: Decimal = Decimal(0)
    method: str = ""  # CHK, ACH, FWT, NON, BOP
    date: dt.date | None = None
    trace_number: str = ""  # the check or EFT number (TRN02)
    originator: str = ""  # TRN03


class Line(RemittanceLine):
    """A service line with what only the 835 has. `dos` is DTM*472, else the start of the
    DTM*150/151 period."""

    qualifier: str = ""
    code: str = ""
    billed: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    revenue_code: str = ""
    original_code: str = ""
    dos_from: dt.date | None = None
    dos_to: dt.date | None = None


class EraClaim(BaseModel):
    claim_id: str
    status_code: str
    billed: Decimal
    paid: Decimal
    patient_responsibility: Decimal = Decimal(0)
    filing_indicator: str = ""
    payer_claim_number: str = ""
    facility_type: str = ""
    frequency: str = ""
    patient: Person = Field(default_factory=Person)
    corrected_patient: Person | None = None
    insured: Person | None = None
    rendering_name: str = ""
    rendering_npi: str = ""
    received: dt.date | None = None
    statement_from: dt.date | None = None
    statement_to: dt.date | None = None
    adjustments: list[Adjustment] = Field(default_factory=list)
    remarks: list[str] = Field(default_factory=list)
    lines: list[Line] = Field(default_factory=list)
    segment: int = 0  # number of the CLP segment in the file

    @property
    def status(self) -> str:
        return STATUS.get(self.status_code, f"status {self.status_code}")

    @property
    def reversal(self) -> bool:
        return self.status_code == "22"

    @property
    def first_dos(self) -> dt.date | None:
        dates = [line.dos for line in self.lines if line.dos]
        return min(dates) if dates else self.statement_from


class ProviderAdjustment(BaseModel):
    provider: str
    fiscal_period: dt.date | None
    reason: str
    reference: str
    amount: Decimal


class Remittance(BaseModel):
    """One 835 transaction set: one payment from one payer to one payee."""

    control_number: str
    payer: Party = Field(default_factory=Party)
    payee: Party = Field(default_factory=Party)
    payment: Payment = Field(default_factory=Payment)
    production_date: dt.date | None = None
    claims: list[EraClaim] = Field(default_factory=list)
    provider_adjustments: list[ProviderAdjustment] = Field(default_factory=list)

    @property
    def notice_date(self) -> dt.date | None:
        """The date deadlines count from: the earlier of the payment's (BPR16) and the remittance's
        own (DTM*405). An EFT's effective date may come days after the remittance was issued;
        counting from it would move every deadline later than the payer counts it."""
        return min((d for d in (self.payment.date, self.production_date) if d is not None), default=None)


class EraFile(BaseModel):
    source: str
    remittances: list[Remittance]
    warnings: list[str]
    # Structural faults, each costing only its claim, its segment or its transaction set (the
    # message says which); everything else in the file was read.
    faults: list[X12Error] = Field(default_factory=list)

    model_config = {"arbitrary_types_allowed": True}
