"""A warm LibreOffice for one worker: this script runs under the system Python that has
LibreOffice's `uno` module (Debian: python3-uno), never inside appealgen's own environment, and
imports nothing from appealgen.

It starts `soffice.bin` with a private profile, listening on a named pipe (no TCP port to leak
or to collide), and converts documents to PDF on request: one JSON object per line on stdin
(`{"in": PATH, "out": PATH}`), one answer per line on stdout (`{"ok": true}` or
`{"ok": false, "error": "..."}`). The first line it prints is `{"ready": true}`. Both processes
die with their parent (PR_SET_PDEATHSIG), so a killed batch leaves no LibreOffice behind.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]

PR_SET_PDEATHSIG = 1
START_TIMEOUT_S = 60
RESTART_REQUESTED = 81  # soffice.bin exits with 81 once, after creating a new profile


def die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def prop(name: str, value: Any) -> Any:
    item = PropertyValue()
    item.Name, item.Value = name, value
    return item


def start_office(soffice: str, profile: str, pipe: str) -> subprocess.Popen[bytes]:
    command = [soffice, "--headless", "--invisible", "--nocrashreport", "--nodefault", "--nologo",
               "--nofirststartwizard", "--norestore", "--nolockcheck",
               f"-env:UserInstallation={uno.systemPathToFileUrl(profile)}",
               f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"]
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)


def connect(soffice: str, profile: str, pipe: str) -> tuple[subprocess.Popen[bytes], Any]:
    """Start LibreOffice and connect to it: (process, desktop)."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + START_TIMEOUT_S
    office = start_office(soffice, profile, pipe)
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return office, context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        except NoConnectException:
            if office.poll() == RESTART_REQUESTED:  # the wrapper script would restart it; so do we
                office = start_office(soffice, profile, pipe)
            elif office.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


# Opened hidden and read-only; links are never updated (UpdateDocMode NO_UPDATE) and macros
# never run (MacroExecutionMode NEVER_EXECUTE): a document cannot make LibreOffice fetch or run.
LOAD = (prop("Hidden", True), prop("ReadOnly", True), prop("UpdateDocMode", 0),
        prop("MacroExecutionMode", 0))
EXPORT = (prop("FilterName", "writer_pdf_Export"),)


def convert(desktop: Any, source: str, target: str) -> None:
    document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0, LOAD)
    if document is None:
        raise RuntimeError("LibreOffice could not open the document")
    try:
        document.storeToURL(uno.systemPathToFileUrl(target), EXPORT)
    finally:
        document.close(True)


def answer(**fields: object) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def main() -> None:
    die_with_parent()
    soffice, profile = sys.argv[1], sys.argv[2]
    pipe = f"appealgen-{os.getpid()}"
    office, desktop = connect(soffice, profile, pipe)
    try:
        answer(ready=True)
        for line in sys.stdin:
            request = json.loads(line)
            try:
                convert(desktop, request["in"], request["out"])
                answer(ok=True)
            except Exception as error:  # the worker decides what a failed document means
                answer(ok=False, error=type(error).__name__)
    finally:
        office.kill()


if __name__ == "__main__":
    main()
