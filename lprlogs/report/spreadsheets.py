"""The Excel workbook and the CSV files: every text cell passes through escape.neutralize (or its SQL
twin), numbers stay numbers and timestamps become dates."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import xlsxwriter

from ..engine import Engine
from .data import ReportData, Table, flag_rows_sql, hours_table, time_basis_note, time_label
from .escape import NEUTRALIZE_RULE, format_time, neutralize, neutralize_sql

WORKBOOK_OPTIONS = {
    "constant_memory": True,  # rows are streamed to disk, so big findings do not fill memory
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "remove_timezone": True,  # times are UTC; Excel has no time zones
}
CHUNK = 20_000
CSV_BATCH_ROWS = 50_000  # rows a CSV writer holds at once
BOM = "\ufeff"  # Excel reads a CSV file as UTF-8 only when it starts with one (else inmigración shows inmigraciÃ³n)
SIZED_ROWS = 500  # column widths are fitted to the header and the first rows
MAX_WIDTH = 60

# The workbook's column headers (the CSV files keep the machine names scripts rely on).
HUMAN_HEADERS = {
    "search_time": "Search time (UTC)", "producer": "Producer (whose log)", "log_kind": "Log kind",
    "searcher_org": "Searching organisation", "networks_searched": "Networks searched",
    "time_frame_start": "Time frame start (UTC)", "reason": "Reason, as typed", "case_number": "Case number",
    "evidence": "Why flagged", "source_file": "File", "source_sheet": "Sheet", "source_row": "Row (header = 1)",
    "source_page": "Page", "duplicate_of": "Duplicate of (search_key)", "search_key": "search_key (lprlogs)",
    "search_id": "Search ID (Flock)", "time_basis": "How the time was read", "flag": "Flag", "state": "State",
    "rows": "Rows", "searches": "Searches", "first_search": "First search (UTC)", "last_search": "Last search (UTC)",
    "school_producer": "School (producer)", "school_flags": "School flags", "immigration_flags": "Immigration flags",
    "immigration_searches": "Immigration purpose: searches", "immigration_rows": "Immigration purpose: rows",
    "immigration_agency_searches": "Agency named: searches", "immigration_agency_rows": "Agency named: rows",
    "immigration_per_1000_searches": "Immigration purpose per 1,000 searches", "month": "Month (UTC)",
    "path": "File", "format": "Format", "variant": "Variant", "rows_read": "Rows read", "rows_stored": "Rows stored",
    "rows_quarantined": "Rows quarantined", "rows_duplicate": "Exact duplicate rows", "rows_blanked": "Rows blanked",
    "notes": "Notes", "batch_id": "Ingest batch", "files": "Files", "first_row": "First row",
    "organisations": "Organisations", "other_names": "Other names of the organisation", "hour": "Hour (UTC)",
    "local_hour": "Hour (local time of the cameras' agency)",
    "utc_immigration_searches": "Immigration purpose: searches that hour in UTC",
    "utc_immigration_agency_searches": "Agency named: searches that hour in UTC",
    "utc_searches": "Searches that hour in UTC",
    "utc_immigration_per_1000_searches": "Immigration purpose per 1,000 searches that hour in UTC",
}


def human(column: str, time_basis: bool = False) -> str:
    name = HUMAN_HEADERS.get(column, column.replace("_", " ").capitalize())
    return name.replace("(UTC)", "(UTC unless the time basis says otherwise)") if time_basis else name


class _Sheet:
    """One worksheet written row by row with typed cells."""

    def __init__(self, book: xlsxwriter.Workbook, name: str, formats: dict[str, Any],
                 links: dict[str, str] | None = None):
        self.sheet = book.add_worksheet(name[:31])
        self.formats = formats
        self.links = links or {}  # source_file -> a relative link to it, when the file is beside the report
        self.row = 0
        self.written = 0  # data rows of the last table
        self.frozen = False  # the first table's header is frozen and printed on every page

    def note(self, text: str) -> None:
        self.sheet.write_string(self.row, 0, neutralize(text), self.formats["note"])
        self.row += 1

    def cap_note(self, shown: int, total: int, where_the_rest_is: str) -> None:
        """Above a table of rows capped at the first ones by search time: how many of ``total`` it shows."""
        if shown < total:
            self.note(f"{shown:,} of {total:,} rows shown (the first by search time); {where_the_rest_is}")

    def table(self, columns: list[str], rows: Any, widths: dict[str, int] | None = None, *, human_headers: bool = True,
              ) -> int:
        """Write a header (human names unless ``human_headers`` is false) and rows (an iterable of tuples), the
        header frozen, repeated on every printed page and filterable, the columns as wide as their content;
        returns the number of data rows."""
        first = self.row
        local = "time_basis" in columns or bool(self.formats.get("_unknown_zone"))
        for c, name in enumerate(columns):
            self.sheet.write_string(self.row, c, human(name, local) if human_headers else name,
                                    self.formats["header"])
        fitted = [len(human(name, local) if human_headers else name) + 2 for name in columns]
        self.row += 1
        count = 0
        for values in rows:
            if count < SIZED_ROWS:
                for c, value in enumerate(values):
                    fitted[c] = max(fitted[c], self._cell(self.row, c, value, columns[c]))
            else:  # widths are fitted to the first rows only: the rest skip measuring
                for c, value in enumerate(values):
                    if value is not None:
                        self._cell(self.row, c, value, columns[c], measure=False)
            self.row += 1
            count += 1
        for c, name in enumerate(columns):
            self.sheet.set_column(c, c, min((widths or {}).get(name, fitted[c]), MAX_WIDTH))
        if columns:
            self.sheet.autofilter(first, 0, max(first, self.row - 1), len(columns) - 1)
            if not self.frozen:
                self.sheet.freeze_panes(first + 1, 0)
                self.sheet.repeat_rows(first)
                self.frozen = True
        self.written = count
        return count

    def _cell(self, r: int, c: int, value: Any, column: str = "", *, measure: bool = True) -> int:
        """Write one typed cell; returns the width it needs (0 unless ``measure``)."""
        if value is None:
            return 0
        if type(value) is str and column not in LINKED_COLUMNS:  # most cells: no type tests
            self.sheet.write_string(r, c, neutralize(value))
            return max((len(line) for line in value.splitlines()), default=0) + 2 if measure else 0
        if column in LINKED_COLUMNS and str(value) in self.links:
            self.sheet.write_url(r, c, self.links[str(value)], self.formats["link"], neutralize(str(value)))
            return len(str(value)) + 1
        if isinstance(value, bool):
            self.sheet.write_boolean(r, c, value)
            return 6
        if isinstance(value, int | float):
            self.sheet.write_number(r, c, value)
            return len(f"{value:,}") + 2
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            self.sheet.write_datetime(r, c, value, self.formats["time"])
            return 21  # yyyy-mm-dd hh:mm:ss, and room for the filter button
        if isinstance(value, dt.date):
            self.sheet.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), self.formats["date"])
            return 13
        text = ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
        self.sheet.write_string(r, c, neutralize(text))
        return max((len(line) for line in text.splitlines()), default=0) + 2


def write_workbook(engine: Engine, data: ReportData, path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    formats = {
        "header": book.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1}),
        "note": book.add_format({"italic": True}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "time": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "link": book.add_format({"font_color": "blue", "underline": 1}),
        # every time heading of the workbook says "unless the time basis says otherwise" when some rows are
        # local times of unknown zone, tables without a time_basis column too
        "_unknown_zone": time_label(data) != "UTC",
    }
    links = source_links(data, path.parent)
    summary = _Sheet(book, "Summary", formats)
    summary.sheet.write_string(0, 0, "ALPR audit-log report", formats["title"])
    summary.row = 1
    if data.redacted:
        summary.note("This report is redacted: personal data were removed or masked.")
    for note in data.notes:
        summary.note(note)
    summary.note("Reasons are what officers typed: they state a purpose, they do not prove intent.")
    summary.note(f"Spreadsheet safety: {NEUTRALIZE_RULE}.")
    summary.note(f"Each finding sheet, and the School and immigration sheet, holds its first "
                 f"{data.xlsx_rows_per_flag:,} rows by search time; csv/<flag>.csv {csv_cap_text(data)}; "
                 "csv/school_and_immigration.csv holds every such row; csv/by_agency.csv counts every row by "
                 "organisation.")
    summary.note(ROW_NOTE)
    summary.note(time_basis_note(data))
    summary.row += 1
    h = data.headline
    files_read = len(data.data_quality.rows)
    summary.table(["measure", "value"], [
        ("rows", h["rows"]), ("distinct searches", h["searches"]), ("exact duplicate rows", h["duplicate_rows"]),
        ("searching organisations", h["searcher_orgs"]), ("producers", h["producers"]),
        ("files with searches", h["files"]),
        ("files read (with reference and sharing lists, and files without rows)", files_read),
        ("first search (UTC)", h["first_search"]), ("last search (UTC)", h["last_search"]),
    ], widths={"measure": 50, "value": 20}, human_headers=False)
    summary.row += 1
    finding_rows = [(f.flag, f.title, f.searches, f.rows, f.searcher_orgs, min(f.rows, data.xlsx_rows_per_flag),
                     csv_rows(data, f.rows)) for f in data.findings.values()]
    # autofilter: one per sheet in Excel, so the findings table sits on its own sheet
    findings = _Sheet(book, "Findings", formats)
    findings.table(["flag", "finding", "searches", "rows", "organisations", "rows in this workbook", "rows in csv"],
                   finding_rows, widths={"finding": 45}, human_headers=False)
    for name, table in (("Findings by agency", data.flag_by_agency), ("Producers", data.producers),
                        ("Immigration by agency", data.immigration_by_agency),
                        ("Immigration by state", data.immigration_by_state),
                        ("Immigration by month", data.immigration_by_month),
                        ("Immigration by hour (local)", hours_table(data)),
                        ("School cameras", data.school_cameras)):
        table_sheet = _Sheet(book, name, formats)
        if name.startswith("Immigration by hour"):
            table_sheet.note(HOURS_NOTE)
        table_sheet.table(table.columns, table.rows)
    # rows of a release, like a finding's: the first by search time, however many there are
    both = data.school_immigration
    sheet = _Sheet(book, "School and immigration", formats, links)
    sheet.cap_note(min(len(both.rows), data.xlsx_rows_per_flag), len(both.rows),
                   "csv/school_and_immigration.csv has every one")
    sheet.table(both.columns, both.rows[:data.xlsx_rows_per_flag])
    for name, table in (("Files", data.data_quality), ("Files not read", data.not_read),
                        ("Quarantine", data.quarantine_reasons)):
        _Sheet(book, name, formats, links if name == "Files" else None).table(table.columns, table.rows)
    for finding in data.findings.values():
        sheet = _Sheet(book, finding.flag, formats, links)
        sheet.cap_note(min(finding.rows, data.xlsx_rows_per_flag), finding.rows,
                       f"csv/{finding.flag}.csv has {csv_rows(data, finding.rows):,}")
        relation = engine.relation(flag_rows_sql(finding.flag, data.xlsx_rows_per_flag))
        sheet.table(list(relation.columns), relation.iter_rows(CHUNK))
    book.close()
    return path


HOURS_NOTE = ("Hours of the day in the local time of each search's producer, the agency whose cameras were searched; "
              "the UTC columns count the same searches by their hour in UTC. A local time written without a zone "
              "is at the hour written (in both). 'zone unknown': searches whose producer's time zone is not known "
              "(their local hour is not known either).")
ROW_NOTE = ("Row, in a citation, is the row of the file as a spreadsheet shows it, the header being row 1: a record "
            "spanning two lines in a text editor (a reason with a line break) is one row. PDFs are cited by page.")
LINKED_COLUMNS = ("source_file", "path")  # cells that link to the file they name, when it is beside the report
LINKED_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xls", ".xlsm", ".pdf", ".zip"}


def source_links(data: ReportData, folder: Path) -> dict[str, str]:
    """Relative links from the report folder to the released files that are on this computer where the
    citations say (the path given to ingest, from the folder the report is written from)."""
    links = {}
    for row in data.data_quality.dicts():
        name = str(row.get("path") or "")
        candidate = Path(name)
        if not name or "!" in name or candidate.suffix.lower() not in LINKED_SUFFIXES or not candidate.is_file():
            continue
        links[name] = "external:" + os.path.relpath(candidate.resolve(), folder.resolve()).replace(os.sep, "/")
    return links


def csv_rows(data: ReportData, rows: int) -> int:
    """How many of a finding's ``rows`` its CSV file holds."""
    return rows if data.csv_rows_per_flag is None else min(rows, data.csv_rows_per_flag)


def csv_cap_text(data: ReportData) -> str:
    if data.csv_rows_per_flag is None:
        return "holds every row"
    return f"holds the first {data.csv_rows_per_flag:,} rows by search time (-p csv_rows_per_flag=0: every row)"


class WorkerRelations:
    """Engine-like ``relation`` over a worker connection, so the CSV files are written beside the workbook."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def relation(self, sql: str, params: dict[str, str] | None = None) -> duckdb.DuckDBPyRelation:
        return self.con.sql(sql, params=params) if params else self.con.sql(sql)


def write_flag_csvs(engine: Engine | WorkerRelations, data: ReportData, folder: Path, flags: list[str]) -> list[Path]:
    """One CSV per finding of ``flags`` with its rows (the first csv_rows_per_flag by search time)."""
    folder.mkdir(parents=True, exist_ok=True)
    return [_write_csv(engine, flag_rows_sql(name, data.csv_rows_per_flag, keep_rank=True), None,
                       folder / f"{name}.csv", order_by="src.printed_rank", hidden=("printed_rank",))
            for name in flags]


def write_table_csvs(data: ReportData, folder: Path) -> list[Path]:
    """The rows that are both school- and immigration-related, and every finding counted by searching
    organisation: both already in memory (the summaries fetched them), written as they are."""
    folder.mkdir(parents=True, exist_ok=True)
    return [write_table_csv(data.school_immigration, folder / "school_and_immigration.csv"),
            write_table_csv(data.flag_by_agency, folder / "by_agency.csv")]


def flag_csv_shares(data: ReportData, shares: int) -> list[list[str]]:
    """The findings split into ``shares`` lists of about as many CSV rows each (largest first, each to the
    lightest share), for writers side by side: DuckDB writes one ordered CSV file on one thread."""
    loads = [0] * shares
    split: list[list[str]] = [[] for _ in range(shares)]
    for name in sorted(data.findings, key=lambda n: -csv_rows(data, data.findings[n].rows)):
        lightest = loads.index(min(loads))
        split[lightest].append(name)
        loads[lightest] += csv_rows(data, data.findings[name].rows)
    return split


def write_table_csv(table: Table, path: Path) -> Path:
    """A small result already in memory as CSV, cells formatted as _write_csv formats them."""
    def cell(value: object) -> object:
        if isinstance(value, dt.datetime):
            return format_time(value)
        if isinstance(value, str):
            return neutralize(value)
        return "" if value is None else value

    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(table.columns)
        out.writerows([cell(v) for v in row] for row in table.rows)
    return path


def _write_csv(engine: Engine | WorkerRelations, sql: str, params: dict[str, str] | None, path: Path, order_by: str = "",
               hidden: tuple[str, ...] = ()) -> Path:
    """``sql``'s rows as CSV, text neutralised, times as UTC 'YYYY-MM-DD HH:MM:SS' text. ``order_by`` sorts
    the written rows (at the top of the COPY: DuckDB's parallel CSV writer does not keep a subquery's order
    under the neutralising projection); ``src.<column>`` names ``sql``'s own typed column, cheaper to sort
    than its text. ``hidden`` columns may be sorted by but are not written."""
    relation = engine.relation(sql, params)
    selects = []
    for column, dtype in zip(relation.columns, relation.types, strict=True):
        if column in hidden:
            continue
        quoted = '"' + column.replace('"', '""') + '"'
        kind = str(dtype).upper()
        if "TIMESTAMP" in kind:
            expr = f"strftime(timezone('UTC', {quoted}), '%Y-%m-%d %H:%M:%S')"
        elif kind in ("VARCHAR", "JSON") or kind.endswith("[]"):
            expr = neutralize_sql(f"CAST({quoted} AS VARCHAR)")
        else:
            expr = quoted
        selects.append(f"{expr} AS {quoted}")
    order = f" ORDER BY {order_by}" if order_by else ""
    rows = engine.relation(f"SELECT {', '.join(selects)} FROM ({sql}) AS src{order}", params)
    write_arrow_csv(rows.to_arrow_reader(CSV_BATCH_ROWS), path)
    return path


def write_arrow_csv(batches: pa.RecordBatchReader, path: Path) -> None:
    """A byte-order mark, the header, then ``batches`` as CSV, streamed (memory holds one batch). Arrow's
    writer, not DuckDB's COPY: three times faster on the report's wide text rows (measured with
    bench/report.py). It quotes every text value, which any CSV reader and Excel read as the same cells."""
    part = path.with_name(path.name + ".part")
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(batches.schema.names)
    try:
        with pa.OSFile(str(part), "wb") as sink:
            sink.write((BOM + header.getvalue()).encode("utf-8"))
            options = pa_csv.WriteOptions(include_header=False)
            with pa_csv.CSVWriter(sink, batches.schema, write_options=options) as writer:
                for batch in batches:
                    writer.write_batch(batch)
    except BaseException:  # a half-written file is never left in the report folder (disk full, Ctrl-C)
        part.unlink(missing_ok=True)
        raise
    part.replace(path)
