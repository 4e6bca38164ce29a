"""Many items: load errors first, duplicate claim ids refused before any work, then each item
through an executor, one failure alone. Every command that handles claims runs through here."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import replace

from appealgen.errors import InputError, exit_code
from appealgen.executors.base import Executor
from appealgen.outcome import Outcome
from appealgen.sources.items import Item, Loaded

__all__ = ["exit_code", "outcomes_exit_code", "placed_by_practice", "run", "unique_items"]


def practice_of(item: Item) -> str:
    """Which practice a claim belongs to: its provider's NPI, else its provider's name."""
    provider = item.claim.provider
    return f"npi-{provider.npi}" if provider.npi else safe_folder(provider.name)


def safe_folder(name: str) -> str:
    """A folder name that is safe on any file system (Windows and macOS included)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-._")[:64]
    return cleaned or "practice"


def with_practices(items: list[Item], existing: Collection[str] = ()) -> list[Item]:
    """A run that spans several practices writes each one's packets under its own folder, and
    so does a run into an output folder that already holds a practice's folder (`existing`:
    the names in it): a rerun of one practice's claims (those that failed, say) then finds its
    packets where the first run put them, instead of building them again beside them."""
    practices = {practice_of(item) for item in items}
    if len(practices) < 2 and not practices & set(existing):
        return items
    return [replace(item, practice=practice_of(item)) for item in items]


def placed_by_practice(loaded: Loaded, out: str, existing: Collection[str]) -> Loaded:
    """The run's items with their output folders settled once, for every later stage
    (`existing`: the names in the output folder `out`, a path or URL); a packet an earlier run
    left at the top of it, where this run writes under the practice's folder, is named: both
    would look ready to send."""
    items = with_practices(loaded.items, existing)
    warnings = [f"{out}/{item.claim_id}: a packet from an earlier run of one practice's claims; this run writes "
                f"{out}/{item.practice}/{item.claim_id}: remove the older folder, so that only one is sent"
                for item in items if item.practice and item.claim_id in existing]
    return replace(loaded, items=items, warnings=loaded.warnings + warnings)


def unique_items(items: list[Item]) -> tuple[list[Item], list[Outcome]]:
    """One item per claim id within a practice: an exact repeat is dropped; a different claim
    with an id already seen is refused (both would write one packet folder)."""
    first: dict[tuple[str, str], Item] = {}
    kept, refused = [], []
    for item in items:
        seen = first.get((item.practice, item.claim_id))
        if seen is None:
            first[(item.practice, item.claim_id)] = item
            kept.append(item)
        elif seen.digest != item.digest:
            error = InputError(item.origin, "claim_id", f"{item.claim_id} also comes from {seen.origin}, with other "
                               "data; packet not written (claim ids must be unique)")
            refused.append(Outcome(item.origin, item.claim_id, error=error))
    return kept, refused


def run(loaded: Loaded, executor: Executor) -> Iterator[Outcome]:
    """Outcomes of every item: load errors, refusals, then built items as they finish."""
    for error in loaded.errors:
        yield Outcome(getattr(error, "source", ""), getattr(error, "claim_id", None), error=error)
    items, refused = unique_items(with_practices(loaded.items))
    yield from refused
    for item in items:
        executor.submit(item)
    yield from executor.results()


def outcomes_exit_code(outcomes: list[Outcome]) -> int:
    return exit_code(o.exit_code for o in outcomes)
