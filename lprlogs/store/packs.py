"""Packs: the stored rows of many small files copied into a few bigger ones, for reading.

A release of hundreds of small exports leaves hundreds of small Parquet files in ``searches/`` (one per
source: that is what makes each source's commit atomic). Every query then opens every file, and a
report reads the store some forty times: 1,000 files of 150 rows took 19 s to report on and 0.35 s for
a ``count(*)``, against milliseconds for the same rows in one file.

So after an ingest (``Engine.ensure_derived``) the small files are copied, batch by batch, into packs
under ``derived/packs/``, each named by a hash of its members' names, and ``derived/packs/index.json``
lists each pack's members. Stored files never change once committed (a source read again gets new
files), so a pack holds exactly the rows of its members for as long as they all are in the store. The
views read a pack instead of its members only then (``reading_files``); any file no valid pack covers
is read itself. Like everything in ``derived/``, packs are never the truth: deleting them loses nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from pathlib import Path

import duckdb

from . import Store, sql_literal

PACK_SMALL_FILE_BYTES = 1 << 20  # stored files smaller than this (about 25,000 rows) are packed...
PACK_MIN_FILES = 16  # ...when the store has at least this many of them
PACK_MAX_BYTES = 256 << 20  # a pack holds small files up to about this many bytes
INDEX = "index.json"
_BATCH_IN_NAME = re.compile(r"-b(\d+)-\d+\.parquet$")


def _folder(store: Store) -> Path:
    return store.root / "derived" / "packs"


def _relative(store: Store, path: Path) -> str:
    return path.relative_to(store.root).as_posix()


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


def build(con: duckdb.DuckDBPyConnection, store: Store) -> None:
    """Bring derived/packs/ up to date with the store: write the packs that are missing, drop the rest."""
    folder = _folder(store)
    groups = plan(store)
    if not groups:
        if folder.exists():
            for path in folder.iterdir():
                path.unlink(missing_ok=True)
            folder.rmdir()
        return
    folder.mkdir(parents=True, exist_ok=True)
    index: dict[str, list[str]] = {}
    # rows in any order (the views promise none): without keeping it, DuckDB streams instead of buffering
    order = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    con.execute("SET preserve_insertion_order = false").fetchall()
    try:
        _write_missing(con, store, folder, groups, index)
    finally:
        con.execute(f"SET preserve_insertion_order = {bool(order)}").fetchall()
    tmp_index = folder / f".{INDEX}.{uuid.uuid4().hex}.tmp"
    tmp_index.write_text(json.dumps(index, indent=1), encoding="utf-8")
    os.replace(tmp_index, folder / INDEX)
    for path in folder.iterdir():
        if path.name != INDEX and path.name not in index:
            path.unlink(missing_ok=True)


def _write_missing(con: duckdb.DuckDBPyConnection, store: Store, folder: Path, groups: list[list[Path]],
                   index: dict[str, list[str]]) -> None:
    for group in groups:
        members = [_relative(store, p) for p in group]
        name = "pack-" + hashlib.sha256("\n".join(members).encode()).hexdigest()[:24] + ".parquet"
        target = folder / name
        if not target.exists():
            tmp = folder / f".{name}.{uuid.uuid4().hex}.tmp"
            listing = ", ".join(sql_literal(str(p)) for p in group)
            con.execute(f"COPY (SELECT * FROM read_parquet([{listing}], union_by_name = true)) TO "
                        f"{sql_literal(str(tmp))} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)").fetchall()
            os.replace(tmp, target)
        index[name] = members


def reading_files(store: Store) -> list[Path]:
    """The Parquet files the views read for ``searches``: each valid pack (all of its members still in the
    store) in place of its members, and every stored file no valid pack covers."""
    files = store.files("searches")
    index_path = _folder(store) / INDEX
    if not index_path.exists():
        return files
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return files
    current = {_relative(store, p) for p in files}
    covered: set[str] = set()
    packs: list[Path] = []
    for name, members in sorted(index.items()):
        pack = _folder(store) / name
        if members and set(members) <= current and not covered & set(members) and pack.exists():
            packs.append(pack)
            covered |= set(members)
    return packs + [p for p in files if _relative(store, p) not in covered]
