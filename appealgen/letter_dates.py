"""What the letter says must be the claim's. Its dates of service: a letter edited from another
claim (or a template with a date typed in) would otherwise argue for the wrong visit. Its claim:
the payer's claim number and the patient, by which a reviewer files the request.

A date counts as a date of service when it follows a label on its line ("Date of service:",
"DOS", "Dates of service") or starts a row of a table whose header line carries the label.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from typing import TYPE_CHECKING

from appealgen.models import Claim, name_key, plain
from appealgen.report import Finding, problem

if TYPE_CHECKING:  # a type only: the plan reads dates from titles without the PDF readers' imports
    from appealgen.attachments import Part

LABEL = re.compile(r"\b(?:dates?\s*\(?s?\)?\s+of\s+service|service\s+dates?|DOS)\b", re.IGNORECASE)
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b|\b(" + "|".join(MONTHS)
                  + r")\s+(\d{1,2}),\s+(\d{4})\b", re.IGNORECASE)
LEAD = re.compile(r"[\s:(\-–]*(?:(?:was|is|were|are|of|on)\s+)?")
JOIN = re.compile(r"\s*(?:,|;|-|–|—|to|through|thru|and|&)?\s*(?:and\s+)?", re.IGNORECASE)


def _date(match: re.Match[str]) -> date | None:
    month, day, year = match.group(1, 2, 3)
    if match.group(4):
        year, month, day = match.group(4, 5, 6)
    elif match.group(7):
        month, day, year = str(MONTHS.index(match.group(7).lower()) + 1), match.group(8), match.group(9)
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def dates_in(text: str) -> set[date]:
    """Every real date written in `text` (a document's title, say), in the forms above."""
    return {found for match in DATE.finditer(text) if (found := _date(match)) is not None}


def _listed(line: str, start: int) -> list[date | None]:
    """The dates right after a label: the first with only punctuation before it, then those joined
    to it by "to", "through", "and", commas or dashes. A later date on the line (the denial's, in
    "date of service 09/02/2026, and payment ... denied on October 14, 2026") is not one."""
    found: list[date | None] = []
    for match in DATE.finditer(line, start):
        gap = line[start:match.start()]
        if not (JOIN if found else LEAD).fullmatch(gap):
            break
        found.append(_date(match))
        start = match.end()
    return found


def service_dates(text: str) -> list[date | None]:
    """Dates given as dates of service in `text` (None for one that is not a real date)."""
    found: list[date | None] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        label = LABEL.search(line)
        if label is None:
            continue
        given = _listed(line, label.end())
        if given:
            found += given
            continue
        for row in lines[index + 1:]:  # a table header: its rows start with the date
            first = DATE.match(row.strip())
            if first is None:
                break
            found.append(_date(first))
    return found


def letter_date_findings(letter: Part, claim: Claim) -> list[Finding]:
    """A problem for each letter page giving a date of service that none of the claim's lines has
(as its date, or as the last date of a statement period).
    The message names the page, never the date (a date of care is patient data)."""
    allowed = {line.dos for line in claim.service_lines} | {line.dos_to for line in claim.service_lines if line.dos_to}
    try:
        pages = _dates_by_page(letter.pdf)
    except Exception:  # the letter was rendered here; a failure to read it is not the claim's
        return []
    return [problem("letter.date_of_service", f"letter: page {number} gives a date of service that is not on the "
                    "claim's service lines; correct the letter")
            for number, dates in enumerate(pages, start=1) if any(d not in allowed for d in dates)]


def letter_claim_findings(letter: Part, claim: Claim) -> list[Finding]:
    """A letter that does not name its claim: the payer's claim number (when the claim has one)
    and the patient (the member ID, or the last name). A reviewer files a request by them; a
    letter without them (a template with its RE: block deleted) is set aside or dismissed."""
    try:
        text = name_key("".join(_texts(letter.pdf)))  # plain's letters and digits, and a name's accented ones
    except Exception:  # the letter was rendered here; a failure to read it is not the claim's
        return []
    if not text:  # no text layer to read (not ours): nothing to judge
        return []
    findings = []
    number = claim.payer_claim_number
    if number and plain(number) not in text:
        findings.append(problem("letter.claim_number_missing", "the letter does not give the payer's claim number "
                                "(payer_claim_number); the payer files the request by it: restore it in the letter "
                                "template"))
    patient = claim.patient
    if not any((key := name_key(value)) and key in text for value in (patient.member_id, patient.last_name)):
        findings.append(problem("letter.patient_missing", "the letter names neither the patient nor the member ID; "
                                "restore them in the letter template"))
    return findings


@functools.lru_cache(maxsize=4)
def _texts(pdf: bytes) -> tuple[str, ...]:
    """A letter's text, page by page: read once, though a build checks the same letter before
    and after the packet is laid out, for its dates and for its claim."""
    from appealgen.identity import page_texts

    return tuple(text or "" for text in page_texts(pdf))


def _dates_by_page(pdf: bytes) -> tuple[tuple[date | None, ...], ...]:
    """The dates of service each page of a letter gives."""
    return tuple(tuple(service_dates(text)) if text else () for text in _texts(pdf))
