"""Pausing Python's cyclic garbage collector while 100,000s of small objects are made, and
running it less often in a command's process.

Reading a 10,000-claim 835, planning its claims, importing it into the log or loading a queue
makes objects that form no reference cycles (models, rows, states), yet each burst of
allocations runs the collector, and every run of its oldest generation scans all of them again:
about half of the time of those passes. Reference counting still frees everything that is
dropped; only cyclic garbage (rare here) waits until the collector runs again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Building 100,000s of small objects runs the cyclic collector over and over (it doubled
    the queue's time), and re-enabling it would scan them all once more. None of them form
    cycles: pause it, then move what was made straight to the oldest generation (freeze and
    unfreeze do that without a scan), where only a full collection looks at it."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if was:
            gc.enable()


# A command's process makes its objects in bursts (imports, a document's boxes, a file's
# models): collecting the youngest generation every 700 allocations (Python's default) cost a
# cold `appealgen build` about 0.1 s. Every 50,000 still bounds what cyclic garbage can pile up.
ALLOCATIONS = 50_000
COMMAND_THRESHOLDS = (ALLOCATIONS, 20, 20)


def for_a_command() -> None:
    """Collect less often for the rest of this process (the `appealgen` program's own: a library
    caller, a test runner included, keeps its settings)."""
    gc.set_threshold(*COMMAND_THRESHOLDS)
