"""`lprlogs export --sqlite FILE`: every view as a SQLite table, values readable without DuckDB."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
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


def _exported(tmp_path: Path, run_cli, name: str = "logs.db") -> Path:
    """The small release ingested and exported to ``name``."""
    write_release(tmp_path / "release")
    assert run_cli("ingest", str(tmp_path / "release"), "-q").exit_code == 0
    target = tmp_path / name
    assert run_cli("export", "--sqlite", str(target)).exit_code == 0
    return target


@pytest.mark.slow
def test_export_replaces_file_and_refuses_a_folder(tmp_path: Path, run_cli) -> None:
    target = _exported(tmp_path, run_cli, "x.sqlite")
    assert run_cli("export", "--sqlite", str(target)).exit_code == 0  # replaced, not "table exists"
    folder = tmp_path / "folder.sqlite"
    folder.mkdir()
    result = run_cli("export", "--sqlite", str(folder))
    assert result.exit_code != 0 and "Traceback" not in result.output


@pytest.mark.slow
def test_export_has_keys_indexes_full_text_and_metadata(tmp_path: Path, run_cli) -> None:
    target = _exported(tmp_path, run_cli)
    db = sqlite3.connect(target)
    assert [r[5] for r in db.execute("PRAGMA table_info(searches)") if r[1] == "search_key"] == [1]
    assert ("searches", "search_key", "search_key") in [(r[2], r[3], r[4]) for r in
                                                        db.execute("PRAGMA foreign_key_list(flags)")]
    indexed = {r[1] for r in db.execute("PRAGMA index_list(searches)")}
    assert {"idx_searches_producer", "idx_searches_searcher_org", "idx_searches_search_time"} <= indexed
    found = db.execute("SELECT s.reason FROM searches_fts JOIN searches AS s ON s.rowid = searches_fts.rowid "
                       "WHERE searches_fts MATCH ?", ['"' + SCRIPT_REASON.split()[0] + '"']).fetchall()
    assert (SCRIPT_REASON,) in found
    db.close()
    metadata = json.loads((tmp_path / "logs.metadata.json").read_text(encoding="utf-8"))
    tables = metadata["databases"]["logs"]["tables"]
    assert tables["_lprlogs_export"] == {"hidden": True}
    assert tables["searches"]["fts_table"] == "searches_fts"
    assert "header is row 1" in tables["searches"]["columns"]["source_row"]
    assert all(tables[t]["description"] for t in ("searches", "flags", "sources", "quarantine", "agencies"))


@pytest.mark.slow
def test_datasette_serves_the_export(tmp_path: Path, run_cli) -> None:
    datasette_utils = pytest.importorskip("datasette.utils")
    target = _exported(tmp_path, run_cli)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "datasette", str(target), "-m",
                               str(tmp_path / "logs.metadata.json"), "-h", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/logs"
        for _ in range(120):  # bounded: at most about 30 s
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2)
                break
            except OSError:
                time.sleep(0.25)
        key = sqlite3.connect(target).execute("SELECT search_key FROM searches WHERE reason = ?",
                                              [SCRIPT_REASON]).fetchone()[0]
        row = json.load(urllib.request.urlopen(f"{base}/searches/{datasette_utils.tilde_encode(key)}.json"
                                               "?_shape=objects", timeout=10))
        assert row["rows"][0]["reason"] == SCRIPT_REASON
        query = urllib.parse.quote('"' + SCRIPT_REASON.split()[0] + '"')
        searched = json.load(urllib.request.urlopen(f"{base}/searches.json?_search={query}&_shape=objects",
                                                    timeout=10))
        assert SCRIPT_REASON in [r["reason"] for r in searched["rows"]]
        tables = [t["name"] for t in json.load(urllib.request.urlopen(f"{base}.json", timeout=10))["tables"]
                  if not t["hidden"]]
        assert "searches" in tables and "_lprlogs_export" not in tables
    finally:
        server.terminate()
        server.wait(timeout=10)
