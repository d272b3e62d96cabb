"""Counts (Total Networks Searched, Total Devices Searched, cameraCount, networkCount, Vigilant counts):
one rule in every format. A whole number is stored; anything else is stored empty with its text in raw
and a note naming the rows, never rounded (`5.5` was stored as 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import FLOCK_14, flock_row, query, write_flock_csv

from lprlogs.ingest import ingest

ODD = ["5.5", "1e3", "0x10", "1_000", "five"]
WHOLE = {"12": 12, "1,234": 1234, "5.0": 5, " 7 ": 7, "——": None, "": None}


def _networks(store_dir: Path) -> dict[int, tuple[int | None, str | None]]:
    rows = query(store_dir, "SELECT source_row, networks_searched, raw FROM searches ORDER BY source_row")
    return {r[0]: (r[1], json.loads(r[2]).get("Total Networks Searched")) for r in rows}


@pytest.mark.slow
def test_flock_csv_counts_never_rounded(tmp_path: Path, store_dir: Path) -> None:
    cells = [*ODD, *WHOLE]
    rows = [flock_row(networks=0, reason=f"r{i}").replace(",0,340,", f',"{cell}",340,', 1)
            for i, cell in enumerate(cells)]
    path = write_flock_csv(tmp_path / "in", "counts.csv", rows)
    outcome = ingest([str(path)], store_dir).files[0]
    assert (outcome.rows_stored, outcome.rows_quarantined) == (len(cells), 0)
    stored = _networks(store_dir)
    for i, cell in enumerate(ODD, start=2):
        assert stored[i] == (None, cell)  # empty, the text kept in raw
    for i, (cell, value) in enumerate(WHOLE.items(), start=2 + len(ODD)):
        assert stored[i][0] == value, cell
    note = next(n for n in outcome.notes if "not whole numbers" in n)
    assert note.startswith("5 networks_searched value(s)") and "(row 2, 3, 4, 5, 6)" in note


@pytest.mark.slow
def test_flock_workbook_counts_never_rounded(tmp_path: Path, store_dir: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(FLOCK_14.split(","))
    for i, networks in enumerate([5.5, 12, 12.0, "7.25"]):
        sheet.append([f"id{i}", "J. Okafor", "Houston TX PD", networks, 340,
                      "11/01/2025, 12:00:00 AM UTC\n11/14/2025, 09:53:36 AM UTC", "7ABC123", "stolen vehicle", "",
                      "", "11/14/2025, 09:53:36 AM UTC", "lookup", "", "allow"])
    path = tmp_path / "audit.xlsx"
    book.save(path)
    outcome = ingest([str(path)], store_dir).files[0]
    assert outcome.rows_stored == 4
    assert [v for v, _ in _networks(store_dir).values()] == [None, 12, 12, None]
    assert any(n.startswith("2 networks_searched value(s)") and "(row 2, 5)" in n for n in outcome.notes)


def test_portal_counts_never_rounded(tmp_path: Path, store_dir: Path) -> None:
    lines = ['"id","userId","searchDate","networkCount","reason"']
    for i, count in enumerate(["5.5", "449", "1,234", "5.0", "-"]):
        lines.append(f'"a{i}","***","2026-03-10T04:31:52.901Z","{count}","theft"')
    path = tmp_path / "menlo-park-ca-pd_2026-04-25_search_audit.csv"
    path.write_text("\n".join(lines) + "\n")
    outcome = ingest([str(path)], store_dir).files[0]
    values = query(store_dir, "SELECT networks_searched, raw->>'networkCount' FROM searches ORDER BY source_row")
    assert values == [(None, "5.5"), (449, "449"), (1234, "1,234"), (5, "5.0"), (None, "-")]
    assert any(n.startswith("1 networks_searched value(s)") and "(row 2)" in n for n in outcome.notes)


def test_vigilant_counts_never_rounded(tmp_path: Path, store_dir: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    audit = book.active
    audit.title = "Audit"
    audit.append(["Reason", "DateTime"])
    audit.append(["stolen vehicle", "2025-01-02 03:04:05"])
    counts = book.create_sheet("Detections")
    counts.append(["Month", "2025"])
    counts.append(["January", 1200])
    counts.append(["February", 10.5])
    path = tmp_path / "vigilant.xlsx"
    book.save(path)
    outcome = ingest([str(path)], store_dir).files[0]
    rows = query(store_dir, "SELECT item, count, value_text FROM vigilant_counts ORDER BY source_row")
    assert rows == [("January", 1200, "1200"), ("February", None, "10.5")]
    assert any(n.startswith("1 count value(s) on sheet Detections") for n in outcome.notes)
