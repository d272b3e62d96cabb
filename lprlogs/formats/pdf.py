"""Printed PDF audits: Flock audit exports that an agency printed to PDF before releasing them.

What such a PDF looks like (the real sample is ``realdata/okaloosa-fl-so/``):

- the column header is printed on page 1 only; later pages reuse page 1's columns;
- every row spans several text lines because ``Time Frame`` (and long reasons) wrap inside a narrow
  column; rows are bottom-aligned, so the wrapped lines come ABOVE the line holding the ID;
- plain text extraction glues the next row's UUID onto the previous line, so we never read plain
  text: we read words with pdfium's character boxes and put each in the column of page 1's header
  whose left edge precedes it (a word glued across a boundary is cut there);
- agencies delete columns before printing, so the header decides which columns exist.

The reader rebuilds every printed row as one VARCHAR cell per printed header (wrapped lines joined:
a line that ended in a space was a soft wrap, one that did not was a line break inside the cell),
with ``source_page`` = the page where the row starts and ``source_row`` = the row's place in the
printed table + 1 (the header is row 1), and hands the table to ``staging.stage_cells`` so PDF rows are
parsed exactly like CSV rows. Scanned (image-only), encrypted, truncated and corrupt PDFs are refused
with one line saying why; text PDFs without an audit header (cover letters) are skipped with the reason;
a page without text inside a text PDF is named, and the rows it may have cut are quarantined.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import SourceRejected
from ..sources import Source
from ..store import SourceWriter
from . import FLOCK_AUDIT_KINDS, Match
from .pdftext import (
    OCR_HINT,
    Columns,
    Line,
    PageLines,
    header_columns,
    join_cell,
    norm,
    open_pdf,
    page_lines,
    page_list,
    scanned_message,
    table_lines,
)
from .staging import StageOptions, stage_cells

if TYPE_CHECKING:
    import polars as pl
else:
    from ..lazy import pl

# Header cells Flock prints (any export variant), lower-cased with single spaces.
KNOWN_HEADERS = (
    "id", "name", "org name", "total networks searched", "total devices searched", "time frame",
    "license plate", "reason", "case #", "filters", "search time", "search date", "search type",
    "text prompt", "moderation", "offense type",
)
# The full column sets Flock exports (FORMATS.md section 1); any other set is an agency-trimmed print.
FULL_VARIANTS = {
    ("id", "name", "org name", "total networks searched", "total devices searched", "time frame",
     "license plate", "reason", "case #", "filters", "search time", "search type", "text prompt", "moderation"),
    ("name", "org name", "total networks searched", "total devices searched", "time frame",
     "license plate", "reason", "case #", "filters", "search time", "search type"),
    ("id", "name", "org name", "total networks searched", "time frame", "license plate", "reason", "case #",
     "filters", "search time", "search type", "text prompt", "moderation"),
    ("id", "name", "org name", "total networks searched", "license plate", "reason", "case #", "filters",
     "search time", "search type"),
}
TIME_HEADERS = {"search time", "search date"}
# a Time Frame whose line break was lost (a PDF maker that drops wrap spaces): two stamps and a space
TIME_FRAME_SPLIT = re.compile(r"^(\d[\d/:,\sAPM.-]*?\s*UTC) (\d[\d/:,\sAPM.-]*?\s*UTC)$")
# a search time printed whole on one line
FULL_STAMP = re.compile(r"^\s*\d{1,4}[/-]\d{1,2}[/-]\d{1,4},?\s+\d{1,2}:\d{2}(:\d{2})?\s*([AaPp][Mm])?\s*(UTC|GMT|Z)?\s*$")
SNIFF_WORDS = 12
HEADER_PAGES = 3  # the audit header is looked for on this many first pages (a cover page may come first)



# --- header -----------------------------------------------------------------------------------------


def _find_header(lines: list[Line]) -> int | None:
    """Index of the first line that reads like a Flock audit header (>= 3 known cells, one a time)."""
    for i, line in enumerate(lines[:40]):
        text = " " + norm(line.text()) + " "
        found = {h for h in KNOWN_HEADERS if f" {h} " in text}
        if len(found) >= 3 and found & TIME_HEADERS:
            return i
    return None


def _locate_header(document: Any) -> tuple[int, list[Line], int] | None:
    """(page index, that page's lines, header line index) of the audit header on the first pages."""
    for index in range(min(HEADER_PAGES, len(document))):
        lines = page_lines(document, index, None)
        header = _find_header(lines)
        if header is not None:
            return index, lines, header
    return None


def _variant(headers: list[str]) -> str:
    key = tuple(norm(h) for h in headers)
    trimmed = "" if key in FULL_VARIANTS else "trimmed-"
    return f"pdf flock-{trimmed}{len(headers)}"


# --- sniff and read ---------------------------------------------------------------------------------


class FlockPdf:
    """Flock audit exports printed to PDF (text PDFs); scans and non-audit PDFs are explained."""

    name = "flock_pdf"
    kinds = FLOCK_AUDIT_KINDS  # the log kinds it reads (formats.detect checks --log-type against them)

    def sniff(self, source: Source) -> Match | None:
        head = source.head(1024)
        if b"%PDF-" not in head:
            return None
        try:
            document = open_pdf(source.path)
        except SourceRejected as exc:
            return Match(format=self.name, variant="pdf", confidence=0.9, details={"problem": exc.message})
        try:
            found = _locate_header(document)
            if found is None:
                text_lines = next((lines for lines in (page_lines(document, i, None)
                                                       for i in range(min(HEADER_PAGES, len(document)))) if lines), [])
                if not text_lines:  # no text where the header should be: a scan; read() counts the pages
                    return Match(format=self.name, variant="pdf scanned", confidence=0.9, details={"scanned": True})
                words = " ".join(line.text() for line in text_lines).split()[:SNIFF_WORDS]
                return Match(format=self.name, variant="pdf", confidence=0.5, details={
                    "skip": True,
                    "reason": f"PDF text has no Flock audit header (first words: {' '.join(words)})",
                })
            _page, lines, header = found
            columns = header_columns(lines, header, KNOWN_HEADERS)
        finally:
            document.close()
        return Match(format=self.name, variant=_variant(columns.headers), confidence=0.95,
                     details={"headers": columns.headers})

    def read(self, source: Source, match: Match, out: SourceWriter) -> None:
        if match.details.get("problem"):
            raise SourceRejected(str(match.details["problem"]))
        document = open_pdf(source.path)
        try:
            result = read_rows(document)
        finally:
            document.close()
        out.extra["pages"] = result.pages
        for page in result.pages_before_header:
            out.skip_part(f"page {page}", "printed before the audit header (a cover page?): not rows")
        if result.textless_pages:
            shown = page_list(result.textless_pages)
            for page in result.textless_pages:
                out.skip_part(f"page {page}", f"no text (a scanned page?); {OCR_HINT}")
            out.note(f"{len(result.textless_pages)} of {result.pages} pages have no text ({shown}): rows printed "
                     f"there are missing and row numbers after them count only rows that could be read; {OCR_HINT}")
        if result.quarantined:
            out.add_quarantine(pl.DataFrame(result.quarantined, schema={
                "source_row": pl.Int64, "source_page": pl.Int32, "raw": pl.Utf8, "reason": pl.Utf8}))
            out.expect_rows(len(result.quarantined))
        stage_cells(out, result.table, StageOptions(variant=match.variant))  # counts its own rows (expect_rows)


@dataclass
class PdfRows:
    """What a printout gave: the rows' cells, the text that could not be placed in a row (quarantine
    records), the page count, and the pages with no text at all (scanned pages inside a text PDF)."""

    table: pl.DataFrame
    quarantined: list[dict[str, object]]
    pages: int
    textless_pages: list[int]
    pages_before_header: list[int] = field(default_factory=list)  # a cover page printed first


Group = list[tuple[int, dict[int, str]]]  # the lines of one row: (page, cells)


@dataclass
class _Printed:
    """Page 1's columns and how a row's anchor line (the one holding its ID) is told apart."""

    columns: Columns
    norm_headers: list[str]
    id_col: int | None
    time_col: int | None

    @classmethod
    def of(cls, columns: Columns) -> _Printed:
        norm_headers = [norm(h) for h in columns.headers]
        return cls(columns=columns, norm_headers=norm_headers,
                   id_col=norm_headers.index("id") if "id" in norm_headers else None,
                   time_col=next((norm_headers.index(h) for h in ("search time", "search date")
                                  if h in norm_headers), None))

    def is_anchor(self, cells: dict[int, str]) -> bool:
        """The line that holds a row's ID is the row's anchor; a row whose ID cell is empty (masked by the
        agency) is anchored by a complete search time printed on one line instead."""
        if self.id_col is not None and self.id_col in cells:
            return True
        return self.time_col is not None and self.time_col in cells and \
            FULL_STAMP.match(cells[self.time_col]) is not None


def _group_rows(all_lines: PageLines, printed: _Printed) -> list[tuple[Group, str | None]]:
    """The lines grouped into rows: (lines, None) for a row; (lines, reason) for a fragment.

    Rows are bottom-aligned when the first line under the header has no anchor cell (wrapped lines sit
    above the ID line), top-aligned otherwise (wrapped lines follow it). Lines that cannot belong to a
    row seen in full (cut off by a page without text, or at the end) are kept as fragments."""
    first_cells = next((cells for _, cells in all_lines if cells is not None), {})
    bottom_aligned = not printed.is_anchor(first_cells)
    items: list[tuple[Group, str | None]] = []
    pending: Group = []
    after_gap = False
    gap_page = 0
    for page, cells in all_lines:
        if cells is None:
            if pending:
                items.append((pending, f"row cut off by page {page}, which has no text (a scanned page?)"))
                pending = []
            elif not bottom_aligned and items and items[-1][1] is None:  # its wrapped lines may go on there
                items[-1] = (items[-1][0], f"last row before page {page}, which has no text: it may go on "
                                           "there; check it against the printout")
            after_gap, gap_page = True, page
            continue
        if bottom_aligned:
            pending.append((page, cells))
            if printed.is_anchor(cells):
                items.append((pending, None if not after_gap else
                              f"first row after page {gap_page}, which has no text: it may begin there; "
                              "check it against the printout"))
                pending = []
                after_gap = False
        elif printed.is_anchor(cells):
            if pending:
                items.append((pending, "lines before this row's ID line belong to no row seen in full"))
            pending = []
            items.append(([(page, cells)], None))
            after_gap = False
        elif after_gap or not items:
            pending.append((page, cells))
        else:
            items[-1][0].append((page, cells))
    if pending:
        items.append((pending, "text after the last printed row has no ID line (row cut off at the end)"))
    return items


def _rows_table(items: list[tuple[Group, str | None]], printed: _Printed) -> tuple[pl.DataFrame, list[dict[str, object]]]:
    """The rows' cells as a table (one VARCHAR per printed header, ``source_row``, ``source_page``) and
    the quarantine records of the fragments."""
    columns = printed.columns
    # Producers that keep the space a line was wrapped at tell soft wraps from line breaks in a cell.
    keeps_wrap_spaces = any(text.endswith(" ") for group, reason in items if reason is None
                            for _, cells in group[:-1] for text in cells.values())

    def join(group: Group) -> dict[str, str | None]:
        joined = {}
        for col, head in enumerate(columns.headers):
            cell = join_cell([cells[col] for _, cells in group if col in cells], keeps_wrap_spaces)
            if cell is not None and printed.norm_headers[col] == "time frame":
                cell = TIME_FRAME_SPLIT.sub("\\1\n\\2", cell)  # Flock's cell: `<start> UTC` newline `<end> UTC`
            joined[head] = cell
        return joined

    records: dict[str, list[object]] = {h: [] for h in columns.headers}
    rows, row_pages = [], []
    quarantined: list[dict[str, object]] = []
    for number, (group, reason) in enumerate(items, start=2):
        cells = join(group)
        spread = len({page for page, _ in group})
        if reason is None and spread > 2:  # no row is taller than a page: lines were grouped wrongly
            reason = (f"lines over {spread} pages without an ID line between them: not one row (was the sheet "
                      "printed with its columns split over several pages?)")
        if reason is not None:
            raw = json.dumps({k: v for k, v in cells.items() if v is not None}, ensure_ascii=False)
            quarantined.append({"source_row": number, "source_page": group[0][0], "raw": raw, "reason": reason})
            continue
        for head, cell in cells.items():
            records[head].append(cell)
        rows.append(number)
        row_pages.append(group[0][0])
    table = pl.DataFrame(
        {**{h: pl.Series(h, v, dtype=pl.Utf8) for h, v in records.items()},
         "source_row": pl.Series(rows, dtype=pl.Int64), "source_page": pl.Series(row_pages, dtype=pl.Int32)}
    )
    return table, quarantined


def read_rows(document: Any) -> PdfRows:
    """Every printed row as VARCHAR cells named by the printed headers, with ``source_row`` and
    ``source_page``. Raises SourceRejected when the first pages have no text (a scan) or no audit header."""
    found = _locate_header(document)
    if found is None:
        if not any(page_lines(document, i, None) for i in range(min(HEADER_PAGES, len(document)))):
            raise SourceRejected(scanned_message(document))
        raise SourceRejected(f"PDF text has no Flock audit header on its first {HEADER_PAGES} pages")
    header_page, first_lines, header = found
    printed = _Printed.of(header_columns(first_lines, header, KNOWN_HEADERS))
    all_lines, textless = table_lines(document, header_page, first_lines[header].y, printed.columns)
    if len(textless) == len(document) - header_page:
        raise SourceRejected(scanned_message(document))
    table, quarantined = _rows_table(_group_rows(all_lines, printed), printed)
    return PdfRows(table=table, quarantined=quarantined, pages=len(document), textless_pages=textless,
                   pages_before_header=list(range(1, header_page + 1)))


READERS = [FlockPdf()]
