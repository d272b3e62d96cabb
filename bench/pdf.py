"""Benchmark: ingest of a printed Flock audit PDF (the Okaloosa layout), and the synthetic PDF maker
the tests use too.

    python bench/pdf.py                 # 800 pages, 3 runs, prints medians
    python bench/pdf.py --pages 200 --runs 5
    python bench/pdf.py --libraries     # also time pdfplumber words against pdfium on the same file

The PDF is generated with fpdf2 (`pip install fpdf2`) into bench/out/ (gitignored): landscape letter,
nine printed columns at the real printout's positions, header on page 1 only, `Time Frame` wrapped
over six lines, rows bottom-aligned, about nine rows a page. No real page is ever copied.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

HEADERS = ("ID", "Org Name", "Total Networks Searched", "Total Devices Searched", "Time Frame", "Reason",
           "Search Time", "Search Type", "Moderation")
# left edge of each column on the displayed page (points), as printed in the real Okaloosa release;
# numbers are right-aligned to the column's right edge, everything else left-aligned
COLUMN_X = (52.0, 184.7, 256.9, 336.1, 410.0, 449.8, 566.2, 654.0, 694.2)
COLUMN_RIGHT = (180.0, 252.0, 332.0, 406.5, 444.0, 560.0, 650.0, 690.0, 740.0)
RIGHT_ALIGNED = {2, 3}
FONT_SIZE = 6.0
LINE_HEIGHT = 9.25
TOP = 57.0
BOTTOM = 560.0
STAMP = "%m/%d/%Y, %I:%M:%S %p UTC"

REASONS = ["bolo", "Warrant", "crash hit and run", "missing person", "Suspect Vehicle", "Inv", "theft",
           "Traffic Investigation", "", "stolen vehicle reported by owner after a burglary of the residence "
           "on the north side", "ICAC traveler", "Narcotics Investigation", "deputy request", "25-136102"]


def synthetic_rows(count: int, seed: int = 7) -> list[dict[str, str | None]]:
    """Rows as the printed cells read (None = empty cell)."""
    rng = random.Random(seed)
    base = datetime(2025, 11, 14, 9, 53, 36, tzinfo=UTC)
    rows = []
    for i in range(count):
        searched = base + timedelta(seconds=i * 97 + rng.randint(0, 50))
        start = searched - timedelta(seconds=rng.choice([43_000, 86_400, 604_800, 2_592_003, 2_580_259, 3_812_890]))
        end = searched + timedelta(seconds=rng.randint(0, 3_000))
        networks = rng.choice([1, 4, 840, 911, 6601])
        rows.append({
            "ID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "Org Name": "Example County FL SO",
            "Total Networks Searched": str(networks),
            "Total Devices Searched": str(networks * rng.randint(1, 21)),
            "Time Frame": f"{start.strftime(STAMP)}\n{end.strftime(STAMP)}",
            "Reason": rng.choice(REASONS) or None,
            "Search Time": searched.strftime(STAMP),
            "Search Type": rng.choice(["lookup", "search", "multiGeo"]),
            "Moderation": rng.choice([None, None, None, "allow", "block"]),
        })
    return rows


def _wrap(pdf: object, text: str, width: float) -> list[str]:
    """Lines as a spreadsheet prints a wrapped cell: hard line breaks kept; soft wraps at spaces, the
    space kept at the end of the line."""
    lines: list[str] = []
    for hard in text.split("\n"):
        current = ""
        for word in hard.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and pdf.get_string_width(candidate) > width:  # type: ignore[attr-defined]
                lines.append(current + " ")
                current = word
            else:
                current = candidate
        lines.append(current)
    return lines


def write_printed_audit(path: Path, rows: list[dict[str, str | None]], *, split_rows: bool = False,
                        header: bool = True) -> tuple[int, list[int]]:
    """Write ``rows`` as a printed audit PDF; returns the page count and the printed row numbers
    (header = 1) whose lines run over a page break. Rows are bottom-aligned; a row that does not fit
    moves to the next page, unless ``split_rows`` (then its lines run over the break)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=FONT_SIZE)
    pdf.add_page()
    y = TOP
    if header:
        for x, text in zip(COLUMN_X, HEADERS, strict=True):
            pdf.text(x, y, text)
        y += LINE_HEIGHT
    spanning: list[int] = []
    for number, row in enumerate(rows, start=2):
        cells = []
        for col, head in enumerate(HEADERS):
            value = row.get(head) or ""
            cells.append(_wrap(pdf, value, COLUMN_RIGHT[col] - COLUMN_X[col]) if value else [])
        height = max(len(c) for c in cells)
        if not split_rows and y + (height - 1) * LINE_HEIGHT > BOTTOM:
            pdf.add_page()
            y = TOP
        for line in range(height):
            if y > BOTTOM:
                pdf.add_page()
                y = TOP
                if line > 0:
                    spanning.append(number)
            for col, lines in enumerate(cells):
                offset = height - len(lines)  # bottom-aligned
                if line < offset:
                    continue
                text = lines[line - offset]
                x = COLUMN_X[col]
                if col in RIGHT_ALIGNED:
                    x = COLUMN_RIGHT[col] - pdf.get_string_width(text)
                pdf.text(x, y, text)
            y += LINE_HEIGHT
    pdf.output(str(path))
    return pdf.page, spanning


def make_bench_pdf(pages: int, folder: Path) -> Path:
    path = folder / f"{pages}-pages" / "1_1_2026-1_31_2026-Example County FL SO-Audit.pdf"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = synthetic_rows(pages * 9 + 5)
        made, _ = write_printed_audit(path, rows)
        print(f"made {path.name}: {made} pages, {len(rows)} rows", file=sys.stderr)
    return path


def time_ingest(path: Path, runs: int) -> list[float]:
    from lprlogs.ingest import ingest

    seconds = []
    for _ in range(runs):
        store = Path(tempfile.mkdtemp(prefix="lprlogs-bench-pdf-"))
        try:
            started = time.perf_counter()
            report = ingest([str(path)], store / "store")
            seconds.append(time.perf_counter() - started)
            assert report.files[0].status == "ingested", report.files[0].reason
        finally:
            shutil.rmtree(store, ignore_errors=True)
    return seconds


def time_libraries(path: Path, runs: int) -> dict[str, float]:
    """Reading words with positions only (no staging): pdfium (what lprlogs uses) vs pdfplumber."""
    import pdfplumber
    import pypdfium2 as pdfium

    from lprlogs.formats import pdf as pdf_format

    results: dict[str, list[float]] = {"pypdfium2 (lprlogs reader)": [], "pdfplumber extract_words": []}
    for _ in range(runs):
        started = time.perf_counter()
        document = pdfium.PdfDocument(str(path))
        pdf_format.read_rows(document)
        document.close()
        results["pypdfium2 (lprlogs reader)"].append(time.perf_counter() - started)
        started = time.perf_counter()
        with pdfplumber.open(str(path)) as plumber:
            for page in plumber.pages:
                page.extract_words(keep_blank_chars=False, use_text_flow=False)
        results["pdfplumber extract_words"].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=800)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--libraries", action="store_true", help="also time pdfplumber words vs pdfium")
    args = parser.parse_args()
    folder = Path(__file__).resolve().parent / "out"
    folder.mkdir(exist_ok=True)
    path = make_bench_pdf(args.pages, folder)
    seconds = time_ingest(path, args.runs)
    median = statistics.median(seconds)
    print(f"ingest {args.pages} pages: median {median:.2f} s over {args.runs} runs "
          f"({args.pages / median:.0f} pages/s; runs {', '.join(f'{s:.2f}' for s in seconds)})")
    if args.libraries:
        for name, value in time_libraries(path, args.runs).items():
            print(f"  {name}: median {value:.2f} s ({args.pages / value:.0f} pages/s)")


if __name__ == "__main__":
    main()
