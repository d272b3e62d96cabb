"""Flock sharing lists (FORMATS.md section 3) into the ``sharing`` view.

Workbook or CSV with ``Organization Name, Networks Shared With Me, Networks I'm Sharing``: each list
cell is a comma-joined list of network names, exploded into one row per (organization, network,
direction), direction ``shared_with_me`` or ``i_share`` (seen from the producer, the agency whose
list it is). Flock joins the names with a bare comma; a comma followed by a space belongs to a name
(``University of California, Berkeley``), so only bare commas split.

A sharing CSV whose quotes do not pair up (a quote never closed, which would swallow the rows after
it into one cell) is read one row per line instead: Flock never puts a line break inside a list cell,
so each line is a row, and a line whose quotes do not pair up is quarantined with its line number.

A sharing list printed to PDF (a real Florida release: 29 pages) is read from the text's positions
(formats/pdftext.py): each row is anchored by the line holding its organization, its list cells wrap
over the lines above it (bottom-aligned, a spreadsheet's default) or below it (top-aligned);
``source_row`` is the printed row (header = row 1) and ``source_sheet`` the page ('page 3').

Older releases hold a bare list of network names in one plain-text line (the Orange County SO
``.dat``): read as direction ``listed`` (the file does not say which way the data flows), with the
producer as organization when known.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import SourceRejected
from ..sources import Source
from ..store import SourceWriter
from . import Match
from .columns import note_extra_columns, refuse_wide, unique_headers
from .pdftext import (
    OCR_HINT,
    Columns,
    Line,
    PageLines,
    header_columns,
    norm,
    open_pdf,
    page_lines,
    table_lines,
)
from .workbook import (
    csv_text,
    find_head,
    load_sheet,
    norm_header,
    note_title_rows,
    read_csv_cells,
    sheet_heads,
)

if TYPE_CHECKING:
    import polars as pl
else:
    from ..lazy import pl

SIDE_TABLES: dict[str, dict[str, str]] = {
    "sharing": {"producer": "VARCHAR", "organization": "VARCHAR", "network": "VARCHAR", "direction": "VARCHAR",
                "position": "INTEGER", "source_sheet": "VARCHAR", "source_row": "BIGINT", "raw": "VARCHAR"},
}

ORG_HEADERS = ("organization name", "organisation name", "organization")
WITH_ME_HEADERS = ("networks shared with me",)
I_SHARE_HEADERS = ("networks i'm sharing", "networks i’m sharing", "networks i am sharing")
_KEEP = "\x1f"  # stands for ', ' (a comma inside a name) while splitting on bare commas
_AGENCY_WORDS = re.compile(
    r"\b(PD|SO|SD|DA|Police|Sheriff'?s?|County|City of|Department|Office|Station|HOA|Association|University"
    r"|Homeowners|Task Force)\b", re.IGNORECASE,
)
_STATE_CODE = re.compile(r"\b[A-Z]{2}\b|\([A-Z]{2,6}\)")  # 'CA', '(OCSD)': upper case only
Group = list[tuple[int, dict[int, str]]]  # the printed lines of one row: (page, cells)
_LIST_FILE_NAME = re.compile(r"^automated-license-plate-readers-(?P<slug>[a-z][a-z0-9-]*?)-\d+(?:_doc\d+)?$")


def _head_kind(cells: list[object]) -> dict[str, int] | None:
    headers = [norm_header(v) for v in cells]
    positions: dict[str, int] = {}
    for i, h in enumerate(headers):
        if h in ORG_HEADERS:
            positions["organization"] = i
        elif h in WITH_ME_HEADERS:
            positions["shared_with_me"] = i
        elif h in I_SHARE_HEADERS:
            positions["i_share"] = i
    if "organization" in positions and ("shared_with_me" in positions or "i_share" in positions):
        return positions
    return None


def plain_list_items(source: Source) -> list[str] | None:
    """The names of a plain comma-separated list of network names, or None when the file is not one."""
    head = source.head(65536)
    if source.size > 65536 or b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = head.decode("cp1252", errors="replace")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or len(lines) > 3:
        return None
    items = [i.strip() for i in re.split(r"\s*,\s*", " ".join(lines)) if i.strip()]
    if len(items) < 5 or any(len(i) > 120 for i in items):
        return None
    agency_like = sum(1 for i in items if _AGENCY_WORDS.search(i) or _STATE_CODE.search(i))
    return items if agency_like >= 0.6 * len(items) else None


def producer_from_list_name(name: str) -> str | None:
    """'automated-license-plate-readers-orange-county-sheriffs-office-136291_doc2.dat' -> 'Orange County
    Sheriffs Office' (MuckRock-style names of records-request attachments)."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", name)
    match = _LIST_FILE_NAME.match(stem)
    if not match:
        return None
    return " ".join(w.upper() if w in ("pd", "so", "sd") else w.capitalize() for w in match.group("slug").split("-"))


class SharingList:
    """Reader of Flock sharing lists and plain lists of network names."""

    name = "flock_sharing"
    kinds = ("sharing",)  # the log kinds it reads (formats.detect checks --log-type against them)

    def sniff(self, source: Source) -> Match | None:
        if source.head(5) == b"%PDF-":
            return self._sniff_pdf(source)
        found = find_head(source, lambda row: _head_kind(row) is not None)
        if found is not None:
            kind, sheets = found
            return Match(format=self.name, variant=f"sharing-list ({kind})", confidence=0.95,
                         details={"sheets": sheets})
        if sheet_heads(source):
            return None  # a workbook without a sharing sheet
        if plain_list_items(source) is not None:
            return Match(format=self.name, variant="network-name list (plain text, direction unknown)",
                         confidence=0.5, details={"plain": True})
        return None

    def read(self, source: Source, match: Match, out: SourceWriter) -> None:
        out.log_kind = "sharing" if out.log_kind in (None, "org_audit", "network_audit") else out.log_kind
        if match.details.get("plain"):
            self._read_plain(source, out)
            return
        if match.details.get("pdf"):
            self._read_pdf(source, out)
            return
        sheets = dict(match.details.get("sheets", {}))  # type: ignore[call-overload]
        total = 0
        if sheets:
            for sheet, rows in sheet_heads(source).items():
                if sheet not in sheets:
                    out.skip_part(sheet, "empty sheet" if not rows else "not a sharing table")
                    continue
                note_title_rows(out, sheet, rows, sheets[sheet])
                frame, first_row = load_sheet(source, sheet, skip=sheets[sheet])
                total += self._read_table(out, sheet, frame, first_row)
        else:
            frame, row_numbers = _csv_cells(source, out)
            total += self._read_table(out, None, frame, 1, row_numbers)
        out.note(f"{total:,} (organization, network, direction) rows in the `sharing` view")
        if out.producer is None:
            out.note("the agency whose sharing list this is (the 'me' in the column names) is not named in the "
                     "file; re-run with --force --producer 'Agency Name' to record it")
        out.extra["sharing_rows"] = total

    def _read_table(self, out: SourceWriter, sheet: str | None, frame: pl.DataFrame, first_row: int,
                    row_numbers: list[int] | None = None, pages: list[str] | None = None) -> int:
        """``frame``: the header row, then the data rows, numbered from ``first_row`` on, or by
        ``row_numbers`` (one per data row) when some rows were taken out (quarantined). ``pages``: the
        source_sheet of each data row (a printed list: 'page N'), instead of ``sheet``."""
        positions = _head_kind(list(frame.row(0)))
        assert positions is not None
        refuse_wide(frame.width, f"sheet {sheet!r}" if sheet else "the header")
        headers = unique_headers([str(v) if v is not None else "" for v in frame.row(0)])
        note_extra_columns(out, [h for i, h in enumerate(headers) if i not in positions.values()],
                           "a sharing list", f"sheet {sheet!r}" if sheet else None)
        numbers = (pl.Series("source_row", row_numbers, dtype=pl.Int64) if row_numbers is not None else
                   pl.int_range(first_row + 1, first_row + frame.height, dtype=pl.Int64).alias("source_row"))
        body = frame.slice(1).with_columns(
            numbers, pl.Series("source_sheet", pages, dtype=pl.String) if pages is not None
            else pl.lit(sheet, pl.String).alias("source_sheet"))
        raw = pl.struct([pl.col(frame.columns[i]).alias(h) for i, h in enumerate(headers)]).struct.json_encode()
        org = pl.col(frame.columns[positions["organization"]]).str.strip_chars()
        parts = []
        for direction in ("shared_with_me", "i_share"):
            if direction not in positions:
                continue
            cell = pl.col(frame.columns[positions[direction]])
            parts.append(
                body.select(
                    org.alias("organization"), pl.col("source_row"), pl.col("source_sheet"), raw.alias("raw"),
                    cell.str.replace_all(", ", _KEEP, literal=True).str.split(",").alias("network"),
                ).with_columns(pl.lit(direction).alias("direction"))
                .explode("network")
                .with_columns(pl.col("network").str.replace_all(_KEEP, ", ", literal=True).str.strip_chars())
                .with_columns((pl.int_range(pl.len()).over("source_row") + 1).cast(pl.Int32).alias("position"))
                .filter(pl.col("network").is_not_null() & (pl.col("network") != ""))
            )
        table = pl.concat(parts) if parts else pl.DataFrame()
        listed = set(table["source_row"].to_list()) if table.height else set()
        bare = body.filter(~pl.col("source_row").is_in(list(listed)) & org.is_not_null() & (org != ""))
        if bare.height:  # an organisation listed with both cells empty: keep it, so nothing is lost
            table = pl.concat([table, bare.select(
                org.alias("organization"), pl.col("source_row"), pl.col("source_sheet"), raw.alias("raw"),
                pl.lit(None, pl.String).alias("network"), pl.lit("none").alias("direction"),
                pl.lit(None, pl.Int32).alias("position"))], how="diagonal")
        table = table.with_columns(pl.lit(out.producer, pl.String).alias("producer"))
        table = table.select(*(c for c in table.columns if c != "source_sheet"), "source_sheet")
        return out.add_side("sharing", table.sort("source_row", "direction", "position"))

    def _sniff_pdf(self, source: Source) -> Match | None:
        try:
            document = open_pdf(source.path)
        except SourceRejected:
            return None  # the PDF reader says why it cannot be opened
        try:
            found = _pdf_header(document)
        finally:
            document.close()
        if found is None:
            return None
        return Match(format=self.name, variant="sharing-list (PDF)", confidence=0.95, details={"pdf": True})

    def _read_pdf(self, source: Source, out: SourceWriter) -> None:
        """A sharing list printed to PDF: the rows rebuilt from the printed lines (pdftext.py), stored like
        a sheet's, with source_row the printed row (header = 1) and source_sheet its page ('page 3')."""
        document = open_pdf(source.path)
        try:
            printed = _printed_rows(document, out)
        finally:
            document.close()
        headers = printed.columns.headers
        frame = pl.DataFrame({f"column_{i + 1}": [head, *(row[i] for row in printed.rows)]
                              for i, head in enumerate(headers)}, schema={f"column_{i + 1}": pl.String
                                                                          for i in range(len(headers))})
        total = self._read_table(out, None, frame, 1, printed.numbers, [f"page {p}" for p in printed.pages])
        out.note(f"{total:,} (organization, network, direction) rows in the `sharing` view, from {len(printed.rows):,} "
                 "printed rows; source_row is the printed row (header = 1), source_sheet the page it starts on")
        if out.producer is None:
            out.note("the agency whose sharing list this is (the 'me' in the column names) is not named in the "
                     "file; re-run with --force --producer 'Agency Name' to record it")
        out.extra["sharing_rows"] = total

    def _read_plain(self, source: Source, out: SourceWriter) -> None:
        items = plain_list_items(source)
        if items is None:
            raise SourceRejected("not a list of network names")
        if out.producer is None:
            named = producer_from_list_name(source.name)
            if named:
                out.producer = named
                out.note(f"producer {named!r} taken from the file name; use --force --producer to correct it")
        text = source.path.read_bytes().decode("utf-8-sig", errors="replace")
        rows = [(line_no, item) for line_no, line in enumerate(text.splitlines(), start=1)
                for item in (i.strip() for i in re.split(r"\s*,\s*", line)) if item]
        table = pl.DataFrame({
            "organization": [out.producer] * len(rows), "network": [item for _, item in rows],
            "direction": ["listed"] * len(rows), "position": list(range(1, len(rows) + 1)),
            "source_row": [line_no for line_no, _ in rows], "raw": [item for _, item in rows],
        }, schema_overrides={"organization": pl.String, "position": pl.Int32, "source_row": pl.Int64})
        table = table.with_columns(pl.lit(out.producer, pl.String).alias("producer"),
                                   pl.lit(None, pl.String).alias("source_sheet"))
        count = out.add_side("sharing", table)
        out.note(f"a plain list of {count:,} network names, separated by commas: stored in `sharing` with "
                 "direction 'listed' (the file does not say whether these networks share with the producer "
                 "or receive its data); source_row is the line, position the place in the list")
        out.extra["sharing_rows"] = count


def _csv_cells(source: Source, out: SourceWriter) -> tuple[pl.DataFrame, list[int] | None]:
    """A sharing CSV as text cells (header row first) and, when some lines had to be quarantined, the
    line number of each data row kept. The usual CSV reader is used unless the quotes do not pair up:
    an odd number of quotes (one never closed), a table the reader refuses, or a cell spanning lines
    (a stray quote that swallowed the lines up to the next one)."""
    text = csv_text(source, out)
    if text.count('"') % 2 == 0:
        try:
            frame = read_csv_cells(source, "sharing", out)
        except SourceRejected:
            frame = None
        if frame is not None and not any(
                frame.select(pl.any_horizontal(pl.all().str.contains("\n", literal=True).fill_null(False)))
                .to_series()):
            return frame, None
    return _cells_by_line(text, out)


def _cells_by_line(text: str, out: SourceWriter) -> tuple[pl.DataFrame, list[int]]:
    """One row per line; a line whose quotes do not pair up is quarantined with its line number."""
    kept: list[tuple[int, list[str]]] = []
    broken: list[tuple[int, str, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        try:
            cells = next(csv.reader([line], strict=True), [])
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                why = (f"unclosed quote: a quote opens on line {number} and is not closed on it; a sharing list "
                       "keeps each row on one line, so the row is quarantined, not guessed")
            else:
                why = f"quotes do not pair up on line {number} ({exc}); quarantined, not guessed"
            broken.append((number, line, why))
            continue
        if line.count('"') % 2 == 1:  # a stray quote inside a cell: likely the far end of a broken one
            broken.append((number, line, f"stray quote: line {number} holds an odd number of quotes, so a cell "
                                         "may have been cut in two there; quarantined, not guessed"))
            continue
        if cells or kept:  # lines before the header that are blank are not rows
            kept.append((number, cells))
    if kept and not kept[-1][1]:
        kept.pop()  # the empty string after the final line break
    if not kept or _head_kind(list(kept[0][1])) is None:
        first = broken[0][0] if broken else 1
        raise SourceRejected(f"sharing CSV: the header line has quotes that do not pair up (line {first}); "
                             "fix the quote in the file and ingest it again")
    width = max(len(cells) for _, cells in kept)
    columns = list(zip(*[cells + [None] * (width - len(cells)) for _, cells in kept], strict=True))
    frame = pl.DataFrame({f"column_{i + 1}": list(values) for i, values in enumerate(columns)},
                         schema={f"column_{i + 1}": pl.String for i in range(width)})
    if broken:
        out.add_quarantine(pl.DataFrame({
            "source_row": [n for n, _, _ in broken], "raw": [line for _, line, _ in broken],
            "reason": [why for _, _, why in broken]}, schema={"source_row": pl.Int64, "raw": pl.String,
                                                              "reason": pl.String}))
        listed = ", ".join(str(n) for n, _, _ in broken[:10]) + (" ..." if len(broken) > 10 else "")
        out.note(f"quotes do not pair up on line {listed}: {len(broken):,} row(s) quarantined; the other lines "
                 "were read one row per line (a sharing list never breaks a line inside a cell)")
    return frame, [n for n, _ in kept[1:]]


# --- printed to PDF ---------------------------------------------------------------------------------

SHARING_HEADERS = (*ORG_HEADERS, *WITH_ME_HEADERS, *I_SHARE_HEADERS)
HEADER_PAGES = 3  # the header is looked for on this many first pages (a cover page may come first)


def _pdf_header(document: Any) -> tuple[int, list[Line], int] | None:
    """(page index, its lines, header line index) of a printed sharing list's header, or None."""
    for index in range(min(HEADER_PAGES, len(document))):
        lines = page_lines(document, index, None)
        for number, line in enumerate(lines[:40]):
            text = norm(line.text())
            if any(h in text for h in ORG_HEADERS) and any(h in text for h in (*WITH_ME_HEADERS, *I_SHARE_HEADERS)):
                return index, lines, number
    return None


@dataclass
class _Printed:
    """The rows of a printed sharing list: one text per printed column, the printed row numbers and the
    page each row starts on."""

    columns: Columns
    rows: list[list[str | None]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)


def _printed_rows(document: Any, out: SourceWriter) -> _Printed:
    """Every printed row. A row is anchored by the line holding its organization; a list cell wraps
    over the lines above that line (bottom-aligned rows, a spreadsheet's default) or below it
    (top-aligned), told apart by whether the pages end or begin with an organization's line."""
    found = _pdf_header(document)
    if found is None:
        raise SourceRejected(f"PDF text has no sharing-list header on its first {HEADER_PAGES} pages")
    header_page, lines, header = found
    columns = header_columns(lines, header, SHARING_HEADERS)
    positions = _head_kind(list(columns.headers))
    if positions is None:
        raise SourceRejected(f"the printed header could not be split into its columns (read: {columns.headers})")
    all_lines, textless = table_lines(document, header_page, lines[header].y, columns)
    for page in textless:
        out.skip_part(f"page {page}", f"no text (a scanned page?); {OCR_HINT}")
    org = positions["organization"]
    groups, fragments = _group_printed(all_lines, org)
    printed = _Printed(columns=columns)
    for number, group in enumerate(groups, start=2):
        printed.rows.append([_join_list([cells[c] for _, cells in group if c in cells])
                             for c in range(len(columns.headers))])
        printed.numbers.append(number)
        printed.pages.append(group[0][0])
    if fragments:
        out.add_quarantine(pl.DataFrame(fragments, schema={"source_page": pl.Int32, "raw": pl.String,
                                                           "reason": pl.String}, orient="row"))
        out.expect_rows(len(fragments))
    return printed


def _group_printed(all_lines: PageLines, org: int) -> tuple[list[Group], list[list[object]]]:
    """The printed lines grouped into rows, and the lines that belong to no row (page, text, reason)."""
    by_page: dict[int, list[dict[int, str]]] = {}
    for page, cells in all_lines:
        if cells is not None:
            by_page.setdefault(page, []).append(cells)
    ends = sum(1 for cells in by_page.values() if org in cells[-1])
    starts = sum(1 for cells in by_page.values() if org in cells[0])
    first = next((cells for cells in by_page.values()), [{}])[0]
    bottom = ends > starts or (ends == starts and org not in first)
    groups: list[Group] = []
    pending: Group = []
    for page, page_cells in by_page.items():
        for cells in page_cells:
            if bottom:
                pending.append((page, cells))
                if org in cells:
                    groups.append(pending)
                    pending = []
            elif org in cells:
                groups.append([(page, cells)])
            elif groups:
                groups[-1].append((page, cells))
            else:
                pending.append((page, cells))
    fragments = [[page, json.dumps(cells, ensure_ascii=False), "printed lines that belong to no row (no "
                  "organization on their row's line): not guessed"] for page, cells in pending]
    return groups, fragments


def _join_list(fragments: list[str]) -> str | None:
    """A cell's wrapped lines joined back with a space: a spreadsheet wraps a cell only at a space, so a
    line ending in a comma was ', ' (a comma inside a name), never a bare comma between names."""
    return " ".join(f.strip() for f in fragments if f.strip()) or None


READERS = [SharingList()]
