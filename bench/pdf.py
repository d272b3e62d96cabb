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


def _wrap(pdf: object, text: str, width: float, keep_space: bool = True) -> list[str]:
    """Lines as a spreadsheet prints a wrapped cell: hard line breaks kept; soft wraps at spaces, the
    space kept at the end of the line (dropped when not ``keep_space``, as some PDF makers do)."""
    lines: list[str] = []
    for hard in text.split("\n"):
        current = ""
        for word in hard.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and pdf.get_string_width(candidate) > width:  # type: ignore[attr-defined]
                lines.append(current + (" " if keep_space else ""))
                current = word
            else:
                current = candidate
        lines.append(current)
    return lines


def write_printed_audit(path: Path, rows: list[dict[str, str | None]], *, split_rows: bool = False,
                        header_every_page: bool = False, footer: bool = False,
                        align: str = "bottom", wrap_spaces: bool = True,
                        title: str | None = None, wrap_header: bool = False) -> tuple[int, list[int]]:
    """Write ``rows`` as a printed audit PDF; returns the page count and the printed row numbers
    (header = 1) whose lines run over a page break. Rows are bottom-aligned (or ``align="top"``); a row
    that does not fit moves to the next page, unless ``split_rows`` (then its lines run over the break).
    ``header_every_page`` repeats the header on each page; ``footer`` prints `Page N` under the table;
    ``title`` is printed above the header on page 1; ``wrap_header`` wraps header cells wider than
    half their column over several lines."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=FONT_SIZE)
    y = TOP

    def new_page() -> float:
        pdf.add_page()
        if footer:
            pdf.text(380, 590, f"Page {pdf.page}")
        if pdf.page == 1 and title:
            pdf.text(COLUMN_X[0], TOP - 3 * LINE_HEIGHT, title)
        if pdf.page == 1 or header_every_page:
            cells = [_wrap(pdf, text, (COLUMN_RIGHT[col] - COLUMN_X[col]) / 2) if wrap_header else [text]
                     for col, text in enumerate(HEADERS)]
            height = max(len(c) for c in cells)
            for col, lines in enumerate(cells):  # bottom-aligned, like the rows
                for k, text in enumerate(lines):
                    pdf.text(COLUMN_X[col], TOP + (height - len(lines) + k) * LINE_HEIGHT, text)
            return TOP + height * LINE_HEIGHT
        return TOP

    y = new_page()
    spanning: list[int] = []
    for number, row in enumerate(rows, start=2):
        cells = []
        for col, head in enumerate(HEADERS):
            value = row.get(head) or ""
            cells.append(_wrap(pdf, value, COLUMN_RIGHT[col] - COLUMN_X[col], wrap_spaces) if value else [])
        height = max(len(c) for c in cells)
        if not split_rows and y + (height - 1) * LINE_HEIGHT > BOTTOM:
            y = new_page()
        for line in range(height):
            if y > BOTTOM:
                y = new_page()
                if line > 0:
                    spanning.append(number)
            for col, lines in enumerate(cells):
                offset = height - len(lines) if align == "bottom" else 0
                if not offset <= line < offset + len(lines):
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


def time_ingest(path: Path, runs: int) -> list[tuple[float, float]]:
    """(wall seconds, CPU seconds of this process) per full `ingest` run into a fresh store."""
    from lprlogs.ingest import ingest

    results = []
    for _ in range(runs):
        store = Path(tempfile.mkdtemp(prefix="lprlogs-bench-pdf-"))
        try:
            started, cpu = time.perf_counter(), time.process_time()
            report = ingest([str(path)], store / "store")
            results.append((time.perf_counter() - started, time.process_time() - cpu))
            assert report.files[0].status == "ingested", report.files[0].reason
        finally:
            shutil.rmtree(store, ignore_errors=True)
    return results


def time_libraries(path: Path, runs: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds to get words with positions from every page: pdfium as lprlogs reads
    it (rows rebuilt too) against pdfplumber's extract_words alone (rows not even rebuilt yet)."""
    import pdfplumber
    import pypdfium2 as pdfium

    from lprlogs.formats import pdf as pdf_format

    def pdfium_rows() -> None:
        document = pdfium.PdfDocument(str(path))
        pdf_format.read_rows(document)
        document.close()

    def plumber_words() -> None:
        with pdfplumber.open(str(path)) as plumber:
            for page in plumber.pages:
                page.extract_words()
                page.flush_cache()

    results: dict[str, tuple[float, float]] = {}
    for name, job in (("pypdfium2: rows rebuilt (lprlogs)", pdfium_rows),
                      ("pdfplumber: extract_words only", plumber_words)):
        walls, cpus = [], []
        for _ in range(runs):
            started, cpu = time.perf_counter(), time.process_time()
            job()
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        results[name] = (statistics.median(walls), statistics.median(cpus))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=800)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--libraries", metavar="PDF", nargs="?", const="",
                        help="time pdfplumber words vs pdfium rows on PDF (default: the generated file)")
    args = parser.parse_args()
    folder = Path(__file__).resolve().parent / "out"
    folder.mkdir(exist_ok=True)
    path = make_bench_pdf(args.pages, folder)
    if args.libraries is not None:
        target = Path(args.libraries) if args.libraries else path
        pages = len(__import__("pypdfium2").PdfDocument(str(target)))
        for name, (wall, cpu) in time_libraries(target, args.runs).items():
            print(f"{target.name} ({pages} pages) {name}: median {wall:.2f} s wall, {cpu:.2f} s CPU "
                  f"({pages / wall:.0f} pages/s)")
        return
    runs = time_ingest(path, args.runs)
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    print(f"ingest {args.pages} pages: median {wall:.2f} s wall ({args.pages / wall:.0f} pages/s), {cpu:.2f} s CPU, "
          f"over {args.runs} runs (wall {', '.join(f'{r[0]:.2f}' for r in runs)})")


if __name__ == "__main__":
    main()
