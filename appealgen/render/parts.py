"""The packet's rendered parts: the letter (HTML through WeasyPrint, or a Word template filled
in and converted with the packet's other Word documents in one call) and the remittance page
made from the claim's own 835 record."""

from __future__ import annotations

from pathlib import Path

from appealgen.attachments import Part, set_converted, sha256
from appealgen.errors import InputError
from appealgen.models import Claim, RemittanceRecord
from appealgen.plan import Plan
from appealgen.practice import practice_for
from appealgen.preflight import read_regular
from appealgen.render.context import Extras, LetterContext
from appealgen.render.docx import render_docx
from appealgen.render.env import render_string
from appealgen.settings import SIGNATURE_BYTES, Settings
from appealgen.toolkit import Toolkit

REMITTANCE_TEMPLATE = "cover_sheets/remittance_advice.html"


def extras(settings: Settings, tools: Toolkit, claim: Claim) -> Extras:
    practice = practice_for(claim, settings.file)
    # checked when the settings loaded; read bounded again, as it may have changed since
    image = read_regular(practice.signature, SIGNATURE_BYTES) if practice and practice.signature else None
    return Extras(signature=image, code_text=tools.descriptions())


def remittance_title(record: RemittanceRecord) -> str:
    return f"Remittance advice (835), {record.payment_date:%m/%d/%Y}" if record.payment_date else \
        "Remittance advice (835)"


def render_remittance(tools: Toolkit, record: RemittanceRecord, claim_id: str, context: LetterContext) -> Part:
    """The remittance page, from this claim's record of its 835 (no other claim is in it)."""
    html = render_string(tools.env, REMITTANCE_TEMPLATE, context.mapping())
    title = remittance_title(record)
    part = Part("remittance_advice", title, f"{record.source} (claim {claim_id})",
                sha256(record.model_dump_json().encode()), field="remittance")
    pdf = tools.renderer.pdf(html, tools.workspace.builtin / "templates", REMITTANCE_TEMPLATE)
    set_converted(part, pdf, Path(REMITTANCE_TEMPLATE), "remittance")
    return part


def render_letter(tools: Toolkit, path: Path, name: str, context: LetterContext, tmp: Path,
                  signature: bytes | None = None) -> tuple[Part, Path | None]:
    """The letter as a packet part (`signature`: the image a Word letter places as a picture)."""
    title = letter_title(context.plan)
    part = Part("letter", title, name, sha256(path.read_bytes()))
    if path.suffix.lower() == ".docx":
        tools.checked_template(name, path)  # a broken tag fails here, never drops a paragraph
        out = tmp / "letter.docx"
        images = {"signature": signature} if signature else None
        render_docx(path, context.mapping(), tools.env, out, images)
        part.docx = out
        return part, out
    html = render_string(tools.env, tools.workspace.template_name(path), context.mapping())
    part.pdf = tools.renderer.pdf(html, path.parent, name)
    set_converted(part, part.pdf, path, "letter")
    return part, None


def request_name(plan: Plan) -> str:
    """What a packet asks for, as its title and its letter's title say it."""
    if plan.action.value == "corrected_claim":
        return "Corrected claim"
    if plan.action.value == "request_authorization":
        return "Request for retroactive authorization"
    return f"{plan.level_name.split(' (')[0]} request"


def letter_title(plan: Plan) -> str:
    """The letter's title in the index: what it asks for."""
    if plan.action.value == "corrected_claim":
        return "Corrected claim cover letter"
    if plan.action.value == "request_authorization":
        return request_name(plan)
    return f"{request_name(plan)} letter"


def packet_title(plan: Plan) -> str:
    """The packet PDF's title: what it asks for and the claim, never the patient."""
    return f"{request_name(plan)} packet {plan.claim_id}"


def convert_word(tools: Toolkit, parts: list[Part], origin: Path, tmp: Path, letter_docx: Path | None) -> None:
    """All Word documents of one packet go through one conversion call. `parts[0]` is the letter."""
    pending: list[tuple[Part, Path, Path, str | None]] = []  # part, copy, who to blame, field
    for n, part in enumerate(parts):
        if part.docx is None:
            continue
        if n == 0 and letter_docx is not None:
            pending.append((part, letter_docx, Path(part.source), None))
            continue
        # The bytes preflight checked, not the file again (it may have changed since); distinct
        # names, as the converter writes <stem>.pdf.
        copy = tmp / f"attachment-{n}.{part.office_type or 'docx'}"
        copy.write_bytes(part.office)
        pending.append((part, copy, origin, part.field))
    if not pending:
        return
    outdir = tmp / "pdf"
    outdir.mkdir()
    pdfs = tools.converter.convert([copy for _, copy, _, _ in pending], outdir)
    for (part, _copy, blame, where), pdf in zip(pending, pdfs, strict=True):
        if pdf is None:
            raise InputError(blame, where, "LibreOffice could not convert this Word document to PDF")
        set_converted(part, pdf.read_bytes(), blame, where or "letter")
