"""The report never calls a time UTC that was not: local times of unknown zone are named as such in the
page, the brief, the workbook and the CSVs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import SAMPLES


@pytest.mark.slow
def test_local_times_of_unknown_zone_are_never_labelled_utc(run_cli, tmp_path: Path) -> None:
    release = tmp_path / "release"
    release.mkdir()
    vigilant = next((SAMPLES / "vigilant").glob("*.xlsx"))
    shutil.copy(vigilant, release / "alpr-audits-irvine-police-department-1_doc5.xlsx")  # no state: zone unknown
    shutil.copy(SAMPLES / "flock" / "11_1_2025-11_30_2025-Atlanta GA PD-Network-Audit.csv", release)
    out = tmp_path / "report"
    result = run_cli("analyze", str(release), "-o", str(out))
    assert result.exit_code == 0, result.output
    brief = (out / "brief.md").read_text(encoding="utf-8")
    assert "(UTC, except 300 rows of local time with no known zone)" in brief
    assert "Times are UTC except 300 rows of local times whose zone is not known" in brief
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Search time (UTC)" not in page and "Search time (UTC, except 300 rows" in page
    csv_text = next((out / "csv").glob("*.csv")).read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0].endswith("time_basis")
    import openpyxl

    book = openpyxl.load_workbook(out / "lprlogs-report.xlsx", read_only=True)
    headers = {str(c) for sheet in book.worksheets for row in sheet.iter_rows(max_row=6, values_only=True)
               for c in row if c and str(c).startswith("Search time")}
    assert headers and all("unless the time basis says otherwise" in h for h in headers)
