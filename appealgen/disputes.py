"""Which lines of a claim are disputed, what each had denied, and the codes a letter quotes: the
one place this is decided (the letter's table, its text and the amount requested all read it)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel

from appealgen.models import Claim, ServiceLine


class DisputedLine(BaseModel):
    """A service line the request is about, with its denied amount and its own denial codes."""

    index: int  # in claim.service_lines
    dos: date
    dos_to: date | None = None
    label: str  # "E0601-RR-KX", or the words for a claim denied whole
    units: Decimal
    billed: Decimal
    paid: Decimal
    denied: Decimal  # what the denial codes took off this line (billed less paid when amounts are not given)
    codes: list[str]  # the denial codes of this line, e.g. ["CO-50"] (the claim's when the line has none)
    remarks: list[str]  # the remark codes of this line (the claim's when the line has none)
    diagnosis: list[str]


def _line_denial_codes(line: ServiceLine, denial_codes: set[str]) -> list[str]:
    return [code for code in line.codes if code in denial_codes]


def _denied_amount(line: ServiceLine, codes: list[str]) -> Decimal:
    """The amounts of the line's denial adjustments when the remittance gives all of them, else
    what was billed and not paid."""
    amounts = [a.amount for a in line.adjustments if a.code in codes]
    if codes and len(amounts) == len(codes) and all(a is not None for a in amounts):
        return sum((a for a in amounts if a is not None), Decimal(0))
    return max(line.billed - line.paid, Decimal(0))


def disputed_lines(claim: Claim, denial_codes: list[str]) -> list[DisputedLine]:
    """The lines carrying a denial code; when the codes sit on the claim only, the lines not paid
    in full (or every line, when all were paid in full)."""
    wanted = set(denial_codes)
    claim_codes = [code for code in claim.denial.codes if code in wanted] or list(denial_codes)
    chosen = [(i, line, _line_denial_codes(line, wanted)) for i, line in enumerate(claim.service_lines)]
    with_codes = [item for item in chosen if item[2]]
    if not with_codes:
        unpaid = [item for item in chosen if item[1].paid < item[1].billed]
        with_codes = [(i, line, claim_codes) for i, line, _ in (unpaid or chosen)]
    on_lines = {remark for line in claim.service_lines for remark in line.rarc}
    claim_remarks = [remark for remark in claim.denial.rarc if remark not in on_lines]  # they apply to every line
    return [
        DisputedLine(index=i, dos=line.dos, dos_to=line.dos_to, label=line.label, units=line.units,
                     billed=line.billed, paid=line.paid, denied=_denied_amount(line, codes), codes=codes,
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
