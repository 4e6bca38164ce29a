"""Runs of many items: one bad claim fails alone, claim ids are unique, rebuilds replace what
they must. Exact messages and exit codes on real files in tmp_path."""

from __future__ import annotations

import io
import pickle
import time
import zipfile
from pathlib import Path

import pytest

from appealgen.errors import (
    AppealgenError,
    ClusterError,
    InputError,
    InputErrors,
    ItemError,
    MissingToolError,
    TemplateError,
    TemplatesBroken,
    TimeLimitError,
    UnexpectedError,
    exit_code,
)
from appealgen.executors import InProcessExecutor
from appealgen.outcome import Outcome
from appealgen.output import OutputError
from appealgen.packet import ActiveContentLeft
from appealgen.run import run as run_items
from appealgen.settings import Settings
from appealgen.sources.claim_file import load_claims
from appealgen.sources.items import Item, Loaded
from appealgen.sources.x12 import X12Error
from appealgen.toolkit import Toolkit
from appealgen.workspace import Workspace
from tests.builder import Builder
from tests.conftest import PLAN_POLICY, REPO, TODAY, WriteClaim
from tests.helpers import (
    AS_OF,
    HTML_LETTER,
    NOTES_ONLY,
    PRACTICE,
    RA_ONLY,
    build,
    pdf_text,
    records_for,
    run,
    write_835,
    write_claim_in,
)
from tests.x12gen import ClaimSpec


def test_835_claim_that_cannot_become_a_claim_is_reported_and_the_others_are_built(tmp_path: Path) -> None:
    # A claim with no service lines is built from one claim-level line; a member ID the claim
    # file refuses is one that still cannot become a claim.
    good = ClaimSpec("ACCT-9001")
    short_id = ClaimSpec("ACCT-9002", first="Omar", last="Fixture", member_id="Z9",
                         payer_claim_number="26287000999902")
    remit = write_835(tmp_path / "remit.835", [good, short_id])
    for spec in (good, short_id):
        records_for(tmp_path / "records", spec)
    out = tmp_path / "out"
    code, _, stderr = build(remit, out, "--attachments-root", str(tmp_path / "records"), "--workspace", str(PRACTICE))
    assert code == 1
    [refused] = [line for line in stderr.splitlines() if "ACCT-9002" in line]
    assert refused.startswith(f"{remit}: ")
    assert "patient.member_id: must be 3 to 30 letters, digits or '-' (no spaces)" in refused
    assert refused.endswith("; no packet built for claim ACCT-9002")
    assert [line for line in stderr.splitlines() if line.startswith("ACCT-9001: passed, ")]
    assert sorted(p.name for p in out.iterdir()) == ["ACCT-9001"]
    assert (out / "ACCT-9001" / "packet.pdf").is_file()


def test_second_claim_with_the_same_claim_id_is_refused_before_any_work(tmp_path: Path) -> None:
    first = write_claim_in(tmp_path / "first", appeal=HTML_LETTER, payer_claim_number="PCN0001")
    second = write_claim_in(tmp_path / "second", appeal=HTML_LETTER, payer_claim_number="PCN0002")
    out = tmp_path / "out"
    code, _, stderr = run("build", str(first), str(second), "--out", str(out), *AS_OF)
    assert code == 1
    assert stderr.splitlines() == [
        f"{second}: claim_id: TEST-1 also comes from {first}, with other data; packet not written (claim ids "
        "must be unique)",
        f"TEST-1: passed, 5 pages, medical_necessity -> reconsideration (reconsideration, due 2027-10-14) "
        f"-> {out / 'TEST-1' / 'packet.pdf'}",
    ]
    text = pdf_text(out / "TEST-1" / "packet.pdf")
    assert "PCN0001" in text
    assert "PCN0002" not in text


def test_the_same_claim_given_twice_is_built_once(tmp_path: Path) -> None:
    first = write_claim_in(tmp_path / "first", appeal=HTML_LETTER)
    code, _, stderr = run("build", str(first), str(first), "--out", str(tmp_path / "out"), *AS_OF)
    assert code == 0
    assert stderr.splitlines()[0] == f"{first}: given more than once; read once"
    assert len(stderr.splitlines()) == 2  # and one packet built


def test_rebuilding_the_same_claim_in_one_builder_is_allowed(
    write_claim: WriteClaim, builder: Builder, tmp_path: Path
) -> None:
    [loaded] = load_claims(write_claim(appeal=HTML_LETTER))
    assert builder.build(loaded, tmp_path / "out").check.passed
    assert builder.build(loaded, tmp_path / "out").check.passed


def test_rebuild_with_an_html_letter_removes_the_earlier_letter_docx(write_claim: WriteClaim, tmp_path: Path) -> None:
    folder = tmp_path / "out" / "TEST-1"
    word = write_claim(appeal={"letter": "medical_necessity.docx", "argument": "The records support the claim.",
                               "policy": PLAN_POLICY})
    assert build(word, tmp_path / "out")[0] == 0
    assert sorted(p.name for p in folder.iterdir()) == ["letter.docx", "packet.json", "packet.pdf"]
    assert build(write_claim(appeal=HTML_LETTER), tmp_path / "out")[0] == 0
    assert sorted(p.name for p in folder.iterdir()) == ["packet.json", "packet.pdf"]


def test_word_attachment_libreoffice_cannot_convert_names_the_claim_field(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    garbage = io.BytesIO()
    with zipfile.ZipFile(garbage, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")  # shaped like a Word file, so LibreOffice gets it
        archive.writestr("word/document.xml", b"<not-word/>")  # well-formed XML, or the check refuses it first
        archive.writestr("junk.bin", bytes(range(256)) * 4)
    assert zipfile.is_zipfile(io.BytesIO(garbage.getvalue()))
    attachments = [*RA_ONLY, *NOTES_ONLY, {"kind": "other", "path": "docs/broken.docx", "title": "Broken"}]
    claim = write_claim(appeal=HTML_LETTER, attachments=attachments,
                        files={"docs/broken.docx": garbage.getvalue()})
    code, _, stderr = build(claim, tmp_path / "out")
    message = "attachments[2].path: LibreOffice could not convert this Word document to PDF"
    assert (code, stderr) == (1, f"{claim}: {message}\n")
    assert not (tmp_path / "out").exists()


def every_error_class() -> list[type[AppealgenError]]:
    found, pending = [], [AppealgenError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending += cls.__subclasses__()
    return found


ERROR_EXAMPLES: dict[str, AppealgenError] = {
    "AppealgenError": AppealgenError("plain"),
    "InputError": InputError("claim.yaml", "patient.dob", "bad date"),
    "InputErrors": InputErrors([InputError("a.yaml", "x", "m"), InputError("a.yaml", None, "n")]),
    "TemplateError": TemplateError("letters/x.html", "line 3", "syntax error"),
    "TemplatesBroken": TemplatesBroken([TemplateError("letters/x.html", "line 3", "syntax error")]),
    "X12Error": X12Error("r.835", "segment 4 (CLP)", "bad"),
    "MissingToolError": MissingToolError("LibreOffice", "apt-get install -y libreoffice-writer-nogui"),
    "UnexpectedError": UnexpectedError("claim.yaml", "ACCT-1", "KeyError"),
    "TimeLimitError": TimeLimitError("claim.yaml", "ACCT-1", 120.0),
    "ItemError": ItemError("claim.yaml", "ACCT-1", "stopped"),
    "ClusterError": ClusterError("worker tcp://127.0.0.1:4000", "its appealgen version differs"),
    "OutputError": OutputError("out/ACCT-1/packet.pdf", None, "cannot write: no space left on the device"),
    "ActiveContentLeft": ActiveContentLeft("the packet still holds active content (/JS)"),
}


def test_every_error_class_has_an_example() -> None:
    assert {cls.__name__ for cls in every_error_class()} <= set(ERROR_EXAMPLES)


@pytest.mark.parametrize("name", sorted(ERROR_EXAMPLES))
def test_errors_cross_a_process_boundary_whole(name: str) -> None:
    error = ERROR_EXAMPLES[name]
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (copy.lines(), copy.exit_code, str(copy)) == (error.lines(), error.exit_code, str(error))


@pytest.mark.parametrize(
    ("codes", "expected"),
    [([], 0), ([0, 3], 3), ([3, 1], 1), ([1, 5], 5), ([5, 4], 4), ([0, 1, 3, 4, 5], 4), ([2, 3], 2)],
)
def test_a_run_exits_with_its_highest_ranked_outcome(codes: list[int], expected: int) -> None:
    assert exit_code(codes) == expected


def test_plan_reads_the_denied_claims_of_an_835(tmp_path: Path) -> None:
    remit = write_835(tmp_path / "remit.835", [ClaimSpec("ACCT-9001")])
    code, stdout, _ = run("plan", str(remit), *AS_OF)
    assert code == 0
    assert stdout.splitlines()[:2] == ["ACCT-9001: medicare-dme (Example DME MAC (Medicare DME, Jurisdiction X))",
                                       "  category: medical_necessity"]


@pytest.mark.parametrize("command", ["plan", "check", "era"])
def test_an_unexpected_error_is_one_line_with_exit_5(
    command: str, write_claim: WriteClaim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import appealgen.commands

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Rosa Testcase")  # the message may hold patient data: never printed

    target = {"plan": "plan_item", "check": "verify_packet", "era": "read_eras"}[command]
    monkeypatch.setattr(appealgen.commands, target, broken)
    monkeypatch.delenv("APPEALGEN_DEBUG", raising=False)
    claim = write_claim(appeal=HTML_LETTER)
    argument = {"plan": claim, "check": tmp_path, "era": write_835(tmp_path / "r.835", [ClaimSpec()])}[command]
    code, _, stderr = run(command, str(argument), *AS_OF)
    assert code == 5
    assert "Rosa" not in stderr
    assert len(stderr.splitlines()) == 1
    assert "unexpected RuntimeError" in stderr and "APPEALGEN_DEBUG=1" in stderr


def slow_on_first(settings: Settings, tools: Toolkit, item: Item) -> Outcome:
    if item.claim_id == "SLOW":
        time.sleep(30)
    return Outcome(item.origin, item.claim_id)


def test_an_item_over_the_time_limit_is_stopped_and_the_next_one_runs(write_claim: WriteClaim) -> None:
    claim = load_claims(write_claim())[0]
    slow = Item.of(claim.claim.model_copy(update={"claim_id": "SLOW"}), "slow.yaml", claim.source)
    settings = Settings(Workspace.open(REPO), TODAY, time_limit=0.5)
    started = time.perf_counter()
    with InProcessExecutor(settings, slow_on_first) as executor:
        outcomes = list(run_items(Loaded(items=[slow, claim]), executor))
    assert time.perf_counter() - started < 10
    assert [(o.claim_id, o.status) for o in outcomes] == [("SLOW", "failed"), ("TEST-1", "planned")]
    assert outcomes[0].error is not None
    assert outcomes[0].error.lines() == ["slow.yaml: claim SLOW: stopped after 0.5 s (time limit); nothing "
                                         "written for this claim"]


def test_build_runs_each_packet_under_the_memory_limit(
    write_claim: WriteClaim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import appealgen.commands
    from appealgen.build import build_one

    def greedy(settings: Settings, tools: Toolkit, item: Item) -> Outcome:
        if item.claim_id == "GREEDY":
            _ = b"x" * (3 * 1024 ** 3)  # like a decompression bomb: more than a worker may use
        return build_one(settings, tools, item)

    monkeypatch.setattr(appealgen.commands, "build_one", greedy)
    monkeypatch.delenv("APPEALGEN_DEBUG", raising=False)
    good = write_claim(appeal=HTML_LETTER)
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(good.read_text().replace("claim_id: TEST-1", "claim_id: GREEDY"))
    code, _, stderr = run("build", str(bomb), str(good), "--out", str(tmp_path / "out"), *AS_OF)
    assert code == 1
    assert stderr.splitlines()[0] == (f"{bomb}: claim GREEDY: needed more memory than a worker may use; nothing "
                                      "written for this claim")
    assert (tmp_path / "out" / "TEST-1" / "packet.pdf").is_file()


def test_a_failed_items_error_keeps_no_traceback(write_claim: WriteClaim) -> None:
    """A traceback would keep the item's frames (its packet's documents) alive in a worker."""
    from appealgen.executors.base import attempt
    from appealgen.toolkit import Toolkit

    def failing(settings: Settings, tools: Toolkit, item: Item) -> Outcome:
        documents = [b"x" * 1000]  # what a frame of the item holds
        raise InputError(item.origin, "attachments[0].path", f"cannot use {len(documents)} document")

    item = load_claims(write_claim())[0]
    settings = Settings(Workspace.open(REPO), TODAY)
    with Toolkit(settings) as tools:
        outcome = attempt(failing, settings, tools, item)
    assert outcome.error is not None and outcome.error.__traceback__ is None


def test_without_a_terminal_a_progress_line_stands_in_for_the_bar() -> None:
    """Every LINE_EVERY claims and at the end, counting claims (some end failed or with nothing to send)."""
    import io
    import re

    from appealgen.progress import LINE_EVERY, Progress

    stream = io.StringIO()
    progress = Progress(LINE_EVERY + 1, stream=stream)
    for _ in range(LINE_EVERY + 1):
        progress.advance()
    progress.close()
    lines = stream.getvalue().splitlines()
    assert [re.sub(r"\(\d+/min\)", "(N/min)", line) for line in lines] == [
        f"{LINE_EVERY}/{LINE_EVERY + 1} claims (N/min)", f"{LINE_EVERY + 1}/{LINE_EVERY + 1} claims (N/min)"]
    quiet = io.StringIO()
    silent = Progress(2, quiet=True, stream=quiet)
    silent.advance()
    silent.advance()
    assert quiet.getvalue() == ""
