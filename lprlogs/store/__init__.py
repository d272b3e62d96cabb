"""The Parquet store: layout, manifest, atomic per-source commit, batches, quarantine, duplicates.

The folder's paths are named in ``layout.py``; the manifest's entries are typed in ``manifest.py``.
Stored files are named ``<folder>/<sha16>-b<batch>-<n>.parquet`` (one per sheet or part of a source).

A source becomes visible only when manifest.json is replaced, after its Parquet files are in place:
a crash at any moment leaves the store as it was before that source. Files that the manifest does
not name are ignored by the views and removed by the next writer; files a writer stops naming (a source
read again with --force) are retired and removed only after a grace period, since a reader that read the
manifest before may still be reading them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from ..errors import LprlogsError, StoreDamaged
from ..progress import enable_query_progress
from ..schema import QUARANTINE_COLUMNS, STAGED_COLUMNS, UTC_BASIS
from ..sqltext import sql_literal  # re-exported: the one home of SQL quoting is lprlogs.sqltext
from .atomic import atomic_write, move_into_place
from .layout import MANIFEST, Layout  # noqa: F401
from .manifest import MANIFEST_VERSION, BatchEntry, SourceEntry, check_manifest, empty_manifest  # noqa: F401

if TYPE_CHECKING:
    from ..formats import Match
    from ..sources import Source

RETIRED_GRACE_SECONDS = 15 * 60  # a retired stored file is kept this long for readers still reading it
_LOCKS_HELD: dict[str, int] = {}  # store folders this process holds the writer lock of, with depth


def default_store_dir() -> Path:
    return Path(os.environ.get("LPRLOGS_STORE") or "./lprlogs-store")


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# Columns a compact raw may take a cell's text from (named in raw_layout), and that text: the fields read
# from an audit's cells as text or whole numbers (never provenance: the same row in two sheets is a duplicate).
RAW_TEXT_OF = {column: (column if STAGED_COLUMNS[column] == "VARCHAR" else f"CAST({column} AS VARCHAR)")
               for column in ("search_id", "searcher_user", "searcher_org", "search_type", "reason", "offense_type",
                              "case_number", "license_plate", "filters", "text_prompt", "moderation",
                              "networks_searched", "devices_searched")}


def raw_json_sql(layouts: Iterable[str] = ()) -> str:
    """``raw`` as every view shows it: a JSON object of the original headers and their cells' text, in order.

    Rows stored by the Flock reader keep each cell's text once. Their ``raw_layout`` (the same text for
    every row of a file, so Parquet stores it once) is a JSON array of [header, column] pairs, column
    null or the stored column whose text is exactly the cell's; their ``raw`` is a JSON array with one
    entry per header: the cell's text where no column gives it back exactly (times, `1,234`, a cell with
    spaces around it, a redaction marker, a header lprlogs does not know), else null. Other rows
    (``raw_layout`` NULL) hold the JSON object itself.

    ``layouts``: the raw_layout texts of the store (the manifest lists them). Each gets its own
    json_object over ``_cells`` (``raw`` parsed once per row: see ``decoded_select``), as fast as building
    the object at ingest was (rebuilding `raw` for 1M rows: 0.8 s on two threads, against 0.3 s to read
    the object itself before); a layout not listed is rebuilt by a generic expression, six times slower."""
    branches = []
    for layout in sorted(set(layouts)):
        pairs = [f"{sql_literal(header)}, " + (f"_cells[{i}]" if column is None else
                                               f"coalesce(_cells[{i}], {RAW_TEXT_OF[column]})")
                 for i, (header, column) in enumerate(json.loads(layout), start=1)]
        branches.append(f"WHEN raw_layout = {sql_literal(layout)} THEN "
                        + (f"json_object({', '.join(pairs)})::VARCHAR" if pairs else "'{}'"))
    texts = " ".join(f"WHEN '{c}' THEN {text}" for c, text in RAW_TEXT_OF.items())
    generic = ("to_json(map_from_entries(list_transform(list_zip(from_json(raw_layout, '[[\"VARCHAR\"]]'), "
               "from_json(raw, '[\"VARCHAR\"]')), "
               f"lambda e: struct_pack(k := e[1][1], v := coalesce(e[2], CASE e[1][2] {texts} END)))))::VARCHAR")
    return f"CASE WHEN raw_layout IS NULL THEN raw {' '.join(branches)} ELSE {generic} END"


def decoded_select(stored_select: str, layouts: Iterable[str] = ()) -> str:
    """``stored_select``'s rows (with raw and raw_layout) with ``raw`` rebuilt (``raw_json_sql``) and no
    raw_layout. ``raw`` is parsed once per row, and only when the query reads ``raw``."""
    cells = "CASE WHEN raw_layout IS NOT NULL THEN from_json(raw, '[\"VARCHAR\"]') END AS _cells"
    return (f"SELECT * EXCLUDE (raw_layout, _cells) REPLACE ({raw_json_sql(layouts)} AS raw) "
            f"FROM (SELECT *, {cells} FROM ({stored_select}))")


def _copy_to_parquet(con: duckdb.DuckDBPyConnection, select_sql: str, target: Path) -> int:
    """Write a SELECT to one Parquet file; returns the rows written (COPY counts them: no second read).

    zstd level 1: measured ~20% less CPU for the write than level 3, files ~6% larger. String dictionaries
    up to 1 MiB (DuckDB's default): a reason column with a few thousand different texts per row group stays
    dictionary-encoded (2.6x smaller than plain text, and read faster by every flag and report that reads
    reasons: a 10M-row report 12.8 s -> 11.8 s). A 64 KiB cap, used before so that unique columns (raw,
    search_key) stop trying a dictionary early, saved no measurable ingest time (1M rows, four alternating
    pairs: median 1.33x of the DuckDB conversion either way)."""
    count = con.execute(
        f"COPY ({select_sql}) TO {sql_literal(str(target))} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, "
        "STRING_DICTIONARY_PAGE_SIZE_LIMIT 1048576, ROW_GROUP_SIZE 122880)"
    ).fetchall()[0][0]
    return int(count)


def manifest_text(manifest: dict[str, Any]) -> str:
    """The manifest as JSON a person can read: a line per top-level key, and a line per item of a list
    (a source, a batch). Python's json writes indented text with its slow pure-Python encoder, which took
    a tenth of the time of a small file's ingest at a few hundred sources (the manifest is written after
    every file)."""
    def compact(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = []
    for key, value in manifest.items():
        if isinstance(value, list) and value:
            items = ",\n  ".join(compact(item) for item in value)
            lines.append(f" {compact(key)}: [\n  {items}\n ]")
        else:
            lines.append(f" {compact(key)}: {compact(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def read_manifest(path: Path) -> dict[str, Any]:
    """manifest.json, checked for shape (``StoreDamaged`` naming the file when it is not a manifest)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreDamaged(f"the store's manifest is unreadable ({exc})", path=str(path),
                           hint="restore manifest.json from a backup, or ingest the releases again into a new store"
                           ) from exc
    return check_manifest(data, path)


def parquet_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a whole Parquet file ('missing', 'truncated'), from its size and its last eight
    bytes (the footer's length and the magic PAR1); None when it looks whole."""
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size < 12:
                return "truncated"
            fh.seek(size - 8)
            tail = fh.read(8)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    if tail[4:] != b"PAR1" or int.from_bytes(tail[:4], "little") + 12 > size:
        return "truncated"
    return None


def column_names(con: duckdb.DuckDBPyConnection, select_sql: str) -> list[str]:
    """The columns a SELECT gives, bound by DuckDB without running it (and without making a relation of
    it, which DuckDB's Python layer would parse a second time)."""
    description = con.execute(f"SELECT * FROM ({select_sql}) LIMIT 0").description or []
    return [d[0] for d in description]


def as_relation(con: duckdb.DuckDBPyConnection, table: Any) -> duckdb.DuckDBPyRelation:
    """Accept a DuckDB relation, a pyarrow table or a polars frame."""
    if isinstance(table, duckdb.DuckDBPyRelation):
        return table
    if type(table).__module__.startswith("polars"):
        table = table.to_arrow()
    return con.from_arrow(table)


@dataclass
class Store:
    """A store folder. Read with ``manifest``; write through ``batch()`` and ``writer()``."""

    root: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    # held while the manifest changes: small files are read side by side on threads (ingest.py)
    mutex: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    _last_reserved_seq: int = field(default=0, repr=False, compare=False)

    @classmethod
    def open(cls, root: Path | str | None = None, *, create: bool = False) -> Store:
        root = Path(root) if root is not None else default_store_dir()
        manifest_path = Layout(root).manifest
        if not manifest_path.exists():
            if not create:
                raise LprlogsError(
                    "no lprlogs store here", path=str(root),
                    hint="run `lprlogs ingest FILES --store DIR` first, or pass --store / set LPRLOGS_STORE",
                )
            return cls(root=root, manifest=empty_manifest())
        return cls(root=root, manifest=read_manifest(manifest_path))

    @property
    def layout(self) -> Layout:
        return Layout(self.root)

    # --- reading ---------------------------------------------------------------------------------

    @property
    def sources(self) -> list[dict[str, Any]]:
        return self.manifest["sources"]

    @property
    def batches(self) -> list[dict[str, Any]]:
        return self.manifest["batches"]

    def ingested(self) -> Iterator[dict[str, Any]]:
        return (s for s in self.sources if s.get("status") == "ingested")

    def rows_stored(self) -> int:
        """The rows of every ingested source, as the manifest counts them."""
        return sum(int(e.get("rows_stored") or 0) for e in self.ingested())

    def source_by_sha(self, sha256: str) -> dict[str, Any] | None:
        with self.mutex:
            for entry in self.sources:
                if entry.get("sha256") == sha256 and entry.get("status") == "ingested":
                    return entry
        return None

    def files(self, kind: str) -> list[Path]:
        """Absolute paths of the Parquet files of one kind ('searches', 'quarantine', 'side/events')."""
        paths: list[Path] = []
        for entry in self.ingested():
            files = entry.get("files", {})
            if kind.startswith("side/"):
                names = files.get("side", {}).get(kind[5:], [])
            else:
                names = files.get(kind, [])
            paths.extend(self.layout.path(name) for name in names)
        return paths

    def side_tables(self) -> list[str]:
        names: set[str] = set()
        for entry in self.ingested():
            names.update(entry.get("files", {}).get("side", {}).keys())
        return sorted(names)

    # --- writing ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive writer lock across processes; re-entrant within this process (ingest holds it while
        a reader loads a reference list, which takes it too)."""
        self.root.mkdir(parents=True, exist_ok=True)
        key = str(self.root.resolve())
        if _LOCKS_HELD.get(key):
            _LOCKS_HELD[key] += 1
            try:
                # another Store object of this process may have committed; this one's own manifest is kept as
                # it is (its dicts, such as the batch an ingest is filling in, stay the manifest's own)
                if self.layout.manifest.exists():
                    on_disk = read_manifest(self.layout.manifest)
                    if on_disk.get("generation") != self.manifest.get("generation"):
                        self.manifest = on_disk
                yield
            finally:
                _LOCKS_HELD[key] -= 1
            return
        with open(self.layout.lock, "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise LprlogsError("another lprlogs command is writing to this store", path=str(self.root),
                                   hint="wait for it to finish") from exc
            _LOCKS_HELD[key] = 1
            try:
                # re-read under the lock: another process may have committed since we opened
                if self.layout.manifest.exists():
                    self.manifest = read_manifest(self.layout.manifest)
                self._collect_garbage()
                yield
            finally:
                _LOCKS_HELD.pop(key, None)
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _collect_garbage(self) -> None:
        """Remove files a crashed writer left behind (tmp/, Parquet files the manifest does not name) and
        retired files older than RETIRED_GRACE_SECONDS. Runs when a writer takes the lock."""
        shutil.rmtree(self.layout.tmp, ignore_errors=True)
        named = {str(p) for kind in ("searches", "quarantine") for p in self.files(kind)}
        named |= {str(p) for t in self.side_tables() for p in self.files(f"side/{t}")}
        cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=RETIRED_GRACE_SECONDS)).isoformat()
        retired = [r for r in self.manifest.get("retired", []) if isinstance(r, dict)]
        young = [r for r in retired if str(r.get("at", "")) > cutoff]
        named |= {str(self.layout.path(str(r.get("path")))) for r in young}
        if len(young) != len(retired):
            self.manifest["retired"] = young  # written with the writer's next manifest
        for base in self.layout.stored_roots():
            if base.is_dir():
                for path in base.rglob("*.parquet"):
                    if str(path) not in named:
                        path.unlink(missing_ok=True)

    def write_file(self, path: Path, data: bytes) -> None:
        """Replace a file kept in the store (a reference list, the agency registry) atomically and durably; the
        caller holds the writer lock. (A method, so that agency classification need not import the store.)"""
        atomic_write(path, data)

    def save_manifest(self) -> None:
        with self.mutex:
            self.manifest["generation"] = int(self.manifest.get("generation", 0)) + 1
            self.root.mkdir(parents=True, exist_ok=True)
            atomic_write(self.layout.manifest, manifest_text(self.manifest))

    def begin_batch(self, paths: list[str]) -> dict[str, Any]:
        batch_id = max((b["id"] for b in self.batches), default=0) + 1
        batch = BatchEntry(id=batch_id, started_at=now_utc(), paths=paths).to_dict()
        self.batches.append(batch)
        self.save_manifest()
        return batch

    def order_batch(self, batch_id: int, paths: list[str]) -> None:
        """Put a batch's entries in the order of ``paths`` (its files as given): files read side by side are
        recorded as each finishes. Other batches' entries keep their places."""
        rank = {path: i for i, path in enumerate(paths)}
        with self.mutex:
            places = [i for i, entry in enumerate(self.sources) if entry.get("batch_id") == batch_id]
            entries = sorted((self.sources[i] for i in places), key=lambda e: rank.get(e.get("path"), len(rank)))
            for place, entry in zip(places, entries, strict=True):
                self.sources[place] = entry

    def finish_batch(self, batch: dict[str, Any]) -> None:
        """Record ``batch`` (its entry as begun, with its counts) as finished, in the manifest's entry of the same
        id (found by id, as order_batch and discard_batch find it, not by being the dict begin_batch returned)."""
        batch["finished_at"] = now_utc()
        with self.mutex:
            entry = next((b for b in self.batches if b.get("id") == batch["id"]), None)
            if entry is None:
                self.batches.append(batch)
            else:
                entry.update(batch)
        self.save_manifest()

    def discard_batch(self, batch: dict[str, Any]) -> None:
        """Forget a batch that stored nothing (a path that does not exist, nothing readable, nothing new), and
        the skipped or rejected entries it recorded: a failed run leaves no empty batch behind."""
        with self.mutex:
            self.manifest["sources"] = [s for s in self.sources if s.get("batch_id") != batch["id"]]
            self.manifest["batches"] = [b for b in self.batches if b is not batch and b.get("id") != batch["id"]]
        self.save_manifest()

    def next_seq(self) -> int:
        """The number of the next source (orders sources: the first of two duplicate rows is the one of the
        lower number). Numbers handed out stay taken even before their source is recorded, so sources read
        side by side never share one."""
        with self.mutex:
            seq = max(max((int(s.get("seq", 0)) for s in self.sources), default=0), self._last_reserved_seq) + 1
            self._last_reserved_seq = seq
            return seq

    def record(self, entry: dict[str, Any], replaces: dict[str, Any] | None = None) -> None:
        """Add a source entry (and drop the one it replaces, whose files are retired), then commit the manifest."""
        with self.mutex:
            if replaces is not None:
                retired = self.manifest.setdefault("retired", [])
                retired.extend({"path": self.layout.relative(p), "at": dt.datetime.now(dt.UTC).isoformat()}
                               for p in self.entry_files(replaces))
                # by its number too: the manifest may have been read again since ``replaces`` was looked up
                self.manifest["sources"] = [s for s in self.sources if s is not replaces
                                            and not (replaces.get("seq") and s.get("seq") == replaces.get("seq"))]
            # a file seen before but not ingested (skipped, rejected) is replaced by its newer outcome
            if entry.get("sha256"):
                self.manifest["sources"] = [
                    s for s in self.sources
                    if not (s.get("sha256") == entry["sha256"] and s.get("status") != "ingested")
                ]
            self.sources.append(entry)
            self.save_manifest()

    def record_refused(self, source: Source, status: str, reason: str, batch_id: int,
                       match: Match | None = None) -> None:
        """Record a file that was skipped (not an audit) or rejected (could not be read), with the reason:
        the one way such a file enters the manifest."""
        self.record(SourceEntry(
            path=source.display_path, parent=source.parent, sha256=source.sha256 or None, size=source.size,
            format=match.format if match else None, variant=match.variant if match else None,
            producer=source.producer, producer_from=source.producer_from, log_kind=source.log_kind,
            status=status, reason=reason, notes=list(source.notes), batch_id=batch_id, ingested_at=now_utc(),
        ).to_dict())

    def entry_files(self, entry: dict[str, Any]) -> list[Path]:
        """The stored files of one source entry."""
        files = entry.get("files", {})
        names = list(files.get("searches", [])) + list(files.get("quarantine", []))
        for side_names in files.get("side", {}).values():
            names.extend(side_names)
        return [self.layout.path(n) for n in names]

    def writer(self, con: duckdb.DuckDBPyConnection, source: Source, match: Match,
               batch_id: int, seq: int | None = None) -> SourceWriter:
        """A writer for one source; ``seq`` is its number if the caller reserved one (``next_seq``)."""
        return SourceWriter(store=self, con=con, source=source, match=match, batch_id=batch_id,
                            seq=seq if seq is not None else self.next_seq())

    @property
    def settings(self) -> dict[str, Any]:
        return self.manifest.setdefault("settings", {})


class SourceWriter:
    """Receives one source's rows from a reader, writes them to temporary Parquet files, and on
    ``commit()`` moves them into the store and records the source in the manifest."""

    def __init__(self, *, store: Store, con: duckdb.DuckDBPyConnection, source: Source, match: Match,
                 batch_id: int, seq: int):
        self.store = store
        self.con = con
        self.source = source
        self.match = match
        self.batch_id = batch_id
        self.seq = seq
        self.variant = match.variant
        self.format = match.format
        self.encoding: str | None = None
        self.producer = source.producer
        self.log_kind = source.log_kind
        # how this source's times were read (a reader of local times sets both: formats/localtime.py)
        self.time_basis = UTC_BASIS
        self.local_zone = source.zone.zone if source.zone is not None else None
        self.notes: list[str] = list(source.notes)
        self.parts_skipped: list[dict[str, str]] = []
        self.rows_stored = 0
        self.rows_quarantined = 0
        self.rows_blanked = 0  # rows blanked out entirely by the agency (counted, not errors)
        self.other_tables: dict[str, int] = {}  # rows written to each side table (events, sharing, ...)
        self.expected_rows: int | None = None
        self.extra: dict[str, Any] = {}  # reader-specific facts kept in the manifest entry
        self._tmpdir = store.layout.tmp / uuid.uuid4().hex
        self._pending: dict[str, list[tuple[Path, str]]] = {}  # kind -> [(tmp path, final relative name)]
        self._counter = 0
        # connections running this source's statements now (the progress bar asks them how far they are)
        self.running: list[duckdb.DuckDBPyConnection] = [con]

    # older names, still used by some readers
    @property
    def rows_redacted_blank(self) -> int:
        return self.rows_blanked

    @rows_redacted_blank.setter
    def rows_redacted_blank(self, value: int) -> None:
        self.rows_blanked = value

    @property
    def side_rows(self) -> dict[str, int]:
        return self.other_tables

    @property
    def sha16(self) -> str:
        return self.source.sha256[:16]

    # --- reader API ------------------------------------------------------------------------------

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def skip_part(self, part: str, reason: str) -> None:
        self.parts_skipped.append({"part": part, "reason": reason})

    def expect_rows(self, count: int) -> None:
        """Rows the reader saw in the file; checked against stored + quarantined at commit."""
        self.expected_rows = (self.expected_rows or 0) + count

    def _make_tmpdir(self) -> None:
        with self.store.mutex:  # another writer may be removing store/tmp (_remove_tmpdir)
            self._tmpdir.mkdir(parents=True, exist_ok=True)

    def scratch(self, suffix: str) -> Path:
        """A path for a reader's scratch file, in this writer's own temporary folder (removed with it)."""
        self._make_tmpdir()
        return self._tmpdir / f"scratch-{uuid.uuid4().hex}{suffix}"

    def _target(self, kind: str) -> tuple[Path, str]:
        self._counter += 1
        self._make_tmpdir()
        name = f"{self.sha16}-b{self.batch_id}-{self._counter}.parquet"
        return self._tmpdir / name, f"{self.store.layout.stored_folder(kind)}/{name}"

    def _copy(self, select_sql: str, kind: str) -> int:
        tmp, final = self._target(kind)
        count = _copy_to_parquet(self.con, select_sql, tmp)
        if count == 0:
            tmp.unlink(missing_ok=True)
            return 0
        self._pending.setdefault(kind, []).append((tmp, final))
        return count

    def searches_select(self, relation_name: str, columns: list[str]) -> str:
        """The SELECT that turns a reader's staged table into stored rows (types, provenance, keys)."""
        present = set(columns)
        producer = sql_literal(self.producer)
        log_kind = sql_literal(self.log_kind)
        variant = sql_literal(self.variant)
        defaults = {"time_basis": sql_literal(self.time_basis), "local_zone": sql_literal(self.local_zone)}

        def col(name: str, sql_type: str) -> str:
            if name == "producer":
                return f"coalesce(CAST(producer AS VARCHAR), {producer})" if name in present else producer
            if name == "log_kind":
                return f"coalesce(CAST(log_kind AS VARCHAR), {log_kind})" if name in present else log_kind
            if name == "variant":
                return f"coalesce(CAST(variant AS VARCHAR), {variant})" if name in present else variant
            if name in defaults:
                return f"coalesce(CAST({name} AS VARCHAR), {defaults[name]})" if name in present else defaults[name]
            if name in present:
                return f"CAST({name} AS {sql_type})"
            return f"CAST(NULL AS {sql_type})"

        selects = [f"{col(name, sql_type)} AS {name}" for name, sql_type in STAGED_COLUMNS.items()]
        # a compact raw (raw_layout) leaves out the cells its columns give back: they join the hash
        compact_identity = "".join(f", {col(c, STAGED_COLUMNS[c])}" for c in ("raw_layout", *RAW_TEXT_OF)
                                   ) if "raw_layout" in present else ""
        sheet = "coalesce(CAST(source_sheet AS VARCHAR), '')" if "source_sheet" in present else "''"
        key = f"{sql_literal(self.sha16 + ':')} || {sheet} || ':' || CAST(source_row AS VARCHAR)"
        return (
            f"SELECT {key} AS search_key, {sql_literal(self.source.display_path)} AS source_file, "
            f"{sql_literal(self.source.sha256)} AS source_sha256, {self.seq} AS source_seq, "
            f"{self.batch_id} AS batch_id, "
            f"hash({col('producer', 'VARCHAR')}, {col('log_kind', 'VARCHAR')}, "
            f"{'raw' if 'raw' in present else 'NULL'}{compact_identity}) AS row_hash, "
            + ", ".join(selects)
            + f" FROM {relation_name}"
        )

    def add_searches(self, table: Any) -> int:
        relation = as_relation(self.con, table)
        name = f"_stage_{uuid.uuid4().hex[:8]}"
        self.con.register(name, relation)
        try:
            return self.add_searches_select(f"SELECT * FROM {name}", list(relation.columns))
        finally:
            self.con.unregister(name)

    def _require_stored_columns(self, columns: list[str]) -> None:
        missing = [c for c in ("source_row", "raw") if c not in columns]
        if missing:
            raise RuntimeError(f"reader {self.format} did not supply {missing}")

    def add_searches_select(self, select_sql: str, columns: list[str]) -> int:
        """Stored rows from the text of a SELECT with ``columns``, written on this connection. Returns the
        rows written."""
        self._require_stored_columns(columns)
        count = self._copy(self.searches_select(f"({select_sql})", columns), "searches")
        self.rows_stored += count
        return count

    def add_searches_sql(self, selects: list[str], columns: list[str], *,
                         meanwhile: Callable[[], None] | None = None) -> int:
        """Stored rows from several self-contained SELECTs (parts of one table, in order), written at the
        same time on cursors of this connection, one file each: DuckDB reads a CSV on one thread, so
        parts of a big file written side by side use the other cores. ``meanwhile`` runs in the calling
        thread (on this connection) while they are written. Returns the rows written."""
        self._require_stored_columns(columns)
        targets = [self._target("searches") for _ in selects]
        counts: list[int] = [0] * len(selects)
        errors: list[BaseException] = []

        def write(index: int) -> None:
            try:
                cursor = self.con.cursor()
                self.running.append(cursor)
                try:
                    cursor.execute("SET TimeZone = 'UTC'").fetchall()
                    enable_query_progress(cursor)
                    select = self.searches_select(f"({selects[index]})", columns)
                    counts[index] = _copy_to_parquet(cursor, select, targets[index][0])
                finally:
                    self.running.remove(cursor)
                    cursor.close()
            except BaseException as exc:  # re-raised in the calling thread
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(i,), name=f"lprlogs-part-{i}") for i in range(len(selects))]
        for thread in threads:
            thread.start()
        try:
            if meanwhile is not None:
                meanwhile()
        finally:
            for thread in threads:
                thread.join()
        if errors:
            for tmp, _ in targets:
                tmp.unlink(missing_ok=True)
            raise errors[0]
        for (tmp, final), count in zip(targets, counts, strict=True):
            if count == 0:
                tmp.unlink(missing_ok=True)
            else:
                self._pending.setdefault("searches", []).append((tmp, final))
        self.rows_stored += sum(counts)
        return sum(counts)

    def add_quarantine(self, table: Any) -> int:
        relation = as_relation(self.con, table)
        name = f"_quar_{uuid.uuid4().hex[:8]}"
        self.con.register(name, relation)
        present = set(relation.columns)
        selects = [
            (f"CAST({c} AS {t})" if c in present else f"CAST(NULL AS {t})") + f" AS {c}"
            for c, t in QUARANTINE_COLUMNS.items()
        ]
        try:
            sql = (f"SELECT {sql_literal(self.source.display_path)} AS source_file, "
                   f"{sql_literal(self.source.sha256)} AS source_sha256, {self.batch_id} AS batch_id, "
                   + ", ".join(selects) + f" FROM {name}")
            count = self._copy(sql, "quarantine")
        finally:
            self.con.unregister(name)
        self.rows_quarantined += count
        return count

    def add_side(self, table_name: str, table: Any) -> int:
        """Another table (events, sharing, vigilant_users...) exposed as a view named ``table_name``."""
        relation = as_relation(self.con, table)
        name = f"_side_{uuid.uuid4().hex[:8]}"
        self.con.register(name, relation)
        try:
            sql = (f"SELECT {sql_literal(self.source.display_path)} AS source_file, "
                   f"{sql_literal(self.source.sha256)} AS source_sha256, {self.batch_id} AS batch_id, * FROM {name}")
            count = self._copy(sql, table_name)
        finally:
            self.con.unregister(name)
        self.other_tables[table_name] = self.other_tables.get(table_name, 0) + count
        return count

    # --- commit / rollback -----------------------------------------------------------------------

    def entry(self, status: str = "ingested", reason: str | None = None) -> dict[str, Any]:
        files: dict[str, Any] = {"searches": [], "quarantine": [], "side": {}}
        for kind, pending in self._pending.items():
            names = [final for _, final in pending]
            if kind in ("searches", "quarantine"):
                files[kind] = names
            else:
                files["side"][kind] = names
        return SourceEntry(
            path=self.source.display_path, parent=self.source.parent, sha256=self.source.sha256,
            size=self.source.size, format=self.format, variant=self.variant, encoding=self.encoding,
            producer=self.producer,
            producer_from=self.source.producer_from if self.producer == self.source.producer else "content",
            log_kind=self.log_kind, status=status, reason=reason, rows_read=self.rows_stored + self.rows_quarantined,
            rows_stored=self.rows_stored, rows_quarantined=self.rows_quarantined, rows_blanked=self.rows_blanked,
            parts_skipped=self.parts_skipped, notes=self.notes,
            other_tables={**{k: 0 for k in files["side"]}, **self.other_tables}, extra=self.extra, files=files,
            batch_id=self.batch_id, seq=self.seq, ingested_at=now_utc(), time_basis=self.time_basis,
            local_zone=self.local_zone,
        ).to_dict()

    def commit(self, replaces: dict[str, Any] | None = None) -> dict[str, Any]:
        if self.expected_rows is not None and self.expected_rows != self.rows_stored + self.rows_quarantined:
            self.note(f"accounting mismatch: the reader saw {self.expected_rows:,} rows but "
                      f"{self.rows_stored + self.rows_quarantined:,} were stored or quarantined; please report this")
        for pending in self._pending.values():
            for tmp, final in pending:
                move_into_place(tmp, self.store.layout.path(final))
        entry = self.entry()
        self.store.record(entry, replaces=replaces)
        self._remove_tmpdir()
        return entry

    def _remove_tmpdir(self) -> None:
        shutil.rmtree(self._tmpdir, ignore_errors=True)
        with self.store.mutex, contextlib.suppress(OSError):
            self._tmpdir.parent.rmdir()  # store/tmp, when no other writer uses it

    def rollback(self) -> None:
        self._remove_tmpdir()
        self._pending.clear()
        self.rows_stored = self.rows_quarantined = 0
        self.other_tables = {}
