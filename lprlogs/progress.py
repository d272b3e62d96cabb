"""Rich progress bars on stderr: ingest's (files and bytes done, rows per second, how far the statement
reading a big file has got) and the report's (its steps, how far the flags' statements have got). Off in -q
mode, with --json, and when stderr is not a terminal."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import duckdb
from rich.markup import escape

from .output import terminal_safe

POLL_SECONDS = 0.25


def enable_query_progress(con: duckdb.DuckDBPyConnection) -> None:
    """Let ``con.query_progress()`` report on this connection's statements, without DuckDB printing its
    own bar (both settings are per connection)."""
    con.execute("SET enable_progress_bar = true").fetchall()
    con.execute("SET enable_progress_bar_print = false").fetchall()


@contextlib.contextmanager
def watch_queries(connections: list[duckdb.DuckDBPyConnection], report: Callable[[float], None],
                  interval: float | None = None) -> Iterator[None]:
    """While the block runs, a thread asks DuckDB every ``interval`` seconds how far the statements
    running on ``connections`` (a list the caller may change meanwhile: parts written side by side come
    and go) have got, and calls ``report`` with their mean, 0.0-1.0. A connection seen running that
    has finished, or left the list, counts as done."""
    stop = threading.Event()
    seen: dict[int, float] = {}

    def poll() -> None:
        while not stop.wait(interval or POLL_SECONDS):
            current = list(connections)
            for con in current:
                try:
                    percent = con.query_progress()
                except (duckdb.Error, RuntimeError):  # closed between the copy of the list and the call
                    percent = -1.0
                if percent >= 0:
                    seen[id(con)] = min(percent, 100.0) / 100.0
                elif id(con) in seen:
                    seen[id(con)] = 1.0
            for key in seen.keys() - {id(con) for con in current}:
                seen[key] = 1.0
            if seen:
                report(sum(seen.values()) / len(seen))

    thread = threading.Thread(target=poll, name="lprlogs-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


class IngestProgress:
    """The ingest's bar on stderr: file N of M (M counted before reading), the file being read and how far,
    rows per second, time elapsed and left."""

    def __init__(self, enabled: bool, total: int | None = None):
        self.enabled = enabled
        self.total = total
        self._done = 0
        self._progress: Any = None
        self._task: Any = None
        self._rows = 0
        self._seconds = 0.0
        self._started = 0.0
        self._name = ""

    def __enter__(self) -> IngestProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(), console=Console(stderr=True),
                transient=True,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task("reading", total=self.total, rate="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def event(self, kind: str, source: Any, outcome: Any) -> None:
        """``start`` and ``done`` per file; ``progress`` (outcome: a FileProgress) while one is read."""
        if self._progress is None:
            return
        if not self._started:
            self._started = time.perf_counter()
        if kind == "start":
            # a file name is data: markup in it ("[b]") is shown, control characters escaped
            self._name = escape(terminal_safe(source.name[:50]))
            self._progress.update(self._task, description=f"{self._which()} {self._name}")
        elif kind == "progress" and outcome is not None:
            self._progress.update(self._task, description=f"{self._which()} {self._name} {outcome.fraction:4.0%}")
        elif kind == "done" and outcome is not None:
            # rows over the wall time since the first file: small files are read side by side, so the
            # files' own seconds add up to more than has passed
            self._rows += outcome.rows_read
            self._done += 1
            self._seconds = time.perf_counter() - self._started
            rate = f"{self._rows / self._seconds:,.0f} rows/s" if self._seconds > 0 else ""
            self._progress.update(self._task, advance=1, rate=rate)

    def _which(self) -> str:
        """'file 12 of 340' (the one being read: files side by side may finish out of order)."""
        number = min(self._done + 1, self.total) if self.total else self._done + 1
        return f"file {number:,} of {self.total:,}:" if self.total else f"file {number:,}:"


# the report's steps (lprlogs/report/__init__.py sends start and done for each, in this order but for the CSV
# files, written beside the page, workbook and brief), as the bar names them
REPORT_STEPS = {"flags": "computing the flags", "summary": "counting", "page": "writing the page",
                "workbook": "writing the workbook", "brief": "writing the brief", "csv": "writing the CSV files"}


class ReportProgress:
    """The report's bar on stderr: step N of M, what it is doing, how far the statement running now has got
    (computing the flags), time elapsed."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None
        self._running: list[str] = []

    def __enter__(self) -> ReportProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                console=Console(stderr=True), transient=True,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task("report", total=len(REPORT_STEPS))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def event(self, kind: str, step: str, fraction: float | None = None) -> None:
        """``start`` and ``done`` per step (REPORT_STEPS); ``progress`` (fraction 0.0-1.0) while a step's
        statement runs."""
        if self._progress is None:
            return
        if kind == "start":
            self._running.append(step)
        elif kind == "done" and step in self._running:
            self._running.remove(step)
            self._progress.update(self._task, advance=1)
        self._progress.update(self._task, description=self.describe(fraction if kind == "progress" else None))

    def describe(self, fraction: float | None = None) -> str:
        """'report, step 3 of 6: writing the page (and the CSV files)', with the statement's share when known."""
        if not self._running:
            return "report"
        done = int(self._progress.tasks[0].completed) if self._progress is not None else 0
        current = self._running[-1]
        text = f"report, step {min(done + 1, len(REPORT_STEPS))} of {len(REPORT_STEPS)}: {REPORT_STEPS[current]}"
        if len(self._running) > 1:
            text += " (and " + ", ".join(REPORT_STEPS[s].removeprefix("writing ") for s in self._running[:-1]) + ")"
        return text + (f" {fraction:4.0%}" if fraction is not None else "")
