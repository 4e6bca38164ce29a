"""A pool of long-lived worker processes on this machine.

Workers are forked after the heavy imports (WeasyPrint, docxtpl, pypdf), so each starts in
milliseconds and shares those pages; each then opens its own toolkit (fonts, stylesheet,
template environment, a warm LibreOffice) once, for all its items. Every worker runs under an
address-space limit, and an item over the time limit gets its worker (and that worker's
LibreOffice) killed and replaced. A worker is retired (and a fresh one forked) after
RECYCLE_AFTER items, so memory that a long batch leaves behind below Python (pdfium, Pango,
the allocator) cannot build up. Workers die with the coordinator (PR_SET_PDEATHSIG), so a
`kill -9` of the batch leaves nothing running."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import resource
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from appealgen.collector import ALLOCATIONS, gc_paused
from appealgen.errors import ItemError, TimeLimitError
from appealgen.executors.base import Executor, Work, attempt
from appealgen.executors.host import DIED_TWICE
from appealgen.outcome import Outcome
from appealgen.render.office import Converter, ListenerConverter
from appealgen.settings import Settings
from appealgen.sources.items import Item
from appealgen.toolkit import Toolkit

# A worker's cyclic garbage collector, once warm. pypdf's objects form reference cycles, so a
# packet's garbage waits for the collector, which by default runs every 700 allocations and now
# and then walks every object the worker holds (WeasyPrint, fonts, templates): tens of ms a
# packet. After the first item the objects alive then are frozen out of its walks, it runs
# rarely during an item (every collector.ALLOCATIONS), and each item's garbage is collected
# once its outcome is sent.
MEMORY_LIMIT_MB = 2048  # address space per Python worker (its LibreOffice has its own process)
# Items per worker. A worker grows a few KB a packet outside its bounded caches; a fresh fork
# re-warms in well under a second, a small price every few hundred packets. Its LibreOffice
# restarts after as many documents (office.RESTART_AFTER), so a Word letter's worker is retired
# about when its listener would have been restarted anyway.
RECYCLE_AFTER = 200
RETIRE_GRACE_S = 30.0  # a retired worker still closing its LibreOffice after this is killed (it holds memory)
PR_SET_PDEATHSIG = 1
HEAVY_MODULES = ("weasyprint", "docxtpl", "pypdf", "pikepdf", "pypdfium2", "img2pdf", "PIL.Image", "jinja2.sandbox",
                 "appealgen.build", "appealgen.render.html")


def preload() -> None:
    """Import what every worker needs (the collector paused: the modules' objects live as long
    as the process). Several workers share what the coordinator imports before it forks them;
    a single worker imports for itself, while the coordinator goes on (see `warm_up`)."""
    with gc_paused():
        for name in HEAVY_MODULES:
            with contextlib.suppress(ImportError, OSError):  # a missing one is reported by the item that needs it
                __import__(name)


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def between_items(first: bool) -> None:
    """Collect the last item's garbage; after the first item, settle the collector as above."""
    gc.collect()
    if first:
        gc.freeze()
        gc.set_threshold(ALLOCATIONS, *gc.get_threshold()[1:])


def worker_peak_mb() -> float:
    """This process's peak resident memory in MB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker(connection: Connection, settings: Settings, work: Work, memory_mb: int | None,
            converter: Callable[[], Converter] = ListenerConverter) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle
    if memory_mb:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024, hard))
    preload()  # nothing to do when the coordinator imported it all before forking
    # What the coordinator held when it forked this worker is the coordinator's, and the modules
    # live as long as the worker: out of its collections (a large coordinator would make the
    # first collection a long one).
    gc.freeze()
    with Toolkit(settings, converter=converter) as tools:
        first = True
        while True:
            try:
                item = connection.recv()
            except EOFError:
                return
            if item is None:
                return
            outcome = attempt(work, settings, tools, item)
            outcome.memory_mb = worker_peak_mb()
            connection.send(outcome)
            between_items(first)
            first = False


def _kill(process: BaseProcess) -> None:
    """SIGKILL a worker; its LibreOffice dies with it (PR_SET_PDEATHSIG)."""
    with contextlib.suppress(ProcessLookupError, ValueError, AttributeError):
        if process.pid is not None:
            os.kill(process.pid, signal.SIGKILL)
    process.join(timeout=10)


@dataclass
class _Slot:
    process: BaseProcess
    connection: Connection
    item: Item | None = None
    started: float = 0.0
    done: int = 0  # items this worker has finished


class PoolExecutor(Executor):
    def __init__(self, settings: Settings, work: Work, jobs: int | None = None, memory_mb: int | None = MEMORY_LIMIT_MB,
                 converter: Callable[[], Converter] = ListenerConverter, recycle_after: int = RECYCLE_AFTER) -> None:
        """`converter`: a warm LibreOffice per worker for batches; one command-line run per
        packet suits a single build (it starts faster than a listener)."""
        super().__init__(settings, work)
        self.converter = converter
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.memory_mb = memory_mb
        self.recycle_after = recycle_after
        self.pending: deque[Item] = deque()
        self.slots: list[_Slot] = []
        self.retiring: list[tuple[BaseProcess, float]] = []  # retired workers finishing, and since when
        self.retried: set[str] = set()
        self.context = multiprocessing.get_context("fork")

    def submit(self, item: Item) -> None:
        self.pending.append(item)

    def _spawn(self) -> _Slot:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_worker, daemon=True,
                                       args=(child, self.settings, self.work, self.memory_mb, self.converter))
        process.start()
        child.close()
        return _Slot(process, parent)

    def warm_up(self, expected: int) -> None:
        if expected:
            self._start_workers(expected)

    def _start_workers(self, expected: int) -> None:
        if not self.slots:
            wanted = max(1, min(self.jobs, expected))
            if wanted > 1:
                preload()
            self.slots = [self._spawn() for _ in range(wanted)]

    def results(self) -> Iterator[Outcome]:
        self._start_workers(len(self.pending))
        while self.pending or any(slot.item is not None for slot in self.slots):
            self._assign()
            busy = {slot.connection: slot for slot in self.slots if slot.item is not None}
            for connection in wait(list(busy), timeout=self._next_deadline()):
                yield from self._receive(busy[connection])  # type: ignore[index]
            yield from self._stop_overdue()

    def _assign(self) -> None:
        now = time.monotonic()
        for process, since in self.retiring:
            if process.is_alive() and now - since > RETIRE_GRACE_S:
                _kill(process)
        self.retiring = [(process, since) for process, since in self.retiring if process.is_alive()]
        for slot in self.slots:
            if slot.item is None and self.pending:
                if slot.done >= self.recycle_after:
                    self._retire(slot)
                item = self.pending.popleft()
                try:
                    slot.connection.send(item)
                except (BrokenPipeError, OSError):  # the worker died while idle: replace it, keep the item
                    self.pending.appendleft(item)
                    self._replace(slot)
                    continue
                slot.item, slot.started = item, time.monotonic()

    def _next_deadline(self) -> float | None:
        limit = self.settings.time_limit
        starts = [slot.started for slot in self.slots if slot.item is not None]
        if not limit or not starts:
            return None
        return max(0.0, min(starts) + limit - time.monotonic()) + 0.01

    def _receive(self, slot: _Slot) -> Iterator[Outcome]:
        item = slot.item
        assert item is not None
        try:
            outcome: Outcome = slot.connection.recv()
        except (EOFError, OSError):
            yield from self._died(slot, item)
            return
        slot.item = None
        slot.done += 1
        yield outcome

    def _died(self, slot: _Slot, item: Item) -> Iterator[Outcome]:
        """A worker that dies (a crash, or the kernel's memory limit) is replaced; its item is
        tried once more on a fresh worker, then recorded as failed, so one hostile file cannot
        stop the batch."""
        self._replace(slot)
        if item.claim_id not in self.retried:
            self.retried.add(item.claim_id)
            self.pending.appendleft(item)
            return
        yield Outcome(item.origin, item.claim_id, error=ItemError(item.origin, item.claim_id, DIED_TWICE),
                      seconds=time.monotonic() - slot.started)

    def _stop_overdue(self) -> Iterator[Outcome]:
        limit = self.settings.time_limit
        if not limit:
            return
        now = time.monotonic()
        for slot in self.slots:
            if slot.item is not None and now - slot.started > limit:
                item = slot.item
                self._replace(slot)
                yield Outcome(item.origin, item.claim_id, error=TimeLimitError(item.origin, item.claim_id, limit),
                              seconds=now - slot.started)

    def _retire(self, slot: _Slot) -> None:
        """Ask an idle worker to stop (it closes its LibreOffice on the way out) and put a fresh
        one in its place at once; the old one is reaped as it ends, or at `close`."""
        with contextlib.suppress(BrokenPipeError, OSError):  # already dead: nothing to ask
            slot.connection.send(None)
        with contextlib.suppress(OSError):
            slot.connection.close()
        self.retiring.append((slot.process, time.monotonic()))
        self._fresh(slot)

    def _replace(self, slot: _Slot) -> None:
        self._kill(slot)
        self._fresh(slot)

    def _fresh(self, slot: _Slot) -> None:
        fresh = self._spawn()
        slot.process, slot.connection, slot.item, slot.done = fresh.process, fresh.connection, None, 0

    @staticmethod
    def _kill(slot: _Slot) -> None:
        _kill(slot.process)
        with contextlib.suppress(OSError):
            slot.connection.close()

    def close(self) -> None:
        for slot in self.slots:
            with contextlib.suppress(BrokenPipeError, OSError):
                slot.connection.send(None)
        for slot in self.slots:
            slot.process.join(timeout=15)
            if slot.process.is_alive():
                self._kill(slot)
            with contextlib.suppress(OSError):
                slot.connection.close()
        deadline = time.monotonic() + 15  # for all of them together, not 15 s each
        for process, _ in self.retiring:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                _kill(process)
        self.slots, self.retiring = [], []
