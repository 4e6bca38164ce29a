"""Helpers shared by the behaviour tests: the command line on real files, claim folders, 835s
and PDFs with unusual parts. Every patient, provider and payer is invented."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from appealgen.cli import main
from tests.conftest import PLAN_POLICY, REPO, claim_dict
from tests.pdfs import make_pdf, reachable
from tests.x12gen import ClaimSpec, interchange

HTML_LETTER = {"letter": "reconsideration.html", "argument": "The records support the claim.",
               "policy": PLAN_POLICY}
WORKSPACE = ["--workspace", str(REPO)]
AS_OF = ["--as-of", "2026-11-22", *WORKSPACE]  # the day every packet here is built
# A workspace whose appealgen.yaml holds the practice of the synthetic 835s (NPI 1538261953): claims
# from an 835 carry only the payee's name and NPI, and take every other detail from here.
PRACTICE = REPO / "tests" / "data" / "workspace"
PRACTICE_AS_OF = ["--as-of", "2026-11-22", "--workspace", str(PRACTICE)]
# The closing line of a run stopped by a broken template, before its first claim.
NOTHING_BUILT = ("nothing built: a template this run uses is broken; fix it (appealgen templates check lists every "
                 "problem) and run again")
RA_ONLY = [{"kind": "remittance_advice", "path": "docs/ra.pdf"}]
NOTES_ONLY = [{"kind": "progress_notes", "path": "docs/notes.pdf", "title": "Progress notes"}]

def run(*args: str, env: dict[str, str] | None = None, workspace_line: bool = False) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one command; the first stderr line, which names the
    workspace in use, is left out unless asked for (tests/test_workspace.py checks it)."""
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    stderr = result.stderr
    if not workspace_line and stderr.startswith("workspace: "):
        stderr = stderr.split("\n", 1)[1] if "\n" in stderr else ""
    return result.exit_code, result.stdout, stderr


def build(claim: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    return run("build", str(claim), "--out", str(out), *AS_OF, *extra)


def check(folder: Path, as_of: str = "2026-11-22") -> tuple[int, list[str]]:
    code, _, stderr = run("check", str(folder), "--as-of", as_of, *WORKSPACE)
    return code, stderr.splitlines()


def denied_with(carc: str, rarc: tuple[str, ...] = (), denial_date: str = "2026-10-14",
                dos: str = "2026-09-02") -> dict[str, Any]:
    """claim_dict overrides for a CO denial with one CARC (and remarks) on line and claim."""
    return {
        "service_lines": [{"dos": dos, "code": "E0601", "billed": "245.00", "carc": [carc],
                           "group": "CO", "rarc": list(rarc)}],
        "denial": {"date": denial_date, "carc": [carc], "rarc": list(rarc), "group": "CO"},
    }


def write_claim_in(folder: Path, **overrides: Any) -> Path:
    """Like the write_claim fixture, in a folder of one's own (for several claims per test)."""
    data = claim_dict(**overrides)
    for attachment in data["attachments"]:
        target = folder / attachment["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(make_pdf())
    path = folder / "claim.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(path).pages).split())


def write_835(path: Path, claims: list[ClaimSpec], **kwargs: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(interchange(claims, **kwargs))
    return path


def with_file_attachment(data: bytes, payload: bytes) -> bytes:
    """Add a /FileAttachment annotation on page 1 whose embedded file holds `payload`."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    embedded = DecodedStreamObject()
    embedded.set_data(payload)
    embedded[NameObject("/Type")] = NameObject("/EmbeddedFile")
    filespec = DictionaryObject({
        NameObject("/Type"): NameObject("/Filespec"),
        NameObject("/F"): TextStringObject("other.txt"),
        NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(embedded)}),
    })
    annotation = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/FileAttachment"),
        NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (500, 600, 520, 620)]),
        NameObject("/FS"): writer._add_object(filespec),
        NameObject("/Contents"): TextStringObject("attached file"),
    })
    page = writer.pages[0]
    annots = page.get("/Annots")
    if annots is None:
        annots = ArrayObject()
        page[NameObject("/Annots")] = annots
    annots.append(writer._add_object(annotation))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def subtypes(pdf: Path) -> list[list[str]]:
    """The annotation subtypes of every page."""
    return [[str(ref.get_object().get("/Subtype")) for ref in page.get("/Annots", ArrayObject())]
            for page in PdfReader(pdf).pages]


def object_types(pdf: Path) -> set[str]:
    """The /Type of every dictionary reachable from the trailer."""
    return {str(obj["/Type"]) for obj in reachable(PdfReader(pdf)) if "/Type" in obj}


def records_for(root: Path, claim: ClaimSpec) -> None:
    """ROOT/<claim_id>/<kind>.pdf naming this claim's patient, for the documents a CO-50 needs."""
    folder = root / claim.claim_id
    folder.mkdir(parents=True, exist_ok=True)
    for kind in ("progress_notes", "prescription", "medical_records", "delivery_ticket"):
        lines = [f"Patient: {claim.first} {claim.last}", f"Member ID: {claim.member_id}", kind]
        (folder / f"{kind}.pdf").write_bytes(make_pdf(lines=lines))
