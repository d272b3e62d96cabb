"""Printed PDF audits: the real Okaloosa slice rebuilt row for row, synthetic printouts round-trip
exactly (wrapped time frames, long reasons, rows over a page break), and scans, cover letters,
truncated and encrypted PDFs are explained in one line."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from helpers import ROOT, query

from lprlogs.engine import Engine
from lprlogs.formats import pdf as pdf_format
from lprlogs.ingest import ingest
from lprlogs.store import Store

OKALOOSA = "okaloosa-fl-so/11_1_2025-12_8_2025-Okaloosa_County_FL_SO-Audit.pages-1-30.pdf"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NAME = "1_1_2026-1_31_2026-Example County FL SO-Audit.pdf"


def _bench_module():
    """bench/pdf.py holds the synthetic printout maker (shared with the benchmark)."""
    pytest.importorskip("fpdf")
    spec = importlib.util.spec_from_file_location("lprlogs_bench_pdf", ROOT / "bench" / "pdf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _rows(store_dir: Path) -> list[dict]:
    columns, rows = Engine(Store.open(store_dir)).query(
        "SELECT search_id, searcher_org, networks_searched, devices_searched, time_frame_start, time_frame_end, "
        "search_time, reason, search_type, moderation, source_row, source_page, variant, producer, log_kind, raw "
        "FROM searches ORDER BY source_row")
    return [dict(zip(columns, row, strict=True)) for row in rows]


# --- the real 30-page slice -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def okaloosa_store(tmp_path_factory: pytest.TempPathFactory, realdata: Path) -> Path:
    store_dir = tmp_path_factory.mktemp("okaloosa") / "store"
    report = ingest([str(realdata / OKALOOSA)], store_dir)
    outcome = report.files[0]
    assert outcome.status == "ingested", outcome.reason
    assert (outcome.format, outcome.variant) == ("flock_pdf", "pdf flock-trimmed-9")
    assert (outcome.producer, outcome.log_kind) == ("Okaloosa County FL SO", "org_audit")
    return store_dir


@pytest.mark.slow
def test_real_slice_row_count_matches_the_uuids_printed(realdata: Path, okaloosa_store: Path) -> None:
    document = pdfium.PdfDocument(str(realdata / OKALOOSA))
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    printed_ids = re.findall(UUID, text)  # counted from plain text, independently of the reader
    rows = _rows(okaloosa_store)
    assert len(printed_ids) == len(rows) == 269
    ids = [r["search_id"] for r in rows]
    assert all(re.fullmatch(UUID, i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert ids == printed_ids  # same IDs, same order
    assert [r["source_row"] for r in rows] == list(range(2, 271))
    assert query(okaloosa_store, "SELECT count(*) FROM quarantine")[0][0] == 0
    # every printed column was read for every row
    assert all(r["searcher_org"] == "Okaloosa County FL SO" and r["search_time"] and r["time_frame_start"]
               and r["time_frame_end"] and r["networks_searched"] is not None and r["devices_searched"] is not None
               and r["search_type"] in ("lookup", "search", "multiGeo") for r in rows)


def test_real_slice_first_and_last_rows_cell_by_cell(okaloosa_store: Path) -> None:
    rows = _rows(okaloosa_store)
    first, last = rows[0], rows[-1]
    assert json.loads(first["raw"]) == {
        "ID": "23d55b89-42eb-4f5c-9281-f5e8bf4864be", "Org Name": "Okaloosa County FL SO",
        "Total Networks Searched": "840", "Total Devices Searched": "17652",
        "Time Frame": "11/13/2025, 10:00:17 PM UTC\n11/14/2025, 10:00:17 AM UTC", "Reason": "bolo",
        "Search Time": "11/14/2025, 09:53:36 AM UTC", "Search Type": "lookup", "Moderation": None,
    }
    assert (first["networks_searched"], first["devices_searched"]) == (840, 17652)
    assert first["time_frame_start"].isoformat() == "2025-11-13T22:00:17+00:00"
    assert first["time_frame_end"].isoformat() == "2025-11-14T10:00:17+00:00"
    assert first["search_time"].isoformat() == "2025-11-14T09:53:36+00:00"
    assert (first["source_row"], first["source_page"]) == (2, 1)
    assert json.loads(last["raw"]) == {
        "ID": "9d487704-07d7-4daf-ae69-3f4d22cf69bc", "Org Name": "Okaloosa County FL SO",
        "Total Networks Searched": "1", "Total Devices Searched": "2",
        "Time Frame": "11/15/2025, 09:54:19 AM UTC\n11/15/2025, 10:09:19 AM UTC",
        "Reason": "Traffic Investigation", "Search Time": "11/15/2025, 10:09:21 AM UTC",
        "Search Type": "search", "Moderation": None,
    }
    assert last["search_time"].isoformat() == "2025-11-15T10:09:21+00:00"
    assert (last["source_row"], last["source_page"]) == (270, 30)


def test_real_slice_pages_and_the_rows_either_side_of_a_page_break(okaloosa_store: Path) -> None:
    rows = _rows(okaloosa_store)
    per_page = {}
    for r in rows:
        per_page[r["source_page"]] = per_page.get(r["source_page"], 0) + 1
    assert per_page == {1: 8, **{page: 9 for page in range(2, 31)}}  # the header takes a row on page 1
    by_row = {r["source_row"]: r for r in rows}
    end_of_page_1, top_of_page_2 = by_row[9], by_row[10]
    assert (end_of_page_1["search_id"], end_of_page_1["source_page"]) == ("231728d2-89e0-4a86-98bf-46f810667778", 1)
    assert json.loads(end_of_page_1["raw"])["Time Frame"] == "11/13/2025, 01:30:51 PM UTC\n11/14/2025, 01:30:51 AM UTC"
    assert (top_of_page_2["search_id"], top_of_page_2["source_page"]) == ("7dd0c7c8-35ee-46d6-ae5f-e2bbcfaad588", 2)
    assert json.loads(top_of_page_2["raw"])["Time Frame"] == "11/13/2025, 01:30:40 PM UTC\n11/14/2025, 01:30:40 AM UTC"
    assert top_of_page_2["reason"] == "bolo"
    assert top_of_page_2["search_time"].isoformat() == "2025-11-14T01:18:21+00:00"


def test_real_slice_blank_reasons_and_long_lookbacks(okaloosa_store: Path) -> None:
    blank, long_lookback, barely = query(okaloosa_store, """
        SELECT count(*) FILTER (reason IS NULL),
               count(*) FILTER (epoch(search_time) - epoch(time_frame_start) > 30 * 86400),
               count(*) FILTER (epoch(search_time) - epoch(time_frame_start) BETWEEN 30 * 86400 + 1 AND 30 * 86400 + 6)
        FROM searches""")[0]
    assert (blank, long_lookback, barely) == (0, 11, 4)  # four reach back 30 days plus 2 to 6 seconds only


# --- synthetic printouts ----------------------------------------------------------------------------


@pytest.mark.slow
def test_synthetic_printout_round_trips_exactly(tmp_path: Path, store_dir: Path) -> None:
    bench = _bench_module()
    rows = bench.synthetic_rows(30, seed=11)
    rows[3]["Reason"] = "stolen vehicle reported by owner after a burglary of the residence on the north side"
    rows[4]["Reason"] = None
    rows[5]["ID"] = None  # an ID masked by the agency: the row is still one row, anchored by its search time
    (tmp_path / "in").mkdir()
    pages, _ = bench.write_printed_audit(tmp_path / "in" / NAME, rows)
    assert pages >= 3
    document = pdfium.PdfDocument(str(tmp_path / "in" / NAME))
    result = pdf_format.read_rows(document)
    table = result.table
    assert result.quarantined == [] and result.pages == pages and result.textless_pages == []
    assert table.drop(["source_row", "source_page"]).to_dicts() == rows
    report = ingest([str(tmp_path / "in")], store_dir)
    assert report.files[0].status == "ingested" and report.files[0].rows_stored == 30
    stored = _rows(store_dir)
    assert [json.loads(r["raw"]) for r in stored] == rows
    assert stored[3]["reason"] == rows[3]["Reason"] and stored[4]["reason"] is None
    assert (stored[0]["producer"], stored[0]["log_kind"]) == ("Example County FL SO", "org_audit")
    start, end = rows[0]["Time Frame"].split("\n")
    assert stored[0]["time_frame_start"].strftime(bench.STAMP) == start
    assert stored[0]["time_frame_end"].strftime(bench.STAMP) == end
    assert [r["moderation"] for r in stored] == [r["Moderation"] for r in rows]


def test_rows_running_over_a_page_break_start_on_their_first_page(tmp_path: Path) -> None:
    bench = _bench_module()
    rows = bench.synthetic_rows(40, seed=3)
    path = tmp_path / NAME
    pages, spanning = bench.write_printed_audit(path, rows, split_rows=True)
    assert spanning, "the generator should have split at least one row over a page break"
    result = pdf_format.read_rows(pdfium.PdfDocument(str(path)))
    table = result.table
    assert result.quarantined == []
    assert table.drop(["source_row", "source_page"]).to_dicts() == rows
    document = pdfium.PdfDocument(str(path))
    page_text = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    by_row = {r["source_row"]: r for r in table.to_dicts()}
    for number in spanning:
        row = by_row[number]
        start = row["source_page"]
        # the row's ID line is printed on the next page, its first wrapped lines on the page it starts on
        assert row["ID"] not in page_text[start - 1] and row["ID"] in page_text[start]
        assert row["Time Frame"].split(",")[0] in page_text[start - 1]


def test_content_not_extension_decides(tmp_path: Path, store_dir: Path) -> None:
    bench = _bench_module()
    rows = bench.synthetic_rows(5)
    (tmp_path / "in").mkdir()
    bench.write_printed_audit(tmp_path / "in" / "audit-export.csv", rows)  # a PDF with the wrong extension
    report = ingest([str(tmp_path / "in")], store_dir)
    assert (report.files[0].status, report.files[0].format, report.files[0].rows_stored) == ("ingested", "flock_pdf", 5)


def test_scanned_pdf_says_how_many_pages_have_no_text_and_how_to_ocr(tmp_path: Path, store_dir: Path) -> None:
    fpdf = pytest.importorskip("fpdf")
    from PIL import Image

    image = tmp_path / "scan.png"
    Image.new("L", (200, 150), color=200).save(image)
    pdf = fpdf.FPDF(orientation="L", unit="pt", format="letter")
    for _ in range(3):
        pdf.add_page()
        pdf.image(str(image), x=20, y=20, w=700)
    (tmp_path / "in").mkdir()
    pdf.output(str(tmp_path / "in" / NAME))
    report = ingest([str(tmp_path / "in")], store_dir)
    outcome = report.files[0]
    assert outcome.status == "rejected"
    assert "no text on 3 of 3 pages" in outcome.reason and "ocrmypdf in.pdf out.pdf" in outcome.reason
    assert "\n" not in outcome.reason


def test_cover_letter_pdf_is_skipped_with_its_first_words(tmp_path: Path, store_dir: Path, run_cli) -> None:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF(unit="pt", format="letter")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(500, 14, "RE: Public Records Request 25-1234. Dear Requester, please find attached the "
                            "records responsive to your request for automated license plate reader audits.")
    (tmp_path / "in").mkdir()
    pdf.output(str(tmp_path / "in" / "Response Letter.pdf"))
    result = run_cli("ingest", str(tmp_path / "in"))
    assert "no Flock audit header (first words: RE: Public Records Request 25-1234. Dear Requester" in result.output
    assert "skipped: PDF text has no Flock audit header" in result.output
    assert Store.open(store_dir).batches == []  # nothing was stored: the run leaves no batch behind


def test_truncated_and_encrypted_pdfs_are_rejected_in_one_line(tmp_path: Path, store_dir: Path) -> None:
    bench = _bench_module()
    whole = tmp_path / "whole.pdf"
    bench.write_printed_audit(whole, bench.synthetic_rows(20))
    (tmp_path / "in").mkdir()
    data = whole.read_bytes()
    (tmp_path / "in" / "truncated.pdf").write_bytes(data[: len(data) // 2])
    (tmp_path / "in" / "garbage.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 200 + b"\n%%EOF\n")
    fpdf = pytest.importorskip("fpdf")
    locked = fpdf.FPDF()
    locked.set_encryption(owner_password="owner", user_password="secret")
    locked.add_page()
    locked.set_font("Helvetica", size=10)
    locked.text(20, 20, "ID Org Name Search Time")
    locked.output(str(tmp_path / "in" / "locked.pdf"))
    report = ingest([str(tmp_path / "in")], store_dir)
    reasons = {Path(f.path).name: (f.status, f.reason) for f in report.files}
    assert reasons["truncated.pdf"][0] == "rejected" and "truncated" in reasons["truncated.pdf"][1]
    assert reasons["garbage.pdf"][0] == "rejected" and "could not be opened" in reasons["garbage.pdf"][1]
    assert reasons["locked.pdf"][0] == "rejected" and "encrypted" in reasons["locked.pdf"][1]
    assert all("\n" not in reason for _, reason in reasons.values())
    assert query(store_dir, "SELECT count(*) FROM searches")[0][0] == 0


def test_text_after_the_last_row_is_quarantined_not_lost(tmp_path: Path, store_dir: Path) -> None:
    """A printout cut mid-row (its wrapped lines printed, its ID line not) keeps that text in quarantine."""
    bench = _bench_module()
    rows = bench.synthetic_rows(6)
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / NAME
    pages, _ = bench.write_printed_audit(path, rows)
    document = pdfium.PdfDocument(str(path))
    # print a 7th row's Time Frame lines only, below the last row, by drawing them on a copy of the page
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF(orientation="L", unit="pt", format="letter")
    pdf.set_font("Helvetica", size=bench.FONT_SIZE)
    pdf.add_page()
    pdf.text(bench.COLUMN_X[4], bench.TOP, "12/01/2025, ")
    pdf.text(bench.COLUMN_X[4], bench.TOP + bench.LINE_HEIGHT, "01:00:00 ")
    pdf.text(bench.COLUMN_X[4], bench.TOP + 2 * bench.LINE_HEIGHT, "PM UTC")
    tail = tmp_path / "tail.pdf"
    pdf.output(str(tail))
    document.import_pages(pdfium.PdfDocument(str(tail)))
    cut = tmp_path / "cut" / NAME
    cut.parent.mkdir()
    document.save(str(cut))
    report = ingest([str(cut.parent)], store_dir)
    outcome = report.files[0]
    assert (outcome.status, outcome.rows_stored, outcome.rows_quarantined) == ("ingested", 6, 1)
    raw, reason, page = query(store_dir, "SELECT raw, reason, source_page FROM quarantine")[0]
    assert json.loads(raw) == {"Time Frame": "12/01/2025, 01:00:00 PM UTC"}
    assert "no ID line" in reason and page == pages + 1
    shutil.rmtree(tmp_path / "cut")


@pytest.mark.parametrize("layout", [
    {"header_every_page": True, "footer": True},
    {"align": "top"},
    {"align": "top", "split_rows": True, "footer": True},
    {"wrap_spaces": False},
    {"title": "Organization Audit 11/1/2025 - 11/30/2025 Search Time in UTC"},
    {"wrap_header": True, "header_every_page": True},
])
def test_other_printout_layouts_round_trip(tmp_path: Path, layout: dict) -> None:
    """Headers repeated on every page and `Page N` footers are not rows; top-aligned rows (wrapped
    lines under the ID line) are read as well as bottom-aligned ones; a PDF maker that drops the space
    at soft wraps still gives Flock's two-line Time Frame."""
    bench = _bench_module()
    rows = bench.synthetic_rows(24, seed=5)
    path = tmp_path / NAME
    pages, _ = bench.write_printed_audit(path, rows, **layout)
    assert pages >= 3
    result = pdf_format.read_rows(pdfium.PdfDocument(str(path)))
    table = result.table
    assert result.quarantined == []
    assert table.drop(["source_row", "source_page"]).to_dicts() == rows
    assert table["source_page"].to_list() == sorted(table["source_page"].to_list())


def test_a_scanned_page_inside_a_text_pdf_is_named_and_its_cut_rows_kept(tmp_path: Path, store_dir: Path) -> None:
    """Text pages are read; the page without text is listed as skipped with the OCR hint, and the lines
    of a row it cut in two are quarantined, not glued onto another row."""
    bench = _bench_module()
    fpdf = pytest.importorskip("fpdf")
    from PIL import Image

    rows = bench.synthetic_rows(30, seed=2)
    text_pdf = tmp_path / "text.pdf"
    pages, spanning = bench.write_printed_audit(text_pdf, rows, split_rows=True)
    assert pages >= 3 and spanning
    image = tmp_path / "scan.png"
    Image.new("L", (200, 150), color=200).save(image)
    scan = fpdf.FPDF(orientation="L", unit="pt", format="letter")
    scan.add_page()
    scan.image(str(image), x=20, y=20, w=700)
    scan.output(str(tmp_path / "scan.pdf"))
    before = pdf_format.read_rows(pdfium.PdfDocument(str(text_pdf))).table
    start = before.filter(before["source_row"] == spanning[0])["source_page"][0]  # page the split row starts on
    document = pdfium.PdfDocument(str(text_pdf))
    document.import_pages(pdfium.PdfDocument(str(tmp_path / "scan.pdf")), index=start)  # new page start + 1
    (tmp_path / "in").mkdir()
    document.save(str(tmp_path / "in" / NAME))

    result = pdf_format.read_rows(pdfium.PdfDocument(str(tmp_path / "in" / NAME)))
    assert result.textless_pages == [start + 1]
    head, tail = result.quarantined  # the row split by the scanned page: its first lines, then its ID line
    assert head["source_page"] == start and f"cut off by page {start + 1}, which has no text" in head["reason"]
    assert tail["source_page"] == start + 2 and f"first row after page {start + 1}" in tail["reason"]
    assert tail["source_row"] == head["source_row"] + 1
    stored = result.table.drop(["source_row", "source_page"]).to_dicts()
    assert all(row in rows for row in stored) and len(stored) == len(rows) - 1

    report = ingest([str(tmp_path / "in")], store_dir)
    outcome = report.files[0]
    assert outcome.status == "ingested" and outcome.rows_quarantined >= 1
    assert any(f"1 of {pages + 1} pages" in note and f"page {start + 1}" in note and "ocrmypdf" in note
               for note in outcome.notes)
    entry = Store.open(store_dir).sources[0]
    skipped = {"part": f"page {start + 1}", "reason": f"no text (a scanned page?); {pdf_format.OCR_HINT}"}
    assert skipped in entry["parts_skipped"]


def test_pages_without_any_id_line_are_not_glued_into_one_row(tmp_path: Path) -> None:
    """A sheet printed with its columns split over pages gives pages of text with no ID line: their
    lines must not become one giant row; they are quarantined with the likely cause."""
    bench = _bench_module()
    fpdf = pytest.importorskip("fpdf")
    rows = bench.synthetic_rows(12, seed=4)
    path = tmp_path / NAME
    bench.write_printed_audit(path, rows)
    extra = fpdf.FPDF(orientation="L", unit="pt", format="letter")
    extra.set_font("Helvetica", size=bench.FONT_SIZE)
    for page in range(2):  # two pages holding only right-hand columns (no ID, no search time)
        extra.add_page()
        for line in range(30):
            extra.text(bench.COLUMN_X[5], bench.TOP + line * bench.LINE_HEIGHT, f"case {page}-{line}")
    extra.output(str(tmp_path / "extra.pdf"))
    document = pdfium.PdfDocument(str(path))
    document.import_pages(pdfium.PdfDocument(str(tmp_path / "extra.pdf")), index=1)  # pages 2 and 3
    document.save(str(tmp_path / "spread.pdf"))
    result = pdf_format.read_rows(pdfium.PdfDocument(str(tmp_path / "spread.pdf")))
    (bad,) = result.quarantined  # pages 2-3 and the first row of page 4 (whose ID line ends the group)
    assert bad["source_page"] == 2 and "over 3 pages" in bad["reason"] and "columns split" in bad["reason"]
    stored = result.table.drop(["source_row", "source_page"]).to_dicts()
    assert len(stored) == len(rows) - 1 and all(row in rows for row in stored)
    missing = [row for row in rows if row not in stored][0]
    assert missing["ID"] in bad["raw"]


def test_a_cover_page_before_the_audit_is_skipped_as_a_part(tmp_path: Path, store_dir: Path) -> None:
    bench = _bench_module()
    fpdf = pytest.importorskip("fpdf")
    rows = bench.synthetic_rows(15, seed=9)
    path = tmp_path / "audit.pdf"
    pages, _ = bench.write_printed_audit(path, rows)
    cover = fpdf.FPDF(orientation="L", unit="pt", format="letter")
    cover.add_page()
    cover.set_font("Helvetica", size=12)
    cover.text(72, 72, "Responsive records: ALPR audit, search time and reason, 11/1/2025 - 11/30/2025")
    cover.output(str(tmp_path / "cover.pdf"))
    document = pdfium.PdfDocument(str(path))
    document.import_pages(pdfium.PdfDocument(str(tmp_path / "cover.pdf")), index=0)
    (tmp_path / "in").mkdir()
    document.save(str(tmp_path / "in" / NAME))
    report = ingest([str(tmp_path / "in")], store_dir)
    assert (report.files[0].status, report.files[0].rows_stored) == ("ingested", 15)
    stored = _rows(store_dir)
    assert [json.loads(r["raw"]) for r in stored] == rows
    assert stored[0]["source_page"] == 2 and stored[-1]["source_page"] == pages + 1
    entry = Store.open(store_dir).sources[0]
    assert entry["parts_skipped"] == [{"part": "page 1", "reason": "printed before the audit header (a cover page?): not rows"}]
