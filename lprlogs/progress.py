"""A rich progress bar for ingest: files and bytes done, rows per second. Off in -q mode, with
--json, and when stderr is not a terminal."""

from __future__ import annotations

from typing import Any


class IngestProgress:
    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None
        self._rows = 0
        self._seconds = 0.0

    def __enter__(self) -> IngestProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(), console=Console(stderr=True), transient=True,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task("reading", total=None, rate="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def event(self, kind: str, source: Any, outcome: Any) -> None:
        if self._progress is None:
            return
        if kind == "start":
            self._progress.update(self._task, description=f"reading {source.name[:50]}")
        elif kind == "done" and outcome is not None:
            self._rows += outcome.rows_read
            self._seconds += outcome.seconds
            rate = f"{self._rows / self._seconds:,.0f} rows/s" if self._seconds > 0 else ""
            self._progress.update(self._task, advance=1, rate=rate)
