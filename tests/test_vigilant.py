"""Vigilant (LEARN) workbooks: the audit sheet into searches (with and without --tz), side sheets."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import xlsxwriter
from helpers import first_fast, query

from lprlogs.formats.vigilant import producer_from_file_name
from lprlogs.ingest import ingest
from lprlogs.store import Store


def make_workbook(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    request = book.add_worksheet("Request")
    for i, row in enumerate([("A1", "Agencies with which the Agency shares ALPR data;"),
                             ("Users", "Officers with access"), ("Audit", "Audits of searches"),
                             ("B1&2", "Counts")]):
        request.write_row(i, 0, row)
    orgs = book.add_worksheet("A1")
    for i, name in enumerate(["ORGANIZATION NAME", "ALAMEDA COUNTY SHERIFFS OFFICE (CA)", " ANAHEIM CA PD "]):
        orgs.write(i, 0, name)
    users = book.add_worksheet("Users")
    for i, name in enumerate(["User Name", "Officer One", "Officer Two", "Officer Three"]):
        users.write(i, 0, name)
    audit = book.add_worksheet("Audit")
    audit.write_row(0, 0, ["Reason", "DateTime"])
    audit.write(1, 0, "21-16030")
    audit.write_datetime(1, 1, dt.datetime(2021, 12, 14, 8, 49, 47), when)
    audit.write_number(2, 0, 5237.0)
    audit.write_datetime(2, 1, dt.datetime(2022, 7, 1, 10, 0, 0), when)
    # row 4 blank (a blanked row)
    audit.write_number(4, 0, 250216068)
    audit.write_datetime(4, 1, dt.datetime(2025, 1, 31, 22, 38, 1), when)
    counts = book.add_worksheet("B1&2")
    counts.write(0, 0, "Data provided between 1/1/19 and 2/11/25")
    counts.write_row(1, 0, ["B1", '"Detections"', 107472041])
    counts.write_row(2, 0, ["B2", '"Hits"', 31278])
    book.add_worksheet("Empty")
    book.close()
    return path


@pytest.mark.slow
def test_audit_of_unknown_zone_is_stored_as_written_and_never_called_utc(tmp_path: Path, store_dir: Path) -> None:
    path = make_workbook(tmp_path / "in" / "alpr-audits-sample-police-department-12345_doc5.xlsx")
    outcome = ingest([str(path)], store_dir).files[0]
    assert (outcome.status, outcome.format, outcome.log_kind) == ("ingested", "vigilant_xlsx", "vigilant_audit")
    assert outcome.producer == "Sample Police Department"
    assert outcome.variant == "vigilant-audit (local times, zone unknown)"  # no state in the agency's name
    assert any("--force --tz America/Chicago" in n and "never as UTC" in n for n in outcome.notes)
    assert (outcome.rows_read, outcome.rows_stored) == (3, 3)
    rows = query(store_dir, "SELECT reason, search_time, source_sheet, source_row, searcher_org, raw "
                            "FROM searches ORDER BY source_row")
    assert [r[0] for r in rows] == ["21-16030", "5237", "250216068"]  # numbers back to text, no '.0'
    assert rows[0][1] == dt.datetime(2021, 12, 14, 8, 49, 47, tzinfo=dt.UTC)  # the wall time as written
    assert query(store_dir, "SELECT DISTINCT time_basis, local_zone FROM searches") == [("local, zone unknown", None)]
    assert [(r[2], r[3]) for r in rows] == [("Audit", 2), ("Audit", 3), ("Audit", 5)]
    assert rows[0][4] == "Sample Police Department"
    assert json.loads(rows[1][5]) == {"Reason": "5237", "DateTime": "2022-07-01 10:00:00"}
    entry = Store.open(store_dir).sources[0]
    assert entry["rows_blanked"] == 1


@pytest.mark.slow
def test_audit_with_tz_converts_local_times(tmp_path: Path, store_dir: Path) -> None:
    path = make_workbook(tmp_path / "in" / "irvine.xlsx")
    outcome = ingest([str(path)], store_dir, producer="Irvine CA PD", tz="America/Los_Angeles").files[0]
    assert outcome.variant == "vigilant-audit (local times in America/Los_Angeles, converted to UTC)"
    times = [r[0] for r in query(store_dir, "SELECT search_time FROM searches ORDER BY source_row")]
    assert times[0] == dt.datetime(2021, 12, 14, 16, 49, 47, tzinfo=dt.UTC)  # PST, UTC-8
    assert times[1] == dt.datetime(2022, 7, 1, 17, 0, 0, tzinfo=dt.UTC)  # PDT, UTC-7


def test_unknown_tz_is_refused_with_a_hint(tmp_path: Path, store_dir: Path) -> None:
    path = make_workbook(tmp_path / "in" / "irvine.xlsx")
    outcome = ingest([str(path)], store_dir, producer="Irvine CA PD", tz="Pacific/Nowhere").files[0]
    assert outcome.status == "rejected" and "unknown time zone" in outcome.reason


@pytest.mark.slow
def test_side_sheets(tmp_path: Path, store_dir: Path) -> None:
    path = make_workbook(tmp_path / "in" / "irvine.xlsx")
    ingest([str(path)], store_dir, producer="Irvine CA PD")
    orgs = query(store_dir, "SELECT source_sheet, source_row, organization, list_meaning FROM vigilant_orgs "
                            "ORDER BY source_row")
    assert orgs == [("A1", 2, "ALAMEDA COUNTY SHERIFFS OFFICE (CA)", "Agencies with which the Agency shares ALPR data;"),
                    ("A1", 3, "ANAHEIM CA PD", "Agencies with which the Agency shares ALPR data;")]
    assert query(store_dir, "SELECT count(*), min(source_row) FROM vigilant_users") == [(3, 2)]
    counts = query(store_dir, "SELECT item, measure, count, source_row FROM vigilant_counts ORDER BY source_row")
    assert counts == [("B1", "Detections", 107472041, 2), ("B2", "Hits", 31278, 3)]
    entry = Store.open(store_dir).sources[0]
    skipped = {p["part"]: p["reason"] for p in entry["parts_skipped"]}
    assert set(skipped) == {"Request", "Empty"}
    assert "request" in skipped["Request"] and skipped["Empty"] == "empty sheet"
    assert entry["other_tables"] == {"vigilant_orgs": 2, "vigilant_users": 3, "vigilant_counts": 2}


def test_producer_from_file_name() -> None:
    assert producer_from_file_name("alpr-audits-irvine-police-department-181267_doc5.xlsx") == \
        "Irvine Police Department"
    assert producer_from_file_name("alpr-audits-westbrook-ca-pd-vigilant.xlsx") == "Westbrook CA PD"
    assert producer_from_file_name("audit.xlsx") is None


@pytest.mark.slow
def test_real_irvine_workbook(realdata: Path, store_dir: Path) -> None:
    path = realdata / "irvine-ca-pd-vigilant" / "alpr-audits-irvine-police-department-181267_doc5.xlsx"
    outcome = ingest([str(path)], store_dir, tz="America/Los_Angeles").files[0]
    assert (outcome.producer, outcome.rows_stored, outcome.rows_quarantined) == ("Irvine Police Department", 44659, 0)
    assert query(store_dir, "SELECT count(search_time), count(reason), min(source_row), max(source_row) "
                            "FROM searches") == [(44659, 44659, 2, 44660)]
    first = query(store_dir, "SELECT reason, search_time FROM searches WHERE source_row = 2")[0]
    assert first == ("21-16030", dt.datetime(2021, 12, 14, 16, 49, 47, tzinfo=dt.UTC))
    assert query(store_dir, "SELECT count(*) FROM searches WHERE regexp_matches(reason, '^[0-9]+[.]0+$')") == [(0,)]
    orgs = dict(query(store_dir, "SELECT source_sheet, count(*) FROM vigilant_orgs GROUP BY 1"))
    assert orgs == {"A1": 316, "A2": 1553, "A3": 156, "A4": 1065}
    assert query(store_dir, "SELECT count(*) FROM vigilant_users") == [(199,)]
    counts = dict(query(store_dir, "SELECT source_sheet, count(*) FROM vigilant_counts GROUP BY 1"))
    assert counts == {"B1&2": 2, "OtherAgencies": 24}


@pytest.mark.parametrize("reason", first_fast("5237", "21-16030"))
def test_reason_text_survives(tmp_path: Path, store_dir: Path, reason: str) -> None:
    path = tmp_path / "in" / "one.xlsx"
    path.parent.mkdir(parents=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Audit")
    sheet.write_row(0, 0, ["Reason", "DateTime"])
    if reason.isdigit():
        sheet.write_number(1, 0, float(reason))
    else:
        sheet.write_string(1, 0, reason)
    sheet.write_datetime(1, 1, dt.datetime(2024, 1, 2, 3, 4, 5), book.add_format({"num_format": "yyyy-mm-dd hh:mm"}))
    book.close()
    ingest([str(path)], store_dir, producer="X CA PD")
    assert query(store_dir, "SELECT reason FROM searches") == [(reason,)]


def test_cli_tz_option(tmp_path: Path, run_cli) -> None:
    path = make_workbook(tmp_path / "in" / "irvine.xlsx")
    result = run_cli("ingest", str(path), "--producer", "Irvine CA PD", "--tz", "America/Los_Angeles")
    assert result.exit_code == 0, result.output
    assert "local times in America/Los_Angeles, converted to UTC" in result.output
    result = run_cli("query", "SELECT min(search_time) AS first FROM searches", "--format", "csv")
    assert "2021-12-14" in result.output and "16:49:47" in result.output


def test_leading_blank_row_keeps_row_numbers(tmp_path: Path, store_dir: Path) -> None:
    path = tmp_path / "in" / "shifted.xlsx"
    path.parent.mkdir(parents=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Audit")
    sheet.write_row(2, 1, ["Reason", "DateTime"])  # header in B3
    sheet.write_row(3, 1, ["stolen", "2024-01-02 03:04:05"])  # a time typed as text
    book.close()
    ingest([str(path)], store_dir, producer="X CA PD")
    # a California producer: its local times are Pacific (03:04 PST is 11:04 UTC)
    assert query(store_dir, "SELECT source_row, reason, search_time FROM searches") == [
        (4, "stolen", dt.datetime(2024, 1, 2, 11, 4, 5, tzinfo=dt.UTC))]
