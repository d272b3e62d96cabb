"""Derived data: tables computed from the stored rows and reference lists, kept under ``derived/`` only to
make reading fast. Never the truth: deleting derived/ loses nothing.

Writers build it (``rebuild``: at the end of an ingest, after `agencies load-*`, and `lprlogs rebuild`), under
the store's writer lock. Readers never write: ``DerivedState.load`` tells them which derived files are
current for the manifest they read, and they compute the rest in memory (``Engine``).

One stamp, ``derived/stamp.json``, says what derived/ was built from (the manifest generation, the agency
rules, registry and 287(g) lists) and names every file it holds with its size, so that a file deleted or
truncated since is seen and computed again instead of silently read as empty. Files are named per build
and never rewritten; a writer retires the files of the build before and deletes them only after
``GRACE_SECONDS`` (a reader that read the old stamp may still be reading them).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from .. import agencies
from ..errors import StoreDamaged
from ..memory import duckdb_limit
from ..store import Store, packs, parquet_problem, sql_literal
from ..store.atomic import atomic_path, atomic_write
from . import report_tables

if TYPE_CHECKING:
    from . import Engine

STAMP_VERSION = 2
GRACE_SECONDS = 15 * 60
DUPLICATES_MEMORY_CAP = 10**9  # DuckDB memory limit for the duplicate search (or --memory, if lower)
# and for the report tables: ingest of a 10M-row file then peaks near 1.4 GiB (measured; 24-28 s against 19 s
# for the tables under 3 GiB, which peaked at 2.8)
REPORT_TABLES_MEMORY_CAP = 1200 * 2**20


# --- the agencies module's part: the one place derived data calls it -------------------------------------

def agency_inputs(store: Store) -> dict[str, Any]:
    """What the agencies and agreements tables are built from, besides the stored rows."""
    return agencies.inputs_fingerprint(store.root)


def agency_tables(engine: Engine) -> dict[str, pa.Table]:
    """The agencies and agreements tables, computed from ``engine``'s stored rows (``_searches_stored``)."""
    table, agreements = agencies.build_tables(agencies.name_counts(engine.con), engine.store.root)
    return {"agencies": table, "agreements": agreements}


def agency_schemas() -> dict[str, tuple[pa.Schema, str]]:
    """Each agency view's schema and ORDER BY."""
    return {"agencies": (agencies.AGENCY_SCHEMA, "name"),
            "agreements": (agencies.AGREEMENT_SCHEMA, "source_file, source_row")}


# --- the stamp ---------------------------------------------------------------------------------------

@dataclass
class DerivedState:
    """What derived/ holds for one manifest: the files a reader may use (absolute paths), by table."""

    stamp: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Path | None] = field(default_factory=dict)  # None: current, and empty (no file)
    packs: dict[Path, list[str]] = field(default_factory=dict)
    redacted: dict[str, Any] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)  # the report tables' entry (report_tables.py), files as paths

    @classmethod
    def load(cls, store: Store, inputs: Callable[[], dict[str, Any]] | None = None) -> DerivedState:
        """The derived files that are current for ``store.manifest`` and intact (size as stamped); ``inputs``
        gives what the agency tables are built from now (default: ``agency_inputs``)."""
        layout = store.layout
        try:
            stamp = json.loads(layout.stamp.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(stamp, dict) or stamp.get("version") != STAMP_VERSION:
            return cls()
        sizes = _section(stamp, "sizes")

        def intact(relative: object) -> Path | None:
            if not isinstance(relative, str):  # a stamp edited or damaged by hand: the file is computed again
                return None
            path = layout.path(relative)
            try:
                return path if path.stat().st_size == sizes.get(relative) else None
            except OSError:
                return None

        state = cls(stamp=stamp)
        for name, relative in _section(stamp, "packs").items():
            if intact(name) and isinstance(relative, list):
                state.packs[layout.path(name)] = relative
        if stamp.get("generation") != store.manifest.get("generation", 0):
            return state  # packs stay usable: each names the stored files it copies
        tables = _section(stamp, "tables")
        wanted = ["duplicates"]
        if stamp.get("agency_inputs") == (inputs() if inputs is not None else agency_inputs(store)):
            wanted += ["agencies", "agreements"]
        for name in wanted:
            if name in tables and (tables[name] is None or intact(tables[name])):
                state.tables[name] = None if tables[name] is None else layout.path(tables[name])
        entry = _section(stamp, "report")
        files = entry.get("files")
        if "agencies" in state.tables and isinstance(files, dict) and files and all(map(intact, files.values())):
            state.report = {**entry, "files": {name: layout.path(f) for name, f in files.items()}}
        redacted = _section(stamp, "redacted")
        if redacted.get("file") and intact(redacted["file"]):
            state.redacted = {"path": layout.path(redacted["file"]), "key": redacted.get("key")}
        return state


def _section(stamp: dict[str, Any], key: str) -> dict[str, Any]:
    """A part of the stamp; one of the wrong shape (a stamp edited or damaged by hand) counts as empty, and what
    it named is computed again."""
    value = stamp.get(key)
    return value if isinstance(value, dict) else {}


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _retire(old: dict[str, Any], kept: set[str], now: str) -> dict[str, str]:
    """Files the old stamp named that the new one does not: retired now (kept for GRACE_SECONDS)."""
    retired = {k: v for k, v in _section(old, "retired").items() if isinstance(v, str) and k not in kept}
    for relative in _section(old, "sizes"):
        if relative not in kept:
            retired.setdefault(relative, now)
    return retired


def _collect(store: Store, stamp: dict[str, Any]) -> None:
    """Delete derived files the stamp neither names nor retired less than GRACE_SECONDS ago."""
    layout = store.layout
    now = dt.datetime.now(dt.UTC)
    keep = set(stamp["sizes"]) | {layout.relative(layout.stamp)}
    for relative, when in list(stamp["retired"].items()):
        try:
            young = (now - dt.datetime.fromisoformat(when)).total_seconds() < GRACE_SECONDS
        except ValueError:
            young = False
        if young:
            keep.add(relative)
        else:
            del stamp["retired"][relative]
    if not layout.derived.is_dir():
        return
    for path in layout.derived.rglob("*"):
        if path.is_file() and layout.relative(path) not in keep:
            path.unlink(missing_ok=True)


# --- building (writers only) ---------------------------------------------------------------------------

def rebuild(store: Store, engine_class: type[Engine], *, engine: Engine | None = None, force: bool = False) -> bool:
    """Bring derived/ up to date with the store's manifest (the caller need not hold the writer lock: it is
    taken here, re-entrantly), reading the stored rows with ``engine`` (else a new ``engine_class`` of the
    store; lprlogs.engine.rebuild passes Engine). Returns True when something was built."""
    with store.lock():
        if not store.layout.manifest.exists():
            return False
        _refuse_damaged(store)
        own = engine is None
        engine = engine or engine_class(store, views=False)
        try:
            return _rebuild_locked(store, engine_class, engine, force)
        finally:
            if own:
                engine.close()


def _refuse_damaged(store: Store) -> None:
    """StoreDamaged naming the first stored file that is missing or truncated: nothing is built from it."""
    kinds = ["searches", "quarantine", *(f"side/{t}" for t in store.side_tables())]
    for path in (p for kind in kinds for p in store.files(kind)):
        problem = parquet_problem(path)
        if problem:
            owner = next((s.get("path") for s in store.ingested() if path in store.entry_files(s)), "?")
            raise StoreDamaged(f"store damaged: {store.layout.relative(path)} is {problem}; derived tables not rebuilt",
                               hint=f"it holds rows of {owner}: ingest that file again with --force, "
                                    "or restore it from a backup")


def _rebuild_locked(store: Store, engine_class: type[Engine], engine: Engine, force: bool) -> bool:
    layout = store.layout
    inputs = agency_inputs(store)
    current = DerivedState.load(store, lambda: inputs)
    old_stamp = current.stamp  # its files are retired, even when everything is built again
    if force:
        current = DerivedState()
    build_id = uuid.uuid4().hex[:12]
    tables: dict[str, str | None] = {}
    # packs first: the duplicate search and the agency counts then read them instead of many small files
    pack_list = packs.build(engine.con, store)
    built = {layout.relative(p) for p in current.packs} != set(pack_list)
    engine.use_packs({layout.path(name): members for name, members in pack_list.items()})
    if "duplicates" in current.tables:
        path = current.tables["duplicates"]
        tables["duplicates"] = None if path is None else layout.relative(path)
    else:
        tables["duplicates"] = _build_duplicates(engine, layout.derived_file("duplicates", build_id))
        built = True
    if "agencies" in current.tables and "agreements" in current.tables:
        tables.update({name: layout.relative(current.tables[name]) for name in ("agencies", "agreements")})
    else:
        for name, table in agency_tables(engine).items():
            target = layout.derived_file(name, build_id)
            with atomic_path(target) as tmp:
                pq.write_table(table, tmp)
            tables[name] = layout.relative(target)
        built = True
    kept = ({"file": layout.relative(current.redacted["path"]), "key": current.redacted.get("key")}
            if current.redacted else {})
    stamp = _write_stamp(store, tables, pack_list, inputs, old_stamp, kept)
    entry: dict[str, Any] = {}
    built_now = False
    if store.rows_stored() >= report_tables.STORED_FROM_ROWS:
        # the report tables read the stored rows through the views just stamped (duplicate marks, agencies)
        entry, built_now = _build_report_tables(store, build_id, engine_class(store), current.report)
        stamp = _write_stamp(store, tables, pack_list, inputs, stamp, kept, entry)
    if layout.secret.exists():  # redaction was used on this store: its redacted copy is derived data too
        redacted = _build_redacted(store, build_id, engine_class(store, redact=True))
        if redacted != kept:
            stamp = _write_stamp(store, tables, pack_list, inputs, stamp, redacted, entry)
    return built or built_now


def carry_forward(store: Store, generation: int) -> None:
    """After a run that stored nothing and forgot its batch (the manifest as it was at ``generation``, with a
    higher number): a stamp current for ``generation`` is made current for the manifest now, instead of
    leaving every reader to compute derived data again. The caller holds the writer lock."""
    try:
        stamp = json.loads(store.layout.stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(stamp, dict) and stamp.get("generation") == generation:
        stamp["generation"] = store.manifest.get("generation", 0)
        atomic_write(store.layout.stamp, json.dumps(stamp, indent=1))


def _build_report_tables(store: Store, build_id: str, engine: Engine,
                         current: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The report tables' stamp entry (``engine``: a reader of the store as just stamped, closed here): the
    current tables kept when they were computed from what the engine reads now, else computed and written;
    and whether they were computed."""
    layout = store.layout
    try:
        if engine.damaged:
            return {}, False
        if report_tables.holds(current, report_tables.stored_key(engine)):
            return {**current, "files": {n: layout.relative(p) for n, p in current["files"].items()}}, False
        targets = {name: layout.derived_file(name, build_id) for name in report_tables.STORED_TABLES}
        engine.con.execute(f"SET memory_limit = {sql_literal(duckdb_limit(REPORT_TABLES_MEMORY_CAP))}")
        entry = report_tables.store_tables(engine, targets)
        return {**entry, "files": {name: layout.relative(path) for name, path in targets.items()}}, True
    finally:
        engine.close()


def _build_redacted(store: Store, build_id: str, engine: Engine) -> dict[str, Any]:
    """The redacted ``searches`` (``engine``: a redacted engine, closed here) written to derived/redacted/ (after
    the other derived tables: the copy carries their duplicate marks), or the current one kept; its stamp entry."""
    try:
        key, select = engine.redacted_searches
        if engine.derived.redacted.get("key") == key:
            return {"file": store.layout.relative(engine.derived.redacted["path"]), "key": key}
        target = store.layout.redacted_file("searches", build_id)
        with atomic_path(target) as tmp:
            engine.con.execute(f"COPY ({select}) TO {sql_literal(str(tmp))} (FORMAT parquet, COMPRESSION zstd)"
                               ).fetchall()
        return {"file": store.layout.relative(target), "key": key}
    finally:
        engine.close()


def _write_stamp(store: Store, tables: dict[str, str | None], pack_list: dict[str, list[str]],
                 inputs: dict[str, Any], old: dict[str, Any], redacted: dict[str, Any],
                 report_entry: dict[str, Any] | None = None) -> dict[str, Any]:
    layout = store.layout
    report_entry = report_entry or {}
    names = ([n for n in tables.values() if n] + list(pack_list) + ([redacted["file"]] if redacted else [])
             + list((report_entry.get("files") or {}).values()))
    sizes = {name: layout.path(name).stat().st_size for name in names}
    stamp = {"version": STAMP_VERSION, "generation": store.manifest.get("generation", 0), "built_at": _now(),
             "agency_inputs": inputs, "tables": tables, "packs": pack_list, "redacted": redacted,
             "report": report_entry, "sizes": sizes, "retired": _retire(old, set(sizes), _now())}
    _collect(store, stamp)
    atomic_write(layout.stamp, json.dumps(stamp, indent=1))
    return stamp


def _build_duplicates(engine: Engine, target: Path) -> str | None:
    """derived/duplicates-<id>.parquet (the store's relative name), or None when the store has no rows."""
    if not engine.store.files("searches"):
        return None
    with atomic_path(target) as tmp:
        compute_duplicates(engine, tmp)
    return engine.store.layout.relative(target)


def compute_duplicates(engine: Engine, target: Path) -> None:
    """The duplicate marks written to ``target`` (``copy_duplicates``) under a memory cap: it keeps the search
    near 1.1 GiB at 20M candidate rows (measured); DuckDB spills the rest to the connection's own folder."""
    engine.con.execute(f"SET memory_limit = {sql_literal(duckdb_limit(DUPLICATES_MEMORY_CAP))}")
    try:
        copy_duplicates(engine, target)
    finally:
        engine.con.execute(f"SET memory_limit = {sql_literal(duckdb_limit())}")


def empty_select(schema: pa.Schema) -> str:
    """A SELECT of no rows with ``schema``'s columns and types."""
    types = {pa.string(): "VARCHAR", pa.bool_(): "BOOLEAN", pa.int64(): "BIGINT", pa.date32(): "DATE",
             pa.float64(): "DOUBLE", pa.int32(): "INTEGER"}
    return "SELECT " + ", ".join(f"CAST(NULL AS {types[f.type]}) AS {f.name}" for f in schema) + " WHERE false"


def mixes_raw_forms(store: Store) -> bool:
    """True when the store holds Flock files stored before compact raw (their row_hash is of the whole
    JSON object) beside files stored compact (whose row_hash is of the compact form): the two hashes of
    one row differ, so duplicates are then found by a hash of ``raw`` as the views show it (slower)."""
    from ..formats.staging import STAGED_CELL_FORMATS

    forms = {bool((s.get("extra") or {}).get("raw_layouts")) for s in store.sources
             if s.get("status") == "ingested" and s.get("rows_stored") and s.get("format") in STAGED_CELL_FORMATS}
    return forms == {True, False}


def copy_duplicates(engine: Engine, target: Path) -> None:
    """Write to ``target`` each exact duplicate row's key and the key of its first copy (same producer, log
    kind and every raw cell; first by ingest order, then sheet and row).

    Candidates share row_hash (or, when the store mixes raw forms, a hash of the rebuilt ``raw``); they are
    written, narrow, to a scratch file in the connection's spill folder with the 128-bit MD5 of ``raw`` (two
    different texts share one with a probability of about 1 in 10^24 at twenty million rows), and rows are
    one copy when producer, log kind and that MD5 agree. In one statement over the ``raw`` texts themselves,
    a 10M-row export ingested under two names (20M candidate rows) ran out of memory; in two steps it peaks
    at 1.1 GiB (measured). s is NOT MATERIALIZED: referenced twice, DuckDB would otherwise copy every stored
    row into memory."""
    stored = engine.stored_rows_select()
    candidate_rows = "SELECT s.* FROM s SEMI JOIN candidates USING (candidate_key)"
    if mixes_raw_forms(engine.store):  # raw rebuilt for every row, to hash it
        keyed = f"SELECT *, hash(producer, log_kind, raw) AS candidate_key FROM ({engine.decoded(stored)})"
    else:  # raw rebuilt for the candidate rows only
        keyed = f"SELECT *, row_hash AS candidate_key FROM ({stored})"
        candidate_rows = engine.decoded(candidate_rows)
    spill = engine.con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
    copies = Path(spill) / f"duplicate-candidates-{uuid.uuid4().hex}.parquet"
    try:
        engine.con.execute(
            f"COPY (WITH s AS NOT MATERIALIZED ({keyed}), "
            "candidates AS (SELECT candidate_key FROM s GROUP BY 1 HAVING count(*) > 1) "
            "SELECT search_key, producer, log_kind, source_seq, source_sheet, source_row, "
            f"md5_number(raw) AS raw_md5 FROM ({candidate_rows})) TO {sql_literal(str(copies))} (FORMAT parquet)"
        ).fetchall()
        engine.con.execute(
            "COPY (SELECT search_key, duplicate_of FROM (SELECT search_key, first_value(search_key) OVER ("
            "PARTITION BY producer, log_kind, raw_md5 ORDER BY source_seq, source_sheet, source_row) AS duplicate_of "
            f"FROM read_parquet({sql_literal(str(copies))})) WHERE duplicate_of <> search_key) "
            f"TO {sql_literal(str(target))} (FORMAT parquet)"
        ).fetchall()
    finally:
        copies.unlink(missing_ok=True)
