"""Flock event logs: the `events` view, Entity Details parsed into fields, blanked rows as redacted."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import xlsxwriter
from helpers import query

from lprlogs.ingest import ingest
from lprlogs.store import Store

HOTLIST_ENTRY = ("Hotlist Name: 488 SUSPECT VEHICLE\nLicense: 7ABC123\nState: california\nReason: 488 PC\n"
                 "Case: 25-001\nExpiry: 2025-09-18T20:28:00.170Z\nConsolidated: false\n")





def make_event_log(path: Path, with_id: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet = book.add_worksheet("Events")
    header = ["Timestamp", "User", "Event Type", "Entity Type", "Entity Details"]
    if with_id:
        header = ["Event Id", *header]
    sheet.write_row(0, 0, header)
    rows = [
        (dt.datetime(2025, 8, 19, 13, 28, 3), "Officer A", "create", "Custom Hotlist Entry", HOTLIST_ENTRY),
        None,  # blanked by the agency
        (dt.datetime(2025, 8, 19, 13, 26, 55), "Officer B", "create", "customHotlist",
         "Name:  488 SUSPECT VEHICLE\nOrganization Hotlist: No\nAudience Roles: Patrol\n"),
        None,
        (dt.datetime(2025, 7, 20, 14, 38, 8), "Officer C", "delete", "Custom Hotlist Entry",
         "Hotlist Name: Moval List\nLicense: \nExpiry: never\nReason- no colon here\n"),
    ]
    for i, row in enumerate(rows, start=1):
        if row is None:
            continue
        offset = 0
        if with_id:
            sheet.write(i, 0, f"ev-{i}")
            offset = 1
        sheet.write_datetime(i, offset, row[0], when)
        sheet.write_row(i, offset + 1, row[1:])
    book.add_worksheet("Sheet1")
    book.close()
    return path


def test_events_view_parsed_fields_and_blanked_rows(tmp_path: Path, store_dir: Path) -> None:
    path = make_event_log(tmp_path / "in" / "CPRA_Hotlist.xlsx")
    outcome = ingest([str(path)], store_dir, producer="Sample County SO").files[0]
    assert (outcome.status, outcome.format, outcome.log_kind) == ("ingested", "flock_event_log", "event_log")
    assert "local times, zone unknown" in outcome.variant
    assert (outcome.rows_stored, outcome.rows_quarantined) == (0, 0)  # nothing goes to searches
    entry = Store.open(store_dir).sources[0]
    assert entry["rows_blanked"] == 2
    assert entry["other_tables"] == {"events": 5}
    assert entry["parts_skipped"] == [{"part": "Sheet1", "reason": "empty sheet"}]
    rows = query(store_dir, 'SELECT source_row, redacted, event_time, "user", event_type, entity_type, hotlist_name, '
                            "plate, plate_state, reason, case_number, expiry, expiry_text, details "
                            "FROM events ORDER BY source_row")
    assert [(r[0], r[1]) for r in rows] == [(2, False), (3, True), (4, False), (5, True), (6, False)]
    first = rows[0]
    assert first[2] == dt.datetime(2025, 8, 19, 13, 28, 3, tzinfo=dt.UTC)
    assert first[3:11] == ("Officer A", "create", "Custom Hotlist Entry", "488 SUSPECT VEHICLE", "7ABC123",
                           "california", "488 PC", "25-001")
    assert first[11] == dt.datetime(2025, 9, 18, 20, 28, 0, 170000, tzinfo=dt.UTC)
    assert json.loads(first[13])["Consolidated"] == "false"
    assert rows[1][2:] == (None,) * 12  # the blanked row keeps only its place
    assert rows[2][6] == "488 SUSPECT VEHICLE"  # a hotlist's own 'Name:' label
    last = rows[4]
    assert (last[7], last[11], last[12]) == (None, None, "never")  # blank plate, expiry 'never'
    assert json.loads(last[13])["(unlabelled)"] == "Reason- no colon here"
    assert query(store_dir, "SELECT count(*) FROM searches") == [(0,)]


def test_event_id_and_tz(tmp_path: Path, store_dir: Path) -> None:
    path = make_event_log(tmp_path / "in" / "log.xlsx", with_id=True)
    outcome = ingest([str(path)], store_dir, producer="Sample County SO", tz="America/Los_Angeles").files[0]
    assert "America/Los_Angeles" in outcome.variant
    rows = query(store_dir, "SELECT event_id, event_time FROM events WHERE NOT redacted ORDER BY source_row")
    assert rows[0] == ("ev-1", dt.datetime(2025, 8, 19, 20, 28, 3, tzinfo=dt.UTC))


def test_event_log_csv(tmp_path: Path, store_dir: Path) -> None:
    path = tmp_path / "in" / "events.csv"
    path.parent.mkdir(parents=True)
    details = HOTLIST_ENTRY.replace('"', '""')
    path.write_text(f'Timestamp,User,Event Type,Entity Type,Entity Details\n'
                    f'2025-08-19 13:28:03,Officer A,create,Custom Hotlist Entry,"{details}"\n,,,,\n', encoding="utf-8")
    outcome = ingest([str(path)], store_dir, producer="Sample County SO").files[0]
    assert outcome.format == "flock_event_log" and "CSV" in outcome.variant
    rows = query(store_dir, "SELECT source_row, redacted, plate, event_time FROM events ORDER BY source_row")
    assert rows == [(2, False, "7ABC123", dt.datetime(2025, 8, 19, 13, 28, 3, tzinfo=dt.UTC)), (3, True, None, None)]


def test_real_event_log(realdata: Path, store_dir: Path) -> None:
    path = realdata / "flock-event-log-cpra-c001586" / "CPRA_C001586_Hotlist.xlsx"
    ingest([str(path)], store_dir)
    entry = Store.open(store_dir).sources[0]
    assert (entry["status"], entry["rows_blanked"], entry["other_tables"]) == ("ingested", 1722, {"events": 3753})
    assert entry["parts_skipped"] == [{"part": "Sheet1", "reason": "empty sheet"}]
    counts = query(store_dir, "SELECT count(*) FILTER (redacted), count(event_time), count(hotlist_name), "
                              "min(source_row), max(source_row) FROM events")
    assert counts == [(1722, 2031, 1963, 2, 3754)]
    by_type = dict(query(store_dir, "SELECT event_type, count(*) FROM events WHERE NOT redacted GROUP BY 1"))
    assert by_type == {"create": 902, "update": 533, "delete": 596}


def test_title_and_blank_rows_above_the_header_keep_row_numbers(tmp_path: Path, store_dir: Path) -> None:
    path = tmp_path / "in" / "titled.xlsx"
    path.parent.mkdir(parents=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Export")
    sheet.write(1, 0, "Hotlist audit export")  # row 2; row 1 empty, row 3 empty
    sheet.write_row(3, 0, ["Timestamp", "User", "Event Type", "Entity Type", "Entity Details"])  # row 4
    sheet.write_datetime(4, 0, dt.datetime(2025, 1, 2, 3, 4, 5), book.add_format({"num_format": "yyyy-mm-dd"}))
    sheet.write_row(4, 1, ["Officer A", "create", "Custom Hotlist Entry", "License: 7ABC123\n"])
    book.close()
    outcome = ingest([str(path)], store_dir, producer="Sample County SO").files[0]
    assert any("title row" in n and "Hotlist audit export" in n for n in outcome.notes)
    assert query(store_dir, "SELECT source_row, plate FROM events") == [(5, "7ABC123")]


def test_event_log_csv_in_cp1252_is_recognised_and_decoded(tmp_path: Path, store_dir: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes("Timestamp,User,Event Type,Entity Type,Entity Details\n"
                     '2025-08-19 13:36:30,José Q,delete,Custom Hotlist Entry,"Hotlist Name: X\nLicense: 7ABC123"\n'
                     .encode("cp1252"))
    outcome = ingest([str(path)], store_dir).files[0]
    assert (outcome.status, outcome.format, outcome.other_tables) == ("ingested", "flock_event_log", {"events": 1})
    assert Store.open(store_dir).sources[0]["encoding"] == "cp1252"
    assert query(store_dir, "select user, plate, hotlist_name from events") == [("José Q", "7ABC123", "X")]
