"""Attachments as people keep them: a claim's folder under --attachments-root holds files of any
name (PDF, TIFF, JPEG, PNG, DOCX), and file-name patterns say which kind each one is.

A pattern is words, each of which may end in `*` ("progress note*", "swo", "auth*"); it matches a
file whose name holds those words in that order (case and the separators - _ . and spaces do not
matter). The workspace's patterns (appealgen.yaml `attachment_names`) are tried first, then the
built-in ones; the first match wins. A file no pattern matches is not attached: it is listed."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from appealgen.models import KIND_LABELS
from appealgen.models import AttachmentKind as K
from appealgen.output import counted

SUPPORTED = {".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png", ".docx"}
# Specific names before general ones: "primary eob" before "eob", "timely filing report" before "report".
BUILT_IN: tuple[tuple[str, K], ...] = (
    ("primary eob", K.primary_eob), ("primary payer*", K.primary_eob), ("cob eob", K.primary_eob),
    ("corrected claim*", K.corrected_claim), ("cms 1500", K.corrected_claim), ("cms1500", K.corrected_claim),
    ("ub 04", K.corrected_claim), ("ub04", K.corrected_claim),
    ("proof of timely filing", K.proof_of_timely_filing), ("timely filing", K.proof_of_timely_filing),
    ("acceptance report*", K.proof_of_timely_filing), ("clearinghouse*", K.proof_of_timely_filing),
    ("redetermination notice", K.decision_notice), ("redetermination decision", K.decision_notice),
    ("reconsideration decision", K.decision_notice), ("decision notice", K.decision_notice),
    ("decision letter", K.decision_notice), ("dismissal*", K.decision_notice), ("mrn", K.decision_notice),
    ("abn", K.abn), ("advance beneficiary notice", K.abn), ("cms r 131", K.abn), ("cmsr131", K.abn),
    ("lmn", K.medical_necessity_letter), ("letter of medical necessity", K.medical_necessity_letter),
    ("medical necessity letter", K.medical_necessity_letter),
    ("cmn", K.cmn), ("certificate of medical necessity", K.cmn),
    ("remittance*", K.remittance_advice), ("remit", K.remittance_advice), ("ra", K.remittance_advice),
    ("era", K.remittance_advice), ("eob", K.remittance_advice),
    ("auth*", K.authorization), ("prior auth*", K.authorization), ("preauth*", K.authorization),
    ("precert*", K.authorization),
    ("swo", K.prescription), ("dwo", K.prescription), ("rx", K.prescription), ("prescription*", K.prescription),
    ("written order*", K.prescription), ("order*", K.prescription),
    ("pod", K.delivery_ticket), ("proof of delivery", K.delivery_ticket), ("delivery*", K.delivery_ticket),
    ("progress note*", K.progress_notes), ("visit note*", K.progress_notes), ("office note*", K.progress_notes),
    ("clinic note*", K.progress_notes), ("chart note*", K.progress_notes), ("notes", K.progress_notes),
    ("sleep stud*", K.medical_records), ("psg", K.medical_records), ("polysomno*", K.medical_records),
    ("oximetry", K.medical_records), ("lab*", K.medical_records), ("test result*", K.medical_records),
    ("medical record*", K.medical_records), ("record*", K.medical_records), ("report*", K.medical_records),
)

# What a built-in pattern says beyond its kind: the index, the letter's enclosures and the
# request form name the document so ("Sleep study, 08/20/2026", not "Medical records").
TITLES: dict[str, str] = {
    "sleep stud*": "Sleep study", "psg": "Sleep study (PSG)", "polysomno*": "Polysomnogram",
    "oximetry": "Oximetry", "lab*": "Lab results", "test result*": "Test results",
    "mrn": "Medicare Redetermination Notice", "redetermination notice": "Redetermination notice",
    "redetermination decision": "Redetermination decision", "reconsideration decision": "Reconsideration decision",
    "dismissal*": "Dismissal notice", "swo": "Standard written order", "dwo": "Detailed written order",
    "acceptance report*": "Acceptance report", "clearinghouse*": "Clearinghouse report",
    "cms 1500": "Corrected claim (CMS-1500)", "cms1500": "Corrected claim (CMS-1500)",
    "ub 04": "Corrected claim (UB-04)", "ub04": "Corrected claim (UB-04)",
}


def words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s_.\-]+", text.lower()) if w]


def matches(pattern: str, name: str) -> bool:
    """The pattern's words appear in the name's words, in order and next to each other."""
    want, have = words(pattern), words(name)
    for start in range(len(have) - len(want) + 1):
        if all(_word(w, h) for w, h in zip(want, have[start:start + len(want)], strict=True)):
            return True
    return False


def _word(pattern: str, word: str) -> bool:
    return word.startswith(pattern[:-1]) if pattern.endswith("*") else word == pattern


def kind_of(name: str, patterns: list[tuple[str, K]]) -> K | None:
    found = match_of(name, patterns)
    return found[1] if found else None


def match_of(name: str, patterns: list[tuple[str, K]]) -> tuple[str, K] | None:
    """The first pattern that matches the file's name, and its kind."""
    stem = Path(name).stem
    return next(((pattern, kind) for pattern, kind in patterns if matches(pattern, stem)), None)


def patterns(workspace: Mapping[str, K] | None = None) -> list[tuple[str, K]]:
    """The workspace's patterns, then the built-in ones (and each kind's own name, such as
    "progress_notes", for folders named the old way)."""
    own = list((workspace or {}).items())
    return [*own, *((kind.value, kind) for kind in K), *BUILT_IN]


@dataclass
class Found:
    attachments: list[dict[str, str]] = field(default_factory=list)  # kind, path (relative to root), title
    unused: list[tuple[Path, str]] = field(default_factory=list)  # each file left out, and why
    folder: Path | None = None  # <root>/<claim_id>


def unused_lines(found: Found, verbose: bool) -> list[str]:
    """The files left out, for the user: by name with `verbose`; else counted in the claim's
    folder, one line per reason (a file's name, or a subfolder's, may carry the patient's)."""
    if verbose:
        return [f"{path}: not attached ({why})" for path, why in found.unused]
    reasons = Counter(why for _, why in found.unused)
    return [f"{found.folder}: {counted(count, 'file')} not attached ({why}; --verbose names "
            f"{'them' if count > 1 else 'it'})" for why, count in reasons.items()]


def _title(kind: K, path: Path, pattern: str) -> str:
    """The document in words (what its pattern says, else its kind) with the file's date when its
    name carries one ("Progress notes, 08/12/2026"). Never the file's own words: a name may carry
    the patient's, or nothing a reviewer can read ("scan0012")."""
    name = TITLES.get(pattern, KIND_LABELS[kind])
    found = re.search(r"(\d{4})-(\d{2})-(\d{2})", path.stem)
    return f"{name}, {found.group(2)}/{found.group(3)}/{found.group(1)}" if found else name


def by_name(root: Path | None, claim_id: str, workspace: Mapping[str, K] | None = None) -> Found:
    """The files of `<root>/<claim_id>/` (and its subfolders) with a kind each, paths relative to
    root; the files left out, each with the reason."""
    folder = root / claim_id if root is not None else None
    found = Found(folder=folder)
    if root is None or folder is None or not folder.is_dir():
        return found
    table = patterns(workspace)
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        relative = path.relative_to(root).as_posix()
        if path.suffix.lower() not in SUPPORTED:
            # the suffix only when it is one ("Notes for J. Smith" has ". Smith"): it is shown without --verbose
            plain = re.fullmatch(r"\.[A-Za-z0-9]{1,5}", path.suffix)
            what = f"a {path.suffix} file" if plain else "a file of another type"
            found.unused.append((path, f"{what}; attachments are PDF, TIFF, JPEG, PNG or DOCX"))
            continue
        match = match_of(path.name, table)
        if match is None:
            found.unused.append((path, "no attachment kind matches its name; rename it or add a pattern to "
                                       "attachment_names in appealgen.yaml"))
            continue
        pattern, kind = match
        found.attachments.append({"kind": kind.value, "path": relative, "title": _title(kind, path, pattern)})
    order = list(K)
    found.attachments.sort(key=lambda a: (order.index(K(a["kind"])), a["path"]))  # by kind, as the packet orders
    _number_repeats(found.attachments)
    return found


def _number_repeats(attachments: list[dict[str, str]]) -> None:
    """Two documents of one kind and title are told apart in the index: "(1)", "(2)"."""
    titles = [a["title"] for a in attachments]
    seen: dict[str, int] = {}
    for attachment in attachments:
        title = attachment["title"]
        if titles.count(title) > 1:
            seen[title] = seen.get(title, 0) + 1
            attachment["title"] = f"{title} ({seen[title]})"
