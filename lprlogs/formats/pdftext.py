"""PDF text with positions, shared by the readers of printed tables (Flock audits, sharing lists).

pdfium gives each character's box; words are placed in the printed column whose header starts left of
them (a word glued across a column boundary is cut there), words on the same baseline make a line, and
a line's text per column is a cell. A header row is found by the readers (their own header words);
the columns, the lines below it on every page (repeated headers and page footers left out) and the
joining of a cell's wrapped lines are the same for every printed table.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SourceRejected

PAGE_FOOTER = re.compile(r"^\s*(?:page\s*\d+(?:\s*(?:of|/)\s*\d+)?|\d+\s*(?:of|/)\s*\d+)\s*$", re.IGNORECASE)
COLUMN_SLACK = 2.0  # points: printed cell text starts up to ~1.2 pt left of its header text
LINE_TOLERANCE = 2.5  # points: text segments whose vertical centres are this close share a line
OCR_HINT = "run OCR first, e.g. `ocrmypdf in.pdf out.pdf`, then ingest out.pdf"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


# --- opening --------------------------------------------------------------------------------------


def open_pdf(path: Path) -> Any:
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


def _line_columns(line: Line, known: tuple[str, ...]) -> Columns:
    """Header cells of one header line and where each begins (``known`` headers matched greedily;
    unknown header text grouped by closeness)."""
    words = sorted(line.words, key=lambda w: w.x0)
    height = max(w.y1 for w in words) - min(w.y0 for w in words)
    headers: list[str] = []
    starts: list[float] = []
    i = 0
    while i < len(words):
        best = 0
        for n in range(min(4, len(words) - i), 0, -1):
            if norm(" ".join(w.text for w in words[i:i + n])) in known:
                best = n
                break
        if best == 0:  # a header lprlogs does not know: extend while words sit close together
            best = 1
            while i + best < len(words) and words[i + best].x0 - words[i + best - 1].x1 < 0.8 * height \
                    and norm(words[i + best].text) not in known:
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


def header_columns(lines: list[Line], index: int, known_headers: tuple[str, ...]) -> Columns:
    """The printed columns. A header cell wrapped over several lines (bottom-aligned, like the rows)
    has its first words on the lines just above the header line: they join the cell below them."""
    columns = _line_columns(lines[index], known_headers)
    known = sum(norm(h) in known_headers for h in columns.headers)
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
    if sum(norm(h) in known_headers for h in headers) <= known:
        return _distinct(columns)
    return _distinct(Columns(headers=headers, starts=columns.starts))


def repeated_header_lines(lines: list[Line], columns: Columns) -> int:
    """How many lines at the top of a page are the header printed again (each cell a piece of its
    column's header text, together covering at least half the columns), else 0."""
    wanted = max(3, (len(columns.headers) + 1) // 2)
    covered: set[int] = set()
    count = 0
    for line in lines[:8]:
        cells = line.cells()
        if not all(norm(text) and norm(text) in norm(columns.headers[col]) for col, text in cells.items()):
            break
        covered.update(cells)
        count += 1
    return count if len(covered) >= wanted else 0


def page_lines(document: Any, index: int, columns: Columns | None) -> list[Line]:
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


def page_list(pages: list[int]) -> str:
    shown = ", ".join(str(p) for p in pages[:10])
    return f"page{'s' if len(pages) > 1 else ''} {shown}{' ...' if len(pages) > 10 else ''}"


def scanned_message(document: Any) -> str:
    total = len(document)
    empty = 0
    for i in range(total):
        textpage = document[i].get_textpage()
        if not textpage.get_text_range().strip():
            empty += 1
    return (f"PDF has no text on {empty} of {total} pages (a scan or image-only print); {OCR_HINT}")


def join_cell(fragments: list[str], keeps_wrap_spaces: bool) -> str | None:
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


PageLines = list[tuple[int, dict[int, str] | None]]  # (page, cells of one printed line), None: a page without text


def table_lines(document: Any, header_page: int, header_y: float, columns: Columns) -> tuple[PageLines, list[int]]:
    """Every printed line below page 1's header, as cells, without repeated headers and page footers;
    and the pages that have no text."""
    header_norm = norm(" ".join(columns.headers))
    all_lines: PageLines = []
    textless: list[int] = []
    for index in range(header_page, len(document)):
        lines = page_lines(document, index, columns)
        if not lines:
            textless.append(index + 1)
            all_lines.append((index + 1, None))
        repeated = repeated_header_lines(lines, columns) if index > header_page else 0
        last = len(lines) - 1
        for number, line in enumerate(lines):
            if index == header_page and line.y <= header_y + LINE_TOLERANCE:
                continue  # title and header lines
            if number < repeated:
                continue  # the header printed again at the top of this page
            if number <= 1 or number >= last - 1:  # page headers and footers sit at the edges of a page
                text = line.text()
                if PAGE_FOOTER.match(text) or norm(text) == header_norm:
                    continue
            all_lines.append((index + 1, line.cells()))
    return all_lines, textless


