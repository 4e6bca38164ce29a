"""Per-process tools: the template environment, the HTML renderer (fonts, stylesheet), the Word
converter, and caches keyed by what they depend on. Open one per process (or batch worker)
as a context manager; it never crosses a process boundary, `Settings` does."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from functools import cache
from importlib import import_module
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from appealgen.attachments import Cleaned
from appealgen.caches import BoundedCache, WeighedCache
from appealgen.errors import InputErrors, MissingToolError, TemplateError
from appealgen.identity import Identity, IdentityCheck
from appealgen.payers import PayerProfile, missing_templates, profile_ids, profile_path, read_profile
from appealgen.pdf import quiet_pdf_logs
from appealgen.preflight import Limits
from appealgen.render.office import CommandLineConverter, Converter
from appealgen.rules.codes import CODES_FILE, CodeTable, load_code_table, load_descriptions
from appealgen.rules.policies import POLICIES_FILE, PolicyTable, load_policies
from appealgen.settings import Settings

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

    from appealgen.render.html import HtmlRenderer

PREFLIGHT_BYTES = 64 * 1_000_000  # rewritten attachments a worker keeps for files that repeat
PANGO_HINT = "apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"


PACKAGE = Path(__file__).resolve().parent


# The libraries that lay out, fill in and write a packet: another release may draw it differently.
DRAWING_LIBRARIES = ("weasyprint", "pydyf", "tinycss2", "jinja2", "docxtpl", "python-docx", "pikepdf", "pypdf",
                     "pypdfium2", "img2pdf", "pillow")


@cache
def code_digest() -> str:
    """sha256 over appealgen's own Python files, by their place in the package, and the versions
    of the libraries that draw a packet: the rules in code shape a packet as much as the rules in
    files (computed once per process). LibreOffice's version is not in it (asking costs a start)."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(f"{path.relative_to(PACKAGE).as_posix()}\0".encode() + path.read_bytes() + b"\0")
    for library in DRAWING_LIBRARIES:
        try:
            digest.update(f"{library} {version(library)}\0".encode())
        except PackageNotFoundError:
            digest.update(f"{library} -\0".encode())
    return digest.hexdigest()


def _version(path: Path) -> tuple[str, int, int]:
    """A file's identity for caching: its path, modification time and size."""
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


class Toolkit:
    def __init__(self, settings: Settings, converter: Callable[[], Converter] = CommandLineConverter) -> None:
        self.settings = settings
        self.workspace = settings.workspace
        self._make_converter = converter
        self._converter: Converter | None = None
        self._env: SandboxedEnvironment | None = None
        self._renderer: HtmlRenderer | None = None
        self._profiles: BoundedCache[tuple[str, int, int], PayerProfile] = BoundedCache(256)
        self._codes: BoundedCache[tuple[str, int, int], CodeTable] = BoundedCache(4)
        self._policies: BoundedCache[tuple[tuple[str, int, int], ...], PolicyTable] = BoundedCache(4)
        self._descriptions: BoundedCache[tuple[str, int, int], dict[str, str]] = BoundedCache(2)
        # Identity results by (file hash, patient): the same scan in many packets is read once.
        self.identity: BoundedCache[tuple[str, str], Identity] = BoundedCache(20_000)
        self._digests: BoundedCache[tuple[str, int, int], str] = BoundedCache(4096)
        self._templates: tuple[tuple[tuple[str, int, int], ...], str] | None = None
        self._checked: set[str] = set()  # digests of templates that passed the check
        # Checked and rewritten attachments by file hash: a file met again is preflighted once more,
        # then kept for the packets that use it after.
        self.preflight: WeighedCache[tuple[str, Limits], Cleaned] = WeighedCache(
            512, PREFLIGHT_BYTES, lambda c: len(c.pdf), second_sight=8192)
        # OCR text by file hash: a scan is read once whichever patient's packet it is checked for.
        self.ocr_texts: BoundedCache[str, dict[int, str]] = BoundedCache(2_000)

    def __enter__(self) -> Toolkit:
        quiet_pdf_logs()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._converter is not None:
            self._converter.close()
            self._converter = None

    @property
    def env(self) -> SandboxedEnvironment:
        if self._env is None:
            from appealgen.render.env import make_env

            self._env = make_env(self.workspace.template_dirs(), self.workspace.builtin / "templates")
        return self._env

    @property
    def renderer(self) -> HtmlRenderer:
        if self._renderer is None:
            try:
                html = import_module("appealgen.render.html")
            except OSError:  # WeasyPrint loads Pango with ctypes: a missing library is an OSError
                raise MissingToolError("Pango (WeasyPrint's text layout)", PANGO_HINT) from None
            self._renderer = html.HtmlRenderer(self.workspace.template_dirs())
        return self._renderer

    @property
    def converter(self) -> Converter:
        if self._converter is None:
            self._converter = self._make_converter()
        return self._converter

    def identity_check(self) -> IdentityCheck:
        from appealgen.ocr import ocr_texts

        ocr = ocr_texts if self.settings.use_ocr else None
        return IdentityCheck(self.identity, ocr, self.ocr_texts, self.settings.strict)

    def profile(self, payer_id: str, source: object = "payer") -> PayerProfile:
        """The payer profile, read again whenever its file changes."""
        path = profile_path(self.workspace, payer_id, source)
        key = _version(path)
        if key not in self._profiles:
            profile = read_profile(path)
            missing = missing_templates(self.workspace, profile, path)
            if missing:
                raise InputErrors(missing)
            self._profiles[key] = profile
        return self._profiles[key]

    def profiles(self) -> dict[str, PayerProfile]:
        return {payer_id: self.profile(payer_id) for payer_id in profile_ids(self.workspace)}

    def codes(self) -> CodeTable:
        """The reason-code table: the workspace's `rules/codes.yaml`, else the shipped one."""
        path = self.workspace.rules_file(CODES_FILE)
        key = _version(path)
        if key not in self._codes:
            self._codes[key] = load_code_table(path)
        return self._codes[key]

    def codes_file(self) -> Path:
        return self.workspace.rules_file(CODES_FILE)

    def policy_files(self) -> list[Path]:
        """The workspace's `rules/policies.yaml` (read first: its entries win), then the shipped one."""
        return self.workspace.rules_files(POLICIES_FILE)

    def policies_digest(self) -> str:
        """The coverage-policy files in use, by content, in the order they are read."""
        return "+".join(self.file_digest(path) for path in self.policy_files())

    def policies(self) -> PolicyTable:
        """The coverage-policy table, read again whenever one of its files changes."""
        paths = self.policy_files()
        key = tuple(_version(p) for p in paths)
        if key not in self._policies:
            self._policies[key] = load_policies(paths)
        return self._policies[key]

    def descriptions(self) -> dict[str, str]:
        """Official CARC/RARC descriptions the user loaded (`--descriptions`), else none."""
        path = self.settings.descriptions
        if path is None:
            return {}
        key = _version(path) if path.is_file() else (str(path), 0, 0)
        if key not in self._descriptions:
            self._descriptions[key] = load_descriptions(path)
        return self._descriptions[key]

    def checked_template(self, name: str, path: Path) -> None:
        """Raise the problems of a template (checked once per version of the file)."""
        digest = self.file_digest(path)
        if digest not in self._checked:
            from appealgen.templating.check import check_template

            problems = check_template(self.env, name, path)
            if problems:
                raise InputErrors([TemplateError(p.template, p.where or None, p.message) for p in problems])
            self._checked.add(digest)

    def file_digest(self, path: Path) -> str:
        """sha256 of a file, read again only when it changes."""
        key = _version(path)
        if key not in self._digests:
            self._digests[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        return self._digests[key]

    def templates_digest(self) -> str:
        """One hash over every template file the workspace and the built-ins hold: any edit
        (a letter, a cover, a stylesheet, an included part) changes it. Files are named by where
        they sit inside their folder, never by absolute path, so a cluster worker that installed
        appealgen elsewhere computes the same hash (and resume works across machines)."""
        named = sorted((f"{label}/{p.relative_to(d).as_posix()}", p) for label, d in self._template_roots()
                       for p in d.rglob("*") if p.is_file())
        versions = tuple(_version(p) for _, p in named)
        if self._templates is None or self._templates[0] != versions:
            digest = hashlib.sha256()
            for name, path in named:
                digest.update(f"{name}\0{self.file_digest(path)}\0".encode())
            self._templates = (versions, digest.hexdigest())
        return self._templates[1]

    def _template_roots(self) -> list[tuple[str, Path]]:
        user = self.workspace.user / "templates" if self.workspace.user else None
        return [("user" if d == user else "builtin", d) for d in self.workspace.template_dirs()]


def debug() -> bool:
    """APPEALGEN_DEBUG=1: let unexpected errors through with their traceback."""
    return bool(os.environ.get("APPEALGEN_DEBUG"))
