"""`query` is read-only in the engine, not by statement name (issue 18, item 15): the connection that runs a
user's SQL cannot write a file, attach a database, install or load an extension, or change its settings,
and reads only the store (plus folders given with --allow-files)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from helpers import copy_store, first_fast, flock_row, write_flock_csv

from lprlogs.engine import Engine
from lprlogs.ingest import ingest
from lprlogs.store import Store


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store for the module: the tests check that they leave it as it was (a --redact run, which writes
    its key, gets a copy)."""
    base = tmp_path_factory.mktemp("readonly")
    write_flock_csv(base / "in", "11_1_2025-11_30_2025-Conway AR PD-Network-Audit.csv",
                    [flock_row(reason="ICE detainer"), flock_row(reason="stolen car", networks=3)])
    ingest([str(base / "in")], base / "store")
    return base / "store"


def _snapshot(store_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(store_dir).as_posix(): p.read_bytes() for p in sorted(store_dir.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("sql", first_fast(
    "EXPLAIN ANALYZE COPY (SELECT 'x') TO '{store}/manifest.json' (FORMAT csv)",
    "EXPLAIN ANALYZE INSTALL httpfs",
    "ATTACH '{store}/new.duckdb'",
    "/* hidden */ EXPLAIN ANALYZE COPY (SELECT 1) TO '{store}/x.csv'",
    "COPY (SELECT 'x') TO '{store}/manifest.json' (FORMAT csv)",
    "SELECT * FROM read_csv('/etc/passwd')",
))
def test_query_cannot_write_install_or_read_outside(run_cli, ingested: Path, sql: str) -> None:
    before = _snapshot(ingested)
    result = run_cli("query", sql.format(store=ingested), "--store", str(ingested))
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and "internal error" not in result.output
    assert _snapshot(ingested) == before


@pytest.mark.slow
def test_the_engine_itself_refuses_what_the_statement_check_would_let_through(ingested: Path) -> None:
    """With the statement check bypassed (the connection used directly), DuckDB still refuses."""
    engine = Engine(Store.open(ingested))
    engine.lock_down()
    manifest = ingested / "manifest.json"
    before = _snapshot(ingested)
    stored = Store.open(ingested).files("searches")[0]
    for sql in (f"COPY (SELECT 'x') TO '{manifest}' (FORMAT csv)",
                f"EXPLAIN ANALYZE COPY (SELECT 'x') TO '{manifest}' (FORMAT csv, USE_TMP_FILE false)",
                f"COPY (SELECT 1) TO '{ingested}/derived/new.parquet'", "INSTALL httpfs", "LOAD httpfs",
                f"ATTACH '{ingested}/new.duckdb'", "SET enable_external_access = true",
                "SET allowed_directories = ['/']", "SELECT * FROM read_text('/etc/hostname')",
                f"SELECT * FROM glob('{ingested}/*')", "CREATE SECRET (TYPE s3)"):
        with pytest.raises(duckdb.Error):
            engine.con.execute(sql).fetchall()
    assert _snapshot(ingested) == before
    # the views still read the store after the lock, and the flags their term tables
    assert engine.query("SELECT count(*) FROM searches")[1] == [(2,)]
    assert ("immigration",) in engine.query("SELECT DISTINCT flag FROM flags")[1]
    assert engine.query("SELECT count(*) > 0 FROM agencies")[1] == [(True,)]
    assert engine.query(f"SELECT count(*) FROM read_parquet('{stored}')")[1] == [(2,)]  # a file of a view
    engine.close()


@pytest.mark.slow
def test_allow_files_lets_a_query_read_a_folder(run_cli, ingested: Path, tmp_path: Path) -> None:
    folder = tmp_path / "lists"
    folder.mkdir()
    (folder / "towns.csv").write_text("town\nConway\nLowell\n", encoding="utf-8")
    sql = f"SELECT count(*) AS n FROM read_csv('{folder}/towns.csv')"
    refused = run_cli("query", sql, "--store", str(ingested))
    assert refused.exit_code == 1 and "--allow-files" in refused.output
    allowed = run_cli("query", sql, "--allow-files", str(folder), "--format", "csv", "--store", str(ingested))
    assert allowed.exit_code == 0 and allowed.output.splitlines() == ["n", "2"]
    other = run_cli("query", "SELECT * FROM read_csv('/etc/passwd')", "--allow-files", str(folder), "--store",
                    str(ingested))
    assert other.exit_code == 1


@pytest.mark.slow
def test_redacted_and_explained_queries_still_work(run_cli, ingested: Path, store_dir: Path) -> None:
    copy_store(ingested, store_dir)  # --redact writes the store's key
    redacted = run_cli("query", "SELECT license_plate FROM searches", "--redact", "--format", "csv")
    assert redacted.exit_code == 0 and "PLATE-" in redacted.output and "7ABC123" not in redacted.output
    explained = run_cli("query", "EXPLAIN ANALYZE SELECT count(*) FROM flags")
    assert explained.exit_code == 0
