"""Which time zone a producer's zone-less local times are in, and how that was decided.

Flock exports write their times in UTC. Vigilant audits, old-form portal CSVs and event logs write local
times with no zone. Each producer gets a zone: ``--tz`` when given, else the registry's, else its state's
when the state keeps one zone (``queries/agencies/state_zones.csv``, each row with a why). A producer in a
state of several zones, a tribal agency, or one with no readable state gets none: its local times are
stored as written and marked ``local, zone unknown`` in every output, never called UTC.
"""

from __future__ import annotations

import csv
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

from .errors import LprlogsError
from .paths import queries_dir
from .schema import UNKNOWN_BASIS, UTC_BASIS  # noqa: F401  (the values live with the columns)


@dataclass(frozen=True)
class ZoneChoice:
    """A zone for local times (or None) and how it was chosen, e.g. ``state CA keeps one zone``."""

    zone: str | None
    how: str

    @property
    def basis(self) -> str:
        """The ``time_basis`` of a local time read with this choice."""
        if self.zone is None:
            return UNKNOWN_BASIS
        return f"local, converted from {self.zone} ({self.how})"


def check_zone(zone: str, where: str | None = None) -> str:
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise LprlogsError(f"unknown time zone {zone!r}", path=where,
                           hint="an IANA name such as America/Los_Angeles, America/Chicago or UTC") from exc
    return zone


@lru_cache(maxsize=1)
def state_zones() -> dict[str, str]:
    """State code -> its one zone; states of several zones are left out."""
    path = queries_dir() / "agencies" / "state_zones.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        return {row["state"]: row["zone"] for row in csv.DictReader(fh) if row["zone"]}


def choose_zone(*, given: str | None, registry_zone: str | None, state: str | None,
                kind: str | None = None) -> ZoneChoice:
    """The zone of a producer's local times: --tz, else the registry's, else its state's single zone."""
    if given:
        return ZoneChoice(given, "--tz")
    if registry_zone:
        return ZoneChoice(registry_zone, "registry")
    if state and kind != "tribal" and state in state_zones():
        return ZoneChoice(state_zones()[state], f"state {state} keeps one zone")
    if state and kind != "tribal":
        return ZoneChoice(None, f"state {state} has several zones: give --tz or a registry zone")
    return ZoneChoice(None, "no state known for the producer: give --tz or a registry zone")
