"""The coordinator's hook that records what a run built (packets, letters) as each outcome
comes back from the workers: `recorded(settings, items, outcomes)` passes the outcomes on, each
recorded first. Workers never write the log. Nothing is opened, nor SQLAlchemy imported, unless
a log is in use (configured, or its file exists)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from appealgen.log.where import in_use
from appealgen.outcome import Outcome
from appealgen.settings import Settings
from appealgen.sources.items import Item

if TYPE_CHECKING:
    from appealgen.log.db import Log
    from appealgen.toolkit import Toolkit

Record = Callable[[Outcome], None]


class Recorder:
    def __init__(self, settings: Settings, items: list[Item]) -> None:
        self.settings = settings
        self.items = {item.claim_id: item for item in items}
        self.log: Log | None = None
        self.tools: Toolkit | None = None

    def __call__(self, outcome: Outcome) -> None:
        item = self.items.get(outcome.claim_id or "")
        if item is None or outcome.skipped or outcome.error is not None or (outcome.report is None and
                                                                             not outcome.files):
            return  # nothing was built now (an up-to-date packet kept, a plan, a failure)
        from appealgen.log.api import default_who, open_log
        from appealgen.log.built import record_built
        from appealgen.toolkit import Toolkit

        if self.log is None:
            self.log = open_log(self.settings)
            self.tools = Toolkit(self.settings)
        assert self.tools is not None
        with self.log.writing() as conn:
            outcome.log_note = record_built(conn, self.tools, self.settings, item, outcome, default_who())

    def close(self) -> None:
        if self.log is not None:
            self.log.close()
        if self.tools is not None:
            self.tools.close()


def recorded(settings: Settings, items: list[Item], outcomes: Iterator[Outcome]) -> Iterator[Outcome]:
    """`outcomes`, each recorded in the log (when one is in use) before it is passed on."""
    with recording(settings, items) as record:
        for outcome in outcomes:
            record(outcome)
            yield outcome


@contextmanager
def recording(settings: Settings, items: list[Item]) -> Iterator[Record]:
    if not in_use(settings):
        yield lambda outcome: None
        return
    recorder = Recorder(settings, items)
    try:
        yield recorder
    finally:
        recorder.close()
