"""Transparency-portal search audits: old and new forms, '+' decoding, zone-less times, broken quotes."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from helpers import first_fast, query

from lprlogs.ingest import ingest

NEW_HEADER = '"id","userId","searchDate","networkCount","reason","caseNumber"'
OLD_HEADER = '"id","userId","searchDate","cameraCount","reason"'





def write(folder: Path, name: str, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes("\n".join(lines).encode("utf-8"))  # LF, no trailing newline, as the portal writes
    return path


def test_new_form_fields_times_and_redaction(tmp_path: Path, store_dir: Path) -> None:
    path = write(tmp_path / "in", "menlo-park-ca-pd_2026-04-25_search_audit.csv", [
        NEW_HEADER,
        '"a1","***","2026-03-10T04:31:52.901Z","449","Stolen vehicle","26-0001"',
        '"a2","***","2026-03-10T12:41:15Z","2","",""',
    ])
    report = ingest([str(path)], store_dir)
    outcome = report.files[0]
    assert (outcome.status, outcome.format, outcome.variant) == ("ingested", "portal_csv", "portal-new")
    assert (outcome.producer, outcome.log_kind, outcome.rows_stored) == ("Menlo Park CA PD", "portal_audit", 2)
    rows = query(store_dir, "SELECT search_id, searcher_user, searcher_org, networks_searched, reason, case_number,"
                            " search_time, source_row, redacted, raw FROM searches ORDER BY source_row")
    first, second = rows
    assert first[:6] == ("a1", None, "Menlo Park CA PD", 449, "Stolen vehicle", "26-0001")
    assert first[6] == dt.datetime(2026, 3, 10, 4, 31, 52, 901000, tzinfo=dt.UTC)
    assert first[7] == 2 and second[7] == 3  # header is row 1
    assert list(first[8]) == ["searcher_user"]
    assert json.loads(first[9]) == {"id": "a1", "userId": "***", "searchDate": "2026-03-10T04:31:52.901Z",
                                    "networkCount": "449", "reason": "Stolen vehicle", "caseNumber": "26-0001"}
    assert second[4] is None and second[5] is None  # blank reason and case are NULL, not ''


def test_old_form_plus_decoding_and_zone_less_times(tmp_path: Path, store_dir: Path) -> None:
    user = "5d0e4a4b-1111-4c5e-9a0b-2b7c3d4e5f60"
    path = write(tmp_path / "in", "old.csv", [
        OLD_HEADER,
        f'"b1","{user}","2025-06-18 00:02:04.789","1200","Person+Crime"',
        f'"b2","{user}","2025-06-18 07:15:00","35","ICE+ERO"',
    ])
    report = ingest([str(path)], store_dir, producer="Sample CA PD")
    outcome = report.files[0]
    assert "portal-old" in outcome.variant
    assert "zone-less times: local, America/Los_Angeles" in outcome.variant  # a California producer
    assert "'+' decoded as spaces" in outcome.variant
    assert any("read in America/Los_Angeles (state CA keeps one zone)" in note for note in outcome.notes)
    rows = query(store_dir, "SELECT reason, devices_searched, networks_searched, searcher_user, search_time, "
                            "searcher_org FROM searches ORDER BY source_row")
    assert rows[0][:4] == ("Person Crime", 1200, None, user)
    assert rows[1][0] == "ICE ERO"
    assert rows[0][4] == dt.datetime(2025, 6, 18, 7, 2, 4, 789000, tzinfo=dt.UTC)  # 00:02 PDT
    assert query(store_dir, "SELECT DISTINCT time_basis FROM searches") == [
        ("local, converted from America/Los_Angeles (state CA keeps one zone)",)]
    assert rows[0][5] == "Sample CA PD"


def test_plus_kept_when_the_file_also_writes_spaces(tmp_path: Path, store_dir: Path) -> None:
    path = write(tmp_path / "in", "mixed.csv", [
        NEW_HEADER,
        '"c1","***","2026-03-10T04:31:52.901Z","4","A+B gang","1"',
        '"c2","***","2026-03-10T04:32:52.901Z","4","plain words","2"',
    ])
    report = ingest([str(path)], store_dir, producer="Sample CA PD")
    assert "decoded" not in report.files[0].variant
    assert query(store_dir, "SELECT reason FROM searches ORDER BY source_row")[0] == ("A+B gang",)


def test_broken_quotes_repaired_or_quarantined_without_merging_rows(tmp_path: Path, store_dir: Path) -> None:
    path = write(tmp_path / "in", "broken.csv", [
        NEW_HEADER,
        '"d1","***","2026-03-10T04:31:52.901Z","4","ok","1"',
        '"d2","***","2026-03-10T04:32:52.901Z","4","said "stop" twice","2"',  # stray quotes inside a field
        '"d3","***","2026-03-10T04:33:52.901Z","4","two',  # a quoted field holding a line break
        'lines","3"',
        '"d4","***","2026-03-10T04:34:52.901Z","4","a","b","4"',  # one field too many: which one is it?
        '"d5","***","2026-03-10T04:35:52.901Z","4","after","5"',
        '"d6","***","2026-03-10T04:36:52.901Z","4","cut short',  # last record cut inside the reason
    ])
    report = ingest([str(path)], store_dir, producer="Sample CA PD")
    outcome = report.files[0]
    assert (outcome.rows_read, outcome.rows_stored, outcome.rows_quarantined) == (6, 4, 2)
    stored = query(store_dir, "SELECT search_id, reason, case_number, source_row FROM searches ORDER BY source_row")
    # source_row counts records (d3 spans two lines but is one row), as a spreadsheet shows them
    assert stored == [("d1", "ok", "1", 2), ("d2", 'said "stop" twice', "2", 3), ("d3", "two\nlines", "3", 4),
                      ("d5", "after", "5", 6)]
    quarantined = query(store_dir, "SELECT source_row, raw, reason FROM quarantine ORDER BY source_row")
    assert [q[0] for q in quarantined] == [5, 7]
    assert not any("mismatch" in n for n in outcome.notes)
    assert '"d4"' in quarantined[0][1] and "cannot be split" in quarantined[0][2]
    assert '"d6"' in quarantined[1][1] and "cut short" in quarantined[1][2]


def test_unterminated_last_field_is_closed_when_every_field_is_there(tmp_path: Path, store_dir: Path) -> None:
    path = write(tmp_path / "in", "yuba.csv", [
        '"id","userId","searchDate","networkCount","reason"',
        '"e1","***","2026-03-10T04:31:52.901Z","3","dv"',
        '"e2","***","2026-03-10T04:32:52.901Z","3","victim',
    ])
    outcome = ingest([str(path)], store_dir, producer="Sample CA SO").files[0]
    assert (outcome.rows_stored, outcome.rows_quarantined) == (2, 0)
    assert any("line 3" in n and "closing quote added" in n for n in outcome.notes)
    assert query(store_dir, "SELECT reason FROM searches WHERE search_id = 'e2'") == [("victim",)]


def test_real_pasadena_loses_and_merges_nothing(realdata: Path, store_dir: Path) -> None:
    path = realdata / "flock-transparency-portal" / "pasadena-ca-pd_2026-04-28_search_audit.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        ids = [row[0] for row in csv.reader(fh)][1:]
    assert len(ids) == 145 and len(set(ids)) == 145
    outcome = ingest([str(path)], store_dir).files[0]
    assert (outcome.producer, outcome.rows_read, outcome.rows_stored, outcome.rows_quarantined) == \
        ("Pasadena CA PD", 145, 144, 1)
    stored = {r[0] for r in query(store_dir, "SELECT search_id FROM searches")}
    quarantined = query(store_dir, "SELECT source_row, raw, reason FROM quarantine")
    assert len(stored) == 144
    assert quarantined[0][0] == 146 and "cut short" in quarantined[0][2]
    quarantined_id = quarantined[0][1].split('"')[1]
    assert stored | {quarantined_id} == set(ids)


@pytest.mark.parametrize(("folder", "name", "rows", "columns"), first_fast(
    ("flock-transparency-portal", "santa-clara-ca-pd_2026-04-22_search_audit.csv", 1241, ("offense_type",)),
    ("flock-transparency-portal", "south-gate-ca-pd_2026-04-23_search_audit.csv", 132,
     ("reason", "case_number", "offense_type")),
    ("smpd-pra-W012541-attachments", "belmont-ca-pd_2026-04-10_search_audit.a871b2fc.csv", 91, ("reason",)),
))
def test_real_portal_files(realdata: Path, store_dir: Path, folder: str, name: str, rows: int,
                           columns: tuple[str, ...]) -> None:
    outcome = ingest([str(realdata / folder / name)], store_dir).files[0]
    assert (outcome.variant, outcome.log_kind, outcome.rows_stored) == ("portal-new", "portal_audit", rows)
    counts = query(store_dir, "SELECT count(search_time), count(networks_searched), count(searcher_user), "
                              + ", ".join(f"count({c})" for c in columns) + " FROM searches")[0]
    assert counts[:3] == (rows, rows, 0)
    assert all(c > 0 for c in counts[3:])


def test_cli_ingest_and_query(tmp_path: Path, run_cli) -> None:
    path = write(tmp_path / "in", "belmont-ca-pd_2026-04-10_search_audit.csv", [
        '"id","userId","searchDate","networkCount","reason"',
        '"g1","***","2026-03-10T04:31:52.901Z","449","Investigation"',
    ])
    result = run_cli("ingest", str(path))
    assert result.exit_code == 0, result.output
    assert "portal_csv (portal-new), producer Belmont CA PD, portal_audit" in result.output
    result = run_cli("query", "SELECT search_id, producer, searcher_org, networks_searched FROM searches",
                     "--format", "json")
    assert json.loads(result.output) == [{"search_id": "g1", "producer": "Belmont CA PD",
                                          "searcher_org": "Belmont CA PD", "networks_searched": 449}]


def test_times_with_offsets_and_unreadable_times(tmp_path: Path, store_dir: Path) -> None:
    path = write(tmp_path / "in", "offsets.csv", [
        '"id","userId","searchDate","networkCount"',
        '"h1","***","2026-03-10T06:31:52+02:00","1"',
        '"h2","***","yesterday","1"',
    ])
    outcome = ingest([str(path)], store_dir, producer="Sample CA PD").files[0]
    assert outcome.rows_stored == 2 and "zone-less" not in outcome.variant
    assert any("could not be read as times" in n for n in outcome.notes)
    assert query(store_dir, "SELECT search_time FROM searches ORDER BY source_row") == [
        (dt.datetime(2026, 3, 10, 4, 31, 52, tzinfo=dt.UTC),), (None,)]


def test_line_break_in_a_reason_is_one_record_not_a_mismatch(tmp_path: Path, store_dir: Path) -> None:
    lines = [NEW_HEADER] + [f'"r{i}","***","2026-03-10T04:3{i}:52.901Z","4","theft","{i}"' for i in range(1, 6)]
    lines[2] = '"r2","***","2026-03-10T04:32:52.901Z","4","theft\nof a car\non two lines","2"'
    path = write(tmp_path / "in", "menlo-park-ca-pd_2026-04-25_search_audit.csv", lines)
    outcome = ingest([str(path)], store_dir).files[0]
    assert (outcome.rows_read, outcome.rows_stored, outcome.rows_quarantined) == (5, 5, 0)
    assert not any("mismatch" in n for n in outcome.notes), outcome.notes
    assert query(store_dir, "SELECT search_id, source_row FROM searches ORDER BY source_row") == [
        ("r1", 2), ("r2", 3), ("r3", 4), ("r4", 5), ("r5", 6)]


EXTRA = ["derived-searchDatePST", "derived-month", "derived-weekday"]


def _old_form_rows(count: int) -> list[list[str]]:
    return [[f"e{i}", "5d0e4a4b-1111-4c5e-9a0b-2b7c3d4e5f60", f"2025-06-18 0{i % 10}:02:04.789", str(10 + i),
             "missing+person", f"2025-06-17 1{i % 10}:02", "6", "Tue"] for i in range(count)]


def test_extra_columns_in_csv_are_kept_in_raw(tmp_path: Path, store_dir: Path) -> None:
    header = ["id", "userId", "searchDate", "cameraCount", "reason", *EXTRA]
    path = tmp_path / "eugene-or-pd_log.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:  # as a spreadsheet saves it: no quotes
        csv.writer(fh).writerows([header, *_old_form_rows(12)])
    outcome = ingest([str(path)], store_dir, producer="Eugene OR PD", log_kind="portal_audit").files[0]
    assert (outcome.status, outcome.format, outcome.rows_stored) == ("ingested", "portal_csv", 12)
    assert (outcome.producer, outcome.log_kind) == ("Eugene OR PD", "portal_audit")
    assert outcome.variant.startswith("portal-old")
    assert any(n.startswith("columns not part of a portal search audit kept in raw only: derived-searchDatePST, "
                            "derived-month, derived-weekday") for n in outcome.notes)
    first = query(store_dir, "SELECT search_id, devices_searched, reason, raw FROM searches ORDER BY source_row")[0]
    assert first[:3] == ("e0", 10, "missing person")
    assert json.loads(first[3])["derived-searchDatePST"] == "2025-06-17 10:02"


def test_portal_workbook_with_cover_and_pivot_sheets(tmp_path: Path, store_dir: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Cover"
    cover.append(["Public records request 25-1234: Flock search audit, Eugene Police Department"])
    log = book.create_sheet("Log")
    log.append(["id", "userId", "searchDate", "cameraCount", "reason", *EXTRA])
    rows = _old_form_rows(30)
    for row in rows:
        log.append([*row[:3], int(row[3]), *row[4:]])
    log.append([None] * 8)  # a blank row inside the data: no record, the rows after it keep their numbers
    log.append(["e-last", "u", "2025-06-19 01:02:03.000", 7, "stolen+vehicle", None, None, None])
    pivot = book.create_sheet("Pivot")
    pivot.append(["Row Labels", "Count of id"])
    pivot.append(["missing person", 30])
    path = tmp_path / "Eugene_Flock_Audit.xlsx"
    book.save(path)
    outcome = ingest([str(path)], store_dir, producer="Eugene OR PD", log_kind="portal_audit").files[0]
    assert (outcome.status, outcome.format, outcome.rows_read, outcome.rows_stored) == \
        ("ingested", "portal_csv", 31, 31)
    assert (outcome.producer, outcome.log_kind) == ("Eugene OR PD", "portal_audit")
    assert not any("mismatch" in n for n in outcome.notes)
    assert any("derived-searchDatePST" in n and "sheet 'Log'" in n for n in outcome.notes)
    rows_read = query(store_dir, "SELECT source_sheet, source_row, search_id, devices_searched, search_time "
                                 "FROM searches ORDER BY source_row")
    assert rows_read[0][:4] == ("Log", 2, "e0", 10)
    assert rows_read[0][4] == dt.datetime(2025, 6, 18, 0, 2, 4, 789000, tzinfo=dt.UTC)
    assert rows_read[-1][:4] == ("Log", 33, "e-last", 7)
    skipped = {p["part"] for p in _parts_skipped(store_dir)}
    assert skipped == {"Cover", "Pivot"}


def _parts_skipped(store_dir: Path) -> list[dict[str, str]]:
    from lprlogs.store import Store

    return Store.open(store_dir).sources[0]["parts_skipped"]
