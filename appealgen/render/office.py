"""DOCX -> PDF through a `Converter`, two ways:

- `CommandLineConverter`: one `soffice --convert-to pdf` run per call, for all of a packet's
  documents at once (about a second of start-up; right for one packet).
- `ListenerConverter`: a warm LibreOffice per worker, driven through `uno_bridge.py` (about
  60 ms a document once started; right for batches). It needs the system Python's `uno` module
  (Debian: python3-uno); when that cannot start, it falls back to the command line.

Both run LibreOffice with a private profile and, where the system allows it, in a network
namespace of its own: a document can never make LibreOffice fetch anything. A conversion that
hangs is killed with its whole process group."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import IO, Protocol

from appealgen.errors import InputError, MissingToolError

INSTALL_HINT = "apt-get install -y libreoffice-writer-nogui fonts-liberation2"
TIMEOUT_S = 180  # a whole command-line run
DOCUMENT_TIMEOUT_S = 60.0  # one document through a warm listener
START_TIMEOUT_S = 90.0
RESTART_AFTER = 200  # documents; a long-lived LibreOffice slowly grows
UNO_PYTHONS = ("/usr/bin/python3",)
BRIDGE = Path(__file__).with_name("uno_bridge.py")
PR_SET_PDEATHSIG = 1
OFFICE_MEMORY_MB = 4096  # address space for LibreOffice (it maps far more than it uses)


def soffice_path() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise MissingToolError("LibreOffice", INSTALL_HINT)


def soffice_binary() -> str:
    """The real program behind the `soffice` wrapper script (the wrapper forks it, so killing
    the wrapper would leave it running)."""
    wrapper = Path(soffice_path()).resolve()
    binary = wrapper.with_name("soffice.bin")
    return str(binary) if binary.is_file() else str(wrapper)


def _die_with_parent() -> None:
    """In a LibreOffice child before exec: SIGKILL it when the process that started it dies,
    and give it its own address-space limit (a Python worker's is too small for it)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = OFFICE_MEMORY_MB * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard),
                                                hard))


def no_network_prefix() -> list[str]:
    """A command prefix that runs a program without network access, or [] where the system
    does not allow it (unshare needs root, or unprivileged user namespaces)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    for prefix in ([unshare, "--net", "--"], [unshare, "--map-root-user", "--net", "--"]):
        probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=10, check=False)
        if probe.returncode == 0:
            return prefix
    return []


class Converter(Protocol):
    """Turns Word documents into PDFs in `outdir` (as `<stem>.pdf`); None where one failed."""

    def convert(self, documents: list[Path], outdir: Path) -> list[Path | None]: ...

    def close(self) -> None: ...


class CommandLineConverter:
    """One `soffice --convert-to pdf` run per call (all of a packet's documents at once)."""

    def __init__(self) -> None:
        self.prefix: list[str] | None = None

    def convert(self, documents: list[Path], outdir: Path) -> list[Path | None]:
        if self.prefix is None:
            self.prefix = no_network_prefix()
        return convert_to_pdf(documents, outdir, self.prefix)

    def close(self) -> None:
        pass


def convert_to_pdf(documents: list[Path], outdir: Path, prefix: list[str] | None = None) -> list[Path | None]:
    """Convert every document in one soffice run; returns the PDFs in the same order, None
    where LibreOffice could not convert a document (the caller knows which input it was)."""
    if not documents:
        return []
    binary = soffice_path()
    # Names must be unique: soffice writes <stem>.pdf into outdir.
    stems = [d.stem for d in documents]
    if len(set(stems)) != len(stems):
        raise ValueError("documents to convert must have distinct file names")
    with tempfile.TemporaryDirectory(prefix="appealgen-lo-") as profile:
        command = [
            *(prefix or []), binary, f"-env:UserInstallation=file://{profile}", "--headless", "--invisible",
            "--nologo", "--nodefault", "--nolockcheck", "--norestore",
            "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir),
            *[str(d) for d in documents],
        ]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True, preexec_fn=_die_with_parent)
        try:
            process.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise InputError(documents[0], None, "LibreOffice timed out converting to PDF") from None
    results: list[Path | None] = []
    for document in documents:
        pdf = outdir / f"{document.stem}.pdf"
        results.append(pdf if pdf.is_file() and pdf.stat().st_size > 0 else None)
    return results


def _kill_group(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """Kill a process started in a session of its own, with everything it started."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def uno_python() -> str | None:
    """A Python that can import LibreOffice's `uno` module ($APPEALGEN_UNO_PYTHON first)."""
    candidates = [os.environ.get("APPEALGEN_UNO_PYTHON", ""), *UNO_PYTHONS]
    for python in filter(None, candidates):
        if Path(python).is_file():
            probe = subprocess.run([python, "-c", "import uno"], capture_output=True, timeout=30, check=False)
            if probe.returncode == 0:
                return python
    return None


class ListenerConverter:
    """A warm LibreOffice, started on first use, restarted after RESTART_AFTER documents or
    when it dies; a document that takes longer than `timeout` kills it (and only fails that
    document). Without the system's `uno` module it converts through the command line."""

    def __init__(self, timeout: float = DOCUMENT_TIMEOUT_S) -> None:
        self.timeout = timeout
        self.process: subprocess.Popen[str] | None = None
        self.profile: tempfile.TemporaryDirectory[str] | None = None
        self.converted = 0
        self.fallback: CommandLineConverter | None = None
        self.prefix: list[str] | None = None

    def convert(self, documents: list[Path], outdir: Path) -> list[Path | None]:
        if self.fallback is None and self.process is None and not self._start():
            self.fallback = CommandLineConverter()
        if self.fallback is not None:
            return self.fallback.convert(documents, outdir)
        return [self._one(document, outdir) for document in documents]

    def _start(self) -> bool:
        python = uno_python()
        if python is None:
            return False
        if self.prefix is None:
            self.prefix = no_network_prefix()
        self.profile = tempfile.TemporaryDirectory(prefix="appealgen-lo-")
        self.process = subprocess.Popen(
            [*self.prefix, python, str(BRIDGE), soffice_binary(), self.profile.name], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
            preexec_fn=_die_with_parent)
        ready = self._read(START_TIMEOUT_S)
        if not (ready and ready.get("ready")):
            self.close()
            return False
        self.converted = 0
        return True

    def _read(self, timeout: float) -> dict[str, object] | None:
        """The listener's next answer, or None when it does not come in time or it died."""
        assert self.process is not None and self.process.stdout is not None
        stdout: IO[str] = self.process.stdout
        readable, _, _ = select.select([stdout], [], [], timeout)
        line = stdout.readline() if readable else ""
        try:
            answer = json.loads(line) if line else None
        except json.JSONDecodeError:
            answer = None
        return answer if isinstance(answer, dict) else None

    def _one(self, document: Path, outdir: Path) -> Path | None:
        if self.process is None and not self._start():
            return None
        assert self.process is not None and self.process.stdin is not None
        target = outdir / f"{document.stem}.pdf"
        try:
            self.process.stdin.write(json.dumps({"in": str(document), "out": str(target)}) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            self.close()
            return None
        answer = self._read(self.timeout)
        if answer is None:  # hung or died: this document fails, the next one gets a fresh LibreOffice
            self.close()
            return None
        self.converted += 1
        if self.converted >= RESTART_AFTER:
            self.close()
        ok = answer.get("ok") and target.is_file() and target.stat().st_size > 0
        return target if ok else None

    def close(self) -> None:
        if self.process is not None:
            _kill_group(self.process)
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            self.process = None
        if self.profile is not None:
            self.profile.cleanup()
            self.profile = None
