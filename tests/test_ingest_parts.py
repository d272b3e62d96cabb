"""The fast paths of Flock CSV ingest give exactly what the plain path gives: a big CSV stored in parts
written side by side, and the problem pass that skips rows which are plainly fine. One file mixing
every row-level quirk (markers, citations, shifted and cut rows, a repeated header, blank rows,
unreadable times, numbers as text) is ingested each way and the stored rows, quarantine and notes
compared cell by cell."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from helpers import FLOCK_14, flock_row

import lprlogs.formats.flock as flock
from lprlogs.ingest import ingest
from lprlogs.store import raw_json_sql

QUIRKS = [
    flock_row(reason="REDACTED"),
    flock_row(user="***"),
    flock_row(reason="GC 6254(f)"),
    flock_row(reason="7923.600"),  # a number typed as a reason: a value, not a citation
    flock_row(reason="Sec. 6254 (k)"),
    flock_row(reason="stolen vehicle, armed", org="Cobb County GA SO"),
    flock_row(search_time="2025-11-14 09:53:36"),  # another time format
    flock_row(start="11/1/2025 0:00"),
    flock_row(start=" 11/01/2025, 12:00:00 AM UTC "),  # spaces around a time frame line
    flock_row(start="n/a"),
    flock_row(start="n/a\n 11/02/2025, 12:00:00 AM UTC"),  # three lines: the second stamp is the end
    flock_row(plate="  7ABC123  ", user=" padded "),
    flock_row(search_type="xxx"),
    flock_row(moderation="# # #"),
]
SPECIAL = [
    # networks as text with a thousands separator, and as a marker
    'aaaaaaaa-1111-4a2b-9c3d-000000000001,A. User,Houston TX PD,"1,234",12.0,"11/01/2025, 12:00:00 AM UTC\n'
    '11/14/2025, 09:53:36 AM UTC",,inv,,,"11/14/2025, 09:53:36 AM UTC",lookup,,allow',
    'aaaaaaaa-1111-4a2b-9c3d-000000000002,A. User,Houston TX PD,###,340,[REDACTED],,inv,,,'
    '"11/14/2025, 09:53:36 AM UTC",lookup,,allow',
    # shifted one cell right (an extra empty first cell): repaired
    ',aaaaaaaa-1111-4a2b-9c3d-000000000003,A. User,Houston TX PD,3,340,"11/01/2025, 12:00:00 AM UTC\n'
    '11/14/2025, 09:53:36 AM UTC",,inv,,,"11/14/2025, 09:53:36 AM UTC",lookup,,allow',
    # an extra empty cell at the end: repaired
    'aaaaaaaa-1111-4a2b-9c3d-000000000004,A. User,Houston TX PD,3,340,"11/01/2025, 12:00:00 AM UTC\n'
    '11/14/2025, 09:53:36 AM UTC",,inv,,,"11/14/2025, 09:53:36 AM UTC",lookup,,allow,',
    # the reason split in two cells by an unquoted comma: repaired
    'aaaaaaaa-1111-4a2b-9c3d-000000000005,A. User,Houston TX PD,3,340,"11/01/2025, 12:00:00 AM UTC\n'
    '11/14/2025, 09:53:36 AM UTC",,stolen,vehicle,,,"11/14/2025, 09:53:36 AM UTC",lookup,,allow',
    FLOCK_14,  # the header repeated inside the data
    ",,,,,,,,,,,,,",  # blank row
    "aaaaaaaa-1111-4a2b-9c3d-000000000006,A. User,Houston TX PD,3,340",  # cut short
    'aaaaaaaa-1111-4a2b-9c3d-000000000007,A. User,Houston TX PD,3,340,,,inv,,,not a time,lookup,,allow',
    'aaaaaaaa-1111-4a2b-9c3d-000000000008,A. User,Houston TX PD,3,340,,,inv,,,REDACTED,lookup,,allow',
    'aaaaaaaa-1111-4a2b-9c3d-000000000009,A. User,Houston TX PD,3,340,,,inv,,,,lookup,,allow',
]


def _write(folder: Path) -> Path:
    rows = []
    for i in range(1200):
        rows.append(flock_row(networks=i, search_id=f"00000000-0000-4000-8000-{i:012d}"))
        if i % 100 == 7:
            rows.extend(QUIRKS)
        if i % 300 == 11:
            rows.extend(SPECIAL)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "1_1_2025-12_31_2025-Parts City TX PD-Network-Audit.csv"
    path.write_text(FLOCK_14 + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _contents(store: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    out = {}
    for kind, order in (("searches", "source_row"), ("quarantine", "source_row")):
        files = sorted(str(p) for p in store.glob(f"{kind}/*.parquet"))
        out[kind] = con.execute(f"SELECT * EXCLUDE (batch_id) FROM read_parquet({files}, union_by_name=true) "
                                f"ORDER BY {order}").fetchall() if files else []
    out["files"] = [len(list(store.glob("searches/*.parquet")))]
    return out


def _ingest(path: Path, store: Path) -> tuple[dict[str, list[tuple]], object]:
    report = ingest([str(path)], store)
    outcome = report.files[0]
    assert outcome.status == "ingested", outcome.reason
    assert outcome.rows_read == outcome.rows_stored + outcome.rows_quarantined
    return _contents(store), outcome


@pytest.fixture
def quirky_csv(tmp_path: Path) -> Path:
    return _write(tmp_path / "in")


@pytest.mark.slow
def test_parts_store_exactly_what_one_pass_stores(quirky_csv, tmp_path, monkeypatch):
    plain, plain_outcome = _ingest(quirky_csv, tmp_path / "plain")
    assert plain["files"] == [1]
    monkeypatch.setattr(flock, "PART_MIN_BYTES", 0)
    monkeypatch.setattr(flock, "PART_ROWS", 200)
    monkeypatch.setattr(flock, "MAX_PARTS", 3)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    split, split_outcome = _ingest(quirky_csv, tmp_path / "split")
    assert split["files"] == [3]
    assert split["searches"] == plain["searches"]
    assert split["quarantine"] == plain["quarantine"]
    assert split_outcome.notes == plain_outcome.notes
    assert (split_outcome.rows_stored, split_outcome.rows_quarantined) == (
        plain_outcome.rows_stored, plain_outcome.rows_quarantined)


@pytest.mark.slow
def test_problem_pass_prefilter_changes_nothing(quirky_csv, tmp_path, monkeypatch):
    fast, fast_outcome = _ingest(quirky_csv, tmp_path / "fast")
    monkeypatch.setattr(flock, "plainly_fine_sql", lambda layout, width: None)
    full, full_outcome = _ingest(quirky_csv, tmp_path / "full")
    assert fast == full
    assert fast_outcome.notes == full_outcome.notes


def test_quirky_rows_counted_and_typed(quirky_csv, tmp_path):
    contents, outcome = _ingest(quirky_csv, tmp_path / "store")
    data_rows = 1200 + 12 * len(QUIRKS) + 4 * len(SPECIAL)
    repeated_headers = 4
    assert outcome.rows_read == data_rows - repeated_headers
    assert outcome.rows_quarantined == 4 * 5  # blank, cut short, not a time, redacted time, empty time
    assert any("header repeated inside the data" in n for n in outcome.notes)
    assert any("shifted one cell right" in n for n in outcome.notes)
    assert any("extra empty cell at the end" in n for n in outcome.notes)
    assert any("Reason split in two cells" in n for n in outcome.notes)
    con = duckdb.connect()
    files = [str(p) for p in (tmp_path / "store").glob("searches/*.parquet")]
    by_id = {r[0]: r[1:] for r in con.execute(
        "SELECT search_id, networks_searched, devices_searched, time_frame_start, redacted, reason "
        f"FROM read_parquet({files}) WHERE search_id LIKE 'aaaaaaaa-%'").fetchall()}
    assert by_id["aaaaaaaa-1111-4a2b-9c3d-000000000001"][:2] == (1234, 12)
    assert by_id["aaaaaaaa-1111-4a2b-9c3d-000000000002"][0] is None
    assert by_id["aaaaaaaa-1111-4a2b-9c3d-000000000002"][2] is None
    assert sorted(by_id["aaaaaaaa-1111-4a2b-9c3d-000000000002"][3]) == ["networks_searched", "time_frame"]
    assert by_id["aaaaaaaa-1111-4a2b-9c3d-000000000005"][4] == "stolen,vehicle"
    reasons = dict(con.execute(
        f"SELECT json_extract_string({raw_json_sql()}, '$.Reason'), any_value(redacted) FROM read_parquet({files}) "
        "WHERE search_id NOT LIKE 'aaaaaaaa-%' GROUP BY 1").fetchall())
    assert reasons["REDACTED"] == ["reason"]
    assert reasons["GC 6254(f)"] == ["reason"]
    assert reasons["Sec. 6254 (k)"] == ["reason"]
    assert reasons["7923.600"] == []
    assert reasons["stolen vehicle"] == []


def test_a_file_of_plainly_fine_rows_skips_the_problem_pass_and_stores_the_same(tmp_path, monkeypatch):
    """Markers, citations, padded cells and other time formats, but every row with a time in Flock's
    format and no extra cell: the problem pass is skipped, and what is stored is what it gives."""
    rows = [flock_row(networks=i, search_id=f"00000000-0000-4000-8000-{i:012d}") for i in range(300)]
    rows += [r for r in QUIRKS if "2025-11-14 09:53:36" not in r]  # (the one time in another format)
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "1_1_2025-12_31_2025-Fine City TX PD-Network-Audit.csv"
    path.write_text(FLOCK_14 + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    answers: list[bool] = []
    real_check = flock.all_plainly_fine
    monkeypatch.setattr(flock, "all_plainly_fine", lambda *a: answers.append(real_check(*a)) or answers[-1])
    fast, fast_outcome = _ingest(path, tmp_path / "fast")
    assert answers == [True]
    assert len(fast["searches"]) == fast_outcome.rows_stored == len(rows) and not fast["quarantine"]
    monkeypatch.setattr(flock, "all_plainly_fine", lambda *a: False)
    full, full_outcome = _ingest(path, tmp_path / "full")
    assert fast == full
    assert fast_outcome.notes == full_outcome.notes
    redacted = duckdb.connect().execute(  # the markers went through the fast path
        f"SELECT count(*) FROM read_parquet('{tmp_path / 'fast'}/searches/*.parquet') WHERE len(redacted) > 0"
    ).fetchall()[0][0]
    assert redacted == 5


def test_a_file_with_a_problem_row_is_not_taken_for_plainly_fine(quirky_csv, tmp_path, monkeypatch):
    answers: list[bool] = []
    real_check = flock.all_plainly_fine
    monkeypatch.setattr(flock, "all_plainly_fine", lambda *a: answers.append(real_check(*a)) or answers[-1])
    _, outcome = _ingest(quirky_csv, tmp_path / "store")
    assert answers == [False]
    assert outcome.rows_quarantined > 0


def test_reading_a_file_leaves_the_connection_settings_as_they_were():
    """DuckDB prints the memory limit rounded ("18.8 GiB"): setting that text back after each file
    lowered the limit a little every time; RESET gave DuckDB's own limit (80% of the machine), not --memory."""
    from lprlogs.engine import connect

    con = connect(threads=2)
    settings = ("SELECT current_setting('threads'), current_setting('memory_limit'), "
                "current_setting('preserve_insertion_order')")
    before = con.execute(settings).fetchall()
    for _ in range(3):
        with flock.single_thread(con):
            assert con.execute(settings).fetchall()[0][0] == 1
    assert con.execute(settings).fetchall() == before


@pytest.mark.parametrize("header", [
    FLOCK_14,
    FLOCK_14 + ",Reason,reason,Note",  # a second Reason, in two cases
    'ID,Name,"O\'Brien ""Note""",Reason,Search Time,_wide_0,source_row',  # quotes; names lprlogs uses itself
])
def test_aligned_columns_are_the_columns_align_sql_gives(header):
    import csv
    import io

    layout = flock.find_layout(list(csv.reader(io.StringIO(header + "\n"))))
    assert layout is not None
    width = len(layout.headers) + 2
    con = duckdb.connect()
    wide = "(SELECT " + ", ".join(f"NULL::VARCHAR AS c{i}" for i in range(width)) + ", 1 AS source_row)"
    assert flock.aligned_columns(con, layout, width) == flock.column_names(
        con, flock.align_sql(wide, layout, width, empty_is_null=False))
