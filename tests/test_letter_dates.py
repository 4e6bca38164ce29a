"""Which dates in a letter's text are given as dates of service: the ones the check compares with
the claim's service lines."""

from __future__ import annotations

from datetime import date

import pytest

from appealgen.attachments import Part
from appealgen.letter_dates import letter_date_findings, service_dates
from appealgen.models import Claim
from tests.conftest import claim_dict
from tests.pdfs import make_pdf

SEP_2 = date(2026, 9, 2)
SEP_30 = date(2026, 9, 30)


@pytest.mark.parametrize(("text", "dates"), [
    ("Date of service: 09/02/2026", [SEP_2]),
    ("Dates of service 09/02/2026 to 09/30/2026", [SEP_2, SEP_30]),
    ("4. Date(s) of service 2026-09-02 through 2026-09-30", [SEP_2, SEP_30]),
    ("DOS September 2, 2026", [SEP_2]),
    ("service dates 09/02/2026, 09/30/2026 and 9/2/2026", [SEP_2, SEP_30, SEP_2]),
    # a later date on the same line is the denial's, not a date of service
    ("for Nora, date of service 09/02/2026, and payment of $245.00. The claim was denied on October 14, 2026",
     [SEP_2]),
    ("the coverage criteria on the date of service, as the enclosed records show. 10/14/2026", []),
    # a table: the header names the column, each row starts with its date
    ("Date of service Item Units\n09/02/2026 E0601 1\n09/30/2026 A7030 1\nTo the reviewer:", [SEP_2, SEP_30]),
    ("Date of service: 02/30/2026", [None]),  # not a real date: never on the claim
    ("Denied on 10/14/2026.", []),
])
def test_dates_given_as_dates_of_service(text: str, dates: list[date | None]) -> None:
    assert service_dates(text) == dates


def test_each_letter_is_checked_on_its_own_dates_of_service() -> None:
    """A build reads a letter's dates once and checks it twice: letters that differ are never
    confused, however many one process checks."""
    claim = Claim.model_validate(claim_dict())  # service lines on 09/02/2026
    right, wrong = ("Date of service: 09/02/2026",), ("Date of service: 09/03/2026",)
    letters = [Part("letter", "Letter", "letter.html", "x", make_pdf(2, lines)) for lines in (right, wrong, right)]
    for _ in range(2):
        assert [[f.code for f in letter_date_findings(letter, claim)] for letter in letters] == [
            [], ["letter.date_of_service", "letter.date_of_service"], []]
