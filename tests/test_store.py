"""The store: atomic per-source commits (kill -9 at any moment), idempotence, --force, duplicates."""

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
from helpers import ROOT, flock_row, write_flock_csv

from lprlogs.engine import Engine
from lprlogs.ingest import ingest
from lprlogs.store import Store

NAME = "11_1_2025-11_30_2025-Conway AR PD-Network-Audit.csv"


def _store_rows(store_dir: Path) -> int:
    engine = Engine(Store.open(store_dir))
    return engine.query("select count(*) from searches")[1][0][0]


@pytest.mark.slow
def test_ingest_is_idempotent_and_force_reads_again(tmp_path: Path, store_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    write_flock_csv(tmp_path / "in", NAME, [flock_row(reason=f"r{i}", networks=i) for i in range(5)])
    first = ingest([str(tmp_path / "in")], store_dir)
    assert [f.status for f in first.files] == ["ingested"]
    again = ingest([str(tmp_path / "in")], store_dir)
    assert [f.status for f in again.files] == ["already"]
    assert "already ingested" in again.files[0].reason
    assert _store_rows(store_dir) == 5
    forced = ingest([str(tmp_path / "in")], store_dir, force=True)
    assert [f.status for f in forced.files] == ["ingested"]
    assert _store_rows(store_dir) == 5  # replaced, not doubled
    store = Store.open(store_dir)
    assert len(list(store.ingested())) == 1
    # the old file is retired, not deleted: a reader that read the manifest before may still read it
    assert len(list((store_dir / "searches").glob("*.parquet"))) == 2
    assert [r["path"] for r in store.manifest["retired"]] == ["searches/e202fde7b163c733-b1-1.parquet"]
    monkeypatch.setattr("lprlogs.store.RETIRED_GRACE_SECONDS", 0)
    ingest([str(tmp_path / "in")], store_dir)  # the next writer after the grace period removes it
    assert len(list((store_dir / "searches").glob("*.parquet"))) == 1
    assert _store_rows(store_dir) == 5


@pytest.mark.slow
def test_search_key_is_stable_across_reingest(tmp_path: Path, store_dir: Path) -> None:
    write_flock_csv(tmp_path / "in", NAME, [flock_row(reason=f"r{i}") for i in range(3)])
    ingest([str(tmp_path / "in")], store_dir)
    keys = Engine(Store.open(store_dir)).query("select search_key from searches order by 1")[1]
    ingest([str(tmp_path / "in")], store_dir, force=True)
    assert Engine(Store.open(store_dir)).query("select search_key from searches order by 1")[1] == keys


@pytest.mark.slow
def test_exact_duplicates_are_stored_and_marked_not_dropped(tmp_path: Path, store_dir: Path) -> None:
    row = flock_row(reason="same row")
    write_flock_csv(tmp_path / "in", NAME, [row, row, flock_row(reason="other"), row])
    ingest([str(tmp_path / "in")], store_dir)
    engine = Engine(Store.open(store_dir))
    rows = engine.query("select source_row, duplicate_of is not null from searches order by source_row")[1]
    assert rows == [(2, False), (3, True), (4, False), (5, True)]
    first_key = engine.query("select search_key from searches where source_row = 2")[1][0][0]
    assert {r[0] for r in engine.query("select duplicate_of from searches where duplicate_of is not null")[1]} \
        == {first_key}
    assert engine.query("select rows_duplicate from sources")[1] == [(2,)]
    # the same search ID in two files is one search
    assert engine.query("select count(distinct search_uid) from searches")[1][0][0] == 2


@pytest.mark.slow
def test_crash_before_manifest_commit_leaves_store_as_before(tmp_path: Path, store_dir: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    write_flock_csv(tmp_path / "a", NAME, [flock_row(reason="a")])
    ingest([str(tmp_path / "a")], store_dir)
    before = json.loads((store_dir / "manifest.json").read_text())
    write_flock_csv(tmp_path / "b", NAME.replace("Conway", "Searcy"), [flock_row(reason="b")])

    def crash(self: Store, *args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(Store, "record", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest([str(tmp_path / "b")], store_dir)
    monkeypatch.undo()
    after = json.loads((store_dir / "manifest.json").read_text())
    assert [s["path"] for s in after["sources"]] == [s["path"] for s in before["sources"]]
    assert _store_rows(store_dir) == 1
    # the next writer removes what the crashed one left behind, then ingests normally
    report = ingest([str(tmp_path / "b")], store_dir)
    assert report.files[0].status == "ingested"
    assert _store_rows(store_dir) == 2
    assert not (store_dir / "tmp").exists()


CRASH_SCRIPT = """
import sys
from lprlogs.ingest import ingest
ingest(sys.argv[2:], __import__('pathlib').Path(sys.argv[1]))
"""
FILES, ROWS = 16, 50


def _check_consistent(store_dir: Path) -> int:
    """Every source in the manifest is complete: its files exist and hold exactly its rows."""
    store = Store.open(store_dir)
    total = 0
    for entry in store.ingested():
        files = [store_dir / name for name in entry["files"]["searches"]]
        assert all(f.exists() for f in files), entry["path"]
        count = duckdb.sql(
            "select count(*) from read_parquet([" + ",".join(f"'{f}'" for f in files) + "])"
        ).fetchall()[0][0] if files else 0
        assert count == entry["rows_stored"], entry["path"]
        total += count
    return total


def _committed(store_dir: Path) -> int:
    """Sources the manifest names as ingested (0 before the first commit); the manifest is replaced
    atomically, so a reader never sees half of it."""
    try:
        manifest = json.loads((store_dir / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return 0
    return sum(1 for s in manifest["sources"] if s.get("status") == "ingested")


def _kill_after_commits(store_dir: Path, inputs: list[str], commits: int) -> int:
    """Start an ingest in a child process, watch the manifest, and SIGKILL the child as soon as it has
    committed ``commits`` more sources: other files are then being read and written side by side. Returns
    how many sources were committed when the kill landed."""
    before = _committed(store_dir)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", CRASH_SCRIPT, str(store_dir), *inputs], env=env)
    try:
        while _committed(store_dir) < before + commits and proc.poll() is None:
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the ingest ended before it was killed"
    return _committed(store_dir)


@pytest.mark.slow
def test_kill_9_inside_an_ingest_never_half_writes(tmp_path: Path, store_dir: Path) -> None:
    """Kill a real ingest process in the middle of its work, four times; each time the store is whole: every
    source it names is complete (and the views count exactly those rows), and a later ingest completes it."""
    inputs = []
    for i in range(FILES):
        rows = [flock_row(reason=f"file {i} row {j}", networks=j, search_id=f"id-{i}-{j}") for j in range(ROWS)]
        inputs.append(str(write_flock_csv(tmp_path / "in", NAME.replace("Conway", f"Town{i}"), rows)))
    seen_totals = []
    for commits in (1, 2, 1, 3):
        committed = _kill_after_commits(store_dir, inputs, commits)
        assert committed < FILES  # killed inside the ingest, with files left to read
        total = _check_consistent(store_dir)
        assert total == committed * ROWS  # whole sources only
        seen_totals.append(total)
    assert _store_rows(store_dir) == seen_totals[-1]  # what the killed writers left behind is not in the views
    assert len(set(seen_totals)) == 4 and seen_totals == sorted(seen_totals), seen_totals
    assert 0 < seen_totals[0] and seen_totals[-1] < FILES * ROWS
    # after the crashes, a normal run completes the store
    report = ingest(inputs, store_dir)
    assert sum(f.status == "ingested" for f in report.files) == FILES - seen_totals[-1] // ROWS
    assert _check_consistent(store_dir) == FILES * ROWS
    assert _store_rows(store_dir) == FILES * ROWS
    assert not (store_dir / "tmp").exists()


@pytest.mark.slow
def test_manifest_text_is_the_same_json_with_a_line_per_source(tmp_path: Path, store_dir: Path) -> None:
    from lprlogs.store import manifest_text

    manifest = {"version": 1, "sources": [{"path": "a \u00e9\n\"q\".csv", "notes": ["x"], "extra": {"k": [1, None]}},
                                          {"path": "b.csv"}], "batches": [], "generation": 7}
    text = manifest_text(manifest)
    assert json.loads(text) == manifest
    assert [line for line in text.splitlines() if line.startswith('  {"path"')] == [
        '  {"path": "a \u00e9\\n\\"q\\".csv", "notes": ["x"], "extra": {"k": [1, null]}},', '  {"path": "b.csv"}']
    # and a real store's manifest reads back the same
    write_flock_csv(tmp_path / "in", NAME, [flock_row(reason="r")])
    ingest([str(tmp_path / "in")], store_dir)
    on_disk = (store_dir / "manifest.json").read_text(encoding="utf-8")
    assert on_disk == manifest_text(json.loads(on_disk))


def test_a_batch_with_a_reference_list_records_its_counts(tmp_path: Path, store_dir: Path) -> None:
    """A reference list read inside an ingest takes the store's lock again, which reads the manifest again:
    the batch must still be recorded as finished, with its counts (it was left unfinished, all zeros)."""
    release = tmp_path / "release"
    write_flock_csv(release, "1_1_2025-1_31_2025-Houston TX PD-Network-Audit.csv", [flock_row(), flock_row()])
    reference = ROOT / "samples" / "reference" / "ice-287g-participating-sample.xlsx"
    (release / reference.name).write_bytes(reference.read_bytes())
    report = ingest([str(release)], store_dir)
    assert report.count("ingested") == 2 and report.rows_stored == 2
    batch = Store.open(store_dir).batches[0]
    assert batch["finished_at"] and (batch["files_ingested"], batch["rows_stored"]) == (2, 2)


def test_a_source_read_again_replaces_its_entry_read_from_another_manifest_copy(tmp_path: Path,
                                                                                store_dir: Path) -> None:
    """--force replaces a source's entry even when the manifest was read again after the entry was looked
    up (the old entry kept beside the new one would count its rows twice until its files were removed)."""
    path = write_flock_csv(tmp_path, "1_1_2025-1_31_2025-Houston TX PD-Network-Audit.csv", [flock_row()])
    ingest([str(path)], store_dir)
    store = Store.open(store_dir)
    old = json.loads(json.dumps(store.sources[0]))  # an equal entry that is not the manifest's own dict
    new = {**old, "seq": old["seq"] + 1, "files": {}}
    store.record(new, replaces=old)
    assert [s["seq"] for s in Store.open(store_dir).sources] == [new["seq"]]


def test_the_lock_taken_again_keeps_the_manifest_unless_another_object_committed(tmp_path: Path,
                                                                                  store_dir: Path) -> None:
    """A writer that takes its own lock again (a reference list read inside an ingest) keeps its manifest, so
    the entries it holds stay the manifest's own; a commit by another Store object of the store is read."""
    ingest([str(write_flock_csv(tmp_path, "1_1_2025-1_31_2025-Houston TX PD-Network-Audit.csv", [flock_row()]))],
           store_dir)
    store = Store.open(store_dir)
    with store.lock():
        batch = store.batches[0]
        with store.lock():
            assert store.batches[0] is batch
        other = Store.open(store_dir)
        other.manifest["batches"].append({**batch, "id": 2})
        other.save_manifest()
        with store.lock():
            assert [b["id"] for b in store.batches] == [1, 2]
