"""One error hierarchy and one exit-code table. Messages name the file and field, never
patient data. Every error survives pickling, so a worker process can hand it to its parent."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_CHECK_FAILED = 3  # built but failing its check; also: deadlines already overdue
EXIT_MISSING_TOOL = 4
EXIT_UNEXPECTED = 5  # a bug: one line, the traceback with APPEALGEN_DEBUG=1
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it): a batch sums up what it finished

# A run of many items exits with the highest-ranked outcome: a missing tool stops every
# item alike, a bug outranks bad input, bad input outranks a failing check. Extend this
# table, never renumber it (scheduled jobs test these numbers).
EXIT_RANK = (EXIT_MISSING_TOOL, EXIT_UNEXPECTED, EXIT_BAD_INPUT, EXIT_USAGE, EXIT_CHECK_FAILED, EXIT_OK)


def exit_code(codes: Iterable[int]) -> int:
    """The highest-ranked of `codes` (0 when there are none)."""
    seen = set(codes)
    for code in EXIT_RANK:
        if code in seen:
            return code
    return EXIT_OK


class AppealgenError(Exception):
    """Base class: carries the exit code the CLI should return."""

    exit_code = EXIT_BAD_INPUT

    def lines(self) -> list[str]:
        """What the user sees, one problem per line."""
        return [str(self)]


class InputError(AppealgenError):
    """A claim, profile or attachment that cannot be used: `FILE: field: message`."""

    def __init__(self, source: object, field: str | None, message: str, claim_id: str | None = None) -> None:
        self.source = str(source)
        self.field = field
        self.message = message
        self.claim_id = claim_id  # the claim it stops, when known (a CSV row's): for the batch summary
        super().__init__(self.line())

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.source, self.field, self.message, self.claim_id))

    def line(self) -> str:
        where = f"{self.source}: {self.field}" if self.field else self.source
        return f"{where}: {self.message}"

    def lines(self) -> list[str]:
        return [self.line()]


class InputErrors(AppealgenError):
    """Several input errors collected from one file, printed one per line."""

    def __init__(self, errors: list[InputError], claim_id: str | None = None) -> None:
        self.errors = errors
        self.claim_id = claim_id
        super().__init__("\n".join(e.line() for e in errors))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.errors, self.claim_id))

    @property
    def source(self) -> str:
        """The file the errors are in (their first one's): how a run names a claim with no readable id."""
        return self.errors[0].source if self.errors else ""

    def lines(self) -> list[str]:
        return [e.line() for e in self.errors]


class TemplateError(InputError):
    """A template that fails to load or render (never shows the render context)."""


class TemplatesBroken(InputErrors):
    """A run stopped before its first claim by broken templates: their problems, then a line
    that says nothing was built."""

    def lines(self) -> list[str]:
        return [*super().lines(), "nothing built: a template this run uses is broken; fix it (appealgen templates "
                "check lists every problem) and run again"]


class MissingToolError(AppealgenError):
    """A required external program (LibreOffice, Pango, fonts) is not installed."""

    exit_code = EXIT_MISSING_TOOL

    def __init__(self, tool: str, install: str) -> None:
        self.tool = tool
        self.install = install
        super().__init__(f"{tool} is not installed; install it with: {install}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.tool, self.install))


class ItemError(AppealgenError):
    """One item of a run stopped: `ORIGIN: claim ID: what happened; nothing written`."""

    def __init__(self, origin: str, claim_id: str | None, what: str) -> None:
        self.origin = origin
        self.claim_id = claim_id
        self.what = what
        claim = f": claim {claim_id}" if claim_id else ""
        super().__init__(f"{origin}{claim}: {what}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.origin, self.claim_id, self.what))


class UnexpectedError(ItemError):
    """A bug met while handling one item. Only the exception's type is kept: its message may
    quote claim data."""

    exit_code = EXIT_UNEXPECTED

    def __init__(self, origin: str, claim_id: str | None, kind: str) -> None:
        self.kind = kind
        super().__init__(origin, claim_id, f"unexpected {kind}; nothing written for this claim "
                         "(set APPEALGEN_DEBUG=1 for the traceback)")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.origin, self.claim_id, self.kind))


class TimeLimitError(ItemError):
    """One item took longer than the per-item limit and was stopped."""

    def __init__(self, origin: str, claim_id: str | None, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(origin, claim_id, f"stopped after {seconds:g} s (time limit); nothing written for this "
                         "claim")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.origin, self.claim_id, self.seconds))


class ClusterError(AppealgenError):
    """The cluster cannot run this batch as asked (unreachable, no workers, a worker whose
    appealgen install or workspace differs): every item would fail alike, so it ranks with a
    missing program, and the message says what to change."""

    exit_code = EXIT_MISSING_TOOL

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.where, self.message))
