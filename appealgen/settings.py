"""Run settings: what the user asked for, frozen and picklable, so the same object reaches
every worker process. Per-process resources live in `toolkit.Toolkit`, not here.

The workspace's settings file (`appealgen.yaml`) is read once, here, into `WorkspaceFile`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, ValidationError

from appealgen.documents import read_document, validation_errors
from appealgen.errors import InputError, InputErrors
from appealgen.models import Action, AttachmentKind, Email, MedicaidId, Npi, Ptan, Requester, Strict, TaxId
from appealgen.preflight import MB, Refused, read_regular
from appealgen.workspace import Workspace

if TYPE_CHECKING:  # the storage layer loads every input reader: only batches on storage URLs need it
    from appealgen.storage import Mount

SIGNATURE_SUFFIXES = (".png", ".jpg", ".jpeg")
SIGNATURE_BYTES = 2 * MB  # a scanned signature is tens of kilobytes


class Practice(Strict):
    """A practice or supplier the team files for (`practices` in appealgen.yaml, by NPI). A
    claim's provider takes every detail it does not state itself from here."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    tax_id: TaxId | None = None
    ptan: Ptan | None = None
    medicaid_id: MedicaidId | None = None
    address: str | None = None
    phone: str | None = None
    fax: str | None = None
    email: Email | None = None
    contact: str | None = None
    requester: Requester = Field(default_factory=Requester)
    signature: Path | None = None  # a PNG or JPEG of the requester's signature, inside the workspace


class WorkspaceFile(Strict):
    """`appealgen.yaml`: the team's own settings. Every key is optional."""

    database_url: str | None = None  # the tracking log; SQLite in the workspace when not set
    practice: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")  # names log entries
    ocr: bool = False  # OCR pages without text for the identity check (as `--ocr`)
    practices: dict[Npi, Practice] = Field(default_factory=dict)
    # File-name patterns -> attachment kinds for --attachments-root folders, tried before the
    # built-in ones ("discharge summar*": medical_records).
    attachment_names: dict[str, AttachmentKind] = Field(default_factory=dict)


def read_workspace_file(workspace: Workspace, signatures: bool = True) -> WorkspaceFile:
    """The workspace's settings; `signatures`: check each practice's signature image (commands
    that print no letter, the log's and the report, leave them out: a missing image is no reason
    to refuse them)."""
    path = workspace.settings_file()
    if path is None:
        return WorkspaceFile()
    data = read_document(path)
    if data is None:
        return WorkspaceFile()
    if not isinstance(data, dict):
        raise InputError(path, None, "the settings file must be a mapping")
    try:
        found = WorkspaceFile.model_validate(data)
    except ValidationError as exc:
        raise InputErrors(validation_errors(path, exc, model=WorkspaceFile)) from None
    return found.model_copy(update={"practices": {
        npi: _with_signature(path, npi, practice) if signatures else practice.model_copy(update={"signature": None})
        for npi, practice in found.practices.items()}})


def _with_signature(settings: Path, npi: str, practice: Practice) -> Practice:
    """The signature image as an absolute path, confined to the workspace folder."""
    if practice.signature is None:
        return practice
    field = f"practices.{npi}.signature"
    root = settings.parent.resolve()
    target = (root / practice.signature).resolve()
    if not target.is_relative_to(root):
        raise InputError(settings, field, "must be a file inside the workspace folder")
    if target.suffix.lower() not in SIGNATURE_SUFFIXES:
        raise InputError(settings, field, "must be a PNG or JPEG image")
    from appealgen.images import check_signature  # here: it loads the PDF stack, slow to import

    try:  # checked like an attachment: a regular file, its type from its bytes, bounded in size and pixels
        check_signature(read_regular(target, SIGNATURE_BYTES))
    except Refused as refused:
        raise InputError(settings, field, f"{practice.signature}: {refused}") from None
    return practice.model_copy(update={"signature": target})


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
    # A specialist's action for every claim of the run (`--action`), overruling each plan.
    action: Action | None = None
    action_reason: str | None = None
    descriptions: Path | None = None  # CARC/RARC descriptions the user is licensed to use (CSV)
    # `--delivery`: every request of the run is sent so, whatever the payer profile says
    delivery: Literal["mail", "fax", "portal"] | None = None

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def open_settings(workspace: Path | None, today: date | None = None, *, signatures: bool = True,
                  **options: object) -> Settings:
    """Settings for one command: the workspace found from `workspace` (see Workspace.open) with
    its settings file read (`signatures`: see read_workspace_file). Light on imports: commands
    that only read the log start fast."""
    opened = Workspace.open(workspace)
    file = read_workspace_file(opened, signatures)
    return Settings(opened, today or date.today(), file=file, **options)  # type: ignore[arg-type]
