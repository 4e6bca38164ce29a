"""Where templates, payer profiles, rules and settings come from: a user workspace in front of
the built-ins, file by file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from appealgen.errors import InputError

BUILTIN_PREFIX = "builtin:"
SETTINGS_FILE = "appealgen.yaml"
WORKSPACE_ENV = "APPEALGEN_WORKSPACE"
RULES_DIR = Path(__file__).parent / "rules"  # the shipped code table lives inside the package


def builtin_root() -> Path:
    """Installed wheels carry `_builtin/`; a source checkout uses the repository root."""
    packaged = Path(__file__).parent / "_builtin"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent


def _is_workspace(folder: Path) -> bool:
    return any((folder / name).exists() for name in (SETTINGS_FILE, "templates", "payers", "rules"))


def discover(start: Path) -> tuple[Path | None, str]:
    """The workspace for a command run in `start`: `start` itself when it has templates/,
    payers/ or the settings file, else the nearest parent holding the settings file (as git
    finds its repository). Returns the folder and how it was found."""
    if _is_workspace(start):
        return start, "the current folder"
    for parent in start.parents:
        if (parent / SETTINGS_FILE).is_file():
            return parent, f"the nearest folder with {SETTINGS_FILE}"
    return None, ""


@dataclass(frozen=True)
class Workspace:
    user: Path | None
    builtin: Path
    found_by: str = ""  # how the user folder was chosen, for the first line commands print

    @classmethod
    def open(cls, directory: Path | None = None) -> Workspace:
        """`directory` if given, else $APPEALGEN_WORKSPACE, else discovery from the current folder."""
        found_by = "--workspace"
        if directory is None and os.environ.get(WORKSPACE_ENV):
            directory, found_by = Path(os.environ[WORKSPACE_ENV]), WORKSPACE_ENV
        if directory is None:
            directory, found_by = discover(Path.cwd())
        elif not directory.is_dir():
            raise InputError(directory, None, "workspace folder not found")
        builtin = builtin_root().resolve()
        user = directory.resolve() if directory else None
        if user == builtin:
            return cls(None, builtin)
        return cls(user, builtin, found_by if user else "")

    def describe(self) -> str:
        """One line saying which workspace a command uses."""
        if self.user is None:
            return "workspace: none (built-in templates and payer profiles)"
        return f"workspace: {self.user} ({self.found_by})" if self.found_by else f"workspace: {self.user}"

    def roots(self) -> list[Path]:
        return [r for r in (self.user, self.builtin) if r is not None]

    def template_dirs(self) -> list[Path]:
        """Folders the template loader and the URL fetcher may read from, user first."""
        return [r / "templates" for r in self.roots() if (r / "templates").is_dir()]

    def settings_file(self) -> Path | None:
        if self.user is not None and (self.user / SETTINGS_FILE).is_file():
            return self.user / SETTINGS_FILE
        return None

    def rules_file(self, name: str) -> Path:
        """`rules/NAME` of the workspace, else the one shipped in the package."""
        if self.user is not None and (self.user / "rules" / name).is_file():
            return self.user / "rules" / name
        return RULES_DIR / name

    def rules_files(self, name: str) -> list[Path]:
        """`rules/NAME` of the workspace (when it has one) and the shipped one, in that order."""
        own = self.user / "rules" / name if self.user is not None else None
        return [*([own] if own is not None and own.is_file() else []), RULES_DIR / name]

    def find(self, folder: str, name: str) -> Path:
        """Resolve `folder/name`, user first; `builtin:name` skips the user's override."""
        roots = self.roots()
        relative = PurePosixPath(name.removeprefix(BUILTIN_PREFIX))
        if relative.is_absolute() or ".." in relative.parts:
            raise InputError(f"{folder}/{name}", None, "a template name must stay inside the template folders")
        if name.startswith(BUILTIN_PREFIX):
            name = name.removeprefix(BUILTIN_PREFIX)
            roots = [self.builtin]
        for root in roots:
            candidate = root / folder / name
            if candidate.is_file():
                return candidate
        raise InputError(f"{folder}/{name}", None,
                         f"not found in the workspace or the built-ins{_closest(roots, folder, name)}")

    def template(self, folder: str, name: str, payer: str) -> Path:
        """A letter or cover: the payer's own (`templates/<folder>/<payer>/NAME`) first, then the
        shared one; `builtin:NAME` reaches the shipped file."""
        if not name.startswith(BUILTIN_PREFIX):
            try:
                return self.find(f"templates/{folder}/{payer}", name)
            except InputError:
                pass
        return self.find(f"templates/{folder}", name)

    def template_name(self, path: Path) -> str:
        """The loader name of a template file found by `template`: relative to the template
        folder, prefixed `builtin:` when a user file of the same name shadows it."""
        user = self.user / "templates" if self.user else None
        if user is not None and path.is_relative_to(user):
            return path.relative_to(user).as_posix()
        name = path.relative_to(self.builtin / "templates").as_posix()
        shadowed = user is not None and (user / name).is_file()
        return f"{BUILTIN_PREFIX}{name}" if shadowed else name

    def describe_file(self, path: Path) -> str:
        """Where a file comes from, as people read it: "workspace templates/letters/x.docx"."""
        if self.user is not None and path.is_relative_to(self.user):
            return f"workspace {path.relative_to(self.user).as_posix()}"
        if path.is_relative_to(self.builtin):
            return f"built-in {path.relative_to(self.builtin).as_posix()}"
        return str(path)

    def list(self, folder: str, pattern: str) -> dict[str, Path]:
        """Every file matching `pattern` in `folder`, the user's shadowing built-ins by name."""
        found: dict[str, Path] = {}
        for root in reversed(self.roots()):
            base = root / folder
            if base.is_dir():
                for path in sorted(base.glob(pattern)):
                    found[path.relative_to(base).as_posix()] = path
        return found


def _closest(roots: list[Path], folder: str, name: str) -> str:
    """" (did you mean medical_necessity.docx?)" for a name one typing slip away from a file there."""
    import difflib

    names = sorted({p.name for root in roots if (root / folder).is_dir() for p in (root / folder).iterdir()
                    if p.is_file()})
    close = difflib.get_close_matches(PurePosixPath(name).name, names, n=1, cutoff=0.8)
    return f" (did you mean {close[0]}?)" if close else ""
