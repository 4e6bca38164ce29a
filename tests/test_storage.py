"""Inputs and the output folder as fsspec URLs (`file://` and `memory://` here, since no object
store can be reached): the packets are the ones a plain folder gets, each file appears whole at
its URL, resume reads the packets back from there, and messages name the URL."""

from __future__ import annotations

import logging
import stat
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import fsspec
import pytest
import yaml
from distributed import Client, LocalCluster

from appealgen import storage
from appealgen.batch import ExecutorFactory, start_batch, write_summary
from appealgen.build import build_one
from appealgen.commands import load_items, placed
from appealgen.executors.dask import DaskExecutor
from appealgen.executors.inprocess import InProcessExecutor
from appealgen.outcome import Outcome
from appealgen.settings import Settings
from appealgen.workspace import Workspace
from tests.conftest import REPO, TODAY
from tests.helpers import AS_OF, HTML_LETTER, run
from tests.test_batch import claims_folder, two_practices
from tests.test_cluster import packet_view, pool


@pytest.fixture(scope="module")
def threads() -> Iterator[Client]:
    """A cluster whose workers are threads of this process: the only kind that sees `memory://`."""
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address="127.0.0.1:0",
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as connected:
        yield connected


def batch_at(inputs: list[str], out: str, executor: ExecutorFactory, work: Any = build_one,
             ) -> tuple[list[Outcome], str, list[Path]]:
    """A batch on URLs as the command runs it: mounted, built, summarised, unmounted."""
    settings = Settings(Workspace.open(REPO), TODAY)
    with placed(settings, inputs, out) as (mounted, paths):
        outcomes = list(start_batch(mounted, load_items(mounted, paths), executor, work=work).outcomes)
        outcomes = [storage.relabel_outcome(mounted, o) for o in outcomes]
        summary, _ = write_summary(mounted, outcomes)
        folders = [m.local for m in mounted.mounts]
    return outcomes, summary, folders


MEMORY = fsspec.filesystem("memory")


def to_memory(folder: Path, url: str) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            MEMORY.pipe_file(f"{url}/{path.relative_to(folder).as_posix()}", path.read_bytes())


def from_memory(url: str, folder: Path) -> Path:
    """A local copy of everything under a memory:// URL."""
    root = "/" + url.removeprefix("memory://").strip("/")
    for found in MEMORY.find(root):
        target = folder / Path(found).relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(MEMORY.cat_file(found))
    return folder


def test_memory_urls_on_the_cluster_give_the_packets_a_folder_gets(threads: Client, tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 3, appeal=HTML_LETTER)
    data = yaml.safe_load(claims.read_text())
    data[2]["service_lines"][0]["dos"] = "2026-02-30"
    claims.write_text(yaml.safe_dump(data, sort_keys=False))
    to_memory(tmp_path / "in", "memory://storage-a/in")
    on_threads: ExecutorFactory = lambda s, w: DaskExecutor(s, w, client=threads)  # noqa: E731
    outcomes, summary, mounts = batch_at(["memory://storage-a/in/claims.yaml"], "memory://storage-a/out", on_threads)
    # two build threads once fetched the shared attachment at the same time and read it empty (the
    # test below); the errors are shown if a claim fails here again
    assert sorted(o.status for o in outcomes) == ["built", "built", "failed"], [o.error for o in outcomes]
    assert [line for o in outcomes if o.error for line in o.error.lines()] == [
        "memory://storage-a/in/claims.yaml[2]: service_lines[0].dos: Input should be a valid date or datetime, day "
        "value is outside expected range"]
    assert summary == "memory://storage-a/out/batch-summary.csv"
    assert not any(folder.exists() for folder in mounts)  # local copies of claim documents are removed
    got = from_memory("memory://storage-a/out", tmp_path / "got")
    assert sorted(p.relative_to(got).as_posix() for p in got.rglob("*") if p.is_file()) == [
        "TEST-1/packet.json", "TEST-1/packet.pdf", "TEST-2/packet.json", "TEST-2/packet.pdf",
        "batch-summary.csv", "batch-summary.json"]
    run("batch", str(claims), "--out", str(tmp_path / "plain"), "--jobs", "1", *AS_OF)
    for name in ("TEST-1", "TEST-2"):
        assert packet_view(got / name) == packet_view(tmp_path / "plain" / name)
    # Resume reads the packets back from the URL, whichever engine runs next.
    again, _, _ = batch_at(["memory://storage-a/in"], "memory://storage-a/out", InProcessExecutor,
                           storage.Stored(build_one))
    assert sorted(o.status for o in again) == ["failed", "skipped", "skipped"]


def test_file_urls_on_the_cluster_and_in_the_pool(client: Client, tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 2, appeal=HTML_LETTER)
    on_cluster: ExecutorFactory = lambda s, w: DaskExecutor(s, w, client=client)  # noqa: E731
    outcomes, summary, _ = batch_at([f"file://{claims}"], f"file://{tmp_path}/out", on_cluster)
    assert [o.status for o in outcomes] == ["built", "built"]
    assert summary == f"file://{tmp_path}/out/batch-summary.csv"
    for name in ("TEST-1/packet.pdf", "TEST-1/packet.json", "batch-summary.csv"):
        assert stat.S_IMODE((tmp_path / "out" / name).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "out" / "TEST-1").stat().st_mode) == 0o700
    assert not list((tmp_path / "out").rglob(".*.part"))
    again, _, _ = batch_at([f"file://{tmp_path}/in"], f"file://{tmp_path}/out", pool, storage.Stored(build_one))
    assert [o.status for o in again] == ["skipped", "skipped"]
    code, _, stderr = run("batch", f"file://{claims}", "--out", f"file://{tmp_path}/out", "--force", *AS_OF)
    assert code == 0 and stderr.splitlines()[-1] == (
        f"2 claims: 2 built, 0 with nothing to send, 0 up to date, 0 failed; failing their check: 0; passed with "
        f"warnings to review: 0; summary in file://{tmp_path}/out/batch-summary.csv")


def test_a_url_that_cannot_be_used_is_named(tmp_path: Path) -> None:
    code, _, stderr = run("batch", "nosuch://claims", "--out", str(tmp_path / "out"), *AS_OF)
    assert code == 1 and stderr.startswith("nosuch://claims: cannot open this storage URL: ")
    code, _, stderr = run("batch", "memory://storage-none/claims.yaml", "--out", str(tmp_path / "out"), *AS_OF)
    assert (code, stderr) == (1, "memory://storage-none/claims.yaml: not found\n")


def fetch_at_once(settings: Settings, mounts: list[storage.Mount], name: str) -> None:
    """Two threads for each mount fetch `name` into it, all starting together."""
    mounted = settings.with_(mounts=tuple(mounts))
    start = threading.Barrier(len(mounts) * 2)

    def fetch(mount: storage.Mount) -> None:
        start.wait()
        storage.fetch(mounted, mount.local / name)

    with ThreadPoolExecutor(len(mounts) * 2) as threads:
        list(threads.map(fetch, mounts + mounts))


def test_threads_fetching_one_attachment_at_once_each_get_all_of_it(tmp_path: Path) -> None:
    # fsspec's memory file system hands every reader the same file object: two threads reading
    # one file at once each got part of it (in CI, a build saw an empty attachment).
    data = bytes(range(256)) * (3 * 2**20 // 256)  # several of fsspec's read blocks
    MEMORY.pipe_file("memory://storage-c/in/notes.pdf", data)
    settings = Settings(Workspace.open(REPO), TODAY)
    for attempt in range(4):  # without a lock the race shows in most attempts
        mounts = [storage.Mount("memory://storage-c/in", tmp_path / f"{attempt}-{n}") for n in range(8)]
        fetch_at_once(settings, mounts, "notes.pdf")
        assert [(m.local / "notes.pdf").read_bytes() == data for m in mounts] == [True] * len(mounts)
    assert not list(tmp_path.rglob("*.part"))


def test_an_output_url_that_holds_a_practice_folder_keeps_that_layout(tmp_path: Path) -> None:
    """The output folder at a URL is an empty local folder here: the layout is read at the URL."""
    one, both = two_practices(tmp_path / "in")
    first, _, _ = batch_at([str(both)], "memory://storage-c/out", InProcessExecutor, storage.Stored(build_one))
    assert sorted(o.status for o in first) == ["built", "built"]
    again, _, _ = batch_at([str(one)], "memory://storage-c/out", InProcessExecutor, storage.Stored(build_one))
    assert [o.status for o in again] == ["skipped"]  # found under npi-1538261953/ at the URL
