"""Every file given appears in the report: files not read are listed with their reason (and warned about
at the top when they may hold searches), and files whose producer is unknown stay apart, per file."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import flock_row, write_flock_csv


@pytest.mark.slow
def test_files_not_read_and_unknown_producers_are_kept_apart(run_cli, tmp_path: Path) -> None:
    release = tmp_path / "release"
    write_flock_csv(release / "eugene", "search_audit.csv", [flock_row(reason="a"), flock_row(reason="b")])
    write_flock_csv(release / "dover", "audit.csv", [flock_row(reason="c")])
    write_flock_csv(release, "11_1_2025-11_30_2025-Dover DE PD-Network-Audit.csv", [flock_row(reason="d")])
    (release / "empty-export.csv").write_bytes(b"")
    (release / "cover letter.txt").write_text("Dear requester, ...", encoding="utf-8")
    out = tmp_path / "report"
    result = run_cli("analyze", str(release), "-o", str(out))
    assert result.exit_code == 0, result.output
    page = (out / "index.html").read_text(encoding="utf-8").replace("<wbr>", "")
    assert 'id="not-read-warning"' in page and "empty file (0 bytes)" in page.split('id="not-read-warning"')[1][:600]
    not_read = page.split('id="not-read"')[1]
    assert "empty-export.csv" in not_read and "cover letter.txt" in not_read
    assert "(unknown producer: search_audit.csv)" in page and "(unknown producer: audit.csv)" in page
    brief = (out / "brief.md").read_text(encoding="utf-8")
    assert "from 3 files of 3 producers" in brief
    assert "2 file(s) were not read" in brief and "`release/empty-export.csv` (rejected: empty file" in brief
    import openpyxl

    sheet = openpyxl.load_workbook(out / "lprlogs-report.xlsx", read_only=True)["Files not read"]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "release/cover letter.txt" in cells and "release/empty-export.csv" in cells
