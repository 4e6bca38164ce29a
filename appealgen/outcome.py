"""The outcome of one item of a run: a packet report or a plan, or the error that stopped it.
Picklable, so a worker process can return it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from appealgen.errors import EXIT_CHECK_FAILED, EXIT_OK, AppealgenError
from appealgen.plan import Plan
from appealgen.report import PacketReport

Status = Literal["built", "skipped", "planned", "failed"]
SAID = ("content.", "identity.")  # warnings printed under a built packet's line


@dataclass
class Outcome:
    origin: str  # where the item came from, for messages
    claim_id: str | None
    report: PacketReport | None = None
    plan: Plan | None = None
    error: AppealgenError | None = None
    seconds: float = 0.0
    memory_mb: float | None = None  # the worker's peak resident memory after this item
    folder: Path | None = None  # where the packet was written
    skipped: bool = False  # up to date: the packet from an earlier run was kept
    files: list[Path] = field(default_factory=list)  # what was written besides a packet (letters)

    @property
    def status(self) -> Status:
        if self.error is not None:
            return "failed"
        if self.skipped:
            return "skipped"
        return "built" if self.report is not None or self.files else "planned"

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return self.error.exit_code
        if self.report is not None and not self.report.check.passed:
            return EXIT_CHECK_FAILED
        return EXIT_OK

    def lines(self) -> list[str]:
        """What a person reads about this item: the error's lines, or the packet's summary."""
        if self.error is not None:
            return self.error.lines()
        if self.report is None or self.folder is None:
            return []
        # What was removed from a document, and pages nobody could verify, are said out loud.
        shown = [f for f in self.report.check.findings if f.severity == "warning" and f.code.startswith(SAID)]
        return [summary_line(self.report, self.folder), *[f"  warning: {f.message}" for f in shown]]


def summary_line(report: PacketReport, folder: Path) -> str:
    status = "passed" if report.check.passed else "FAILED"
    detail = "; ".join([f"missing {m}" for m in report.check.missing] + report.check.problems)
    where = folder / "packet.pdf"
    line = (f"{report.claim_id}: {status}, {report.pages} pages, {report.category} -> {report.action} "
            f"({report.level}, due {report.deadline.isoformat()}) -> {where}")
    return f"{line}: {detail}" if detail else line
