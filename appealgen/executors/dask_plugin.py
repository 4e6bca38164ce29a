"""The worker side of a batch on a Dask cluster: a worker plugin and the task it runs.

The plugin is registered by the batch's client and set up once on every worker (and on each
worker that joins or restarts later). It refuses to start when the worker's appealgen code,
workspace or code table differs from the client's (compared by hash), then starts one warm,
supervised process per worker thread (`host.Host`: fonts, stylesheet, template environment
and a LibreOffice listener, a memory limit, the time limit), and tears them down on close.

A task builds a chunk of packets: for each, it fetches the attachments that live on a storage
URL, skips a packet that an earlier attempt (on a worker that died) already wrote, builds it
in a host, and publishes the packet to its URL. It returns the outcomes; it never writes a
log or a summary: the client does."""

from __future__ import annotations

import asyncio
import hashlib
import queue
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from distributed import WorkerPlugin, get_worker

from appealgen import __version__, storage
from appealgen.batch import written_meanwhile
from appealgen.errors import AppealgenError, ClusterError
from appealgen.executors.base import Work
from appealgen.executors.host import Host
from appealgen.outcome import Outcome
from appealgen.settings import Settings
from appealgen.sources.items import Item
from appealgen.toolkit import Toolkit, code_digest
from appealgen.workspace import Workspace, builtin_root

Stamp = tuple[object, ...] | None
Job = tuple[Item, Stamp]  # an item and its packet.json's stamp when the client looked


def workspace_digest(tools: Toolkit) -> str:
    """sha256 over what shapes a packet besides the claim: every template, every payer profile,
    the settings file and the coverage policies, each named by its place (so two machines compare by content)."""
    digest = hashlib.sha256(tools.templates_digest().encode())
    for name, path in sorted(tools.workspace.list("payers", "*.yaml").items()):
        digest.update(f"{name}\0{tools.file_digest(path)}\0".encode())
    settings_file = tools.workspace.settings_file()
    digest.update(tools.file_digest(settings_file).encode() if settings_file else b"-")
    digest.update(tools.policies_digest().encode())
    return digest.hexdigest()


def fingerprint(settings: Settings) -> dict[str, str]:
    """What must be the same on the client and every worker for their packets to be the same."""
    with Toolkit(settings) as tools:
        return {"appealgen code": f"{__version__} {code_digest()[:16]}", "workspace": workspace_digest(tools),
                "code table": tools.file_digest(tools.codes_file())}


def on_this_machine(settings: Settings, where: str) -> Settings:
    """The client's settings with this machine's built-in templates (its own install); the
    workspace folder must be shared at the same path."""
    user = settings.workspace.user
    if user is not None and not user.is_dir():
        raise ClusterError(where, f"the workspace folder {user} is not there; share it at the same path on every "
                           "worker")
    return settings.with_(workspace=Workspace(user, builtin_root().resolve(), settings.workspace.found_by))


def differences(expected: dict[str, str], found: dict[str, str]) -> list[str]:
    return [key for key in expected if expected[key] != found.get(key)]


class AppealgenPlugin(WorkerPlugin):
    """Pickled to every worker with the client's settings, work and fingerprint."""

    def __init__(self, settings: Settings, work: Work, expected: dict[str, str], memory_mb: int | None) -> None:
        self.settings, self.work, self.expected, self.memory_mb = settings, work, expected, memory_mb
        self.name = f"appealgen-{uuid.uuid4().hex[:12]}"
        self.ready = False

    def __getstate__(self) -> dict[str, Any]:
        return {key: self.__dict__[key] for key in ("settings", "work", "expected", "memory_mb", "name")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, ready=False)

    async def setup(self, worker: Any) -> None:
        # Hashing and starting processes block: keep them off the worker's event loop.
        await asyncio.to_thread(self.start, f"worker {worker.address}", worker.state.nthreads)

    def start(self, where: str, threads: int) -> None:
        local = on_this_machine(self.settings, where)
        found = fingerprint(local)
        differ = differences(self.expected, found)
        if differ:
            details = "; ".join(f"{key}: {found.get(key, '?')[:16]} here, {self.expected[key][:16]} on the client"
                                for key in differ)
            raise ClusterError(where, f"refuses to build: its {', '.join(differ)} differ from the client's "
                               f"({details}); install the same appealgen and share the same workspace on every worker")
        self.local, self.move, self.back = storage.remount(local)
        self.tools = Toolkit(self.local).__enter__()  # for the resume rules only; builds happen in the hosts
        self.spawner = ThreadPoolExecutor(1, thread_name_prefix="appealgen-spawner")
        self.hosts: queue.SimpleQueue[Host] = queue.SimpleQueue()
        for _ in range(max(threads, 1)):
            host = Host(self.local, self.work, self.memory_mb, self._spawn)
            host.start()  # warm while the batch is being submitted
            self.hosts.put(host)
        self.count = max(threads, 1)
        self.ready = True

    def _spawn(self, start: Callable[[], Any]) -> Any:
        return self.spawner.submit(start).result()

    def teardown(self, worker: Any) -> None:
        if not self.ready:
            return
        self.ready = False
        for _ in range(self.count):
            self.hosts.get().close()
        self.spawner.shutdown()
        self.tools.close()
        storage.unmount(self.local)

    def build(self, item: Item, seen: Stamp) -> Outcome:
        item = storage.move_item(item, self.move)
        try:
            storage.fetch_attachments(self.local, item)
            outcome = written_meanwhile(self.local, self.tools, item, seen)
            if outcome is None:
                outcome = self._in_host(item)
                if outcome.folder is not None:
                    storage.publish_packet(self.local, outcome.folder)
        except AppealgenError as error:
            outcome = Outcome(item.origin, item.claim_id, error=error)
        outcome = storage.relabel_outcome(self.local, outcome)
        return replace(outcome, folder=self.back(outcome.folder) if outcome.folder else None)

    def _in_host(self, item: Item) -> Outcome:
        host = self.hosts.get()
        try:
            return host.run(item)
        finally:
            self.hosts.put(host)


def build_chunk(name: str, jobs: list[Job]) -> list[Outcome]:
    """The task: one chunk of packets on the worker that runs it."""
    worker = get_worker()
    plugin = worker.plugins.get(name)
    if not isinstance(plugin, AppealgenPlugin) or not plugin.ready:
        raise ClusterError(f"worker {worker.address}", "did not set up appealgen for this batch (see that worker's "
                           "log); install the same appealgen and share the same workspace on every worker")
    return [plugin.build(item, seen) for item, seen in jobs]
