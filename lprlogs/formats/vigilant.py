"""Motorola Solutions Vigilant (LEARN) productions as Excel workbooks (FORMATS.md section 4).

The audit sheet (``Reason, DateTime``: local times without a zone, some reasons turned into numbers by
Excel) goes into ``searches`` with log kind ``vigilant_audit``. The other sheets of a production are
loaded into side views when they are tables:

- ``vigilant_orgs``   one row per organisation listed on an ``ORGANIZATION NAME`` sheet (A1-A4 in the
                      Irvine production), with the records-request question the list answers;
- ``vigilant_users``  one row per ``User Name``;
- ``vigilant_counts`` one row per number on a counts sheet (detections, hits, monthly counts).

The sheet that repeats the records request is used for those meanings and skipped with a reason.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from ..sources import Source
from ..sources import _org_from_slug as org_from_slug
from ..store import SourceWriter
from . import Match
from .columns import note_extra_columns, refuse_wide, unique_headers
from .counts import is_odd_count_expr, note_not_whole, whole_number_expr
from .localtime import check_tz, localize, parse_local_times, reader_zone, tz_note
from .workbook import header_index, load_sheet, norm_header, note_title_rows, sheet_heads

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

_AGENCY_FILE_NAME = re.compile(r"^alpr-audits-(?P<slug>[a-z][a-z0-9-]*?)(?:-vigilant)?(?:-\d+)?(?:_doc\d+)?$")


def producer_from_file_name(name: str) -> str | None:
    """'alpr-audits-irvine-police-department-181267_doc5.xlsx' -> 'Irvine Police Department'."""
    stem = re.sub(r"\.(xlsx|xlsm|xls|xlsb|csv|pdf)$", "", name, flags=re.IGNORECASE)
    match = _AGENCY_FILE_NAME.match(stem)
    if not match:
        return None
    return org_from_slug(match.group("slug"))


# --- the Vigilant reader -------------------------------------------------------------------------------

def _is_audit_header(row: list[str | None]) -> bool:
    """``Reason, DateTime`` (any order), with any other columns an agency added (kept in raw)."""
    return {"reason", "datetime"} <= {norm_header(v) for v in row if v is not None}


def _is_audit_head(rows: list[list[str | None]]) -> bool:
    return header_index(rows, _is_audit_header) is not None


class VigilantWorkbook:
    """Reader of Vigilant (LEARN) audit workbooks."""

    name = "vigilant_xlsx"
    kinds = ("vigilant_audit",)  # the log kinds it reads (formats.detect checks --log-type against them)

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
        zone = reader_zone(source, out)
        suffix = tz_note(out, "Audit DateTime values", zone)
        heads = sheet_heads(source)
        audit_sheets = list(match.details.get("audit_sheets", []))  # type: ignore[call-overload]
        request = self._request_questions(source, heads)
        side_rows: dict[str, int] = {}
        for sheet, rows in heads.items():
            if sheet in audit_sheets:
                header_at = header_index(rows, _is_audit_header) or 0
                note_title_rows(out, sheet, rows, header_at)
                self._read_audit(source, sheet, out, header_at, zone.zone)
            elif request is not None and sheet == request[0]:
                out.skip_part(sheet, "the records request's questions, not data: used as list_meaning/meaning "
                                     "in vigilant_orgs and vigilant_counts")
            elif not rows:
                out.skip_part(sheet, "empty sheet")
            else:
                table, count = self._read_other(source, sheet, rows, request[1] if request else {}, out)
                if table:
                    side_rows[table] = side_rows.get(table, 0) + count
        out.variant = "vigilant-audit" + suffix
        out.extra["side_rows"] = side_rows

    def _read_audit(self, source: Source, sheet: str, out: SourceWriter, header_at: int, tz: str | None) -> None:
        frame, first_row = load_sheet(source, sheet, dtypes="string", skip=header_at)
        typed, _ = load_sheet(source, sheet, dtypes=None, skip=header_at)
        refuse_wide(frame.width, f"sheet {sheet!r}")
        header_texts = unique_headers([str(v) if v is not None else "" for v in frame.row(0)])
        headers = [norm_header(v) for v in header_texts]
        reason_at, time_at = headers.index("reason"), headers.index("datetime")
        extras = [i for i in range(frame.width) if i not in (reason_at, time_at)]
        note_extra_columns(out, [header_texts[i] for i in extras], "a Vigilant audit", f"sheet {sheet!r}")
        body = pl.DataFrame({
            "source_row": pl.int_range(first_row + 1, first_row + frame.height, eager=True, dtype=pl.Int64),
            "reason_text": frame[:, reason_at][1:],
            "time_text": frame[:, time_at][1:],
            "time_local": parse_local_times(typed[:, time_at][1:]),
            **{f"_extra_{i}": frame[:, i][1:] for i in extras},
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
                         pl.col("time_text").alias(header_texts[time_at]),
                         *(pl.col(f"_extra_{i}").alias(header_texts[i]) for i in extras)]).struct.json_encode()
        staged = body.select(
            pl.col("source_row"),
            pl.lit(sheet).alias("source_sheet"),
            pl.when(pl.col("reason_text").str.strip_chars() == "").then(None)
            .otherwise(pl.col("reason_text").str.strip_chars()).alias("reason"),
            localize(pl.col("time_local"), tz).alias("search_time"),
            raw.alias("raw"),
        )
        if out.producer:
            staged = staged.with_columns(pl.lit(out.producer).alias("searcher_org"))
        unread = staged.filter(pl.col("search_time").is_null()).height
        if unread:
            out.note(f"sheet {sheet}: {unread:,} DateTime values could not be read (or fall in a daylight-saving "
                     "gap); search_time left empty, the text is in raw")
        if tz:
            out.note(f"sheet {sheet}: times in the repeated hour when clocks go back were read as the first "
                     f"(daylight) occurrence in {tz}")
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
        # a counts sheet holds labels too: only text that looks like a number is named
        odd = counts.filter(is_odd_count_expr(pl.col("value_text")) & pl.col("value_text").str.contains(r"^[\s\d,.+-]+$"))
        note_not_whole(out, "count", odd.height, odd["source_row"].to_list(), f" on sheet {sheet}")
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
            whole_number_expr(pl.col("value_text")).alias("count"),
            pl.col("value_text"),
            item.str.strip_chars().replace_strict(questions, default=meaning_default,
                                                  return_dtype=pl.String).alias("meaning"),
        )


READERS = [VigilantWorkbook()]
