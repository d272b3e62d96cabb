"""Small Flock CSVs and workbooks are read side by side on worker threads (ingest._Runner). The store must be what
reading one file after another gives: the same rows and source numbers, the same duplicate marks, the
same manifest in the same order, the same outcomes in the order the files were given, and a file whose
bytes are being read under another name at that moment still comes out as "already ingested"."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from helpers import SAMPLES, flock_row, write_flock_csv

import lprlogs.ingest as ingest_module
from lprlogs.engine import Engine
from lprlogs.ingest import ingest
from lprlogs.store import Store

VOLATILE = {"ingested_at", "started_at", "finished_at", "seconds"}


def _store_state(store_dir: Path) -> dict[str, object]:
    manifest = json.loads((store_dir / "manifest.json").read_text(encoding="utf-8"))
    sources = [{k: v for k, v in entry.items() if k not in VOLATILE} for entry in manifest["sources"]]
    engine = Engine(Store.open(store_dir))
    searches = engine.query("SELECT * FROM searches ORDER BY search_key")[1]
    quarantine = engine.query("SELECT * EXCLUDE (batch_id) FROM quarantine ORDER BY ALL")[1]
    return {"sources": sources, "searches": searches, "quarantine": quarantine}


def _run(paths: list[str], store_dir: Path, workers: int, monkeypatch: pytest.MonkeyPatch) -> tuple[list, dict]:
    monkeypatch.setattr(os, "cpu_count", lambda: workers)
    report = ingest(paths, store_dir)
    outcomes = [{k: v for k, v in f.as_dict().items() if k not in VOLATILE} for f in report.files]
    return outcomes, _store_state(store_dir)


def _small_release(folder: Path) -> Path:
    for i in range(12):
        rows = [flock_row(reason=f"case {i}-{j}", networks=j, search_time=f"11/{1 + j % 28:02d}/2025, 09:53:36 AM UTC")
                for j in range(40)]
        if i == 3:
            rows.append(flock_row(search_time="garbage"))  # quarantined
        write_flock_csv(folder, f"11_1_2025-11_30_2025-Town {i} AR PD-Network-Audit.csv", rows)
    # the same bytes under two more names, one of them next in line (read while its twin is being read)
    first = folder / "11_1_2025-11_30_2025-Town 5 AR PD-Network-Audit.csv"
    shutil.copy(first, folder / "11_1_2025-11_30_2025-Town 5 AR PD-Network-Audit (1).csv")
    shutil.copy(first, folder / "11_1_2025-11_30_2025-Town 9 AR PD-Network-Audit copy.csv")
    (folder / "11_1_2025-11_30_2025-Empty AR PD-Network-Audit.csv").write_text("")
    # overlapping rows in two files: exact duplicates, marked against the file with the lower number
    write_flock_csv(folder, "11_1_2025-11_30_2025-Town 0 AR PD-Network-Audit (2).csv",
                    [flock_row(reason="case 0-1", networks=1, search_time="11/02/2025, 09:53:36 AM UTC")])
    return folder


@pytest.mark.slow
def test_small_files_side_by_side_store_what_one_by_one_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    release = _small_release(tmp_path / "release")
    serial_outcomes, serial = _run([str(release)], tmp_path / "serial", 1, monkeypatch)
    side_outcomes, side = _run([str(release)], tmp_path / "side", 4, monkeypatch)
    assert side_outcomes == serial_outcomes
    assert side == serial
    statuses = [o["status"] for o in side_outcomes]
    assert statuses.count("already") == 2 and statuses.count("rejected") == 1
    assert sum(o["rows_quarantined"] for o in side_outcomes) == 1
    duplicates = Engine(Store.open(tmp_path / "side")).query(
        "SELECT count(*) FROM searches WHERE duplicate_of IS NOT NULL")[1][0][0]
    assert duplicates == 1


@pytest.mark.slow
def test_the_samples_side_by_side_store_what_one_by_one_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Every kind of file at once: CSVs read side by side, workbooks, PDFs, zips and reference lists read
    alone in between (a reference list takes the store lock, so the workers are idle first)."""
    serial_outcomes, serial = _run([str(SAMPLES)], tmp_path / "serial", 1, monkeypatch)
    side_outcomes, side = _run([str(SAMPLES)], tmp_path / "side", 4, monkeypatch)
    assert side_outcomes == serial_outcomes
    assert side == serial


@pytest.mark.slow
def test_a_second_batch_after_side_by_side_reading_numbers_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    first = _small_release(tmp_path / "a")
    ingest([str(first)], tmp_path / "store")
    write_flock_csv(tmp_path / "b", "11_1_2025-11_30_2025-Late AR PD-Network-Audit.csv", [flock_row(reason="late")])
    ingest([str(tmp_path / "b")], tmp_path / "store")
    seqs = [s["seq"] for s in Store.open(tmp_path / "store").ingested()]
    assert len(seqs) == len(set(seqs)) and seqs[-1] == max(seqs)


def test_workers_only_take_small_flock_files():
    """Readers of other formats may take the store lock (a reference list) or hold much in memory."""
    assert set(ingest_module.SIDE_BY_SIDE_MAX_BYTES) == {"flock_csv", "flock_excel"}
    assert max(ingest_module.SIDE_BY_SIDE_MAX_BYTES.values()) <= 16 << 20
