"""The outcome of one item of a run: a packet report or a plan, or the error that stopped it.
Picklable, so a worker process can return it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from appealgen.errors import EXIT_CHECK_FAILED, EXIT_OK, AppealgenError
from appealgen.models import Action
from appealgen.plan import Plan
from appealgen.report import Override, PacketReport

Status = Literal["built", "nothing_to_send", "skipped", "planned", "failed"]
# Warnings printed under a packet's line: what to do or look at before sending it.
SAID = ("content.", "identity.", "signature.", "claim.mixed_denials", "history.case_number", "omha.", "bundling.",
        "liability.", "payer.example_profile")


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
    instead: str = ""  # nothing sent for this claim (no letter): what to do instead
    log_note: str = ""  # the tracking log disagrees with what was built (closed, or at another level)
    unfound: list[str] = field(default_factory=list)  # a letter alone: documents it lists that were not found

    @property
    def status(self) -> Status:
        if self.error is not None:
            return "failed"
        if self.skipped:
            return "skipped"
        if self.instead or (self.report is not None and self.report.status == "nothing_to_send"):
            return "nothing_to_send"
        return "built" if self.report is not None or self.files else "planned"

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return self.error.exit_code
        if self.report is not None and not self.report.check.passed:
            return EXIT_CHECK_FAILED
        if self.letter_alone_incomplete:  # mailed as it is, its request would be dismissed for what it lacks
            return EXIT_CHECK_FAILED
        return EXIT_OK

    @property
    def letter_alone_incomplete(self) -> bool:
        """A letter written alone (`letters`) whose packet would fail its check."""
        return self.plan is not None and bool(self.files) and self.plan.would_fail

    def lines(self) -> list[str]:
        """What a person reads about this item: the error's lines, or the packet's summary (and
        what the tracking log knows against it)."""
        said = self._lines()
        return [*said, f"  warning: {self.log_note}"] if said and self.log_note else said

    def _lines(self) -> list[str]:
        if self.error is not None:
            return self.error.lines()
        if self.plan is not None and self.instead:
            return [nothing_line(self.plan.claim_id, self.plan.action, self.instead, self.plan.action_reason, None)]
        if self.plan is not None and self.letter_alone_incomplete:
            # a letter alone: printed and mailed, it must not go without what its packet would lack
            return [f"{self.plan.claim_id}: letter written, but its packet would fail its check: "
                    f"{check_detail(self.plan.missing, self.plan.problems)}"]
        if self.plan is not None and self.unfound:
            return [f"{self.plan.claim_id}: letter written; it lists as enclosed documents not found where the claim "
                    f"says ({', '.join(self.unfound)}): find them before mailing it, or give --attachments-root"]
        if self.report is None or self.folder is None:
            return []
        # What was removed from a document, and pages nobody could verify, are said out loud.
        shown = [f for f in self.report.check.findings if f.severity == "warning" and f.code.startswith(SAID)]
        return [summary_line(self.report, self.folder), *[f"  warning: {f.message}" for f in shown]]


def overruled(override: Override | None) -> str:
    """How the build line shows a specialist's override (the reason is in packet.json)."""
    if override is None:
        return ""
    return f" (overruling the plan's {override.planned.value}, by {override.by}; the reason is in packet.json)"


def nothing_line(claim_id: str, action: Action, instead: str, why: str, where: Path | None,
                 override: Override | None = None) -> str:
    """One line for a claim that sends nothing: what to do instead, and why."""
    target = f" -> {where}" if where is not None else ""
    return f"{claim_id}: nothing to send ({action.value}{overruled(override)}): {instead}; because {why}{target}"


def dry_run_line(plan: Plan) -> str:
    """What `batch --dry-run` says of a claim: the request it would build, by when, and what its
    packet would lack; or, when nothing is sent, what to do instead (no request, no appeal level)."""
    if not plan.packet:
        return nothing_line(plan.claim_id, plan.action, plan.instead, plan.action_reason, None, plan.override)
    lacking = check_detail(plan.missing, plan.problems) if plan.would_fail else ""
    return (f"{plan.claim_id}: {plan.category.value} -> {plan.action.value} ({plan.level}, due "
            f"{plan.deadline.isoformat()})" + (f"; its packet would fail its check: {lacking}" if lacking else ""))


def check_detail(missing: list[str], problems: list[str]) -> str:
    return "; ".join([f"missing {m}" for m in missing] + problems)


def summary_line(report: PacketReport, folder: Path) -> str:
    if report.status == "nothing_to_send":
        return nothing_line(report.claim_id, report.action, report.instead, report.action_reason,
                            folder / "packet.json", report.override)
    status = "passed" if report.check.passed else "FAILED"
    # (scans nobody could verify are named on the lines under this one: see Outcome.lines)
    detail = check_detail(report.check.missing, report.check.problems)
    where = folder / "packet.pdf"
    line = (f"{report.claim_id}: {status}, {report.pages} pages, {report.category} -> {report.action}"
            f"{overruled(report.override)} ({report.level}, due {report.deadline.isoformat()}) -> {where}")
    return f"{line}: {detail}" if detail else line
