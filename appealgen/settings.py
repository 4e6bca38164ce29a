"""Run settings: what the user asked for, frozen and picklable, so the same object reaches
every worker process. Per-process resources live in `toolkit.Toolkit`, not here."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from appealgen.workspace import Workspace


@dataclass(frozen=True)
class Settings:
    workspace: Workspace
    today: date = field(default_factory=date.today)
    out: Path = Path("packets")
    attachments_root: Path | None = None  # else each claim's attachments resolve beside its file
    time_limit: float | None = 120.0  # seconds per item; None: no limit

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]
