"""A sharing list printed to PDF (Organization Name, Networks Shared With Me, Networks I'm Sharing over
many pages, list cells wrapped over many lines) is read into the `sharing` view row for row, whether
the printout aligns cells at the bottom (a spreadsheet's default) or the top."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import first_fast, query

from lprlogs.ingest import ingest

HEADERS = ("Organization Name", "Networks Shared With Me", "Networks I'm Sharing")
COLUMN_X = (40, 200, 480)
COLUMN_WIDTH = (150, 270, 270)
LINE = 11
TOP, BOTTOM = 60, 560


def _rows(count: int) -> list[tuple[str, list[str], list[str]]]:
    rows = []
    for i in range(count):
        with_me = [f"City of Town{i}-{k} CA PD" for k in range(i % 7)]
        sharing = [f"Agency {i}-{k} County Sheriff's Office" for k in range((i * 3) % 11)]
        if i % 5 == 0:
            with_me.append("University of California, Berkeley PD")  # ', ' inside a name
        rows.append((f"Agency Number {i} PD", with_me, sharing))
    return rows


def _wrap(pdf, text: str, width: float) -> list[str]:
    words, lines, current = text.split(" "), [], ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and pdf.get_string_width(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def write_sharing_pdf(path: Path, rows: list[tuple[str, list[str], list[str]]], align: str) -> int:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF(orientation="L", unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=8)

    def new_page() -> float:
        pdf.add_page()
        for x, head in zip(COLUMN_X, HEADERS, strict=True):
            pdf.text(x, TOP, head)
        return TOP + 1.5 * LINE

    y = new_page()
    for org, with_me, sharing in rows:
        cells = [_wrap(pdf, text, width) if text else []
                 for text, width in zip((org, ",".join(with_me), ",".join(sharing)), COLUMN_WIDTH, strict=True)]
        height = max(1, *(len(c) for c in cells))
        if y + (height - 1) * LINE > BOTTOM:
            y = new_page()
        for line in range(height):
            for x, lines in zip(COLUMN_X, cells, strict=True):
                offset = height - len(lines) if align == "bottom" else 0
                if offset <= line < offset + len(lines):
                    pdf.text(x, y, lines[line - offset])
            y += LINE
        y += 3  # cell padding between rows
    pdf.output(str(path))
    return pdf.page


@pytest.mark.parametrize("align", first_fast("bottom", "top"))
def test_printed_sharing_list_is_read_row_for_row(tmp_path: Path, store_dir: Path, align: str) -> None:
    rows = _rows(60)
    path = tmp_path / "Shared Networks.pdf"
    pages = write_sharing_pdf(path, rows, align)
    assert pages >= 3
    outcome = ingest([str(path)], store_dir, producer="Example County FL SO").files[0]
    assert (outcome.status, outcome.format, outcome.log_kind) == ("ingested", "flock_sharing", "sharing")
    assert outcome.rows_quarantined == 0
    got = query(store_dir, "SELECT source_row, organization, direction, network FROM sharing "
                           "ORDER BY source_row, direction, position")
    expected = []
    for number, (org, with_me, sharing) in enumerate(rows, start=2):
        if not with_me and not sharing:
            expected.append((number, org, "none", None))
        expected += [(number, org, "i_share", n) for n in sharing]
        expected += [(number, org, "shared_with_me", n) for n in with_me]
    assert got == expected
    last_page = query(store_dir, "SELECT max(source_sheet) FROM sharing")[0][0]
    assert last_page.startswith("page ")


def test_log_type_sharing_on_a_pdf_that_is_no_sharing_list_says_so(tmp_path: Path, store_dir: Path) -> None:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.text(40, 60, "Dear requester, enclosed are the records you asked for.")
    path = tmp_path / "letter.pdf"
    pdf.output(str(path))
    outcome = ingest([str(path)], store_dir, log_kind="sharing").files[0]
    assert outcome.status in ("skipped", "rejected")
    assert "--log-type sharing" in outcome.reason and "cannot be read as a sharing list" in outcome.reason


def test_log_type_is_honoured_or_refused_in_one_line(tmp_path: Path, store_dir: Path) -> None:
    from helpers import flock_row, write_flock_csv

    audit = write_flock_csv(tmp_path / "a", "audit.csv", [flock_row()])
    outcome = ingest([str(audit)], store_dir, log_kind="sharing").files[0]
    assert outcome.status == "skipped" and outcome.rows_stored == 0
    assert outcome.reason.startswith("--log-type sharing was given, but this file cannot be read as a sharing "
                                     "list: it reads as a Flock network audit (flock-14)")
    events = tmp_path / "e" / "events.csv"
    events.parent.mkdir()
    events.write_text("Timestamp,User,Event Type,Entity Type,Entity Details\n"
                      "2025-01-02 03:04:05,J. Okafor,Create,Hotlist,Name: Stolen\n")
    outcome = ingest([str(events)], store_dir, log_kind="org_audit").files[0]  # a release's option
    assert (outcome.status, outcome.log_kind) == ("ingested", "event_log")
