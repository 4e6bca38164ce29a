"""Batches: many claims through a pool of workers, resumable, with a summary.

The coordinator (this module) loads and plans every item, skips those whose packet is up to
date (the inputs hash in its packet.json is unchanged), sends the rest to an executor, and
writes `batch-summary.csv` and `batch-summary.json` in the output folder. Workers only build;
they never write the summary (or, later, the tracking log)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from appealgen import storage
from appealgen.build import attachment_digests, build_one, inputs_digest
from appealgen.errors import AppealgenError
from appealgen.executors.base import Executor, Work
from appealgen.executors.inprocess import InProcessExecutor
from appealgen.outcome import Outcome, check_detail
from appealgen.output import SpreadsheetWriter, counted, write_atomic
from appealgen.plan import DATED
from appealgen.planned import plan_item
from appealgen.report import SCHEMA_VERSION, PacketReport
from appealgen.run import run, unique_items, with_practices
from appealgen.settings import Settings
from appealgen.sources.items import Item, Loaded
from appealgen.toolkit import Toolkit

SUMMARY_FIELDS = ["claim_id", "status", "check_passed", "action", "deadline", "pages", "seconds", "error",
                  "warnings", "instead"]
ExecutorFactory = Callable[[Settings, Work], Executor]
SHOWN_FAILING = 10  # claim ids the closing line names (the summary lists them all)


def previous_report(settings: Settings, folder: Path) -> PacketReport | None:
    """The packet.json a folder holds (on its storage URL when it stands for one), if it is one
    this version can trust (a built packet's PDF must be there too)."""
    data = storage.read(settings, folder / "packet.json")
    if data is None:
        return None
    try:
        report = PacketReport.model_validate_json(data)
    except ValueError:
        return None
    if report.schema_version != SCHEMA_VERSION:
        return None
    if report.status == "built" and storage.stamp(settings, folder / "packet.pdf") is None:
        return None
    return report


def up_to_date(settings: Settings, tools: Toolkit, item: Item) -> Outcome | None:
    """A `skipped` outcome when the item's packet exists and its inputs have not changed."""
    folder = settings.out / item.practice / item.claim_id
    report = previous_report(settings, folder)
    if report is None:
        return None
    try:
        planned = plan_item(settings, tools, item)
    except AppealgenError:
        return None  # the build will report it
    storage.fetch_attachments(settings, item)
    digests = attachment_digests(settings, item)
    if digests is None or inputs_digest(settings, tools, item, planned.profile, digests) != report.inputs_sha256:
        return None
    return Outcome(item.origin, item.claim_id, report=report, folder=folder, skipped=True)


def written_meanwhile(settings: Settings, tools: Toolkit, item: Item,
                      seen: tuple[object, ...] | None) -> Outcome | None:
    """A `built` outcome when this item's packet was written, with these very inputs, after the
    batch looked at its folder (`seen`: the packet.json's stamp then): an earlier attempt on a
    worker that died after writing it. Building it again would write it twice."""
    if storage.stamp(settings, settings.out / item.practice / item.claim_id / "packet.json") in (None, seen):
        return None
    done = up_to_date(settings, tools, item)
    return None if done is None else replace(done, skipped=False)


def split_up_to_date(settings: Settings, loaded: Loaded, force: bool) -> tuple[Loaded, list[Outcome]]:
    """The items still to build, and a skipped outcome for each one whose packet is current."""
    if force:
        return loaded, []
    todo, skipped = [], []
    with Toolkit(settings) as tools:
        for item in with_practices(loaded.items):
            done = up_to_date(settings, tools, item)
            if done is None:
                todo.append(item)
            else:
                skipped.append(done)
    return replace(loaded, items=todo), skipped


@dataclass
class Batch:
    """A batch whose inputs are loaded: the count to report progress against, the warnings,
    and the outcomes as they finish (skipped ones first)."""

    total: int
    warnings: list[str]
    outcomes: Iterator[Outcome]
    collected: list[Outcome] = field(default_factory=list)


def start_batch(settings: Settings, loaded: Loaded, executor: ExecutorFactory, force: bool = False,
                work: Work = build_one) -> Batch:
    todo, skipped = split_up_to_date(settings, loaded, force)
    kept, refused = unique_items(with_practices(todo.items))
    total = len(skipped) + len(kept) + len(refused) + len(todo.errors)

    def outcomes() -> Iterator[Outcome]:
        yield from skipped
        # Nothing to build: start no workers (a cluster takes seconds to start and stop).
        with (executor if kept else InProcessExecutor)(settings, work) as running:
            yield from run(todo, running)

    return Batch(total, loaded.warnings, outcomes())


def in_claim_order(outcomes: list[Outcome]) -> list[Outcome]:
    """The outcomes by claim id, numbers in it as numbers (ACCT-9 before ACCT-10): they finish in
    any order, and a summary that changes its order on every run cannot be compared."""
    def key(outcome: Outcome) -> list[tuple[int, int | str]]:
        parts = re.split(r"(\d+)", outcome.claim_id or outcome.origin)
        return [(0, int(part)) if part.isdigit() else (1, part) for part in parts]
    return sorted(outcomes, key=key)


def summary_row(outcome: Outcome) -> dict[str, object]:
    """One summary row: claim IDs, statuses and codes, never patient data."""
    report = outcome.report
    built = report is not None and report.status == "built"
    return {
        "claim_id": outcome.claim_id or "",
        "status": outcome.status,
        "check_passed": report.check.passed if report is not None and built else "",
        "action": "" if report is None else report.action.value,
        "deadline": report.deadline.isoformat() if report is not None and report.action in DATED else "",
        "pages": "" if report is None else report.pages,
        "seconds": f"{outcome.seconds:.2f}",
        "error": " | ".join(outcome.error.lines()) if outcome.error is not None else _failed_check(outcome),
        # what a person must look at before sending (a scanned page nobody verified, no signature):
        # the check's own words, which name documents and pages, never patient data
        "warnings": " | ".join(report.check.warnings) if report is not None else "",
        # nothing to send: what to do instead, and by when (the rules' words, no patient data)
        "instead": report.instead if report is not None and report.status == "nothing_to_send" else "",
    }


def _failed_check(outcome: Outcome) -> str:
    """Why a built packet failed its check: what is missing and what is wrong (the check's own
    words, which name documents and pages, never patient data)."""
    report = outcome.report
    if report is None or report.status != "built" or report.check.passed:
        return ""
    return check_detail(report.check.missing, report.check.problems)


def write_summary(settings: Settings, outcomes: list[Outcome]) -> tuple[str, str]:
    """batch-summary.csv and .json in the output folder (on its URL when it is one)."""
    out = settings.out
    rows = [summary_row(o) for o in outcomes]
    text = io.StringIO()
    writer = SpreadsheetWriter(text, lineterminator="\n")
    writer.writerow(SUMMARY_FIELDS)
    # true/false as the JSON has them (and as a spreadsheet reads them), not Python's True/False
    writer.writerows([str(value).lower() if isinstance(value, bool) else value
                      for value in (row[key] for key in SUMMARY_FIELDS)] for row in rows)
    csv_path, json_path = out / "batch-summary.csv", out / "batch-summary.json"
    write_atomic(csv_path, text.getvalue().encode())
    counts = count_statuses(outcomes)
    write_atomic(json_path, (json.dumps({"counts": counts, "claims": rows}, indent=2) + "\n").encode())
    storage.publish(settings, [csv_path, json_path])
    return storage.label(settings, csv_path), storage.label(settings, json_path)


def count_statuses(outcomes: list[Outcome]) -> dict[str, int]:
    counts = {"built": 0, "nothing_to_send": 0, "skipped": 0, "failed": 0, "check_failed": 0, "with_warnings": 0}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        if outcome.report is not None and not outcome.report.check.passed:
            counts["check_failed"] += 1
        elif _warned(outcome):
            counts["with_warnings"] += 1
    return counts


def _warned(outcome: Outcome) -> bool:
    """A packet that passed with warnings to review before it is sent."""
    report = outcome.report
    return report is not None and report.status == "built" and report.check.passed and bool(report.check.warnings)


def _named(claim_ids: list[str]) -> str:
    more = ", ..." if len(claim_ids) > SHOWN_FAILING else ""
    return f" ({', '.join(claim_ids[:SHOWN_FAILING])}{more})" if claim_ids else ""


def closing_line(outcomes: list[Outcome], summary: str) -> str:
    counts = count_statuses(outcomes)
    claims = counted(len(outcomes), "claim")
    failing = [o.claim_id or "" for o in outcomes if o.report is not None and not o.report.check.passed]
    warned = [o.claim_id or "" for o in outcomes if _warned(o)]
    failed = [o.claim_id or o.origin for o in outcomes if o.status == "failed"]
    return (f"{claims}: {counts['built']} built, {counts['nothing_to_send']} with nothing to send, "
            f"{counts['skipped']} up to date, {counts['failed']} failed{_named(failed)}; failing their check: "
            f"{counts['check_failed']}{_named(failing)}; passed with warnings to review: "
            f"{counts['with_warnings']}{_named(warned)}; summary in {summary}")
