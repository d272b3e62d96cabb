"""User-facing errors: one line, naming the file (and line), with a hint. Never a traceback."""

from __future__ import annotations


class LprlogsError(Exception):
    """A user's mistake or an input we refuse, explained in one line.

    The CLI turns it into a ``click.ClickException``; library callers can catch it.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None, hint: str | None = None):
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}"
            if self.line is not None:
                where += f", line {self.line}"
            where += ": "
        text = f"{where}{self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class SourceRejected(LprlogsError):
    """A whole source file cannot be read; it is recorded in ``sources`` with this reason."""


class StoreDamaged(LprlogsError):
    """A file of the store is missing, truncated or of the wrong shape: says which and what to do."""


class Interrupted(LprlogsError):
    """The user pressed Ctrl-C: what was committed stays, the file being read was rolled back. Exit 130."""

    exit_code = 130


class DiskFull(LprlogsError):
    """No space left on a disk lprlogs was writing to; the current file was rolled back."""


NO_SPACE = "No space left on device"


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (an OSError, or DuckDB's IO error carrying the system's text) says a disk is full."""
    return (isinstance(exc, OSError) and exc.errno == 28) or NO_SPACE in str(exc)
