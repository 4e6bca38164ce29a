"""One claim -> one packet folder: the pipeline from loaded claim to written files."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from appealgen import __version__
from appealgen.attachments import Part, prepare, set_converted, sha256
from appealgen.check import check_build, size_problem
from appealgen.errors import InputError
from appealgen.models import Claim
from appealgen.output import write_atomic
from appealgen.packet import assemble, stamp_text
from appealgen.payers import PayerProfile, load_payer
from appealgen.plan import Plan, make_plan
from appealgen.render.context import letter_context
from appealgen.render.docx import render_docx
from appealgen.render.env import make_env, render_string
from appealgen.render.front import Front, render_front
from appealgen.render.html import HtmlRenderer
from appealgen.render.office import convert_to_pdf
from appealgen.report import CheckResult, PacketReport, Section
from appealgen.rules.codes import TABLE as CODE_TABLE
from appealgen.sources.claim_file import LoadedClaim
from appealgen.workspace import BUILTIN_PREFIX, Workspace

FAX_COVER = "fax_cover.html"
REMITTANCE_TEMPLATE = "cover_sheets/remittance_advice.html"


@dataclass
class Builder:
    """Long-lived per process (or batch worker): template environment and fonts load once."""

    workspace: Workspace
    attachments_root: Path | None = None
    today: date = field(default_factory=date.today)
    _env: SandboxedEnvironment | None = None
    _renderer: HtmlRenderer | None = None
    _built: dict[Path, str] = field(default_factory=dict)  # packet folder -> claim it holds, this run

    @property
    def env(self) -> SandboxedEnvironment:
        if self._env is None:
            self._env = make_env(self.workspace.template_dirs(), self.workspace.builtin / "templates")
        return self._env

    @property
    def renderer(self) -> HtmlRenderer:
        if self._renderer is None:
            self._renderer = HtmlRenderer(self.workspace.template_dirs())
        return self._renderer

    def plan(self, loaded: LoadedClaim) -> tuple[PayerProfile, Plan]:
        profile = load_payer(self.workspace, loaded.claim.payer, loaded.source)
        check_levels(loaded, profile)
        plan = make_plan(loaded.claim, profile, self.today)
        recipient = profile.recipient(profile.level(plan.level))
        if Path(plan.cover).name == FAX_COVER and not recipient.fax:
            raise InputError(f"payers/{profile.id}.yaml", "fax",
                             "is empty; a fax cover sheet needs the payer's fax number")
        return profile, plan

    def build(self, loaded: LoadedClaim, out: Path) -> PacketReport:
        """Everything is prepared and checked in memory; files are written only at the end."""
        claim = loaded.claim
        profile, plan = self.plan(loaded)
        folder = out / claim.claim_id
        fingerprint = sha256(claim.model_dump_json().encode())
        if self._built.get(folder.resolve(), fingerprint) != fingerprint:
            raise InputError(loaded.source, "claim_id", f"{claim.claim_id} was already built in this run from "
                             "another claim; packet not written (claim ids must be unique)")
        parts, context, letter_path, docx_bytes = self.gather(loaded, profile, plan, folder)
        cover = self.template_path(f"cover_sheets/{claim.payer}", "cover_sheets", plan.cover)
        front_context = {**context, "cover_template": self.template_name(cover)}
        front, pdf, result = self.assemble_checked(claim, profile, plan, parts, cover, front_context)
        report = self.report(loaded, profile, plan, parts, front, result, letter_path, cover)
        write_packet(folder, pdf, report, docx_bytes)
        self._built[folder.resolve()] = fingerprint
        return report

    def gather(
        self, loaded: LoadedClaim, profile: PayerProfile, plan: Plan, folder: Path
    ) -> tuple[list[Part], dict[str, Any], Path, bytes | None]:
        """Letter first, then remittance advice and the attachments, all as PDF; also the
        template context (its enclosures list is these parts), shared with the cover sheet."""
        claim, source = loaded.claim, loaded.source
        root = self.attachments_root or source.parent
        parts = [prepare(claim.attachments[i], i, root, source) for i in plan.attachment_order]
        if claim.remittance is not None and not any(p.kind == "remittance_advice" for p in parts):
            parts.insert(0, self.render_remittance(claim, profile, plan))
        refuse_overwriting_inputs(folder, [source, *(root / a.path for a in claim.attachments)])
        letter_path = self.template_path(f"letters/{claim.payer}", "letters", plan.letter)
        base = letter_context(claim, profile, plan, [p.title for p in parts], self.today)
        with tempfile.TemporaryDirectory(prefix="appealgen-") as tmp:
            letter, letter_docx = self.render_letter(letter_path, plan.letter, base, Path(tmp))
            self.convert_word(parts, source, Path(tmp), letter, letter_docx)
            docx_bytes = letter_docx.read_bytes() if letter_docx else None
        return [letter, *parts], base, letter_path, docx_bytes

    def assemble_checked(
        self, claim: Claim, profile: PayerProfile, plan: Plan, parts: list[Part], cover: Path,
        base: dict[str, Any],
    ) -> tuple[Front, bytes, CheckResult]:
        """Check, lay out and stamp; again if the real length or size changes the verdict, so
        the cover banner, the stamps and packet.json always agree."""
        body = [(p.kind, p.title, p.pages) for p in parts]
        passed = check_build(plan, claim, profile, parts[1:], 2 + sum(p.pages for p in parts)).passed
        for _ in range(3):  # lay out and stamp for a verdict, then confirm the verdict holds
            front = render_front(self.renderer, self.env, base, body, not passed, cover.parent)
            pdf = assemble(front, parts, claim.claim_id, not passed)
            result = check_build(plan, claim, profile, parts[1:], front.total_pages)
            too_big = size_problem(profile, len(pdf))
            if too_big:
                result = result.model_copy(update={"passed": False, "problems": [*result.problems, too_big]})
            if result.passed == passed:
                return front, pdf, result
            passed = result.passed
        raise RuntimeError("the packet's check did not settle")  # unreachable: a verdict only turns to failed

    def report(
        self, loaded: LoadedClaim, profile: PayerProfile, plan: Plan, parts: list[Part], front: Front,
        result: CheckResult, letter_path: Path, cover: Path,
    ) -> PacketReport:
        claim = loaded.claim
        sources = [(plan.cover, sha256(cover.read_bytes())), ("index", sha256(front.pdf)),
                   *[(p.source, p.sha256) for p in parts]]
        sections = [
            Section(kind=e.kind, title=e.title, first_page=e.first_page, last_page=e.last_page, source=s, sha256=h)
            for e, (s, h) in zip(front.entries, sources, strict=True)
        ]
        return PacketReport(
            claim_id=claim.claim_id, payer=profile.id, category=plan.category, action=plan.action,
            level=plan.level, deadline=plan.deadline, days_left=plan.days_left, letter=plan.letter,
            cover=plan.cover, pages=front.total_pages, sections=sections, required=plan.required,
            good_cause=bool(claim.appeal.good_cause), first_dos=plan.first_dos,
            stamp=stamp_text(claim.claim_id, 1, front.total_pages, not result.passed), check=result,
            inputs_sha256=inputs_digest(loaded.source, parts, letter_path, cover,
                                        self.workspace.find("payers", f"{profile.id}.yaml"), CODE_TABLE),
            appealgen_version=__version__,
        )

    def template_path(self, payer_folder: str, folder: str, name: str) -> Path:
        """A payer's own template first (`templates/<folder>/<payer>/`), then the shared one."""
        if not name.startswith(BUILTIN_PREFIX):
            try:
                return self.workspace.find(f"templates/{payer_folder}", name)
            except InputError:
                pass
        return self.workspace.find(f"templates/{folder}", name)

    def template_name(self, path: Path) -> str:
        """The loader name of a template file found by `template_path`."""
        user = self.workspace.user / "templates" if self.workspace.user else None
        if user is not None and path.is_relative_to(user):
            return path.relative_to(user).as_posix()
        name = path.relative_to(self.workspace.builtin / "templates").as_posix()
        shadowed = user is not None and (user / name).is_file()
        return f"{BUILTIN_PREFIX}{name}" if shadowed else name

    def render_remittance(self, claim: Claim, profile: PayerProfile, plan: Plan) -> Part:
        """The remittance page, from this claim's record of its 835 (no other claim is in it)."""
        assert claim.remittance is not None
        record = claim.remittance
        name = REMITTANCE_TEMPLATE
        context = letter_context(claim, profile, plan, [], self.today)
        html = render_string(self.env, name, context)
        title = f"Remittance advice (835), {record.payment_date:%m/%d/%Y}" if record.payment_date else \
            "Remittance advice (835)"
        digest = sha256(record.model_dump_json().encode())
        part = Part("remittance_advice", title, f"{record.source} (claim {claim.claim_id})", digest,
                    field="remittance")
        pdf = self.renderer.pdf(html, self.workspace.builtin / "templates", name)
        set_converted(part, pdf, Path(name), "remittance")
        return part

    def render_letter(
        self, path: Path, name: str, context: dict[str, Any], tmp: Path
    ) -> tuple[Part, Path | None]:
        title = f"{context['plan'].level_name} request letter"
        part = Part("letter", title, name, sha256(path.read_bytes()))
        if path.suffix.lower() == ".docx":
            out = tmp / "letter.docx"
            render_docx(path, context, self.env, out)
            part.docx = out
            return part, out
        html = render_string(self.env, self.template_name(path), context)
        part.pdf = self.renderer.pdf(html, path.parent, name)
        set_converted(part, part.pdf, path, "letter")
        return part, None

    def convert_word(
        self, parts: list[Part], source: Path, tmp: Path, letter: Part, letter_docx: Path | None
    ) -> None:
        """All Word documents of one packet go through one LibreOffice run."""
        pending: list[tuple[Part, Path, Path, str | None]] = []  # part, copy, who to blame, field
        if letter_docx is not None:
            pending.append((letter, letter_docx, Path(letter.source), None))
        for n, part in enumerate(parts):
            if part.docx is not None:
                copy = tmp / f"attachment-{n}.docx"  # distinct names: soffice writes <stem>.pdf
                shutil.copyfile(part.docx, copy)
                pending.append((part, copy, source, part.field))
        if not pending:
            return
        outdir = tmp / "pdf"
        outdir.mkdir()
        pdfs = convert_to_pdf([copy for _, copy, _, _ in pending], outdir)
        for (part, _copy, blame, where), pdf in zip(pending, pdfs, strict=True):
            if pdf is None:
                raise InputError(blame, where, "LibreOffice could not convert this Word document to PDF")
            set_converted(part, pdf.read_bytes(), blame, where or "letter")


def write_packet(folder: Path, pdf: bytes, report: PacketReport, docx: bytes | None) -> None:
    """Each file is written atomically; a letter.docx from an earlier build is removed when
    this build's letter is not a Word template, so the folder never mixes two builds."""
    if docx is not None:
        write_atomic(folder / "letter.docx", docx)
    write_atomic(folder / "packet.pdf", pdf)
    write_atomic(folder / "packet.json", (report.model_dump_json(indent=2) + "\n").encode())
    if docx is None:
        (folder / "letter.docx").unlink(missing_ok=True)


def check_levels(loaded: LoadedClaim, profile: PayerProfile) -> None:
    """Appeal levels named in the claim must exist in its payer's profile."""
    appeal = loaded.claim.appeal
    named = [("appeal.level", appeal.level)]
    named += [(f"appeal.history[{i}].level", step.level) for i, step in enumerate(appeal.history)]
    known = [level.id for level in profile.levels]
    for where, level in named:
        if level is not None and level not in known:
            raise InputError(loaded.source, where, f"{profile.id} has no level {level!r} (levels: {', '.join(known)})")


def refuse_overwriting_inputs(folder: Path, inputs: list[Path]) -> None:
    outputs = {(folder / name).resolve() for name in ("packet.pdf", "packet.json", "letter.docx")}
    for path in inputs:
        if path.resolve() in outputs:
            raise InputError(path, None, "is also an output of this build; choose another --out")


def inputs_digest(claim_file: Path, parts: list[Part], *decided_by: Path) -> str:
    """One hash over everything that shaped the packet: the claim, every part, the templates,
    the payer profile and the reason-code table."""
    digest = hashlib.sha256(claim_file.read_bytes())
    for value in [p.sha256 for p in parts] + [sha256(t.read_bytes()) for t in decided_by]:
        digest.update(value.encode())
    return digest.hexdigest()

