"""Release formats. Each module exposes one or more readers: ``sniff(source) -> Match | None`` and
``read(source, match, out)``. Sniffing is by content, never by extension alone.

A reader hands rows to ``out`` (a ``store.SourceWriter``):
  - ``out.add_searches(table)``   a DuckDB relation, pyarrow table or polars frame with any subset of
                                  ``schema.STAGED_COLUMNS`` (missing ones become NULL)
  - ``out.add_quarantine(table)`` rows that could not be read (``schema.QUARANTINE_COLUMNS``)
  - ``out.add_side(name, table)`` other tables (events, sharing, ...) exposed as views by name
  - ``out.skip_part(part, reason)`` a sheet or section deliberately not read, with the reason
  - ``out.note(text)``            a warning or assumption the user must see (also kept in `sources`)
  - ``out.con``                   the DuckDB connection to build relations on
Raise ``errors.SourceRejected`` to refuse the whole file with a one-line reason.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..sources import Source
    from ..store import SourceWriter


@dataclass
class Match:
    """What a sniffer recognised: the format name, a variant label, and anything worth passing to read."""

    format: str
    variant: str
    confidence: float = 1.0  # the highest-confidence match wins
    details: dict[str, object] = field(default_factory=dict)


class Reader(Protocol):
    name: str

    def sniff(self, source: Source) -> Match | None: ...

    def read(self, source: Source, match: Match, out: SourceWriter) -> None: ...


# Modules holding readers, tried in this order; each defines READERS: list[Reader].
READER_MODULES = (
    "flock",
    "portal",
    "vigilant",
    "events",
    "sharing",
    "pdf",
    "other",  # must stay last: recognises documents that are not audits, to skip them with a reason
)


def _modules() -> list[object]:
    modules = []
    for module_name in READER_MODULES:
        try:
            modules.append(importlib.import_module(f"{__name__}.{module_name}"))
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{module_name}":
                continue  # format not built yet
            raise
    return modules


def all_readers() -> list[Reader]:
    readers: list[Reader] = []
    for module in _modules():
        readers.extend(module.READERS)  # type: ignore[attr-defined]
    return readers


def side_table_schemas() -> dict[str, dict[str, str]]:
    """Side tables (events, sharing...) that format modules declare in SIDE_TABLES = {name: {column: type}},
    so their views exist, empty, before any such file is ingested."""
    schemas: dict[str, dict[str, str]] = {}
    for module in _modules():
        schemas.update(getattr(module, "SIDE_TABLES", {}))
    return schemas


def detect(source: Source, readers: list[Reader] | None = None) -> tuple[Reader, Match] | None:
    """The reader whose sniffer is most confident about this file, or None."""
    best: tuple[Reader, Match] | None = None
    for reader in readers if readers is not None else all_readers():
        match = reader.sniff(source)
        if match is not None and (best is None or match.confidence > best[1].confidence):
            best = (reader, match)
    return best
