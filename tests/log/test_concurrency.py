"""Several writers at once, in separate processes, on SQLite and on PostgreSQL: no event lost,
nothing recorded twice, and the order rules hold (one `sent`, the others refused)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from appealgen.log.api import import_files, open_log
from appealgen.log.tables import denials, events, remits
from tests.log import workers
from tests.log.helpers import denied, paid, remittance, settings_for

WRITERS = 4


def run_together(target: Callable[..., None], arguments: Callable[[int], tuple[Any, ...]]) -> list[Any]:
    """Run `target(*arguments(n), barrier, results)` in WRITERS processes; what each put in results.
    Forked: no connection is open here when they start, and each opens the log itself."""
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(WRITERS), context.Queue()
    processes = [context.Process(target=target, args=(*arguments(n), barrier, results)) for n in range(WRITERS)]
    for process in processes:
        process.start()
    found = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert [r for r in found if str(r).startswith("failed:")] == []
    return found


def count(url: str, table: Any, *where: Any) -> int:
    with open_log(settings_for(url)) as log, log.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def test_concurrent_imports_of_the_same_files_record_each_claim_once(log_url: str, tmp_path: Path) -> None:
    open_log(settings_for(log_url)).close()  # the schema exists before the race
    files = [str(remittance(tmp_path / f"r{n}.835", [denied(f"ACCT-{n}001"), paid(f"ACCT-{n}002")],
                            trace=f"EFT{n}")) for n in range(3)]
    later = str(remittance(tmp_path / "later.835", [paid("ACCT-0001")], paid_on="20261120", trace="EFT9"))
    # Each writer imports every file, in its own order; the later payment settles ACCT-0001 once.
    new = run_together(workers.import_all, lambda n: (log_url, files[n % 3:] + files[:n % 3] + [later]))
    assert sum(new) == 7  # 3 files x 2 claims + the later payment, whoever recorded them
    assert count(log_url, remits) == 7
    assert count(log_url, denials) == 3
    assert count(log_url, events, events.c.kind == "decision") == 1


def test_concurrent_people_lose_no_event_and_send_only_once(log_url: str, tmp_path: Path) -> None:
    import_files(settings_for(log_url), [remittance(tmp_path / "oct.835", [denied("ACCT-0001"),
                                                                            denied("ACCT-0002")])], [], None, "pat")
    outcomes = run_together(workers.record_many, lambda n: (log_url, n, 10))
    assert count(log_url, events, events.c.kind == "assigned") == WRITERS * 10
    assert sorted(outcomes) == ["ACCT-0002: sent: already sent on 2026-11-02 for Redetermination; record a "
                                "decision or a follow-up"] * (WRITERS - 1) + ["sent"]
    assert count(log_url, events, events.c.kind == "sent") == 1
