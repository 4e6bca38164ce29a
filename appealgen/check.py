"""Checks: the manifest, deadline and identity before stamping, and re-verification of a
built packet from the PDF itself."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import ValidationError
from pypdf import PdfReader

from appealgen.attachments import Part
from appealgen.errors import InputError, InputErrors
from appealgen.models import Claim
from appealgen.packet import INCOMPLETE, stamp_text
from appealgen.payers import PayerProfile, load_payer
from appealgen.plan import DEADLINE_PREFIX, SUBMITTED, Plan, applies, deadline_findings
from appealgen.report import CheckResult, PacketReport, section_span
from appealgen.sources.claim_file import validation_errors
from appealgen.workspace import Workspace

NOT_ENCLOSED = "not enclosed (not needed while nothing is sent): "
IDENTITY_MIN_TEXT = 40  # characters of text below which a page is treated as a scan
_identity_cache: dict[tuple[str, str], str] = {}


def _normal(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def _words(name: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)


def identify(part: Part, claim: Claim) -> str:
    """"member" or "name" (first and last) when the text names this patient, "last" when only
    the last name appears (a relative or a clinician may share it), "none" when the text names
    neither, "scan" when there is no text to read. Pages are read only until the patient is
    found; results are cached by file hash."""
    patient = claim.patient
    key = (part.sha256, _normal(patient.member_id + patient.first_name + patient.last_name))
    if key not in _identity_cache:
        _identity_cache[key] = _identify(part.pdf, patient.member_id, patient.first_name, patient.last_name)
    return _identity_cache[key]


def _identify(pdf: bytes, member_id: str, first: str, last: str) -> str:
    member, first_name, last_name = _normal(member_id), _words(first), _words(last)
    seen_text, found = 0, "none"
    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")
        for page in reader.pages:
            text = page.extract_text() or ""
            seen_text += len(text.strip())
            if member in _normal(text):
                return "member"
            if last_name.search(text):
                found = "name" if first_name.search(text) else "last"
                if found == "name":
                    return found
    except Exception:  # an unreadable text layer counts as no text
        return "scan"
    return found if found != "none" or seen_text >= IDENTITY_MIN_TEXT else "scan"


def identity_findings(parts: list[Part], claim: Claim) -> tuple[list[str], list[str]]:
    problems, warnings = [], []
    for part in parts:
        found = identify(part, claim)
        if found == "none":
            problems.append(f"{part.source}: does not name this claim's patient or member ID; "
                            "make sure it belongs to this claim")
        elif found == "last":
            problems.append(f"{part.source}: names only the patient's last name, not the first name or "
                            "member ID; make sure it belongs to this claim")
        elif found == "scan":
            warnings.append(f"{part.source}: no text to confirm the patient (scanned image); review it")
    return problems, warnings


def check_build(plan: Plan, claim: Claim, profile: PayerProfile, parts: list[Part], pages: int) -> CheckResult:
    """Everything that decides whether the packet may be submitted, known before stamping."""
    problems, warnings = list(plan.problems), list(plan.warnings)
    found_problems, found_warnings = identity_findings(parts, claim)
    problems += found_problems
    warnings += found_warnings
    limit = profile.limits.max_pages
    if limit and pages > limit:
        problems.append(f"packet has {pages} pages; {profile.id} accepts at most {limit}")
    missing = plan.missing if plan.submitted else []
    if plan.missing and not plan.submitted:
        warnings.append(f"{NOT_ENCLOSED}{', '.join(plan.missing)}")
    return CheckResult(passed=not missing and not problems, missing=missing, problems=problems, warnings=warnings)


def size_problem(profile: PayerProfile, size: int) -> str | None:
    limit = profile.limits.max_file_mb
    if limit and size > limit * 1_000_000:
        return f"packet is {size / 1_000_000:.3g} MB; {profile.id} accepts files up to {limit:g} MB"
    return None


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
        raise InputErrors(validation_errors(path, exc)) from None


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
    total = len(reader.pages)
    incomplete = not report.check.passed
    for number, page in enumerate(reader.pages, start=1):
        text = _flat(page.extract_text())
        want = _flat(stamp_text(report.claim_id, number, total, incomplete))
        if want not in text or (not incomplete and INCOMPLETE in text):
            return [f"page {number}: stamp {want!r} not found"]
    return []


def _index_problems(report: PacketReport, reader: PdfReader) -> list[str]:
    """Each section's title must be followed by its page range (white space ignored: long
    titles wrap, and words may break anywhere)."""
    index_pages = [n for s in report.sections if s.kind == "index" for n in range(s.first_page, s.last_page + 1)]
    text = "".join(re.sub(r"\s+", "", reader.pages[n - 1].extract_text() or "")
                   for n in index_pages if n <= len(reader.pages))
    problems = []
    for section in report.sections:
        span = section_span(section.first_page, section.last_page)
        if re.sub(r"\s+", "", section.title) + span not in text:
            problems.append(f"index does not list {section.title!r} on pages {span}")
    return problems


def _manifest_missing(report: PacketReport, profile: PayerProfile) -> list[str]:
    """The plan's requirements as recorded, plus any the payer's manifest has added since."""
    kinds = {s.kind for s in report.sections}
    missing = [r.description for r in report.required if not any(k.value in kinds for k in r.kinds)]
    for entry in profile.requirements(report.category):
        unmet = applies(entry, report.level, report.first_dos) and not any(k.value in kinds for k in entry.one_of)
        if unmet and entry.describe() not in missing:
            missing.append(entry.describe())
    return missing


def verify_packet(folder: Path, workspace: Workspace, today: date) -> Verification:
    """Re-read packet.pdf and confirm it agrees with packet.json, the payer's current manifest
    and, on `today`, the filing deadline."""
    report = read_report(folder)
    profile = load_payer(workspace, report.payer, folder / "packet.json")
    reader = _open_pdf(folder / "packet.pdf")
    problems = _structure_problems(report, reader) + _stamp_problems(report, reader)
    problems += _index_problems(report, reader)
    recomputed = (DEADLINE_PREFIX, NOT_ENCLOSED)
    warnings = [w for w in report.check.warnings if not w.startswith(recomputed)]
    problems += [p for p in report.check.problems if not p.startswith(DEADLINE_PREFIX)]
    missing = _manifest_missing(report, profile)
    submitted = report.action in SUBMITTED
    if submitted:
        late, soon = deadline_findings(report.good_cause, report.deadline, (report.deadline - today).days)
        problems, warnings = problems + late, warnings + soon
    elif missing:
        warnings.append(f"{NOT_ENCLOSED}{', '.join(missing)}")
        missing = []
    result = CheckResult(passed=not problems and not missing, missing=missing, problems=problems,
                         warnings=warnings)
    return Verification(report, result)
