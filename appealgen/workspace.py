"""Where templates and payer profiles come from: a user workspace in front of the built-ins."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from appealgen.errors import InputError

BUILTIN_PREFIX = "builtin:"


def builtin_root() -> Path:
    """Installed wheels carry `_builtin/`; a source checkout uses the repository root."""
    packaged = Path(__file__).parent / "_builtin"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Workspace:
    user: Path | None
    builtin: Path

    @classmethod
    def open(cls, directory: Path | None = None) -> Workspace:
        """`directory` if given, else the current folder when it has templates/ or payers/."""
        if directory is None:
            cwd = Path.cwd()
            if (cwd / "templates").is_dir() or (cwd / "payers").is_dir():
                directory = cwd
        elif not directory.is_dir():
            raise InputError(directory, None, "workspace folder not found")
        builtin = builtin_root().resolve()
        user = directory.resolve() if directory else None
        return cls(None if user == builtin else user, builtin)

    def roots(self) -> list[Path]:
        return [r for r in (self.user, self.builtin) if r is not None]

    def template_dirs(self) -> list[Path]:
        """Folders the template loader and the URL fetcher may read from, user first."""
        return [r / "templates" for r in self.roots() if (r / "templates").is_dir()]

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
        raise InputError(f"{folder}/{name}", None, "not found in the workspace or the built-ins")

    def list(self, folder: str, pattern: str) -> dict[str, Path]:
        """Every file matching `pattern` in `folder`, the user's shadowing built-ins by name."""
        found: dict[str, Path] = {}
        for root in reversed(self.roots()):
            base = root / folder
            if base.is_dir():
                for path in sorted(base.glob(pattern)):
                    found[path.relative_to(base).as_posix()] = path
        return found
