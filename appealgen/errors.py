"""One error hierarchy. Messages name the file and field, never patient data."""

from __future__ import annotations

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_CHECK_FAILED = 3
EXIT_MISSING_TOOL = 4


class AppealgenError(Exception):
    """Base class: carries the exit code the CLI should return."""

    exit_code = EXIT_BAD_INPUT


class InputError(AppealgenError):
    """A claim, profile or attachment that cannot be used: `FILE: field: message`."""

    def __init__(self, source: object, field: str | None, message: str) -> None:
        self.source = str(source)
        self.field = field
        self.message = message
        super().__init__(self.line())

    def line(self) -> str:
        where = f"{self.source}: {self.field}" if self.field else self.source
        return f"{where}: {self.message}"


class InputErrors(AppealgenError):
    """Several input errors collected from one file, printed one per line."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        super().__init__("\n".join(e.line() for e in errors))


class TemplateError(InputError):
    """A template that fails to load or render (never shows the render context)."""


class MissingToolError(AppealgenError):
    """A required external program (LibreOffice, fonts) is not installed."""

    exit_code = EXIT_MISSING_TOOL

    def __init__(self, tool: str, install: str) -> None:
        self.tool = tool
        self.install = install
        super().__init__(f"{tool} is not installed; install it with: {install}")
