"""The executor interface and the one place that turns a failure into an outcome."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Self

from appealgen.errors import AppealgenError, ItemError, UnexpectedError
from appealgen.outcome import Outcome
from appealgen.settings import Settings
from appealgen.sources.items import Item
from appealgen.toolkit import Toolkit, debug

# What an executor runs for each item: a module-level function, so a worker process can
# import it by name. It builds its own tools once per worker (the Toolkit), never per item.
Work = Callable[[Settings, Toolkit, Item], Outcome]


def attempt(work: Work, settings: Settings, tools: Toolkit, item: Item) -> Outcome:
    """Run `work` on one item; any failure becomes that item's outcome, never the run's.
    An unexpected error keeps only its type name (its message may quote claim data)."""
    started = time.perf_counter()
    try:
        outcome = work(settings, tools, item)
    except AppealgenError as error:
        # Without its traceback: that would keep every frame of the item alive (a packet's
        # documents), and a worker freezes what is alive after its first item.
        outcome = Outcome(item.origin, item.claim_id, error=item.placed(error.with_traceback(None)))
    except MemoryError:  # the worker's address-space limit: a hostile or huge file
        outcome = Outcome(item.origin, item.claim_id, error=ItemError(
            item.origin, item.claim_id, "needed more memory than a worker may use; nothing written for this claim"))
    except Exception as error:
        if debug():
            raise
        outcome = Outcome(item.origin, item.claim_id, error=UnexpectedError(item.origin, item.claim_id,
                                                                            type(error).__name__))
    outcome.seconds = time.perf_counter() - started
    return outcome


class Executor(ABC):
    """Submit items, then read outcomes as they finish (in any order).

    Each executor enforces `settings.time_limit` per item: an item over the limit is stopped
    and reported as failed (TimeLimitError), and whatever ran it (a worker, its LibreOffice)
    is killed and replaced so the next items find fresh tools."""

    def __init__(self, settings: Settings, work: Work) -> None:
        self.settings = settings
        self.work = work

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def warm_up(self, expected: int) -> None:
        """Start what will run the `expected` items now, so it readies itself while the caller
        still checks them (a pool forks its workers here). Optional: `results` starts whatever
        is not."""
        return None

    @abstractmethod
    def submit(self, item: Item) -> None:
        """Queue one item."""

    @abstractmethod
    def results(self) -> Iterator[Outcome]:
        """Outcomes of every submitted item, as they finish."""

    @abstractmethod
    def close(self) -> None:
        """Stop workers and free what they hold; idempotent."""
