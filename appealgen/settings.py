"""Run settings: what the user asked for, frozen and picklable, so the same object reaches
every worker process. Per-process resources live in `toolkit.Toolkit`, not here.

The workspace's settings file (`appealgen.yaml`) is read once, here, into `WorkspaceFile`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from pydantic import Field, ValidationError

from appealgen.documents import read_document, validation_errors
from appealgen.errors import InputError, InputErrors
from appealgen.models import Strict
from appealgen.storage import Mount
from appealgen.workspace import Workspace


class WorkspaceFile(Strict):
    """`appealgen.yaml`: the team's own settings. Every key is optional."""

    database_url: str | None = None  # the tracking log; SQLite in the workspace when not set
    practice: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")  # names log entries
    ocr: bool = False  # OCR pages without text for the identity check (as `--ocr`)


def read_workspace_file(workspace: Workspace) -> WorkspaceFile:
    path = workspace.settings_file()
    if path is None:
        return WorkspaceFile()
    data = read_document(path)
    if data is None:
        return WorkspaceFile()
    if not isinstance(data, dict):
        raise InputError(path, None, "the settings file must be a mapping")
    try:
        return WorkspaceFile.model_validate(data)
    except ValidationError as exc:
        raise InputErrors(validation_errors(path, exc, model=WorkspaceFile)) from None


@dataclass(frozen=True)
class Settings:
    workspace: Workspace
    today: date = field(default_factory=date.today)
    out: Path = Path("packets")
    attachments_root: Path | None = None  # else each claim's attachments resolve beside its file
    time_limit: float | None = 120.0  # seconds per item; None: no limit
    csv_mapping: Path | None = None  # which CSV column holds which claim field
    file: WorkspaceFile = field(default_factory=WorkspaceFile)  # the workspace's appealgen.yaml
    mounts: tuple[Mount, ...] = ()  # local folders standing for storage URLs (see appealgen.storage)
    ocr: bool = False  # `--ocr`: OCR pages without text for the identity check (also `ocr: true` in the file)
    strict: bool = False  # `--strict`: a page the identity check cannot verify fails the packet
    verbose: bool = False  # `--verbose`: messages may name attachment files (their names can carry patient data)

    @property
    def use_ocr(self) -> bool:
        return self.ocr or self.file.ocr

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def open_settings(workspace: Path | None, today: date | None = None, **options: object) -> Settings:
    """Settings for one command: the workspace found from `workspace` (see Workspace.open) with
    its settings file read. Light on imports: commands that only read the log start fast."""
    opened = Workspace.open(workspace)
    return Settings(opened, today or date.today(), file=read_workspace_file(opened), **options)  # type: ignore[arg-type]
