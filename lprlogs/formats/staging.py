"""Staging Flock cells: one table of cells, named by the headers as printed, into stored rows.

The CSV and Excel readers (formats/flock.py) and the PDF reader (formats/pdf.py) cut a file into cells,
one VARCHAR per original header; ``stage_cells`` does the rest the same way for all of them: map the
headers to the canonical columns (``HEADER_TO_FIELD``), parse times, time frames and numbers, turn
redaction markers into NULL with the field named in ``redacted``, keep every original cell in ``raw``,
quarantine the rows that cannot be stored (with the reason), and hand the rest to the store.

The SQL is built in levels over the cells: level 0 parses what also proves a cell holds no marker (a
time, a plain integer), level 1 adds a cheap guard over the row and the full marker tests for the rows
that pass it, level 2 gives the canonical columns, ``raw`` and the row's problem (NULL = store it).
Rows are written in two passes: the rows with a problem or a repair first (small), then the rows to store.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import duckdb

from ..schema import REDACTION_MARKERS
from ..sqltext import quote_ident, sql_literal
from ..store import SourceWriter, as_relation, column_names
from .columns import note_extra_columns
from .counts import is_odd_count_sql, note_not_whole, plain_integer_sql, whole_number_sql

# normalised header text -> canonical column ("time_frame" and "search_date" are split/joined later)
HEADER_TO_FIELD: dict[str, str] = {
    "id": "search_id",
    "search id": "search_id",
    "name": "searcher_user",
    "user name": "searcher_user",
    "org name": "searcher_org",
    "organization name": "searcher_org",
    "total networks searched": "networks_searched",
    "networks searched": "networks_searched",
    "total devices searched": "devices_searched",
    "devices searched": "devices_searched",
    "time frame": "time_frame",
    "license plate": "license_plate",
    "plate": "license_plate",
    "reason": "reason",
    "offense type": "offense_type",
    "case #": "case_number",
    "case number": "case_number",
    "case no": "case_number",
    "case no.": "case_number",
    "filters": "filters",
    "search time": "search_time",
    "search date": "search_date",
    "search type": "search_type",
    "text prompt": "text_prompt",
    "moderation": "moderation",
}
TEXT_FIELDS = ("search_id", "searcher_user", "searcher_org", "search_type", "reason", "offense_type",
               "case_number", "license_plate", "filters", "text_prompt", "moderation")
NUMBER_FIELDS = ("networks_searched", "devices_searched")
# readers whose rows go through stage_cells: since compact raw, their manifest entries list raw_layouts
STAGED_CELL_FORMATS = ("flock_csv", "flock_excel", "flock_pdf")

# one timestamp as Flock (or Excel, or a PDF) writes it; used to find and split time values
STAMP_RE = (r"\d{1,4}[/-]\d{1,2}[/-]\d{1,4}(?:,?\s*|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
            r"(?:\s*[AaPp][Mm])?")
TIME_FORMATS = (
    "%m/%d/%Y, %I:%M:%S %p", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y,%I:%M:%S %p", "%m/%d/%Y, %H:%M:%S",
    "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %I:%M:%S %p", "%m/%d/%Y, %I:%M %p", "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M", "%m/%d/%y, %I:%M:%S %p", "%m/%d/%y %H:%M:%S",
)
# exemption citations typed into a cell instead of its value (California, FOIA)
CITATION_RE = (
    r"(?i)^[\s\[(<]*(?:redacted\b.*|"
    r"(?:(?:cal\.?\s*)?(?:gov(?:ernment|t)?\.?\s*code|gc|g\.c\.|pc|penal\s*code|§+|sec(?:tion|\.)?|cpra|exempt\w*)"
    r"[\s.:§]*)?\d{4}(?:\.\d+)?(?:\s*\([a-z0-9]+\))*(?:\s*(?:gc|g\.c\.|gov(?:ernment|t)?\.?\s*code|pc))?"
    r"|\(b\)\s*\(\d\)(?:\s*\([a-z]\))?)[\s\])>]*$"
)
# a bare number (a numeric reason, 5237, even 7923.600) is a value, not a citation: a citation names
# a code (GC, Gov. Code, §) or a subsection ((f), (b)(6))
CITATION_NEEDS_RE = r"(?i)(gc|g\.c\.|code|§|sec|cpra|exempt|redacted|\d{4}\s*\([a-z]|\(b\))"

@functools.lru_cache(maxsize=4096)  # called for every cell of the head rows of every file
def normalize_header(header: object) -> str:
    """' Org  Name\\ufeff' -> 'org name'."""
    text = str(header if header is not None else "").replace("\ufeff", "").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


# --- SQL pieces ---------------------------------------------------------------------------------

MARKER_GUARD_RE = r"(?i)[*#§]|\d{4}|redact|xxx|\(b\)"
# one test over the whole row first: a row without any of these holds no marker (most rows)
ROW_GUARD_RE = r"(?i)[*#§]|redact|xxx|gc|g\.c\.|code|sec|cpra|exempt|\(b\)|\d{4}\s*\([a-z]"
FAST_TIME_FORMAT = "%m/%d/%Y, %I:%M:%S %p UTC"  # what Flock writes; tried first, the others only on failure
MAX_LISTED = 10_000  # problem rows named in pass 2's cheap filter; with more, the full problem test runs


def _marker_sql(cell: str) -> str:
    """TRUE when the cell holds a redaction marker or an exemption citation instead of a value.

    A cheap guard (a character class) keeps the full citation pattern off ordinary cells."""
    markers = ", ".join(sql_literal(m.upper()) for m in REDACTION_MARKERS)
    return (
        f"CASE WHEN {cell} IS NULL THEN FALSE WHEN upper(trim({cell})) IN ({markers}) THEN TRUE "
        f"WHEN NOT regexp_matches({cell}, {sql_literal(MARKER_GUARD_RE)}) THEN FALSE "
        f"ELSE regexp_full_match(trim({cell}), '^(?:\\*\\s*){{3,}}$|^#{{3,}}$|^[xX]{{3,}}$') "
        f"OR (regexp_full_match({cell}, {sql_literal(CITATION_RE)}) "
        f"AND regexp_matches({cell}, {sql_literal(CITATION_NEEDS_RE)})) END"
    )


def _slow_time_sql(text: str) -> str:
    """A naive TIMESTAMP (UTC wall time) from any time text Flock, Excel or a PDF produce, or NULL."""
    formats = "[" + ", ".join(sql_literal(f) for f in TIME_FORMATS) + "]"
    cleaned = (f"regexp_replace(regexp_replace(trim({text}), '\\s+', ' ', 'g'), "
               f"'\\s*(UTC|GMT|Z|\\+00:?00)$', '', 'i')")
    return f"try_strptime({cleaned}, {formats})"


def _as_utc(naive: str) -> str:
    """A naive TIMESTAMP read as UTC wall time -> TIMESTAMPTZ. Same value as timezone('UTC', ...), but
    plain arithmetic on microseconds instead of a calendar conversion (measured 25x cheaper)."""
    return f"make_timestamptz(epoch_us({naive}))"


def _time_sql(text: str) -> str:
    """A TIMESTAMPTZ (UTC) from Flock's time text, or NULL: the usual format first, then the others."""
    fast = f"try_strptime({text}, {sql_literal(FAST_TIME_FORMAT)})"
    return _as_utc(f"coalesce({fast}, {_slow_time_sql(text)})")


def _clean_sql(cell: str) -> str:
    """The cell without surrounding spaces, NULL when empty (trim only when needed: it copies)."""
    return (f"CASE WHEN {cell} = '' THEN NULL WHEN starts_with({cell}, ' ') OR ends_with({cell}, ' ') "
            f"THEN nullif(trim({cell}), '') ELSE {cell} END")


def csv_line_sql(columns: list[str]) -> str:
    """The cells joined back into one CSV line (quoted where needed), NULL cells left out at the end."""
    quoted = ", ".join(
        f"CASE WHEN {c} IS NULL THEN NULL WHEN regexp_matches({c}, '[\",\\n\\r]') "
        f"THEN '\"' || replace({c}, '\"', '\"\"') || '\"' ELSE {c} END" for c in columns)
    return f"array_to_string(list_filter([{quoted}], lambda x: x IS NOT NULL), ',')" if columns else "''"




# --- stage_cells -------------------------------------------------------------------------------------

@dataclass
class StageResult:
    """What stage_cells did with one batch of cells."""

    rows_seen: int = 0
    rows_stored: int = 0
    rows_quarantined: int = 0
    header_repeats: list[int] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)
    not_whole: list[tuple[str, int, list[int]]] = field(default_factory=list)  # (count column, rows, first rows)


@dataclass
class StageOptions:
    """What a reader tells stage_cells beyond the cells. The PDF reader gives only ``variant``; the CSV
    and Excel readers (whose cells come out of formats/flock.py's alignment) give the rest."""

    variant: str | None = None  # the variant label stored with every row
    cell_columns: list[str] | None = None  # the columns of ``cells`` when the caller knows them (saves a bind)
    problem_column: str | None = None  # a column holding a reason to quarantine the row
    repair_column: str | None = None  # a column saying what was repaired: noted with the row numbers
    raw_cells: list[str] | None = None  # columns holding the row's cells as read, for the quarantined raw line
    part: str | None = None  # e.g. "sheet 'January'", named in notes
    # a SELECT of the same columns holding at least every row that could have a problem or a repair
    # (the rows that are plainly fine filtered out cheaply before any parsing)
    candidates: str | None = None
    parts: list[str] | None = None  # SELECTs whose rows together are exactly the rows of ``cells``: one file each
    all_plainly_fine: bool = False  # the caller found no candidate at all: there is no problem pass


@dataclass
class _Cells:
    """The cells' columns: the headers mapped to canonical columns, and where the search time comes from."""

    headers: list[str]
    field_of: dict[str, str]  # header as printed -> canonical column
    column_of: dict[str, str]  # canonical column -> the header, quoted for SQL
    extras: list[str]  # provenance columns given besides source_row: source_page, source_sheet
    time_text: str | None = None  # SQL for the search time's text (date and time joined when split)
    time_cell: str | None = None  # the cell that holds it (the time cell when split)
    marked: list[str] = field(default_factory=list)  # canonical columns that may hold a redaction marker


def _map_headers(cell_columns: list[str], options: StageOptions, result: StageResult) -> _Cells:
    """Name the canonical column of each header; unknown ones (and a second column of one meaning) go
    to raw only, listed in ``result.unknown_headers``."""
    if "source_row" not in cell_columns:
        raise RuntimeError("stage_cells needs a source_row column")
    provenance = {"source_row", "source_page", "source_sheet"}
    hidden = {options.problem_column, options.repair_column, *(options.raw_cells or [])}
    headers = [c for c in cell_columns if c not in provenance and c not in hidden]
    field_of: dict[str, str] = {}
    for header in headers:
        canonical = HEADER_TO_FIELD.get(normalize_header(header))
        if canonical is None or canonical in field_of.values():
            result.unknown_headers.append(header)
        else:
            field_of[header] = canonical
    column_of = {canonical: quote_ident(header) for header, canonical in field_of.items()}
    cells = _Cells(headers=headers, field_of=field_of, column_of=column_of,
                   extras=[c for c in ("source_page", "source_sheet") if c in cell_columns])
    if "search_time" in column_of and "search_date" in column_of:
        date_cell, cells.time_cell = column_of["search_date"], column_of["search_time"]
        date_part = f"regexp_replace(trim({date_cell}), '\\s+00:00:00(\\.0+)?$', '')"
        cells.time_text = (f"CASE WHEN regexp_matches(trim({cells.time_cell}), '^\\d{{1,2}}:\\d{{2}}') "
                           f"THEN {date_part} || ' ' || trim({cells.time_cell}) ELSE {cells.time_cell} END")
    elif "search_time" in column_of or "search_date" in column_of:
        cells.time_cell = column_of.get("search_time") or column_of["search_date"]
        cells.time_text = cells.time_cell
    cells.marked = [c for c in (*TEXT_FIELDS, *NUMBER_FIELDS, "time_frame") if c in column_of]
    return cells


def _level0(cells: _Cells) -> list[str]:
    """Level 0: the parses that also prove a cell holds no redaction marker (a time, a plain integer)."""
    level0 = ["*"]
    if cells.time_text is not None:
        level0.append(f"{_time_sql(cells.time_text)} AS _search_time")
    if "time_frame" in cells.column_of:
        cell = cells.column_of["time_frame"]
        for end, position in (("start", 1), ("end", 2)):
            # trimmed only when the line as it is does not parse: trim copies every string (measured:
            # half the cost of parsing both ends)
            line_text = f"split_part({cell}, chr(10), {position})"
            level0.append(f"coalesce(try_strptime({line_text}, {sql_literal(FAST_TIME_FORMAT)}), "
                          f"try_strptime(trim({line_text}), {sql_literal(FAST_TIME_FORMAT)})) AS _tf_fast_{end}")
    for canonical in NUMBER_FIELDS:
        if canonical in cells.column_of:
            level0.append(f"{plain_integer_sql(cells.column_of[canonical])} AS _int_{canonical}")
    return level0


def _level1(cells: _Cells) -> list[str]:
    """Level 1: the row guard, one test over the cells that can still hold a marker: a row without any
    of its characters or words holds no marker (most rows). A time frame both of whose ends parsed in
    Flock's format, a number that is a plain integer and a parsed Search Time cannot be markers, so their
    text is left out of the test (measured: the guard is the costliest part of staging)."""
    column_of = cells.column_of
    level1 = ["*"]
    guard_cells = []
    for c in cells.marked:
        if c in NUMBER_FIELDS:
            guard_cells.append(f"CASE WHEN _int_{c} IS NULL THEN {column_of[c]} END")
        elif c == "time_frame":
            guard_cells.append(f"CASE WHEN _tf_fast_start IS NULL OR _tf_fast_end IS NULL THEN {column_of[c]} END")
        else:
            guard_cells.append(column_of[c])
    joined = "concat_ws(chr(31), " + ", ".join(guard_cells) + ")" if guard_cells else "''"
    level1.append(f"regexp_matches({joined}, {sql_literal(ROW_GUARD_RE)}) AS _row_guard")
    if "time_frame" in column_of:
        cell = column_of["time_frame"]
        for end, position in (("start", 1), ("end", 2)):
            slow = _slow_time_sql(f"regexp_extract_all({cell}, {sql_literal(STAMP_RE)})[{position}]")
            level1.append(f"{_as_utc(f'coalesce(_tf_fast_{end}, {slow})')} AS _tf_{end}")
    if cells.time_text is not None:
        # a time that parses is not a redaction marker: the marker test (whose guard every date passes)
        # runs only on the rows whose time did not parse
        level1.append(f"CASE WHEN _search_time IS NOT NULL THEN FALSE ELSE {_marker_sql(cells.time_cell)} END "  # type: ignore[arg-type]
                      "AS _m_search_time")
    return level1


def _markers_list(cells: _Cells) -> str:
    """Level 1b: for a row that passed the guard, whether each marked cell is a marker, in one list (NULL
    for the other rows). One lambda holds the marker test once: written out per cell, its regular
    expressions were compiled per cell and twice over, and planning a small file's statement took
    longer than running it (measured: 0.4 ms per pattern, 53 patterns for a 14-column export)."""
    if not cells.marked:
        return "NULL AS _markers"
    return (f"CASE WHEN _row_guard THEN list_transform([{', '.join(cells.column_of[c] for c in cells.marked)}], "
            f"lambda _cell: {_marker_sql('_cell')}) END AS _markers")


def _is_marker(cells: _Cells, canonical: str) -> str:
    return f"_markers[{cells.marked.index(canonical) + 1}]"


def _unless_marker(cells: _Cells, canonical: str, value: str) -> str:
    """The value, or NULL when the row passed the guard and the cell is a marker."""
    return (f"CASE WHEN NOT _row_guard THEN {value} WHEN {_is_marker(cells, canonical)} THEN NULL "
            f"ELSE {value} END AS {canonical}")


def _count_sql(cells: _Cells, canonical: str) -> str:
    """A count column's value (counts.py: whole numbers only, never rounded)."""
    return f"coalesce(_int_{canonical}, {whole_number_sql(cells.column_of[canonical])})"


def _not_whole_sql(cells: _Cells) -> str:
    """The count columns of a row whose cell holds text that is neither empty, a placeholder, a marker, nor
    a whole number."""
    items = [f"CASE WHEN {is_odd_count_sql(cells.column_of[c], _count_sql(cells, c))} "
             f"AND NOT coalesce({_is_marker(cells, c)}, FALSE) THEN '{c}' END"
             for c in NUMBER_FIELDS if c in cells.column_of]
    if not items:
        return "[]::VARCHAR[]"
    return f"list_filter([{', '.join(items)}]::VARCHAR[], lambda x: x IS NOT NULL)"


def _values(cells: _Cells, variant: str | None) -> list[str]:
    """Level 2: the stored columns (canonical columns, redacted; raw is added by _raw_values)."""
    column_of = cells.column_of
    values: list[str] = ["CAST(source_row AS BIGINT) AS source_row", *cells.extras]
    if variant is not None:
        values.append(f"{sql_literal(variant)} AS variant")
    for canonical in TEXT_FIELDS:
        if canonical in column_of:
            values.append(_unless_marker(cells, canonical, _clean_sql(column_of[canonical])))
    for canonical in NUMBER_FIELDS:
        if canonical in column_of:
            values.append(_unless_marker(cells, canonical, _count_sql(cells, canonical)))
    if "time_frame" in column_of:
        values += ["_tf_start AS time_frame_start", "_tf_end AS time_frame_end"]
    if cells.time_text is not None:
        values.append("_search_time AS search_time")
    redacted_items = [f"CASE WHEN {_is_marker(cells, c)} THEN '{c}' END" for c in cells.marked]
    guarded_list = ("CASE WHEN _row_guard THEN list_filter([" + ", ".join(redacted_items)
                    + "]::VARCHAR[], lambda x: x IS NOT NULL) ELSE []::VARCHAR[] END") if redacted_items else None
    # only rows that passed the row guard can hold a marker (a stored row's Search Time always parsed, so
    # it is never one: a redacted Search Time quarantines the row)
    values.append(f"{guarded_list or '[]::VARCHAR[]'} AS redacted")
    return values


def _raw_values(cells: _Cells, out: SourceWriter) -> list[str]:
    """``raw`` and ``raw_layout``. raw keeps each cell's text once (store.raw_json_sql rebuilds the JSON
    object the views show): a cell its column gives back exactly is null in the stored array, and
    raw_layout names that column. A text cell is given back unless it is empty, has a space at either
    end, or its row passed the marker guard; a number unless it is not written as the integer's own text
    (`1,234`, `5.0`); times never."""
    def kept_text(header: str) -> str:
        canonical, cell = cells.field_of.get(header), quote_ident(header)
        if canonical in TEXT_FIELDS:
            return (f"CASE WHEN {cell} = '' OR starts_with({cell}, ' ') OR ends_with({cell}, ' ') OR _row_guard "
                    f"THEN {cell} END")
        if canonical in NUMBER_FIELDS:  # _int_ is set only for a cell written as the integer's own text
            return f"CASE WHEN _int_{canonical} IS NULL OR _row_guard THEN {cell} END"
        return cell

    headers = cells.headers
    layout = [[h, cells.field_of[h] if cells.field_of.get(h) in (*TEXT_FIELDS, *NUMBER_FIELDS) else None]
              for h in headers]
    raw = ("json_array(" + ", ".join(kept_text(h) for h in headers) + ")::VARCHAR" if headers else "'[]'") + " AS raw"
    layout_text = json.dumps(layout, ensure_ascii=False)
    # the manifest lists the layouts: the views rebuild raw with one expression per layout, and a file with
    # none was stored before compact raw (Engine._mixes_raw_forms)
    if layout_text not in out.extra.setdefault("raw_layouts", []):
        out.extra["raw_layouts"].append(layout_text)
    return [raw, f"{sql_literal(layout_text)} AS raw_layout"]


def _time_problems(cells: _Cells) -> list[str]:
    """Why a row whose search time did not parse cannot be stored."""
    if cells.time_text is None or cells.time_cell is None:
        return []
    column_of, time_cell = cells.column_of, cells.time_cell
    shown = "Search Date/Search Time" if "search_date" in column_of and "search_time" in column_of else (
        [h for h, c in cells.field_of.items() if c in ("search_time", "search_date")][0])
    shown_sql = sql_literal(shown)
    return [f"WHEN nullif(trim({time_cell}), '') IS NULL THEN {shown_sql} || ' is empty'",
            f"WHEN _m_search_time THEN {shown_sql} || ' is redacted (' || trim({time_cell}) || ')'",
            f"ELSE {shown_sql} || ' cannot be read as a time: ' || left(trim({time_cell}), 60)"]


def _problem_sql(cells: _Cells, problem_column: str | None) -> str:
    """The row's problem: NULL to store it, else the quarantine reason (or 'header repeated')."""
    headers = cells.headers
    norm_cells = [f"lower(regexp_replace(trim(coalesce({quote_ident(h)}, '')), '\\s+', ' ', 'g'))" for h in headers]
    blank = " AND ".join(f"coalesce(trim({quote_ident(h)}), '') = ''" for h in headers) or "FALSE"
    header_hits = " + ".join(
        f"CAST({c} = {sql_literal(normalize_header(h))} AS INTEGER)" for c, h in zip(norm_cells, headers, strict=True)
    ) or "0"
    problems = [f"WHEN {quote_ident(problem_column)} IS NOT NULL THEN {quote_ident(problem_column)}"
                ] if problem_column else []
    if cells.time_text is not None:
        problems.append("WHEN _search_time IS NOT NULL THEN NULL")
    problems.append(f"WHEN ({header_hits}) >= {max(2, (len(headers) + 1) // 2)} THEN 'header repeated'")
    problems.append(f"WHEN {blank} THEN 'blank row (every cell empty; blanked out before release?)'")
    problems += _time_problems(cells)
    return "CASE " + " ".join(problems) + " END"


@dataclass
class _Statement:
    """The SQL of one staging: the levels, the stored columns, the problem and the raw line of a row."""

    level0: list[str]
    level1: list[str]
    markers_list: str
    values: list[str]
    problem: str
    line: str  # the row's cells as one CSV line, for the quarantined raw
    repair: str
    not_whole: str  # the count columns of the row that are not whole numbers (a list)
    extras: list[str]

    def staged(self, source: str, *, problems: bool = True) -> str:
        """The levels over ``source``; with ``problems`` also the row's problem (a rows-to-store pass that
        filters nothing leaves it out: its patterns cost planning time even when never run)."""
        level1_sql = (f"SELECT *, {self.markers_list} FROM "
                      f"(SELECT {', '.join(self.level1)} FROM (SELECT {', '.join(self.level0)} FROM {source}))")
        return f"(SELECT *, {self.problem} AS _stage_problem FROM ({level1_sql}))" if problems else f"({level1_sql})"

    @property
    def stored_columns(self) -> list[str]:
        return [v.rsplit(" AS ", 1)[-1] for v in self.values]


def _statement(cells: _Cells, options: StageOptions, out: SourceWriter) -> _Statement:
    return _Statement(
        level0=_level0(cells), level1=_level1(cells), markers_list=_markers_list(cells),
        values=_values(cells, options.variant) + _raw_values(cells, out),
        problem=_problem_sql(cells, options.problem_column),
        line=csv_line_sql([quote_ident(c) for c in (options.raw_cells or cells.headers)]),
        repair=quote_ident(options.repair_column) if options.repair_column else "NULL::VARCHAR",
        not_whole=_not_whole_sql(cells), extras=cells.extras)


Repairs = list[tuple[str, int, list[int]]]  # (what was repaired, how many rows, the first row numbers)


def _problem_pass(out: SourceWriter, sql: _Statement, problem_from: str, tmp: str, result: StageResult,
                  repairs: Repairs) -> None:
    """Pass 1: the rows that will not be stored (quarantine, repeated headers), the repairs and the counts
    that are not whole numbers, written to ``tmp`` (a Parquet file pass 2 reads back)."""
    con = out.con
    extras = ", ".join(sql.extras + [""])
    con.execute(
        f"COPY (SELECT CAST(source_row AS BIGINT) AS source_row, {extras}"
        f"_stage_problem, {sql.repair} AS _repair, {sql.not_whole} AS _not_whole, "
        f"CASE WHEN _stage_problem IS NOT NULL THEN {sql.line} END AS raw "
        f"FROM {problem_from} WHERE _stage_problem IS NOT NULL OR {sql.repair} IS NOT NULL "
        f"OR len({sql.not_whole}) > 0) TO {sql_literal(tmp)} (FORMAT parquet)").fetchall()
    small = f"read_parquet({sql_literal(tmp)})"
    repeats = con.execute(f"SELECT list(source_row ORDER BY source_row) FROM {small} "
                          "WHERE _stage_problem = 'header repeated'").fetchall()[0][0] or []
    result.header_repeats = [int(r) for r in repeats]
    result.rows_quarantined = out.add_quarantine(con.sql(
        f"SELECT source_row, {extras}_stage_problem AS reason, raw FROM {small} "
        "WHERE _stage_problem IS NOT NULL AND _stage_problem <> 'header repeated' ORDER BY source_row"))
    repairs.extend(con.execute(
        f"SELECT _repair, count(*), list(source_row ORDER BY source_row)[1:10] FROM {small} "
        "WHERE _repair IS NOT NULL AND _stage_problem IS NULL GROUP BY 1 ORDER BY 1").fetchall())
    result.not_whole = con.execute(
        f"SELECT field, count(*), list(source_row ORDER BY source_row)[1:10] FROM "
        f"(SELECT unnest(_not_whole) AS field, source_row FROM {small} WHERE _stage_problem IS NULL) "
        "GROUP BY 1 ORDER BY 1").fetchall()


def _keep_filter(out: SourceWriter, tmp: str, options: StageOptions) -> str:
    """Pass 2's filter. Pass 1 knows which rows have a problem: a row whose source_row is not among them
    has none, so the problem expression (a second time parse) is evaluated only for those rows, and not
    at all when there are none (measured: ~10% of pass 2)."""
    problem_rows = [] if options.all_plainly_fine else out.con.execute(
        f"SELECT list(DISTINCT source_row) FROM (SELECT source_row FROM read_parquet({sql_literal(tmp)}) "
        f"WHERE _stage_problem IS NOT NULL LIMIT {MAX_LISTED + 1})").fetchall()[0][0] or []
    if not problem_rows:
        return "TRUE"
    if len(problem_rows) <= MAX_LISTED:
        return f"CAST(source_row AS BIGINT) NOT IN ({', '.join(str(int(r)) for r in problem_rows)}) " \
               "OR _stage_problem IS NULL"
    return "_stage_problem IS NULL"


def _write_rows(out: SourceWriter, sql: _Statement, cells_from: str, options: StageOptions,
                result: StageResult) -> Repairs:
    """Both passes: the problem rows to quarantine, then the rows to store. Returns the repairs."""
    tmp = out.scratch(".parquet")
    repairs: Repairs = []
    problem_from = f"({options.candidates})" if options.candidates is not None else cells_from

    def problem_pass() -> None:
        if not options.all_plainly_fine:
            _problem_pass(out, sql, sql.staged(problem_from), str(tmp), result, repairs)

    try:
        if options.parts:
            # the parts and the problem pass run side by side: each part keeps the rows without a problem
            # (for a row that is fine the problem expression stops at its second test)
            result.rows_stored = out.add_searches_sql(
                [f"SELECT {', '.join(sql.values)} FROM {sql.staged(f'({p})')} WHERE _stage_problem IS NULL"
                 for p in options.parts], sql.stored_columns, meanwhile=problem_pass)
        else:
            problem_pass()
            keep = _keep_filter(out, str(tmp), options)
            result.rows_stored = out.add_searches_select(
                f"SELECT {', '.join(sql.values)} FROM {sql.staged(cells_from, problems=keep != 'TRUE')} "
                f"WHERE {keep}", sql.stored_columns)
    finally:
        tmp.unlink(missing_ok=True)
    return repairs


def _note_outcome(out: SourceWriter, cells: _Cells, result: StageResult, repairs: Repairs,
                  part: str | None) -> None:
    where = f" of {part}" if part else ""
    if result.header_repeats:
        listed = ", ".join(str(r) for r in result.header_repeats[:10])
        out.note(f"header repeated inside the data at row {listed}{' and more' if len(result.header_repeats) > 10 else ''}"
                 f"{where}: not data, not counted")
    for what, count, rows in repairs:
        out.note(f"{what}: {count:,} row(s) repaired (row {', '.join(str(r) for r in rows)}"
                 f"{' ...' if count > 10 else ''})")
    for column, count, rows in result.not_whole:
        note_not_whole(out, column, count, rows, where)
    if cells.time_text is None:
        out.note("no Search Time column: rows stored without a search time")


def stage_cells(out: SourceWriter, cells: Any, options: StageOptions | None = None) -> StageResult:
    """Send one table of Flock cells (one VARCHAR column per ORIGINAL header text) to the store.

    ``cells`` is a DuckDB relation, pyarrow table or polars frame with the headers as printed (any
    subset, any case, stray spaces), plus ``source_row`` (required), ``source_page`` and
    ``source_sheet`` (optional); or the text of a self-contained SELECT giving such a table. Headers
    are mapped to the canonical columns; times, time frames and numbers are parsed; redaction markers
    become NULL with the field named in ``redacted``; ``raw`` keeps every original cell. Rows whose
    ``Search Time`` cannot be parsed, and blank rows, are quarantined with the reason; a header
    repeated inside the data is dropped with a note. Calls ``out.expect_rows`` with the rows it saw
    (repeated headers excluded), so callers must not. ``options``: see StageOptions.
    """
    options = options or StageOptions()
    con = out.con
    # the text of a SELECT is bound once here for its columns, and then only ever used as text: a relation
    # made of it would be parsed and bound again by DuckDB's Python layer (measured: a third of the time
    # a small file takes, ~45 ms of a CSV's ~250 ms)
    relation = None if isinstance(cells, str) else as_relation(con, cells)
    cell_columns = options.cell_columns
    if cell_columns is None:
        cell_columns = column_names(con, cells) if relation is None else list(relation.columns)
    result = StageResult()
    mapped = _map_headers(cell_columns, options, result)
    note_extra_columns(out, result.unknown_headers, "a Flock audit")
    sql = _statement(mapped, options, out)
    registered = None
    if relation is not None:
        registered = f"_cells_{uuid.uuid4().hex[:8]}"
        con.register(registered, relation)
    try:
        repairs = _write_rows(out, sql, registered or f"({cells})", options, result)
    finally:
        if registered is not None:
            con.unregister(registered)
    _note_outcome(out, mapped, result, repairs, options.part)
    result.rows_seen = result.rows_stored + result.rows_quarantined
    if not isinstance(cells, duckdb.DuckDBPyRelation | str):
        # an in-memory table: its length is an independent count of the rows handed over
        result.rows_seen = len(cells) - len(result.header_repeats)
    out.expect_rows(result.rows_seen)
    return result
