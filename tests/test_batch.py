"""`appealgen batch` and `appealgen letters`: the same packets as `build`, in parallel workers,
resumable, with a summary; one bad claim fails alone. Real files in tmp_path, real workers."""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image
from pypdf import PdfReader

from appealgen import build, commands
from appealgen.build import build_one
from appealgen.errors import TemplateError
from appealgen.executors.pool import PoolExecutor
from appealgen.outcome import Outcome
from appealgen.run import run as run_items
from appealgen.settings import Settings
from appealgen.sources.claim_file import load_claims
from appealgen.sources.items import Item, Loaded
from appealgen.templating.tools import check_templates_first
from appealgen.toolkit import Toolkit
from appealgen.workspace import RULES_DIR, Workspace
from tests.conftest import PLAN_POLICY, PROVIDER, REPO, TODAY, WriteClaim, claim_dict
from tests.helpers import AS_OF, HTML_LETTER, pdf_text, run
from tests.pdfs import make_pdf

WORD_LETTER = {"letter": "medical_necessity.docx", "argument": "The records support the claim.",
               "policy": PLAN_POLICY}


def claims_folder(folder: Path, count: int, **overrides: Any) -> Path:
    """A list file of `count` claims TEST-1.. sharing one set of attachments."""
    (folder / "docs").mkdir(parents=True, exist_ok=True)
    (folder / "docs" / "ra.pdf").write_bytes(make_pdf())
    (folder / "docs" / "notes.pdf").write_bytes(make_pdf(3))
    claims = [claim_dict(claim_id=f"TEST-{n}", **overrides) for n in range(1, count + 1)]
    path = folder / "claims.yaml"
    path.write_text(yaml.safe_dump(claims, sort_keys=False))
    return path


def summary(out: Path) -> list[dict[str, str]]:
    with (out / "batch-summary.csv").open() as handle:
        return list(csv.DictReader(handle))


def comparable(folder: Path) -> dict[str, Any]:
    """packet.json without what differs between two builds of the same inputs by design."""
    report: dict[str, Any] = json.loads((folder / "packet.json").read_text())
    report["sections"] = [{k: v for k, v in s.items() if k != "sha256" or s["kind"] != "index"}
                          for s in report["sections"]]
    return report


def test_batch_makes_what_build_makes(tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 3, appeal=HTML_LETTER)
    assert run("build", str(claims), "--out", str(tmp_path / "built"), *AS_OF)[0] == 0
    code, _, stderr = run("batch", str(claims), "--out", str(tmp_path / "batched"), "--jobs", "2", *AS_OF)
    assert code == 0, stderr
    for n in (1, 2, 3):
        built, batched = tmp_path / "built" / f"TEST-{n}", tmp_path / "batched" / f"TEST-{n}"
        assert comparable(built) == comparable(batched)
        assert pdf_text(built / "packet.pdf") == pdf_text(batched / "packet.pdf")
    assert stderr.splitlines()[-1] == (f"3 claims: 3 built, 0 with nothing to send, 0 up to date, 0 failed; failing "
                                       f"their check: 0; passed with warnings to review: 0; summary "
                                       f"in {tmp_path / 'batched' / 'batch-summary.csv'}")


def test_a_rerun_skips_what_is_up_to_date_and_rebuilds_what_changed(tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 2, appeal=HTML_LETTER)
    out = tmp_path / "out"
    assert run("batch", str(claims), "--out", str(out), "--jobs", "1", *AS_OF)[0] == 0
    first = (out / "TEST-1" / "packet.pdf").stat().st_mtime_ns
    code, _, stderr = run("batch", str(claims), "--out", str(out), *AS_OF)
    assert code == 0
    assert "2 claims: 0 built, 0 with nothing to send, 2 up to date, 0 failed" in stderr
    assert [row["status"] for row in summary(out)] == ["skipped", "skipped"]
    (tmp_path / "in" / "docs" / "notes.pdf").write_bytes(make_pdf(4))  # an attachment changes
    rebuilt = "2 claims: 2 built, 0 with nothing to send, 0 up to date"
    assert rebuilt in run("batch", str(claims), "--out", str(out), *AS_OF)[2]
    assert (out / "TEST-1" / "packet.pdf").stat().st_mtime_ns != first
    later = ["--as-of", "2026-11-23", "--workspace", str(REPO)]  # the letter's date changes
    assert rebuilt in run("batch", str(claims), "--out", str(out), *later)[2]
    assert "2 claims: 2 built" in run("batch", str(claims), "--out", str(out), "--force", *later)[2]


def test_a_rerun_rebuilds_after_anything_else_that_draws_the_packet_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    claims = claims_folder(tmp_path / "in", 1, appeal=HTML_LETTER)
    workspace, out = tmp_path / "ws", tmp_path / "out"
    (workspace / "rules").mkdir(parents=True)
    (workspace / "appealgen.yaml").write_text(yaml.safe_dump({"practices": {"1538261953": {"signature": "sign.png"}}}))
    Image.new("L", (300, 80), 255).save(workspace / "sign.png")
    args = ("batch", str(claims), "--out", str(out), "--jobs", "1", "--as-of", "2026-11-22",
            "--workspace", str(workspace))
    assert run(*args)[0] == 0
    assert "1 up to date" in run(*args)[2]
    shipped = (RULES_DIR / "policies.yaml").read_text()
    (workspace / "rules" / "policies.yaml").write_text(shipped)  # the workspace's own policies, read first
    assert "1 claim: 1 built" in run(*args)[2]
    assert "1 up to date" in run(*args)[2]
    Image.new("L", (300, 80), 200).save(workspace / "sign.png")  # a new signature image, same name
    assert "1 claim: 1 built" in run(*args)[2]
    assert "1 claim: 1 built" in run(*args, "--strict")[2]  # the identity check may now fail the packet
    assert "1 up to date" in run(*args, "--strict")[2]
    assert "1 claim: 1 built" in run(*args, "--strict", "--delivery", "mail")[2]  # another cover, send-by date
    assert "1 up to date" in run(*args, "--strict", "--delivery", "mail")[2]
    monkeypatch.setattr(build, "code_digest", lambda: "a later appealgen, with other rules")
    assert "1 claim: 1 built" in run(*args, "--strict", "--delivery", "mail")[2]


def test_the_summary_names_claims_and_statuses_never_patient_data(tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 2, appeal=HTML_LETTER)
    data = yaml.safe_load(claims.read_text())
    data[1]["service_lines"][0]["dos"] = "2026-02-30"
    data.append({**data[0], "claim_id": "TEST-3", "attachments": [{"kind": "remittance_advice",
                                                                   "path": "docs/ra.pdf"}]})
    claims.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "out"
    code, stdout, stderr = run("batch", str(claims), "--out", str(out), "--json", *AS_OF)
    assert code == 1
    assert [row["claim_id"] for row in summary(out)] == ["TEST-1", "TEST-2", "TEST-3"]  # by claim id, not finish
    assert "1 failed (TEST-2); failing their check: 1 (TEST-3)" in stderr.splitlines()[-1]
    rows = {row["claim_id"]: row for row in summary(out)}  # the unreadable claim too, by the id it states
    assert rows["TEST-1"]["status"] == "built" and rows["TEST-1"]["check_passed"] == "true"
    assert (rows["TEST-1"]["error"], rows["TEST-3"]["check_passed"]) == ("", "false")
    assert rows["TEST-3"]["error"] == "missing progress notes or medical records"  # why its check failed
    assert rows["TEST-2"]["status"] == "failed"
    assert rows["TEST-2"]["error"] == (f"{claims}[1]: service_lines[0].dos: Input should be a valid date or "
                                       "datetime, day value is outside expected range")
    text = (out / "batch-summary.csv").read_text() + (out / "batch-summary.json").read_text() + stdout
    for secret in ("Rosa", "Testcase", "9XX9XX9XX99", "1950-01-02"):
        assert secret not in text
    assert json.loads((out / "batch-summary.json").read_text())["counts"] == {
        "built": 2, "nothing_to_send": 0, "skipped": 0, "failed": 1, "check_failed": 1, "with_warnings": 0}


def test_claims_of_several_practices_go_to_their_own_folders(tmp_path: Path) -> None:
    one = claim_dict(claim_id="SAME-1", appeal=HTML_LETTER)
    two = claim_dict(claim_id="SAME-1", appeal=HTML_LETTER,
                     provider={**PROVIDER, "name": "Other Practice", "npi": "1042177331"})
    folder = tmp_path / "in"
    claims_folder(folder, 0)
    (folder / "claims.yaml").write_text(yaml.safe_dump([one, two], sort_keys=False))
    code, _, stderr = run("batch", str(folder / "claims.yaml"), "--out", str(tmp_path / "out"), *AS_OF)
    assert code == 0, stderr
    assert (tmp_path / "out" / "npi-1538261953" / "SAME-1" / "packet.pdf").is_file()
    assert (tmp_path / "out" / "npi-1042177331" / "SAME-1" / "packet.pdf").is_file()
    made = [tmp_path / "out", tmp_path / "out" / "npi-1538261953", tmp_path / "out" / "npi-1042177331" / "SAME-1"]
    assert [stat.S_IMODE(folder.stat().st_mode) for folder in made] == [0o700] * 3  # every folder made is private


def two_practices(folder: Path) -> tuple[Path, Path]:
    """one.yaml: claim A-1 of one practice; both.yaml: A-1 and B-1, of another practice."""
    one = claim_dict(claim_id="A-1", appeal=HTML_LETTER)
    two = claim_dict(claim_id="B-1", appeal=HTML_LETTER,
                     provider={**PROVIDER, "name": "Other Practice", "npi": "1042177331"})
    claims_folder(folder, 0)
    (folder / "one.yaml").write_text(yaml.safe_dump([one], sort_keys=False))
    (folder / "both.yaml").write_text(yaml.safe_dump([one, two], sort_keys=False))
    return folder / "one.yaml", folder / "both.yaml"


def test_a_rerun_of_one_practices_claims_keeps_to_the_practice_folders_already_there(tmp_path: Path) -> None:
    (one, both), out = two_practices(tmp_path / "in"), tmp_path / "out"
    assert run("batch", str(both), "--out", str(out), *AS_OF)[0] == 0
    code, _, stderr = run("batch", str(one), "--out", str(out), *AS_OF)
    assert code == 0, stderr
    assert summary(out)[0]["status"] == "skipped"  # found where the first run put it: not built again beside it
    assert not (out / "A-1").exists()


def test_a_packet_left_flat_by_an_earlier_run_is_named_where_this_run_nests(tmp_path: Path) -> None:
    (one, both), out = two_practices(tmp_path / "in"), tmp_path / "out"
    assert run("batch", str(one), "--out", str(out), *AS_OF)[0] == 0
    assert (out / "A-1" / "packet.pdf").is_file()
    code, _, stderr = run("batch", str(both), "--out", str(out), *AS_OF)
    assert code == 0, stderr
    assert f"{out / 'A-1'}: a packet from an earlier run of one practice's claims; this run writes " \
        f"{out / 'npi-1538261953' / 'A-1'}: remove the older folder, so that only one is sent" in stderr.splitlines()
    assert (out / "npi-1538261953" / "A-1" / "packet.pdf").is_file()


def test_a_dry_run_validates_and_plans_and_builds_nothing(tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 2)
    code, stdout, stderr = run("batch", str(claims), "--out", str(tmp_path / "out"), "--dry-run", *AS_OF)
    assert code == 0
    assert stdout.splitlines() == [
        "TEST-1: medical_necessity -> reconsideration (reconsideration, due 2027-10-14)",
        "TEST-2: medical_necessity -> reconsideration (reconsideration, due 2027-10-14)"]
    assert stderr.splitlines()[-1] == "2 claims: 2 valid, 0 with errors, 0 whose packets would fail their check; " \
        "nothing built"
    assert not (tmp_path / "out").exists()


def test_a_dry_run_says_what_to_do_instead_for_a_claim_that_sends_nothing(tmp_path: Path) -> None:
    """A deductible the patient owes is billed to the patient: no appeal level, no appeal deadline."""
    claims = claims_folder(tmp_path / "in", 1)
    data = yaml.safe_load(claims.read_text())
    data[0]["service_lines"] = [{"dos": "2026-09-02", "code": "99213", "billed": "150.00", "paid": 0, "carc": ["1"],
                                 "group": "PR"}]
    data[0]["denial"] = {"date": "2026-10-14"}
    claims.write_text(yaml.safe_dump(data, sort_keys=False))
    code, stdout, _ = run("batch", str(claims), "--out", str(tmp_path / "out"), "--dry-run", *AS_OF)
    assert code == 0
    assert stdout.splitlines() == ["TEST-1: nothing to send (bill_patient): bill the patient; because patient "
                                   "responsibility (deductible, coinsurance or copay)"]


def test_a_file_given_twice_or_inside_a_folder_given_too_is_read_once(tmp_path: Path) -> None:
    """Its claims, and its bad claims' errors, count once in the totals and the summary."""
    claims = claims_folder(tmp_path / "in", 2)
    data = yaml.safe_load(claims.read_text())
    data[1]["service_lines"][0]["dos"] = "2026-02-30"
    claims.write_text(yaml.safe_dump(data, sort_keys=False))
    code, stdout, stderr = run("batch", str(claims), str(claims.parent), str(claims), "--out",
                               str(tmp_path / "out"), "--dry-run", *AS_OF)
    assert code == 1
    assert stdout.splitlines() == ["TEST-1: medical_necessity -> reconsideration (reconsideration, due 2027-10-14)"]
    assert stderr.splitlines() == [
        f"{claims}: given more than once; read once",
        f"{claims}[1]: service_lines[0].dos: Input should be a valid date or datetime, day value is outside "
        "expected range",
        "2 claims: 1 valid, 1 with errors, 0 whose packets would fail their check; nothing built"]


def test_a_dry_run_names_the_packets_that_would_fail_their_check(tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 2)
    data = yaml.safe_load(claims.read_text())
    data[1]["attachments"] = [{"kind": "remittance_advice", "path": "docs/ra.pdf"}]  # no notes
    claims.write_text(yaml.safe_dump(data, sort_keys=False))
    code, stdout, stderr = run("batch", str(claims), "--out", str(tmp_path / "out"), "--dry-run", *AS_OF)
    assert code == 3  # as the build would exit
    assert stdout.splitlines()[1] == ("TEST-2: medical_necessity -> reconsideration (reconsideration, due "
                                      "2027-10-14); its packet would fail its check: missing progress notes or "
                                      "medical records")
    assert stderr.splitlines()[-1] == "2 claims: 2 valid, 0 with errors, 1 whose packets would fail their check; " \
        "nothing built"


def test_a_dry_run_finds_the_documents_a_build_would_refuse(tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 3, appeal=HTML_LETTER)
    data = yaml.safe_load(claims.read_text())
    data[1]["attachments"][1]["path"] = "docs/gone.pdf"
    data[2]["attachments"][1]["path"] = "docs/notes.txt"
    (tmp_path / "in" / "docs" / "notes.txt").write_text("Visit notes typed in a text file.")
    claims.write_text(yaml.safe_dump(data, sort_keys=False))
    code, _, stderr = run("batch", str(claims), "--out", str(tmp_path / "out"), "--dry-run", *AS_OF)
    assert code == 1
    assert stderr.splitlines()[-3:] == [
        f"{claims}[1]: attachments[1].path: file not found (--verbose names the file)",
        f"{claims}[2]: attachments[1].path: unsupported file: its content is a text file (the type is read from the "
        "file, not its name)",
        "3 claims: 1 valid, 2 with errors, 0 whose packets would fail their check; nothing built"]


def sleepy(settings: Settings, tools: Toolkit, item: Item) -> Outcome:
    if item.claim_id == "SLOW":
        time.sleep(60)
    return Outcome(item.origin, item.claim_id)


def frozen_at_start(settings: Settings, tools: Toolkit, item: Item) -> Outcome:
    """The first item of a worker says how much of the coordinator's heap it keeps out of its collections."""
    import gc

    return Outcome(item.origin, item.claim_id, instead=str(gc.get_freeze_count()))


def test_a_worker_keeps_what_it_inherited_from_the_coordinator_out_of_its_collections(tmp_path: Path) -> None:
    import gc

    item = load_claims(claims_folder(tmp_path / "in", 1))[0]
    held = [[n] for n in range(50_000)]  # what a large coordinator holds when it forks
    with PoolExecutor(Settings(Workspace.open(REPO), TODAY), frozen_at_start, jobs=1) as pool:
        [outcome] = list(run_items(Loaded(items=[item]), pool))
    assert int(outcome.instead) >= len(held) > 0
    assert not gc.get_freeze_count(), "the coordinator itself freezes nothing"


def test_a_stuck_packet_is_stopped_its_worker_replaced_and_the_batch_goes_on(tmp_path: Path) -> None:
    item = load_claims(claims_folder(tmp_path / "in", 1))[0]
    slow = Item.of(item.claim.model_copy(update={"claim_id": "SLOW"}), "slow.yaml", item.source)
    others = [Item.of(item.claim.model_copy(update={"claim_id": f"OK-{n}"}), "ok.yaml", item.source)
              for n in range(3)]
    settings = Settings(Workspace.open(REPO), TODAY, time_limit=1.0)
    started = time.monotonic()
    with PoolExecutor(settings, sleepy, jobs=1) as pool:
        outcomes = list(run_items(Loaded(items=[slow, *others]), pool))
        workers = [slot.process for slot in pool.slots]
    assert time.monotonic() - started < 20
    assert [(o.claim_id, o.status) for o in outcomes] == [("SLOW", "failed"), ("OK-0", "planned"),
                                                           ("OK-1", "planned"), ("OK-2", "planned")]
    assert outcomes[0].error is not None and "stopped after 1 s (time limit)" in outcomes[0].lines()[0]
    assert not any(worker.is_alive() for worker in workers)


def test_a_worker_over_its_memory_limit_fails_only_that_claim(tmp_path: Path) -> None:
    item = load_claims(claims_folder(tmp_path / "in", 1))[0]
    greedy = Item.of(item.claim.model_copy(update={"claim_id": "GREEDY"}), "greedy.yaml", item.source)
    settings = Settings(Workspace.open(REPO), TODAY)
    with PoolExecutor(settings, hungry, jobs=1, memory_mb=1024) as pool:
        outcomes = list(run_items(Loaded(items=[greedy, item]), pool))
    assert [(o.claim_id, o.status) for o in outcomes] == [("GREEDY", "failed"), ("TEST-1", "planned")]
    assert outcomes[0].lines() == ["greedy.yaml: claim GREEDY: needed more memory than a worker may use; nothing "
                                   "written for this claim"]


def hungry(settings: Settings, tools: Toolkit, item: Item) -> Outcome:
    if item.claim_id == "GREEDY":
        _ = b"x" * (2 * 1024 ** 3)  # 2 GB: over the limit, like a decompression bomb
    return Outcome(item.origin, item.claim_id)


def whose_worker(settings: Settings, tools: Toolkit, item: Item) -> Outcome:
    """Names the worker that took the item."""
    return Outcome(item.origin, item.claim_id, instead=str(os.getpid()))


def test_a_worker_is_retired_after_its_share_of_items_and_a_fresh_one_goes_on(tmp_path: Path) -> None:
    item = load_claims(claims_folder(tmp_path / "in", 1))[0]
    items = [Item.of(item.claim.model_copy(update={"claim_id": f"OK-{n}"}), "ok.yaml", item.source)
             for n in range(5)]
    with PoolExecutor(Settings(Workspace.open(REPO), TODAY), whose_worker, jobs=1, recycle_after=2) as pool:
        outcomes = list(run_items(Loaded(items=items), pool))
    assert [o.claim_id for o in outcomes] == [f"OK-{n}" for n in range(5)]
    pids = [int(o.instead) for o in outcomes]  # the worker's process ID
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4] and len(set(pids)) == 3
    assert [pid for pid in pids if alive(pid)] == []  # every retired worker has been reaped


def stuck_on_the_way_out(settings: Settings, tools: Toolkit, item: Item) -> Outcome:
    """The first worker's toolkit never finishes closing (as a LibreOffice that will not quit);
    the others' items take a while, so the pool looks at its retired workers meanwhile."""
    if item.claim_id == "OK-0":
        tools.close = lambda: time.sleep(120)  # type: ignore[method-assign]
    else:
        time.sleep(1.5)
    return Outcome(item.origin, item.claim_id, instead=str(os.getpid()))


def test_a_retired_worker_that_does_not_end_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from appealgen.executors import pool as pool_module

    monkeypatch.setattr(pool_module, "RETIRE_GRACE_S", 0.5)
    item = load_claims(claims_folder(tmp_path / "in", 1))[0]
    items = [Item.of(item.claim.model_copy(update={"claim_id": f"OK-{n}"}), "ok.yaml", item.source)
             for n in range(3)]
    with PoolExecutor(Settings(Workspace.open(REPO), TODAY), stuck_on_the_way_out, jobs=1, recycle_after=1) as pool:
        outcomes = list(run_items(Loaded(items=items), pool))
        stuck = int(outcomes[0].instead)
        assert not alive(stuck)  # killed while the batch went on, not left holding its memory until the end
    assert [o.claim_id for o in outcomes] == ["OK-0", "OK-1", "OK-2"]


@pytest.mark.slow
def test_a_retired_worker_takes_its_libreoffice_with_it(tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 3, appeal=WORD_LETTER)
    settings = Settings(Workspace.open(REPO), TODAY, out=tmp_path / "out")
    offices: set[int] = set()
    with PoolExecutor(settings, build_one, jobs=1, recycle_after=1) as pool:
        for outcome in run_items(Loaded(items=load_claims(claims)), pool):
            assert outcome.status == "built", outcome.lines()
            workers = [slot.process.pid for slot in pool.slots] + [process.pid for process, _ in pool.retiring]
            offices |= {pid for worker in workers if worker for pid in descendants(worker)}
    assert offices, "each worker ran a LibreOffice"
    time.sleep(1)
    assert [pid for pid in offices if alive(pid)] == []


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, pending = set(), [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.add(child)
            pending.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.slow
def test_kill_9_then_rerun_finishes_the_rest_and_builds_nothing_twice(tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 12, appeal=WORD_LETTER)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "appealgen", "batch", str(claims), "--out", str(out), "--jobs", "2", *AS_OF]
    batch = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(out.glob("*/packet.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    helpers = descendants(batch.pid)
    assert helpers, "the batch runs workers and LibreOffice"
    os.kill(batch.pid, signal.SIGKILL)
    batch.wait()
    time.sleep(3)
    assert [pid for pid in helpers if alive(pid)] == []  # no worker, no LibreOffice left behind
    done = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/packet.json")}
    assert 2 <= len(done) < 12
    for folder in out.glob("*"):  # whatever is under a final name is whole
        if (folder / "packet.pdf").exists():
            assert len(PdfReader(folder / "packet.pdf").pages) > 0
    rerun = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr
    statuses = {row["claim_id"]: row["status"] for row in summary(out)}
    assert statuses == {f"TEST-{n}": "skipped" if f"TEST-{n}" in done else "built" for n in range(1, 13)}
    assert {name: (out / name / "packet.json").stat().st_mtime_ns for name in done} == done
    assert not list(out.glob("*/.*.part"))


@pytest.mark.slow
def test_ctrl_c_stops_the_batch_sums_up_what_finished_and_a_rerun_does_the_rest(tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 12, appeal=HTML_LETTER)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "appealgen", "batch", str(claims), "--out", str(out), "--jobs", "2", *AS_OF]
    batch = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    # A third packet on disk means a worker has sent its first outcome and gone on: the
    # coordinator has had a packet's time to read it. What a worker finishes in the instant of
    # the Ctrl-C stays on disk (a rerun skips it) but may miss the summary.
    while len(list(out.glob("*/packet.json"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    batch.send_signal(signal.SIGINT)
    _, stderr = batch.communicate(timeout=120)
    assert batch.returncode == 130, stderr
    rows = summary(out)
    on_disk = {folder.parent.name for folder in out.glob("*/packet.json")}
    assert 1 <= len(rows) < 12 and {row["status"] for row in rows} == {"built"}
    assert {row["claim_id"] for row in rows} <= on_disk
    assert [row["claim_id"] for row in rows] == sorted((row["claim_id"] for row in rows),
                                                       key=lambda claim_id: int(claim_id.split("-")[1]))
    assert stderr.splitlines()[-1] == (f"interrupted after {len(rows)} of 12 claims (the summary lists those): run "
                                       "the same command again to finish; the packets built so far are kept")
    rerun = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert len(summary(out)) == 12 and {row["status"] for row in summary(out)} == {"built", "skipped"}


def test_letters_alone_for_mailing(tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 2, appeal=WORD_LETTER)
    html = claims_folder(tmp_path / "html", 1, appeal=HTML_LETTER)
    out = tmp_path / "letters"
    code, _, stderr = run("letters", str(claims), str(html.parent / "claims.yaml"), "--out", str(out),
                          "--format", "both", "--merged", *AS_OF)
    assert code == 1  # TEST-1 of the second file repeats an id with other data: refused
    assert sorted(p.name for p in out.iterdir()) == ["TEST-1.docx", "TEST-1.pdf", "TEST-2.docx", "TEST-2.pdf",
                                                    "letters-merged.pdf"]
    letter = pdf_text(out / "TEST-1.pdf")
    assert "Enclosed (2 documents): Remittance advice" in letter.replace(
        "\uf0b7 ", "") and "Progress notes" in letter
    assert len(PdfReader(out / "letters-merged.pdf").pages) == 2 * len(PdfReader(out / "TEST-1.pdf").pages)
    assert stderr.splitlines()[-2:] == [f"merged PDF: {out / 'letters-merged.pdf'}",
                                        f"4 letter files for 2 claims written to {out}"]
    pages = PdfReader(out / "TEST-2.pdf").pages  # a loose page finds its claim, as a packet's does
    assert [" ".join(page.extract_text().split()[-7:]) for page in pages] == [
        f"TEST-2 Claim PCN0001 Page {n} of {len(pages)}" for n in range(1, len(pages) + 1)]


def test_letters_from_an_835_list_the_documents_found_under_the_attachments_root(tmp_path: Path) -> None:
    """An 835 claim carries no documents of its own: with --attachments-root its letter lists
    what the packet would enclose, as `build` finds them."""
    era = REPO / "examples" / "era"
    out = tmp_path / "letters"
    code, _, stderr = run("letters", str(era / "remittance-2026-10-14.835"), "--workspace", str(era),
                          "--attachments-root", str(era / "records"), "--out", str(out), "--as-of", "2026-11-22")
    assert code == 0, stderr
    letter = pdf_text(out / "ACCT-9001.pdf").replace("\uf0b7 ", "")
    assert "Enclosed (5 documents): Remittance advice (835), 10/14/2026" in letter  # on its own: no packet index
    assert "Progress notes" in letter and "Standard written order" in letter


def test_a_letter_whose_packet_would_fail_its_check_says_so_and_stays_out_of_the_print_file(tmp_path: Path) -> None:
    claims = claims_folder(tmp_path / "in", 1, appeal=HTML_LETTER,
                           attachments=[{"kind": "remittance_advice", "path": "docs/ra.pdf"}])
    complete = claims_folder(tmp_path / "ok", 1, appeal=HTML_LETTER)
    (complete.parent / "claims.yaml").write_text(complete.read_text().replace("TEST-1", "TEST-9"))
    out = tmp_path / "letters"
    code, _, stderr = run("letters", str(claims), str(complete), "--out", str(out), "--merged", *AS_OF)
    assert code == 3 and (out / "TEST-1.pdf").is_file()  # written, and the exit code says
    assert stderr.splitlines()[-4:] == [
        "TEST-1: letter written, but its packet would fail its check: missing progress notes or medical records",
        f"merged PDF: {out / 'letters-merged.pdf'}",
        "not in the merged PDF, their packets would fail their check: TEST-1",
        f"2 letter files for 2 claims written to {out}"]
    stamps = pdf_text(out / "TEST-1.pdf").count("INCOMPLETE - NOT FOR SUBMISSION")
    assert stamps == len(PdfReader(out / "TEST-1.pdf").pages)
    assert len(PdfReader(out / "letters-merged.pdf").pages) == len(PdfReader(out / "TEST-9.pdf").pages)


def test_a_hung_conversion_kills_libreoffice_and_the_next_document_gets_a_fresh_one(tmp_path: Path) -> None:
    from appealgen.render.office import ListenerConverter

    document = tmp_path / "letter.docx"
    shutil.copy(REPO / "examples" / "surgery-medicaid" / "docs" / "medical-necessity-letter.docx", document)
    converter = ListenerConverter(timeout=0.001)  # no conversion finishes this fast: it counts as hung
    try:
        assert converter.convert([document], tmp_path) == [None]
        assert converter.process is None  # killed, with its LibreOffice
        converter.timeout = 60
        [pdf] = converter.convert([document], tmp_path)
        assert pdf is not None and len(PdfReader(pdf).pages) >= 1
        listener = converter.process
        assert listener is not None
        office = descendants(listener.pid)
        assert office
    finally:
        converter.close()
    time.sleep(1)
    assert [pid for pid in office | {listener.pid} if alive(pid)] == []


def test_a_worker_collects_each_items_garbage_and_freezes_what_it_keeps_after_the_first() -> None:
    import gc
    import weakref

    from appealgen.collector import ALLOCATIONS
    from appealgen.executors.pool import between_items

    class Node:
        other: Any = None

    threshold = gc.get_threshold()
    assert not gc.get_freeze_count(), "the test process starts unfrozen"
    try:
        kept = Node()  # alive across items: frozen
        garbage = Node()
        garbage.other = garbage  # a reference cycle, as pypdf's objects make
        gone = weakref.ref(garbage)
        del garbage
        between_items(first=True)
        assert gone() is None, "the item's cyclic garbage was not collected"
        assert gc.get_freeze_count() > 0 and gc.get_threshold()[0] == ALLOCATIONS
        frozen = gc.get_freeze_count()
        between_items(first=False)  # later items: collected, nothing more frozen
        assert gc.get_freeze_count() <= frozen  # nothing more frozen (frozen objects may still die)
        assert kept.other is None
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_a_single_build_forks_its_worker_before_the_templates_are_checked(
    write_claim: WriteClaim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One worker imports its libraries for itself while this process checks the templates
    (a cold `appealgen build` waits for the longer of the two, not for both)."""
    before = set(multiprocessing.active_children())
    workers_during_check: list[int] = []
    check = check_templates_first

    def counting(settings: Settings, loaded: Loaded) -> None:
        workers_during_check.append(len(set(multiprocessing.active_children()) - before))
        check(settings, loaded)

    monkeypatch.setattr(commands, "check_templates_first", counting)
    started = commands.build(Settings(Workspace.open(REPO), TODAY, out=tmp_path / "out"),
                             [write_claim(appeal=HTML_LETTER)])
    assert [o.status for o in started.outcomes] == ["built"]
    assert workers_during_check == [1]
    assert set(multiprocessing.active_children()) == before


def test_a_template_check_that_fails_stops_the_worker_started_for_the_build(
    write_claim: WriteClaim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = set(multiprocessing.active_children())

    def failing(settings: Settings, loaded: Loaded) -> None:
        raise TemplateError("letters/broken.html", None, "unexpected end of template")

    monkeypatch.setattr(commands, "check_templates_first", failing)
    with pytest.raises(TemplateError):
        commands.build(Settings(Workspace.open(REPO), TODAY, out=tmp_path / "out"), [write_claim(appeal=HTML_LETTER)])
    assert set(multiprocessing.active_children()) == before
    assert not (tmp_path / "out").exists()


def test_a_pool_warmed_up_for_fewer_items_than_jobs_forks_a_worker_per_item(tmp_path: Path) -> None:
    settings = Settings(Workspace.open(REPO), TODAY, out=tmp_path / "out")
    with PoolExecutor(settings, build_one, jobs=2) as pool:
        pool.warm_up(0)  # nothing to build (every claim failed to load): nothing forked
        assert pool.slots == []
        pool.warm_up(1)
        assert len(pool.slots) == 1
    assert pool.slots == []


def test_a_claim_with_nothing_to_send_says_what_to_do_instead_in_the_summary(tmp_path: Path) -> None:
    era = REPO / "examples" / "era"
    out = tmp_path / "out"
    code, _, stderr = run("batch", str(era / "remittance-2026-10-14.835"), "--workspace", str(era),
                          "--attachments-root", str(era / "records"), "--out", str(out), "--as-of", "2026-11-22")
    assert code == 0, stderr
    rows = {row["claim_id"]: row for row in summary(out)}
    assert rows["ACCT-9004"]["status"] == "nothing_to_send"
    assert rows["ACCT-9004"]["instead"].startswith("correct the claim and send it as a new claim (frequency code 1) by")
    assert rows["ACCT-9001"]["instead"] == ""  # built: the packet is what to send
    rerun = run("batch", str(era / "remittance-2026-10-14.835"), "--workspace", str(era),
                "--attachments-root", str(era / "records"), "--out", str(out), "--as-of", "2026-11-22")
    assert rerun[0] == 0
    assert {row["claim_id"]: row["instead"] for row in summary(out)} == {k: r["instead"] for k, r in rows.items()}


def test_a_claim_file_named_as_a_formula_reaches_the_summary_as_text(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The error column starts with the claim file's name as it was given: a client's file named
    '=HYPERLINK(...)' would run when the summary is opened in a spreadsheet."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / '=HYPERLINK("http:x.example","x").yaml').write_text("claim_id: X-1\npayer: commercial\n")
    monkeypatch.chdir(folder)
    code, _, _ = run("batch", ".", "--out", str(tmp_path / "out"), "--quiet", *AS_OF)
    assert code == 1
    [row] = summary(tmp_path / "out")
    assert row["error"].startswith("'=HYPERLINK(")
    assert json.loads((tmp_path / "out" / "batch-summary.json").read_text())["claims"][0]["error"].startswith(
        "=HYPERLINK(")  # JSON is data, not a spreadsheet: kept as it is


@pytest.mark.parametrize(("value", "cell"), [
    ("=SUM(A1)", "'=SUM(A1)"), ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("@A1", "'@A1"), ("\tx", "'\tx"),
    ("-12.50", "-12.50"), ("+3%", "+3%"), ("-1,234", "-1,234"), ("+0.5 pts", "+0.5 pts"), ("+$300.00", "+$300.00"),
    ("-1 x|y", "'-1 x|y"),
    ("TEST-1", "TEST-1"), (12, 12),
])
def test_a_csv_cell_that_would_start_a_formula_is_text(value: object, cell: object) -> None:
    from appealgen.output import spreadsheet_cell

    assert spreadsheet_cell(value) == cell


def test_a_letter_listing_documents_not_found_says_which(tmp_path: Path) -> None:
    """Without --attachments-root a CSV export's paths found nothing, and the letters listed (and
    argued from) documents nobody had: the letter is written, and the line says which."""
    claims = claims_folder(tmp_path / "in", 1, appeal=HTML_LETTER)
    (tmp_path / "in" / "docs" / "notes.pdf").unlink()
    out = tmp_path / "letters"
    code, _, stderr = run("letters", str(claims), "--out", str(out), *AS_OF)
    assert code == 0 and (out / "TEST-1.pdf").is_file()
    assert stderr.splitlines()[-2] == ("TEST-1: letter written; it lists as enclosed documents not found where the "
                                       "claim says (attachments[1].path): find them before mailing it, or give "
                                       "--attachments-root")


def test_a_claim_without_a_readable_id_is_named_by_its_file_in_the_closing_line(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bad.yaml").write_text("payer: commercial\n")  # no claim id
    code, _, stderr = run("batch", str(folder), "--out", str(tmp_path / "out"), "--quiet", *AS_OF)
    assert code == 1
    assert f" 1 failed ({folder / 'bad.yaml'}); " in stderr.splitlines()[-1]  # was "1 failed ()"
