"""Flock Transparency Portal "search audit" CSVs (FORMATS.md section 2), old and new forms.

old form: ``"id","userId","searchDate","cameraCount","reason"``, zone-less ``searchDate``
(``2025-06-18 00:02:04.789``), ``+`` for spaces in reasons.
new form: ``"id","userId","searchDate","networkCount"`` then any of ``reason``, ``caseNumber``,
``offenseType``; ISO times ending in ``Z``; ``userId`` masked as ``***``.

Every field is quoted and one record is one line, so lines are checked against a strict pattern in
one vectorised pass; lines that pass are parsed together by polars. Only lines that fail (a broken
quote, a record cut short, a field holding a line break) go through a Python repair pass, which
repairs the row when the repair is unambiguous and quarantines just that row otherwise.
"""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING

from ..errors import SourceRejected
from ..schema import REDACTION_MARKERS
from ..sources import Source, name_facts
from ..store import SourceWriter
from . import Match
from .counts import is_odd_count_expr, note_not_whole, whole_number_expr

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
LEADING_HEADERS = ("id", "userId", "searchDate")
OPTIONAL_TEXT_HEADERS = ("reason", "caseNumber", "offenseType")
PLUS_DECODED_FIELDS = ("reason", "offense_type")  # free text where the old form wrote '+' for a space
_FIELD = r'(?:"(?:[^"]|"")*"|[^",]*)'
_MAX_JOINED_LINES = 5


def _header_fields(line: str) -> list[str]:
    return [h.strip().strip('"').strip() for h in line.split(",")]


def _strict_pattern(n_fields: int) -> str:
    return rf"^{_FIELD}(?:,{_FIELD}){{{n_fields - 1}}}$"


def _split_strict(line: str) -> list[str]:
    """Fields of a line (or joined lines) that matched the strict pattern."""
    return next(csv.reader(io.StringIO(line), strict=True))


def _decode(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


class PortalAudit:
    """Reader of transparency-portal search-audit CSVs."""

    name = "portal_csv"

    def sniff(self, source: Source) -> Match | None:
        head = source.head(4096)
        try:
            first = head.decode("utf-8-sig").split("\n", 1)[0].rstrip("\r")
        except UnicodeDecodeError:
            return None
        headers = _header_fields(first)
        if tuple(headers[:3]) != LEADING_HEADERS or len(headers) < 4:
            return None
        rest = headers[3:]
        if rest[0] == "cameraCount" and set(rest[1:]) <= set(OPTIONAL_TEXT_HEADERS):
            return Match(format=self.name, variant="portal-old", confidence=0.95, details={"headers": headers})
        if rest[0] == "networkCount" and set(rest[1:]) <= set(OPTIONAL_TEXT_HEADERS):
            return Match(format=self.name, variant="portal-new", confidence=0.95, details={"headers": headers})
        return None

    def read(self, source: Source, match: Match, out: SourceWriter) -> None:
        text, encoding = _decode(source.path.read_bytes())
        out.encoding = encoding
        if "\r\n" in text:
            text = text.replace("\r\n", "\n")
            out.note("lines end in CRLF (portal files use LF): read as LF")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # a trailing newline ends the last record; it is not a row
        if not lines:
            raise SourceRejected("portal search audit with no header line")
        headers = _header_fields(lines[0])
        n_fields = len(headers)
        body = pl.DataFrame({
            "line_no": pl.int_range(2, len(lines) + 1, eager=True, dtype=pl.Int64),
            "line": pl.Series(lines[1:], dtype=pl.String),
        })
        blank = body.filter(pl.col("line").str.strip_chars() == "")
        if blank.height:
            out.note(f"{blank.height:,} blank line(s) (not records) ignored, e.g. line {blank['line_no'][0]}")
        body = body.filter(pl.col("line").str.strip_chars() != "")
        out.expect_rows(body.height)
        is_strict = pl.col("line").str.contains(_strict_pattern(n_fields))
        good = body.filter(is_strict)
        bad = body.filter(~is_strict)

        frame = pl.DataFrame(schema={h: pl.String for h in headers})
        if good.height:
            frame = pl.read_csv(
                io.BytesIO(good["line"].str.join("\n").item().encode("utf-8")), has_header=False,
                new_columns=headers, infer_schema=False, quote_char='"',
            )
            if frame.height != good.height:
                raise SourceRejected(f"portal CSV parsed into {frame.height:,} rows from {good.height:,} lines; "
                                     "please report this file")
        frame = frame.with_columns(good["line_no"].alias("source_row"))
        repaired, quarantined = self._repair(bad, headers, out)
        if repaired:
            frame = pl.concat([frame, pl.DataFrame(repaired, schema={**{h: pl.String for h in headers},
                                                                     "source_row": pl.Int64}, orient="row")])
        if quarantined:
            out.add_quarantine(pl.DataFrame(quarantined, schema={"source_row": pl.Int64, "raw": pl.String,
                                                                 "reason": pl.String}, orient="row"))
        frame = frame.sort("source_row")
        self._store(source, match, frame, headers, out)

    # --- the repair pass, only for lines that failed the strict pattern ---------------------------

    def _repair(self, bad: pl.DataFrame, headers: list[str],
                out: SourceWriter) -> tuple[list[list[object]], list[list[object]]]:
        n_fields = len(headers)
        strict = re.compile(_strict_pattern(n_fields))
        repaired: list[list[object]] = []
        quarantined: list[list[object]] = []
        rows = list(bad.iter_rows())
        i = 0
        while i < len(rows):
            line_no, line = rows[i]
            # a quoted field holding a line break: join with the following failing lines
            joined_to = None
            joined = line
            for j in range(i + 1, min(i + _MAX_JOINED_LINES, len(rows))):
                if rows[j][0] != rows[j - 1][0] + 1:
                    break
                joined = joined + "\n" + rows[j][1]
                if strict.match(joined):
                    joined_to = j
                    break
            if joined_to is not None:
                repaired.append([*_split_strict(joined), line_no])
                out.note(f"line {line_no}: a quoted field holds a line break; lines {line_no}-"
                         f"{rows[joined_to][0]} read as one record")
                i = joined_to + 1
                continue
            i += 1
            fields, why = self._repair_line(line, n_fields, strict)
            if fields is not None:
                repaired.append([*fields, line_no])
                out.note(f"line {line_no}: {why}")
            else:
                quarantined.append([line_no, line, why])
        return repaired, quarantined

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

    def _store(self, source: Source, match: Match, frame: pl.DataFrame, headers: list[str],
               out: SourceWriter) -> None:
        raw = pl.struct([pl.col(h) for h in headers]).struct.json_encode().alias("raw")
        frame = frame.with_columns(raw)
        known = [h for h in headers if h in FIELD_OF_HEADER]
        unknown = [h for h in headers if h not in FIELD_OF_HEADER]
        if unknown:
            out.note(f"columns kept only in raw: {', '.join(unknown)}")
        staged = frame.select(
            [pl.col(h).alias(FIELD_OF_HEADER[h]) for h in known] + [pl.col("source_row"), pl.col("raw")]
        )
        fields = [FIELD_OF_HEADER[h] for h in known]
        markers = [m.upper() for m in REDACTION_MARKERS]

        def is_marker(column: str) -> pl.Expr:
            return pl.col(column).str.strip_chars().str.to_uppercase().is_in(markers)

        masked = [f for f in fields if staged.select(is_marker(f).any()).item()]  # most columns hold none
        staged = staged.with_columns(
            pl.concat_list([pl.when(is_marker(f)).then(pl.lit(f)).otherwise(pl.lit(None, pl.String))
                            for f in masked]).list.drop_nulls().alias("redacted")
            if masked else pl.lit([], pl.List(pl.String)).alias("redacted")
        )
        staged = staged.with_columns([
            pl.when(is_marker(f) | (pl.col(f).str.strip_chars() == "")).then(None).otherwise(pl.col(f)).alias(f)
            for f in fields
        ])
        assumptions: list[str] = []
        variant_plus = ""
        uses_plus = self._uses_plus(staged)
        if uses_plus:
            staged = staged.with_columns([pl.col(f).str.replace_all("+", " ", literal=True).str.strip_chars()
                                          for f in PLUS_DECODED_FIELDS if f in staged.columns])
            variant_plus = ", '+' decoded as spaces"
        times = pl.col("search_time")
        text = times.str.strip_chars().str.replace(r"Z$", "+00:00").str.replace("T", " ", literal=True)
        with_zone = text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f%:z", strict=False, time_unit="us", time_zone="UTC")
        zone_less = text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False, time_unit="us")
        staged = staged.with_columns(
            pl.coalesce(with_zone, zone_less.dt.replace_time_zone("UTC")).alias("parsed_time"),
            (with_zone.is_null() & zone_less.is_not_null()).alias("zone_less"),
        )
        zone_less_count = int(staged["zone_less"].sum())
        if zone_less_count:
            assumptions.insert(0, "zone-less times read as UTC")
            out.note(f"{zone_less_count:,} searchDate values carry no time zone (older portal form); they were "
                     "stored as UTC, as the portal is believed to write them. If this agency's portal wrote local "
                     "times, shift them before comparing with other logs.")
        bad_times = staged.filter(times.is_not_null() & pl.col("parsed_time").is_null()).height
        if bad_times:
            out.note(f"{bad_times:,} searchDate values could not be read as times; search_time left empty "
                     "(the text is in raw)")
        staged = staged.with_columns(pl.col("parsed_time").alias("search_time")).drop("parsed_time", "zone_less")
        for column in ("networks_searched", "devices_searched"):
            if column in staged.columns:
                as_int = whole_number_expr(pl.col(column))
                odd = staged.filter(is_odd_count_expr(pl.col(column)))
                note_not_whole(out, column, odd.height, odd["source_row"].to_list())
                staged = staged.with_columns(as_int.alias(column))
        if out.producer:
            staged = staged.with_columns(pl.lit(out.producer).alias("searcher_org"))
        out.variant = match.variant + variant_plus + (f" ({'; '.join(assumptions)})" if assumptions else "")
        named_kind = name_facts(source.name)["log_kind"]
        if out.log_kind is None or out.log_kind == named_kind:
            out.log_kind = "portal_audit"  # the content decides, unless the user chose --log-type
        out.extra["portal_form"] = match.variant
        out.add_searches(staged)

    @staticmethod
    def _uses_plus(staged: pl.DataFrame) -> bool:
        """True when the file's free text writes '+' for spaces: '+' appears and no space does."""
        columns = [c for c in PLUS_DECODED_FIELDS if c in staged.columns]
        if not columns:
            return False
        text = pl.concat([staged[c].drop_nulls() for c in columns])
        return bool(text.str.contains("+", literal=True).any()) and not bool(
            text.str.contains(" ", literal=True).any())


READERS = [PortalAudit()]
