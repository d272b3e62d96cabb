"""Flock audit exports in legacy Excel formats: .xls (BIFF8, Excel 97-2003) and .xlsb.

The .xls workbooks are committed fixtures (tests/fixtures/flock/*.xls, written by
make_legacy_excel.py there with xlwt), so the tests need nothing beyond the project's own
dependencies. No tool installable here writes .xlsb: an .xlsb is only checked to reach the Excel
reader (fastexcel), whose own error is then reported.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from helpers import query

from lprlogs.formats import detect
from lprlogs.formats.flock import FlockExcel
from lprlogs.sources import Expander

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "flock"
NETWORK_XLS = "1_1_2026-2_28_2026-Lake Travis ISD TX PD-Network-Audit.xls"
MAC_1904_XLS = "3_1_2026-3_31_2026-Cobb County GA SO-Audit.xls"
UTC = dt.UTC


@pytest.fixture
def ingested(tmp_path: Path, run_cli, store_dir: Path) -> dict[str, dict]:
    """Both .xls fixtures ingested through the CLI; the JSON summary per file name."""
    release = tmp_path / "release"
    release.mkdir()
    for name in (NETWORK_XLS, MAC_1904_XLS):
        shutil.copy(FIXTURES / name, release / name)
    result = run_cli("ingest", str(release), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["files_ingested"], summary["rows_stored"], summary["rows_quarantined"]) == (2, 5, 2)
    return {Path(f["path"]).name: f for f in summary["files"]}


def test_xls_counts_and_variants(ingested: dict[str, dict]) -> None:
    network = ingested[NETWORK_XLS]
    assert (network["status"], network["format"]) == ("ingested", "flock_excel")
    assert (network["rows_read"], network["rows_stored"], network["rows_quarantined"]) == (6, 4, 2)
    assert network["variant"] == "mixed: flock-14+title-rows, flock-trimmed-5"
    assert (network["producer"], network["log_kind"]) == ("Lake Travis ISD TX PD", "network_audit")
    mac = ingested[MAC_1904_XLS]
    assert (mac["rows_read"], mac["rows_stored"], mac["rows_quarantined"]) == (1, 1, 0)
    assert (mac["producer"], mac["log_kind"], mac["variant"]) == ("Cobb County GA SO", "org_audit", "flock-trimmed-6")


@pytest.mark.slow
def test_xls_typed_values_and_provenance(ingested: dict[str, dict], store_dir: Path) -> None:
    rows = query(store_dir, "SELECT regexp_extract(source_file, '[^/]+$'), source_sheet, source_row, search_id, "
                            "searcher_org, networks_searched, devices_searched, reason, search_time, "
                            "time_frame_start, time_frame_end FROM searches ORDER BY 1, 2, 3")
    frame_start, frame_end = dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 5, 8, tzinfo=UTC)
    prefix = "0b6f1c2e-2222-4a2b-9c3d-00000000000"
    assert rows == [
        # header in spreadsheet row 1, so the first data row is 2
        (NETWORK_XLS, "February", 2, prefix + "5", "Houston TX PD", 2000, None, "1042",
         dt.datetime(2026, 2, 1, 0, 0, 1, tzinfo=UTC), None, None),
        # a title row (1) above the header (2): data from row 3
        (NETWORK_XLS, "January", 3, prefix + "1", "Houston TX PD", 12, 1200, "5237",  # date serial, numeric reason
         dt.datetime(2026, 1, 5, 8, 0, tzinfo=UTC), frame_start, frame_end),
        (NETWORK_XLS, "January", 4, prefix + "2", "Cobb County GA SO", 37, 450, "ICE",  # numbers stored as text
         dt.datetime(2026, 1, 6, 15, 4, 5, tzinfo=UTC), frame_start, frame_end),
        (NETWORK_XLS, "January", 5, prefix + "3", "Houston TX PD", 3, 40, "911.5",
         dt.datetime(2026, 1, 7, 23, 59, tzinfo=UTC), frame_start, frame_end),
        # the 1904 date system (old Mac Excel): the same date, not one four years off
        (MAC_1904_XLS, "Audit", 2, prefix + "7", "Dallas TX PD", 2, None, "warrant",
         dt.datetime(2026, 3, 2, 14, 30, tzinfo=UTC), None, None),
    ]
    types = query(store_dir, "SELECT DISTINCT typeof(search_time), typeof(networks_searched), typeof(reason) "
                             "FROM searches")
    assert types == [("TIMESTAMP WITH TIME ZONE", "BIGINT", "VARCHAR")]


@pytest.mark.slow
def test_xls_quarantine_and_skipped_sheets(ingested: dict[str, dict], run_cli) -> None:
    result = run_cli("query", "SELECT source_sheet, source_row, reason, raw FROM quarantine ORDER BY 1, 2",
                     "--format", "json")
    quarantined = json.loads(result.output)
    assert [(q["source_sheet"], q["source_row"], q["reason"]) for q in quarantined] == [
        ("February", 3, "row ends after 4 of 5 cells, before Search Time (the file may be cut short)"),
        ("January", 6, "Search Time cannot be read as a time: bad"),
    ]
    assert quarantined[1]["raw"].startswith("0b6f1c2e-2222-4a2b-9c3d-000000000004,Officer D,Houston TX PD,1,1,")
    sources = {Path(s["path"]).name: s for s in json.loads(run_cli("sources", "--format", "json").output)}
    skipped = sources[NETWORK_XLS]["parts_skipped"]
    assert skipped.startswith("Empty: empty sheet; Pivot: not a Flock audit export: first row has Row Labels, "
                              "Count of ID;")
    assert skipped.endswith("(a pivot or summary sheet?)")
    assert sources[MAC_1904_XLS]["parts_skipped"] == ""


def test_xls_reingest_is_idempotent(ingested: dict[str, dict], run_cli, tmp_path: Path) -> None:
    again = run_cli("ingest", str(tmp_path / "release"), "--json")
    summary = json.loads(again.output)
    assert (summary["files_already"], summary["rows_stored"]) == (2, 0)


def _xlsb_shaped(path: Path) -> Path:
    """A zip laid out like an .xlsb (binary workbook part), whose workbook part is damaged."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml",
                         '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                         'content-types"><Override PartName="/xl/workbook.bin" '
                         'ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>')
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
    return path


def test_xlsb_goes_to_the_excel_reader(tmp_path: Path, run_cli) -> None:
    """Untested with a real .xlsb (nothing here writes one): the file must at least be treated as a
    workbook, not unzipped as an archive nor read as text, and fastexcel's error must reach the user."""
    path = _xlsb_shaped(tmp_path / "release" / "1_1_2026-1_31_2026-Lake Travis ISD TX PD-Network-Audit.xlsb")
    with Expander() as expander:
        (source,) = list(expander.expand([str(path)]))
    assert source.display_path == path.name  # one source: not expanded as a zip archive
    reader, match = detect(source)  # type: ignore[misc]
    assert isinstance(reader, FlockExcel) and match.details["skip"]
    result = run_cli("ingest", str(path), "--json")
    assert result.exit_code != 0 and "nothing could be read" in result.stderr  # the only file was skipped
    outcome = json.loads(result.stdout)["files"][0]
    assert (outcome["status"], outcome["format"]) == ("skipped", "flock_excel")
    assert outcome["reason"].startswith("workbook could not be opened (calamine error: Xlsb error")
    assert "save it as .xlsx" in outcome["reason"]


def test_unreadable_ole_file_not_named_xls_is_left_to_other_readers(tmp_path: Path) -> None:
    """An OLE file fastexcel cannot open is called a damaged workbook only when named .xls."""
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    for name, claimed in (("damaged.xls", True), ("installer.msi", False)):
        path = tmp_path / name
        path.write_bytes(ole)
        with Expander() as expander:
            (source,) = list(expander.expand([str(path)]))
        match = FlockExcel().sniff(source)
        assert (match is not None) is claimed, name
        if match is not None:
            assert match.details["reason"].startswith("workbook could not be opened")


def test_a_workbook_cut_short_is_named_as_one(tmp_path: Path, run_cli) -> None:
    """An .xlsx cut in half (a failed download) is no zip any more; it is skipped as a damaged workbook
    with fastexcel's reason, not as 'not a format lprlogs reads', and the other files are still read."""
    whole = next(Path(__file__).resolve().parent.parent.glob("samples/**/*Network-Audit*.xlsx"))
    release = tmp_path / "release"
    release.mkdir()
    data = whole.read_bytes()
    (release / whole.name).write_bytes(data[: len(data) // 2])
    (release / "other.csv").write_text("ID,Name,Org Name,Total Networks Searched,Total Devices Searched,"
                                       "Time Frame,License Plate,Reason,Case #,Filters,Search Time,Search Type,"
                                       "Text Prompt,Moderation\n"
                                       "a1,User 1,Houston TX PD,3,40,,,,,,\"01/02/2025, 3:04:05 PM UTC\",lookup,,\n",
                                       encoding="utf-8")
    result = run_cli("ingest", str(release), "--json")
    assert result.exit_code == 0, result.output
    outcomes = {Path(f["path"]).name: f for f in json.loads(result.stdout)["files"]}
    cut = outcomes[whole.name]
    assert (cut["status"], cut["format"]) == ("skipped", "flock_excel")
    assert cut["reason"].startswith("workbook could not be opened") and "cut short" in cut["reason"]
    assert outcomes["other.csv"]["status"] == "ingested"
