"""Identity: does every page of each attachment belong to this claim's patient? A page of
another patient in a packet is an impermissible disclosure, so each page must name the member
ID, or the first and last name, and no other member ID, before the packet may be sent.

Every page is read (a right first page must not hide a wrong page 14), with pdfium. Pages
without text are scans: OCR gives them text when asked for (only those pages, cached by file
hash); otherwise they are named as unverified, a warning that `strict` makes a failure.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Literal

from appealgen.attachments import Part
from appealgen.models import MBI, MBI_EITHER, MBI_LETTER, Claim, Patient, name_key, plain, unaccented
from appealgen.report import Finding, problem, section_span, warning

PAGE_MIN_TEXT = 40  # characters of text below which a page is treated as a scan
PageIdentity = Literal["member", "name", "last", "none", "other", "other_name", "name_differs", "near", "scan",
                       "unreadable"]
UNREADABLE: tuple[PageIdentity] = ("unreadable",)
# A labelled member number: "Member ID: ...", "Subscriber #...", "MBI: ...", "Medicare number ...",
# and the paper remittance's "MID" and "HIC" (HICN). ("Patient ID" is left out: it is often the
# practice's own record number.) Group 1 is what separates the label from the number (a colon or
# #, only spaces, or nothing after a #), group 2 the number.
MEMBER_LABEL = re.compile(
    r"\b(?:(?:member|subscriber|insured|beneficiary|medicare|medicaid|policy)\s*(?:id|identifier|#|no\.?|number)"
    r"|mbi|mid|hicn?)(\s*[:#][\s:#]*|\s+|(?<=#))([A-Z0-9][A-Z0-9 -]{4,22}[A-Z0-9])", re.IGNORECASE)
SHORTEST_ID = 5  # a "number" shorter than this after a label is a count ("policy number 2 of 3"), not an ID
# An MBI anywhere on a page, as cards print it (in groups with dashes, or not): where the patient's
# own member ID is one, any other is another beneficiary's, labelled or not.
MBI_PRINTED = re.compile(rf"(?<![A-Z0-9])[1-9]{MBI_LETTER}{MBI_EITHER}[0-9]-?{MBI_LETTER}{MBI_EITHER}[0-9]-?"
                         rf"{MBI_LETTER}{MBI_LETTER}[0-9][0-9](?![A-Z0-9])")
# A labelled patient's name: "Patient: ...", "Patient name: ...", "Beneficiary: ...", or a header's
# "PATIENT NAME OTHERLY, MARTIN"; group 1 is up to four words after it (digits in them as OCR
# misreads letters: "Testwe1l"; letters of any script). Not the member's, the subscriber's or the insured's name: on a
# plan's papers these name the policyholder, who for a dependant is another person (a parent, a spouse).
NAME_LABEL = re.compile(
    r"\b(?:(?:patient|beneficiary)(?:'s)?(?:[ \t]+name)?[ \t]*:|(?:patient|beneficiary)"
    r"(?:'s)?[ \t]+name(?:[ \t]*:|[ \t]+))[ \t]*([^\W\d_][\w'.-]*(?:,?[ \t]+[^\W\d_][\w'.-]*){0,3})",
    re.IGNORECASE)
# A labelled claim number: "ICN ...", "Claim #: ...", "Payer claim number ...", "Claim number (ICN) ...".
CLAIM_LABEL = re.compile(r"\b(?:ICN|DCN|TCN|(?:payer[ \t]+)?claim[ \t]*(?:#|no\.?|number|id))(?:[ \t]*\([A-Z]{2,4}\))?"
                         r"[ \t]*[:#]?[ \t]*([A-Z0-9][A-Z0-9-]{5,29})", re.IGNORECASE)
# Documents that answer one claim, and name it: one naming only other claims was enclosed by mistake.
NAMES_THE_CLAIM = {"remittance_advice": "remittance advice", "decision_notice": "decision notice"}
# Words that end a labelled name: the next field's label, or a form's blank ("Patient: DOB ...").
NAME_ENDS = frozenset({"DOB", "DATE", "BIRTH", "BORN", "ID", "MEMBER", "MRN", "ACCOUNT", "ACCT", "SEX", "GENDER",
                       "AGE", "ADDRESS", "PHONE", "NUMBER", "NO", "MID", "HIC", "HICN", "MBI", "ICN", "CLAIM",
                       "INSURANCE", "PLAN", "POLICY", "GROUP", "SSN", "SIGNATURE", "NAME", "INFORMATION", "INFO",
                       "SUBSCRIBER", "INSURED", "PAYER", "PROVIDER", "DOS", "SERVICE", "VISIT", "SEEN", "IS", "WAS",
                       "HAS", "AND", "THE", "OF", "FOR", "SEE", "ON", "AT"})


@dataclass(frozen=True)
class Identity:
    """What each page of one document says about the patient (cached by file and patient)."""

    pages: tuple[PageIdentity, ...]
    # labelled on pages with their own text, as `plain` writes them (documents that answer one claim)
    claim_numbers: frozenset[str] = frozenset()

    def numbers(self, *verdicts: PageIdentity) -> list[int]:
        return [n for n, verdict in enumerate(self.pages, start=1) if verdict in verdicts]


IdentityCache = MutableMapping[tuple[str, str], Identity]
OcrCache = MutableMapping[str, dict[int, str]]  # file hash -> OCR text of its pages without text
Ocr = Callable[[bytes, list[int]], dict[int, str]]


def _words(name: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)


def patient_key(patient: Patient) -> str:
    """What identifies the patient for the check: a cached result is valid only for them."""
    return plain(patient.member_id) + "|" + name_key(patient.first_name) + "|" + name_key(patient.last_name)


def page_identity(text: str, patient: Patient, ocr: bool = False) -> PageIdentity:
    """One page's verdict. Another member ID wins over everything: a page that names this
    patient and also another member belongs to someone else too. An ID a character or two off
    this patient's is OCR's misreading on a page `ocr` read (the page is then judged by the
    name); on a page with its own text it may be another patient's, and is named as such."""
    if len(text.strip()) < PAGE_MIN_TEXT:
        return "scan"
    text = unaccented(text)  # "Jose Pena" on a page is the claim's "José Peña"
    member = plain(patient.member_id)
    matches = {_match(value, member) for value in _member_ids(text, member)}
    if "other" in matches:
        return "other"
    named = bool(member) and _standalone(member).search(text) is not None
    another = _names_another(text, patient, ocr)
    if another is not None:
        # Beside this patient's member ID or first name, another labelled name may be another patient's
        # line, or this patient written otherwise ("Rosa T."): a person checks. Else, another patient.
        return "name_differs" if named or another == "first" else "other_name"
    if "near" in matches and not ocr:
        return "near"
    if named:
        return "member"
    if _words(unaccented(patient.last_name)).search(text):
        return "name" if _words(unaccented(patient.first_name)).search(text) else "last"
    return "none"


def _member_ids(text: str, member: str) -> set[str]:
    """The member IDs the page names: labelled ones, and any MBI when the patient's ID is one."""
    found = _labelled_ids(text)
    if MBI.fullmatch(member):
        found |= {plain(printed) for printed in MBI_PRINTED.findall(text)}
    return found


def _names_another(text: str, patient: Patient, ocr: bool) -> Literal["first", "other"] | None:
    """A patient's name the page labels without this patient's last name (on a page OCR read, a
    word a character off is taken as the name misread): "first" when it holds the first name,
    "other" when not; None when every labelled name is this patient's."""
    def holds(words: list[str], name: str) -> bool:
        parts = [part for part in (name_key(word) for word in name.split()) if part]
        return all(any(_distance(word, part, allowed) <= allowed for word in words) for part in parts)

    allowed = 1 if ocr else 0
    found: Literal["first", "other"] | None = None
    for match in NAME_LABEL.finditer(text):
        words = [name_key(word) for word in re.split(r"[\s,]+", match.group(1))]
        if holds(words, patient.last_name):
            continue  # this patient's name (a last name may be a word that ends names: "Subscriber")
        named = list(itertools.takewhile(lambda word: word not in NAME_ENDS, words))
        if any(named):  # a name before the next label
            if not holds(named, patient.first_name):
                return "other"
            found = "first"
    return found


def _claim_numbers_of(texts: Sequence[str | None]) -> frozenset[str]:
    """The claim numbers the pages label (numbers hold a digit: "Claim number: pending" is none)."""
    found = (plain(m.group(1)) for text in texts if text for m in CLAIM_LABEL.finditer(text))
    return frozenset(number for number in found if re.search(r"\d", number))


def _labelled_ids(text: str) -> set[str]:
    """The member IDs the page labels. Without a colon or # after the label ("Member ID
    3KQ7HN4TR62"), only a number whose first group holds a digit: "Member ID card" names none."""
    found = set()
    for match in MEMBER_LABEL.finditer(text):
        separator, raw = match.groups()
        if not re.search(r"\d", raw) or (not re.search(r"[:#]", separator) and not re.search(r"\d", raw.split()[0])):
            continue
        value = _labelled_id(raw)
        if len(value) >= SHORTEST_ID:
            found.add(value)
    return found


def _labelled_id(raw: str) -> str:
    """The ID a label gives. The label's pattern stops at a line's end, not a word's, so it may
    run on into the text after the ID ("9XX9XX9XX99 Date of birth"): the ID is its first group
    and the groups after it that hold a digit or are one or two characters long (an ID printed
    in groups, "1EG4 TE5 MK73", or a dependant's suffix, "XYZ123456789 01"), up to the first word."""
    groups = raw.split()
    kept = groups[:1] + list(itertools.takewhile(lambda g: bool(re.search(r"\d", g)) or len(g) <= 2, groups[1:]))
    return plain("".join(kept))


def _match(value: str, member: str) -> Literal["same", "near", "other"]:
    """A labelled ID against the member ID: the same; near (a character or two off, as OCR
    misreads them, or as a typing error gives them); or another's. A longer ID holding the
    member's whole at its start or end is someone else's: a dependant on the same subscriber ID."""
    if value == member:
        return "same"
    if member and (value.startswith(member) or value.endswith(member)):
        return "other"
    allowed = 2 if len(member) >= 8 else 1
    return "near" if _distance(value, member, allowed) <= allowed else "other"


def _distance(a: str, b: str, cap: int) -> int:
    """Edit distance of `a` and `b`, counted no further than `cap` + 1."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return min(previous[-1], cap + 1)


def _standalone(member: str) -> re.Pattern[str]:
    """The member ID in running text, its characters perhaps grouped by spaces or hyphens, and not
    part of a longer ID (a dependant's "XYZ12345678902" does not name "XYZ123456789")."""
    spaced = r"[\s-]?".join(re.escape(char) for char in member)
    return re.compile(rf"(?<![A-Z0-9]){spaced}(?![A-Z0-9])", re.IGNORECASE)


def page_texts(pdf: bytes) -> list[str | None]:
    """The text of every page (None where a page's text cannot be read). pdfium's text by range
    costs a tenth of its text by bounds, with the same characters (those beyond the BMP too)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        texts: list[str | None] = []
        for index in range(len(document)):
            try:
                page = document[index]
                texts.append(page.get_textpage().get_text_range())
            except Exception:  # pdfium's errors name no page content
                texts.append(None)
        return texts
    finally:
        document.close()


def identify(part: Part, patient: Patient, cache: IdentityCache, ocr: Ocr | None = None,
             ocr_cache: OcrCache | None = None) -> Identity:
    """Each page's verdict for `patient`, cached by file hash and patient (and whether OCR ran)."""
    key = (part.sha256, patient_key(patient) + ("|ocr" if ocr else ""))
    if key not in cache:
        cache[key] = _identify(part, patient, ocr, ocr_cache if ocr_cache is not None else {})
    return cache[key]


def _identify(part: Part, patient: Patient, ocr: Ocr | None, ocr_cache: OcrCache) -> Identity:
    try:
        texts = page_texts(part.pdf)
    except Exception:  # a file pdfium cannot open: no page can be verified
        return Identity(UNREADABLE * max(part.pages, 1))
    if len(texts) != part.pages and part.pages:  # two readers disagree: trust neither
        return Identity(UNREADABLE * part.pages)
    pages: list[PageIdentity] = [page_identity(t, patient) if t is not None else "unreadable" for t in texts]
    scans = [n for n, verdict in enumerate(pages, start=1) if verdict == "scan"]
    if ocr is not None and scans:
        if part.sha256 not in ocr_cache:
            ocr_cache[part.sha256] = ocr(part.pdf, scans)
        for number, text in ocr_cache[part.sha256].items():
            if 1 <= number <= len(pages) and pages[number - 1] == "scan":
                pages[number - 1] = page_identity(text, patient, ocr=True)
    # only the documents that answer one claim are judged by the claims they name
    return Identity(tuple(pages), _claim_numbers_of(texts) if part.kind in NAMES_THE_CLAIM else frozenset())


def page_list(numbers: Sequence[int]) -> str:
    """[1, 2, 3, 5] -> 'pages 1–3, 5'; [4] -> 'page 4'."""
    spans: list[tuple[int, int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], number)
        else:
            spans.append((number, number))
    word = "page" if len(numbers) == 1 else "pages"
    return f"{word} " + ", ".join(section_span(a, b) for a, b in spans)


# Documents that list a payment's claims, often for many patients (a paper remittance advice, an
# EOB): a scanned page of them is never sent unverified, because the other patients' lines on it
# would be a disclosure; any other scanned page is a warning (a problem with --strict).
LISTS_PATIENTS = frozenset({"remittance_advice", "primary_eob"})


def document_findings(part: Part, found: Identity, strict: bool, ocr: bool) -> list[Finding]:
    """Findings for one document, each naming it by position and kind and listing its pages."""
    findings = []
    checks: list[tuple[PageIdentity, str, str]] = [
        ("other", "identity.other_member", "names another member ID; this page belongs to another patient"),
        ("other_name", "identity.other_patient", "names another patient; this page belongs to another patient"),
        ("name_differs", "identity.name_differs", "names this patient's member ID and also a patient name that is "
         "not this claim's: another patient's line on the same page, or this patient under another name; check "
         "it against the claim"),
        ("near", "identity.near_member", "names a member ID a character or two off this patient's: a typing "
         "error, or another patient's page; check it against the claim"),
        ("none", "identity.not_named", "does not name this claim's patient or member ID; make sure it belongs "
         "to this claim"),
        ("last", "identity.last_name_only", "names only the patient's last name, not the first name or member ID; "
         "make sure it belongs to this claim"),
        ("unreadable", "identity.unreadable", "has text that cannot be read to confirm the patient; print it to "
         "a new PDF or scan it"),
    ]
    for verdict, code, text in checks:
        numbers = found.numbers(verdict)
        if numbers:
            findings.append(problem(code, f"{part.label}: {page_list(numbers)}: {text}"))
    scans = found.numbers("scan")
    if scans and part.kind in LISTS_PATIENTS:
        advice = "OCR found no text there either" if ocr else "build with --ocr to confirm it names this patient alone"
        findings.append(problem("identity.scan_lists_patients", f"{part.label}: {page_list(scans)}: a scanned "
                                "remittance or EOB page often lists other patients, and nothing confirms this one "
                                f"names only this claim's; {advice}, or enclose the payer's page for this claim "
                                "alone"))
    elif scans:
        advice = "OCR found no text there either" if ocr else "review them, or build with --ocr"
        text = f"{part.label}: {page_list(scans)}: no text to confirm the patient (scanned image); {advice}"
        findings.append(problem("identity.scan", text + " (--strict)") if strict else warning("identity.scan", text))
    return findings


def identity_findings(parts: list[Part], claim: Claim, cache: IdentityCache, ocr: Ocr | None = None,
                      ocr_cache: OcrCache | None = None, strict: bool = False) -> list[Finding]:
    findings: list[Finding] = []
    for part in parts:
        found = identify(part, claim.patient, cache, ocr, ocr_cache)
        findings += document_findings(part, found, strict, ocr is not None) + claim_findings(part, found, claim)
    return findings


def claim_findings(part: Part, found: Identity, claim: Claim) -> list[Finding]:
    """A remittance or decision notice whose pages label claim numbers, none of them this claim's
    (the payer's number, or the account): the same patient's document of another claim."""
    ours = {plain(claim.claim_id), *([plain(claim.payer_claim_number)] if claim.payer_claim_number else [])}
    if part.kind not in NAMES_THE_CLAIM or not claim.payer_claim_number or not found.claim_numbers or \
            ours & found.claim_numbers:
        return []
    named = ", ".join(sorted(found.claim_numbers)[:3]) + (", ..." if len(found.claim_numbers) > 3 else "")
    return [warning("identity.other_claim", f"{part.label}: names claim number {named}, not this claim's "
                    f"({claim.payer_claim_number}): enclose the {NAMES_THE_CLAIM[part.kind]} of this claim")]


@dataclass
class IdentityCheck:
    """The identity check as a run configures it: the per-process caches, OCR or not, strict or not."""

    cache: IdentityCache
    ocr: Ocr | None = None
    ocr_cache: OcrCache | None = None
    strict: bool = False

    def findings(self, parts: list[Part], claim: Claim) -> list[Finding]:
        return identity_findings(parts, claim, self.cache, self.ocr, self.ocr_cache, self.strict)
