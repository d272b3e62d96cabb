"""`lprlogs export --sqlite FILE`: every view as a SQLite table, values readable without DuckDB."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers import SCRIPT_REASON, write_release


@pytest.mark.slow
def test_export_sqlite_has_every_view_with_same_counts(tmp_path: Path, run_cli, store_dir: Path) -> None:
    write_release(tmp_path / "release")
    assert run_cli("ingest", str(tmp_path / "release"), "-q").exit_code == 0
    target = tmp_path / "out" / "lprlogs.sqlite"
    result = run_cli("export", "--sqlite", str(target))
    assert result.exit_code == 0, result.output
    db = sqlite3.connect(target)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"searches", "flags", "sources", "quarantine", "batches"} <= tables
    assert not any(t.startswith("flag_") for t in tables)
    assert db.execute("SELECT count(*) FROM searches").fetchone()[0] == 12

    counted = run_cli("query", "select count(*) from flags", "--format", "csv").output.splitlines()[-1]
    assert db.execute("SELECT count(*) FROM flags").fetchone()[0] == int(counted)
    # timestamps as ISO text in UTC, numbers as integers, the reason verbatim, citations intact
    when, networks, reason, source_row = db.execute(
        "SELECT search_time, networks_searched, reason, source_row FROM searches WHERE reason = ?", [SCRIPT_REASON]
    ).fetchone()
    assert when.endswith("Z") and when.startswith("2025-03-")
    assert networks == 40 and isinstance(source_row, int) and reason == SCRIPT_REASON
    types = {r[1]: r[2] for r in db.execute("PRAGMA table_info(searches)")}
    assert types["networks_searched"] == "INTEGER" and types["reason"] == "TEXT"
    assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == 2
    db.close()
    assert not list(target.parent.glob(".*.tmp"))


@pytest.mark.slow
def test_export_replaces_file_and_refuses_a_folder(tmp_path: Path, run_cli) -> None:
    write_release(tmp_path / "release")
    assert run_cli("ingest", str(tmp_path / "release"), "-q").exit_code == 0
    target = tmp_path / "x.sqlite"
    assert run_cli("export", "--sqlite", str(target)).exit_code == 0
    assert run_cli("export", "--sqlite", str(target)).exit_code == 0  # replaced, not "table exists"
    folder = tmp_path / "folder.sqlite"
    folder.mkdir()
    result = run_cli("export", "--sqlite", str(folder))
    assert result.exit_code != 0 and "Traceback" not in result.output
