"""`lprlogs export --sqlite FILE`: every view of the store as a table of a SQLite file.

DuckDB streams each view as Arrow record batches; the standard library's sqlite3 writes them. No
DuckDB extension is loaded (nothing is downloaded at run time). Timestamps become ISO-8601 text in
UTC, lists and structs JSON text, so Datasette and spreadsheet tools read them as they are. The file
is written beside FILE and moved into place only when complete.

For Datasette: primary and foreign keys (a flag links to its search), indexes on the columns people filter
by, full-text search over reasons and prompts (FTS5, which Datasette finds by itself), and a metadata file
(``FILE.metadata.json``) describing each table and column (from queries/metadata/views.csv), the source
files and the method; the export's own bookkeeping table is hidden.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import pyarrow as pa

from .engine import Engine, queries_dir
from .errors import LprlogsError
from .store.atomic import atomic_path, atomic_write

BATCH_ROWS = 50_000
# (view, columns) declared as keys and indexes; the search_key of a flag links to its search
PRIMARY_KEYS = {"searches": "search_key"}
FOREIGN_KEYS = {"flags": ("search_key", "searches", "search_key")}
INDEXES = {
    "searches": ("producer", "searcher_org", "search_time", "log_kind", "source_file", "search_id", "search_uid"),
    "flags": ("flag", "search_key"),
    "sources": ("sha256", "producer", "status"),
    "quarantine": ("source_sha256",),
    "agencies": ("name", "agency_key", "state"),
}
FULL_TEXT = {"searches": ("reason", "text_prompt", "case_number"), "events": ("reason",)}
BOOKKEEPING = "_lprlogs_export"


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


def _table_sql(view: str, schema: Any, present: set[str]) -> str:
    columns = ['"' + f.name.replace('"', '""') + '" ' + _sqlite_type(f.type) for f in schema]
    names = {f.name for f in schema}
    if PRIMARY_KEYS.get(view) in names:
        columns.append(f'PRIMARY KEY ("{PRIMARY_KEYS[view]}")')
    if view in FOREIGN_KEYS and FOREIGN_KEYS[view][1] in present and FOREIGN_KEYS[view][0] in names:
        column, parent, parent_column = FOREIGN_KEYS[view]
        columns.append(f'FOREIGN KEY ("{column}") REFERENCES "{parent}" ("{parent_column}")')
    return f'CREATE TABLE "{view}" ({", ".join(columns)})'


def _index_and_search(db: sqlite3.Connection, view: str, names: set[str]) -> None:
    for column in INDEXES.get(view, ()):
        if column in names:
            db.execute(f'CREATE INDEX "idx_{view}_{column}" ON "{view}" ("{column}")')
    text = [c for c in FULL_TEXT.get(view, ()) if c in names]
    if text:
        listing = ", ".join(f'"{c}"' for c in text)
        db.execute(f'CREATE VIRTUAL TABLE "{view}_fts" USING fts5({listing}, content="{view}")')
        db.execute(f'INSERT INTO "{view}_fts" ("{view}_fts") VALUES (\'rebuild\')')


def view_docs() -> dict[str, dict[str, str]]:
    """queries/metadata/views.csv: each view's description (key '') and its columns' descriptions."""
    docs: dict[str, dict[str, str]] = {}
    with open(queries_dir() / "metadata" / "views.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            docs.setdefault(row["view"], {})[row["column"]] = row["description"]
    return docs


def datasette_metadata(engine: Engine, database: str, counts: dict[str, int]) -> dict[str, Any]:
    """Datasette's metadata: titles and descriptions of each table and column, the sources, the method."""
    docs = view_docs()
    files = engine.con.execute("SELECT count(*) FROM sources WHERE status = 'ingested'").fetchone()
    tables: dict[str, Any] = {BOOKKEEPING: {"hidden": True}}
    for view in counts:
        described = docs.get(view, {})
        table: dict[str, Any] = {"description": described.get("", "")}
        columns = {c: d for c, d in described.items() if c}
        if columns:
            table["columns"] = columns
        if view in FULL_TEXT:
            table["fts_table"] = f"{view}_fts"
        tables[view] = table
    return {
        "title": "lprlogs: license-plate-reader audit logs",
        "description": (f"Audit-log releases read by lprlogs ({files[0] if files else 0} files; every row cites its "
                        "file and row). Counting rules, flags and their limits: docs/methodology.md and "
                        "docs/flags.md in lprlogs. Times are UTC unless time_basis says otherwise."
                        + (" Redacted export: plates and officers pseudonymised." if engine.redact else "")),
        "source": "public-records releases (see the sources table)",
        "databases": {database: {"tables": tables}},
    }


def _write_tables(engine: Engine, db: sqlite3.Connection) -> dict[str, int]:
    """Every public view as a table of ``db``, with its keys, indexes and full-text index; rows per table."""
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    counts: dict[str, int] = {}
    views = sorted(v for v in engine.views() if not v.startswith("flag_"))  # per-flag views: all in `flags`
    for view in views:
        reader = engine.con.sql(_select_for_sqlite(engine, view)).to_arrow_reader(BATCH_ROWS)
        schema = reader.schema
        db.execute(_table_sql(view, schema, set(views)))
        insert = f'INSERT INTO "{view}" VALUES ({", ".join("?" * len(schema))})'
        total = 0
        for batch in reader:
            rows = list(zip(*(col.to_pylist() for col in batch.columns), strict=True)) if batch.num_rows else []
            db.executemany(insert, rows)
            total += batch.num_rows
        counts[view] = total
        _index_and_search(db, view, {f.name for f in schema})
        db.commit()
    db.execute(f"CREATE TABLE {BOOKKEEPING} (key TEXT, value TEXT)")
    db.executemany(f"INSERT INTO {BOOKKEEPING} VALUES (?, ?)", [
        ("store", engine.store.root.name), ("redacted", json.dumps(engine.redact)), ("tables", json.dumps(counts)),
    ])
    db.commit()
    return counts


def export_sqlite(engine: Engine, target: Path, metadata: Path | None = None) -> dict[str, int]:
    """Write every public view (not the internal _ ones) to ``target`` and Datasette's metadata beside it
    (or to ``metadata``); returns rows per table. Both files appear whole or not at all."""
    if target.exists() and target.is_dir():
        raise LprlogsError("the SQLite target is a folder", path=str(target), hint="give a file, e.g. lprlogs.sqlite")
    with atomic_path(target) as tmp:
        db = sqlite3.connect(tmp)
        try:
            counts = _write_tables(engine, db)
        finally:
            db.close()
    meta = metadata or target.with_name(target.stem + ".metadata.json")
    atomic_write(meta, json.dumps(datasette_metadata(engine, target.stem, counts), indent=2, ensure_ascii=False)
                 + "\n")
    return counts
