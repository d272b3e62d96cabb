"""The manifest's entries, typed: one ``SourceEntry`` per file seen (ingested, skipped or rejected) and one
``BatchEntry`` per ingest run. The manifest keeps them as JSON objects; the ``sources`` and ``batches``
views read them through ``view_table``, whose Arrow schema is derived from these classes.

Names: ``rows_blanked`` (rows the agency blanked out entirely) and ``other_tables`` (rows written to each
side table) are the names everywhere; manifests written before keep ``side_rows`` and ``side_tables``,
which are still read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import StoreDamaged

MANIFEST_VERSION = 1


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _typed(entry: Any, data: dict[str, Any]) -> Any:
    """``entry`` (a dataclass of defaults) with the values of ``data`` that have its fields' types."""
    for f in dataclasses.fields(entry):
        value = data.get(f.name)
        if f.type.startswith("int"):
            value = _int(value)
        elif f.type.startswith("str"):
            value = _text(value)
        elif not isinstance(value, type(getattr(entry, f.name))):
            value = None
        if value is not None:
            setattr(entry, f.name, value)
    return entry


def _view(render: str = "") -> dict[str, Any]:
    """Field metadata: how a field is shown in its view ('' as it is, 'join' a list joined, 'pairs' a dict as
    'k: v, ...', 'parts' the skipped parts); fields without it are not shown."""
    return {"view": render}


@dataclass
class SourceEntry:
    """One file the store has seen, as the manifest records it."""

    path: str | None = field(default=None, metadata=_view())
    parent: str | None = field(default=None, metadata=_view())
    sha256: str | None = field(default=None, metadata=_view())
    size: int | None = field(default=None, metadata=_view())
    format: str | None = field(default=None, metadata=_view())
    variant: str | None = field(default=None, metadata=_view())
    encoding: str | None = field(default=None, metadata=_view())
    producer: str | None = field(default=None, metadata=_view())
    producer_from: str | None = field(default=None, metadata=_view())
    log_kind: str | None = field(default=None, metadata=_view())
    status: str | None = field(default=None, metadata=_view())
    reason: str | None = field(default=None, metadata=_view())
    rows_read: int = field(default=0, metadata=_view())
    rows_stored: int = field(default=0, metadata=_view())
    rows_quarantined: int = field(default=0, metadata=_view())
    rows_blanked: int = field(default=0, metadata=_view())
    parts_skipped: list[dict[str, str]] = field(default_factory=list, metadata=_view("parts"))
    notes: list[str] = field(default_factory=list, metadata=_view("join"))
    other_tables: dict[str, int] = field(default_factory=dict, metadata=_view("pairs"))
    extra: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Any] = field(default_factory=dict)
    batch_id: int | None = field(default=None, metadata=_view())
    seq: int = 0
    ingested_at: str | None = field(default=None, metadata=_view())
    time_basis: str | None = field(default=None, metadata=_view())  # how its times were read (timezones.py)
    local_zone: str | None = field(default=None, metadata=_view())  # the producer's zone, when known

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceEntry:
        """An entry as stored (older names read too); values of the wrong type become empty."""
        if data.get("other_tables") is None and data.get("side_rows") is not None:
            data = {**data, "other_tables": data["side_rows"]}
        return _typed(cls(), data)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def view_row(self) -> dict[str, Any]:
        row = {}
        for f in dataclasses.fields(self):
            if "view" not in f.metadata:
                continue
            value = getattr(self, f.name)
            render = f.metadata["view"]
            if render == "join":
                value = " | ".join(str(v) for v in value)
            elif render == "pairs":
                value = ", ".join(f"{k}: {v}" for k, v in sorted(value.items()))
            elif render == "parts":
                value = "; ".join(f"{p.get('part')}: {p.get('reason')}" for p in value if isinstance(p, dict))
            row[f.name] = value
        return row


@dataclass
class BatchEntry:
    """One ingest run."""

    id: int = field(default=0, metadata={"view": "", "column": "batch_id"})
    started_at: str | None = field(default=None, metadata=_view())
    finished_at: str | None = field(default=None, metadata=_view())
    paths: list[str] = field(default_factory=list, metadata={"view": "words"})
    files_ingested: int = field(default=0, metadata=_view())
    files_skipped: int = field(default=0, metadata=_view())
    files_already: int = field(default=0, metadata=_view())
    files_rejected: int = field(default=0, metadata=_view())
    rows_stored: int = field(default=0, metadata=_view())
    rows_quarantined: int = field(default=0, metadata=_view())
    interrupted: bool = field(default=False, metadata=_view())  # stopped by Ctrl-C or a full disk

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BatchEntry:
        return _typed(cls(), data)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def view_row(self) -> dict[str, Any]:
        return {f.metadata.get("column", f.name): (" ".join(map(str, self.paths)) if f.name == "paths"
                                                    else getattr(self, f.name))
                for f in dataclasses.fields(self)}


def view_schema(cls: type[SourceEntry] | type[BatchEntry]) -> pa.Schema:
    """The Arrow schema of ``cls``'s view rows: whole numbers as int64, everything else as text."""
    def arrow_type(f: dataclasses.Field[Any]) -> pa.DataType:
        return pa.int64() if f.type.startswith("int") else pa.bool_() if f.type == "bool" else pa.string()

    return pa.schema([(f.metadata.get("column", f.name), arrow_type(f))
                      for f in dataclasses.fields(cls) if "view" in f.metadata])


def view_table(entries: list[dict[str, Any]], cls: type[SourceEntry] | type[BatchEntry]) -> pa.Table:
    return pa.Table.from_pylist([cls.from_dict(e).view_row() for e in entries], schema=view_schema(cls))


def empty_manifest() -> dict[str, Any]:
    return {"version": MANIFEST_VERSION, "generation": 0, "sources": [], "batches": [], "settings": {}}


def check_manifest(data: Any, path: Path) -> dict[str, Any]:
    """``data`` (parsed manifest.json) if it has the manifest's shape; else StoreDamaged saying what is wrong."""
    problem = None
    if not isinstance(data, dict):
        problem = f"it holds a JSON {type(data).__name__}, not an object"
    else:
        for key in ("sources", "batches"):
            value = data.get(key)
            if not isinstance(value, list):
                problem = f"'{key}' is {'missing' if value is None else 'not a list'}"
                break
            if not all(isinstance(item, dict) for item in value):
                problem = f"an entry of '{key}' is not an object"
                break
        else:
            if not isinstance(data.get("generation", 0), int) or not isinstance(data.get("settings", {}), dict):
                problem = "'generation' or 'settings' has the wrong type"
    if problem:
        raise StoreDamaged(f"the store's manifest is damaged: {problem}", path=str(path),
                           hint="restore manifest.json from a backup, or ingest the releases again into a new store "
                                "(the manifest is the store's index; lprlogs rebuild cannot recreate it)")
    return data
