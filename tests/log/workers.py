"""What the concurrency tests run in separate processes. Each waits at a barrier so all of them
write at the same moment."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from appealgen.errors import InputError
from appealgen.log.api import import_files, record_entry
from appealgen.log.model import Kind
from appealgen.log.record import Entry
from tests.log.helpers import settings_for


def reporting(work: Callable[..., None]) -> Callable[..., None]:
    """Any failure is put in `results` (last argument) as one line, so the test fails at once
    with the reason instead of waiting for a result that never comes."""

    @functools.wraps(work)
    def wrapper(*args: Any) -> None:
        try:
            work(*args)
        except Exception as error:
            args[-1].put(f"failed: {type(error).__name__}: {str(error).splitlines()[0]}")

    return wrapper


@reporting
def import_all(url: str, files: list[str], barrier: Any, results: Any) -> None:
    barrier.wait()
    result = import_files(settings_for(url), [Path(f) for f in files], [], None, "worker")
    results.put(sum(f.new for f in result.files))


@reporting
def record_many(url: str, worker: int, events: int, barrier: Any, results: Any) -> None:
    settings = settings_for(url)
    barrier.wait()
    try:  # all try to send the same request at once: one may, the others are told it was sent
        record_entry(settings, "ACCT-0002", Entry(Kind.sent, date(2026, 11, 2), f"w{worker}", method="fax"), None)
    except InputError as error:
        outcome = error.line()
    else:
        outcome = "sent"
    for n in range(events):  # then everyone writes to one denial at once
        record_entry(settings, "ACCT-0001", Entry(Kind.assigned, date(2026, 11, 1), f"w{worker}",
                                                  owner=f"w{worker}-{n}"), None)
    results.put(outcome)
