"""Local times without a zone (Vigilant DateTime, event-log Timestamps, Excel times): parsed, checked
against ``--tz``, converted to UTC, and the assumption said in a note."""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING

from ..errors import LprlogsError
from ..store import SourceWriter

if TYPE_CHECKING:
    import polars as pl
else:
    from ..lazy import pl


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
