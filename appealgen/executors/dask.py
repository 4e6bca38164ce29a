"""The same batch on a Dask cluster: `DaskExecutor` implements the executor interface with a
running scheduler (`tcp://host:8786`) or a LocalCluster started here (`local:N`).

Items are sent in chunks (one task per chunk; see `chunk`), built on the workers by the
appealgen worker plugin (`dask_plugin`), and their outcomes come back to this process as the
tasks finish, so the summary and the tracking log are written here only. A worker that dies has
its tasks rescheduled by Dask; a packet the dead worker had already written is recognised by
the resume rules and not written again. Dask is an optional extra: importing this module
without it raises a MissingToolError naming the install command."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from typing import Any

from appealgen import storage
from appealgen.errors import AppealgenError, ClusterError, ItemError, MissingToolError, UnexpectedError
from appealgen.executors.base import Executor, Work
from appealgen.executors.pool import MEMORY_LIMIT_MB
from appealgen.outcome import Outcome
from appealgen.settings import Settings
from appealgen.sources.items import Item
from appealgen.toolkit import debug

INSTALL = "pip install 'appealgen[cluster]'"
try:
    import dask
    from distributed import Client, Future, LocalCluster, as_completed
    from distributed.scheduler import KilledWorker
except ImportError:
    raise MissingToolError("Dask (the cluster extra)", INSTALL) from None

from appealgen.executors.dask_plugin import AppealgenPlugin, Job, build_chunk, fingerprint  # noqa: E402

LOCAL = re.compile(r"local(?::(\d+))?")
# Dask's own monitoring (a stack sampler every 10 ms, event-loop ticks every 20 ms, memory every
# 100 ms) cost about 100 ms of CPU a packet in scheduler, nannies and workers, five times the
# per-task overhead (bench/bench_cluster.py); a LocalCluster started here samples less often.
# The README gives the same settings as environment variables for `dask worker`.
QUIET = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "500ms",
         "distributed.worker.memory.monitor-interval": "1s", "distributed.admin.system-monitor.interval": "2s"}
# A packet whose task takes its Dask worker down is tried on one more worker, then failed (Dask's
# default of 3 would let one hostile file take down three workers); the README gives the same
# setting for `dask scheduler`.
ONE_RETRY = {"distributed.scheduler.allowed-failures": 1}
CONNECT_TIMEOUT_S = 20
WORKERS_TIMEOUT_S = 60
START_HINT = "start a scheduler with `dask scheduler` and workers with `dask worker ADDRESS` (appealgen installed)"


def local_workers(address: str) -> int | None:
    """N for `local:N` (the cores for `local`), None for a scheduler address."""
    match = LOCAL.fullmatch(address.strip())
    if match is None:
        return None
    return max(1, int(match.group(1) or os.cpu_count() or 1))


def lost_worker(item: Item) -> Outcome:
    return Outcome(item.origin, item.claim_id, error=ItemError(
        item.origin, item.claim_id, "the cluster lost the workers building it, again and again; nothing more tried "
        "for this claim (a rerun tries it again)"))


class DaskExecutor(Executor):
    """`address` is `local:N` or a scheduler's address; or pass a connected `client` (kept open).
    Connecting and registering the plugin happen here, so a cluster that cannot run this batch
    is reported before any packet is sent (the batch creates its executor only when there is
    something to build)."""

    def __init__(self, settings: Settings, work: Work, address: str | None = None, *, client: Client | None = None,
                 chunk: int = 1, memory_mb: int | None = MEMORY_LIMIT_MB, connect_timeout: float = CONNECT_TIMEOUT_S,
                 ) -> None:
        super().__init__(settings, work)
        self.chunk = max(1, chunk)
        self.cluster: LocalCluster | None = None
        self.owned = client is None
        # the fingerprint first: a workspace that cannot be read leaves no cluster behind
        self.plugin = AppealgenPlugin(settings, work, fingerprint(settings), memory_mb)
        self.client = client if client is not None else self._connect(address or "local", connect_timeout)
        self.pending: list[Item] = []
        self._register()

    def _connect(self, address: str, timeout: float) -> Client:
        if not debug():
            logging.getLogger("distributed").setLevel(logging.ERROR)
        workers = local_workers(address)
        if workers is not None:
            with dask.config.set({**QUIET, **ONE_RETRY}):
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                            dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
            return Client(self.cluster)
        try:
            client = Client(address, timeout=timeout)
        except (OSError, TimeoutError, ValueError) as error:
            raise ClusterError(address, f"cannot reach a Dask scheduler there ({type(error).__name__}); "
                               f"{START_HINT}") from None
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
        except TimeoutError:
            client.close()
            raise ClusterError(address, f"no worker joined the scheduler within {WORKERS_TIMEOUT_S} s; "
                               f"{START_HINT}") from None
        return client

    def _register(self) -> None:
        try:
            self.client.register_plugin(self.plugin, name=self.plugin.name)
        except AppealgenError:
            self.close()
            raise
        except Exception as error:  # a worker that cannot even load appealgen
            self.close()
            raise ClusterError(self.where(), f"a worker could not set up appealgen ({type(error).__name__}); "
                               f"install it on every worker: {INSTALL}") from None

    def where(self) -> str:
        return str(self.client.scheduler.address) if self.client.scheduler else "the cluster"

    def submit(self, item: Item) -> None:
        self.pending.append(item)

    def results(self) -> Iterator[Outcome]:
        jobs: list[Job] = [(item, self._seen(item)) for item in self.pending]
        self.pending = []
        chunks: dict[str, list[Job]] = {}
        futures = []
        for start in range(0, len(jobs), self.chunk):
            chunk = jobs[start:start + self.chunk]
            future = self.client.submit(build_chunk, self.plugin.name, chunk, key=f"{self.plugin.name}-{start}",
                                        pure=False)
            chunks[str(future.key)] = chunk
            futures.append(future)
        for future in as_completed(futures):
            yield from self._outcomes(future, chunks.pop(str(future.key)))
            future.release()

    def _seen(self, item: Item) -> tuple[object, ...] | None:
        """The packet.json's stamp now: a later, different one on a worker means a dead
        attempt already wrote the packet."""
        return storage.stamp(self.settings, self.settings.out / item.practice / item.claim_id / "packet.json")

    def _outcomes(self, future: Future[list[Outcome]], chunk: list[Job]) -> Iterator[Outcome]:
        if future.status == "finished":
            outcomes: list[Outcome] = future.result()
            yield from outcomes
            return
        try:
            error: BaseException | None = future.exception()
        except Exception as cancelled:  # a cancelled task has no exception of its own
            error = cancelled
        for item, _ in chunk:
            if isinstance(error, KilledWorker):
                yield lost_worker(item)
            elif isinstance(error, AppealgenError):
                yield Outcome(item.origin, item.claim_id, error=error)
            else:
                yield Outcome(item.origin, item.claim_id,
                              error=UnexpectedError(item.origin, item.claim_id, type(error).__name__))

    def close(self) -> None:
        client, self.client = self.client, None  # type: ignore[assignment]
        if client is None:
            return
        try:
            if client.status == "running":
                client.unregister_worker_plugin(self.plugin.name)  # the workers close their hosts and LibreOffice
        except Exception:  # a plugin that never registered, or a cluster already gone: nothing to undo
            pass
        if self.owned:
            client.close()
            if self.cluster is not None:
                self.cluster.close()
                self.cluster = None


def workers_of(executor: DaskExecutor) -> dict[str, Any]:
    """The scheduler's view of the workers (for the benchmark and tests)."""
    info: dict[str, Any] = executor.client.scheduler_info()["workers"]
    return info
