"""Which lines of a claim are disputed, what each had denied, and the codes a letter quotes: the
one place this is decided (the letter's table, its text and the amount requested all read it)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from appealgen.models import Claim, ServiceLine


class DisputedLine(BaseModel):
    """A service line the request is about, with its denied amount and its own denial codes."""

    index: int = Field(description="the line's place in claim.service_lines (from 0)", examples=[0])
    dos: date = Field(description="the date of service", examples=["2026-09-02"])
    dos_to: date | None = Field(default=None, description="the last date of a statement period, when known")
    label: str = Field(description="the code with its modifiers, or the words for a claim denied whole",
                       examples=["E0601-RR-KX"])
    units: Decimal = Field(description="the units billed", examples=[1])
    billed: Decimal = Field(description="the line's charge", examples=["245.00"])
    paid: Decimal = Field(description="what the payer paid on the line", examples=["0.00"])
    denied: Decimal = Field(description="what the denial codes took off the line (billed less paid when the "
                            "amounts are not given)", examples=["245.00"])
    codes: list[str] = Field(description="the line's denial codes, each with its group (the claim's when the "
                             "line has none)", examples=[["CO-50"]])
    remarks: list[str] = Field(description="the line's remark codes (and the claim's)", examples=[["N115"]])
    diagnosis: list[str] = Field(description="the line's diagnosis codes", examples=[["G47.33"]])

def _line_denial_codes(line: ServiceLine, denial_codes: set[str]) -> list[str]:
    return [code for code in line.codes if code in denial_codes]


def _denied_amount(line: ServiceLine, codes: list[str]) -> Decimal:
    """The amounts of the line's denial adjustments when the remittance gives all of them, else
    what was billed and not paid."""
    amounts = [a.amount for a in line.adjustments if a.code in codes]
    if codes and len(amounts) == len(codes) and all(a is not None for a in amounts):
        return sum((a for a in amounts if a is not None), Decimal(0))
    return max(line.billed - line.paid, Decimal(0))


def _settled(line: ServiceLine) -> bool:
    """The remittance accounts for all the line did not pay with adjustments that are not denials
    (a contractual write-off, a deductible): nothing of it is left in question."""
    amounts = [a.amount for a in line.adjustments]
    return bool(amounts) and all(a is not None for a in amounts) and \
        sum((a for a in amounts if a is not None), Decimal(0)) == line.billed - line.paid


def disputed_lines(claim: Claim, denial_codes: list[str]) -> list[DisputedLine]:
    """The lines carrying a denial code; when the codes sit on the claim only, the lines not paid
    in full whose shortfall the remittance does not account for otherwise (else those not paid in
    full, else every line)."""
    wanted = set(denial_codes)
    claim_codes = [code for code in claim.denial.codes if code in wanted] or list(denial_codes)
    chosen = [(i, line, _line_denial_codes(line, wanted)) for i, line in enumerate(claim.service_lines)]
    with_codes = [item for item in chosen if item[2]]
    # a denial code on a line it took nothing from (paid in full) disputes nothing there
    with_codes = [item for item in with_codes if _denied_amount(item[1], item[2]) > 0] or with_codes
    if not with_codes:
        short = [item for item in chosen if item[1].paid < item[1].billed]
        unpaid = [item for item in short if not _settled(item[1])]
        with_codes = [(i, line, claim_codes) for i, line, _ in (unpaid or short or chosen)]
    on_lines = {remark for line in claim.service_lines for remark in line.rarc}
    claim_remarks = [remark for remark in claim.denial.rarc if remark not in on_lines]  # they apply to every line
    # From a validated claim's own values: validating them again would cost era's table of a
    # large remittance more than the decision itself (the amount in controversy needs these lines).
    return [
        DisputedLine.model_construct(
            index=i, dos=line.dos, dos_to=line.dos_to, label=line.label, units=line.units, billed=line.billed,
            paid=line.paid, denied=_denied_amount(line, codes), codes=codes,
            remarks=list(dict.fromkeys([*line.rarc, *claim_remarks])), diagnosis=line.diagnosis)
        for i, line, codes in with_codes
    ]


def quoted_codes(lines: list[DisputedLine]) -> tuple[list[str], list[str]]:
    """The denial codes and remark codes the letter's text quotes: exactly those of its table."""
    codes = list(dict.fromkeys(code for line in lines for code in line.codes))
    remarks = list(dict.fromkeys(remark for line in lines for remark in line.remarks))
    return codes, remarks


def amount_requested(lines: list[DisputedLine]) -> Decimal:
    return sum((line.denied for line in lines), Decimal(0))
