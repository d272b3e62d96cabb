"""The report tables a writer stores in derived/ (lprlogs/engine/report_tables.py): read back, they give what
computing them gives, and a reader uses them only when they were computed from what it would compute from."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import SEARCHERS, network_audit

from lprlogs.cli import cli
from lprlogs.engine import Engine, report_tables
from lprlogs.store import Store

# slow: every test reads the report tables of the ingested samples (the module's store takes 4-5 s) or
# builds a store of its own (1-2 s)
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PRINTED_TABLES = ("report_rows", "report_printed_searches")


@pytest.fixture(autouse=True)
def _store_small_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writers store the tables of stores of any size here (STORED_FROM_ROWS keeps small stores out)."""
    monkeypatch.setattr(report_tables, "STORED_FROM_ROWS", 0)


def _ingest(paths: list[Path], target: Path) -> None:
    result = CliRunner().invoke(cli, ["ingest", *map(str, paths), "--store", str(target), "-q"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """samples/ ingested: ingest stores the report tables."""
    target = tmp_path_factory.mktemp("report-tables") / "store"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report_tables, "STORED_FROM_ROWS", 0)
        _ingest([ROOT / "samples"], target)
    yield target


def _tables(engine: Engine, **prepare_args: object) -> dict[str, list[tuple]]:
    """Every row of the report objects ``prepare`` defines, as text, in order."""
    report_tables.prepare(engine, None, **prepare_args)  # type: ignore[arg-type]
    try:
        out = {}
        for name in [*report_tables.STORED_TABLES, "report_printed_searches"]:
            columns = engine.con.table(name).columns
            out[name] = engine.con.execute(
                f"SELECT {', '.join(f'CAST({c} AS VARCHAR)' for c in columns)} FROM {name} ORDER BY ALL").fetchall()
        return out
    finally:
        report_tables.drop_report_objects(engine.con)


def _kinds(engine: Engine) -> dict[str, str]:
    """How each report object is defined after ``prepare``: VIEW or TABLE, and whether it reads derived/."""
    report_tables.prepare(engine, None)
    try:
        rows = engine.con.execute(
            "SELECT view_name, 'VIEW ' || (sql LIKE '%derived/report_%') FROM duckdb_views() "
            "WHERE starts_with(view_name, 'report_') UNION ALL "
            "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE starts_with(table_name, 'report_')").fetchall()
        return dict(rows)
    finally:
        report_tables.drop_report_objects(engine.con)


@pytest.fixture
def engine(store: Path) -> Iterator[Engine]:
    opened = Engine(Store.open(store))
    yield opened
    opened.close()


def test_ingest_stores_the_tables_and_the_report_reads_them(engine: Engine) -> None:
    stamp = json.loads((engine.store.layout.stamp).read_text())
    assert set(stamp["report"]["files"]) == set(report_tables.STORED_TABLES)
    assert report_tables.stored_entry(engine) is not None
    kinds = _kinds(engine)
    assert kinds["report_rows"] == "VIEW true"
    assert kinds["report_flags"] == kinds["report_facts"] == "TABLE"  # small: read into memory


def test_stored_tables_equal_computed_ones(engine: Engine) -> None:
    loaded = _tables(engine)
    computed = _tables(engine, load=False)
    assert loaded == computed
    assert len(loaded["report_flags"]) > 1000 and len(loaded["report_rows"]) > 1000


def test_large_tables_are_read_from_their_files(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above their share of the memory limit report_flags and report_facts stay views of their files: same
    answers."""
    monkeypatch.setattr(report_tables, "IN_MEMORY_SHARE", 0.0)
    kinds = _kinds(engine)
    assert kinds["report_flags"] == kinds["report_facts"] == "VIEW true"
    assert _tables(engine) == _tables(engine, load=False)


@pytest.mark.parametrize("param", ["retention_days=90", "drop_terms=ice", "law_confidence=low"])
def test_a_flag_parameter_computes_the_tables(store: Path, param: str) -> None:
    name, value = param.split("=")
    engine = Engine(Store.open(store), {name: value})
    try:
        assert report_tables.stored_entry(engine) is None
        assert "TABLE" == _kinds(engine)["report_flags"] and _kinds(engine)["report_facts"] == "TABLE"
    finally:
        engine.close()


def test_row_caps_recompute_only_the_printed_rows(store: Path) -> None:
    """-p html_rows_per_flag etc. do not change the flags: their tables are read, the printed rows computed."""
    engine = Engine(Store.open(store), {"csv_rows_per_flag": "7"})
    try:
        kinds = _kinds(engine)
        assert kinds["report_rows"] == "TABLE" and report_tables.stored_entry(engine) is not None
        assert _tables(engine) == _tables(engine, load=False)
    finally:
        engine.close()


def test_since_and_redaction_compute_the_tables(store: Path, engine: Engine) -> None:
    report_tables.prepare(engine, 0)
    try:
        assert "report_facts" in {r[0] for r in engine.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        report_tables.drop_report_objects(engine.con)
    redacted = Engine(Store.open(store), redact=True)
    try:
        assert report_tables.stored_entry(redacted) is None
    finally:
        redacted.close()


def test_a_changed_term_table_computes_the_tables(engine: Engine, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The key covers every file under queries/: a term added to a copy of them makes the stored tables stale."""
    copy = tmp_path / "queries"
    shutil.copytree(report_tables.queries_dir(), copy)
    assert report_tables.stored_entry(engine) is not None
    with (copy / "flags" / "vague_reason_terms.csv").open("a", encoding="utf-8") as terms:
        terms.write("zzz,a term added for a test\n")
    monkeypatch.setattr(report_tables, "queries_dir", lambda: copy)
    assert report_tables.stored_entry(engine) is None


def test_a_damaged_stored_table_is_not_read(store: Path, tmp_path: Path) -> None:
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    stamp = json.loads((copy / "derived" / "stamp.json").read_text())
    flags_file = copy / stamp["report"]["files"]["report_flags"]
    flags_file.write_bytes(flags_file.read_bytes()[:100])  # truncated: the stamp's size no longer matches
    damaged, whole = Engine(Store.open(copy)), Engine(Store.open(store))
    try:
        assert report_tables.stored_entry(damaged) is None
        assert _tables(damaged) == _tables(whole)
    finally:
        damaged.close()
        whole.close()


def test_a_new_batch_stores_new_tables(tmp_path: Path) -> None:
    """Each ingest stores the tables again for the new rows (rid numbers rows by their files' order)."""
    target = tmp_path / "store"
    batches = [("Mountain View Police Department", SEARCHERS),
               ("Los Altos Police Department", [("Houston TX PD", 3), ("[Federal] US Border Patrol", 2)])]
    for number, (producer, searchers) in enumerate(batches):
        folder = tmp_path / f"batch{number}"
        folder.mkdir()
        network_audit(folder, producer=producer, searchers=searchers)
        _ingest([folder], target)
        engine = Engine(Store.open(target))
        try:
            assert report_tables.stored_entry(engine) is not None
            loaded = _tables(engine)
            assert loaded == _tables(engine, load=False) and loaded["report_flags"]
        finally:
            engine.close()


def test_flags_counts_are_the_same_either_way(store: Path, tmp_path: Path) -> None:
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    for path in (copy / "derived").glob("report_*"):
        path.unlink()
    runner = CliRunner()
    stored = runner.invoke(cli, ["flags", "--store", str(store), "--csv"])
    computed = runner.invoke(cli, ["flags", "--store", str(copy), "--csv"])
    assert stored.exit_code == computed.exit_code == 0
    assert stored.output == computed.output and stored.output.count("\n") > 15


def test_an_ingest_that_stores_nothing_keeps_derived_data_current(tmp_path: Path) -> None:
    """A run that finds only files already stored forgets its batch; the derived data still describes the
    store, so readers keep reading it (before, its stamp went stale and every reader computed it again)."""
    target, folder = tmp_path / "store", tmp_path / "release"
    folder.mkdir()
    network_audit(folder)
    for _ in range(2):
        _ingest([folder], target)
    engine = Engine(Store.open(target))
    try:
        assert engine.store.manifest["batches"] and len(engine.store.manifest["batches"]) == 1
        assert "duplicates" in engine.derived.tables and report_tables.stored_entry(engine) is not None
    finally:
        engine.close()


def test_a_big_store_with_stale_tables_says_how_to_keep_them(engine: Engine, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Stale tables (here: another version of the term tables) are computed, with a note naming
    `lprlogs rebuild`; a flag parameter given on purpose computes them without one."""
    copy = tmp_path / "queries"
    shutil.copytree(report_tables.queries_dir(), copy)
    (copy / "flags" / "vague_reason_terms.csv").write_text(
        (copy / "flags" / "vague_reason_terms.csv").read_text(encoding="utf-8") + "zzz,added\n", encoding="utf-8")
    monkeypatch.setattr(report_tables, "queries_dir", lambda: copy)
    monkeypatch.setattr(report_tables, "STALE_NOTE_ROWS", 0)
    _kinds(engine)
    assert "`lprlogs rebuild` keeps them" in capsys.readouterr().err
    engine.params["retention_days"] = "90"
    try:
        _kinds(engine)
    finally:
        engine.params["retention_days"] = "30"
    assert "rebuild" not in capsys.readouterr().err


def test_small_stores_store_no_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Below STORED_FROM_ROWS a writer stores nothing and readers compute the tables, without a note: the
    tables are not missing there, they are not kept."""
    monkeypatch.setattr(report_tables, "STORED_FROM_ROWS", 14)
    monkeypatch.setattr(report_tables, "STALE_NOTE_ROWS", 0)
    folder, target = tmp_path / "release", tmp_path / "store"
    folder.mkdir()
    network_audit(folder)  # 13 rows
    _ingest([folder], target)
    assert not list((target / "derived").glob("report_*"))
    engine = Engine(Store.open(target))
    try:
        capsys.readouterr()
        assert report_tables.stored_entry(engine) is None and _tables(engine)["report_flags"]
        assert "rebuild" not in capsys.readouterr().err
    finally:
        engine.close()


def test_stored_tables_equal_computed_ones_on_the_real_files(realdata: Path, tmp_path: Path) -> None:
    target = tmp_path / "store"
    _ingest([realdata], target)
    engine = Engine(Store.open(target))
    try:
        assert report_tables.stored_entry(engine) is not None
        loaded = _tables(engine)
        assert loaded == _tables(engine, load=False) and len(loaded["report_facts"]) > 40_000
    finally:
        engine.close()


def test_loading_a_287g_list_stores_the_tables_again(store: Path, tmp_path: Path) -> None:
    """`agencies load-287g` changes what 287g_searcher flags: it stores the tables again, and they hold the
    new matches. (Ingest loaded the samples' list; here the store starts without it.)"""
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    shutil.rmtree(copy / "reference" / "287g")
    runner = CliRunner()
    assert runner.invoke(cli, ["rebuild", "--store", str(copy)]).exit_code == 0

    def stored_287g_rows() -> int:
        engine = Engine(Store.open(copy))
        try:
            assert report_tables.stored_entry(engine) is not None
            loaded = _tables(engine)
            assert loaded == _tables(engine, load=False)
            return sum(row[0] == "287g_searcher" for row in loaded["report_flags"])
        finally:
            engine.close()

    assert stored_287g_rows() == 0
    listed = ROOT / "samples" / "reference" / "ice-287g-participating-sample.xlsx"
    result = runner.invoke(cli, ["agencies", "load-287g", str(listed), "--store", str(copy)])
    assert result.exit_code == 0, result.output
    assert stored_287g_rows() > 100


def test_a_stamp_of_the_wrong_shape_is_computed_again(store: Path, tmp_path: Path) -> None:
    """A stamp edited or damaged by hand (every part of the wrong shape, the report entry's key intact) is no
    error: readers compute what it named and answer the same, and a rebuild writes a good one."""
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    stamp_file = copy / "derived" / "stamp.json"
    stamp = json.loads(stamp_file.read_text())
    stamp.update(packs=[1], tables={"duplicates": 5, "agencies": ["x"]}, redacted=[], retired=[1], sizes=[["a"]],
                 report={**stamp["report"], "files": {"report_flags": 5}, "report_flags_rows": "many"})
    stamp_file.write_text(json.dumps(stamp))
    runner = CliRunner()
    damaged = runner.invoke(cli, ["flags", "--store", str(copy), "--csv"])
    intact = runner.invoke(cli, ["flags", "--store", str(store), "--csv"])
    assert damaged.exit_code == intact.exit_code == 0, damaged.output
    assert damaged.stdout == intact.stdout
    assert runner.invoke(cli, ["rebuild", "--store", str(copy)]).exit_code == 0
    engine = Engine(Store.open(copy))
    try:
        assert report_tables.stored_entry(engine) is not None
    finally:
        engine.close()
