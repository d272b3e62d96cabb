"""The ``agencies`` and ``agreements`` tables: every organisation name seen in the store (as producer or
searcher) with its classification, row counts and display name, and each ICE 287(g) agreement matched
to those names.

Built from ``(name, rows as producer, rows as searcher)`` triples (:func:`name_counts` reads them from a
DuckDB connection), the registry and the 287(g) lists kept in the store. Classification runs over the
DISTINCT names (thousands) in Python, never row by row."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import LprlogsError
from ..store import sql_literal
from . import ice287g
from .classification import Classification, classify, resolve_keys, with_ice_names
from .registry import Registry, registry_path, stored_registry, write_atomic
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


def _stamp(engine: Engine) -> dict[str, Any]:
    return {"generation": engine.store.manifest.get("generation", 0), **inputs_fingerprint(engine.store.root)}


def _stamp_path(engine: Engine) -> Path:
    return engine.store.root / "derived" / "agencies.stamp.json"


def is_fresh(engine: Engine) -> bool:
    path = _stamp_path(engine)
    if not path.exists() or not (engine.store.root / "derived" / "agencies.parquet").exists():
        return False
    try:
        return json.loads(path.read_text()) == _stamp(engine)
    except (OSError, json.JSONDecodeError):
        return False


def agency_table(engine: Engine) -> pa.Table:
    return agencies_from_counts(name_counts(engine.con), stored_registry(engine.store.root))


def _write_parquet(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.stem}.{uuid.uuid4().hex}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def build_derived(engine: Engine, force: bool = False) -> None:
    """Write derived/agencies.parquet and derived/agreements.parquet (skipped when up to date)."""
    if not force and is_fresh(engine):
        return
    derived = engine.store.root / "derived"
    agencies, agreements = build_tables(name_counts(engine.con), engine.store.root)
    _write_parquet(agencies, derived / "agencies.parquet")
    _write_parquet(agreements, derived / "agreements.parquet")
    write_atomic(_stamp_path(engine), json.dumps(_stamp(engine)).encode())


def _empty_view_sql(schema: pa.Schema) -> str:
    types = {pa.string(): "VARCHAR", pa.bool_(): "BOOLEAN", pa.int64(): "BIGINT", pa.date32(): "DATE",
             pa.float64(): "DOUBLE"}
    return "SELECT " + ", ".join(f"CAST(NULL AS {types[f.type]}) AS {f.name}" for f in schema) + " WHERE false"


def view_sql(path: Path, schema: pa.Schema, order: str) -> str:
    """The body of a view over a derived file: its rows, every column of ``schema`` (NULL where a file
    written by an older lprlogs lacks one), or no rows when the file is missing."""
    if not path.exists():
        return _empty_view_sql(schema)
    have = set(pq.read_schema(path).names)
    columns = ", ".join(f.name if f.name in have else f"CAST(NULL AS VARCHAR) AS {f.name}" for f in schema)
    return f"SELECT {columns} FROM read_parquet({sql_literal(str(path))}) ORDER BY {order}"


def register_views(engine: Engine) -> None:
    """Define the views `agencies` and `agreements` (empty until there is something to show)."""
    root = engine.store.root
    if (root / "manifest.json").exists() and not is_fresh(engine):
        try:
            build_derived(engine, force=True)
        except (OSError, LprlogsError, pa.ArrowException) as exc:
            # a read-only store, or a damaged reference file: the views show what was built last
            print(f"lprlogs: warning: agencies table not rebuilt ({exc})", file=sys.stderr)
    for view, file_name, schema, order in (
        ("agencies", "agencies.parquet", AGENCY_SCHEMA, "name"),
        ("agreements", "agreements.parquet", AGREEMENT_SCHEMA, "source_file, source_row"),
    ):
        engine.con.execute(f"CREATE OR REPLACE VIEW {view} AS {view_sql(root / 'derived' / file_name, schema, order)}"
                           ).fetchall()


def list_agencies(engine: Engine) -> tuple[list[str], list[tuple[Any, ...]]]:
    return engine.query(
        "SELECT name, state, kind, federal, school, inactive, rows_as_producer, rows_as_searcher, agency_key, "
        "classified_by FROM agencies ORDER BY rows_as_producer + rows_as_searcher DESC, name"
    )
