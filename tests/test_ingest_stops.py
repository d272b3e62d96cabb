"""A run that stops (Ctrl-C, a full disk) keeps what it committed, rolls back the file being read, marks its
batch interrupted and says so in one line; a run that stores nothing leaves no batch behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from helpers import flock_row, write_flock_csv

from lprlogs.errors import DiskFull
from lprlogs.ingest import ingest
from lprlogs.store import SourceWriter, Store


def _release(folder: Path, files: int, rows: int = 3) -> Path:
    for i in range(files):
        write_flock_csv(folder, f"11_1_2025-11_30_2025-Town{i:03d} DE PD-Network-Audit.csv",
                        [flock_row(reason=f"file {i} row {r}") for r in range(rows)])
    return folder


def test_a_full_disk_rolls_back_the_file_and_says_which_disk(tmp_path: Path, store_dir: Path, run_cli,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    release = _release(tmp_path / "release", 3)
    real_commit = SourceWriter.commit
    calls = {"n": 0}

    def commit(self: SourceWriter, *args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] >= 2:  # the disk is full from the second commit on
            raise duckdb.IOException("IO Error: Could not write file \"x.parquet\": No space left on device")
        return real_commit(self, *args, **kwargs)

    monkeypatch.setattr(SourceWriter, "commit", commit)
    with pytest.raises(DiskFull) as caught:
        ingest([str(release)], store_dir)
    assert f"no space left on the disk holding {store_dir}" in caught.value.one_line()
    store = Store.open(store_dir)
    ingested = [s for s in store.sources if s.get("status") == "ingested"]
    assert len(ingested) == 1 and not any(s.get("status") == "rejected" for s in store.sources)
    (batch,) = store.batches
    assert batch["interrupted"] is True and batch["finished_at"]
    assert not list((store_dir / "tmp").glob("**/*.parquet"))
    result = run_cli("query", "select count(*) from searches", "--csv")
    assert result.output.strip().splitlines()[-1] == "3"  # the first file only: nothing half-written


def test_runs_that_store_nothing_leave_no_batch(run_cli, tmp_path: Path, store_dir: Path) -> None:
    release = _release(tmp_path / "release", 1)
    assert run_cli("ingest", str(tmp_path / "missing")).exit_code != 0
    (tmp_path / "letter.txt").write_text("Dear requester, ...", encoding="utf-8")
    assert run_cli("ingest", str(tmp_path / "letter.txt")).exit_code != 0
    assert run_cli("ingest", str(release)).exit_code == 0
    again = run_cli("ingest", str(release))
    assert again.exit_code == 0 and "no batch recorded (nothing new stored)" in again.output
    batches = json.loads((store_dir / "manifest.json").read_text())["batches"]
    assert [b["id"] for b in batches] == [1] and batches[0]["files_ingested"] == 1


@pytest.mark.slow
def test_ctrl_c_stops_within_seconds_keeps_committed_files_and_exits_130(tmp_path: Path, store_dir: Path) -> None:
    release = _release(tmp_path / "release", 400, rows=40)
    child = subprocess.Popen([sys.executable, "-c", "from lprlogs.cli import cli; cli()", "ingest", str(release),
                              "--store", str(store_dir), "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    manifest = store_dir / "manifest.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until some files are in, so the stop falls inside the run
        if manifest.exists() and '"status":"ingested"' in manifest.read_text().replace(" ", "").replace('\n', ''):
            break
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)
    sent = time.monotonic()
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130, (out, err)
    assert time.monotonic() - sent < 10
    assert "interrupted (Ctrl-C)" in err and "Traceback" not in err
    store = Store.open(store_dir)
    (batch,) = store.batches
    assert batch["interrupted"] is True
    ingested = [s for s in store.sources if s.get("status") == "ingested"]
    assert 0 < len(ingested) < 400 and not [s for s in store.sources if s.get("status") == "rejected"]
    assert not [p for p in (store_dir / "tmp").rglob("*") if p.is_file()] if (store_dir / "tmp").exists() else True
    rows = sum(s["rows_stored"] for s in ingested)
    assert rows == 40 * len(ingested)
    # the same command again reads the rest
    assert ingest([str(release)], store_dir).count("ingested") == 400 - len(ingested)
