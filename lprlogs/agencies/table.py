"""The ``agencies`` and ``agreements`` tables: every organisation name seen in the store (as producer or
searcher) with its classification, row counts and display name, and each ICE 287(g) agreement matched
to those names.

Built from ``(name, rows as producer, rows as searcher)`` triples (:func:`name_counts` reads them from a
DuckDB connection), the registry and the 287(g) lists kept in the store. Classification runs over the
DISTINCT names (thousands) in Python, never row by row."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from . import ice287g
from .classification import Classification, classify, resolve_keys, with_ice_names
from .registry import Registry, registry_path, stored_registry
from .rules import Rules

if TYPE_CHECKING:
    from ..engine import Engine

AGENCY_SCHEMA = pa.schema([
    ("name", pa.string()), ("normalized", pa.string()), ("agency_key", pa.string()), ("state", pa.string()),
    ("kind", pa.string()), ("federal", pa.bool_()), ("school", pa.bool_()), ("inactive", pa.bool_()),
    ("rows_as_producer", pa.int64()), ("rows_as_searcher", pa.int64()), ("classified_by", pa.string()),
    ("state_from", pa.string()), ("place", pa.string()), ("display_name", pa.string()),
    ("display_from", pa.string()),
])
AGREEMENT_SCHEMA = ice287g.AGREEMENT_SCHEMA
NAME_COUNTS_SQL = (
    "SELECT name, sum(p)::BIGINT, sum(s)::BIGINT FROM ("
    " SELECT producer AS name, count(*) AS p, 0 AS s FROM {rows} WHERE producer IS NOT NULL GROUP BY 1"
    " UNION ALL"
    " SELECT searcher_org, 0, count(*) FROM {rows} WHERE searcher_org IS NOT NULL GROUP BY 1"
    ") GROUP BY name ORDER BY name"
)


def name_counts(con: duckdb.DuckDBPyConnection, rows: str = "_searches_stored") -> list[tuple[str, int, int]]:
    """(name, rows as producer, rows as searcher) for every organisation name in ``rows`` (a view or table
    with ``producer`` and ``searcher_org``)."""
    return [tuple(r) for r in con.execute(NAME_COUNTS_SQL.format(rows=rows)).fetchall()]


def _table(found: list[Classification], rows: list[tuple[str, int, int]]) -> pa.Table:
    return pa.Table.from_pylist([
        {"name": c.name, "normalized": c.normalized, "agency_key": c.agency_key, "state": c.state, "kind": c.kind,
         "federal": c.federal, "school": c.school, "inactive": c.inactive, "rows_as_producer": p,
         "rows_as_searcher": s, "classified_by": c.classified_by, "state_from": c.state_from, "place": c.place,
         "display_name": c.display_name, "display_from": c.display_from}
        for c, (_, p, s) in zip(found, rows, strict=True)
    ], schema=AGENCY_SCHEMA)


def agencies_from_counts(rows: list[tuple[str, int, int]], registry: Registry | None,
                         ice_names: dict[str, str] | None = None) -> pa.Table:
    """The agencies table for (name, rows as producer, rows as searcher) triples; ``ice_names``
    (agency_key -> ICE's name) gives matched agencies ICE's name as their display name."""
    found = resolve_keys([classify(name, registry) for name, _, _ in rows])
    return _table([with_ice_names(c, ice_names) for c in found], rows)


def build_tables(rows: list[tuple[str, int, int]], store_root: Path) -> tuple[pa.Table, pa.Table]:
    """The agencies and agreements tables of a store whose names and counts are ``rows``, with the
    registry and the 287(g) lists kept in the store."""
    registry = stored_registry(store_root)
    agencies = agencies_from_counts(rows, registry)
    agreements = ice287g.agreements_table(store_root, agencies)
    names = ice287g.ice_names(agreements)
    if names:
        agencies = agencies_from_counts(rows, registry, names)
    return agencies, agreements


def inputs_fingerprint(store_root: Path) -> dict[str, str]:
    """What the two tables depend on besides the stored rows: the rule tables, the registry and the lists."""
    path = registry_path(store_root)
    registry_sha = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
    return {"rules": Rules.load().fingerprint, "registry": registry_sha,
            "lists": ice287g.list_fingerprint(store_root)}


# --- engine hooks (the derived files and the views over them) ----------------------------------------


def list_agencies(engine: Engine) -> tuple[list[str], list[tuple[Any, ...]]]:
    return engine.query(
        "SELECT name, state, kind, federal, school, inactive, rows_as_producer, rows_as_searcher, agency_key, "
        "classified_by FROM agencies ORDER BY rows_as_producer + rows_as_searcher DESC, name"
    )
