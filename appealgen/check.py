"""Checks: the manifest, deadline and identity before stamping, and re-verification of a
built packet from the PDF itself."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import ValidationError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from appealgen.attachments import Part, removal_findings
from appealgen.documents import validation_errors
from appealgen.errors import EXIT_CHECK_FAILED, EXIT_OK, InputError, InputErrors
from appealgen.identity import IdentityCheck
from appealgen.letter_dates import letter_claim_findings, letter_date_findings
from appealgen.models import AttachmentKind, Claim
from appealgen.packet import INCOMPLETE, mark_of, stamp_text
from appealgen.payers import PayerProfile
from appealgen.pdf import open_pdf
from appealgen.plan import AFTER_REFUSAL, SUBMITTED, Plan, deadline_findings, required_documents
from appealgen.report import (
    SCHEMA_VERSION,
    CheckResult,
    Finding,
    PacketReport,
    Requirement,
    missing,
    problem,
    section_span,
    warning,
)

NOT_ENCLOSED = "not enclosed (not needed while nothing is sent): "
# Findings `check` works out again from the PDF, the manifest and the day; all others are
# carried over from the build as recorded.
RECOMPUTED = ("deadline.", "manifest.", "packet.")


# Without the practice's signature image the packet leaves here with an empty signature line.
# Medicare dismisses a redetermination or reconsideration request its party did not sign (42 CFR
# 405.944(b), 405.964(b)): the rule is cited where it is that level's; the other levels' forms ask
# for the signature too.
SIGNATURE_RULES = {"CMS-20027": "42 CFR 405.944(b)", "CMS-20033": "42 CFR 405.964(b)"}


def unsigned(profile: PayerProfile, level_id: str) -> Finding:
    rule = SIGNATURE_RULES.get(profile.level(level_id).form or "")
    why = (f"Medicare dismisses an unsigned request ({rule})" if rule else
           "Medicare asks for the requester's signature at every level")
    return warning("signature.missing", "no signature image for this practice (practices.<NPI>.signature in "
                   f"appealgen.yaml): sign the letter and the cover sheet by hand before sending; {why}")


def manifest_findings(required: list[Requirement], submitted: bool) -> list[Finding]:
    """Missing documents fail a request that is sent; when nothing is sent they only warn."""
    absent = [r.description for r in required if not r.present]
    if not absent:
        return []
    if submitted:
        return [missing("manifest.missing", description) for description in absent]
    return [warning("manifest.not_enclosed", f"{NOT_ENCLOSED}{', '.join(absent)}")]


def limit_findings(profile: PayerProfile, pages: int, size: int | None) -> list[Finding]:
    """The payer's page and file-size limits; sizes in MB (10^6 bytes), as payers state them."""
    findings = []
    max_pages, max_mb = profile.limits.max_pages, profile.limits.max_file_mb
    if max_pages and pages > max_pages:
        findings.append(problem("limit.pages", f"packet has {pages} pages; {profile.id} accepts at most {max_pages}"))
    if max_mb and size is not None and size > max_mb * 1_000_000:
        findings.append(problem("limit.size", f"packet is {size / 1_000_000:.3g} MB; {profile.id} accepts files up "
                                f"to {max_mb:g} MB"))
    return findings


def check_build(
    plan: Plan, claim: Claim, profile: PayerProfile, parts: list[Part], pages: int, size: int | None,
    identity: IdentityCheck, letter: Part | None = None, signed: bool = True,
) -> CheckResult:
    """Everything that decides whether the packet may be submitted. `size` is None before the
    packet has been laid out; `signed`: the practice's signature image is on the letter."""
    findings = list(plan.findings)
    if not signed and profile.kind == "medicare":
        findings.append(unsigned(profile, plan.level))
    findings += identity.findings(parts, claim)
    findings += removal_findings([p for p in [letter, *parts] if p is not None])
    if letter is not None:
        findings += letter_date_findings(letter, claim) + letter_claim_findings(letter, claim)
    findings += limit_findings(profile, pages, size)
    findings += manifest_findings(plan.required, plan.submitted)
    return CheckResult.of(findings)


def read_report(folder: Path) -> PacketReport:
    path = folder / "packet.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
            raise InputError(path, "schema_version", f"not {SCHEMA_VERSION}: written by another appealgen version; "
                             "rebuild the packet")
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

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.result.passed else EXIT_CHECK_FAILED


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
        reader = open_pdf(path.read_bytes())
        _ = len(reader.pages)
        return reader
    except FileNotFoundError:
        raise InputError(path, None, "file not found") from None
    except Exception:
        raise InputError(path, None, "PDF is damaged and cannot be read") from None


def _structure_problems(report: PacketReport, reader: PdfReader) -> list[Finding]:
    problems = []
    pages = len(reader.pages)
    if pages != report.pages:
        problems.append(problem("packet.pages", f"packet.pdf has {pages} pages; packet.json says {report.pages}"))
    if _outline(reader) != [(s.title, s.first_page - 1) for s in report.sections]:
        problems.append(problem("packet.bookmarks", "bookmarks do not match the sections in packet.json"))
    covered = [p for s in report.sections for p in range(s.first_page, s.last_page + 1)]
    if covered != list(range(1, report.pages + 1)):
        problems.append(problem("packet.ranges", "section page ranges do not cover every page exactly once"))
    return problems


def _stamp_problems(report: PacketReport, reader: PdfReader) -> list[Finding]:
    """Every page carries its own stamp; the first page that does not is reported."""
    total = len(reader.pages)
    incomplete = not report.check.passed
    printed = mark_of(report.stamp)  # the claim number as it was printed, with the account
    mark = printed if printed.split("  ")[0] == report.claim_id else report.claim_id
    for number, page in enumerate(reader.pages, start=1):
        text = _flat(page.extract_text())
        want = _flat(stamp_text(mark, number, total, incomplete))
        if want not in text or (not incomplete and INCOMPLETE in text):
            return [problem("packet.stamp", f"page {number}: stamp {want!r} not found")]
    return []


def _index_problems(report: PacketReport, reader: PdfReader) -> list[Finding]:
    """Each section's title must be followed by its page range (white space ignored: long
    titles wrap, and words may break anywhere)."""
    index_pages = [n for s in report.sections if s.kind == "index" for n in range(s.first_page, s.last_page + 1)]
    text = "".join(re.sub(r"\s+", "", reader.pages[n - 1].extract_text() or "")
                   for n in index_pages if n <= len(reader.pages))
    problems = []
    for section in report.sections:
        span = section_span(section.first_page, section.last_page)
        if re.sub(r"\s+", "", section.title) + span not in text:
            problems.append(problem("packet.index", f"index does not list {section.title!r} on pages {span}"))
    return problems


def _requirements(report: PacketReport, profile: PayerProfile) -> list[Requirement]:
    """What the plan required, as recorded, plus what the payer's current manifest requires
    now, each checked against the sections the packet holds."""
    kinds = {AttachmentKind(s.kind) for s in report.sections if s.kind in AttachmentKind.__members__}
    recorded = [r.model_copy(update={"present": any(k in kinds for k in r.kinds)}) for r in report.required]
    # The plan recorded that the request rests on a refused authorization: none exists to ask for now.
    refused = any(r.description == AFTER_REFUSAL[0][0] for r in report.required)
    current = required_documents(profile, report.category, report.level, report.first_dos, report.action, kinds, [],
                                 codes=report.procedure_codes, refused=refused)
    return recorded + [r for r in current if r.description not in {x.description for x in recorded}]


def _nothing_to_send(report: PacketReport, folder: Path) -> CheckResult:
    """No request to check; a packet.pdf beside it is from an earlier build and must not be sent."""
    if (folder / "packet.pdf").exists():
        return CheckResult.of([problem("packet.stale", "packet.pdf is left from an earlier build, but this claim "
                                       f"has nothing to send ({report.action.value}): do not send it")])
    return CheckResult.of(list(report.check.findings))


def verify_packet(folder: Path, profile_of: Callable[[str, Path], PayerProfile], today: date) -> Verification:
    """Re-read packet.pdf and confirm it agrees with packet.json, the payer's current manifest
    and, on `today`, the filing deadline. `profile_of(payer_id, blame)` loads a profile."""
    report = read_report(folder)
    if report.status == "nothing_to_send":
        return Verification(report, _nothing_to_send(report, folder))
    profile = profile_of(report.payer, folder / "packet.json")
    reader = _open_pdf(folder / "packet.pdf")
    try:  # reading each page's text decompresses its content: a file replaced by a bomb stops here
        findings = _structure_problems(report, reader) + _stamp_problems(report, reader)
        findings += _index_problems(report, reader)
    except PyPdfError:
        raise InputError(folder / "packet.pdf", None, "PDF is damaged and cannot be read") from None
    findings += [f for f in report.check.findings if not f.code.startswith(RECOMPUTED)]
    submitted = report.action in SUBMITTED
    findings += manifest_findings(_requirements(report, profile), submitted)
    if submitted:
        step = next((step for step in profile.steps() if step.id == report.level), None)
        findings += deadline_findings(report.good_cause, report.deadline, (report.deadline - today).days, step)
    return Verification(report, CheckResult.of(findings))
