"""One item -> one packet folder: the pipeline from a loaded claim to written files.

`build_one(settings, tools, item)` is what every executor runs (in this process, in a pool of
workers, on a cluster): settings are plain data, the toolkit is this process's own."""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from pathlib import Path

from appealgen import __version__
from appealgen.attachments import Part, confine, prepare, sha256
from appealgen.check import check_build
from appealgen.errors import InputError
from appealgen.models import Claim
from appealgen.outcome import Outcome
from appealgen.output import write_atomic, write_files
from appealgen.packet import assemble, stamp_mark, stamp_text
from appealgen.payers import PayerProfile, profile_path
from appealgen.plan import Plan, disputed_codes, remittance_place
from appealgen.planned import Planned, plan_item
from appealgen.practice import practice_for
from appealgen.render.context import LetterContext, letter_context
from appealgen.render.front import Front, render_front
from appealgen.render.parts import (
    convert_word,
    extras,
    packet_title,
    remittance_title,
    render_letter,
    render_remittance,
)
from appealgen.report import SCHEMA_VERSION, CheckResult, PacketReport, Section
from appealgen.settings import Settings
from appealgen.sources.items import Item
from appealgen.storage import label
from appealgen.toolkit import Toolkit, code_digest

OUTPUTS = ("packet.pdf", "packet.json", "letter.docx")


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
    parts = [prepare(claim.attachments[i], i, root, Path(item.origin), verbose=settings.verbose, cache=tools.preflight)
             for i in plan.attachment_order]
    by_claim_order = sorted(zip(plan.attachment_order, [p.sha256 for p in parts], strict=True))
    digest = inputs_digest(settings, tools, item, profile, [h for _, h in by_claim_order])
    remittance = claim.remittance if not any(p.kind == "remittance_advice" for p in parts) else None
    enclosures = [(p.kind, p.title) for p in parts]
    at = remittance_place(claim, [p.kind for p in parts])
    if remittance is not None:
        enclosures.insert(at, ("remittance_advice", remittance_title(remittance)))
    more = extras(settings, tools, claim)
    context = letter_context(claim, profile, plan, enclosures, settings.today, more)
    if remittance is not None:
        parts.insert(at, render_remittance(tools, remittance, claim.claim_id, context))
    letter_path = settings.workspace.template("letters", plan.letter, claim.payer)
    with tempfile.TemporaryDirectory(prefix="appealgen-") as tmp:
        letter, letter_docx = render_letter(tools, letter_path, plan.letter, context, Path(tmp), more.signature)
        convert_word(tools, [letter, *parts], Path(item.origin), Path(tmp), letter_docx)
        docx_bytes = letter_docx.read_bytes() if letter_docx else None
    parts = [letter, *parts]
    cover = settings.workspace.template("cover_sheets", plan.cover, claim.payer)
    front, pdf, result = assemble_checked(tools, claim, profile, plan, parts, cover, context,
                                          more.signature is not None)
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
        # No letter or cover is sent: naming the templates a request would use reads as one made
        override=plan.override, level=plan.level, deadline=plan.deadline, days_left=plan.days_left,
        letter="", cover="", pages=0,
        sections=[], required=[], good_cause=bool(item.claim.appeal.good_cause), first_dos=plan.first_dos,
        stamp="", check=CheckResult.of([f for f in plan.findings if f.severity == "warning"]),
        inputs_sha256=digest, appealgen_version=__version__,
    )
    write_atomic(folder / "packet.json", (report.model_dump_json(indent=2) + "\n").encode())
    return Outcome(item.origin, plan.claim_id, report=report, folder=folder)


def remove_outputs(folder: Path) -> None:
    """The files an earlier build wrote here; the folder too when nothing else is in it (a
    build that then fails leaves no empty claim folder, which reads as a claim built)."""
    if not folder.is_dir():  # nothing built here yet, or a file in the way: writing names it
        return
    for name in OUTPUTS:
        (folder / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # a person's own files in it keep it
        folder.rmdir()


def assemble_checked(
    tools: Toolkit, claim: Claim, profile: PayerProfile, plan: Plan, parts: list[Part], cover: Path,
    context: LetterContext, signed: bool,
) -> tuple[Front, bytes, CheckResult]:
    """Check, lay out and stamp; again if the real length or size changes the verdict, so
    the cover banner, the stamps and packet.json always agree."""
    body = [(p.kind, p.title, p.pages) for p in parts]
    attachments = parts[1:]
    cover_name = tools.workspace.template_name(cover)
    identity = tools.identity_check()
    passed = check_build(plan, claim, profile, attachments, 2 + sum(p.pages for p in parts), None,
                         identity, parts[0], signed).passed
    for _ in range(3):  # lay out and stamp for a verdict, then confirm the verdict holds
        front = render_front(tools.renderer, tools.env, context, body, not passed, cover_name, cover.parent)
        pdf = assemble(front, parts, claim.claim_id, mark(claim, profile), not passed, packet_title(plan))
        result = check_build(plan, claim, profile, attachments, front.total_pages, len(pdf), identity, parts[0],
                             signed)
        if result.passed == passed:
            return front, pdf, result
        passed = result.passed
    # A verdict can only turn from passed to failed, so the loop settles in two rounds.
    raise RuntimeError("the packet's check did not settle")


def mark(claim: Claim, profile: PayerProfile) -> str:
    """What the stamp on every page names (see `stamp_mark`)."""
    return stamp_mark(claim.claim_id, claim.payer_claim_number, profile.kind == "medicare")


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
        procedure_codes=disputed_codes(claim, plan.disputed),
        stamp=stamp_text(mark(claim, planned.profile), 1, front.total_pages, not result.passed), check=result,
        inputs_sha256=digest, appealgen_version=__version__,
    )


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
    template, the payer profile, the workspace settings, the code table, the coverage policies, the
    code descriptions, the practice's signature image, the identity check's options (they can fail
    a packet), the letter's date (the letter states it and the days left), and appealgen's own code
    with the libraries that draw the packet."""
    digest = hashlib.sha256()
    settings_file = settings.workspace.settings_file()
    profile_file = profile_path(settings.workspace, profile.id)
    practice = practice_for(item.claim, settings.file)
    signature = practice.signature if practice else None
    for value in (item.digest, *attachments, tools.templates_digest(), tools.file_digest(profile_file),
                  tools.file_digest(tools.codes_file()), tools.policies_digest(), optional_digest(tools, settings_file),
                  optional_digest(tools, settings.descriptions), optional_digest(tools, signature),
                  f"ocr={settings.use_ocr} strict={settings.strict} delivery={settings.delivery}",
                  label(settings, settings.attachments_root or ""), settings.today.isoformat(), code_digest()):
        digest.update(value.encode() + b"\0")
    return digest.hexdigest()


def optional_digest(tools: Toolkit, path: Path | None) -> str:
    """A file's digest, or "" when there is none (a missing file fails the build that reads it)."""
    return tools.file_digest(path) if path is not None and path.is_file() else ""


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
