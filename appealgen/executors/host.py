"""One warm worker process under supervision, for a process that must not fork (a Dask worker
runs threads and is itself a daemon process, so it may not use multiprocessing children).

`Host` starts `python -m appealgen.executors.host FD` with one end of a socket pair, sends it
the settings and the work once, then one item at a time. The child runs exactly the loop of the
local pool's workers (`pool._worker`): its own toolkit with a warm LibreOffice, an
address-space limit, death with its parent. The host gives each item the same guarantees as
the local pool: over the time limit, the child (and its LibreOffice) is killed and replaced and
the item fails alone; a child that dies is replaced and its item tried once more, then recorded
as failed, so a hostile file cannot take down the process that hosts it. A child is retired
after RECYCLE_AFTER items, as a pool's worker is, but less often: a new Python costs seconds to
start where a fork costs a fraction of one."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection

from appealgen.errors import ItemError, TimeLimitError
from appealgen.executors.base import Work
from appealgen.outcome import Outcome
from appealgen.settings import Settings
from appealgen.sources.items import Item

READY = "ready"
START_TIMEOUT_S = 120.0  # Python and the heavy imports, on a busy machine
RECYCLE_AFTER = 1000  # items per child (the local pool's forked workers: pool.RECYCLE_AFTER)
DIED_TWICE = "its worker process died twice (out of memory or a crash); nothing written for this claim"
# Starts a process on a thread that lives as long as the host: a child's PR_SET_PDEATHSIG fires
# when the *thread* that started it ends, and a Dask task thread may end before the host does.
Spawner = Callable[[Callable[[], "subprocess.Popen[bytes]"]], "subprocess.Popen[bytes]"]


def _direct(start: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    return start()


class Host:
    def __init__(self, settings: Settings, work: Work, memory_mb: int | None, spawner: Spawner = _direct,
                 recycle_after: int = RECYCLE_AFTER) -> None:
        self.settings, self.work, self.memory_mb = settings, work, memory_mb
        self.spawner = spawner
        self.recycle_after = recycle_after
        self.process: subprocess.Popen[bytes] | None = None
        self.connection: Connection | None = None
        self.warm = False
        self.done = 0  # items the current child has finished

    def start(self) -> None:
        """Start the child now (a host starts it on first use otherwise)."""
        if self.process is None:
            ours, theirs = socket.socketpair()
            with theirs:
                command = [sys.executable, "-m", "appealgen.executors.host", str(theirs.fileno())]
                self.process = self.spawner(lambda: subprocess.Popen(command, pass_fds=[theirs.fileno()],
                                                                     stdin=subprocess.DEVNULL))
            self.connection = Connection(ours.detach())
            self.connection.send((self.settings, self.work, self.memory_mb))

    def _warm(self) -> bool:
        """Wait until the child has imported what it needs (the time limit is for the item,
        not for starting Python); False when it died instead."""
        self.start()
        assert self.connection is not None
        if not self.warm:
            try:
                self.warm = self.connection.poll(START_TIMEOUT_S) and self.connection.recv() == READY
            except (EOFError, OSError):
                self.warm = False
        return self.warm

    def run(self, item: Item) -> Outcome:
        if self.done >= self.recycle_after:
            self.close()  # retired: the next child starts below
        started = time.monotonic()
        for _attempt in range(2):
            if not self._warm():
                self.kill()
                continue
            assert self.connection is not None
            limit = self.settings.time_limit
            try:
                self.connection.send(item)
                ready = self.connection.poll(limit)
            except OSError:  # it died while idle: the receive below says so
                ready = True
            if not ready:
                self.kill()
                return Outcome(item.origin, item.claim_id, error=TimeLimitError(item.origin, item.claim_id, limit or 0),
                               seconds=time.monotonic() - started)
            try:
                outcome: Outcome = self.connection.recv()
                self.done += 1
                return outcome
            except (EOFError, OSError):
                self.kill()
        return Outcome(item.origin, item.claim_id, error=ItemError(item.origin, item.claim_id, DIED_TWICE),
                       seconds=time.monotonic() - started)

    def kill(self) -> None:
        """SIGKILL the child; its LibreOffice dies with it (PR_SET_PDEATHSIG)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        self.warm, self.done = False, 0

    def close(self) -> None:
        """Ask the child to stop (it closes its toolkit and LibreOffice), then make sure."""
        if self.process is not None and self.connection is not None:
            with contextlib.suppress(OSError):
                self.connection.send(None)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        self.kill()


def main() -> None:
    from appealgen.executors.pool import _worker, preload

    connection = Connection(int(sys.argv[1]))
    try:
        settings, work, memory_mb = connection.recv()
    except EOFError:
        return
    preload()
    connection.send(READY)
    _worker(connection, settings, work, memory_mb)


if __name__ == "__main__":
    main()
