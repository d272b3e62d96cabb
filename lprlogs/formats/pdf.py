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

import bisect
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SourceRejected
from ..sources import Source
from ..store import SourceWriter
from . import Match
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
PAGE_FOOTER = re.compile(r"^\s*(?:page\s*\d+(?:\s*(?:of|/)\s*\d+)?|\d+\s*(?:of|/)\s*\d+)\s*$", re.IGNORECASE)
# a Time Frame whose line break was lost (a PDF maker that drops wrap spaces): two stamps and a space
TIME_FRAME_SPLIT = re.compile(r"^(\d[\d/:,\sAPM.-]*?\s*UTC) (\d[\d/:,\sAPM.-]*?\s*UTC)$")
# a search time printed whole on one line
FULL_STAMP = re.compile(r"^\s*\d{1,4}[/-]\d{1,2}[/-]\d{1,4},?\s+\d{1,2}:\d{2}(:\d{2})?\s*([AaPp][Mm])?\s*(UTC|GMT|Z)?\s*$")
COLUMN_SLACK = 2.0  # points: printed cell text starts up to ~1.2 pt left of its header text
LINE_TOLERANCE = 2.5  # points: text segments whose vertical centres are this close share a line
SNIFF_WORDS = 12
HEADER_PAGES = 3  # the audit header is looked for on this many first pages (a cover page may come first)
OCR_HINT = "run OCR first, e.g. `ocrmypdf in.pdf out.pdf`, then ingest out.pdf"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


# --- opening --------------------------------------------------------------------------------------


def _open(path: Path) -> Any:
    """The pdfium document, or SourceRejected saying in one line why it cannot be opened."""
    import pypdfium2 as pdfium

    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    if b"%%EOF" not in tail:
        raise SourceRejected("PDF is truncated or damaged (no end-of-file marker); ask the agency for a complete "
                             "copy of the file")
    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        detail = str(exc)
        if "password" in detail.lower():
            raise SourceRejected("PDF is encrypted (it needs a password to open); ask the agency for an "
                                 "unlocked copy or the password") from exc
        raise SourceRejected(f"PDF could not be opened ({detail.rstrip('.')}); the file is damaged: ask the "
                             "agency for a fresh copy") from exc
    if len(document) == 0:
        document.close()
        raise SourceRejected("PDF has no pages")
    return document


# --- geometry: pdfium works in unrotated page space; we work in display space (x right, y down) ---


@dataclass
class PageSpace:
    rotation: int

    def box(self, left: float, bottom: float, right: float, top: float) -> tuple[float, float, float, float]:
        """A page-space rectangle as (x0, x1, y0, y1) on the displayed page."""
        r = self.rotation
        if r == 90:
            return bottom, top, left, right
        if r == 180:
            return -right, -left, bottom, top
        if r == 270:
            return -top, -bottom, -right, -left
        return left, right, -top, -bottom



@dataclass(slots=True)
class Word:
    """A run of non-space characters on one printed line, inside one column."""

    x0: float
    x1: float
    y: float  # vertical centre
    y0: float
    y1: float
    text: str
    column: int = 0
    trailing_space: bool = False  # a real space follows before the end of the line
    gap_index: int = -1  # index of a following space that may be pdfium's own gap between columns
    index: int = 0  # order of the word in the page's text
    spaces_after: str = " "  # the spaces printed after it on the same line (kept between words of a cell)


@dataclass
class Line:
    y: float
    words: list[Word] = field(default_factory=list)

    def cells(self) -> dict[int, str]:
        """Text per column on this line; a cell's text keeps a trailing space when one was printed."""
        by_column: dict[int, list[Word]] = {}
        for word in sorted(self.words, key=lambda w: w.x0):
            by_column.setdefault(word.column, []).append(word)
        cells = {}
        for column, words in by_column.items():
            text = words[0].text
            for before, word in zip(words, words[1:], strict=False):
                text += (before.spaces_after if word.index == before.index + 1 else " ") + word.text
            cells[column] = text + (" " if words[-1].trailing_space else "")
        return cells

    def text(self) -> str:
        return " ".join(w.text for w in sorted(self.words, key=lambda w: w.x0))


@dataclass
class Columns:
    """Printed columns: header texts and the display x where each column begins."""

    headers: list[str]
    starts: list[float]

    def index(self, x: float) -> int:
        return max(0, bisect.bisect_right(self.starts, x) - 1)


WORD = re.compile(r"[^\s]+")


def _box_reader(textpage: Any, space: PageSpace) -> Any:
    """A fast character-box lookup (display x0, x1, y0, y1) straight from pdfium."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    refs = (ctypes.byref(left), ctypes.byref(right), ctypes.byref(bottom), ctypes.byref(top))
    get_box = pdfium_c.FPDFText_GetCharBox
    handle = textpage.raw

    if space.rotation == 90:
        def box(index: int) -> tuple[float, float, float, float]:
            get_box(handle, index, *refs)
            return bottom.value, top.value, left.value, right.value
    elif space.rotation == 0:
        def box(index: int) -> tuple[float, float, float, float]:
            get_box(handle, index, *refs)
            return left.value, right.value, -top.value, -bottom.value
    else:
        def box(index: int) -> tuple[float, float, float, float]:
            get_box(handle, index, *refs)
            return space.box(left.value, bottom.value, right.value, top.value)
    return box


def _page_words(text: str, box: Any, columns: Columns | None) -> list[Word]:
    """Every word on the page with its display box, cut at column boundaries when it crosses one."""
    count = len(text)
    if columns is not None:
        starts, find = columns.starts, bisect.bisect_right

        def column_of(x: float) -> int:  # Columns.index, inlined: this runs for every word
            found = find(starts, x) - 1
            return found if found > 0 else 0
    else:
        def column_of(x: float) -> int:
            return 0
    words: list[Word] = []
    for match in WORD.finditer(text):
        start, end = match.span()
        first = box(start)
        last = box(end - 1) if end - 1 > start else first
        pieces = [(start, end, first, last)]
        if columns is not None and column_of((first[0] + first[1]) / 2) != column_of((last[0] + last[1]) / 2):
            # text glued across a column boundary: cut it where the character centres change column
            pieces = []
            boxes = [box(i) for i in range(start, end)]
            cols = [column_of((b[0] + b[1]) / 2) for b in boxes]
            run = 0
            for i in range(1, len(boxes) + 1):
                if i == len(boxes) or cols[i] != cols[run]:
                    pieces.append((start + run, start + i, boxes[run], boxes[i - 1]))
                    run = i
        for p_start, p_end, b_first, b_last in pieces:
            y0, y1 = min(b_first[2], b_last[2]), max(b_first[3], b_last[3])
            word = Word(min(b_first[0], b_last[0]), max(b_first[1], b_last[1]), (y0 + y1) / 2, y0, y1,
                        text[p_start:p_end], column_of((b_first[0] + b_first[1]) / 2))
            word.index = len(words)
            if p_end < count and text[p_end] == " ":
                after = p_end
                while after < count and text[after] == " ":
                    after += 1
                if after >= count or text[after] in "\r\n":
                    word.trailing_space = True  # 'word \r\n': the line was wrapped at this space
                else:
                    word.gap_index = p_end
                    word.spaces_after = text[p_end:after]
            words.append(word)
    return words


def _settle_trailing_spaces(lines: list[Line], box: Any, columns: Columns | None) -> None:
    """For the last word of each cell on a line followed by a space and more text: a real space (with
    width, right after the word, in its column) is a wrap point; pdfium's gap-space is not."""
    column_of = columns.index if columns is not None else (lambda x: 0)
    for line in lines:
        last: dict[int, Word] = {}
        for word in line.words:
            if word.column not in last or word.x0 > last[word.column].x0:
                last[word.column] = word
        for word in last.values():
            if word.gap_index >= 0:
                gap = box(word.gap_index)
                word.trailing_space = gap[1] - gap[0] > 0.05 and gap[0] - word.x1 < 2.0 and \
                    column_of((gap[0] + gap[1]) / 2) == word.column


def _group_lines(words: list[Word]) -> list[Line]:
    lines: list[Line] = []
    words.sort(key=lambda w: (w.y, w.x0))
    current: Line | None = None
    for word in words:
        if current is not None and word.y - current.y <= LINE_TOLERANCE:
            current.words.append(word)
        else:
            current = Line(y=word.y, words=[word])
            lines.append(current)
    return lines


# --- header -----------------------------------------------------------------------------------------


def _find_header(lines: list[Line]) -> int | None:
    """Index of the first line that reads like a Flock audit header (>= 3 known cells, one a time)."""
    for i, line in enumerate(lines[:40]):
        text = " " + _norm(line.text()) + " "
        found = {h for h in KNOWN_HEADERS if f" {h} " in text}
        if len(found) >= 3 and found & TIME_HEADERS:
            return i
    return None


def _locate_header(document: Any) -> tuple[int, list[Line], int] | None:
    """(page index, that page's lines, header line index) of the audit header on the first pages."""
    for index in range(min(HEADER_PAGES, len(document))):
        lines = _page_lines(document, index, None)
        header = _find_header(lines)
        if header is not None:
            return index, lines, header
    return None


def _line_columns(line: Line) -> Columns:
    """Header cells of one header line and where each begins (known Flock headers matched greedily;
    unknown header text grouped by closeness)."""
    words = sorted(line.words, key=lambda w: w.x0)
    height = max(w.y1 for w in words) - min(w.y0 for w in words)
    headers: list[str] = []
    starts: list[float] = []
    i = 0
    while i < len(words):
        best = 0
        for n in range(min(4, len(words) - i), 0, -1):
            if _norm(" ".join(w.text for w in words[i:i + n])) in KNOWN_HEADERS:
                best = n
                break
        if best == 0:  # a header lprlogs does not know: extend while words sit close together
            best = 1
            while i + best < len(words) and words[i + best].x0 - words[i + best - 1].x1 < 0.8 * height \
                    and _norm(words[i + best].text) not in KNOWN_HEADERS:
                best += 1
        headers.append(" ".join(w.text for w in words[i:i + best]))
        starts.append(words[i].x0 - COLUMN_SLACK)
        i += best
    return Columns(headers=headers, starts=starts)


def _distinct(columns: Columns) -> Columns:
    """A header printed twice keeps both columns, told apart: `Reason`, `Reason (2)`."""
    seen: dict[str, int] = {}
    headers = list(columns.headers)
    for k, head in enumerate(headers):
        seen[head] = seen.get(head, 0) + 1
        if seen[head] > 1:
            headers[k] = f"{head} ({seen[head]})"
    return Columns(headers=headers, starts=columns.starts)


def _header_columns(lines: list[Line], index: int) -> Columns:
    """The printed columns. A header cell wrapped over several lines (bottom-aligned, like the rows)
    has its first words on the lines just above the header line: they join the cell below them."""
    columns = _line_columns(lines[index])
    known = sum(_norm(h) in KNOWN_HEADERS for h in columns.headers)
    if known == len(columns.headers):
        return _distinct(columns)
    line = lines[index]
    height = max(w.y1 - w.y0 for w in line.words)
    above: list[Line] = []
    k, y = index - 1, line.y
    while k >= 0 and y - lines[k].y <= 2.2 * height:
        above.insert(0, lines[k])
        y = lines[k].y
        k -= 1
    if not above:
        return _distinct(columns)
    parts: list[list[str]] = [[] for _ in columns.headers]
    for upper in above:
        for word in sorted(upper.words, key=lambda w: w.x0):
            parts[columns.index(word.x0)].append(word.text)
    headers = [" ".join([*part, head]) for part, head in zip(parts, columns.headers, strict=True)]
    if sum(_norm(h) in KNOWN_HEADERS for h in headers) <= known:
        return _distinct(columns)
    return _distinct(Columns(headers=headers, starts=columns.starts))


def _repeated_header_lines(lines: list[Line], columns: Columns) -> int:
    """How many lines at the top of a page are the header printed again (each cell a piece of its
    column's header text, together covering at least half the columns), else 0."""
    wanted = max(3, (len(columns.headers) + 1) // 2)
    covered: set[int] = set()
    count = 0
    for line in lines[:8]:
        cells = line.cells()
        if not all(_norm(text) and _norm(text) in _norm(columns.headers[col]) for col, text in cells.items()):
            break
        covered.update(cells)
        count += 1
    return count if len(covered) >= wanted else 0


def _variant(headers: list[str]) -> str:
    key = tuple(_norm(h) for h in headers)
    trimmed = "" if key in FULL_VARIANTS else "trimmed-"
    return f"pdf flock-{trimmed}{len(headers)}"


# --- sniff and read ---------------------------------------------------------------------------------


def _page_lines(document: Any, index: int, columns: Columns | None) -> list[Line]:
    page = document[index]
    space = PageSpace(page.get_rotation() % 360)
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count) if count > 0 else ""
        if len(text) != count:  # pdfium's text does not line up with its character indices: char by char
            text = "".join((textpage.get_text_range(i, 1) or " ")[:1] for i in range(count))
        box = _box_reader(textpage, space)
        lines = _group_lines(_page_words(text, box, columns))
        _settle_trailing_spaces(lines, box, columns)
        return lines
    finally:
        textpage.close()
        page.close()


class FlockPdf:
    """Flock audit exports printed to PDF (text PDFs); scans and non-audit PDFs are explained."""

    name = "flock_pdf"

    def sniff(self, source: Source) -> Match | None:
        head = source.head(1024)
        if b"%PDF-" not in head:
            return None
        try:
            document = _open(source.path)
        except SourceRejected as exc:
            return Match(format=self.name, variant="pdf", confidence=0.9, details={"problem": exc.message})
        try:
            found = _locate_header(document)
            if found is None:
                text_lines = next((lines for lines in (_page_lines(document, i, None)
                                                       for i in range(min(HEADER_PAGES, len(document)))) if lines), [])
                if not text_lines:  # no text where the header should be: a scan; read() counts the pages
                    return Match(format=self.name, variant="pdf scanned", confidence=0.9, details={"scanned": True})
                words = " ".join(line.text() for line in text_lines).split()[:SNIFF_WORDS]
                return Match(format=self.name, variant="pdf", confidence=0.5, details={
                    "skip": True,
                    "reason": f"PDF text has no Flock audit header (first words: {' '.join(words)})",
                })
            _page, lines, header = found
            columns = _header_columns(lines, header)
        finally:
            document.close()
        return Match(format=self.name, variant=_variant(columns.headers), confidence=0.95,
                     details={"headers": columns.headers})

    def read(self, source: Source, match: Match, out: SourceWriter) -> None:
        if match.details.get("problem"):
            raise SourceRejected(str(match.details["problem"]))
        document = _open(source.path)
        try:
            result = read_rows(document)
        finally:
            document.close()
        out.extra["pages"] = result.pages
        for page in result.pages_before_header:
            out.skip_part(f"page {page}", "printed before the audit header (a cover page?): not rows")
        if result.textless_pages:
            shown = _page_list(result.textless_pages)
            for page in result.textless_pages:
                out.skip_part(f"page {page}", f"no text (a scanned page?); {OCR_HINT}")
            out.note(f"{len(result.textless_pages)} of {result.pages} pages have no text ({shown}): rows printed "
                     f"there are missing and row numbers after them count only rows that could be read; {OCR_HINT}")
        if result.quarantined:
            out.add_quarantine(pl.DataFrame(result.quarantined, schema={
                "source_row": pl.Int64, "source_page": pl.Int32, "raw": pl.Utf8, "reason": pl.Utf8}))
            out.expect_rows(len(result.quarantined))
        stage_cells(out, result.table, StageOptions(variant=match.variant))  # counts its own rows (expect_rows)


def _page_list(pages: list[int]) -> str:
    shown = ", ".join(str(p) for p in pages[:10])
    return f"page{'s' if len(pages) > 1 else ''} {shown}{' ...' if len(pages) > 10 else ''}"


def _scanned_message(document: Any) -> str:
    total = len(document)
    empty = 0
    for i in range(total):
        textpage = document[i].get_textpage()
        if not textpage.get_text_range().strip():
            empty += 1
    return (f"PDF has no text on {empty} of {total} pages (a scan or image-only print); {OCR_HINT}")


def _join_cell(fragments: list[str], keeps_wrap_spaces: bool) -> str | None:
    """One cell's wrapped lines joined back: a line that ends in a space was wrapped at that space; one
    that does not was a line break inside the cell (when this PDF keeps wrap spaces at all)."""
    text = ""
    for i, fragment in enumerate(fragments):
        fragment = fragment.replace("\r", "").replace("\n", "")
        fragment = fragment.lstrip()  # a leading space is the gap pdfium puts before text in a new column
        if i == 0:
            text = fragment
        elif text.endswith(" "):
            text += fragment
        else:
            text += ("\n" if keeps_wrap_spaces else " ") + fragment
    text = text.strip()
    return text or None


@dataclass
class PdfRows:
    """What a printout gave: the rows' cells, the text that could not be placed in a row (quarantine
    records), the page count, and the pages with no text at all (scanned pages inside a text PDF)."""

    table: pl.DataFrame
    quarantined: list[dict[str, object]]
    pages: int
    textless_pages: list[int]
    pages_before_header: list[int] = field(default_factory=list)  # a cover page printed first


PageLines = list[tuple[int, dict[int, str] | None]]  # (page, cells of one printed line), None: a page without text
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
        norm_headers = [_norm(h) for h in columns.headers]
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


def _table_lines(document: Any, header_page: int, header_y: float, columns: Columns) -> tuple[PageLines, list[int]]:
    """Every printed line below page 1's header, as cells, without repeated headers and page footers;
    and the pages that have no text."""
    header_norm = _norm(" ".join(columns.headers))
    all_lines: PageLines = []
    textless: list[int] = []
    for index in range(header_page, len(document)):
        lines = _page_lines(document, index, columns)
        if not lines:
            textless.append(index + 1)
            all_lines.append((index + 1, None))
        repeated = _repeated_header_lines(lines, columns) if index > header_page else 0
        last = len(lines) - 1
        for number, line in enumerate(lines):
            if index == header_page and line.y <= header_y + LINE_TOLERANCE:
                continue  # title and header lines
            if number < repeated:
                continue  # the header printed again at the top of this page
            if number <= 1 or number >= last - 1:  # page headers and footers sit at the edges of a page
                text = line.text()
                if PAGE_FOOTER.match(text) or _norm(text) == header_norm:
                    continue
            all_lines.append((index + 1, line.cells()))
    return all_lines, textless


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
            cell = _join_cell([cells[col] for _, cells in group if col in cells], keeps_wrap_spaces)
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
        if not any(_page_lines(document, i, None) for i in range(min(HEADER_PAGES, len(document)))):
            raise SourceRejected(_scanned_message(document))
        raise SourceRejected(f"PDF text has no Flock audit header on its first {HEADER_PAGES} pages")
    header_page, first_lines, header = found
    printed = _Printed.of(_header_columns(first_lines, header))
    all_lines, textless = _table_lines(document, header_page, first_lines[header].y, printed.columns)
    if len(textless) == len(document) - header_page:
        raise SourceRejected(_scanned_message(document))
    table, quarantined = _rows_table(_group_rows(all_lines, printed), printed)
    return PdfRows(table=table, quarantined=quarantined, pages=len(document), textless_pages=textless,
                   pages_before_header=list(range(1, header_page + 1)))


READERS = [FlockPdf()]
