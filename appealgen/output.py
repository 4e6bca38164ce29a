"""Atomic, private writes: temp files in the same folder renamed into place (0600, 0700), and
text made safe to print on a terminal.

appealgen's own output folders (packets, letters, claim files) are made private, also when they
existed before. A single file the user names (a report, a calendar) is different: its folder
keeps its permissions (a shared reports folder stays shared), and a device or a pipe given as
the file (`/dev/stdout`, `/dev/null`) is written to, never replaced by a file.

A set of files (one packet) is written all or nothing: every file goes to its temp file first,
and only when all of them are on disk are they renamed into place. A failure (a full disk, a
read-only folder) removes the temp files and leaves the folder as it was.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import glob
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from appealgen.errors import InputError

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
REASONS = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
           errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
           errno.EPERM: "permission denied", errno.ENOTDIR: "a part of the path is a file, not a folder",
           errno.EEXIST: "a part of the path is a file, not a folder", errno.EISDIR: "it is a folder"}


class OutputError(InputError):
    """An output that could not be written: `PATH: cannot write: reason; nothing written`."""


def counted(count: int, noun: str) -> str:
    """"1 claim", "2 claims": a count with its noun (plurals in -s)."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def printable(text: str) -> str:
    """`text` with terminal control characters (escape sequences, bidi overrides) shown as
    escapes, so a printed name or path cannot rewrite the screen."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _reason(error: OSError) -> str:
    return REASONS.get(error.errno or 0, "cannot write")


def private_dir(path: Path) -> Path:
    made = [folder for folder in (path, *path.parents) if not folder.exists()]
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for folder in made:  # mkdir gives the folders it makes on the way the default permissions
        os.chmod(folder, 0o700)
    os.chmod(path, 0o700)  # also when it existed before with wider permissions
    return path


def _temp_file(folder: Path, name: str, data: bytes) -> str:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp


def _remove_stale_parts(folder: Path, name: str) -> None:
    """The temporary files of an earlier write of `name` that never finished: a process killed
    between writing its temporary file and renaming it (a batch worker's `kill -9`) leaves one."""
    for stale in folder.glob(f".{glob.escape(name)}.*.part"):
        with contextlib.suppress(OSError):
            stale.unlink()


def write_files(folder: Path, files: dict[str, bytes | None], private: bool = True) -> None:
    """Write every file of `files` into `folder` as one set; None removes that name. Raises
    OutputError naming the file that failed; then nothing under a final name has changed,
    and a folder made for this set is removed again. `private`: the folder is made 0700 even
    when it exists (else only when it is made here)."""
    created = not folder.exists()
    try:
        if private or created:  # a folder made here is private; one that exists keeps its permissions
            private_dir(folder)
    except OSError as error:
        raise OutputError(folder, None, f"cannot create the folder: {_reason(error)}; nothing written") from None
    temps: dict[str, str] = {}
    done = False
    try:
        for name, data in files.items():
            if data is not None:
                try:
                    temps[name] = _temp_file(folder, name, data)
                except OSError as error:
                    raise OutputError(folder / name, None, f"cannot write: {_reason(error)}; nothing written") from None
        for name, tmp in temps.items():
            os.replace(tmp, folder / name)
        done = True
        for name, data in files.items():
            if data is None:
                (folder / name).unlink(missing_ok=True)
            _remove_stale_parts(folder, name)
    finally:
        if not done:
            for tmp in temps.values():
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            if created:
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only when empty


def write_atomic(path: Path, data: bytes) -> None:
    """A file in one of appealgen's own output folders."""
    write_files(path.parent, {path.name: data})


def write_named(path: Path, data: bytes) -> None:
    """A file the user named on the command line (see the module's note). A link (`/dev/stdout`
    is one, to whatever the shell redirected it to) is written through, as the shell would: put
    in its place, a redirected output would lose what is written."""
    try:
        linked = path.is_symlink()
        mode = path.stat().st_mode
    except FileNotFoundError:
        linked, mode = False, None
    except OSError as error:
        raise OutputError(path, None, f"cannot write: {_reason(error)}; nothing written") from None
    if mode is None or (stat.S_ISREG(mode) and not linked):
        write_files(path.parent, {path.name: data}, private=False)
        if mode is not None:
            os.chmod(path, stat.S_IMODE(mode))  # a file that was there keeps who may read it
    elif stat.S_ISREG(mode) or stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        _write_through(path, data, truncate=stat.S_ISREG(mode))
    else:
        raise OutputError(path, None, "cannot write: not a regular file; nothing written")


def _write_through(path: Path, data: bytes, truncate: bool) -> None:
    """Into a device, a pipe or the file a link names. A pipe nobody reads would block forever:
    opened without waiting, it is refused instead."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | (os.O_TRUNC if truncate else 0))
    except OSError as error:
        reason = "no program is reading the pipe" if error.errno == errno.ENXIO else _reason(error)
        raise OutputError(path, None, f"cannot write: {reason}; nothing written") from None
    try:
        os.set_blocking(fd, True)
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
    except OSError as error:
        raise OutputError(path, None, f"cannot write: {_reason(error)}") from None


# A cell a spreadsheet would run as a formula: "=HYPERLINK(...)" in a claim file's name, which a
# client chose, would run when the summary is opened. Numbers ("-12.50", "+3%", a report's change
# "+0.5 pts", "+$300.00") stay as they are.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\$?\d[\d,]*(?:\.\d+)?%?(?: [a-z]+)?")


def spreadsheet_cell(value: Any) -> Any:
    """A text cell that would start a formula, with an apostrophe before it (OWASP's advice for
    CSV files): the spreadsheet shows the text, and runs nothing."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class SpreadsheetWriter:
    """csv.writer for the CSV files people open in a spreadsheet (summaries, queues, reports)."""

    def __init__(self, stream: IO[str], **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([spreadsheet_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
