"""`lprlogs export --sqlite FILE`: every view of the store as a table of a SQLite file.

DuckDB streams each view as Arrow record batches; the standard library's sqlite3 writes them. No
DuckDB extension is loaded (nothing is downloaded at run time). Timestamps become ISO-8601 text in
UTC, lists and structs JSON text, so Datasette and spreadsheet tools read them as they are. The file
is written beside FILE and moved into place only when complete.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pyarrow as pa

from .engine import Engine
from .errors import LprlogsError
from .store.atomic import atomic_path

BATCH_ROWS = 50_000


def _sqlite_type(dtype: pa.DataType) -> str:
    if pa.types.is_integer(dtype) or pa.types.is_boolean(dtype):
        return "INTEGER"
    if pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return "REAL"
    if pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype):
        return "BLOB"
    return "TEXT"


def _select_for_sqlite(engine: Engine, view: str) -> str:
    """A SELECT over the view with timestamps as UTC text and nested values as JSON text."""
    columns = engine.views()[view]
    parts = []
    for name, dtype in columns:
        quoted = '"' + name.replace('"', '""') + '"'
        kind = dtype.upper()
        if kind.startswith("TIMESTAMP"):
            expr = f"strftime(timezone('UTC', {quoted}), '%Y-%m-%dT%H:%M:%SZ')" if "TIME ZONE" in kind \
                else f"strftime({quoted}, '%Y-%m-%dT%H:%M:%S')"
        elif kind in ("DATE", "TIME") or kind.startswith("INTERVAL"):
            expr = f"CAST({quoted} AS VARCHAR)"
        elif kind.endswith("[]") or kind.startswith(("STRUCT", "MAP", "UNION")):
            expr = f"CAST(to_json({quoted}) AS VARCHAR)"
        elif kind == "UBIGINT" or kind.startswith(("HUGEINT", "UHUGEINT")):
            expr = f"CAST({quoted} AS VARCHAR)"  # beyond SQLite's 64-bit signed integers
        elif kind.startswith("DECIMAL"):
            expr = f"CAST({quoted} AS DOUBLE)"
        else:
            expr = quoted
        parts.append(f"{expr} AS {quoted}")
    return f"SELECT {', '.join(parts)} FROM {view}"


def _write_views(engine: Engine, db: sqlite3.Connection, counts: dict[str, int]) -> None:
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    for view in sorted(engine.views()):
        if view.startswith("flag_"):
            continue  # the per-flag views are all in `flags`
        reader = engine.con.sql(_select_for_sqlite(engine, view)).to_arrow_reader(BATCH_ROWS)
        schema = reader.schema
        columns = ", ".join('"' + f.name.replace('"', '""') + '" ' + _sqlite_type(f.type) for f in schema)
        db.execute(f'CREATE TABLE "{view}" ({columns})')
        insert = f'INSERT INTO "{view}" VALUES ({", ".join("?" * len(schema))})'
        total = 0
        for batch in reader:
            rows = list(zip(*(col.to_pylist() for col in batch.columns), strict=True)) if batch.num_rows else []
            db.executemany(insert, rows)
            total += batch.num_rows
        counts[view] = total
        db.commit()
    db.execute("CREATE TABLE _lprlogs_export (key TEXT, value TEXT)")
    db.executemany("INSERT INTO _lprlogs_export VALUES (?, ?)", [
        ("store", str(engine.store.root)), ("redacted", json.dumps(engine.redact)),
        ("tables", json.dumps(counts)),
    ])
    db.commit()


def export_sqlite(engine: Engine, target: Path) -> dict[str, int]:
    """Write every public view (not the internal _ ones) to ``target`` (whole or not at all); returns rows per
    table."""
    if target.exists() and target.is_dir():
        raise LprlogsError("the SQLite target is a folder", path=str(target), hint="give a file, e.g. lprlogs.sqlite")
    counts: dict[str, int] = {}
    with atomic_path(target) as tmp:
        db = sqlite3.connect(tmp)
        try:
            _write_views(engine, db, counts)
        finally:
            db.close()
    return counts
