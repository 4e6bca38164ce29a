"""Batches on a Dask cluster: a real LocalCluster of two worker processes builds the same packets
as the local pool, loses nothing when a worker is killed, resumes what either engine built, and
refuses workers whose appealgen, workspace or code table differ from the client's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from distributed import Client
from distributed.scheduler import KilledWorker
from pypdf import PdfReader

from appealgen import storage
from appealgen.batch import ExecutorFactory, start_batch
from appealgen.build import build_one
from appealgen.commands import load_items
from appealgen.errors import ClusterError, InputError, TimeLimitError
from appealgen.executors.base import Work
from appealgen.executors.dask import DaskExecutor
from appealgen.executors.dask_plugin import AppealgenPlugin, build_chunk, fingerprint
from appealgen.executors.host import DIED_TWICE, Host
from appealgen.executors.pool import PoolExecutor
from appealgen.outcome import Outcome
from appealgen.settings import Settings
from appealgen.sources.items import Item
from appealgen.toolkit import Toolkit
from appealgen.workspace import Workspace
from tests.conftest import REPO, TODAY
from tests.helpers import AS_OF, HTML_LETTER, run
from tests.test_batch import WORD_LETTER, alive, claims_folder, comparable, descendants, summary, whose_worker

EXAMPLES = sorted(str(p) for p in (REPO / "examples").glob("*/claim.yaml"))


def on(client: Client, **options: Any) -> ExecutorFactory:
    return lambda settings, work: DaskExecutor(settings, work, client=client, **options)


def pool(settings: Settings, work: Work) -> PoolExecutor:
    return PoolExecutor(settings, work, jobs=2)


def batch(settings: Settings, inputs: list[Path], executor: ExecutorFactory, force: bool = False) -> list[Outcome]:
    return list(start_batch(settings, load_items(settings, inputs), executor, force).outcomes)


def settings_for(out: Path, **changes: Any) -> Settings:
    return Settings(Workspace.open(REPO), TODAY, out=out, **changes)


def packet_view(folder: Path) -> dict[str, Any]:
    """What a reader of the packet sees: every page's text (index, stamps), the bookmarks, and
    packet.json apart from what differs between two builds by design."""
    reader = PdfReader(folder / "packet.pdf")
    return {"pages": [" ".join((page.extract_text() or "").split()) for page in reader.pages],
            "bookmarks": [(o.title, reader.get_destination_page_number(o)) for o in reader.outline
                          if not isinstance(o, list)],
            "report": comparable(folder)}


def statuses(outcomes: list[Outcome]) -> dict[str, tuple[str, bool | None]]:
    return {o.claim_id or o.origin: (o.status, o.report.check.passed if o.report else None) for o in outcomes}


def mixed_claims(folder: Path) -> Path:
    """An HTML letter, a Word letter, a packet failing its check, and a claim that cannot load."""
    claims = claims_folder(folder, 4, appeal=HTML_LETTER)
    data = yaml.safe_load(claims.read_text())
    data[1]["appeal"] = WORD_LETTER
    data[2]["attachments"] = data[2]["attachments"][:1]  # no progress notes: fails its check
    data[3]["service_lines"][0]["dos"] = "2026-02-30"
    claims.write_text(yaml.safe_dump(data, sort_keys=False))
    return claims


def test_the_cluster_builds_the_same_packets_as_the_local_pool(client: Client, tmp_path: Path) -> None:
    claims = mixed_claims(tmp_path / "in")
    local = batch(settings_for(tmp_path / "pool"), [claims], pool)
    clustered = batch(settings_for(tmp_path / "dask"), [claims], on(client, chunk=2))
    assert statuses(clustered) == statuses(local) == {
        "TEST-4": ("failed", None), "TEST-1": ("built", True), "TEST-2": ("built", True),
        "TEST-3": ("built", False)}
    assert [o.lines() for o in clustered if o.error] == [o.lines() for o in local if o.error]
    for name in ("TEST-1", "TEST-2", "TEST-3"):
        assert packet_view(tmp_path / "dask" / name) == packet_view(tmp_path / "pool" / name)


@pytest.mark.slow
def test_batch_examples_on_local_2_gives_what_jobs_2_gives(tmp_path: Path) -> None:
    pooled = run("batch", *EXAMPLES, "--out", str(tmp_path / "pool"), "--jobs", "2", *AS_OF)
    clustered = run("batch", *EXAMPLES, "--out", str(tmp_path / "dask"), "--cluster", "local:2", *AS_OF)
    assert clustered[0] == pooled[0] == 3  # one example lacks progress notes on purpose
    folders = sorted(p.parent.relative_to(tmp_path / "pool") for p in (tmp_path / "pool").rglob("packet.json"))
    assert len(folders) == len(EXAMPLES)
    for folder in folders:
        assert packet_view(tmp_path / "dask" / folder) == packet_view(tmp_path / "pool" / folder)
    rows = {engine: sorted(({k: v for k, v in row.items() if k != "seconds"} for row in summary(tmp_path / engine)),
                           key=lambda row: row["claim_id"]) for engine in ("pool", "dask")}
    assert len(rows["dask"]) == len(EXAMPLES) and rows["dask"] == rows["pool"]


def test_resume_works_across_engines(client: Client, tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 3, appeal=HTML_LETTER)
    settings = settings_for(tmp_path / "out")
    assert {o.status for o in batch(settings, [claims], pool)} == {"built"}
    assert {o.status for o in batch(settings, [claims], on(client))} == {"skipped"}
    (tmp_path / "in" / "docs" / "notes.pdf").write_bytes((tmp_path / "in" / "docs" / "ra.pdf").read_bytes())
    assert {o.status for o in batch(settings, [claims], on(client))} == {"built"}
    assert {o.status for o in batch(settings, [claims], pool)} == {"skipped"}


def test_a_packet_a_dead_worker_already_wrote_is_not_written_again(client: Client, tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 1, appeal=HTML_LETTER)
    settings = settings_for(tmp_path / "out")
    item = load_items(settings, [claims]).items[0]
    packet = tmp_path / "out" / "TEST-1" / "packet.json"
    with DaskExecutor(settings, build_one, client=client) as executor:
        [first] = client.submit(build_chunk, executor.plugin.name, [(item, None)], pure=False).result()
        written = packet.stat().st_mtime_ns
        # A rescheduled task finds the packet written after the client looked (it saw none): kept.
        [again] = client.submit(build_chunk, executor.plugin.name, [(item, None)], pure=False).result()
        assert (first.status, again.status, packet.stat().st_mtime_ns) == ("built", "built", written)
        assert again.report == first.report
        # A packet that was already there when the client looked (--force) is built anew.
        executor.submit(item)
        assert [o.status for o in executor.results()] == ["built"]
    assert packet.stat().st_mtime_ns != written


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing(client: Client, tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 10, appeal=WORD_LETTER)
    settings = settings_for(tmp_path / "out")
    workers: dict[str, int] = client.run(os.getpid)
    victim = sorted(workers.values())[0]
    outcomes: list[Outcome] = []
    helpers: set[int] = set()
    for outcome in start_batch(settings, load_items(settings, [claims]), on(client)).outcomes:
        outcomes.append(outcome)
        if len(outcomes) == 2:
            helpers = descendants(victim)  # its build process and that one's LibreOffice
            os.kill(victim, signal.SIGKILL)
    assert helpers, "the worker runs a build process"
    assert statuses(outcomes) == {f"TEST-{n}": ("built", True) for n in range(1, 11)}
    for n in range(1, 11):
        report = json.loads((tmp_path / "out" / f"TEST-{n}" / "packet.json").read_text())
        assert len(PdfReader(tmp_path / "out" / f"TEST-{n}" / "packet.pdf").pages) == report["pages"]
    assert not list((tmp_path / "out").rglob(".*.part"))
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in helpers if alive(pid)] == []
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it for the tests after this one


def hostile(settings: Settings, tools: Toolkit, item: Item) -> Outcome:
    """Crashes its process on CRASH (as a decoder bug would), hangs on SLOW; counts attempts."""
    with (settings.out / f"{item.claim_id}.attempts").open("a") as attempts:
        attempts.write("x")
    if item.claim_id == "CRASH":
        os.kill(os.getpid(), signal.SIGKILL)
    if item.claim_id == "SLOW":
        time.sleep(60)
    return Outcome(item.origin, item.claim_id)


def test_a_hostile_packet_is_tried_twice_then_failed_and_a_stuck_one_is_stopped(client: Client,
                                                                                tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 3)
    data = yaml.safe_load(claims.read_text())
    data[0]["claim_id"], data[1]["claim_id"] = "CRASH", "SLOW"
    claims.write_text(yaml.safe_dump(data, sort_keys=False))
    settings = settings_for(tmp_path, time_limit=2.0)
    workers = client.run(os.getpid)
    started = time.monotonic()
    outcomes = {o.claim_id: o for o in batch(settings, [claims], lambda s, w: DaskExecutor(s, hostile, client=client))}
    assert time.monotonic() - started < 45
    assert {name: o.status for name, o in outcomes.items()} == {"CRASH": "failed", "SLOW": "failed",
                                                                "TEST-3": "planned"}
    assert outcomes["CRASH"].lines() == [f"{claims}[0]: claim CRASH: {DIED_TWICE}"]
    assert outcomes["SLOW"].lines() == [f"{claims}[1]: claim SLOW: stopped after 2 s (time limit); nothing written "
                                        "for this claim"]
    assert (tmp_path / "CRASH.attempts").read_text() == "xx"  # retried once, never a third time
    assert client.run(os.getpid) == workers  # the cluster's workers never died


@pytest.mark.parametrize("differs", ["workspace", "code table", "appealgen code"])
def test_a_worker_whose_install_or_workspace_differs_refuses_to_start(client: Client, tmp_path: Path,
                                                                        differs: str) -> None:
    workspace = tmp_path / "workspace"
    (workspace / "templates" / "letters").mkdir(parents=True)
    letter = workspace / "templates" / "letters" / "reconsideration.html"
    letter.write_text((REPO / "templates" / "letters" / "reconsideration.html").read_text())
    settings = Settings(Workspace.open(workspace), TODAY, out=tmp_path / "out")
    expected = fingerprint(settings)
    if differs == "workspace":
        letter.write_text(letter.read_text() + "<!-- edited after the client looked -->\n")
    elif differs == "code table":
        (workspace / "rules").mkdir()
        (workspace / "rules" / "codes.yaml").write_text((REPO / "appealgen" / "rules" / "codes.yaml").read_text()
                                                        + "# another table\n")
    else:
        expected = {**expected, "appealgen code": "0.0.9 0123456789abcdef"}
    plugin = AppealgenPlugin(settings, build_one, expected, None)
    with pytest.raises(ClusterError, match=f"refuses to build: its {differs} differ from the client's"):
        client.register_plugin(plugin, name=plugin.name)
    client.unregister_worker_plugin(plugin.name)
    assert sorted(fingerprint(Settings(Workspace.open(workspace), TODAY))) == ["appealgen code", "code table",
                                                                               "workspace"]


def test_a_local_cluster_gives_up_on_a_packet_after_it_took_down_two_workers(tmp_path: Path) -> None:
    # Builds run in a process of their own, so only the Dask worker dying is left to Dask, whose
    # default would send the same packet to a third and a fourth worker.
    executor = DaskExecutor(settings_for(tmp_path), build_one, "local:1")
    try:
        scheduler = executor.cluster.scheduler if executor.cluster is not None else None
        assert scheduler is not None and scheduler.allowed_failures == 1
    finally:
        executor.close()


def test_a_workspace_that_cannot_be_read_starts_no_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable(settings: Settings) -> str:
        raise InputError(tmp_path / "appealgen.yaml", None, "cannot be opened")

    connected: list[str] = []
    monkeypatch.setattr("appealgen.executors.dask.fingerprint", unreadable)
    monkeypatch.setattr(DaskExecutor, "_connect", lambda self, address, timeout: connected.append(address))
    with pytest.raises(InputError):
        DaskExecutor(settings_for(tmp_path), build_one, "local:1")
    assert connected == []  # nothing started, so nothing is left running


def test_an_unreachable_scheduler_is_reported_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ClusterError) as raised:
        DaskExecutor(settings_for(tmp_path), build_one, "tcp://127.0.0.1:9", connect_timeout=1)
    assert raised.value.exit_code == 4
    assert str(raised.value).startswith("tcp://127.0.0.1:9: cannot reach a Dask scheduler there")


WITHOUT_DASK = "import sys; sys.modules.update(dask=None, distributed=None, fsspec=None); " \
               "from appealgen.cli import main; main()"


def test_without_the_cluster_extra_batches_still_run_and_cluster_says_how_to_install(tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 1, appeal=HTML_LETTER)
    command = [sys.executable, "-c", WITHOUT_DASK, "batch", str(claims), *AS_OF]
    plain = subprocess.run([*command, "--out", str(tmp_path / "a"), "--jobs", "1"], cwd=REPO, capture_output=True,
                           text=True, check=False)
    assert plain.returncode == 0, plain.stderr
    clustered = subprocess.run([*command, "--out", str(tmp_path / "b"), "--cluster", "local:2"], cwd=REPO,
                               capture_output=True, text=True, check=False)
    assert clustered.returncode == 4
    assert clustered.stderr.splitlines()[1:] == [
        "Dask (the cluster extra) is not installed; install it with: pip install 'appealgen[cluster]'"]


def test_cluster_option_and_environment_variable(tmp_path: Path) -> None:
    claims = str(claims_folder(tmp_path / "in", 1, appeal=HTML_LETTER))
    code, _, stderr = run("batch", claims, "--out", str(tmp_path / "out"), "--cluster", "local:0", *AS_OF)
    assert code == 2 and "local:N takes a number of worker processes, such as local:2" in stderr
    code, _, stderr = run("batch", claims, "--out", str(tmp_path / "out"), *AS_OF,
                          env={"APPEALGEN_CLUSTER": "local:x"})
    assert code == 2 and "local:N takes a number of worker processes" in stderr


class LostChunk:
    """A finished task whose workers the scheduler saw die too often (KilledWorker)."""

    status = "error"

    def exception(self) -> BaseException:
        return KilledWorker("appealgen-0", cast(Any, None), 3)


def test_a_chunk_whose_workers_kept_dying_fails_each_of_its_claims_as_lost(tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 2)
    items = load_items(settings_for(tmp_path / "out"), [claims]).items
    executor = object.__new__(DaskExecutor)
    outcomes = list(executor._outcomes(cast(Any, LostChunk()), [(item, None) for item in items]))
    assert [o.lines() for o in outcomes] == [
        [f"{claims}[{n}]: claim TEST-{n + 1}: the cluster lost the workers building it, again and again; nothing "
         "more tried for this claim (a rerun tries it again)"] for n in range(2)]


def test_a_changed_payer_profile_on_a_worker_is_a_different_workspace(tmp_path: Path) -> None:
    (tmp_path / "workspace" / "payers").mkdir(parents=True)
    profile = sorted((REPO / "payers").glob("*.yaml"))[0]
    copy = tmp_path / "workspace" / "payers" / profile.name
    copy.write_text(profile.read_text())
    settings = Settings(Workspace.open(tmp_path / "workspace"), TODAY)
    before = fingerprint(settings)
    copy.write_text(profile.read_text() + "# edited on one worker\n")
    after = fingerprint(settings)
    assert [key for key in before if before[key] != after[key]] == ["workspace"]


def test_a_batch_with_nothing_to_build_starts_no_cluster(tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 2, appeal=HTML_LETTER)
    settings = settings_for(tmp_path / "out")
    assert {o.status for o in batch(settings, [claims], pool)} == {"built"}

    def no_cluster(settings: Settings, work: Work) -> DaskExecutor:
        raise AssertionError("a cluster was started for a batch with nothing to build")

    assert {o.status for o in batch(settings, [claims], no_cluster)} == {"skipped"}


def test_a_worker_leaving_the_batch_stops_its_build_processes(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "out")
    plugin = AppealgenPlugin(settings, build_one, fingerprint(settings), None)
    plugin.start("this process", 1)
    host = plugin.hosts.get()
    plugin.hosts.put(host)
    assert host.process is not None
    pid = host.process.pid
    plugin.teardown(None)
    assert host.process is None
    assert not alive(pid)

def test_a_local_cluster_started_for_a_batch_is_stopped_with_it(tmp_path: Path) -> None:
    executor = DaskExecutor(settings_for(tmp_path / "out"), build_one, "local:1")
    cluster = executor.cluster
    assert cluster is not None
    executor.close()
    assert cluster.status.name == "closed"


def test_a_worker_that_did_not_set_up_this_batch_refuses_its_tasks(client: Client, tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "out")
    items = load_items(settings, [claims_folder(tmp_path / "in", 1)]).items
    plugin = AppealgenPlugin(settings, build_one, {**fingerprint(settings), "code table": "another"}, None)
    with pytest.raises(ClusterError):
        client.register_plugin(plugin, name=plugin.name)
    try:
        with pytest.raises(ClusterError, match="did not set up appealgen for this batch"):
            client.submit(build_chunk, plugin.name, [(item, None) for item in items], pure=False).result()
    finally:
        client.unregister_worker_plugin(plugin.name)


def test_a_host_stops_an_item_at_its_time_limit_not_later(tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 2)
    data = yaml.safe_load(claims.read_text())
    data[0]["claim_id"] = "SLOW"
    claims.write_text(yaml.safe_dump(data, sort_keys=False))
    settings = settings_for(tmp_path, time_limit=1.0)
    slow, quick = load_items(settings, [claims]).items
    host = Host(settings, hostile, None)
    try:
        assert host.run(quick).error is None  # warm: starting Python is not the item's time
        started = time.monotonic()
        stopped = host.run(slow)
        elapsed = time.monotonic() - started
    finally:
        host.close()
    assert isinstance(stopped.error, TimeLimitError)
    assert elapsed < 8


def test_a_host_retires_its_process_after_its_share_of_items(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "out")
    [item] = load_items(settings, [claims_folder(tmp_path / "in", 1)]).items
    host = Host(settings, whose_worker, None, recycle_after=2)
    try:
        pids = [int(host.run(item).instead) for _ in range(5)]  # the worker's process ID
    finally:
        host.close()
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4] and len(set(pids)) == 3
    assert [pid for pid in pids if alive(pid)] == []


def test_a_claim_whose_files_cannot_be_fetched_fails_alone_on_the_worker(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(tmp_path / "out")
    [item] = load_items(settings, [claims_folder(tmp_path / "in", 1)]).items

    def unreachable(settings: Settings, item: Item) -> None:
        raise InputError(item.origin, "attachments", "the storage cannot be reached")

    monkeypatch.setattr(storage, "fetch_attachments", unreachable)
    plugin = AppealgenPlugin(settings, build_one, fingerprint(settings), None)
    plugin.local, plugin.move, plugin.back = storage.remount(settings)
    with Toolkit(plugin.local) as plugin.tools:
        outcome = plugin.build(item, None)
    assert outcome.status == "failed"
    assert "the storage cannot be reached" in " ".join(outcome.lines())
