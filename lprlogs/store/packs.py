"""Packs: the stored rows of many small files copied into a few bigger ones, for reading.

A release of hundreds of small exports leaves hundreds of small Parquet files in ``searches/`` (one per
source: that is what makes each source's commit atomic). Every query then opens every file, and a
report reads the store some forty times: 1,000 files of 150 rows took 19 s to report on and 0.35 s for
a ``count(*)``, against milliseconds for the same rows in one file.

So after an ingest the small files are copied, batch by batch, into packs under ``derived/packs/``, each
named by a hash of its members' names; the derived stamp (engine/derived.py) lists each pack's members.
Stored files never change once committed (a source read again gets new files), so a pack holds exactly
the rows of its members for as long as they all are in the store. The views read a pack instead of its
members only then (``reading_files``); any file no valid pack covers is read itself. Like everything in
``derived/``, packs are never the truth: deleting them loses nothing.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb

from . import Store, sql_literal
from .atomic import atomic_path

PACK_SMALL_FILE_BYTES = 1 << 20  # stored files smaller than this (about 25,000 rows) are packed...
PACK_MIN_FILES = 16  # ...when the store has at least this many of them
PACK_MAX_BYTES = 256 << 20  # a pack holds small files up to about this many bytes
_BATCH_IN_NAME = re.compile(r"-b(\d+)-\d+\.parquet$")


def _relative(store: Store, path: Path) -> str:
    return store.layout.relative(path)


def plan(store: Store) -> list[list[Path]]:
    """The groups of small stored files to pack: per batch, in store order, up to PACK_MAX_BYTES each (a
    batch that ingested a single small file shares a group with the other such batches, so a store fed
    one small export at a time is packed too; that group is rewritten when it gains a file)."""
    small = [(p, p.stat().st_size) for p in store.files("searches") if p.exists()]
    small = [(p, size) for p, size in small if size < PACK_SMALL_FILE_BYTES]
    if len(small) < PACK_MIN_FILES:
        return []
    by_batch: dict[str, list[tuple[Path, int]]] = {}
    for path, size in small:
        match = _BATCH_IN_NAME.search(path.name)
        by_batch.setdefault(match.group(1) if match else "", []).append((path, size))
    lone = [files[0] for files in by_batch.values() if len(files) == 1]
    groups: list[list[Path]] = []
    for files in [f for f in by_batch.values() if len(f) > 1] + [lone]:
        current: list[Path] = []
        current_bytes = 0
        for path, size in files:
            if current and current_bytes + size > PACK_MAX_BYTES:
                groups.append(current)
                current, current_bytes = [], 0
            current.append(path)
            current_bytes += size
        if current:
            groups.append(current)
    return [g for g in groups if len(g) > 1]


def build(con: duckdb.DuckDBPyConnection, store: Store) -> dict[str, list[str]]:
    """Write the packs the store should have and are missing (writers only, under the store lock). Returns
    each pack (relative name) with its members, for the derived stamp; packs no longer listed are left for
    the stamp's garbage collection (a reader may still be reading them)."""
    groups = plan(store)
    packs: dict[str, list[str]] = {}
    if not groups:
        return packs
    # rows in any order (the views promise none): without keeping it, DuckDB streams instead of buffering
    order = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    con.execute("SET preserve_insertion_order = false").fetchall()
    try:
        for group in groups:
            members = [_relative(store, p) for p in group]
            name = "pack-" + hashlib.sha256("\n".join(members).encode()).hexdigest()[:24] + ".parquet"
            target = store.layout.packs / name
            if not target.exists():
                listing = ", ".join(sql_literal(str(p)) for p in group)
                with atomic_path(target) as tmp:
                    con.execute(f"COPY (SELECT * FROM read_parquet([{listing}], union_by_name = true)) TO "
                                f"{sql_literal(str(tmp))} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)"
                                ).fetchall()
            packs[_relative(store, target)] = members
    finally:
        con.execute(f"SET preserve_insertion_order = {bool(order)}").fetchall()
    return packs


def reading_files(store: Store, packs: dict[Path, list[str]]) -> list[Path]:
    """The Parquet files the views read for ``searches``: each valid pack of ``packs`` (the derived stamp's:
    all of its members still in the store) in place of its members, and every stored file no valid pack
    covers."""
    files = store.files("searches")
    current = {_relative(store, p) for p in files}
    covered: set[str] = set()
    chosen: list[Path] = []
    for pack, members in sorted(packs.items()):
        if members and set(members) <= current and not covered & set(members):
            chosen.append(pack)
            covered |= set(members)
    return chosen + [p for p in files if _relative(store, p) not in covered]
