"""The reporter's report: ``build_report`` writes index.html, lprlogs-report.xlsx, csv/<flag>.csv and
brief.md into an output folder marked so that lprlogs never ingests it back."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from ..engine import Engine
from ..engine.report_tables import prepare
from ..errors import LprlogsError
from ..progress import enable_query_progress, watch_queries
from ..sources import OUTPUT_MARKER
from .brief import write_brief
from .data import ReportData, collect, finish, worker_connection
from .html import write_html
from .spreadsheets import WorkerRelations, flag_csv_shares, write_flag_csvs, write_table_csvs, write_workbook

CSV_WRITERS = 2  # worker connections writing the findings' CSV files, beside the workbook


@dataclass
class ReportFiles:
    folder: Path
    html: Path
    workbook: Path
    brief: Path
    csvs: list[Path]
    data: ReportData


def prepare_output(folder: Path) -> None:
    """Create the output folder (or reuse one lprlogs wrote) and mark it as lprlogs output."""
    if folder.exists() and not folder.is_dir():
        raise LprlogsError("the output path exists and is not a folder", path=str(folder), hint="give a folder: -o report/")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / OUTPUT_MARKER).exists():
        names = {p.name for p in folder.iterdir()}
        if not names <= {"index.html", "lprlogs-report.xlsx", "brief.md", "csv"}:
            raise LprlogsError("the output folder is not empty and was not written by lprlogs", path=str(folder),
                               hint="give a new or empty folder, e.g. -o report/")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / OUTPUT_MARKER).write_text("Written by lprlogs; never ingested as input.\n", encoding="utf-8")


@contextmanager
def _phase(name: str) -> Iterator[None]:
    """Print a phase's wall and CPU seconds to stderr when LPRLOGS_REPORT_TIMINGS is set (bench/report.py)."""
    if not os.environ.get("LPRLOGS_REPORT_TIMINGS"):
        yield
        return
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    print(f"timing: {name} {time.perf_counter() - wall:.1f}/{time.process_time() - cpu:.1f}", file=sys.stderr)


# what build_report tells a progress bar: (kind, step, fraction): "start" and "done" for each step of
# progress.REPORT_STEPS, "progress" with a fraction (0.0-1.0) while a statement computing the flags runs
ReportEvents = Callable[[str, str, float | None], None]


def _no_events(kind: str, step: str, fraction: float | None = None) -> None:
    return None


@contextmanager
def _step(name: str, on_event: ReportEvents) -> Iterator[None]:
    on_event("start", name, None)
    yield
    on_event("done", name, None)


def _watched(engine: Engine, step: str, on_event: ReportEvents | None) -> AbstractContextManager[None]:
    """While the block runs, ``progress`` events with how far the engine's running statement has got."""
    if on_event is None:
        return nullcontext()
    enable_query_progress(engine.con)
    return watch_queries([engine.con], lambda fraction: on_event("progress", step, fraction))


def build_report(engine: Engine, folder: Path, *, since: int | None = None,
                 on_event: ReportEvents | None = None) -> ReportFiles:
    """Write the report into ``folder``; ``on_event`` hears of each step (a progress bar: progress.py)."""
    if since is not None:
        known = {b["id"] for b in engine.store.batches}
        if since not in known and since != 0:
            raise LprlogsError(f"there is no batch {since} in this store",
                               hint="`lprlogs batches` lists them; --since N counts what came after batch N")
    tell = on_event or _no_events
    prepare_output(folder)
    with _phase("flags"), _step("flags", tell), _watched(engine, "flags", on_event):
        prepare(engine, since)
    try:
        with _phase("summary"), _step("summary", tell):
            data = collect(engine, since=since)
        # the findings' CSV files (DuckDB, which frees Python's lock while it writes, one ordered file on one
        # thread) on two worker connections, beside the workbook, page and brief (Python)
        with _phase("outputs"), ThreadPoolExecutor(max_workers=CSV_WRITERS) as pool:
            tell("start", "csv", None)
            workers = [worker_connection(engine) for _ in range(CSV_WRITERS)]
            csvs_written = [pool.submit(write_flag_csvs, WorkerRelations(worker), data, folder / "csv", share)
                            for worker, share in zip(workers, flag_csv_shares(data, CSV_WRITERS), strict=True)]
            try:
                with _step("page", tell):
                    html = write_html(data, folder / "index.html")
                with _step("workbook", tell):
                    workbook = write_workbook(engine, data, folder / "lprlogs-report.xlsx")
                with _step("brief", tell):
                    brief = write_brief(data, folder / "brief.md")
                tables = write_table_csvs(data, folder / "csv")
            finally:
                wait(csvs_written)  # never close a worker's connection under it
                for worker in workers:
                    worker.close()
            flag_csvs = {path.stem: path for written in csvs_written for path in written.result()}
            csvs = [flag_csvs[name] for name in data.findings] + tables
            tell("done", "csv", None)
    finally:
        finish(engine)
    return ReportFiles(folder=folder, html=html, workbook=workbook, brief=brief, csvs=csvs, data=data)
