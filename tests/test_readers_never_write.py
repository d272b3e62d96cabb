"""Readers never write (issue 16, item 1): opening an engine, `query`, `sources`, `flags`, `report` leave the
store's files as they were, whatever state derived/ is in, and still answer exactly what a store with
current derived tables answers; writers (ingest, `lprlogs rebuild`) build derived/ under the lock."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from helpers import copy_store, flock_row, write_flock_csv

from lprlogs.cli import cli
from lprlogs.engine import Engine
from lprlogs.engine.derived import DerivedState
from lprlogs.ingest import ingest
from lprlogs.store import Store

ROOT = Path(__file__).resolve().parent.parent
NAME = "11_1_2025-11_30_2025-Conway AR PD-Network-Audit.csv"
QUERIES = (
    "SELECT * EXCLUDE (batch_id) FROM searches ORDER BY ALL",
    "SELECT * FROM flags ORDER BY ALL",
    "SELECT path, rows_stored, rows_duplicate FROM sources ORDER BY ALL",
    "SELECT * FROM agencies ORDER BY ALL",
    "SELECT search_uid, rows FROM searches_first_seen ORDER BY ALL",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One export released twice under two names (its rows are duplicates), and another agency's, ingested
    once; tests that change a store change a copy (``store_with_duplicates``)."""
    base = tmp_path_factory.mktemp("duplicates")
    rows = [flock_row(reason=f"case {i}" if i % 4 else "ICE detainer", networks=i,
                      org="Houston TX PD" if i % 3 else "[Federal] US Border Patrol") for i in range(12)]
    write_flock_csv(base / "in" / "first", NAME, rows)
    write_flock_csv(base / "in" / "second", NAME, [*rows, flock_row(reason="one more")])
    write_flock_csv(base / "in", "11_1_2025-11_30_2025-Lowell AR PD-Network-Audit.csv",
                    [flock_row(reason="stolen car", org="Lowell AR PD")])
    ingest([str(base / "in")], base / "store")
    return base / "store"


@pytest.fixture
def store_with_duplicates(built: Path, tmp_path: Path) -> Path:
    return copy_store(built, tmp_path / "store")


def _answers(store_dir: Path) -> dict[str, list[tuple]]:
    engine = Engine(Store.open(store_dir))
    try:
        return {sql: engine.query(sql)[1] for sql in QUERIES}
    finally:
        engine.close()


@pytest.fixture(scope="module")
def intact_answers(built: Path) -> dict[str, list[tuple]]:
    """What the store answers with its derived tables current (the built store, never changed)."""
    return _answers(built)


def _tree(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every file and folder under ``folder``: size, modification time and mode."""
    found = {}
    for path in [folder, *folder.rglob("*")]:
        st = path.lstat()
        found[path.relative_to(folder).as_posix()] = (st.st_size if path.is_file() else 0, st.st_mtime_ns,
                                                       stat.S_IMODE(st.st_mode))
    return found


def _lprlogs(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_store_has_duplicates_and_one_stamp(built: Path) -> None:
    store_with_duplicates = built  # read only
    engine = Engine(Store.open(store_with_duplicates))
    assert engine.query("SELECT count(*), count(duplicate_of) FROM searches")[1] == [(26, 12)]
    engine.close()
    stamp = json.loads((store_with_duplicates / "derived" / "stamp.json").read_text())
    for name, size in stamp["sizes"].items():
        assert (store_with_duplicates / name).stat().st_size == size
    assert set(stamp["tables"]) == {"duplicates", "agencies", "agreements"}
    assert not list((store_with_duplicates / "derived").glob("*.stamp.json"))  # one stamp only


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["no derived", "duplicates deleted", "stamp of an older manifest",
                                    "agencies truncated"])
def test_a_reader_of_a_stale_store_answers_the_same_and_writes_nothing(store_with_duplicates: Path,
                                                                       intact_answers: dict[str, list[tuple]],
                                                                       tmp_path: Path, damage: str) -> None:
    expected = intact_answers
    derived = store_with_duplicates / "derived"
    stamp = json.loads((derived / "stamp.json").read_text())
    if damage == "no derived":
        shutil.rmtree(derived)
    elif damage == "duplicates deleted":  # the stamp still current: the deletion is seen, marks computed
        (store_with_duplicates / stamp["tables"]["duplicates"]).unlink()
    elif damage == "stamp of an older manifest":
        (derived / "stamp.json").write_text(json.dumps({**stamp, "generation": stamp["generation"] - 1}))
    else:
        with open(store_with_duplicates / stamp["tables"]["agencies"], "r+b") as fh:
            fh.truncate(100)
    before = _tree(store_with_duplicates)
    assert _answers(store_with_duplicates) == expected
    for args in (["query", "SELECT count(duplicate_of) FROM searches"], ["sources"], ["flags"],
                 ["report", "-o", str(tmp_path / "report")], ["query", "SELECT 1", "--redact"]):
        result = _lprlogs(*args, "--store", str(store_with_duplicates))
        if args[-1] == "--redact":  # --redact needs the store's key: the one file a reader may create
            (store_with_duplicates / "secret.key").unlink()
            before["."] = _tree(store_with_duplicates)["."]
        assert result.exit_code == 0, result.output
    assert _tree(store_with_duplicates) == before


@pytest.mark.slow
def test_query_on_a_read_only_copy_without_derived_gives_the_same_answers(store_with_duplicates: Path,
                                                                          tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(store_with_duplicates, copy)
    shutil.rmtree(copy / "derived")
    for path in [copy, *copy.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        before = _tree(copy)
        for sql in QUERIES:
            original = _lprlogs("query", sql, "--format", "csv", "--store", str(store_with_duplicates))
            read_only = _lprlogs("query", sql, "--format", "csv", "--store", str(copy))
            assert read_only.exit_code == 0, read_only.output
            assert read_only.stdout == original.stdout and original.stdout.count("\n") > 1
        assert _tree(copy) == before
        assert not (copy / "derived").exists()
    finally:
        for path in [copy, *copy.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)


@pytest.mark.slow
def test_rebuild_builds_what_readers_computed(store_with_duplicates: Path,
                                              intact_answers: dict[str, list[tuple]], run_cli) -> None:
    expected = intact_answers
    shutil.rmtree(store_with_duplicates / "derived")
    result = run_cli("rebuild", "--store", str(store_with_duplicates))
    assert result.exit_code == 0 and "rebuilt" in result.output
    state = DerivedState.load(Store.open(store_with_duplicates))
    assert state.tables["duplicates"] is not None and state.tables["duplicates"].exists()
    assert _answers(store_with_duplicates) == expected
    again = run_cli("rebuild", "--store", str(store_with_duplicates))
    assert "already current" in again.output


def test_derived_files_of_the_build_before_stay_for_readers(store_with_duplicates: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader that read the old stamp may still read its files: a writer retires them, and removes them
    only after the grace period."""
    old = json.loads((store_with_duplicates / "derived" / "stamp.json").read_text())
    write_flock_csv(tmp_path / "more", "11_1_2025-11_30_2025-Bryant AR PD-Network-Audit.csv",
                    [flock_row(reason="burglary", org="Bryant AR PD")])
    ingest([str(tmp_path / "more")], store_with_duplicates)
    new = json.loads((store_with_duplicates / "derived" / "stamp.json").read_text())
    assert new["tables"]["duplicates"] != old["tables"]["duplicates"]
    assert all((store_with_duplicates / name).exists() for name in old["sizes"])
    monkeypatch.setattr("lprlogs.engine.derived.GRACE_SECONDS", 0)
    ingest([str(tmp_path / "more")], store_with_duplicates, force=True)
    assert not any((store_with_duplicates / name).exists() for name in old["sizes"])


@pytest.mark.slow
def test_three_readers_and_an_ingest_at_once(tmp_path: Path) -> None:
    """bench/readers_during_ingest.py for two rounds: no reader and no ingest fails."""
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "readers_during_ingest.py"), "--rounds", "2",
                             "--store", str(tmp_path / "store")], capture_output=True, text=True, timeout=600,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0 and " 0 failures" in result.stdout, result.stdout + result.stderr
