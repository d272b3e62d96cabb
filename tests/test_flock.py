"""Flock audit exports: every variant and quirk, from tiny hand-made fixtures (tests/fixtures/flock,
written by make_fixtures.py there) and from workbooks written here with xlsxwriter."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from lprlogs.ingest import ingest
from lprlogs.store import raw_json_sql

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "flock"
UTC = dt.UTC


def _ingest(tmp_path: Path, *names: str, **options: object) -> tuple[duckdb.DuckDBPyConnection, object]:
    folder = tmp_path / "in"
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(FIXTURES / name, folder / name)
    report = ingest([str(folder / n) for n in names], tmp_path / "store", **options)  # type: ignore[arg-type]
    store = tmp_path / "store"
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    searches = list(store.glob("searches/*.parquet"))
    quarantine = list(store.glob("quarantine/*.parquet"))
    empty_s = "SELECT NULL::BIGINT AS source_row WHERE FALSE"
    # raw as the views show it: the files keep each cell's text once (store.raw_json_sql)
    con.execute("CREATE VIEW s AS " + (f"SELECT * REPLACE ({raw_json_sql()} AS raw) "
                                       f"FROM read_parquet({[str(p) for p in searches]})" if searches else empty_s))
    con.execute("CREATE VIEW q AS " + (f"SELECT * FROM read_parquet({[str(p) for p in quarantine]})"
                                       if quarantine else empty_s))
    return con, report


# name, stored, quarantined, variant, encoding, log kind
CASES = [
    ("11_1_2025-11_30_2025-Houston TX PD-Network-Audit.csv", 3, 0, "flock-14", "utf-8", "network_audit"),
    ("12_1_2025-12_31_2025-Conway AR PD-Audit.csv", 1, 0, "flock-13 post-cutover", "utf-8", "org_audit"),
    ("older-11.csv", 1, 0, "flock-11", "utf-8", None),
    ("federal-users.csv", 1, 0, "flock-10 federal", "utf-8", "federal_audit"),
    ("trimmed-title.csv", 1, 0, "flock-trimmed-9+title-rows", "utf-8", None),
    ("split-date-offense.csv", 1, 1, "flock-trimmed-6+split-date+offense-type", "utf-8", None),
    ("no-header.csv", 2, 0, "flock-14+no-header", "utf-8", None),
    ("repeat-stacked-shifted.csv", 4, 1, "flock-14", "utf-8", None),
    ("stacked-14-then-11.csv", 2, 0, "flock-14", "utf-8", None),
    ("utf16-be.csv", 1, 0, "flock-14", "utf-16-be (BOM)", None),
    ("utf16le-nobom.csv", 1, 0, "flock-14", "utf-16-le", None),
    ("cp1252.csv", 1, 0, "flock-14", "cp1252", None),
    ("utf16.csv", 1, 0, "flock-14", "utf-16-le (BOM)", None),
    ("utf8-bom.csv", 1, 0, "flock-14", "utf-8", None),
    ("broken-quote.csv", 1, 1, "flock-14", "utf-8", None),
]


@pytest.mark.parametrize(("name", "stored", "quarantined", "variant", "encoding", "kind"), CASES)
def test_fixture_counts_variant_encoding(tmp_path, name, stored, quarantined, variant, encoding, kind):
    con, report = _ingest(tmp_path, name)
    outcome = report.files[0]
    assert outcome.status == "ingested", outcome.reason
    assert (outcome.rows_stored, outcome.rows_quarantined) == (stored, quarantined)
    assert outcome.rows_read == stored + quarantined
    assert outcome.variant == variant
    assert outcome.log_kind == kind
    manifest = json.loads((tmp_path / "store" / "manifest.json").read_text())
    entry = manifest["sources"][0]
    assert entry["encoding"].startswith(encoding)
    assert not any("accounting mismatch" in n for n in entry["notes"])


def test_values_redactions_and_rows(tmp_path):
    con, _ = _ingest(tmp_path, "11_1_2025-11_30_2025-Houston TX PD-Network-Audit.csv")
    rows = con.execute("SELECT source_row, searcher_user, networks_searched, devices_searched, time_frame_start, "
                       "time_frame_end, reason, filters, search_time, redacted, raw, producer FROM s "
                       "ORDER BY source_row").fetchall()
    assert [r[0] for r in rows] == [2, 3, 4]
    first, second, third = rows
    assert first[2] == 1234 and first[3] is None  # '1,234' as text; '——' -> NULL
    assert first[4] == dt.datetime(2025, 11, 1, 5, 0, tzinfo=UTC)
    assert first[5] == dt.datetime(2025, 11, 14, 9, 53, 36, tzinfo=UTC)
    assert first[7] == "*BC12*" and first[9] == []  # a wildcard, not a mask
    assert first[11] == "Houston TX PD"
    assert second[1] is None and second[6] is None
    assert set(second[9]) == {"searcher_user", "reason", "case_number", "license_plate", "filters"}
    assert second[4] == dt.datetime(2025, 10, 15, 5, 0, tzinfo=UTC)  # 'A to B' time frame
    assert json.loads(second[10])["Reason"] == "7923.600 GC"  # raw keeps the text
    assert third[8] == dt.datetime(2025, 9, 9, 13, 2, 3, tzinfo=UTC)  # unpadded
    assert third[6] is None and third[9] == ["reason"]  # 'Gov. Code 7923.600'


def test_repeated_header_shift_repairs_and_quarantine(tmp_path):
    con, report = _ingest(tmp_path, "repeat-stacked-shifted.csv")
    rows = con.execute("SELECT source_row, search_id, reason, devices_searched, search_type FROM s ORDER BY 1").fetchall()
    assert [r[0] for r in rows] == [2, 4, 5, 6]
    assert rows[1][1].endswith("0002")  # shifted right, realigned
    assert rows[2][2] == "warrant, fugitive"  # split reason joined
    assert rows[3][2:] == ("r4", None, "lookup")  # 13 cells (no Devices): read by the 13-column order
    quarantined = con.execute("SELECT source_row, reason, raw FROM q ORDER BY 1").fetchall()
    assert [q[0] for q in quarantined] == [7]
    assert "15 cells" in quarantined[0][1] and quarantined[0][2].startswith("0b6f1c2e-1111-4a2b-9c3d-000000000004,")
    notes = " ".join(report.files[0].notes)
    assert "header repeated inside the data at row 3" in notes and "realigned" in notes
    assert "row laid out as flock-13" in notes


def test_stacked_exports_without_second_header(tmp_path):
    con, report = _ingest(tmp_path, "stacked-14-then-11.csv")
    rows = con.execute("SELECT source_row, search_id, searcher_user, devices_searched, search_time FROM s "
                       "ORDER BY 1").fetchall()
    assert rows[1] == (3, None, "Officer H", 44, dt.datetime(2025, 10, 2, 4, 5, 6, tzinfo=UTC))
    assert "row laid out as flock-11" in " ".join(report.files[0].notes)


def test_encodings_decode_text(tmp_path):
    con, _ = _ingest(tmp_path, "cp1252.csv", "utf16.csv", "utf8-bom.csv", "utf16-be.csv", "utf16le-nobom.csv")
    values = con.execute("SELECT DISTINCT searcher_user, reason, devices_searched FROM s").fetchall()
    assert values == [("Señor Oficial", "café ““test””", None)]


def test_wrong_encoding_given(tmp_path):
    # a UTF-16 file read as latin-1: not read as garbage, skipped with a reason naming the right encoding
    _, report = _ingest(tmp_path, "utf16.csv", encoding="latin-1")
    assert report.files[0].status == "skipped" and "utf-16-le" in report.files[0].reason
    # a cp1252 file read as utf-8: read, undecodable bytes replaced, and said so
    con, report = _ingest(tmp_path / "b", "cp1252.csv", encoding="utf-8")
    assert report.files[0].rows_stored == 1
    assert any("replaced with U+FFFD" in n for n in report.files[0].notes)
    assert con.execute("SELECT searcher_user FROM s").fetchall() == [("Se\ufffdor Oficial",)]


def test_split_date_and_no_header(tmp_path):
    con, _ = _ingest(tmp_path, "split-date-offense.csv", "no-header.csv")
    split = con.execute("SELECT searcher_user, offense_type, search_time FROM s WHERE offense_type IS NOT NULL").fetchall()
    assert split == [("Officer F", "Burglary", dt.datetime(2025, 11, 14, 9, 53, 36, tzinfo=UTC))]
    rows = con.execute("SELECT source_row FROM s WHERE variant LIKE '%no-header' ORDER BY 1").fetchall()
    assert rows == [(1,), (2,)]


def test_not_an_audit_is_skipped_with_headers(tmp_path):
    _, report = _ingest(tmp_path, "not-an-audit.csv")
    assert report.files[0].status == "skipped"
    assert "Date, Officer, Amount" in report.files[0].reason and "closest known variant" in report.files[0].reason


def test_workbook_sheets(tmp_path):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = tmp_path / "1_1_2026-1_31_2026-Lake Travis ISD TX PD-Network-Audit.xlsx"
    book = xlsxwriter.Workbook(str(path))
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    jan = book.add_worksheet("January")
    jan.write_row(0, 0, ["Flock audit, January"])
    jan.write_row(1, 0, ["ID", "Org Name", "Total Networks Searched", "Reason", "Search Time"])
    jan.write_row(2, 0, ["0b6f1c2e-1111-4a2b-9c3d-00000000000a", "Houston TX PD", 12, 5237])
    jan.write_datetime(2, 4, dt.datetime(2026, 1, 5, 8, 0, 0), when)
    jan.write_row(3, 0, ["0b6f1c2e-1111-4a2b-9c3d-00000000000b", "Houston TX PD", "1,200", "ICE", "bad"])
    book.add_worksheet("Empty")
    pivot = book.add_worksheet("Pivot")
    pivot.write_row(0, 0, ["Row Labels", "Count of ID"])
    pivot.write_row(1, 0, ["Houston TX PD", 2])
    bare = book.add_worksheet("NoHeader")
    bare.write_row(0, 0, ["0b6f1c2e-1111-4a2b-9c3d-00000000000c", "Agent", "[Federal] US Postal Inspection Service",
                          "2000", "", "mail", "", "", "1/6/2026, 3:04:05 PM UTC", "lookup"])
    book.close()
    report = ingest([str(path)], tmp_path / "store")
    outcome = report.files[0]
    assert outcome.status == "ingested", outcome.reason
    assert (outcome.rows_stored, outcome.rows_quarantined) == (2, 1)
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    rows = con.execute(f"SELECT source_sheet, source_row, reason, networks_searched, search_time, variant FROM "
                       f"read_parquet('{tmp_path}/store/searches/*.parquet') ORDER BY 1, 2").fetchall()
    assert rows[0] == ("January", 3, "5237", 12, dt.datetime(2026, 1, 5, 8, 0, tzinfo=UTC), "flock-trimmed-5+title-rows")
    assert rows[1][:2] == ("NoHeader", 1) and rows[1][5] == "flock-10 federal+no-header"
    quarantined = con.execute(f"SELECT source_sheet, source_row FROM read_parquet('{tmp_path}/store/quarantine/*.parquet')"
                              ).fetchall()
    assert quarantined == [("January", 4)]
    manifest = json.loads((tmp_path / "store" / "manifest.json").read_text())
    skipped = {p["part"]: p["reason"] for p in manifest["sources"][0]["parts_skipped"]}
    assert skipped["Empty"] == "empty sheet" and "Row Labels" in skipped["Pivot"]


@pytest.mark.slow
def test_idempotent_and_cli(tmp_path, run_cli):
    path = str(FIXTURES / "11_1_2025-11_30_2025-Houston TX PD-Network-Audit.csv")
    first = run_cli("ingest", path)
    assert first.exit_code == 0 and "stored 3" in first.output
    again = run_cli("ingest", path)
    assert again.exit_code == 0 and "already" in again.output
    result = run_cli("query", "select count(*) as n from searches", "--format", "csv")
    assert result.output.strip().splitlines()[-1] == "3"


@pytest.mark.parametrize(("cell", "is_marker"), [
    ("***", True), (" REDACTED", True), ("[REDACTED]", True), ("###", True), ("* * *", True), ("XXX", True),
    ("7923.600 GC", True), ("Gov. Code 7923.600", True), ("6254(f)", True), ("(b)(6)", True),
    ("Section 6254(k)", True), ("REDACTED per GC 7923.600", True),
    ("5237", False), ("7923.600", False), ("*BC12*", False), ("ICE", False), ("Code 4 assist", False),
    ("stolen vehicle 2024", False), ("suvgmcblack", False),
])
def test_redaction_markers(cell, is_marker):
    from lprlogs.formats.staging import _marker_sql

    con = duckdb.connect()
    assert con.execute(f"SELECT {_marker_sql('x')} FROM (SELECT ? AS x)", [cell]).fetchall()[0][0] is is_marker


def test_stage_cells_for_other_readers(tmp_path):
    """The PDF reader hands cells with page numbers; headers as printed, odd case and spaces."""
    import polars as pl

    from lprlogs.formats import Match
    from lprlogs.formats.staging import StageOptions, stage_cells
    from lprlogs.sources import Source
    from lprlogs.store import Store

    store = Store.open(tmp_path / "store", create=True)
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    source = Source(path=tmp_path / "x.pdf", display_path="x.pdf", sha256="ab" * 32)
    batch = store.begin_batch(["x.pdf"])
    out = store.writer(con, source, Match("pdf", "flock-trimmed-4"), batch["id"])
    cells = pl.DataFrame({
        " id": ["0b6f1c2e-1111-4a2b-9c3d-000000000001", "0b6f1c2e-1111-4a2b-9c3d-000000000002"],
        "ORG NAME ": ["Houston TX PD", "Cobb County GA SO"],
        "Time Frame": ["11/01/2025, 05:00:00 AM UTC 11/14/2025, 09:53:36 AM UTC", ""],
        "Search Time": ["11/14/2025, 09:53:36 AM UTC", "11/14/2025"],
        "source_row": [2, 3], "source_page": [1, 2],
    })
    result = stage_cells(out, cells, StageOptions(variant="flock-trimmed-4"))
    assert (result.rows_stored, result.rows_quarantined) == (1, 1)
    entry = out.commit()
    assert entry["rows_read"] == 2 and not any("mismatch" in n for n in entry["notes"])
    row = con.execute(f"SELECT searcher_org, time_frame_start, time_frame_end, source_page FROM "
                      f"read_parquet('{tmp_path}/store/searches/*.parquet')").fetchall()[0]
    assert row == ("Houston TX PD", dt.datetime(2025, 11, 1, 5, 0, tzinfo=UTC),
                   dt.datetime(2025, 11, 14, 9, 53, 36, tzinfo=UTC), 1)
    quarantined = con.execute(f"SELECT source_row, source_page, reason FROM "
                              f"read_parquet('{tmp_path}/store/quarantine/*.parquet')").fetchall()
    assert quarantined == [(3, 2, "Search Time cannot be read as a time: 11/14/2025")]


def test_title_rows_count_in_row_numbers(tmp_path):
    con, _ = _ingest(tmp_path, "trimmed-title.csv")
    assert con.execute("SELECT source_row, networks_searched, moderation FROM s").fetchall() == [(4, 1, "allow")]


def test_truncated_file_keeps_what_it_has(tmp_path):
    con, report = _ingest(tmp_path, "truncated.csv")
    assert (report.files[0].rows_stored, report.files[0].rows_quarantined) == (1, 1)
    assert con.execute("SELECT source_row, reason LIKE 'row ends after 6 of 14 cells%' FROM q").fetchall() == [(3, True)]


def test_tolerant_python_fallback_matches_duckdb(tmp_path, monkeypatch):
    """When DuckDB refuses a CSV, Python's csv module reads it with the same alignment and numbering."""
    from lprlogs.formats import flock

    def refuse(self, path, layout, out):
        raise duckdb.InvalidInputException("CSV Error on Line: 2")

    monkeypatch.setattr(flock.FlockCsv, "_read_duckdb", refuse)
    con, report = _ingest(tmp_path, "repeat-stacked-shifted.csv")
    assert (report.files[0].rows_stored, report.files[0].rows_quarantined) == (4, 1)
    assert [r[0] for r in con.execute("SELECT source_row FROM s ORDER BY 1").fetchall()] == [2, 4, 5, 6]
    assert any("tolerant Python reader" in n for n in report.files[0].notes)


def test_empty_and_repeated_header_cells(tmp_path):
    con, report = _ingest(tmp_path, "odd-headers.csv")
    row = con.execute("SELECT reason, raw FROM s").fetchall()[0]
    assert row[0] == "r1" and json.loads(row[1])["Reason (2)"] == "r2" and json.loads(row[1])["column 4"] == "x"
    assert any("kept in raw only: Reason (2), column 4" in n for n in report.files[0].notes)


@pytest.mark.slow
def test_unclosed_quote_does_not_swallow_later_rows(tmp_path: Path, store_dir: Path) -> None:
    """An unclosed quote with no later quote: DuckDB would read every later row into that one cell."""
    from lprlogs.engine import Engine
    from lprlogs.ingest import ingest
    from lprlogs.store import Store

    path = tmp_path / "11_1_2025-11_30_2025-Houston TX PD-Audit.csv"
    path.write_text(
        "ID,Name,Org Name,Total Networks Searched,Reason,Search Time,Search Type\n"
        '0b6f1c2e-1111-4a2b-9c3d-000000000001,J Doe,Houston TX PD,12,"broken quote,11/14/2025, 09:53:36 AM UTC,lookup\n'
        '0b6f1c2e-1111-4a2b-9c3d-000000000002,K Roe,Houston TX PD,3,ok,"11/14/2025, 09:53:37 AM UTC",lookup\n'
        '0b6f1c2e-1111-4a2b-9c3d-000000000003,K Roe,Houston TX PD,3,"two\nlines","11/14/2025, 09:53:38 AM UTC",lookup\n',
        encoding="utf-8",
    )
    outcome = ingest([str(path)], store_dir).files[0]
    assert (outcome.rows_read, outcome.rows_stored, outcome.rows_quarantined) == (3, 2, 1)
    engine = Engine(Store.open(store_dir))
    assert engine.query("select source_row, reason from searches order by 1")[1] == [(3, "ok"), (4, "two\nlines")]
    assert engine.query("select source_row from quarantine")[1] == [(2,)]
