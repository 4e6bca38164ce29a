"""Attachment paths that leave the attachments folder or point at things that are not files,
output folders that cannot be written, and what messages may say about either.

Paths are refused from their status alone (nothing is opened for reading), and an output that
cannot be written leaves no file under a final name.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import WriteClaim
from tests.helpers import HTML_LETTER, build
from tests.pdfs import make_pdf

NOTES = "attachments[1].path"


def notes_at(path: str) -> list[dict[str, str]]:
    return [{"kind": "remittance_advice", "path": "docs/ra.pdf"},
            {"kind": "progress_notes", "path": path, "title": "Progress notes"}]


def fifo(folder: Path) -> str:
    os.mkfifo(folder / "docs" / "pipe.pdf")  # opening it for reading would block forever
    return "docs/pipe.pdf"


def zero_device(folder: Path) -> str:
    os.mknod(folder / "docs" / "zero.pdf", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # like /dev/zero
    return "docs/zero.pdf"


def symlink_out(folder: Path) -> str:
    (folder / "docs" / "link.pdf").symlink_to("/etc/passwd")
    return "docs/link.pdf"


def directory(folder: Path) -> str:
    (folder / "docs" / "folder.pdf").mkdir()
    return "docs/folder.pdf"


PATHS: dict[str, tuple[Callable[[Path], str], str]] = {
    "dotdot-etc-passwd": (lambda folder: "../../../../../../etc/passwd", "outside the attachments folder; refused"),
    "absolute-outside": (lambda folder: "/etc/passwd", "outside the attachments folder; refused"),
    "dev-zero": (lambda folder: "/dev/zero", "outside the attachments folder; refused"),
    "symlink-out": (symlink_out, "outside the attachments folder; refused"),
    "fifo": (fifo, "is a named pipe, not a regular file"),
    "device-inside-root": (zero_device, "is a device, not a regular file"),
    "directory": (directory, "is a folder, not a file"),
}


@pytest.mark.parametrize(("make", "message"), PATHS.values(), ids=PATHS.keys())
def test_paths_out_of_the_root_and_non_files_are_refused_unread(
    write_claim: WriteClaim, tmp_path: Path, make: Callable[[Path], str], message: str
) -> None:
    folder = tmp_path / "claim"
    (folder / "docs").mkdir(parents=True)
    claim = write_claim(appeal=HTML_LETTER, attachments=notes_at(make(folder)))
    code, _, stderr = build(claim, tmp_path / "out")
    assert (code, stderr) == (1, f"{claim}: {NOTES}: {message}\n")
    assert not (tmp_path / "out").exists()


def test_a_path_holding_a_nul_character_is_named_not_a_crash(tmp_path: Path) -> None:
    """No file system takes one: opening it failed as an unexpected error (exit 5)."""
    import yaml

    from tests.conftest import claim_dict

    claim = tmp_path / "claim.yaml"
    claim.write_text(yaml.safe_dump(claim_dict(appeal=HTML_LETTER, attachments=notes_at("docs/x\x00y.pdf"))))
    code, _, stderr = build(claim, tmp_path / "out")
    assert (code, stderr) == (1, f"{claim}: {NOTES}: path holds a NUL character\n")


# --- what messages say ------------------------------------------------------------------------


def test_file_names_carrying_patient_data_are_named_only_with_verbose(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    claim = write_claim(appeal=HTML_LETTER, attachments=notes_at("docs/Rosa-Testcase-9XX9XX9XX99.pdf"))
    (claim.parent / "docs" / "Rosa-Testcase-9XX9XX9XX99.pdf").unlink()
    assert build(claim, tmp_path / "out")[2] == f"{claim}: {NOTES}: file not found (--verbose names the file)\n"
    assert build(claim, tmp_path / "out", "--verbose")[2] == \
        f"{claim}: {NOTES}: file not found (docs/Rosa-Testcase-9XX9XX9XX99.pdf)\n"
    (claim.parent / "docs" / "Rosa-Testcase-9XX9XX9XX99.pdf").write_text("<html>not a PDF</html>")  # read, refused
    refused = f"{claim}: {NOTES}: unsupported file: its content is an HTML or XML page (the type is read from the " \
              "file, not its name)"
    assert build(claim, tmp_path / "out")[2] == f"{refused}\n"
    assert build(claim, tmp_path / "out", "--verbose")[2] == f"{refused} (docs/Rosa-Testcase-9XX9XX9XX99.pdf)\n"


def test_terminal_control_characters_in_a_printed_path_are_escaped(
    write_claim: WriteClaim, tmp_path: Path
) -> None:
    claim = write_claim(appeal=HTML_LETTER, attachments=notes_at("docs/notes\x1b[2J\x1b]0;owned\x07.pdf"))
    (claim.parent / "docs" / "notes\x1b[2J\x1b]0;owned\x07.pdf").unlink()
    _, _, stderr = build(claim, tmp_path / "out", "--verbose")
    assert stderr == f"{claim}: {NOTES}: file not found (docs/notes\\x1b[2J\\x1b]0;owned\\x07.pdf)\n"
    assert "\x1b" not in stderr and "\x07" not in stderr


def test_packet_json_keeps_sources_relative_to_the_claim_folder(write_claim: WriteClaim, tmp_path: Path) -> None:
    claim = write_claim(appeal=HTML_LETTER, attachments=notes_at(str(tmp_path / "claim" / "docs" / "notes.pdf")),
                        files={"docs/notes.pdf": make_pdf()})
    assert build(claim, tmp_path / "out")[0] == 0
    report = json.loads((tmp_path / "out" / "TEST-1" / "packet.json").read_text())
    assert [s["source"] for s in report["sections"] if s["kind"] == "progress_notes"] == ["docs/notes.pdf"]
    assert not any(str(tmp_path) in s["source"] for s in report["sections"])


# --- outputs that cannot be written -----------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KB tmpfs mounted for the test (root only)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(mount)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root and mount rights): the disk-full case is untested")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave: int) -> None:
    """Fill `disk` until `leave` bytes are free."""
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    (disk / "filler").write_bytes(b"\0" * max(free - leave, 0))


def test_a_full_disk_mid_write_leaves_no_file_under_a_final_name(
    write_claim: WriteClaim, tmp_path: Path, small_disk: Path
) -> None:
    claim = write_claim(appeal=HTML_LETTER)
    assert build(claim, tmp_path / "elsewhere")[0] == 0
    pdf_size = (tmp_path / "elsewhere" / "TEST-1" / "packet.pdf").stat().st_size
    fill(small_disk, leave=-(-pdf_size // 4096) * 4096)  # room for packet.pdf, none for packet.json
    code, _, stderr = build(claim, small_disk / "out")
    assert (code, stderr) == (1, f"{small_disk / 'out' / 'TEST-1' / 'packet.json'}: cannot write: no space left on "
                                 "the device; nothing written\n")
    assert sorted(p.name for p in (small_disk / "out").rglob("*")) == []  # no packet.pdf, no temp files, no folder


def test_a_build_that_fails_leaves_no_earlier_packet_behind(write_claim: WriteClaim, tmp_path: Path) -> None:
    """A packet of older inputs that `check` would pass must not stay beside a build that failed."""
    claim = write_claim(appeal=HTML_LETTER)
    assert build(claim, tmp_path / "out")[0] == 0
    (claim.parent / "docs" / "notes.pdf").unlink()
    code, _, stderr = build(claim, tmp_path / "out")
    assert (code, stderr) == (1, f"{claim}: attachments[1].path: file not found (--verbose names the file)\n")
    assert not (tmp_path / "out" / "TEST-1").exists()  # nor an empty folder that reads as built


def test_a_read_only_output_folder_is_a_clear_error(
    write_claim: WriteClaim, tmp_path: Path, small_disk: Path
) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    code, _, stderr = build(write_claim(appeal=HTML_LETTER), small_disk / "out")
    assert (code, stderr) == (1, f"{small_disk / 'out' / 'TEST-1'}: cannot create the folder: the file system is "
                                 "read-only; nothing written\n")


def test_an_output_path_that_is_a_file_is_a_clear_error(write_claim: WriteClaim, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "TEST-1").write_text("a file where the packet folder goes")
    code, _, stderr = build(write_claim(appeal=HTML_LETTER), tmp_path / "out")
    assert (code, stderr) == (1, f"{tmp_path / 'out' / 'TEST-1'}: cannot create the folder: a part of the path is a "
                                 "file, not a folder; nothing written\n")
    (tmp_path / "file").write_text("x")
    code, _, stderr = build(write_claim(appeal=HTML_LETTER), tmp_path / "file")
    assert code == 2 and "is a file" in stderr  # --out itself: click refuses it before any work


def test_outputs_are_private(write_claim: WriteClaim, tmp_path: Path) -> None:
    assert build(write_claim(appeal=HTML_LETTER), tmp_path / "out")[0] == 0
    folder = tmp_path / "out" / "TEST-1"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {
        "packet.pdf": 0o600, "packet.json": 0o600}
