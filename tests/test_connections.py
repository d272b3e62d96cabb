"""Every DuckDB connection lprlogs opens spills to a private temporary folder, never to `.tmp` in the
folder the reporter runs it from (DuckDB's default)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from helpers import flock_row, write_flock_csv

from lprlogs.engine import Engine, connect
from lprlogs.ingest import ingest
from lprlogs.store import Store


def _spill_folder(con) -> str:  # noqa: ANN001
    return con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]


def test_connection_spills_to_a_private_folder() -> None:
    con = connect(threads=1)
    folder = _spill_folder(con)
    assert Path(folder).is_dir() and Path(folder).parent == Path(tempfile.gettempdir())
    assert con.execute("SELECT current_setting('TimeZone')").fetchall()[0][0] == "UTC"
    # DuckDB's own progress bar would print on stdout, into `lprlogs query --csv > file` and under -q
    assert con.execute("SELECT current_setting('enable_progress_bar_print')").fetchall()[0][0] is False
    con.close()


@pytest.mark.slow
def test_engine_keeps_its_spill_folder_after_rebuilding_derived_tables(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    release = tmp_path / "release"
    write_flock_csv(release, "1_1_2025-1_31_2025-Houston TX PD-Network-Audit.csv", [flock_row(), flock_row()])
    ingest([str(release)], tmp_path / "store")
    engine = Engine(Store.open(tmp_path / "store"))
    try:
        before = _spill_folder(engine.con)
        assert engine.ensure_derived(force=True)
        assert _spill_folder(engine.con) == before != ".tmp"
    finally:
        engine.close()
    assert not (tmp_path / ".tmp").exists() and ".tmp" not in os.listdir(release)


def test_spill_folder_of_a_killed_run_is_removed_by_the_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """kill -9 (or the kernel's out-of-memory killer, likeliest while DuckDB spills) leaves the folder behind,
    possibly with gigabytes in it: the next lprlogs connection removes it; folders of live processes stay."""
    import signal
    import subprocess
    import sys

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from lprlogs.engine import connect; con = connect(threads=1); "
         "print(con.execute(\"SELECT current_setting('temp_directory')\").fetchall()[0][0], flush=True); "
         "time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert child.stdout is not None
    killed_folder = Path(child.stdout.readline().strip())
    (killed_folder / "duckdb_temp_block-1.block").write_bytes(b"x" * 1024)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert killed_folder.is_dir() and killed_folder.parent == tmp_path
    live = tmp_path / f"lprlogs-spill-{os.getppid()}-live"
    other = tmp_path / "lprlogs-spill-notours"
    live.mkdir()
    other.mkdir()
    con = connect(threads=1)
    try:
        mine = Path(_spill_folder(con))
        assert not killed_folder.exists()
        assert live.is_dir() and other.is_dir() and mine.is_dir() and mine.name.startswith(f"lprlogs-spill-{os.getpid()}-")
    finally:
        con.close()


@pytest.mark.slow
def test_derived_tables_are_rebuilt_after_the_connection_spilled(tmp_path: Path) -> None:
    """The duplicate search used to switch to a second spill folder and back: once DuckDB had spilled
    ("Cannot switch temporary directory after the current one has been used"), an ingest of a release
    with many duplicate rows ended with an internal error. It now spills into the connection's own folder."""
    release = tmp_path / "release"
    write_flock_csv(release, "1_1_2025-1_31_2025-Houston TX PD-Network-Audit.csv", [flock_row(), flock_row()])
    ingest([str(release)], tmp_path / "store")
    engine = Engine(Store.open(tmp_path / "store"))
    try:
        engine.con.execute("SET memory_limit = '40MB'")
        engine.con.execute("SELECT count(*) FROM (SELECT i FROM range(8000000) AS t(i) ORDER BY hash(i))").fetchall()
        engine.con.execute("RESET memory_limit")
        assert engine.ensure_derived(force=True)
        assert engine.query("SELECT count(*), count(duplicate_of) FROM searches")[1] == [(2, 1)]
    finally:
        engine.close()
