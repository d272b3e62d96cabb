"""Flock Transparency Portal "search audit" tables (FORMATS.md section 2), old and new forms, as the
portal's CSV or saved as a workbook sheet.

old form: ``"id","userId","searchDate","cameraCount","reason"``, zone-less ``searchDate``
(``2025-06-18 00:02:04.789``), ``+`` for spaces in reasons.
new form: ``"id","userId","searchDate","networkCount"`` then any of ``reason``, ``caseNumber``,
``offenseType``; ISO times ending in ``Z``; ``userId`` masked as ``***``.

A table is a portal audit when its header holds ``id``, ``userId``, ``searchDate`` and a count
(``cameraCount`` or ``networkCount``); other columns (an agency's derived ``derived-searchDatePST``...)
are kept in ``raw`` and named in a note. A workbook (a saved copy beside cover and pivot sheets) is
read sheet by sheet: sheets with such a header are read, the others skipped with the reason.

In the portal's CSV every field is quoted and one record is one line, so lines are checked against a
strict pattern in one vectorised pass; lines that pass are parsed together by polars. Only lines that
fail (a broken quote, a record cut short, a field holding a line break) go through a Python repair
pass, which repairs the row when the repair is unambiguous and quarantines just that row otherwise.
``source_row`` counts records, not lines (docs/formats.md, "Row numbers").
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import textio
from ..errors import SourceRejected
from ..schema import REDACTION_MARKERS
from ..sources import Source, name_facts
from ..store import SourceWriter
from . import Match
from .columns import note_extra_columns, refuse_wide, unique_headers
from .counts import is_odd_count_expr, note_not_whole, whole_number_expr
from .localtime import localize, reader_zone, tz_note
from .workbook import csv_text, find_head, load_sheet, note_title_rows, sheet_heads

if TYPE_CHECKING:
    import polars as pl
else:
    from ..lazy import pl

# portal header -> canonical column
FIELD_OF_HEADER = {
    "id": "search_id",
    "userId": "searcher_user",
    "searchDate": "search_time",
    "cameraCount": "devices_searched",
    "networkCount": "networks_searched",
    "reason": "reason",
    "caseNumber": "case_number",
    "offenseType": "offense_type",
}
_CANONICAL_HEADER = {h.lower(): h for h in FIELD_OF_HEADER}
REQUIRED_HEADERS = ("id", "userId", "searchDate")
PLUS_DECODED_FIELDS = ("reason", "offense_type")  # free text where the old form wrote '+' for a space
_FIELD = r'(?:"(?:[^"]|"")*"|[^",]*)'
_MAX_JOINED_LINES = 5


def _header_fields(line: str) -> list[str]:
    return [h.strip().strip('"').strip() for h in line.split(",")]


def portal_form(cells: list[object]) -> str | None:
    """'portal-old' or 'portal-new' when a header row is a portal search audit's (extra columns allowed)."""
    names = {_CANONICAL_HEADER.get(str(c).strip().strip('"').strip().lower()) for c in cells if c is not None}
    if not set(REQUIRED_HEADERS) <= names:
        return None
    if "networkCount" in names:
        return "portal-new"
    return "portal-old" if "cameraCount" in names else None


def _strict_pattern(n_fields: int) -> str:
    return rf"^{_FIELD}(?:,{_FIELD}){{{n_fields - 1}}}$"


def _split_strict(line: str) -> list[str]:
    """Fields of a line (or joined lines) that matched the strict pattern."""
    return next(csv.reader(io.StringIO(line), strict=True))


@dataclass
class _Lines:
    """What the repair pass made of the lines that failed the strict pattern."""

    repaired: list[list[object]] = field(default_factory=list)  # fields..., first line number
    quarantined: list[list[object]] = field(default_factory=list)  # first line number, raw, reason
    continuation: list[int] = field(default_factory=list)  # lines that continue a record (not rows)


class PortalAudit:
    """Reader of transparency-portal search audits (CSV, or a workbook sheet)."""

    name = "portal_csv"
    kinds = ("portal_audit",)  # the log kinds it reads (formats.detect checks --log-type against them)

    def sniff(self, source: Source) -> Match | None:
        found = find_head(source, lambda row: portal_form(row) is not None)
        if found is None:
            return None
        kind, sheets = found
        if kind == "workbook":
            heads = sheet_heads(source)
            forms = {portal_form(heads[s][i]) for s, i in sheets.items()}
            return Match(format=self.name, variant=" / ".join(sorted(f for f in forms if f)), confidence=0.95,
                         details={"sheets": sheets})
        first = textio.decode_head(source.path, textio.for_file(source.path, source.encoding), 4096)
        return Match(format=self.name, variant=portal_form(_header_fields(first.split("\n", 1)[0])) or "portal",
                     confidence=0.95)

    def read(self, source: Source, match: Match, out: SourceWriter) -> None:
        sheets = dict(match.details.get("sheets", {}))  # type: ignore[call-overload]
        if not sheets:
            frame, headers = self._read_csv(source, out)
            self._store(source, match.variant, frame, headers, out)
            return
        for sheet, rows in sheet_heads(source).items():
            if sheet not in sheets:
                out.skip_part(sheet, "empty sheet" if not rows else "not a portal search-audit table "
                              "(no id, userId, searchDate and count header): a cover or pivot sheet?")
                continue
            note_title_rows(out, sheet, rows, sheets[sheet])
            frame, headers = self._read_sheet(source, sheet, sheets[sheet], out)
            self._store(source, portal_form(headers) or match.variant, frame, headers, out, sheet)
        out.encoding = None

    # --- a workbook sheet -------------------------------------------------------------------------

    @staticmethod
    def _read_sheet(source: Source, sheet: str, header_at: int,
                    out: SourceWriter) -> tuple[pl.DataFrame, list[str]]:
        cells, first_row = load_sheet(source, sheet, skip=header_at)
        refuse_wide(cells.width, f"sheet {sheet!r}")
        headers = unique_headers([str(v).strip() if v is not None else "" for v in cells.row(0)])
        frame = cells.slice(1).rename(dict(zip(cells.columns, headers, strict=True)))
        frame = frame.with_columns(pl.int_range(first_row + 1, first_row + cells.height, dtype=pl.Int64)
                                   .alias("source_row"))
        # a blank sheet row is no record; the rows after it keep their sheet numbers
        frame = frame.filter(pl.any_horizontal([pl.col(h).is_not_null() & (pl.col(h).str.strip_chars() != "")
                                                for h in headers]))
        out.expect_rows(frame.height)
        return frame, headers

    # --- the portal's CSV -----------------------------------------------------------------------------

    def _read_csv(self, source: Source, out: SourceWriter) -> tuple[pl.DataFrame, list[str]]:
        text = csv_text(source, out)
        if "\r\n" in text:
            text = text.replace("\r\n", "\n")
            out.note("lines end in CRLF (portal files use LF): read as LF")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # a trailing newline ends the last record; it is not a row
        if not lines:
            raise SourceRejected("portal search audit with no header line")
        headers = unique_headers(_header_fields(lines[0]))
        refuse_wide(len(headers), "the header")
        body = pl.DataFrame({
            "line_no": pl.int_range(2, len(lines) + 1, eager=True, dtype=pl.Int64),
            "line": pl.Series(lines[1:], dtype=pl.String),
        })
        blank = body.filter(pl.col("line").str.strip_chars() == "")
        if blank.height:
            out.note(f"{blank.height:,} blank line(s) (not records) ignored, e.g. line {blank['line_no'][0]}")
        body = body.filter(pl.col("line").str.strip_chars() != "")
        is_strict = pl.col("line").str.contains(_strict_pattern(len(headers)))
        good = body.filter(is_strict)
        frame = self._parse_good(good, headers)
        fixed = self._repair(body.filter(~is_strict), headers, out)
        out.expect_rows(body.height - len(fixed.continuation))  # records, not lines
        if fixed.repaired:
            frame = pl.concat([frame, pl.DataFrame(fixed.repaired, schema={**{h: pl.String for h in headers},
                                                                           "line_no": pl.Int64}, orient="row")])
        frame = _with_rows(frame, fixed.continuation)
        if fixed.quarantined:
            quarantined = pl.DataFrame(fixed.quarantined, schema={"line_no": pl.Int64, "raw": pl.String,
                                                                  "reason": pl.String}, orient="row")
            out.add_quarantine(_with_rows(quarantined, fixed.continuation))
        return frame.sort("source_row"), headers

    @staticmethod
    def _parse_good(good: pl.DataFrame, headers: list[str]) -> pl.DataFrame:
        frame = pl.DataFrame(schema={h: pl.String for h in headers})
        if good.height:
            frame = pl.read_csv(
                io.BytesIO(good["line"].str.join("\n").item().encode("utf-8")), has_header=False,
                new_columns=headers, infer_schema=False, quote_char='"',
            )
            if frame.height != good.height:
                raise SourceRejected(f"portal CSV parsed into {frame.height:,} rows from {good.height:,} lines; "
                                     "please report this file")
        return frame.with_columns(good["line_no"].alias("line_no"))

    # --- the repair pass, only for lines that failed the strict pattern ---------------------------

    def _repair(self, bad: pl.DataFrame, headers: list[str], out: SourceWriter) -> _Lines:
        n_fields = len(headers)
        strict = re.compile(_strict_pattern(n_fields))
        fixed = _Lines()
        rows = list(bad.iter_rows())
        i = 0
        while i < len(rows):
            line_no, line = rows[i]
            joined_to = _joined_record(rows, i, strict)
            if joined_to is not None:
                joined = "\n".join(r[1] for r in rows[i:joined_to + 1])
                fixed.repaired.append([*_split_strict(joined), line_no])
                fixed.continuation.extend(r[0] for r in rows[i + 1:joined_to + 1])
                out.note(f"line {line_no}: a quoted field holds a line break; lines {line_no}-"
                         f"{rows[joined_to][0]} read as one record")
                i = joined_to + 1
                continue
            i += 1
            fields, why = self._repair_line(line, n_fields, strict)
            if fields is not None:
                fixed.repaired.append([*fields, line_no])
                out.note(f"line {line_no}: {why}")
            else:
                fixed.quarantined.append([line_no, line, why])
        return fixed

    @staticmethod
    def _repair_line(line: str, n_fields: int, strict: re.Pattern[str]) -> tuple[list[str] | None, str]:
        stripped = line.rstrip()
        if stripped.count('"') % 2 == 1 and not stripped.endswith('"'):
            closed = stripped + '"'
            if strict.match(closed):
                return _split_strict(closed), "the line ended inside a quoted field; closing quote added (repaired)"
            for k in range(1, n_fields):
                if re.match(_strict_pattern(k), closed):
                    return None, (f"the line ends inside a quoted field and holds {k} of {n_fields} fields: "
                                  "the record was cut short, so its last field may be incomplete")
        if stripped.startswith('"') and stripped.endswith('"'):
            parts = stripped[1:-1].split('","')
            if len(parts) == n_fields:
                fields = [p.replace('""', '"') if '""' in p else p for p in parts]
                return fields, "a stray quote inside a field; split on the field separators (repaired)"
        return None, f"broken quoting: the line cannot be split into {n_fields} quoted fields"

    # --- canonical columns ------------------------------------------------------------------------

    def _store(self, source: Source, form: str, frame: pl.DataFrame, headers: list[str], out: SourceWriter,
               sheet: str | None = None) -> None:
        raw = pl.struct([pl.col(h) for h in headers]).struct.json_encode().alias("raw")
        frame = frame.with_columns(raw)
        field_of = _fields(headers)
        note_extra_columns(out, [h for h in headers if h not in field_of], "a portal search audit",
                           f"sheet {sheet!r}" if sheet else None)
        staged = frame.select([pl.col(h).alias(f) for h, f in field_of.items()] + [pl.col("source_row"), pl.col("raw")])
        staged = _redactions(staged, list(field_of.values()))
        variant_plus = ""
        if _uses_plus(staged):
            staged = staged.with_columns([pl.col(f).str.replace_all("+", " ", literal=True).str.strip_chars()
                                          for f in PLUS_DECODED_FIELDS if f in staged.columns])
            variant_plus = ", '+' decoded as spaces"
        staged, assumptions = _times(staged, out, source)
        staged = _counts(staged, out)
        if out.producer:
            staged = staged.with_columns(pl.lit(out.producer).alias("searcher_org"))
        if sheet is not None:
            staged = staged.with_columns(pl.lit(sheet).alias("source_sheet"))
        out.variant = form + variant_plus + (f" ({'; '.join(assumptions)})" if assumptions else "")
        named_kind = name_facts(source.name)["log_kind"]
        if out.log_kind is None or out.log_kind == named_kind:
            out.log_kind = "portal_audit"  # the content decides, unless the user chose --log-type
        out.extra["portal_form"] = form
        out.add_searches(staged)


def _with_rows(frame: pl.DataFrame, continuation: list[int]) -> pl.DataFrame:
    """``line_no`` (a record's first line) -> ``source_row``: the line less the lines before it that
    continued a record."""
    lines = frame["line_no"]
    before = pl.Series(sorted(continuation), dtype=pl.Int64).search_sorted(lines) if continuation else 0
    return frame.with_columns((lines - before).cast(pl.Int64).alias("source_row")).drop("line_no")


def _joined_record(rows: list[tuple[int, str]], i: int, strict: re.Pattern[str]) -> int | None:
    """The index of the last failing line that, joined to line ``i`` and those between, makes one record
    (a quoted field holding a line break), or None."""
    joined = rows[i][1]
    for j in range(i + 1, min(i + _MAX_JOINED_LINES, len(rows))):
        if rows[j][0] != rows[j - 1][0] + 1:
            return None
        joined = joined + "\n" + rows[j][1]
        if strict.match(joined):
            return j
    return None


def _fields(headers: list[str]) -> dict[str, str]:
    """{header as written: canonical column} for the known headers (any case), first of each meaning."""
    field_of: dict[str, str] = {}
    for header in headers:
        known = _CANONICAL_HEADER.get(header.lower())
        if known is not None and FIELD_OF_HEADER[known] not in field_of.values():
            field_of[header] = FIELD_OF_HEADER[known]
    return field_of


def _redactions(staged: pl.DataFrame, fields: list[str]) -> pl.DataFrame:
    """Markers (``***``) become NULL with the field named in ``redacted``; empty cells become NULL."""
    markers = [m.upper() for m in REDACTION_MARKERS]

    def is_marker(column: str) -> pl.Expr:
        return pl.col(column).str.strip_chars().str.to_uppercase().is_in(markers)

    masked = [f for f in fields if staged.select(is_marker(f).any()).item()]  # most columns hold none
    staged = staged.with_columns(
        pl.concat_list([pl.when(is_marker(f)).then(pl.lit(f)).otherwise(pl.lit(None, pl.String))
                        for f in masked]).list.drop_nulls().alias("redacted")
        if masked else pl.lit([], pl.List(pl.String)).alias("redacted")
    )
    return staged.with_columns([
        pl.when(is_marker(f) | (pl.col(f).str.strip_chars() == "")).then(None).otherwise(pl.col(f)).alias(f)
        for f in fields
    ])


def _times(staged: pl.DataFrame, out: SourceWriter, source: Source) -> tuple[pl.DataFrame, list[str]]:
    """searchDate as UTC instants: ISO with a zone (the newer form: time_basis utc), or zone-less (the older
    form: local times, converted from the producer's zone when it is known; their rows' time_basis says so)."""
    assumptions: list[str] = []
    if "search_time" not in staged.columns:
        return staged, assumptions
    times = pl.col("search_time")
    text = times.str.strip_chars().str.replace(r"Z$", "+00:00").str.replace("T", " ", literal=True)
    with_zone = text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f%:z", strict=False, time_unit="us", time_zone="UTC")
    zone_less = text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False, time_unit="us")
    staged = staged.with_columns(with_zone.alias("with_zone"), zone_less.alias("zone_less_time"))
    zone_less_count = staged.filter(pl.col("with_zone").is_null() & pl.col("zone_less_time").is_not_null()).height
    basis = pl.lit(None, dtype=pl.String)
    local = pl.lit(None, dtype=pl.Datetime("us", "UTC"))
    if zone_less_count:
        zone = reader_zone(source, out)
        out.local_zone = zone.zone
        tz_note(out, f"{zone_less_count:,} searchDate values (older portal form)", zone)
        out.time_basis = "utc"  # the rows with a zone; the zone-less ones carry their own basis below
        local = localize(pl.col("zone_less_time"), zone.zone)
        basis = pl.when(pl.col("with_zone").is_null() & pl.col("zone_less_time").is_not_null()).then(
            pl.lit(zone.basis))
        assumptions.append("zone-less times: " + (f"local, {zone.zone}" if zone.zone else "local, zone unknown"))
    staged = staged.with_columns(pl.coalesce(pl.col("with_zone"), local).alias("parsed_time"),
                                 basis.alias("time_basis"))
    bad_times = staged.filter(times.is_not_null() & pl.col("parsed_time").is_null()).height
    if bad_times:
        out.note(f"{bad_times:,} searchDate values could not be read as times; search_time left empty "
                 "(the text is in raw)")
    return staged.with_columns(pl.col("parsed_time").alias("search_time")).drop(
        "parsed_time", "with_zone", "zone_less_time"), assumptions


def _counts(staged: pl.DataFrame, out: SourceWriter) -> pl.DataFrame:
    for column in ("networks_searched", "devices_searched"):
        if column in staged.columns:
            odd = staged.filter(is_odd_count_expr(pl.col(column)))
            note_not_whole(out, column, odd.height, odd["source_row"].to_list())
            staged = staged.with_columns(whole_number_expr(pl.col(column)).alias(column))
    return staged


def _uses_plus(staged: pl.DataFrame) -> bool:
    """True when the file's free text writes '+' for spaces: '+' appears and no space does."""
    columns = [c for c in PLUS_DECODED_FIELDS if c in staged.columns]
    if not columns:
        return False
    text = pl.concat([staged[c].drop_nulls() for c in columns])
    return bool(text.str.contains("+", literal=True).any()) and not bool(
        text.str.contains(" ", literal=True).any())


READERS = [PortalAudit()]
