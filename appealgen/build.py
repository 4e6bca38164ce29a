"""One item -> one packet folder: the pipeline from a loaded claim to written files.

`build_one(settings, tools, item)` is what every executor runs (in this process, in a pool of
workers, on a cluster): settings are plain data, the toolkit is this process's own."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import NamedTuple

from appealgen import __version__
from appealgen.attachments import Part, confine, prepare, set_converted, sha256
from appealgen.check import check_build
from appealgen.errors import InputError
from appealgen.models import Claim, RemittanceRecord
from appealgen.outcome import Outcome
from appealgen.output import write_atomic, write_files
from appealgen.packet import assemble, stamp_text
from appealgen.payers import PayerProfile, profile_path
from appealgen.plan import Plan, make_plan
from appealgen.practice import practice_for, with_practice
from appealgen.render.context import Extras, LetterContext, letter_context
from appealgen.render.docx import render_docx
from appealgen.render.env import render_string
from appealgen.render.front import Front, render_front
from appealgen.report import SCHEMA_VERSION, CheckResult, PacketReport, Section
from appealgen.settings import Settings
from appealgen.sources.items import Item
from appealgen.storage import label
from appealgen.toolkit import Toolkit

REMITTANCE_TEMPLATE = "cover_sheets/remittance_advice.html"
OUTPUTS = ("packet.pdf", "packet.json", "letter.docx")


class Planned(NamedTuple):
    profile: PayerProfile
    plan: Plan
    claim: Claim  # the item's claim with the practice's details filled in


def plan_item(settings: Settings, tools: Toolkit, item: Item) -> Planned:
    """The plan for the claim completed with the practice's details, with the specialist's
    `--action` if given (a fax cover never reaches a recipient without a fax: the profile's
    `cover_for` picks the transmittal cover, and a profile that asks otherwise fails to load)."""
    claim = with_practice(item.claim, settings.file)
    profile = tools.profile(claim.payer, item.origin)
    wanted = (settings.action, settings.action_reason or "", "--action") if settings.action else None
    plan = make_plan(claim, profile, tools.codes(), settings.today, item.origin, tools.policies(), wanted)
    workspace, payer = settings.workspace, claim.payer
    files = {"letter_file": workspace.describe_file(workspace.template("letters", plan.letter, payer)),
             "cover_file": workspace.describe_file(workspace.template("cover_sheets", plan.cover, payer))}
    return Planned(profile, plan.model_copy(update=files), claim)


def extras(settings: Settings, tools: Toolkit, claim: Claim) -> Extras:
    practice = practice_for(claim, settings.file)
    image = practice.signature.read_bytes() if practice and practice.signature else None
    return Extras(signature=image, code_text=tools.descriptions())


def build_one(settings: Settings, tools: Toolkit, item: Item) -> Outcome:
    """Everything is prepared and checked in memory; files are written only at the end. The
    outputs of an earlier build are removed first, so a build that fails (or is stopped) never
    leaves an older packet behind that `check` would pass."""
    folder = settings.out / item.practice / item.claim_id
    root = settings.attachments_root or item.base
    refuse_overwriting_inputs(folder, [item.source, *(root / a.path for a in item.claim.attachments)])
    remove_outputs(folder)
    planned = plan_item(settings, tools, item)
    if not planned.plan.packet:
        return nothing_to_send(settings, tools, item, planned, folder)
    claim, profile, plan = planned.claim, planned.profile, planned.plan
    parts = [prepare(claim.attachments[i], i, root, Path(item.origin), verbose=settings.verbose)
             for i in plan.attachment_order]
    by_claim_order = sorted(zip(plan.attachment_order, [p.sha256 for p in parts], strict=True))
    digest = inputs_digest(settings, tools, item, profile, [h for _, h in by_claim_order])
    remittance = claim.remittance if not any(p.kind == "remittance_advice" for p in parts) else None
    enclosures = [(p.kind, p.title) for p in parts]
    if remittance is not None:
        enclosures.insert(0, ("remittance_advice", remittance_title(remittance)))
    more = extras(settings, tools, claim)
    context = letter_context(claim, profile, plan, enclosures, settings.today, more)
    if remittance is not None:
        parts.insert(0, render_remittance(tools, remittance, claim.claim_id, context))
    letter_path = settings.workspace.template("letters", plan.letter, claim.payer)
    with tempfile.TemporaryDirectory(prefix="appealgen-") as tmp:
        letter, letter_docx = render_letter(tools, letter_path, plan.letter, context, Path(tmp), more.signature)
        convert_word(tools, [letter, *parts], Path(item.origin), Path(tmp), letter_docx)
        docx_bytes = letter_docx.read_bytes() if letter_docx else None
    parts = [letter, *parts]
    cover = settings.workspace.template("cover_sheets", plan.cover, claim.payer)
    front, pdf, result = assemble_checked(tools, claim, profile, plan, parts, cover, context)
    report = packet_report(item, planned, parts, front, result, cover, digest)
    write_packet(folder, pdf, report, docx_bytes)
    return Outcome(item.origin, claim.claim_id, report=report, folder=folder)


def nothing_to_send(settings: Settings, tools: Toolkit, item: Item, planned: Planned, folder: Path) -> Outcome:
    """No packet: packet.json says what to do instead and why (no packet.pdf is left)."""
    plan = planned.plan
    digest = inputs_digest(settings, tools, item, planned.profile, attachment_digests(settings, item) or [])
    report = PacketReport(
        schema_version=SCHEMA_VERSION, status="nothing_to_send", claim_id=plan.claim_id, payer=plan.payer,
        category=plan.category, action=plan.action, action_reason=plan.action_reason, instead=plan.instead,
        override=plan.override, level=plan.level, deadline=plan.deadline, days_left=plan.days_left,
        letter=plan.letter, cover=plan.cover, letter_file=plan.letter_file, cover_file=plan.cover_file, pages=0,
        sections=[], required=[], good_cause=bool(item.claim.appeal.good_cause), first_dos=plan.first_dos,
        stamp="", check=CheckResult.of([f for f in plan.findings if f.severity == "warning"]),
        inputs_sha256=digest, appealgen_version=__version__,
    )
    write_atomic(folder / "packet.json", (report.model_dump_json(indent=2) + "\n").encode())
    return Outcome(item.origin, plan.claim_id, report=report, folder=folder)


def remove_outputs(folder: Path) -> None:
    """The files an earlier build wrote here (the folder itself and anything else stay)."""
    if not folder.is_dir():  # nothing built here yet, or a file in the way: writing names it
        return
    for name in OUTPUTS:
        (folder / name).unlink(missing_ok=True)


def assemble_checked(
    tools: Toolkit, claim: Claim, profile: PayerProfile, plan: Plan, parts: list[Part], cover: Path,
    context: LetterContext,
) -> tuple[Front, bytes, CheckResult]:
    """Check, lay out and stamp; again if the real length or size changes the verdict, so
    the cover banner, the stamps and packet.json always agree."""
    body = [(p.kind, p.title, p.pages) for p in parts]
    attachments = parts[1:]
    cover_name = tools.workspace.template_name(cover)
    identity = tools.identity_check()
    passed = check_build(plan, claim, profile, attachments, 2 + sum(p.pages for p in parts), None,
                         identity, parts[0]).passed
    for _ in range(3):  # lay out and stamp for a verdict, then confirm the verdict holds
        front = render_front(tools.renderer, tools.env, context, body, not passed, cover_name, cover.parent)
        pdf = assemble(front, parts, claim.claim_id, not passed)
        result = check_build(plan, claim, profile, attachments, front.total_pages, len(pdf), identity, parts[0])
        if result.passed == passed:
            return front, pdf, result
        passed = result.passed
    # A verdict can only turn from passed to failed, so the loop settles in two rounds.
    raise RuntimeError("the packet's check did not settle")


def packet_report(
    item: Item, planned: Planned, parts: list[Part], front: Front, result: CheckResult, cover: Path, digest: str,
) -> PacketReport:
    claim, plan = planned.claim, planned.plan
    sources = [(plan.cover, sha256(cover.read_bytes())), ("index", sha256(front.pdf)),
               *[(p.source, p.sha256) for p in parts]]
    sections = [
        Section(kind=e.kind, title=e.title, first_page=e.first_page, last_page=e.last_page, source=s, sha256=h)
        for e, (s, h) in zip(front.entries, sources, strict=True)
    ]
    return PacketReport(
        schema_version=SCHEMA_VERSION, status="built",
        claim_id=claim.claim_id, payer=planned.profile.id, category=plan.category, action=plan.action,
        action_reason=plan.action_reason, override=plan.override, level=plan.level, deadline=plan.deadline,
        days_left=plan.days_left, letter=plan.letter,
        cover=plan.cover, letter_file=plan.letter_file, cover_file=plan.cover_file, pages=front.total_pages,
        sections=sections, required=plan.required,
        good_cause=bool(claim.appeal.good_cause), first_dos=plan.first_dos,
        stamp=stamp_text(claim.claim_id, 1, front.total_pages, not result.passed), check=result,
        inputs_sha256=digest, appealgen_version=__version__,
    )


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


def letter_title(plan: Plan) -> str:
    """The letter's title in the index: what it asks for."""
    if plan.action.value == "corrected_claim":
        return "Corrected claim cover letter"
    if plan.action.value == "request_authorization":
        return "Request for retroactive authorization"
    return f"{plan.level_name.split(' (')[0]} request letter"


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


def write_packet(folder: Path, pdf: bytes, report: PacketReport, docx: bytes | None) -> None:
    """The files are written as one set (all or none); a letter.docx from an earlier build is
    removed when this build's letter is not a Word template, so the folder never mixes two builds."""
    write_files(folder, {"letter.docx": docx, "packet.pdf": pdf,
                         "packet.json": (report.model_dump_json(indent=2) + "\n").encode()})


def refuse_overwriting_inputs(folder: Path, inputs: list[Path]) -> None:
    outputs = {(folder / name).resolve() for name in OUTPUTS}
    for path in inputs:
        if path.resolve() in outputs:
            raise InputError(path, None, "is also an output of this build; choose another --out")


def inputs_digest(settings: Settings, tools: Toolkit, item: Item, profile: PayerProfile,
                  attachments: list[str]) -> str:
    """One hash over everything that shapes a packet, computable before building it (a rerun
    skips a packet whose hash is unchanged): the claim's own data, each attachment file, every
    template, the payer profile, the workspace settings, the code table, the letter's date (the
    letter states it and the days left) and the appealgen version."""
    digest = hashlib.sha256()
    settings_file = settings.workspace.settings_file()
    profile_file = profile_path(settings.workspace, profile.id)
    for value in (item.digest, *attachments, tools.templates_digest(), tools.file_digest(profile_file),
                  tools.file_digest(tools.codes_file()), tools.file_digest(settings_file) if settings_file else "",
                  label(settings, settings.attachments_root or ""), settings.today.isoformat(), __version__):
        digest.update(value.encode() + b"\0")
    return digest.hexdigest()


def attachment_digests(settings: Settings, item: Item) -> list[str] | None:
    """The sha256 of each attachment file in claim order, or None when one cannot be read
    (the build then says why)."""
    root = settings.attachments_root or item.base
    digests = []
    for index, attachment in enumerate(item.claim.attachments):
        try:
            path = confine(attachment.path, root, Path(item.origin), f"attachments[{index}].path")
            digests.append(sha256(path.read_bytes()))
        except (InputError, OSError):
            return None
    return digests
