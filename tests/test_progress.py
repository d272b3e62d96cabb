"""The ingest progress bar advances within one big file: a thread asks DuckDB how far the running
statements have got (parts written side by side included) and ingest sends `progress` events."""

from __future__ import annotations

import os
import time

import duckdb
import pytest
from helpers import flock_row, write_flock_csv

import lprlogs.formats.flock as flock
from lprlogs.ingest import FileProgress, ingest
from lprlogs.progress import IngestProgress, enable_query_progress, watch_queries


def test_watch_queries_reports_a_running_statement():
    con = duckdb.connect(config={"threads": 1})
    enable_query_progress(con)
    fractions: list[float] = []
    with watch_queries([con], fractions.append, interval=0.02):
        con.execute("SELECT sum(hash(i)) FROM range(60000000) t(i)").fetchall()
    assert fractions, "no progress reported during a statement of about a second"
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert fractions[-1] >= fractions[0]


def test_finished_connections_count_as_done():
    running = duckdb.connect(config={"threads": 1})
    idle = duckdb.connect()
    enable_query_progress(running)
    connections = [running, idle]
    fractions: list[float] = []
    with watch_queries(connections, fractions.append, interval=0.02):
        running.execute("SELECT sum(hash(i)) FROM range(40000000) t(i)").fetchall()
        connections.remove(running)  # like a part's cursor when its file is written
        running.close()
        time.sleep(0.1)
    assert fractions[-1] == 1.0  # the idle connection never ran anything: not counted


def test_ingest_sends_progress_events(tmp_path, monkeypatch):
    """One file stored in parts side by side: progress events come while it is read (between its start and
    done), each a share of the file, and they move past zero."""
    monkeypatch.setattr(flock, "PART_MIN_BYTES", 0)
    monkeypatch.setattr(flock, "PART_ROWS", 200)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr("lprlogs.progress.POLL_SECONDS", 0.005)
    rows = [flock_row(networks=i, search_id=f"00000000-0000-4000-8000-{i:012d}") for i in range(3000)]
    path = write_flock_csv(tmp_path / "in", "1_1_2025-12_31_2025-Parts City TX PD-Network-Audit.csv", rows)
    events: list[tuple[str, object]] = []
    report = ingest([str(path)], tmp_path / "store",
                    on_event=lambda kind, source, outcome: events.append((kind, outcome)))
    assert report.files[0].status == "ingested"
    kinds = [k for k, _ in events]
    assert kinds[0] == "start" and kinds[-1] == "done" and kinds.count("start") == kinds.count("done") == 1
    progress = [o for k, o in events if k == "progress"]
    assert progress, "no progress event while a 3,000-row file was read in 15 parts"
    assert all(isinstance(p, FileProgress) and 0.0 <= p.fraction <= 1.0 for p in progress)
    assert max(p.fraction for p in progress) > 0.0


def test_bar_shows_the_share_of_the_file_and_is_off_when_disabled():
    class Source:
        name = "big.csv"

    with IngestProgress(enabled=False) as quiet:
        quiet.event("start", Source(), None)
        quiet.event("progress", Source(), FileProgress(0.5))  # nothing to show, nothing raised
    with IngestProgress(enabled=True) as bar:
        bar.event("start", Source(), None)
        bar.event("progress", Source(), FileProgress(0.43))
        assert bar._progress.tasks[0].description == "file 1: big.csv  43%"


def test_bar_counts_files_towards_the_total_found_before_reading(tmp_path):
    from lprlogs.ingest import FileOutcome
    from lprlogs.sources import count_files

    class Source:
        name = "a.csv"

    (tmp_path / "r").mkdir()
    for name in ("a.csv", "b.csv", ".hidden", "Thumbs.db"):
        (tmp_path / "r" / name).write_text("x")
    assert count_files([str(tmp_path / "r")]) == 2
    with IngestProgress(enabled=True, total=2) as bar:
        bar.event("start", Source(), None)
        assert bar._progress.tasks[0].description == "file 1 of 2: a.csv"
        bar.event("done", Source(), FileOutcome(path="a.csv", status="ingested", rows_read=10))
        bar.event("start", Source(), None)
        assert bar._progress.tasks[0].description == "file 2 of 2: a.csv"
        assert bar._progress.tasks[0].completed == 1 and bar._progress.tasks[0].total == 2


def test_report_bar_names_the_step_and_the_statement_share():
    from lprlogs.progress import ReportProgress

    with ReportProgress(enabled=False) as quiet:
        quiet.event("start", "flags")  # nothing to show, nothing raised
    with ReportProgress(enabled=True) as bar:
        bar.event("start", "flags")
        bar.event("progress", "flags", 0.43)
        assert bar._progress.tasks[0].description == "report, step 1 of 6: computing the flags  43%"
        bar.event("done", "flags")
        bar.event("start", "summary")
        bar.event("done", "summary")
        bar.event("start", "csv")
        bar.event("start", "page")
        assert bar._progress.tasks[0].description == "report, step 3 of 6: writing the page (and the CSV files)"
        assert bar._progress.tasks[0].completed == 2 and bar._progress.tasks[0].total == 6


@pytest.mark.slow
def test_report_sends_its_steps_and_how_far_the_flags_statement_is(tmp_path, monkeypatch):
    """build_report tells of each step in order (the CSV files written beside the page, workbook and brief),
    and, while a long statement of the flags step runs, how far it has got."""
    import lprlogs.report as report_module
    from lprlogs.engine import Engine
    from lprlogs.store import Store

    monkeypatch.setattr("lprlogs.progress.POLL_SECONDS", 0.005)
    rows = [flock_row(reason="ICE detainer" if i % 2 else "stolen car", networks=i,
                      search_id=f"00000000-0000-4000-8000-{i:012d}") for i in range(40)]
    path = write_flock_csv(tmp_path / "in", "1_1_2025-12_31_2025-Parts City TX PD-Network-Audit.csv", rows)
    assert ingest([str(path)], tmp_path / "store").files[0].status == "ingested"
    prepare = report_module.prepare

    def prepare_with_a_long_statement(engine, since):  # the flags of a big store: a statement of a second or so
        prepare(engine, since)
        engine.con.execute("SELECT sum(hash(i)) FROM range(40000000) t(i)").fetchall()

    monkeypatch.setattr(report_module, "prepare", prepare_with_a_long_statement)
    events: list[tuple[str, str, float | None]] = []
    engine = Engine(Store.open(tmp_path / "store"))
    try:
        report_module.build_report(engine, tmp_path / "out",
                                   on_event=lambda kind, step, fraction=None: events.append((kind, step, fraction)))
    finally:
        engine.close()
    steps = [(kind, step) for kind, step, _ in events if kind != "progress"]
    assert steps == [("start", "flags"), ("done", "flags"), ("start", "summary"), ("done", "summary"),
                     ("start", "csv"), ("start", "page"), ("done", "page"), ("start", "workbook"),
                     ("done", "workbook"), ("start", "brief"), ("done", "brief"), ("done", "csv")]
    flags = events.index(("start", "flags", None)), events.index(("done", "flags", None))
    shares = [fraction for kind, step, fraction in events[flags[0]:flags[1]] if kind == "progress"]
    assert shares, "no progress event while the flags step ran a statement of about a second"
    assert all(step == "flags" for kind, step, _ in events if kind == "progress")
    assert all(0.0 <= f <= 1.0 for f in shares) and max(shares) > 0.0


@pytest.mark.slow
def test_report_is_silent_on_stderr_when_it_is_not_a_terminal(run_cli, tmp_path):
    path = write_flock_csv(tmp_path / "in", "1_1_2025-12_31_2025-Parts City TX PD-Network-Audit.csv",
                           [flock_row(reason="ICE detainer")])
    assert run_cli("ingest", "-q", str(path)).exit_code == 0
    result = run_cli("report", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert result.stderr == "" and result.stdout.startswith("report: 1 rows")
