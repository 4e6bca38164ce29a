"""Progress of a batch on stderr: a bar with count, rate and time left on a terminal; where
stderr is not a terminal, a plain line every N items. Only counts and claim IDs, never claim
data. No background thread (workers are forked while it runs)."""

from __future__ import annotations

import sys
import time
from typing import IO, Any

LINE_EVERY = 50


class Progress:
    def __init__(self, total: int, quiet: bool = False, stream: IO[str] | None = None) -> None:
        self.total, self.done, self.started = total, 0, time.monotonic()
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.bar: Any = None
        if not quiet and self.stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(TextColumn("claims"), BarColumn(), MofNCompleteColumn(),
                                    TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                                    console=Console(file=self.stream), auto_refresh=False, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("claims", total=total, rate="")

    def rate(self) -> float:
        """Items a minute (over at least one second, so up-to-date items do not read as millions)."""
        return self.done / max(time.monotonic() - self.started, 1.0) * 60

    def advance(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(self.task, advance=1, rate=f"{self.rate():.0f}/min")
            self.bar.refresh()
        elif not self.quiet and (self.done % LINE_EVERY == 0 or self.done == self.total):
            self.stream.write(f"{self.done}/{self.total} claims ({self.rate():.0f}/min)\n")
            self.stream.flush()

    def say(self, line: str) -> None:
        """A message between progress updates (above the bar on a terminal)."""
        if self.bar is not None:
            self.bar.console.print(line, markup=False, highlight=False)
        else:
            self.stream.write(line + "\n")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
