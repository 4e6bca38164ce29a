"""Synthetic claims for the batch benchmark: each packet has about 31 pages (cover, index, a
2-page letter, five PDF attachments of 23 dense pages naming the patient on every page, and a
5-page fax TIFF). Every patient, provider and ID is invented."""

from __future__ import annotations

import base64
import io
import random
from pathlib import Path

import yaml
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

ATTACHMENTS = [("remittance_advice", 3), ("progress_notes", 8), ("medical_records", 6), ("prescription", 2),
               ("cmn", 4)]  # 23 pages
WORDS = (
    "patient", "reports", "daytime", "sleepiness", "snoring", "witnessed", "apneas", "hypertension", "follow",
    "up", "titration", "mask", "fit", "adherence", "download", "hours", "nightly", "usage", "pressure",
    "humidifier", "interface", "compliance", "review", "clinical", "notes", "assessment", "plan", "continue",
    "therapy",
)
ARGUMENT = " ".join(["The enclosed sleep study, progress notes and adherence downloads show that the patient meets "
                     "every criterion of the coverage policy for this item."] * 14)


def base_document(pages: int, seed: int) -> bytes:
    """Clinical-looking pages as an EHR exports them: embedded fonts, a letterhead image, dense
    paragraphs (rendered once per kind; each claim then gets its own copy naming its patient)."""
    from weasyprint import HTML

    rng = random.Random(seed)
    logo = io.BytesIO()
    Image.effect_noise((300, 80), 60).convert("RGB").save(logo, "JPEG", quality=70)
    image = "data:image/jpeg;base64," + base64.b64encode(logo.getvalue()).decode()
    sections = []
    for _ in range(pages):
        paragraphs = "".join(f"<p>{' '.join(rng.choice(WORDS) for _ in range(60))}</p>" for _ in range(9))
        sections.append(f'<section style="page-break-after: always"><img src="{image}" width="150">'
                        f"<h2>Visit record</h2>{paragraphs}</section>")
    html = f"<html><body style='font-family: DejaVu Sans; font-size: 9pt'>{''.join(sections)}</body></html>"
    return bytes(HTML(string=html).write_pdf())


def for_patient(base: bytes, patient: str, member: str) -> bytes:
    """A copy of `base` whose every page names the patient and member ID (a header line)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(base)))
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")}))
    for number, page in enumerate(writer.pages, start=1):
        resources = page["/Resources"].get_object()
        assert isinstance(resources, DictionaryObject)
        fonts = resources.get("/Font")
        if fonts is None:
            resources[NameObject("/Font")] = fonts = DictionaryObject()
        font_table = fonts.get_object()
        assert isinstance(font_table, DictionaryObject)
        font_table[NameObject("/FBench")] = font
        stream = DecodedStreamObject()
        stream.set_data(f"BT /FBench 8 Tf 40 780 Td (Patient: {patient}   Member ID: {member}   Page {number} of "
                        f"{len(writer.pages)}) Tj ET".encode("latin-1"))
        contents = page.get("/Contents")
        parts = ArrayObject([writer._add_object(stream)])
        if contents is not None:
            resolved = contents.get_object()
            parts.extend(resolved if isinstance(resolved, ArrayObject) else [contents])
        page[NameObject("/Contents")] = parts
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def fax_tiff(pages: int = 5) -> bytes:
    """A multi-page CCITT G4 fax TIFF at 204x196 dpi with a few lines of 'text'."""
    frames = []
    for number in range(pages):
        frame = Image.new("1", (1728, 2200), 1)
        draw = ImageDraw.Draw(frame)
        for row in range(40):
            draw.rectangle((100, 150 + row * 48, 100 + (row * 37 + number * 53) % 1400 + 100, 170 + row * 48), fill=0)
        frames.append(frame)
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", compression="group4", save_all=True, append_images=frames[1:],
                   dpi=(204, 196))
    return out.getvalue()


def claim(n: int, letter: str) -> dict[str, object]:
    first, last = f"Bench{n:05d}", "Synthetic"
    member = f"9BN{n:07d}X"
    return {
        "claim_id": f"BENCH-{n:05d}", "payer": "commercial", "payer_claim_number": f"BPCN{n:08d}",
        "patient": {"first_name": first, "last_name": last, "dob": "1950-01-02", "member_id": member},
        "provider": {"name": "Bench Supply Co", "npi": "1538261953", "ptan": "BNCH1", "tax_id": "00-0000123",
                     "address": "1 Bench Road, Benchville, EX 00000", "phone": "555-0199", "fax": "555-0198",
                     "email": "billing@benchsupply.example", "contact": "Pat Bench",
                     "requester": {"name": "Pat Bench", "title": "Billing Specialist"}},
        "service_lines": [{"dos": "2026-09-02", "code": "E0601", "modifiers": ["RR", "KX"], "units": 1,
                           "billed": "245.00", "paid": 0, "diagnosis": ["G47.33"], "carc": ["50"], "group": "CO"}],
        "denial": {"date": "2026-10-14", "carc": ["50"], "group": "CO"},
        "appeal": {"letter": letter, "argument": ARGUMENT,
                   "policy": {"id": "BP-0101", "title": "Positive Airway Pressure Devices (bench plan policy)"}},
        "attachments": [*[{"kind": kind, "path": f"docs/{n:05d}/{kind}.pdf"} for kind, _ in ATTACHMENTS],
                        {"kind": "delivery_ticket", "path": "docs/fax.tif", "title": "Delivery ticket (fax)"}],
    }


def make_claims(folder: Path, count: int, letter: str) -> Path:
    """Write `count` claims (one list file) and their documents under `folder`; returns the file."""
    docs = folder / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "fax.tif").write_bytes(fax_tiff())
    bases = {kind: base_document(pages, seed) for seed, (kind, pages) in enumerate(ATTACHMENTS)}
    claims = []
    for n in range(count):
        data = claim(n, letter)
        own = docs / f"{n:05d}"
        own.mkdir(exist_ok=True)
        patient = f"Bench{n:05d} Synthetic"
        member = f"9BN{n:07d}X"
        for kind, _ in ATTACHMENTS:
            (own / f"{kind}.pdf").write_bytes(for_patient(bases[kind], patient, member))
        claims.append(data)
    path = folder / "claims.yaml"
    path.write_text(yaml.safe_dump(claims, sort_keys=False))
    return path


def qpdf_inputs(folder: Path, n: int) -> list[Path]:
    """The PDF inputs of claim `n`, as `qpdf --empty --pages` would concatenate them."""
    own = folder / "docs" / f"{n:05d}"
    return [own / f"{kind}.pdf" for kind, _ in ATTACHMENTS]
