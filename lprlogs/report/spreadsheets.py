"""The Excel workbook and the CSV files: every text cell passes through escape.neutralize (or its SQL
twin), numbers stay numbers and timestamps become dates."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter

from ..engine import Engine
from .data import ReportData, Table, flag_rows_sql
from .escape import NEUTRALIZE_RULE, format_time, neutralize, neutralize_sql

WORKBOOK_OPTIONS = {
    "constant_memory": True,  # rows are streamed to disk, so big findings do not fill memory
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "remove_timezone": True,  # times are UTC; Excel has no time zones
}
CHUNK = 20_000


class _Sheet:
    """One worksheet written row by row with typed cells."""

    def __init__(self, book: xlsxwriter.Workbook, name: str, formats: dict[str, Any]):
        self.sheet = book.add_worksheet(name[:31])
        self.formats = formats
        self.row = 0
        self.written = 0  # data rows of the last table

    def note(self, text: str) -> None:
        self.sheet.write_string(self.row, 0, neutralize(text), self.formats["note"])
        self.row += 1

    def cap_note(self, total: int, where_the_rest_is: str) -> None:
        """Below a table of rows capped at the first ones by search time: how many of ``total`` it shows."""
        if self.written < total:
            self.sheet.write_string(self.row + 1, 0, neutralize(
                f"{self.written:,} of {total:,} rows shown (the first by search time); {where_the_rest_is}"),
                self.formats["note"])

    def table(self, columns: list[str], rows: Any, widths: dict[str, int] | None = None) -> int:
        """Write a header and rows (an iterable of tuples); returns the number of data rows."""
        first = self.row
        for c, name in enumerate(columns):
            self.sheet.write_string(self.row, c, name, self.formats["header"])
            self.sheet.set_column(c, c, (widths or {}).get(name, 14 if name not in ("reason", "source_file") else 40))
        self.row += 1
        count = 0
        for values in rows:
            for c, value in enumerate(values):
                self._cell(self.row, c, value)
            self.row += 1
            count += 1
        if columns:
            self.sheet.autofilter(first, 0, max(first, self.row - 1), len(columns) - 1)
        self.written = count
        return count

    def _cell(self, r: int, c: int, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            self.sheet.write_boolean(r, c, value)
        elif isinstance(value, int | float):
            self.sheet.write_number(r, c, value)
        elif isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            self.sheet.write_datetime(r, c, value, self.formats["time"])
        elif isinstance(value, dt.date):
            self.sheet.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), self.formats["date"])
        elif isinstance(value, list | tuple):
            self.sheet.write_string(r, c, neutralize(", ".join(str(v) for v in value)))
        else:
            self.sheet.write_string(r, c, neutralize(str(value)))


def write_workbook(engine: Engine, data: ReportData, path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    formats = {
        "header": book.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1}),
        "note": book.add_format({"italic": True}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "time": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
    }
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
    summary.row += 1
    h = data.headline
    summary.table(["measure", "value"], [
        ("rows", h["rows"]), ("distinct searches", h["searches"]), ("exact duplicate rows", h["duplicate_rows"]),
        ("searching organisations", h["searcher_orgs"]), ("producers", h["producers"]), ("files", h["files"]),
        ("first search (UTC)", h["first_search"]), ("last search (UTC)", h["last_search"]),
    ], widths={"measure": 28, "value": 20})
    summary.row += 1
    finding_rows = [(f.flag, f.title, f.searches, f.rows, f.searcher_orgs, min(f.rows, data.xlsx_rows_per_flag),
                     csv_rows(data, f.rows)) for f in data.findings.values()]
    # autofilter: one per sheet in Excel, so the findings table sits on its own sheet
    findings = _Sheet(book, "Findings", formats)
    findings.table(["flag", "finding", "searches", "rows", "organisations", "rows in this workbook", "rows in csv"],
                   finding_rows,
                   widths={"finding": 45})
    for name, table in (("Producers", data.producers), ("Immigration by agency", data.immigration_by_agency),
                        ("Immigration by month", data.immigration_by_month),
                        ("School cameras", data.school_cameras)):
        _Sheet(book, name, formats).table(table.columns, table.rows)
    # rows of a release, like a finding's: the first by search time, however many there are
    both = data.school_immigration
    sheet = _Sheet(book, "School and immigration", formats)
    sheet.table(both.columns, both.rows[:data.xlsx_rows_per_flag])
    sheet.cap_note(len(both.rows), "csv/school_and_immigration.csv has every one")
    for name, table in (("Files", data.data_quality), ("Quarantine", data.quarantine_reasons)):
        _Sheet(book, name, formats).table(table.columns, table.rows)
    for finding in data.findings.values():
        sheet = _Sheet(book, finding.flag, formats)
        relation = engine.relation(flag_rows_sql(finding.flag, data.xlsx_rows_per_flag))
        sheet.table(list(relation.columns), relation.iter_rows(CHUNK))
        sheet.cap_note(finding.rows, f"csv/{finding.flag}.csv has {csv_rows(data, finding.rows):,}")
    book.close()
    return path


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

    with open(path, "w", encoding="utf-8", newline="") as fh:
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
    engine.relation(f"SELECT {', '.join(selects)} FROM ({sql}) AS src{order}", params).to_csv(str(path), header=True)
    return path
