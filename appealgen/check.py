"""Checks: the manifest, deadline and identity before stamping, and re-verification of a
built packet from the PDF itself."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from pypdf import PdfReader

from appealgen.attachments import Part
from appealgen.errors import InputError
from appealgen.models import Category, Claim
from appealgen.payers import PayerProfile
from appealgen.plan import Plan, applies
from appealgen.report import CheckResult, PacketReport

IDENTITY_MIN_TEXT = 40  # characters of text below which a page is treated as a scan
_identity_cache: dict[tuple[str, str], bool | None] = {}


def _normal(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def mentions_patient(part: Part, claim: Claim) -> bool | None:
    """True when the text names the member ID or the patient's last name; None without text.

    Pages are read only until the patient is found; results are cached by file hash.
    """
    key = (part.sha256, _normal(claim.patient.member_id + claim.patient.last_name))
    if key in _identity_cache:
        return _identity_cache[key]
    member = _normal(claim.patient.member_id)
    name = re.compile(rf"\b{re.escape(claim.patient.last_name)}\b", re.IGNORECASE)
    seen_text, result = 0, False
    try:
        reader = PdfReader(io.BytesIO(part.pdf), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")
        for page in reader.pages:
            text = page.extract_text() or ""
            seen_text += len(text.strip())
            if member in _normal(text) or name.search(text):
                result = True
                break
    except Exception:  # unreadable text layer: treat as no text
        seen_text = 0
    answer = result if (result or seen_text >= IDENTITY_MIN_TEXT) else None
    _identity_cache[key] = answer
    return answer


def check_build(
    claim: Claim, profile: PayerProfile, plan: Plan, parts: list[Part], pages: int
) -> CheckResult:
    """Everything that decides whether the packet may be submitted, known before stamping."""
    problems, warnings = list(plan.problems), list(plan.warnings)
    for part in parts:
        if part.kind == "letter" or part.pages == 0:
            continue
        found = mentions_patient(part, claim)
        if found is False:
            problems.append(f"{part.source}: does not name this claim's patient or member ID; "
                            "make sure it belongs to this claim")
        elif found is None:
            warnings.append(f"{part.source}: no text to confirm the patient (scanned image); review it")
    limit = profile.limits.max_pages
    if limit and pages > limit:
        problems.append(f"packet has {pages} pages; {profile.id} accepts at most {limit}")
    missing = plan.missing
    passed = not missing and not problems
    return CheckResult(passed=passed, missing=missing, problems=problems, warnings=warnings)


def read_report(folder: Path) -> PacketReport:
    path = folder / "packet.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return PacketReport.model_validate(data)
    except FileNotFoundError:
        raise InputError(path, None, "file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(path, None, "not valid JSON") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(path, ".".join(str(p) for p in first["loc"]), first["msg"]) from None


@dataclass(frozen=True)
class Verification:
    report: PacketReport
    result: CheckResult


def _outline(reader: PdfReader) -> list[tuple[str, int | None]]:
    return [
        (str(item.title), reader.get_destination_page_number(item))
        for item in reader.outline
        if not isinstance(item, list)
    ]


def _flat(text: str | None) -> str:
    return " ".join((text or "").split())


def _open_pdf(path: Path) -> PdfReader:
    try:
        reader = PdfReader(path, strict=False)
        _ = len(reader.pages)
        return reader
    except FileNotFoundError:
        raise InputError(path, None, "file not found") from None
    except Exception:
        raise InputError(path, None, "PDF is damaged and cannot be read") from None


def _structure_problems(report: PacketReport, reader: PdfReader) -> list[str]:
    problems = []
    pages = len(reader.pages)
    if pages != report.pages:
        problems.append(f"packet.pdf has {pages} pages; packet.json says {report.pages}")
    if _outline(reader) != [(s.title, s.first_page - 1) for s in report.sections]:
        problems.append("bookmarks do not match the sections in packet.json")
    covered = [p for s in report.sections for p in range(s.first_page, s.last_page + 1)]
    if covered != list(range(1, report.pages + 1)):
        problems.append("section page ranges do not cover every page exactly once")
    return problems


def _stamp_problems(report: PacketReport, reader: PdfReader) -> list[str]:
    from appealgen.packet import stamp_text

    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        want = _flat(stamp_text(report.claim_id, number, total, not report.check.passed))
        if want not in _flat(page.extract_text()):
            return [f"page {number}: stamp {want!r} not found"]
    return []


def _index_problems(report: PacketReport, reader: PdfReader) -> list[str]:
    index_pages = [
        n for s in report.sections if s.kind == "index" for n in range(s.first_page, s.last_page + 1)
    ]
    text = " ".join(_flat(reader.pages[n - 1].extract_text()) for n in index_pages if n <= len(reader.pages))
    problems = []
    for section in report.sections:
        span = section_span(section.first_page, section.last_page)
        if f"{section.title} {span}" not in text and (section.title not in text or span not in text):
            problems.append(f"index does not list {section.title!r} on pages {span}")
    return problems


def section_span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}\u2013{last}"


def verify_packet(folder: Path, profile: PayerProfile | None) -> Verification:
    """Re-read packet.pdf and confirm it agrees with packet.json and the payer's manifest."""
    report = read_report(folder)
    reader = _open_pdf(folder / "packet.pdf")
    problems = _structure_problems(report, reader) + _stamp_problems(report, reader)
    problems += _index_problems(report, reader)
    kinds = {s.kind for s in report.sections}
    if profile is not None:  # the payer's current manifest, against what the PDF holds
        missing = [
            r.describe() for r in profile.requirements(Category(report.category))
            if applies(r, report.level, report.first_dos)
            and not any(k.value in kinds for k in r.one_of)
        ]
    else:
        missing = list(report.check.missing)
    result = CheckResult(
        passed=not problems and not missing and not report.check.problems,
        missing=missing,
        problems=problems + report.check.problems,
        warnings=report.check.warnings,
    )
    return Verification(report, result)
