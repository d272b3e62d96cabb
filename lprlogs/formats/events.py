"""Flock event logs (hotlist and settings changes; FORMATS.md section 3) into the ``events`` view.

Columns ``[Event Id,] Timestamp, User, Event Type, Entity Type, Entity Details``, as a workbook or a
CSV. One ``events`` row per spreadsheet row: rows the agency blanked out are kept (so row numbers stay
citable) with ``redacted = true`` and counted as blanked, not as errors. ``Entity Details`` is
multi-line ``Label: value`` text; its labels are parsed in DuckDB into columns (hotlist name, plate,
state, reason, case, expiry) and a JSON object of every label. Timestamps are Excel times without a
zone: converted with ``--tz`` like Vigilant times, or stored as UTC with a note saying so.

Event logs hold no searches: nothing goes to ``searches``; the source's counts of events stored and
rows blanked are in its notes and in ``extra``.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ..schema import REDACTION_MARKERS
from ..sources import Source
from ..sqltext import sql_literal
from ..store import SourceWriter
from ..timezones import ZoneChoice
from . import Match
from .columns import note_extra_columns, refuse_wide, unique_headers
from .localtime import check_tz, localize, parse_local_times, reader_zone, tz_note
from .workbook import find_head, load_sheet, norm_header, note_title_rows, read_csv_cells, sheet_heads

if TYPE_CHECKING:
    import polars as pl
else:
    from ..lazy import pl

SIDE_TABLES: dict[str, dict[str, str]] = {
    "events": {
        "event_id": "VARCHAR", "event_time": "TIMESTAMPTZ", "user": "VARCHAR", "event_type": "VARCHAR",
        "entity_type": "VARCHAR", "details_raw": "VARCHAR", "hotlist_name": "VARCHAR", "plate": "VARCHAR",
        "plate_state": "VARCHAR", "reason": "VARCHAR", "case_number": "VARCHAR", "expiry": "TIMESTAMPTZ",
        "expiry_text": "VARCHAR", "details": "VARCHAR", "source_sheet": "VARCHAR", "source_row": "BIGINT",
        "redacted": "BOOLEAN", "raw": "VARCHAR", "time_basis": "VARCHAR",
    },
}

COLUMN_OF_HEADER = {
    "event id": "event_id",
    "timestamp": "event_time",
    "user": "user",
    "event type": "event_type",
    "entity type": "entity_type",
    "entity details": "details_raw",
}
REQUIRED_HEADERS = {"timestamp", "user", "event type", "entity type", "entity details"}


def _is_event_head(cells: list[object]) -> bool:
    headers = {norm_header(v) for v in cells if v is not None}
    return REQUIRED_HEADERS <= headers <= set(COLUMN_OF_HEADER)


class EventLog:
    """Reader of Flock event logs (workbook or CSV)."""

    name = "flock_event_log"
    kinds = ("event_log",)  # the log kinds it reads (formats.detect checks --log-type against them)

    def sniff(self, source: Source) -> Match | None:
        found = find_head(source, _is_event_head)
        if found is None:
            return None
        kind, sheets = found
        return Match(format=self.name, variant=f"event-log ({kind})", confidence=0.95, details={"sheets": sheets})

    def read(self, source: Source, match: Match, out: SourceWriter) -> None:
        check_tz(source.tz, source.display_path)
        out.log_kind = "event_log" if out.log_kind in (None, "org_audit", "network_audit") else out.log_kind
        zone = reader_zone(source, out)
        suffix = tz_note(out, "event Timestamp values", zone)
        sheets = dict(match.details.get("sheets", {}))  # type: ignore[call-overload]
        stored = blanked = 0
        if sheets:
            for sheet, rows in sheet_heads(source).items():
                if sheet not in sheets:
                    out.skip_part(sheet, "empty sheet" if not rows else
                                  "not an event table (no Timestamp/User/Event Type/Entity Type/Entity Details header)")
                    continue
                note_title_rows(out, sheet, rows, sheets[sheet])
                frame, first_row = load_sheet(source, sheet, dtypes="string", skip=sheets[sheet])
                typed, _ = load_sheet(source, sheet, dtypes=None, skip=sheets[sheet])
                count, blank = self._read_table(source, out, sheet, frame, typed, first_row, zone)
                stored, blanked = stored + count, blanked + blank
        else:
            frame = read_csv_cells(source, "event-log", out)
            count, blank = self._read_table(source, out, None, frame, frame, 1, zone)
            stored, blanked = stored + count, blanked + blank
        out.variant = match.variant + suffix
        out.note(f"{stored:,} event rows in the `events` view ({stored - blanked:,} events, {blanked:,} rows "
                 "blanked by the agency, kept with redacted = true); event logs add nothing to `searches`")
        out.extra.update({"events_rows": stored, "events_blanked": blanked})

    def _read_table(self, source: Source, out: SourceWriter, sheet: str | None, frame: pl.DataFrame,
                    typed: pl.DataFrame, first_row: int, zone: ZoneChoice) -> tuple[int, int]:
        refuse_wide(frame.width, f"sheet {sheet!r}" if sheet else "the header")
        header_texts = unique_headers([str(v) if v is not None else "" for v in frame.row(0)])
        columns: dict[str, int] = {}
        for i, h in enumerate(header_texts):
            if norm_header(h) in COLUMN_OF_HEADER:
                columns.setdefault(COLUMN_OF_HEADER[norm_header(h)], i)
        note_extra_columns(out, [h for i, h in enumerate(header_texts) if i not in columns.values()],
                           "an event log", f"sheet {sheet!r}" if sheet else None)
        body = frame.slice(1)
        cells = {name: body[:, i] for name, i in columns.items()}
        staged = pl.DataFrame({
            "source_row": pl.int_range(first_row + 1, first_row + frame.height, eager=True, dtype=pl.Int64),
            **{name: cells[name].str.strip_chars() for name in cells if name != "event_time"},
            "event_local": parse_local_times(typed[:, columns["event_time"]].slice(1)),
            "time_text": cells["event_time"],
        })
        raw = pl.struct([body[:, i].alias(h) for i, h in enumerate(header_texts)]).struct.json_encode()
        staged = staged.with_columns(raw.alias("raw"))
        texts = [c for c in staged.columns if c not in ("source_row", "event_local", "raw")]
        markers = [m.upper() for m in REDACTION_MARKERS]
        staged = staged.with_columns(
            pl.all_horizontal([pl.col(c).is_null() | (pl.col(c) == "") for c in texts]).alias("blank"),
            pl.any_horizontal([pl.col(c).str.to_uppercase().is_in(markers) for c in texts]).fill_null(False)
            .alias("masked"),
        ).with_columns(localize(pl.col("event_local"), zone.zone).alias("event_time")).drop("event_local")
        blanked = int(staged["blank"].sum())
        out.rows_redacted_blank += blanked
        name = f"_events_{uuid.uuid4().hex[:8]}"
        out.con.register(name, staged)
        try:
            relation = out.con.sql(self._parse_sql(name, sheet, "event_id" in staged.columns, zone.basis))
            count = out.add_side("events", relation)
        finally:
            out.con.unregister(name)
        unread = staged.filter(~pl.col("blank") & pl.col("event_time").is_null()).height
        if unread:
            out.note(f"{unread:,} event Timestamp values could not be read; event_time left empty (text in raw)")
        return count, blanked

    @staticmethod
    def _parse_sql(name: str, sheet: str | None, has_id: bool, basis: str) -> str:
        """Split Entity Details into (label, value) lines and pivot the labels reporters look for."""
        def label(*names: str) -> str:
            wanted = ", ".join(sql_literal(n.lower()) for n in names)
            return f"max(value) FILTER (WHERE lower(label) IN ({wanted}))"

        return f"""
        WITH lines AS (
            SELECT source_row, unnest(string_split(details_raw, chr(10))) AS line,
                   generate_subscripts(string_split(details_raw, chr(10)), 1) AS pos
            FROM {name} WHERE details_raw IS NOT NULL
        ), labelled AS (
            SELECT source_row, pos,
                   CASE WHEN strpos(line, ':') > 0 THEN trim(split_part(line, ':', 1)) ELSE '(unlabelled)' END AS label,
                   nullif(trim(CASE WHEN strpos(line, ':') > 0 THEN line[strpos(line, ':') + 1:] ELSE line END), '')
                       AS value
            FROM lines WHERE trim(line) <> ''
        ), parsed AS (
            SELECT source_row,
                   coalesce({label('Hotlist Name')}, {label('Name')}) AS hotlist_name,
                   {label('License', 'Plate', 'License Plate')} AS plate,
                   {label('State')} AS plate_state,
                   {label('Reason')} AS reason,
                   {label('Case', 'Case Number', 'Case #')} AS case_number,
                   {label('Expiry', 'Expires', 'Expiration')} AS expiry_text,
                   json_group_object(label, value) AS details
            FROM labelled GROUP BY source_row
        )
        SELECT {'e.event_id' if has_id else 'CAST(NULL AS VARCHAR)'} AS event_id,
               e.event_time, nullif(e."user", '') AS "user", nullif(e.event_type, '') AS event_type,
               nullif(e.entity_type, '') AS entity_type, e.details_raw,
               p.hotlist_name, p.plate, p.plate_state, p.reason, p.case_number,
               CAST(try_strptime(replace(p.expiry_text, 'Z', ''),
                                 ['%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S']) AS TIMESTAMP) AT TIME ZONE 'UTC'
                   AS expiry,
               p.expiry_text, p.details,
               {sql_literal(sheet)} AS source_sheet, e.source_row, (e.blank OR e.masked) AS redacted, e.raw,
               {sql_literal(basis)} AS time_basis
        FROM {name} e LEFT JOIN parsed p USING (source_row)
        ORDER BY e.source_row
        """


READERS = [EventLog()]
