"""Local times without a zone (Vigilant DateTime, event-log Timestamps, old-form portal searchDate): parsed,
converted to UTC from the producer's zone (lprlogs/timezones.py: --tz, the registry, or the state's one
zone), and how they were read set as the writer's ``time_basis`` and said in a note. With no zone known they
are stored as written and marked ``local, zone unknown``: never called UTC."""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING

from ..agencies import stored_registry
from ..agencies.classification import producer_zone
from ..errors import LprlogsError
from ..sources import Source
from ..store import SourceWriter
from ..timezones import ZoneChoice

if TYPE_CHECKING:
    import polars as pl
else:
    from ..lazy import pl


def reader_zone(source: Source, out: SourceWriter) -> ZoneChoice:
    """The zone of the local times being read: the producer's as found when the file was listed, chosen
    again when the reader named another producer (a Vigilant workbook names its agency inside)."""
    if source.zone is not None and out.producer == source.producer:
        return source.zone
    return producer_zone(out.producer, given=source.tz, registry=stored_registry(out.store.root))


def localize(times: pl.Expr, tz: str | None) -> pl.Expr:
    """Zone-less local times -> UTC instants, in ``tz`` (stored as written, as if UTC, when ``tz`` is None:
    the row's time_basis then says the zone is unknown)."""
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


def tz_note(out: SourceWriter, what: str, zone: ZoneChoice) -> str:
    """Set how the local times were read (the writer's time_basis, before rows are added) and say it in a
    note; returns the variant suffix."""
    out.time_basis = zone.basis
    out.local_zone = zone.zone
    if zone.zone is None:
        out.note(f"{what} are local times without a zone, and the producer's zone is not known ({zone.how}): "
                 "they are stored as written and marked 'local, zone unknown' (time_basis), never as UTC. "
                 "Fix: re-run with --force --tz America/Chicago (the agency's zone), or give the zone in the registry.")
        return " (local times, zone unknown)"
    out.note(f"{what} are local times without a zone: read in {zone.zone} ({zone.how}) and converted to UTC")
    return f" (local times in {zone.zone}, converted to UTC)"
