"""One template rendered for one claim, fast: a letter (Word or HTML) or a cover sheet with
its index page, as PDF and, if asked, PNG pages; again each time the files are saved."""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from appealgen.attachments import default_title, prepare
from appealgen.documents import did_you_mean
from appealgen.errors import AppealgenError, InputError, MissingToolError
from appealgen.letters import enclosure_titles
from appealgen.output import OutputError, write_named
from appealgen.planned import plan_item
from appealgen.render.context import FrontContext, front_context, letter_context
from appealgen.render.front import number_sections, render_front
from appealgen.render.parts import convert_word, extras, letter_title, render_letter
from appealgen.settings import Settings
from appealgen.sources.items import Item
from appealgen.toolkit import Toolkit

FOLDERS = ("letters", "cover_sheets")
POLL_S = 0.4


def split_name(settings: Settings, name: str) -> tuple[str, str]:
    """("letters", "medical_necessity.docx") from "letters/medical_necessity.docx" or from the
    bare file name (looked up in the letters first, then the cover sheets)."""
    folder, _, rest = name.partition("/")
    if folder in FOLDERS and rest:
        return folder, rest
    for candidate in FOLDERS:
        try:
            settings.workspace.find(f"templates/{candidate}", name)
            return candidate, name
        except InputError:
            continue
    known = [f"{f}/{n}" for f in FOLDERS for n in settings.workspace.list(f"templates/{f}", "**/*")]
    raise InputError(name, None, f"no such template in templates/letters or templates/cover_sheets"
                     f"{did_you_mean(name, known)} (see `appealgen templates list`)")


def body_parts(settings: Settings, item: Item, order: list[int]) -> list[tuple[str, str, int]]:
    """(kind, title, pages) of the claim's documents for the index; a document that cannot be
    read counts as one page (a preview must not stop for it)."""
    root = settings.attachments_root or item.base
    found = []
    for index in order:
        attachment = item.claim.attachments[index]
        try:
            pages = prepare(attachment, index, root, Path(item.origin)).pages or 1
        except AppealgenError:
            pages = 1
        found.append((attachment.kind.value, default_title(attachment), pages))
    return found


def front_context_for(settings: Settings, tools: Toolkit, item: Item) -> FrontContext:
    """The context a cover sheet sees for this claim (a 2-page letter assumed)."""
    planned = plan_item(settings, tools, item)
    body = [("letter", letter_title(planned.plan), 2),
            *body_parts(settings, item, planned.plan.attachment_order)]
    entries, total = number_sections(1, 1, body)
    enclosures = [(kind, title) for kind, title, _ in body[1:]]
    context = letter_context(planned.claim, planned.profile, planned.plan, enclosures, settings.today,
                             extras(settings, tools, planned.claim))
    return front_context(context, entries, total, False, planned.plan.cover)


def render_preview(settings: Settings, tools: Toolkit, item: Item, name: str) -> bytes:
    folder, relative = split_name(settings, name)
    planned = plan_item(settings, tools, item)
    path = settings.workspace.template(folder, relative, item.claim.payer)
    order = planned.plan.attachment_order
    more = extras(settings, tools, planned.claim)
    context = letter_context(planned.claim, planned.profile, planned.plan, enclosure_titles(planned.claim, order),
                             settings.today, more)
    if folder == "letters":
        with tempfile.TemporaryDirectory(prefix="appealgen-") as tmp:
            letter, docx = render_letter(tools, path, relative, context, Path(tmp), more.signature)
            if docx is not None:
                convert_word(tools, [letter], Path(item.origin), Path(tmp), docx)
            return letter.pdf
    body = [("letter", letter_title(planned.plan), 2), *body_parts(settings, item, order)]
    front = render_front(tools.renderer, tools.env, context, body, False,
                         tools.workspace.template_name(path), path.parent)
    return front.pdf


def png_pages(pdf: Path, resolution: int = 80) -> list[Path]:
    """PNG pages beside the PDF (`NAME-1.png`, ...), made with poppler's pdftoppm."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise MissingToolError("pdftoppm (poppler-utils)", "apt-get install -y poppler-utils")
    for old in pdf.parent.glob(f"{pdf.stem}-*.png"):
        old.unlink()
    subprocess.run([tool, "-png", "-r", str(resolution), str(pdf), str(pdf.with_suffix(""))], check=True,
                   capture_output=True, timeout=120)
    pages = sorted(pdf.parent.glob(f"{pdf.stem}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    for page in pages:
        page.chmod(0o600)  # a picture of a letter shows the patient's data as much as the PDF does
    return pages


def write_preview(pdf: bytes, out: Path, png: bool, resolution: int = 80) -> list[Path]:
    if png and out.exists() and not out.is_file():
        raise OutputError(out, None, "cannot write: PNG pages go beside a file, not a device; nothing written")
    write_named(out, pdf)
    return [out, *(png_pages(out, resolution) if png else [])]


def watched(settings: Settings, claim: Path, template: Path) -> list[Path]:
    """What shapes a preview and a billing lead may save while watching: the claim, the template,
    and the workspace's templates (the parts and stylesheet a letter includes, a copy made after
    the watch began), payer profiles, rules and settings."""
    user = settings.workspace.user
    folders = [user / name for name in ("templates", "payers", "rules")] if user is not None else []
    settings_file = settings.workspace.settings_file()
    return [claim, template, *folders, *([settings_file] if settings_file else [])]


def _stamp(paths: list[Path]) -> tuple[tuple[str, int], ...]:
    """Every file under `paths` (a folder counts for all its files) with its modification time."""
    found = []
    for path in paths:
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            with contextlib.suppress(OSError):  # gone, or not yet there: its absence is the stamp
                found.append((str(file), file.stat().st_mtime_ns))
    return tuple(found)


@contextlib.contextmanager
def until_interrupted() -> Iterator[Callable[[], bool]]:
    """Ctrl-C asks a watch to stop once the preview in progress is written; a second Ctrl-C
    interrupts at once. The first is not left to Python's KeyboardInterrupt: raised while a
    written preview's objects are freed (in a finalizer), that is printed and dropped, and the
    watch would go on. A process started with Ctrl-C ignored keeps ignoring it."""
    asked = False
    previous = signal.getsignal(signal.SIGINT)

    def ask(signum: int, frame: object) -> None:
        nonlocal asked
        asked = True
        signal.signal(signal.SIGINT, previous)

    if previous == signal.SIG_IGN:
        yield lambda: False
        return
    signal.signal(signal.SIGINT, ask)
    try:
        yield lambda: asked
    finally:
        signal.signal(signal.SIGINT, previous)


def changes(paths: list[Path], stop: Callable[[], bool] = lambda: False) -> Iterator[None]:
    """Yields once at the start and again each time a file under `paths` is saved, added or removed."""
    def stamp() -> tuple[tuple[str, int], ...]:
        return _stamp(paths)

    seen = None
    while not stop():
        now = stamp()
        if now != seen:
            seen = now
            yield
        time.sleep(POLL_S)

