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
    kinds: tuple[str, ...]  # the log kinds it reads

    def sniff(self, source: Source) -> Match | None: ...

    def read(self, source: Source, match: Match, out: SourceWriter) -> None: ...


FLOCK_AUDIT_KINDS = ("network_audit", "org_audit", "federal_audit")
AUDIT_KINDS = (*FLOCK_AUDIT_KINDS, "portal_audit", "vigilant_audit")
KIND_NAMES = {"network_audit": "a Flock network audit", "org_audit": "a Flock organization audit",
              "federal_audit": "a Flock federal-user audit", "portal_audit": "a transparency-portal search audit",
              "vigilant_audit": "a Vigilant audit", "event_log": "a Flock event log", "sharing": "a sharing list"}

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
    """The reader whose sniffer is most confident about this file, or None. A log kind the user gave
    (--log-type) picks among the readers that recognised the file; when none can read it as that kind,
    the file is skipped saying so, instead of the option being ignored."""
    found: list[tuple[Reader, Match]] = []
    for reader in readers if readers is not None else all_readers():
        match = reader.sniff(source)
        if match is not None:
            found.append((reader, match))
    if not found:
        return None
    found.sort(key=lambda pair: -pair[1].confidence)  # stable: the first module wins a tie
    best = found[0]
    given = _given_kind(source)
    if given is None or _reads_as(best, given):
        return best
    able = [pair for pair in found if _reads_as(pair, given)]
    if able:
        return able[0]
    reader, match = best
    if given in AUDIT_KINDS and (not reader.kinds or not match.details.get("skip")):
        return best  # a letter, an ICE list, an event log in a release given --log-type for its audits
    what = (str(match.details.get("reason")) if match.details.get("skip") or match.details.get("reason")
            else f"it reads as {KIND_NAMES.get(next(iter(reader.kinds), ''), match.format)} ({match.variant})")
    return reader, Match(format=match.format, variant=match.variant, confidence=match.confidence, details={
        "skip": True, "reason": f"--log-type {given} was given, but this file cannot be read as "
                                f"{KIND_NAMES.get(given, given)}: {what}; re-run without --log-type (or with the "
                                "kind it is) to read it"})


def _given_kind(source: Source) -> str | None:
    """The log kind the user gave with --log-type (not the one a file name suggests), or None."""
    from ..sources import name_facts

    kind = getattr(source, "log_kind", None)
    if kind is None or kind == name_facts(source.display_path)["log_kind"]:
        return None
    return str(kind)


def _reads_as(pair: tuple[Reader, Match], kind: str) -> bool:
    """True when the matched reader can read the file as ``kind`` (any audit kind for an audit reader)."""
    reader, match = pair
    if match.details.get("skip") or match.details.get("problem"):
        return False
    kinds = getattr(reader, "kinds", ())
    return kind in kinds or (kind in AUDIT_KINDS and bool(set(kinds) & set(AUDIT_KINDS)))
