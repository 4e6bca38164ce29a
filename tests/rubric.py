"""The reviewer's rubric, read mechanically off a built packet: the letter's text is taken from
the PDF (stamps removed) and checked against the claim, independently of how the tool decided.

Lines 3, 4, 7, 8, 9 and 10 of the issue's rubric are checked in full; lines 1 and 2 (addressee,
claim number, patient and provider) as far as text can show them. Lines 5 and 6 (a plain
request, an argument that fits) are for a person reading the letter."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader

from appealgen.models import Claim, ServiceLine
from appealgen.payers import PayerProfile
from appealgen.report import PacketReport

# Codes that adjust without denying: a line carrying only these is not disputed.
NOT_DENIALS = {"CO-45", "PR-1", "PR-2", "PR-3", "OA-23"}
GROUP_CODE = re.compile(r"\b(?:CO|PR|OA|PI|CR)-\d{1,3}\b")
REMARK = re.compile(r"\b(?:MA|M|N)\d{1,3}\b(?![.\d])")
# How a letter names each kind of document; a sentence saying "enclosed" may name only kinds the
# packet holds.
KIND_WORDS = {
    "remittance_advice": ["remittance advice"],
    "prescription": ["written order", "prescription"],
    "progress_notes": ["progress notes", "visit notes"],
    "medical_records": ["medical records", "operative report", "test results"],
    "delivery_ticket": ["delivery ticket", "proof of delivery"],
    "authorization": ["authorization approval"],
    "proof_of_timely_filing": ["proof of timely filing", "acceptance report"],
    "primary_eob": ["primary payer's explanation of benefits", "primary payer's eob"],
    "corrected_claim": ["corrected claim form"],
    "decision_notice": ["notice of that decision", "dismissal notice", "redetermination notice"],
    "cmn": ["certificate of medical necessity"],
    "medical_necessity_letter": ["letter of medical necessity"],
}
DEBRIS = ["n/a", "not stated", "None", "{{", "}}", "{%", "%}", "TODO", "lorem", "synthetic", "placeholder",
          "[Coverage policy", "XXX"]


def flat(text: str) -> str:
    """One line, single spaces; a word broken after a hyphen at a line end is joined again."""
    return re.sub(r"-\s+(?=\w)", "-", " ".join(text.replace("\uf0b7", " ").split()))


def money(value: Decimal) -> str:
    return f"${value:,.2f}"


def long_date(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def us_date(value: date) -> str:
    return f"{value:%m/%d/%Y}"


@dataclass
class Letter:
    pages: list[str]  # the text of each letter page, stamps removed

    @property
    def text(self) -> str:
        return " ".join(self.pages)


def read_letter(folder: Path) -> tuple[PacketReport, Letter]:
    report = PacketReport.model_validate(json.loads((folder / "packet.json").read_text()))
    [section] = [s for s in report.sections if s.kind == "letter"]
    pages = PdfReader(folder / "packet.pdf").pages[section.first_page - 1 : section.last_page]
    stamp = re.compile(rf"(INCOMPLETE - NOT FOR SUBMISSION\s+)?{re.escape(report.claim_id)}\s+Page \d+ of \d+")
    return report, Letter([flat(stamp.sub(" ", page.extract_text() or "")) for page in pages])


def disputed(claim: Claim) -> list[ServiceLine]:
    """The lines a request is about: those with a reason code that denies; when only the claim
    carries codes, the lines not paid in full."""
    lines = [line for line in claim.service_lines if set(line.codes) - NOT_DENIALS]
    return lines or [line for line in claim.service_lines if line.paid < line.billed] or claim.service_lines


def line_remarks(claim: Claim, line: ServiceLine) -> list[str]:
    on_lines = {r for other in claim.service_lines for r in other.rarc}
    return [*line.rarc, *(r for r in claim.denial.rarc if r not in on_lines)]


def enclosure_list(text: str) -> tuple[int, str] | None:
    """(count, the list's text) of "Enclosed, in the order of the packet's index (N documents): ..."."""
    found = re.search(r"Enclosed, in the order of the packet's index \((\d+) documents?\): (.*?) "
                      r"(?:This request is filed|This corrected claim is sent)", text)
    return (int(found.group(1)), found.group(2)) if found else None


def line3(letter: Letter, claim: Claim) -> list[str]:
    text, faults = letter.text, []
    lines = disputed(claim)
    for line in lines:
        for value in (us_date(line.dos), line.label if line.code else us_date(line.dos), money(line.billed),
                      money(line.billed - line.paid)):
            if value not in text:
                faults.append(f"disputed line {line.label}: {value} not in the letter")
    labels = {line.label for line in lines}
    faults += [f"undisputed line {line.label} is in the letter" for line in claim.service_lines
               if line.code and line.label not in labels and re.search(rf"\b{re.escape(line.label)}\b", text)]
    total = money(sum((line.billed - line.paid for line in lines), Decimal(0)))
    # A dismissal review asks for no payment: the dismissal vacated and a decision on the amount (405.974(b));
    # nor does a request to an ALJ or the Council, who decide and do not pay.
    asks = (f"payment of {total}", f"pay {total}", f"decision on its merits, on the {total}",
            f"amount in controversy of {total}")
    if not any(ask in text for ask in asks):
        faults.append(f"the amount requested {total} (the denied amount of the disputed lines) is not asked for")
    return faults


def line4(letter: Letter, claim: Claim) -> list[str]:
    text, faults = letter.text, []
    lines = disputed(claim)
    codes = {c for line in lines for c in line.codes if c not in NOT_DENIALS} or set(claim.denial.codes)
    remarks = {r for line in lines for r in line_remarks(claim, line)}
    if long_date(claim.denial.date) not in text and us_date(claim.denial.date) not in text:
        faults.append("the denial date is not quoted")
    faults += [f"{code} is not quoted" for code in sorted(codes) if text.count(code) < 2]  # table and text
    faults += [f"{remark} is not quoted" for remark in sorted(remarks) if text.count(remark) < 2]
    faults += [f"{code} is quoted but is not a code of the disputed lines"
               for code in sorted(set(GROUP_CODE.findall(text)) - codes)]
    faults += [f"{remark} is quoted but is not a remark of the disputed lines"
               for remark in sorted(set(REMARK.findall(text)) - remarks)]
    return faults


def line7(letter: Letter, report: PacketReport) -> list[str]:
    text, faults = letter.text, []
    titles = [flat(s.title) for s in report.sections[[s.kind for s in report.sections].index("letter") + 1:]]
    listed = enclosure_list(text)
    if listed is None:
        return ["no enclosure list"]
    count, items = listed
    if count != len(titles):
        faults.append(f"the list counts {count} documents; the packet holds {len(titles)}")
    position = 0
    for title in titles:
        found = items.find(title, position)
        if found < 0:
            faults.append(f"enclosure {title!r} is not listed in packet order")
        else:
            position = found + len(title)
    held = {s.kind for s in report.sections}
    for sentence in re.split(r"(?<=[.:;])\s", text):
        if "enclos" not in sentence.lower():
            continue
        for kind, words in KIND_WORDS.items():
            if kind not in held and any(w in sentence.lower() for w in words):
                faults.append(f"names a {kind} the packet does not hold: {sentence[:90]!r}")
    return faults


def line8(letter: Letter, claim: Claim, report: PacketReport) -> list[str]:
    text = letter.text
    deadline = long_date(report.deadline)
    if report.days_left < 0:
        cause = claim.appeal.good_cause or ""
        ok = "Good cause for the late filing" in text and flat(cause) in text and deadline in text
        return [] if ok else ["late, without the good-cause statement and the dates"]
    stated = re.search(r"(?:This request is filed|This corrected claim is sent) within the time allowed: "
                       r"(\d+ (?:days|months)) from .*? dated (\w+ \d+, \d{4}).*?by (\w+ \d+, \d{4})\.", text)
    if stated is None:
        return ["no statement that it is filed within the window"]
    return [] if stated.group(3) == deadline else [f"the window ends {deadline}, the letter says {stated.group(3)}"]


def line9(letter: Letter, claim: Claim, today: date) -> list[str]:
    text = letter.text
    if "Sincerely," not in text:
        return ["no closing"]
    block = text.split("Sincerely,", 1)[1]
    provider = claim.provider
    wanted = {"name": provider.requester.name, "title": provider.requester.title, "organisation": provider.name,
              "phone": provider.phone, "fax": provider.fax, "email": provider.email,
              "date": f"Date: {long_date(today)}"}
    return [f"the signature block has no {key}" for key, value in wanted.items() if not value or value not in block]


def line10(letter: Letter, others: list[Claim], claim: Claim) -> list[str]:
    text, faults = letter.text, []
    faults += [f"template debris or placeholder: {word!r}" for word in DEBRIS
               if re.search(rf"(?<![\w/]){re.escape(word)}(?![\w/])", text, flags=re.IGNORECASE if word.islower()
                            else 0)]
    own = {claim.claim_id, claim.patient.member_id, claim.payer_claim_number or ""}
    for other in others:
        if other.claim_id != claim.claim_id:
            for value in (other.claim_id, other.patient.member_id, other.payer_claim_number or ""):
                if value and value not in own and re.search(rf"\b{re.escape(value)}\b", text):
                    faults.append(f"names another claim's {value}")
    last = letter.pages[-1]
    if len(letter.pages) > 1 and not last.split("Sincerely,")[0].strip():
        faults.append("the last page holds only the signature")
    return faults


def lines1_2(letter: Letter, claim: Claim, profile: PayerProfile, recipient: str) -> list[str]:
    text, faults = letter.text, []
    patient, provider = claim.patient, claim.provider
    wanted = ["RE:", recipient, claim.payer_claim_number or "(claim number)", f"{patient.first_name} "
              f"{patient.last_name}", patient.member_id, provider.name, f"NPI {provider.npi}"]
    if patient.dob:
        wanted.append(us_date(patient.dob))
    if "ptan" in profile.provider_ids:
        wanted.append(f"PTAN {provider.ptan}")
    if "tax_id" in profile.provider_ids:
        wanted.append(f"Tax ID {provider.tax_id}")
    faults += [f"{value!r} is not in the letter" for value in wanted if value not in text]
    return faults


def score(folder: Path, claim: Claim, profile: PayerProfile, recipient: str, today: date,
          others: list[Claim]) -> dict[str, list[str]]:
    """Every fault of the letter in `folder`, by rubric line (an empty list: the line scores 1)."""
    report, letter = read_letter(folder)
    return {
        "1-2": lines1_2(letter, claim, profile, recipient),
        "3": line3(letter, claim),
        "4": line4(letter, claim),
        "7": line7(letter, report),
        "8": line8(letter, claim, report),
        "9": line9(letter, claim, today),
        "10": line10(letter, others, claim),
    }


def faults(scores: dict[str, list[str]]) -> list[str]:
    return [f"line {line}: {fault}" for line, found in scores.items() for fault in found]
