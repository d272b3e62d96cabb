"""Packs (lprlogs/store/packs.py): many small stored files are read from a few bigger copies. The views, and a
report, must give exactly what reading the files themselves gives, and a pack must never be read once
one of its members has left the store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import flock_row, write_flock_csv

from lprlogs.cli import cli
from lprlogs.engine import Engine
from lprlogs.engine.derived import DerivedState
from lprlogs.ingest import ingest
from lprlogs.store import Store, packs

FILES = 20


def _release(folder: Path, files: int = FILES, tag: str = "") -> Path:
    for i in range(files):
        rows = [flock_row(reason=f"{tag}case {i}-{j}" if j % 7 else "ICE detainer", networks=j * 13,
                          org="Houston TX PD" if j % 3 else "[Federal] US Border Patrol",
                          search_time=f"11/{1 + j % 28:02d}/2025, 09:53:36 AM UTC") for j in range(30)]
        write_flock_csv(folder, f"11_1_2025-11_30_2025-Town {i} TX PD-Network-Audit.csv", rows)
    return folder


def _views(store_dir: Path) -> dict[str, list[tuple]]:
    engine = Engine(Store.open(store_dir))
    return {view: engine.query(f"SELECT * FROM {view} ORDER BY ALL")[1]
            for view in ("searches", "flags", "sources")}


def _reading(store: Store) -> list[Path]:
    return packs.reading_files(store, DerivedState.load(store).packs)


def _drop_packs(store_dir: Path) -> None:
    shutil.rmtree(store_dir / "derived" / "packs")


@pytest.mark.slow
def test_views_read_from_packs_give_what_the_files_give(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    ingest([str(_release(tmp_path / "in"))], store_dir)
    store = Store.open(store_dir)
    reading = _reading(store)
    assert len(store.files("searches")) == FILES and len(reading) == 1 and "derived/packs" in str(reading[0])
    with_packs = _views(store_dir)
    _drop_packs(store_dir)  # the stamp is current: nothing rebuilds them, the views read the files
    assert len(_reading(Store.open(store_dir))) == FILES
    assert _views(store_dir) == with_packs
    assert len(with_packs["searches"]) == FILES * 30


@pytest.mark.slow
def test_a_report_from_packs_is_the_report_from_the_files(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    ingest([str(_release(tmp_path / "in"))], store_dir)

    def report(out: Path) -> dict[str, bytes]:
        result = CliRunner().invoke(cli, ["report", "--store", str(store_dir), "-o", str(out)],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
                 if p.is_file() and p.suffix in (".csv", ".md")}
        return {name: text for name, text in files.items() if name != "brief.md"} | {
            "brief.md": b"\n".join(line for line in files["brief.md"].splitlines() if b"Generated" not in line)}

    with_packs = report(tmp_path / "a")
    _drop_packs(store_dir)
    assert report(tmp_path / "b") == with_packs
    assert b"ICE detainer" in with_packs["csv/immigration.csv"]


@pytest.mark.slow
def test_a_pack_is_not_read_once_a_member_has_left_the_store(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    release = _release(tmp_path / "in")
    ingest([str(release)], store_dir)
    stale = DerivedState.load(Store.open(store_dir)).packs
    assert len(stale) == 1
    # one export read again (--force): its old file leaves the store, a new one comes in
    ingest([str(next(release.iterdir()))], store_dir, force=True)
    store = Store.open(store_dir)
    # the old pack (still on disk for readers that read the old stamp) is not read with the new manifest
    assert all(p.exists() for p in stale)
    assert sorted(map(str, packs.reading_files(store, stale))) == sorted(map(str, store.files("searches")))
    assert Engine(store).query("SELECT count(*) FROM searches")[1][0][0] == FILES * 30


@pytest.mark.slow
def test_a_new_batch_gets_its_own_pack_and_the_first_is_kept(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    ingest([str(_release(tmp_path / "a"))], store_dir)
    first = {p.name for p in (store_dir / "derived" / "packs").glob("pack-*.parquet")}
    ingest([str(_release(tmp_path / "b", tag="later "))], store_dir)
    after = {p.name for p in (store_dir / "derived" / "packs").glob("pack-*.parquet")}
    assert first < after and len(after) == 2
    store = Store.open(store_dir)
    assert len(_reading(store)) == 2
    assert Engine(store).query("SELECT count(*), count(DISTINCT source_file) FROM searches")[1][0] == (
        2 * FILES * 30, 2 * FILES)


def test_few_small_files_are_not_packed(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    ingest([str(_release(tmp_path / "in", files=packs.PACK_MIN_FILES - 1))], store_dir)
    assert not (store_dir / "derived" / "packs").exists()
    store = Store.open(store_dir)
    assert _reading(store) == store.files("searches")


@pytest.mark.slow
def test_a_store_fed_one_small_export_at_a_time_is_packed(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    release = _release(tmp_path / "in")
    for path in sorted(release.iterdir()):
        ingest([str(path)], store_dir)
    store = Store.open(store_dir)
    assert len(store.files("searches")) == FILES and len(_reading(store)) == 1
    assert Engine(store).query("SELECT count(*) FROM searches")[1][0][0] == FILES * 30
