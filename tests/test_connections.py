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
    con.close()


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
