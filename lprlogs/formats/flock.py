"""Flock Safety audit exports (Network Audit, Organization Audit, federal-user export), CSV and Excel.

Every variant in FORMATS.md section 1 is read the same way:

1. find the layout: the header row (after any title rows), or, for files without a header, the
   known column order recognised by content (a UUID first cell, where the `Search Time` sits);
2. read the cells as text into a *wide* table ``c0..cN`` with the row number a spreadsheet user sees
   (CSV: DuckDB's single-threaded reader, streamed; Excel: fastexcel, one sheet at a time);
3. align rows that are shifted one cell right or miss a cell (repaired when unambiguous, with a note;
   quarantined otherwise) and name the cells after the header (``_align_sql``);
4. ``stage_cells``: map the original headers to the canonical columns, parse times, time frames,
   numbers and redaction markers, build ``raw`` and ``redacted``, and hand the rows to the store.

``stage_cells`` is also what the PDF reader calls with the cells it cut out of a printout.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ..errors import SourceRejected
from ..schema import REDACTION_MARKERS
from ..sources import Source
from ..store import SourceWriter, as_relation, sql_literal
from . import Match

# --- headers ------------------------------------------------------------------------------------

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

TEXT_FIELDS = ("search_id", "searcher_user", "searcher_org", "search_type", "reason", "offense_type",
               "case_number", "license_plate", "filters", "text_prompt", "moderation")
NUMBER_FIELDS = ("networks_searched", "devices_searched")

UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# one timestamp as Flock (or Excel, or a PDF) writes it; used to find and split time values
STAMP_RE = (r"\d{1,4}[/-]\d{1,2}[/-]\d{1,4}(?:,?\s*|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
            r"(?:\s*[AaPp][Mm])?")
SEARCH_TIME_RE = r"^\s*" + STAMP_RE + r"\s*(?:UTC|GMT|Z)?\s*$"
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


def normalize_header(header: object) -> str:
    """' Org  Name\\ufeff' -> 'org name'."""
    text = str(header if header is not None else "").replace("\ufeff", "").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- SQL pieces ---------------------------------------------------------------------------------

def _marker_sql(cell: str) -> str:
    """TRUE when the cell holds a redaction marker or an exemption citation instead of a value."""
    markers = ", ".join(sql_literal(m.upper()) for m in REDACTION_MARKERS)
    return (
        f"(upper(trim({cell})) IN ({markers}) OR regexp_full_match(trim({cell}), '^(?:\\*\\s*){{3,}}$|^#{{3,}}$|"
        f"^[xX]{{3,}}$') OR (regexp_full_match({cell}, {sql_literal(CITATION_RE)}) "
        f"AND regexp_matches({cell}, {sql_literal(CITATION_NEEDS_RE)})))"
    )


def _time_sql(text: str) -> str:
    """A TIMESTAMPTZ (UTC) from Flock's time text, or NULL."""
    formats = "[" + ", ".join(sql_literal(f) for f in TIME_FORMATS) + "]"
    cleaned = (f"regexp_replace(regexp_replace(trim({text}), '\\s+', ' ', 'g'), "
               f"'\\s*(UTC|GMT|Z|\\+00:?00)$', '', 'i')")
    return f"timezone('UTC', try_strptime({cleaned}, {formats}))"


def _number_sql(cell: str) -> str:
    cleaned = f"regexp_replace(regexp_replace({cell}, '[,\\s]', '', 'g'), '\\.0*$', '')"
    return f"TRY_CAST({cleaned} AS BIGINT)"


def _clean_sql(cell: str) -> str:
    return f"nullif(trim({cell}), '')"


@dataclass
class StageResult:
    """What stage_cells did with one batch of cells."""

    rows_seen: int = 0
    rows_stored: int = 0
    rows_quarantined: int = 0
    header_repeats: list[int] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)


def _tmp_parquet(out: SourceWriter) -> Path:
    folder = out.store.root / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"flock-stage-{uuid.uuid4().hex}.parquet"


def stage_cells(out: SourceWriter, cells: Any, *, variant: str | None = None,
                raw_line_column: str | None = None) -> StageResult:
    """Send one table of Flock cells (one VARCHAR column per ORIGINAL header text) to the store.

    ``cells`` is a DuckDB relation, pyarrow table or polars frame with the headers as printed (any
    subset, any case, stray spaces), plus ``source_row`` (required), ``source_page`` and
    ``source_sheet`` (optional). Headers are mapped to the canonical columns; times, time frames and
    numbers are parsed; redaction markers become NULL with the field named in ``redacted``; ``raw``
    keeps every original cell. Rows whose ``Search Time`` cannot be parsed, and blank rows, are
    quarantined with the reason; a header repeated inside the data is dropped with a note. Calls
    ``out.expect_rows`` with the rows it saw (repeated headers excluded), so callers must not.
    ``raw_line_column`` names a column holding the row's raw text for quarantine (default: the cells
    joined as a CSV line).
    """
    con = out.con
    relation = as_relation(con, cells)
    provenance = {"source_row", "source_page", "source_sheet"}
    if "source_row" not in relation.columns:
        raise RuntimeError("stage_cells needs a source_row column")
    headers = [c for c in relation.columns if c not in provenance and c != raw_line_column]
    result = StageResult()
    field_of: dict[str, str] = {}
    for header in headers:
        canonical = HEADER_TO_FIELD.get(normalize_header(header))
        if canonical is None:
            result.unknown_headers.append(header)
        elif canonical not in field_of.values():
            field_of[header] = canonical
        else:
            result.unknown_headers.append(header)  # a second column of the same meaning: kept in raw only
    if result.unknown_headers:
        out.note("columns not part of a Flock audit kept in raw only: " + ", ".join(result.unknown_headers))
    column_of = {canonical: quote_ident(header) for header, canonical in field_of.items()}

    name = f"_cells_{uuid.uuid4().hex[:8]}"
    con.register(name, relation)
    tmp = _tmp_parquet(out)
    try:
        selects: list[str] = ["CAST(source_row AS BIGINT) AS source_row"]
        for extra in ("source_page", "source_sheet"):
            if extra in relation.columns:
                selects.append(f"{extra}")
        if variant is not None:
            selects.append(f"{sql_literal(variant)} AS variant")
        redacted_items: list[str] = []
        for canonical in TEXT_FIELDS:
            if canonical in column_of:
                cell = column_of[canonical]
                selects.append(f"CASE WHEN {_marker_sql(cell)} THEN NULL ELSE {_clean_sql(cell)} END AS {canonical}")
                redacted_items.append(f"CASE WHEN {_marker_sql(cell)} THEN '{canonical}' END")
        for canonical in NUMBER_FIELDS:
            if canonical in column_of:
                cell = column_of[canonical]
                selects.append(f"CASE WHEN {_marker_sql(cell)} THEN NULL ELSE {_number_sql(cell)} END AS {canonical}")
                redacted_items.append(f"CASE WHEN {_marker_sql(cell)} THEN '{canonical}' END")
        if "time_frame" in column_of:
            cell = column_of["time_frame"]
            stamps = f"regexp_extract_all({cell}, {sql_literal(STAMP_RE)})"
            selects.append(f"{_time_sql(f'{stamps}[1]')} AS time_frame_start")
            selects.append(f"{_time_sql(f'{stamps}[2]')} AS time_frame_end")
            redacted_items.append(f"CASE WHEN {_marker_sql(cell)} THEN 'time_frame' END")
        time_text: str | None = None
        if "search_time" in column_of and "search_date" in column_of:
            date_cell, time_cell = column_of["search_date"], column_of["search_time"]
            date_part = f"regexp_replace(trim({date_cell}), '\\s+00:00:00(\\.0+)?$', '')"
            time_text = (f"CASE WHEN regexp_matches(trim({time_cell}), '^\\d{{1,2}}:\\d{{2}}') "
                         f"THEN {date_part} || ' ' || trim({time_cell}) ELSE {time_cell} END")
        elif "search_time" in column_of:
            time_text = column_of["search_time"]
        elif "search_date" in column_of:
            time_text = column_of["search_date"]
        if time_text is not None:
            selects.append(f"{_time_sql(time_text)} AS search_time")
            time_cell = column_of.get("search_time") or column_of["search_date"]
            redacted_items.append(f"CASE WHEN {_marker_sql(time_cell)} THEN 'search_time' END")
        redacted = ("list_filter([" + ", ".join(redacted_items) + "]::VARCHAR[], lambda x: x IS NOT NULL)"
                    if redacted_items else "[]::VARCHAR[]")
        selects.append(f"{redacted} AS redacted")
        pairs = ", ".join(f"{sql_literal(h)}, {quote_ident(h)}" for h in headers)
        selects.append(f"json_object({pairs})::VARCHAR AS raw" if headers else "'{}' AS raw")

        # what is wrong with the row, if anything (NULL = store it)
        norm_cells = [f"lower(regexp_replace(trim(coalesce({quote_ident(h)}, '')), '\\s+', ' ', 'g'))"
                      for h in headers]
        blank = " AND ".join(f"{c} = ''" for c in norm_cells) or "FALSE"
        header_hits = " + ".join(
            f"CAST({c} = {sql_literal(normalize_header(h))} AS INTEGER)" for c, h in zip(norm_cells, headers, strict=True)
        ) or "0"
        repeat_threshold = max(2, (len(headers) + 1) // 2)
        problems = [f"WHEN ({header_hits}) >= {repeat_threshold} THEN 'header repeated'",
                    f"WHEN {blank} THEN 'blank row (every cell empty; blanked out before release?)'"]
        if time_text is not None:
            shown = "Search Date/Search Time" if "search_date" in column_of and "search_time" in column_of else (
                [h for h, c in field_of.items() if c in ("search_time", "search_date")][0])
            time_cell = column_of.get("search_time") or column_of["search_date"]
            problems.append(f"WHEN nullif(trim({time_cell}), '') IS NULL THEN '{shown} is empty'")
            problems.append(f"WHEN {_marker_sql(time_cell)} THEN '{shown} is redacted (' || trim({time_cell}) || ')'")
            problems.append(f"WHEN {_time_sql(time_text)} IS NULL THEN '{shown} cannot be read as a time: ' "
                            f"|| coalesce(left(trim({time_cell}), 60), '')")
        selects.append("CASE " + " ".join(problems) + " END AS _problem")
        if raw_line_column is not None:
            selects.append(f"{quote_ident(raw_line_column)} AS _raw_line")
        else:
            quoted = ", ".join(
                f"CASE WHEN {quote_ident(h)} IS NULL THEN '' WHEN regexp_matches({quote_ident(h)}, '[\",\\n\\r]') "
                f"THEN '\"' || replace({quote_ident(h)}, '\"', '\"\"') || '\"' ELSE {quote_ident(h)} END"
                for h in headers)
            selects.append(f"concat_ws(',', {quoted}) AS _raw_line" if headers else "'' AS _raw_line")

        con.execute(f"COPY (SELECT {', '.join(selects)} FROM {name}) TO {sql_literal(str(tmp))} "
                    "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)").fetchall()
    finally:
        con.unregister(name)
    try:
        staged = f"read_parquet({sql_literal(str(tmp))})"
        counts = con.execute(
            f"SELECT count(*), count(*) FILTER (_problem = 'header repeated'), "
            f"list(source_row ORDER BY source_row) FILTER (_problem = 'header repeated') FROM {staged}"
        ).fetchall()[0]
        result.rows_seen = int(counts[0]) - int(counts[1])
        result.header_repeats = [int(r) for r in (counts[2] or [])]
        if result.header_repeats:
            where = ", ".join(str(r) for r in result.header_repeats[:10])
            sheet = ""
            out.note(f"header repeated inside the data at row {where}"
                     f"{' and more' if len(result.header_repeats) > 10 else ''}{sheet}: not data, not counted")
        if time_text is None:
            out.note("no Search Time column: rows stored without a search time")
        out.expect_rows(result.rows_seen)
        keep = [c for c in con.execute(f"SELECT * FROM {staged} LIMIT 0").description]
        columns = ", ".join(quote_ident(c[0]) for c in keep if not c[0].startswith("_"))
        result.rows_stored = out.add_searches(con.sql(f"SELECT {columns} FROM {staged} WHERE _problem IS NULL"))
        quarantine_cols = ["source_row", "_problem AS reason", "_raw_line AS raw"]
        for extra in ("source_page", "source_sheet"):
            if extra in relation.columns:
                quarantine_cols.append(extra)
        result.rows_quarantined = out.add_quarantine(con.sql(
            f"SELECT {', '.join(quarantine_cols)} FROM {staged} "
            f"WHERE _problem IS NOT NULL AND _problem <> 'header repeated'"))
    finally:
        tmp.unlink(missing_ok=True)
    return result


class _InterimFlockCsv:
    """Header-row UTF-8 CSV only; replaced by the complete reader below in the next commit."""

    name = "flock_csv"

    def sniff(self, source: Source) -> Match | None:
        try:
            first = source.head(4096).decode("utf-8-sig").splitlines()[0]
        except (UnicodeDecodeError, IndexError):
            return None
        headers = {normalize_header(h.strip('"')) for h in first.split(",")}
        if "search time" in headers and len(headers & set(HEADER_TO_FIELD)) >= 3:
            return Match(format=self.name, variant=f"flock-{len(headers)}", confidence=0.9)
        return None

    def read(self, source: Source, match: Match, out: SourceWriter) -> None:
        try:
            cells = out.con.sql(f"SELECT *, row_number() OVER () + 1 AS source_row FROM read_csv("
                                f"{sql_literal(str(source.path))}, all_varchar=true, header=true, parallel=false)")
        except duckdb.Error as exc:
            raise SourceRejected(f"CSV could not be parsed ({str(exc).splitlines()[0]})") from exc
        out.encoding = "utf-8"
        stage_cells(out, cells)


READERS: list[Any] = [_InterimFlockCsv()]
