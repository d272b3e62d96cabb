"""`raw`, the text of every original cell, is stored compact for Flock rows (each cell's text once: a cell
its typed column gives back exactly is not stored twice) and rebuilt by the views (store.raw_json_sql).

- The rebuilt `raw` of every row of the samples and of the real releases is byte for byte what lprlogs
  stored before compact raw (tests/golden/raw_digests.json: one digest per file, written by the version
  before the change; the real releases are checked when ../shared/realdata is here).
- What is stored: null for a cell given back, the text for the others (spaces around it, a number not
  written as the integer's own text, a redaction marker, a time, a header lprlogs does not know).
- A store holding Flock files stored before compact raw beside files stored compact still marks the
  exact duplicates between them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from helpers import FLOCK_14, REALDATA, ROOT, flock_row, write_flock_csv

from lprlogs.engine import Engine
from lprlogs.formats import Match
from lprlogs.formats.staging import NUMBER_FIELDS, TEXT_FIELDS
from lprlogs.ingest import ingest
from lprlogs.sources import Source
from lprlogs.store import RAW_TEXT_OF, Store, raw_json_sql

GOLDEN = Path(__file__).resolve().parent / "golden" / "raw_digests.json"
DIGESTS = ("SELECT source_sha256, count(*), md5(string_agg(coalesce(raw, '<null>'), chr(30) ORDER BY search_key)) "
           "FROM searches GROUP BY 1 ORDER BY 1")


def _digests(store_dir: Path) -> dict[str, list[object]]:
    engine = Engine(Store.open(store_dir))
    try:
        return {sha: [rows, digest] for sha, rows, digest in engine.con.execute(DIGESTS).fetchall()}
    finally:
        engine.close()


@pytest.mark.slow
@pytest.mark.parametrize("release", ["samples", pytest.param("realdata", marks=pytest.mark.realdata)])
def test_rebuilt_raw_is_what_was_stored_before(release: str, tmp_path: Path) -> None:
    folder = ROOT / "samples" if release == "samples" else REALDATA
    if release == "realdata" and not folder.is_dir():
        pytest.skip(f"{folder} is not here (a user's fresh clone); CI always has it")
    ingest([str(folder)], tmp_path / "store")
    assert _digests(tmp_path / "store") == json.loads(GOLDEN.read_text())[release]


def test_each_cell_is_stored_once(tmp_path: Path) -> None:
    header = FLOCK_14 + ",Agency Note"
    rows = [flock_row() + ",kept",  # every text cell given back by its column
            flock_row(reason=" padded ", user="***") + ",",  # spaces around; a marker (its row passes the guard)
            flock_row(networks=7).replace(",7,340,", ',"1,234",340,') + ","]  # a number as "1,234"
    write_flock_csv(tmp_path / "in", "11_1_2025-11_30_2025-Houston TX PD-Network-Audit.csv", rows, header=header)
    ingest([str(tmp_path / "in")], tmp_path / "store")
    files = [str(p) for p in (tmp_path / "store").glob("searches/*.parquet")]
    stored = duckdb.sql(f"SELECT raw, raw_layout, {raw_json_sql()} AS rebuilt FROM read_parquet({files}) "
                        "ORDER BY source_row").fetchall()
    layout = json.loads(stored[0][1])
    assert [h for h, _ in layout] == [h.strip() for h in header.split(",")]
    assert dict(layout)["Reason"] == "reason" and dict(layout)["Total Networks Searched"] == "networks_searched"
    assert dict(layout)["Search Time"] is None and dict(layout)["Agency Note"] is None
    cells = [dict(zip([h for h, _ in layout], json.loads(raw), strict=True)) for raw, _, _ in stored]
    assert cells[0]["Reason"] is None and cells[0]["Name"] is None and cells[0]["Agency Note"] == "kept"
    assert cells[0]["Search Time"] == "11/14/2025, 09:53:36 AM UTC"
    assert cells[1]["Reason"] == " padded " and cells[1]["Name"] == "***"
    assert cells[2]["Total Networks Searched"] == "1,234" and cells[0]["Total Networks Searched"] is None
    rebuilt = [json.loads(r[2]) for r in stored]
    assert rebuilt[0]["Reason"] == "stolen vehicle" and rebuilt[0]["Total Networks Searched"] == "12"
    assert rebuilt[1]["Reason"] == " padded " and rebuilt[1]["Name"] == "***" and rebuilt[1]["Agency Note"] == cells[1]["Agency Note"]
    assert rebuilt[2]["Total Networks Searched"] == "1,234"
    assert list(rebuilt[0]) == [h for h, _ in layout]
    # the views' own expression for this layout (from the manifest) gives the same text as the generic one
    engine = Engine(Store.open(tmp_path / "store"))
    try:
        assert engine.raw_layouts() == [stored[0][1]]
        viewed = engine.con.execute("SELECT raw FROM searches ORDER BY source_row").fetchall()
    finally:
        engine.close()
    assert [r[0] for r in viewed] == [r[2] for r in stored]


def test_every_field_a_cell_can_be_left_out_for_can_be_rebuilt() -> None:
    assert set(TEXT_FIELDS + NUMBER_FIELDS) <= set(RAW_TEXT_OF)


@pytest.mark.slow
def test_duplicates_between_files_stored_before_and_after_compact_raw(tmp_path: Path) -> None:
    name = "11_1_2025-11_30_2025-Houston TX PD-Network-Audit.csv"
    write_flock_csv(tmp_path / "in", name, [flock_row(), flock_row(reason="ICE detainer")])
    ingest([str(tmp_path / "in")], tmp_path / "store")
    store = Store.open(tmp_path / "store")
    engine = Engine(store)
    try:
        columns, rows = engine.query("SELECT * EXCLUDE (search_key, source_file, source_sha256, duplicate_of, "
                                     "batch_id, search_uid) FROM searches ORDER BY source_row")
    finally:
        engine.close()
    # the same two rows stored the way lprlogs stored them before compact raw: the JSON object itself, no
    # raw_layout, and no raw_layouts in the manifest (a file ingested by that version)
    body = tmp_path / "older-copy.csv"
    body.write_bytes(b"an older ingest of the same export")
    sha = hashlib.sha256(body.read_bytes()).hexdigest()
    source = Source(path=body, display_path="older/" + name, sha256=sha, size=body.stat().st_size,
                    producer="Houston TX PD", log_kind="network_audit", producer_from="file name")
    table = pa.Table.from_pylist([dict(zip(columns, row, strict=True)) for row in rows])
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    with store.lock():
        batch = store.begin_batch(["older/" + name])
        writer = store.writer(con, source, Match(format="flock_csv", variant="flock-14"), batch["id"])
        writer.add_searches(table)
        writer.commit()
        store.finish_batch(batch)
    con.close()
    engine = Engine(Store.open(tmp_path / "store"))
    try:
        marked = engine.query("SELECT source_file, duplicate_of IS NOT NULL FROM searches ORDER BY source_file, source_row")[1]
    finally:
        engine.close()
    assert marked == [("in/" + name, False), ("in/" + name, False),
                      ("older/" + name, True), ("older/" + name, True)]
