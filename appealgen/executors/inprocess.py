"""Items one after another in this process, with one toolkit for all of them."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from types import FrameType

from appealgen.errors import TimeLimitError
from appealgen.executors.base import Executor, Work, attempt
from appealgen.outcome import Outcome
from appealgen.settings import Settings
from appealgen.sources.items import Item
from appealgen.toolkit import Toolkit


class _Stopped(BaseException):
    """Raised into the running item when its time is up (a BaseException, so the item's own
    `except Exception` cannot swallow it)."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _Stopped


class InProcessExecutor(Executor):
    """The time limit uses SIGALRM, so it applies only on the main thread; code stuck inside a
    C library is stopped when it returns to Python. A worker process pool stops anything."""

    def __init__(self, settings: Settings, work: Work) -> None:
        super().__init__(settings, work)
        self.queue: list[Item] = []
        self.tools: Toolkit | None = None

    def submit(self, item: Item) -> None:
        self.queue.append(item)

    def results(self) -> Iterator[Outcome]:
        while self.queue:
            yield self._run(self.queue.pop(0))

    def _toolkit(self) -> Toolkit:
        if self.tools is None:
            self.tools = Toolkit(self.settings).__enter__()
        return self.tools

    def _run(self, item: Item) -> Outcome:
        limit = self.settings.time_limit
        if not limit or threading.current_thread() is not threading.main_thread():
            return attempt(self.work, self.settings, self._toolkit(), item)
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            return attempt(self.work, self.settings, self._toolkit(), item)
        except _Stopped:
            self.close()  # its converter may be mid-document: start the next item with fresh tools
            return Outcome(item.origin, item.claim_id, error=TimeLimitError(item.origin, item.claim_id, limit),
                           seconds=limit)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def close(self) -> None:
        if self.tools is not None:
            self.tools.close()
            self.tools = None
