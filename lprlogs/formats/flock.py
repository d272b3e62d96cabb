"""Flock Safety audit exports (Network Audit, Organization Audit, federal-user export), CSV and Excel.

Every variant in FORMATS.md section 1 is read the same way:

1. find the layout: the header row (after any title rows), or, for files without a header, the
   known column order recognised by content (a UUID first cell, where the `Search Time` sits);
2. read the cells as text into a *wide* table ``c0..cN`` with the row number a spreadsheet user sees
   (CSV: DuckDB's single-threaded reader, streamed; Excel: fastexcel, one sheet at a time);
3. align rows that are shifted one cell right or miss a cell (repaired when unambiguous, with a note;
   quarantined otherwise) and name the cells after the header (``align_sql``);
4. hand the named cells to ``staging.stage_cells`` (shared with the PDF reader), which parses them
   and sends the rows to the store.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from .. import textio
from ..errors import SourceRejected
from ..memory import duckdb_limit
from ..sources import Source
from ..sqltext import quote_ident, sql_literal
from ..store import SourceWriter, column_names
from . import FLOCK_AUDIT_KINDS, Match
from .columns import refuse_wide, unique_headers
from .counts import plain_integer_sql
from .staging import (
    FAST_TIME_FORMAT,
    HEADER_TO_FIELD,
    NUMBER_FIELDS,
    STAMP_RE,
    StageOptions,
    StageResult,
    normalize_header,
    stage_cells,
)
from .workbook import OLE_MAGIC, PASSWORD_HINT, ZIP_MAGIC, is_workbook, password_protected

# --- headers ------------------------------------------------------------------------------------

TIME_HEADERS = {"search time", "time frame", "search date"}

# the known column orders, for files without a header row
COLUMNS_14 = ("ID", "Name", "Org Name", "Total Networks Searched", "Total Devices Searched", "Time Frame",
              "License Plate", "Reason", "Case #", "Filters", "Search Time", "Search Type", "Text Prompt",
              "Moderation")
COLUMNS_13 = tuple(c for c in COLUMNS_14 if c != "Total Devices Searched")
COLUMNS_11 = tuple(c for c in COLUMNS_14 if c not in ("ID", "Text Prompt", "Moderation"))
COLUMNS_10 = ("ID", "Name", "Org Name", "Total Networks Searched", "License Plate", "Reason", "Case #", "Filters",
              "Search Time", "Search Type")
KNOWN_ORDERS: dict[str, tuple[str, ...]] = {
    "flock-14": COLUMNS_14, "flock-13": COLUMNS_13, "flock-11": COLUMNS_11, "flock-10": COLUMNS_10,
}

# headers other readers own: a file made of these is not a Flock audit export
FOREIGN_HEADERS = {
    "portal search audit": {"id", "userid", "searchdate"},
    "Flock event log": {"timestamp", "user", "event type"},
    "Flock sharing list": {"organization name", "networks shared with me"},
    "Vigilant audit": {"reason", "datetime"},
}

UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
SEARCH_TIME_RE = r"^\s*" + STAMP_RE + r"\s*(?:UTC|GMT|Z)?\s*$"


# --- layout: where the header is, which variant, or which known order a header-less file has ------

@dataclass
class Layout:
    """How a CSV or sheet is laid out: the names of its cells, and where the data starts."""

    headers: list[str]
    data_start: int  # 0-based index of the first data record (title rows and header before it)
    header_index: int | None  # 0-based index of the header record, None when there is none
    variant: str

    def search_time_index(self) -> int | None:
        for i, header in enumerate(self.headers):
            if normalize_header(header) == "search time":
                return i
        return None


def variant_label(headers: list[str], *, no_header: bool = False, title_rows: bool = False) -> str:
    """'flock-14', 'flock-13 post-cutover', 'flock-10 federal', 'flock-trimmed-9', plus modifiers."""
    names = [normalize_header(h) for h in headers]
    modifiers = []
    core = [n for n in names if n not in ("offense type", "search date")]
    if "search date" in names:
        modifiers.append("+split-date")
    if "offense type" in names:
        modifiers.append("+offense-type")
    label = f"flock-trimmed-{len(names)}"
    for base, order in KNOWN_ORDERS.items():
        if core == [normalize_header(h) for h in order]:
            label = {"flock-13": "flock-13 post-cutover", "flock-10": "flock-10 federal"}.get(base, base)
    if no_header:
        modifiers.append("+no-header")
    if title_rows:
        modifiers.append("+title-rows")
    return label + "".join(modifiers)


def _is_header(row: list[str]) -> bool:
    names = [normalize_header(c) for c in row]
    known = [n for n in names if n in HEADER_TO_FIELD]
    return len(known) >= 2 and any(n in TIME_HEADERS for n in names)


def _trim(row: list[str]) -> list[str]:
    end = len(row)
    while end and (row[end - 1] is None or str(row[end - 1]).strip() == ""):
        end -= 1
    return [("" if c is None else str(c)) for c in row[:end]]


def _guess_order(row: list[str]) -> str | None:
    """The known column order of a header-less data row, from its first cell and its Search Time."""
    cells = _trim(row)
    if not cells:
        return None
    times = [i for i, c in enumerate(cells) if re.match(SEARCH_TIME_RE, c) and "\n" not in c]
    if not times:
        return None
    has_uuid = bool(re.match(UUID_RE, cells[0].strip()))
    for base, order in KNOWN_ORDERS.items():
        if (order[0] == "ID") != has_uuid:
            continue
        if order.index("Search Time") in times and len(cells) <= len(order):
            return base
    return None


MAX_TITLE_ROWS = 6  # more non-empty lines above a header: a letter or note quoting one, not an export


def _has_time(row: list[str]) -> bool:
    """A data row: a cell with a date and time, or (split date) a date cell and a time cell."""
    if any(re.search(STAMP_RE, c) for c in row):
        return True
    return any(re.fullmatch(r"\s*\d{1,4}[/-]\d{1,2}[/-]\d{1,4}\s*", c) for c in row) and \
        any(re.fullmatch(r"\s*\d{1,2}:\d{2}(:\d{2})?\s*([AaPp][Mm])?\s*(UTC)?\s*", c) for c in row)


def find_layout(rows: list[list[str]]) -> Layout | None:
    """The layout of a file or sheet from its first records (a few dozen are enough)."""
    for index, row in enumerate(rows[:30]):
        if _is_header(row):
            headers = unique_headers(_trim(row), normalize_header)
            above = [r for r in rows[:index] if _trim(r)]
            following = [_trim(r) for r in rows[index + 1:index + 30] if _trim(r)]
            if len(above) > MAX_TITLE_ROWS or (following and not any(_has_time(r) for r in following)):
                continue  # a header quoted in a note or letter, not an export
            return Layout(headers=headers, data_start=index + 1, header_index=index,
                          variant=variant_label(headers, title_rows=index > 0))
    votes: dict[str, int] = {}
    first: int | None = None
    for index, row in enumerate(rows[:60]):
        order = _guess_order(row)
        if order is not None:
            votes[order] = votes.get(order, 0) + 1
            first = index if first is None else first
    if not votes or first is None:
        return None
    base = max(votes, key=lambda k: votes[k])
    headers = list(KNOWN_ORDERS[base])
    return Layout(headers=headers, data_start=first, header_index=None,
                  variant=variant_label(headers, no_header=True, title_rows=first > 0))


def describe_foreign(rows: list[list[str]]) -> str:
    """Why a table is not a Flock audit: the headers seen and the closest known variant."""
    first = next((_trim(r) for r in rows[:10] if _trim(r)), [])
    seen = ", ".join(" ".join(c.split())[:40] for c in first[:12]) or "nothing"
    if len(seen) > 160:
        seen = seen[:157] + "..."
    names = {normalize_header(c) for c in first}
    best, best_hits = "flock-14", -1
    for base, order in KNOWN_ORDERS.items():
        hits = len(names & {normalize_header(h) for h in order})
        if hits > best_hits:
            best, best_hits = base, hits
    other = next((label for label, needed in FOREIGN_HEADERS.items()
                  if needed <= {n.replace(" ", "") for n in names} | names), None)
    text = (f"not a Flock audit export: first row has {seen}; closest known variant {best} "
            f"shares {best_hits} of {len(KNOWN_ORDERS[best])} headers and no time column was found")
    if other:
        text += f" (looks like a {other})"
    return text


# --- alignment: rows shifted one cell right or missing one ----------------------------------------

def align_sql(wide: str, layout: Layout, width: int, *, empty_is_null: bool) -> str:
    """SELECT naming the wide cells c0..c{width-1} after the headers, repairing shifted rows.

    Adds ``_problem`` (why the row cannot be aligned), ``_repair`` (what was repaired) and the cells
    as read, ``_wide_0..``, for the raw line of quarantined rows.
    """
    n = len(layout.headers)
    st = layout.search_time_index()
    names = [normalize_header(h) for h in layout.headers]
    reason = names.index("reason") if "reason" in names else None
    filters = names.index("filters") if "filters" in names else None
    # other known column orders whose every column this header has: rows of a second export stacked
    # under this header without its own header row (e.g. 13-column rows under a 14-column header)
    orders = {base: order for base, order in KNOWN_ORDERS.items()
              if len(order) < n and {normalize_header(h) for h in order} <= set(names)}

    def cell(i: int) -> str:
        return f"c{i}" if i < width else "NULL"

    present = ("(c{i} IS NOT NULL AND c{i} <> '')" if empty_is_null else "c{i} IS NOT NULL")
    ncells = "greatest(" + ", ".join(f"CASE WHEN {present.format(i=i)} THEN {i + 1} ELSE 0 END"
                                     for i in range(width)) + ")"

    def is_time(i: int) -> str:
        if i >= width:
            return "FALSE"
        return (f"(try_strptime({cell(i)}, {sql_literal(FAST_TIME_FORMAT)}) IS NOT NULL "
                f"OR coalesce(regexp_full_match({cell(i)}, {sql_literal(SEARCH_TIME_RE)}), FALSE))")

    def blank(i: int) -> str:
        return f"coalesce(trim({cell(i)}), '') = ''"

    modes = [f"WHEN _n <= {n} THEN 'as_is'"]
    if st is not None:
        modes = [f"WHEN _n > 0 AND _n <= {st} THEN 'short'",
                 f"WHEN _n <= {n} AND ({is_time(st)} OR NOT {is_time(st - 1) if st > 0 else 'FALSE'}) THEN 'as_is'"]
        for base, order in orders.items():
            uuid_first = f"coalesce(regexp_full_match(trim(c0), {sql_literal(UUID_RE)}), FALSE)"
            modes.append(f"WHEN _n = {len(order)} AND {is_time(order.index('Search Time'))} AND "
                         f"{uuid_first if order[0] == 'ID' else 'NOT ' + uuid_first} THEN 'order:{base}'")
        modes.append(f"WHEN _n <= {n} THEN 'missing'")
        modes.append(f"WHEN _n = {n + 1} AND {blank(0)} AND {is_time(st + 1)} THEN 'drop_first'")
        modes.append(f"WHEN _n = {n + 1} AND {blank(n)} AND {is_time(st)} THEN 'drop_last'")
        if reason is not None and reason < st:
            filters_ok = "TRUE" if filters is None or filters < reason or filters > st else blank(filters + 1)
            modes.append(f"WHEN _n = {n + 1} AND {is_time(st + 1)} AND NOT {blank(reason + 1)} AND {filters_ok} "
                         "THEN 'merge_reason'")
    else:
        modes.append(f"WHEN _n = {n + 1} AND {blank(0)} THEN 'drop_first'")
        modes.append(f"WHEN _n = {n + 1} AND {blank(n)} THEN 'drop_last'")
    mode = "CASE " + " ".join(modes) + " ELSE 'bad' END"

    columns = []
    for j, header in enumerate(layout.headers):
        merged = (f"CASE WHEN {cell(j)} IS NULL THEN {cell(j + 1)} WHEN {cell(j + 1)} IS NULL THEN {cell(j)} "
                  f"ELSE {cell(j)} || ',' || {cell(j + 1)} END")
        by_reason = cell(j) if reason is None or j < reason else (merged if j == reason else cell(j + 1))
        by_order = "".join(
            f" WHEN 'order:{base}' THEN "
            + (cell([normalize_header(h) for h in order].index(names[j])) if names[j] in
               [normalize_header(h) for h in order] else "NULL")
            for base, order in orders.items())
        # 'as_is' (nearly every row) first: CASE tests the later branches only on the rows left over
        columns.append(f"CASE _mode WHEN 'as_is' THEN {cell(j)} WHEN 'drop_first' THEN {cell(j + 1)} "
                       f"WHEN 'merge_reason' THEN {by_reason} WHEN 'drop_last' THEN {cell(j)}{by_order} END "
                       f"AS {quote_ident(header)}")
    problem = (f"CASE _mode WHEN 'short' THEN 'row ends after ' || _n || ' of {n} cells, before Search Time "
               f"(the file may be cut short)' WHEN 'missing' THEN 'a cell is missing before Search Time (' || _n || ' cells, header has "
               f"{n}); cannot tell which' WHEN 'bad' THEN 'row has ' || _n || ' cells where the header has {n}; "
               "cannot tell which cell is extra' END")
    repair = ("CASE WHEN _mode LIKE 'order:%' THEN 'row laid out as ' || _mode[7:] || ' under this header (a second "
              "export stacked without its header?), read by that column order' ELSE CASE _mode WHEN 'drop_first' THEN 'shifted one cell right (an extra empty first cell), realigned' "
              "WHEN 'drop_last' THEN 'an extra empty cell at the end, dropped' "
              "WHEN 'merge_reason' THEN 'Reason split in two cells by an unquoted comma, joined' END END")
    wide_cells = ", ".join(f"c{i} AS _wide_{i}" for i in range(width))
    return (f"SELECT {', '.join(columns)}, source_row, {problem} AS _problem, {repair} AS _repair, {wide_cells} "
            f"FROM (SELECT *, {mode} AS _mode FROM (SELECT *, {ncells} AS _n FROM {wide}))")


def aligned_columns(con: duckdb.DuckDBPyConnection, layout: Layout, width: int, *, sheet: bool = False) -> list[str]:
    """The columns align_sql gives (with ``sheet``, then ``source_sheet``), as DuckDB names them (a header
    twice becomes "Reason", "Reason_1"), bound from a SELECT of the same names only: binding align_sql
    itself compiles its patterns (~12 ms, paid per file)."""
    names = [*(quote_ident(h) for h in layout.headers), "source_row", "_problem", "_repair",
             *(f"_wide_{i}" for i in range(width))]
    only_names = "SELECT " + ", ".join(f"NULL AS {name}" for name in names)
    return column_names(con, f"SELECT *, NULL AS source_sheet FROM ({only_names})" if sheet else only_names)


def plainly_fine_sql(layout: Layout, width: int) -> str | None:
    """A cheap test over the wide cells that is TRUE only for rows that need no alignment and whose
    Search Time parses in Flock's own format and whose counts are empty or plain integers: such a row can
    have no problem, no repair and no count to note (stage_cells would find none), so the problem pass
    skips it before any other parsing. None when the layout has no Search Time cell of its own (split
    date and time: every row is examined)."""
    st = layout.search_time_index()
    names = [normalize_header(h) for h in layout.headers]
    if st is None or "search date" in names:
        return None
    n = len(layout.headers)
    beyond = " AND ".join(f"c{i} IS NULL" for i in range(n, width)) or "TRUE"
    counts = "".join(f" AND (coalesce(c{i}, '') = '' OR {plain_integer_sql(f'c{i}')} IS NOT NULL)"
                     for i, name in enumerate(names) if HEADER_TO_FIELD.get(name) in NUMBER_FIELDS)
    return f"({beyond} AND try_strptime(c{st}, {sql_literal(FAST_TIME_FORMAT)}) IS NOT NULL{counts})"


def all_plainly_fine(con: duckdb.DuckDBPyConnection, wide_sql: str, fine: str) -> bool:
    """True when every row of ``wide_sql`` passes ``fine`` (plainly_fine_sql): none can need the problem pass."""
    return not con.execute(f"SELECT EXISTS (SELECT 1 FROM ({wide_sql}) WHERE NOT {fine})").fetchall()[0][0]


def _stage_wide(out: SourceWriter, wide_sql: str, layout: Layout, width: int, *, empty_is_null: bool,
                variant: str | None = None, row_ranges: list[tuple[int, int | None]] | None = None) -> StageResult:
    """Align the wide cells and stage them. ``row_ranges`` (first row, last row or None) split the rows to
    store into parts written side by side; ``wide_sql`` must then be self-contained (no registered view)."""
    def aligned(wide: str) -> str:
        return align_sql(f"({wide})", layout, width, empty_is_null=empty_is_null)

    fine = plainly_fine_sql(layout, width) if not empty_is_null else None
    candidates = aligned(f"SELECT * FROM ({wide_sql}) WHERE NOT {fine}") if fine else None
    # every row plainly fine: no row has a problem or a repair, and a small file (written in one go) skips
    # the problem pass, whose planning costs more than this extra read (measured: ~40 ms of ~150 ms for
    # a 2,000-row file; a release can hold hundreds of such files)
    all_fine = bool(fine) and not (row_ranges and len(row_ranges) > 1) and all_plainly_fine(out.con, wide_sql, fine)
    parts = None
    if row_ranges and len(row_ranges) > 1:
        parts = []
        for first, last in row_ranges:
            # LIMIT ends the scan after the part's last row; the later parts read (but do not parse) the rows
            # before theirs, which is what numbering them takes
            bounded = (f"SELECT * FROM ({wide_sql}) WHERE source_row >= {first}" if last is None else
                       f"SELECT * FROM ({wide_sql}) WHERE source_row BETWEEN {first} AND {last} LIMIT {last - first + 1}")
            parts.append(aligned(bounded))
    return stage_cells(out, aligned(wide_sql), StageOptions(
        cell_columns=aligned_columns(out.con, layout, width), variant=variant, problem_column="_problem",
        repair_column="_repair", raw_cells=[f"_wide_{i}" for i in range(width)], candidates=candidates,
        parts=parts, all_plainly_fine=all_fine))


READER_MEMORY_CAP = 10**9  # DuckDB memory limit while a CSV streams through the reader (or --memory, if lower)


@contextlib.contextmanager
def single_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run DuckDB on one thread for a while: the CSV scan is single-threaded anyway (exact row
    numbers), and with one thread the whole pipeline streams in file order; with more, DuckDB buffers
    row groups to keep insertion order (measured: 890 MiB vs 350 MiB peak for 1M rows, and slower)."""
    # (read and set in one statement each: a release of hundreds of small files does this per file)
    threads, order = con.execute(
        "SELECT current_setting('threads'), current_setting('preserve_insertion_order')").fetchall()[0]
    # the pipeline streams, but DuckDB keeps buffers up to its limit (80% of RAM by default): measured
    # 2.26 GiB peak for a 10M-row file without a limit, 1.08 GiB with this one, same row counts.
    # One thread reads the file in order and the COPY writes rows as they come; keeping insertion order
    # on top made COPY hold the batches it had read (memory growing with the file, until the limit)
    con.execute(f"SET threads = 1; SET memory_limit = {sql_literal(duckdb_limit(READER_MEMORY_CAP))}; "
                "SET preserve_insertion_order = false").fetchall()
    try:
        yield
    finally:
        # the connection's limit (connect()), not the value read before: DuckDB prints the limit rounded
        # ("18.8 GiB"), and setting that text back lowered the limit a little with every file
        con.execute(f"SET threads = {int(threads)}; SET memory_limit = {sql_literal(duckdb_limit())}; "
                    f"SET preserve_insertion_order = {bool(order)}").fetchall()


def _reset(out: SourceWriter) -> None:
    """Forget rows already handed to the writer, before reading the file again another way."""
    out.rollback()
    out.expected_rows = None


def _federal_kind(out: SourceWriter, layout: Layout) -> None:
    if out.log_kind is None and layout.variant.startswith("flock-10"):
        out.log_kind = "federal_audit"
        out.note("10-column federal-user export: log kind set to federal_audit (use --log-type to change)")


# --- CSV ------------------------------------------------------------------------------------------

def _head_records(text: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text)))[:80]
    except csv.Error:
        return [line.split(",") for line in text.splitlines()[:80]]


def _transcoded(out: SourceWriter, scratch: list[Path], path: Path, encoding: textio.Encoding,
                nul: str | None = None) -> tuple[Path, int]:
    """A UTF-8 copy of ``path`` in the writer's scratch folder, and the bytes replaced with U+FFFD."""
    copy = out.scratch(".csv")
    scratch.append(copy)
    return copy, textio.transcode_to_utf8(path, encoding, copy, nul=nul)


@dataclass
class _CsvJob:
    """One CSV being read: what the second read needs to know."""

    source: Source
    encoding: textio.Encoding
    layout: Layout
    out: SourceWriter
    scratch: list[Path]  # transcoded copies, removed at the end
    notes_before: int  # notes of DuckDB's read end here (dropped when its rows are thrown away)


class FlockCsv:
    """Flock audit exports as CSV text, in any of the encodings releases come in."""

    name = "flock_csv"
    kinds = FLOCK_AUDIT_KINDS  # the log kinds it reads (formats.detect checks --log-type against them)

    def sniff(self, source: Source) -> Match | None:
        head = source.head(65536)
        if not head.strip() or head[:4] == ZIP_MAGIC or head[:5] == b"%PDF-" or head[:8] == OLE_MAGIC:
            return None
        try:
            encoding = textio.for_file(source.path, source.encoding)
        except SourceRejected:
            encoding = textio.detect(head)
        text = textio.decode_head(source.path, encoding)
        rows = [] if textio.looks_binary(head) else _head_records(text.replace("\x00", "\ufffd"))
        layout = find_layout(rows) if rows else None
        if layout is None and source.encoding:
            detected = textio.detect(head)
            if detected.codec != encoding.codec and find_layout(_head_records(textio.decode_head(source.path, detected))):
                return Match(format=self.name, variant="wrong encoding", confidence=0.6, details={
                    "skip": True, "reason": f"looks like a Flock audit export in {detected.label}, but --encoding "
                    f"{source.encoding} was given and makes it unreadable; re-run without --encoding (or with "
                    f"--encoding {detected.codec}) and --force"})
        if not rows or max((len(r) for r in rows[:20]), default=0) < 2:
            return None
        if layout is None:
            return Match(format=self.name, variant="not an audit", confidence=0.05,
                         details={"skip": True, "reason": describe_foreign(rows)})
        return Match(format=self.name, variant=layout.variant, confidence=0.9 if layout.header_index is not None else 0.8,
                     details={"encoding": encoding.codec})

    def read(self, source: Source, match: Match, out: SourceWriter) -> None:
        encoding = textio.for_file(source.path, source.encoding)
        scratch: list[Path] = []  # transcoded copies, removed at the end
        try:
            path = self._utf8(source, encoding, out, scratch)
            out.encoding = encoding.label
            text = textio.decode_head(path, textio.Encoding("utf-8-sig"))
            layout = find_layout(_head_records(text))
            if layout is None:
                raise SourceRejected(describe_foreign(_head_records(text)))
            refuse_wide(len(layout.headers), "the header")
            out.variant = layout.variant
            _federal_kind(out, layout)
            # what DuckDB cannot be trusted with is found by one read of the bytes on another thread while
            # DuckDB reads: an unclosed quote (every later row read into one cell), a blank line (DuckDB
            # skips it, and the row numbers after it would not be the spreadsheet's), a NUL byte
            scan = _FileScan(path)
            notes_before = len(out.notes)
            failure: duckdb.Error | None = None
            try:
                with single_thread(out.con):
                    self._read_duckdb(path, layout, out)
            except duckdb.Error as exc:
                failure = exc
            if failure is None and not scan.result().needs_another_read(layout):
                return
            _reset(out)
            job = _CsvJob(source, encoding, layout, out, scratch, notes_before)
            self._read_again(job, path, scan.result(), failure)
        finally:
            for copy in scratch:
                copy.unlink(missing_ok=True)

    @staticmethod
    def _utf8(source: Source, encoding: textio.Encoding, out: SourceWriter, scratch: list[Path]) -> Path:
        """The file as UTF-8: itself, or a transcoded copy."""
        if encoding.is_utf8:
            return source.path
        transcoded, replaced = _transcoded(out, scratch, source.path, encoding)
        if replaced:
            out.note(f"{replaced:,} byte(s) could not be decoded as {encoding.codec} and were replaced "
                     "with U+FFFD; check the encoding (--encoding)")
        return transcoded

    def _read_again(self, job: _CsvJob, path: Path, scan: _Scan, failure: duckdb.Error | None) -> None:
        """After DuckDB's read was thrown away (and its notes): the file read the way its shape needs."""
        source, encoding, layout, out = job.source, job.encoding, job.layout, job.out
        del out.notes[job.notes_before:]
        if scan.nuls:
            path, _ = _transcoded(out, job.scratch, path, textio.Encoding("utf-8-sig"), nul="\ufffd")
            lines = ", ".join(str(n) for n in scan.nul_lines) + (" ..." if scan.nuls > len(scan.nul_lines) else "")
            out.note(f"{scan.nuls:,} NUL byte(s) (\\x00, a damaged file) replaced with U+FFFD (line {lines}); "
                     "the rows were read")
        if scan.odd_quotes and _ids_first(layout):
            out.note("the file has an unclosed quote; read with the tolerant reader, which starts a new "
                     "row at every line that begins with a search ID, so the broken row cannot swallow "
                     "others")
            self._read_python(path, layout, out, split_at_ids=True)
        elif failure is not None and encoding.is_utf8 and "unicode" in str(failure).lower() and path == source.path:
            self._read_cp1252(source, encoding, layout, out, job.scratch)
        elif failure is not None:
            out.note(f"DuckDB could not parse the CSV ({str(failure).splitlines()[0][:160]}); "
                     "read with the tolerant Python reader instead")
            self._read_python(path, layout, out)
        elif scan.blank_lines:
            self._read_python(path, layout, out)  # numbers records as a spreadsheet does, blank lines too
        else:
            with single_thread(out.con):
                self._read_duckdb(path, layout, out)

    def _read_cp1252(self, source: Source, encoding: textio.Encoding, layout: Layout, out: SourceWriter,
                     scratch: list[Path]) -> None:
        """A file that is not valid UTF-8 past its first 64 KiB: read as cp1252 (or as given, replaced)."""
        given = encoding.how == "given"
        fallback = encoding if given else textio.Encoding("cp1252", 0, "detected after a UTF-8 error")
        transcoded, replaced = _transcoded(out, scratch, source.path, fallback)
        if given:
            out.note(f"{replaced:,} byte(s) are not valid {encoding.codec} (given with --encoding) and "
                     "were replaced with U+FFFD")
        else:
            out.encoding = "cp1252 (not UTF-8 past the first 64 KiB)"
            out.note("the file is not valid UTF-8 past its first 64 KiB; read as cp1252")
        with single_thread(out.con):
            self._read_duckdb(transcoded, layout, out)

    def _read_duckdb(self, path: Path, layout: Layout, out: SourceWriter) -> None:
        width = len(layout.headers) + 2
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
        # single-threaded, so row_number() is the record number in the file (exact provenance)
        wide = (f"SELECT *, row_number() OVER () + {layout.data_start} AS source_row FROM read_csv("
                f"{sql_literal(str(path))}, header=false, skip={layout.data_start}, columns={columns}, "
                "delim=',', quote='\"', escape='\"', null_padding=true, nullstr='\x01', parallel=false, "
                "auto_detect=false, strict_mode=false, comment='', max_line_size=10000000, buffer_size=20000000)")
        _stage_wide(out, wide, layout, width, empty_is_null=False, row_ranges=_row_ranges(path, layout))

    def _read_python(self, path: Path, layout: Layout, out: SourceWriter, split_at_ids: bool = False) -> None:
        """Tolerant reading for CSVs DuckDB refuses (broken quotes): Python's csv module, in blocks.
        With ``split_at_ids`` a line that begins with a search ID always starts a new row, even inside an
        unclosed quote, so one broken row is quarantined alone instead of swallowing the rows after it."""
        width = len(layout.headers) + 2
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
            reader = _rows_split_at_ids(fh) if split_at_ids else csv.reader(fh)
            block: list[list[str | None]] = []
            record = 0
            for row in reader:
                record += 1
                if record <= layout.data_start:
                    continue
                if not row:
                    continue
                cells: list[str | None] = list(row[:width - 1])
                if len(row) >= width:
                    cells.append(",".join(row[width - 1:]))  # so the row has too many cells: quarantined
                cells += [None] * (width - len(cells))
                block.append([*cells, str(record)])
                if len(block) >= 100_000:
                    self._stage_block(out, block, layout, width)
                    block = []
            if block:
                self._stage_block(out, block, layout, width)

    def _stage_block(self, out: SourceWriter, block: list[list[str | None]], layout: Layout, width: int) -> None:
        import pyarrow as pa

        names = [f"c{i}" for i in range(width)] + ["source_row"]
        table = pa.table({name: [r[i] for r in block] for i, name in enumerate(names)})
        rel = out.con.from_arrow(table)
        view = f"_py_{uuid.uuid4().hex[:8]}"
        out.con.register(view, rel)
        try:
            _stage_wide(out, f"SELECT * EXCLUDE (source_row), CAST(source_row AS BIGINT) AS source_row FROM {view}",
                        layout, width, empty_is_null=False)
        finally:
            out.con.unregister(view)


PART_ROWS = 250_000  # a CSV with more rows than this is stored in parts written side by side
MAX_PARTS = 4  # each part reads the rows before its own again (cheaply): more parts, more reading
PART_MIN_BYTES = 16 << 20  # smaller files are written in one go


def _row_ranges(path: Path, layout: Layout) -> list[tuple[int, int | None]] | None:
    """Row ranges splitting a big CSV into about equal parts, one per core (up to MAX_PARTS), from the
    file size and the records in its first 4 MiB; None for a file small enough to write in one go.
    The estimate only balances the parts: every row belongs to exactly one range whatever it is."""
    cores = min(os.cpu_count() or 1, MAX_PARTS)
    size = path.stat().st_size
    if cores < 2 or size < PART_MIN_BYTES:
        return None
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        sample = fh.read(4 << 20)
    records = sum(1 for _ in csv.reader(io.StringIO(sample[:sample.rfind("\n") + 1])))
    if records <= layout.data_start:
        return None
    estimate = int(size / len(sample.encode("utf-8")) * records)
    parts = min(cores, estimate // PART_ROWS)
    if parts < 2:
        return None
    first = layout.data_start + 1
    step = (estimate - layout.data_start) // parts
    bounds = [first + i * step for i in range(parts)]
    return [(lo, bounds[i + 1] - 1 if i + 1 < parts else None) for i, lo in enumerate(bounds)]


_ID_LINE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12},")


def _ids_first(layout: Layout) -> bool:
    return bool(layout.headers) and normalize_header(layout.headers[0]) == "id"


@dataclass
class _Scan:
    """What one read of a CSV's bytes found."""

    odd_quotes: bool = False  # some quote is never closed
    blank_lines: bool = False  # a blank line before the last row
    nuls: int = 0  # NUL bytes
    nul_lines: list[int] = field(default_factory=list)  # the lines of the first ones

    def needs_another_read(self, layout: Layout) -> bool:
        return bool(self.nuls or self.blank_lines or (self.odd_quotes and _ids_first(layout)))


def _scan_bytes(path: Path) -> _Scan:
    scan = _Scan()
    quotes = lines = 0
    first_blank = last_content = -1
    offset = 0
    previous = b""
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 24), b""):
            quotes += block.count(b'"')
            if first_blank < 0:
                first_blank = _first_blank_line(previous, block, offset)
            if b"\x00" in block:
                scan.nuls += block.count(b"\x00")
                at = block.find(b"\x00")
                while at >= 0 and len(scan.nul_lines) < 10:
                    scan.nul_lines.append(lines + block.count(b"\n", 0, at) + 1)
                    at = block.find(b"\x00", at + 1)
            tail = block[-256:].rstrip()  # a block rarely ends in more blank space than this
            stripped = len(block) - min(256, len(block)) + len(tail) if tail else len(block.rstrip())
            if stripped > 0:
                last_content = offset + stripped - 1
            lines += block.count(b"\n")
            previous = block[-2:]
            offset += len(block)
    scan.odd_quotes = quotes % 2 == 1
    scan.blank_lines = 0 <= first_blank < last_content
    return scan


def _first_blank_line(previous: bytes, block: bytes, offset: int) -> int:
    """The file offset of the first blank line in ``block`` (or straddling it and the end of the one
    before, ``previous``: its last two bytes), or -1."""
    seam = previous + block[:2]
    for text, start in ((seam, offset - len(previous)), (block, offset)):
        hits = [i for i in (text.find(b"\n\n"), text.find(b"\n\r\n")) if i >= 0]
        if hits:
            return start + min(hits)
    return -1


class _FileScan:
    """``_scan_bytes`` on a thread of its own, started at once; ``result()`` waits for it."""

    def __init__(self, path: Path):
        self._result: list[_Scan] = []
        self._errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(path,), name="lprlogs-scan", daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            self._result.append(_scan_bytes(path))
        except BaseException as exc:  # re-raised by result()
            self._errors.append(exc)

    def result(self) -> _Scan:
        self._thread.join()
        if self._errors:
            raise self._errors[0]
        return self._result[0]


def _rows_split_at_ids(lines: Iterator[str]) -> Iterator[list[str]]:
    """CSV records from lines, where a line starting with a search ID starts a new record even when the
    previous record left a quote open; each record is then parsed on its own."""
    pending: list[str] = []
    open_quote = False
    for line in lines:
        if pending and open_quote and _ID_LINE.match(line):
            yield from csv.reader(io.StringIO("".join(pending)))  # the broken record, alone
            pending, open_quote = [], False
        pending.append(line)
        open_quote ^= line.count('"') % 2 == 1
        if not open_quote:
            yield from csv.reader(io.StringIO("".join(pending)))
            pending = []
    if pending:
        yield from csv.reader(io.StringIO("".join(pending)))


# --- Excel ----------------------------------------------------------------------------------------

def _sheet_rows(frame: Any) -> list[list[str]]:
    return [[("" if v is None else str(v)) for v in row] for row in frame.iter_rows()]


def _unreadable_workbook(source: Source, error: SourceRejected) -> Match | None:
    """A workbook by its content (an .xlsx/.xlsm/.xlsb zip, or an OLE file named .xls) that fastexcel
    cannot open: skipped with the reason, instead of being reported as an unknown kind of file; one saved
    with a password is rejected, said so."""
    if password_protected(source, str(error)):
        return Match(format=FlockExcel.name, variant="password-protected workbook", confidence=0.9, details={
            "problem": f"workbook is password protected (encrypted): it cannot be read; {PASSWORD_HINT}"})
    if source.head(4) != ZIP_MAGIC and not source.name.lower().endswith(".xls"):
        return None  # an OLE file of another kind (.doc, .msg): the other readers name it
    return Match(format=FlockExcel.name, variant="unreadable workbook", confidence=0.05, details={
        "skip": True, "reason": f"{error}; if it opens in Excel or LibreOffice, save it as .xlsx and ingest that"})


class FlockExcel:
    """Flock audit exports saved as workbooks (.xlsx, .xlsm, .xls, .xlsb): every sheet, one by one."""

    name = "flock_excel"
    kinds = FLOCK_AUDIT_KINDS  # the log kinds it reads (formats.detect checks --log-type against them)

    def _open(self, source: Source) -> Any:
        import fastexcel

        try:
            return fastexcel.read_excel(str(source.path))
        except Exception as exc:  # fastexcel raises its own error types for broken workbooks
            first_line = str(exc).splitlines()[0][:160]
            damage = ", damaged or cut short?" if "zip" in first_line.lower() else ""
            raise SourceRejected(f"workbook could not be opened{damage} ({first_line})") from exc

    def _heads(self, workbook: Any) -> list[tuple[str, list[list[str]]]]:
        heads = []
        for sheet_name in workbook.sheet_names:
            try:
                frame = workbook.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0,
                                            n_rows=80).to_polars()
            except Exception:  # an unreadable sheet: reported when reading
                heads.append((sheet_name, []))
                continue
            heads.append((sheet_name, _sheet_rows(frame)))
        return heads

    def sniff(self, source: Source) -> Match | None:
        if not is_workbook(source):
            return None
        try:
            heads = self._heads(self._open(source))
        except SourceRejected as exc:
            return _unreadable_workbook(source, exc)
        layouts = [(name, find_layout(rows)) for name, rows in heads if rows]
        found = [(name, layout) for name, layout in layouts if layout is not None]
        if not found:
            seen = "; ".join(f"sheet {name!r}: {describe_foreign(rows)}" for name, rows in heads if rows)
            return Match(format=self.name, variant="not an audit", confidence=0.05,
                         details={"skip": True, "reason": seen or "workbook with only empty sheets"})
        variants = sorted({layout.variant for _, layout in found})
        return Match(format=self.name, variant=variants[0] if len(variants) == 1 else "mixed: " + ", ".join(variants),
                     confidence=0.9)

    def read(self, source: Source, match: Match, out: SourceWriter) -> None:
        if match.details.get("problem"):
            raise SourceRejected(str(match.details["problem"]))
        workbook = self._open(source)
        variants = [v for sheet_name in workbook.sheet_names
                    if (v := self._read_sheet(source, workbook, sheet_name, out)) is not None]
        if not variants:
            raise SourceRejected("no sheet of this workbook is a Flock audit: "
                                 + "; ".join(f"{p['part']}: {p['reason']}" for p in out.parts_skipped))
        distinct = sorted(set(variants))
        out.variant = distinct[0] if len(distinct) == 1 else "mixed: " + ", ".join(distinct)
        if out.log_kind is None and all(v.startswith("flock-10") for v in variants):
            out.log_kind = "federal_audit"
        out.encoding = None

    @staticmethod
    def _read_sheet(source: Source, workbook: Any, sheet_name: str, out: SourceWriter) -> str | None:
        """Stage one sheet's rows; its variant, or None when it is skipped (with the reason)."""
        import polars as pl

        try:
            frame = workbook.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0).to_polars()
        except Exception as exc:
            out.skip_part(sheet_name, f"sheet could not be read ({str(exc).splitlines()[0][:120]})")
            return None
        if frame.height == 0 or frame.width == 0:
            out.skip_part(sheet_name, "empty sheet")
            return None
        head = _sheet_rows(frame.head(80))
        layout = find_layout(head)
        if layout is None:
            out.skip_part(sheet_name, describe_foreign(head) + " (a pivot or summary sheet?)")
            return None
        refuse_wide(frame.width, f"sheet {sheet_name!r}")
        width = max(len(layout.headers) + 2, frame.width)
        cells = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})
        cells = cells.with_columns([pl.lit(None, dtype=pl.String).alias(f"c{i}") for i in range(frame.width, width)])
        # skip_rows=0 keeps the blank rows above the used range: the index is the sheet's row number
        cells = cells.with_row_index("source_row", offset=1).with_columns(pl.col("source_row").cast(pl.Int64))
        cells = cells.slice(layout.data_start)
        view = f"_xl_{uuid.uuid4().hex[:8]}"
        out.con.register(view, cells.to_arrow())
        try:
            aligned = align_sql(f"(SELECT * FROM {view})", layout, width, empty_is_null=True)
            stage_cells(out, f"SELECT *, {sql_literal(sheet_name)} AS source_sheet FROM ({aligned})",
                        StageOptions(cell_columns=aligned_columns(out.con, layout, width, sheet=True),
                                     variant=layout.variant, problem_column="_problem",
                                     repair_column="_repair", raw_cells=[f"_wide_{i}" for i in range(width)],
                                     part=f"sheet {sheet_name!r}"))
        finally:
            out.con.unregister(view)
        return layout.variant


READERS: list[Any] = [FlockCsv(), FlockExcel()]
