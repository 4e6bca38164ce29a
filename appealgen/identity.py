"""Identity: does each attachment name this claim's patient? A document of another patient in
a packet is an impermissible disclosure, so a page must name the member ID, or the first and
last name, before the packet may be sent."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Literal

from appealgen.attachments import Part
from appealgen.models import Claim, Patient
from appealgen.pdf import open_pdf
from appealgen.report import Finding, problem, warning

IDENTITY_MIN_TEXT = 40  # characters of text below which a document is treated as a scan
Identity = Literal["member", "name", "last", "none", "scan", "unreadable"]
IdentityCache = MutableMapping[tuple[str, str], Identity]


def _normal(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def _words(name: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)


def patient_key(patient: Patient) -> str:
    """What identifies the patient for the check: a cached result is valid only for them."""
    return _normal(patient.member_id) + "|" + _normal(patient.first_name) + "|" + _normal(patient.last_name)


def identify(part: Part, patient: Patient, cache: IdentityCache) -> Identity:
    """"member" or "name" (first and last) when the text names this patient, "last" when only
    the last name appears (a relative or a clinician may share it), "none" when the text names
    neither, "scan" when there is no text to read, "unreadable" when the text layer cannot be
    read. Results are cached by file hash and patient."""
    key = (part.sha256, patient_key(patient))
    if key not in cache:
        cache[key] = _identify(part.pdf, patient)
    return cache[key]


def _identify(pdf: bytes, patient: Patient) -> Identity:
    member, first_name, last_name = _normal(patient.member_id), _words(patient.first_name), _words(patient.last_name)
    seen_text, found = 0, "none"
    try:
        for page in open_pdf(pdf).pages:
            text = page.extract_text() or ""
            seen_text += len(text.strip())
            if member in _normal(text):
                return "member"
            if last_name.search(text):
                found = "name" if first_name.search(text) else "last"
                if found == "name":
                    return "name"
    except Exception:  # pypdf fails on broken content streams in many ways
        return "unreadable"
    if found == "last":
        return "last"
    return "none" if seen_text >= IDENTITY_MIN_TEXT else "scan"


def identity_findings(parts: list[Part], claim: Claim, cache: IdentityCache) -> list[Finding]:
    findings = []
    for part in parts:
        found = identify(part, claim.patient, cache)
        if found == "none":
            findings.append(problem("identity.not_named", f"{part.source}: does not name this claim's patient or "
                                    "member ID; make sure it belongs to this claim"))
        elif found == "last":
            findings.append(problem("identity.last_name_only", f"{part.source}: names only the patient's last name, "
                                    "not the first name or member ID; make sure it belongs to this claim"))
        elif found == "unreadable":
            findings.append(problem("identity.unreadable", f"{part.source}: its text cannot be read to confirm the "
                                    "patient; print it to a new PDF or scan it"))
        elif found == "scan":
            findings.append(warning("identity.scan", f"{part.source}: no text to confirm the patient (scanned "
                                    "image); review it"))
    return findings
