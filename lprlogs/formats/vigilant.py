"""Motorola Solutions Vigilant (LEARN) productions as Excel workbooks (FORMATS.md section 4).

The audit sheet (``Reason, DateTime``: local times without a zone, some reasons turned into numbers by
Excel) goes into ``searches`` with log kind ``vigilant_audit``. The other sheets of a production are
loaded into side views when they are tables:

- ``vigilant_orgs``   one row per organisation listed on an ``ORGANIZATION NAME`` sheet (A1-A4 in the
                      Irvine production), with the records-request question the list answers;
- ``vigilant_users``  one row per ``User Name``;
- ``vigilant_counts`` one row per number on a counts sheet (detections, hits, monthly counts).

The sheet that repeats the records request is used for those meanings and skipped with a reason.
This module also holds the workbook helpers the event-log and sharing readers use.
"""

from __future__ import annotations

import functools
import io
import json
import re
import zoneinfo
from collections.abc import Callable
from typing import TYPE_CHECKING

from .. import textio
from ..errors import LprlogsError, SourceRejected
from ..sources import Source
from ..sources import _org_from_slug as org_from_slug
from ..store import SourceWriter
from . import Match

if TYPE_CHECKING:
    import polars as pl
else:
    from ..lazy import pl

SIDE_TABLES: dict[str, dict[str, str]] = {
    "vigilant_orgs": {"source_sheet": "VARCHAR", "source_row": "BIGINT", "organization": "VARCHAR",
                      "list_meaning": "VARCHAR"},
    "vigilant_users": {"source_sheet": "VARCHAR", "source_row": "BIGINT", "user_name": "VARCHAR"},
    "vigilant_counts": {"source_sheet": "VARCHAR", "source_row": "BIGINT", "item": "VARCHAR",
                        "measure": "VARCHAR", "count": "BIGINT", "value_text": "VARCHAR", "meaning": "VARCHAR"},
}

HEAD_ROWS = 6  # rows looked at for a header: exports put title rows above it
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_AGENCY_FILE_NAME = re.compile(r"^alpr-audits-(?P<slug>[a-z][a-z0-9-]*?)(?:-vigilant)?(?:-\d+)?(?:_doc\d+)?$")


# --- workbook helpers (shared with events.py and sharing.py) ----------------------------------------

def is_workbook(source: Source) -> bool:
    head = source.head(8)
    return head.startswith(_XLSX_MAGIC) or head.startswith(_XLS_MAGIC)


def norm_header(value: object) -> str:
    return re.sub(r"\s+", " ", str(value if value is not None else "").replace("\ufeff", "")).strip().lower()


@functools.lru_cache(maxsize=16)
def _first_rows(path: str, sha256: str) -> dict[str, list[list[str | None]]]:
    """The first HEAD_ROWS rows (as text) of every sheet of a workbook; {} when it is not a workbook."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
    except Exception:  # noqa: BLE001 - not a workbook fastexcel can open (a .doc, a broken file)
        return {}
    heads: dict[str, list[list[str | None]]] = {}
    for sheet in reader.sheet_names:
        try:
            frame = reader.load_sheet(sheet, header_row=None, n_rows=HEAD_ROWS, dtypes="string").to_polars()
        except Exception:  # noqa: BLE001 - an empty or unreadable sheet has no head
            heads[sheet] = []
            continue
        heads[sheet] = [list(row) for row in frame.rows()]
    return heads


def sheet_heads(source: Source) -> dict[str, list[list[str | None]]]:
    """{sheet name: its first HEAD_ROWS rows as text} (cached per file)."""
    if not is_workbook(source):
        return {}
    return _first_rows(str(source.path), source.sha256)


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@functools.lru_cache(maxsize=16)
def _first_used_rows(path: str, sha256: str) -> dict[str, int]:
    """{sheet name: 1-based row where its used range starts}, read from the xlsx XML (no cell parsing
    beyond the first row holding a value); {} when the file is not an xlsx (.xls starts at row 1)."""
    import xml.etree.ElementTree as ET
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return {}
    rows: dict[str, int] = {}
    with archive:
        try:
            book = ET.fromstring(archive.read("xl/workbook.xml"))
            rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        except (KeyError, ET.ParseError):
            return {}
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        for sheet in book.iter(f"{_MAIN_NS}sheet"):
            target = targets.get(sheet.get(f"{_REL_NS}id"), "")
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            rows[sheet.get("name", "")] = _first_row_with_value(archive, member)
    return rows


def _first_row_with_value(archive: object, member: str) -> int:
    import xml.etree.ElementTree as ET

    try:
        stream = archive.open(member)  # type: ignore[attr-defined]
    except KeyError:
        return 1
    with stream:
        for _, element in ET.iterparse(stream, events=("end",)):
            if element.tag == f"{_MAIN_NS}row":
                has_value = any(
                    (child.find(f"{_MAIN_NS}v") is not None and (child.find(f"{_MAIN_NS}v").text or "") != "")
                    or child.find(f"{_MAIN_NS}is") is not None
                    for child in element
                )
                if has_value:
                    return int(element.get("r", "1"))
                element.clear()
    return 1


def first_used_row(source: Source, sheet: str) -> int:
    """The 1-based spreadsheet row where a sheet's used range starts (fastexcel drops leading blank rows)."""
    return _first_used_rows(str(source.path), source.sha256).get(sheet, 1)


def load_sheet(source: Source, sheet: str, dtypes: object = "string", skip: int = 0) -> tuple[pl.DataFrame, int]:
    """A whole sheet without header handling, from its ``skip``-th used row on, and the spreadsheet row
    number of the frame's first row."""
    import fastexcel

    reader = fastexcel.read_excel(str(source.path))
    frame = reader.load_sheet(sheet, header_row=None, dtypes=dtypes).to_polars()  # type: ignore[arg-type]
    return frame.slice(skip), first_used_row(source, sheet) + skip


def header_index(rows: list[list[str | None]], is_header: Callable[[list[str | None]], bool]) -> int | None:
    """Where the header is among a sheet's first rows (title rows may sit above it), or None."""
    for index, row in enumerate(rows[:HEAD_ROWS]):
        if is_header(row):
            return index
    return None



def read_csv_cells(source: Source, what: str, out: SourceWriter) -> pl.DataFrame:
    """A small CSV side file (event log, sharing list) as text cells, no header, for the header finders;
    its encoding detected (or --encoding) and recorded like the audit readers'; ``what`` names it in
    the one-line error."""
    encoding = textio.for_file(source.path, source.encoding)
    out.encoding = encoding.label
    text = source.path.read_bytes()[encoding.bom_length:].decode(encoding.codec, errors="replace").lstrip("\ufeff")
    try:
        return pl.read_csv(io.BytesIO(text.encode("utf-8")), has_header=False, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise SourceRejected(f"{what} CSV could not be parsed ({str(exc).splitlines()[0]})") from exc


def find_head(source: Source, is_header: Callable[[list[str | None]], bool]) -> tuple[str, dict[str, int]] | None:
    """Where a table whose header ``is_header`` recognises starts: ("workbook", {sheet: header row index})
    for a workbook with such sheets, ("CSV", {}) when a text file's first line is that header, else None.
    Shared by the readers that sniff by their header (event logs, sharing lists)."""
    heads = sheet_heads(source)
    if heads:
        sheets = {s: i for s, rows in heads.items() if (i := header_index(rows, is_header)) is not None}
        return ("workbook", sheets) if sheets else None
    first = textio.decode_head(source.path, textio.for_file(source.path, source.encoding), 4096).split("\n", 1)[0]
    if is_header([h.strip().strip('"') for h in first.split(",")]):
        return ("CSV", {})
    return None

def note_title_rows(out: SourceWriter, sheet: str, rows: list[list[str | None]], header_at: int) -> None:
    titles = [" ".join(str(v) for v in row if v is not None) for row in rows[:header_at]]
    titles = [t for t in titles if t.strip()]
    if titles:
        out.note(f"sheet {sheet}: {len(titles)} title row(s) above the header, not data: {' / '.join(titles)[:200]}")


def localize(times: pl.Expr, tz: str | None) -> pl.Expr:
    """Zone-less local times -> UTC instants, in ``tz`` (or taken as UTC when ``tz`` is None)."""
    if tz is None:
        return times.dt.replace_time_zone("UTC")
    return times.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null").dt.convert_time_zone("UTC")


def check_tz(tz: str | None, path: str) -> None:
    if tz is None:
        return
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise LprlogsError(f"unknown time zone {tz!r}", path=path,
                           hint="use an IANA zone name such as America/Los_Angeles") from exc


def parse_local_times(column: pl.Series) -> pl.Series:
    """Excel datetimes, or text in the usual spellings, as zone-less datetimes (microseconds)."""
    if column.dtype == pl.Datetime or isinstance(column.dtype, pl.Datetime):
        return column.cast(pl.Datetime("us"))
    if column.dtype == pl.Date:
        return column.cast(pl.Datetime("us"))
    text = column.cast(pl.String).str.strip_chars()
    formats = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S",
               "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%Y-%m-%d")
    parsed = [text.str.to_datetime(f, strict=False, time_unit="us") for f in formats]
    return pl.select(pl.coalesce([pl.lit(p) for p in parsed])).to_series().alias(column.name)


def tz_note(out: SourceWriter, what: str, tz: str | None) -> str:
    """Say what was assumed about local times; returns the variant suffix."""
    if tz is None:
        out.note(f"{what} are local times without a zone and no --tz was given: they were stored AS IF UTC, "
                 "so they are off by the agency's UTC offset. Fix: re-run with --force --tz "
                 "America/Los_Angeles (or the agency's zone).")
        return " (local times stored as UTC: no --tz given)"
    return f" (local times in {tz}, converted to UTC)"


def producer_from_file_name(name: str) -> str | None:
    """'alpr-audits-irvine-police-department-181267_doc5.xlsx' -> 'Irvine Police Department'."""
    stem = re.sub(r"\.(xlsx|xlsm|xls|xlsb|csv|pdf)$", "", name, flags=re.IGNORECASE)
    match = _AGENCY_FILE_NAME.match(stem)
    if not match:
        return None
    return org_from_slug(match.group("slug"))


# --- the Vigilant reader -------------------------------------------------------------------------------

def _is_audit_header(row: list[str | None]) -> bool:
    return {norm_header(v) for v in row if v is not None} == {"reason", "datetime"}


def _is_audit_head(rows: list[list[str | None]]) -> bool:
    return header_index(rows, _is_audit_header) is not None


class VigilantWorkbook:
    """Reader of Vigilant (LEARN) audit workbooks."""

    name = "vigilant_xlsx"

    def sniff(self, source: Source) -> Match | None:
        heads = sheet_heads(source)
        audit_sheets = [s for s, rows in heads.items() if _is_audit_head(rows)]
        if not audit_sheets:
            return None
        return Match(format=self.name, variant="vigilant-audit", confidence=0.95,
                     details={"audit_sheets": audit_sheets})

    def read(self, source: Source, match: Match, out: SourceWriter) -> None:
        check_tz(source.tz, source.display_path)
        if out.producer is None:
            named = producer_from_file_name(source.name)
            if named:
                out.producer = named
                out.note(f"producer {named!r} taken from the file name (alpr-audits-<agency>-<number>); "
                         "use --force --producer to correct it")
        out.log_kind = "vigilant_audit" if out.log_kind in (None, "org_audit") else out.log_kind
        heads = sheet_heads(source)
        audit_sheets = list(match.details.get("audit_sheets", []))  # type: ignore[call-overload]
        request = self._request_questions(source, heads)
        side_rows: dict[str, int] = {}
        for sheet, rows in heads.items():
            if sheet in audit_sheets:
                header_at = header_index(rows, _is_audit_header) or 0
                note_title_rows(out, sheet, rows, header_at)
                self._read_audit(source, sheet, out, header_at)
            elif request is not None and sheet == request[0]:
                out.skip_part(sheet, "the records request's questions, not data: used as list_meaning/meaning "
                                     "in vigilant_orgs and vigilant_counts")
            elif not rows:
                out.skip_part(sheet, "empty sheet")
            else:
                table, count = self._read_other(source, sheet, rows, request[1] if request else {}, out)
                if table:
                    side_rows[table] = side_rows.get(table, 0) + count
        out.variant = "vigilant-audit" + tz_note(out, "Audit DateTime values", source.tz)
        out.extra["side_rows"] = side_rows

    def _read_audit(self, source: Source, sheet: str, out: SourceWriter, header_at: int) -> None:
        frame, first_row = load_sheet(source, sheet, dtypes="string", skip=header_at)
        typed, _ = load_sheet(source, sheet, dtypes=None, skip=header_at)
        headers = [norm_header(v) for v in frame.row(0)]
        reason_at, time_at = headers.index("reason"), headers.index("datetime")
        header_texts = [str(v) for v in frame.row(0)]
        body = pl.DataFrame({
            "source_row": pl.int_range(first_row + 1, first_row + frame.height, eager=True, dtype=pl.Int64),
            "reason_text": frame[:, reason_at][1:],
            "time_text": frame[:, time_at][1:],
            "time_local": parse_local_times(typed[:, time_at][1:]),
        })
        blank = (pl.col("reason_text").is_null() | (pl.col("reason_text").str.strip_chars() == "")) \
            & pl.col("time_text").is_null()
        blanked = body.filter(blank).height
        if blanked:
            out.rows_redacted_blank += blanked
            out.note(f"sheet {sheet}: {blanked:,} blank rows (no reason, no time) counted as blanked, not stored")
        body = body.filter(~blank)
        out.expect_rows(body.height)
        raw = pl.struct([pl.col("reason_text").alias(header_texts[reason_at]),
                         pl.col("time_text").alias(header_texts[time_at])]).struct.json_encode()
        staged = body.select(
            pl.col("source_row"),
            pl.lit(sheet).alias("source_sheet"),
            pl.when(pl.col("reason_text").str.strip_chars() == "").then(None)
            .otherwise(pl.col("reason_text").str.strip_chars()).alias("reason"),
            localize(pl.col("time_local"), source.tz).alias("search_time"),
            raw.alias("raw"),
        )
        if out.producer:
            staged = staged.with_columns(pl.lit(out.producer).alias("searcher_org"))
        unread = staged.filter(pl.col("search_time").is_null()).height
        if unread:
            out.note(f"sheet {sheet}: {unread:,} DateTime values could not be read (or fall in a daylight-saving "
                     "gap); search_time left empty, the text is in raw")
        if source.tz:
            out.note(f"sheet {sheet}: times in the repeated hour when clocks go back were read as the first "
                     f"(daylight) occurrence in {source.tz}")
        out.add_searches(staged)

    @staticmethod
    def _request_questions(source: Source, heads: dict[str, list[list[str | None]]]
                           ) -> tuple[str, dict[str, str]] | None:
        """The sheet that lists the request's items (first column naming other sheets) and {item: text}."""
        names = set(heads)
        for sheet, rows in heads.items():
            if not rows or len(rows[0]) < 2 or _is_audit_head(rows):
                continue
            frame, _ = load_sheet(source, sheet)
            if frame.width < 2:
                continue
            items = [str(v).strip() for v in frame[:, 0].to_list() if v is not None]
            if len([i for i in items if i in names and i != sheet]) >= 2:
                questions = {}
                for item, text in zip(frame[:, 0].to_list(), frame[:, 1].to_list(), strict=True):
                    if item is not None and text is not None:
                        questions[str(item).strip()] = str(text).strip()
                return sheet, questions
        return None

    def _read_other(self, source: Source, sheet: str, head: list[list[str | None]], questions: dict[str, str],
                    out: SourceWriter) -> tuple[str | None, int]:
        first = [norm_header(v) for v in head[0] if v is not None]
        frame, first_row = load_sheet(source, sheet)
        rows = pl.DataFrame({"source_row": pl.int_range(first_row, first_row + frame.height, eager=True,
                                                        dtype=pl.Int64)}).hstack(frame)
        value_columns = frame.columns
        if first and first[0] in ("organization name", "organisation name", "agency name", "agency"):
            orgs = rows.slice(1).select(
                pl.lit(sheet).alias("source_sheet"), pl.col("source_row"),
                pl.col(value_columns[0]).str.strip_chars().alias("organization"),
                pl.lit(questions.get(sheet)).cast(pl.String).alias("list_meaning"),
            ).filter(pl.col("organization").is_not_null() & (pl.col("organization") != ""))
            return "vigilant_orgs", out.add_side("vigilant_orgs", orgs)
        if first and first[0] in ("user name", "username", "user"):
            users = rows.slice(1).select(
                pl.lit(sheet).alias("source_sheet"), pl.col("source_row"),
                pl.col(value_columns[0]).str.strip_chars().alias("user_name"),
            ).filter(pl.col("user_name").is_not_null() & (pl.col("user_name") != ""))
            return "vigilant_users", out.add_side("vigilant_users", users)
        counts = self._counts(sheet, rows, value_columns, questions)
        if counts is None:
            out.skip_part(sheet, f"not a table lprlogs knows (first row: {json.dumps(head[0])[:120]})")
            return None, 0
        return "vigilant_counts", out.add_side("vigilant_counts", counts)

    @staticmethod
    def _counts(sheet: str, rows: pl.DataFrame, value_columns: list[str],
                questions: dict[str, str]) -> pl.DataFrame | None:
        """Counts sheets: a title row (optional), then either a header row with measures across the top
        (``Month, 2025, 2024``) or rows of ``item, label, number``."""
        if len(value_columns) < 2:
            return None
        filled = rows.select(pl.sum_horizontal([pl.col(c).is_not_null() for c in value_columns]).alias("n"))["n"]
        start = 0
        titles: list[str] = []
        while start < rows.height and filled[start] <= 1:
            cell = next((v for v in rows.row(start)[1:] if v is not None), None)
            if cell is not None:
                titles.append(str(cell))
            start += 1
        body = rows.slice(start)
        if body.height == 0:
            return None
        is_number = re.compile(r"^\s*-?[\d,]+(\.0+)?\s*$")
        top = [str(v) for v in body.row(0)[2:] if v is not None]  # cells after source_row and the item
        header_row = bool(top) and all(re.match(r"^\d{4}$", v) or not is_number.match(v) for v in top)
        item = pl.col(value_columns[0])
        if header_row:
            measures = value_columns[1:]
            names = {c: str(body[0, c]) for c in measures}
            long = body.slice(1).unpivot(index=["source_row", value_columns[0]], on=measures,
                                         variable_name="measure_col", value_name="value_text")
            long = long.with_columns(pl.col("measure_col").replace_strict(names, default=None).alias("measure"))
        else:
            label_cols = value_columns[1:-1]
            long = body.with_columns(
                (pl.concat_str([pl.col(c) for c in label_cols], separator=" ", ignore_nulls=True)
                 if label_cols else pl.lit(None, pl.String)).str.strip_chars('" ').alias("measure"),
                pl.col(value_columns[-1]).alias("value_text"),
            )
        meaning_default = questions.get(sheet) or (" ".join(titles) if titles else None)
        return long.filter(pl.col("value_text").is_not_null()).select(
            pl.lit(sheet).alias("source_sheet"), pl.col("source_row"),
            item.str.strip_chars().alias("item"), pl.col("measure").cast(pl.String),
            pl.col("value_text").str.replace_all(",", "").str.strip_chars()
            .str.replace(r"\.0+$", "").cast(pl.Int64, strict=False).alias("count"),
            pl.col("value_text"),
            item.str.strip_chars().replace_strict(questions, default=meaning_default,
                                                  return_dtype=pl.String).alias("meaning"),
        )


READERS = [VigilantWorkbook()]
