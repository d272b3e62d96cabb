"""Ingest: expand inputs into sources, sniff each, let its reader fill a SourceWriter, commit per
source, and account for every file and row. The CLI's `ingest` and `analyze` call ``ingest()``."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from .agencies import stored_registry
from .errors import DiskFull, Interrupted, LprlogsError, SourceRejected, StoreDamaged, is_disk_full
from .formats import Match, all_readers, detect
from .progress import enable_query_progress, watch_queries
from .sources import Expander, ProducerRule, Source, cited_path
from .store import Store


@dataclass
class FileOutcome:
    """What happened to one file: ingested, already (same sha256 in the store), skipped, rejected."""

    path: str
    status: str
    format: str | None = None
    variant: str | None = None
    producer: str | None = None
    log_kind: str | None = None
    rows_read: int = 0
    rows_stored: int = 0
    rows_quarantined: int = 0
    other_tables: dict[str, int] = field(default_factory=dict)  # rows stored in events, sharing, ...
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class IngestReport:
    batch_id: int | None  # None when the run stored nothing and left no batch
    store: str
    files: list[FileOutcome] = field(default_factory=list)
    producer_rules: list[ProducerRule] = field(default_factory=list)  # --producers lines, with how often used

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def rows_stored(self) -> int:
        return sum(f.rows_stored for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def anything_usable(self) -> bool:
        return any(f.status in ("ingested", "already") for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id, "store": self.store,
            "files_ingested": self.count("ingested"), "files_already": self.count("already"),
            "files_skipped": self.count("skipped"), "files_rejected": self.count("rejected"),
            "rows_stored": self.rows_stored, "rows_quarantined": self.rows_quarantined,
            "files": [f.as_dict() for f in self.files],
        }


@dataclass
class FileProgress:
    """How far the statement now reading a file has got (0.0-1.0), sent with ``progress`` events. A
    file read in two passes goes from 0 to 1 twice."""

    fraction: float


# on_event(kind, source, outcome): "start" (outcome None), "progress" (a FileProgress, several times while
# a big file is read), "done" (its FileOutcome)
Callback = Callable[[str, Source, Any], None]


def _refused(store: Store, source: Source, status: str, reason: str, batch_id: int,
             match: Match | None = None) -> FileOutcome:
    """Record a skipped or rejected file in the store, and its outcome."""
    store.record_refused(source, status, reason, batch_id, match)
    return FileOutcome(path=source.display_path, status=status, format=match.format if match else None,
                       reason=reason)


def ingest(paths: list[str], store_dir: Path, *, producer: str | None = None, log_kind: str | None = None,
           encoding: str | None = None, tz: str | None = None, force: bool = False,
           exclude: tuple[Path, ...] = (), on_event: Callback | None = None, debug: bool = False,
           producers: list[ProducerRule] | None = None) -> IngestReport:
    """Read every file under ``paths`` into the store at ``store_dir``; never stops at one bad file. Ctrl-C
    (or a full disk) stops it: the files committed stay, the one being read is rolled back, the batch is
    marked interrupted, and ``Interrupted`` (or ``DiskFull``) is raised. A run that stores nothing leaves
    no batch behind."""
    store = Store.open(store_dir, create=True)
    with store.lock(), Expander(producer=producer, log_kind=log_kind, encoding=encoding, tz=tz,
                                exclude=(store_dir, *exclude), producers=producers,
                                registry=stored_registry(store.root)) as expander:
        generation = int(store.manifest.get("generation", 0))
        batch = store.begin_batch([cited_path(str(p)) for p in paths])
        report = IngestReport(batch_id=batch["id"], store=str(store_dir), producer_rules=producers or [])
        with _Runner(store, batch["id"], force=force, debug=debug, on_event=on_event) as runner, \
                _stop_on_ctrl_c(runner):
            for source in expander.expand(list(paths)):
                if runner.stopped is not None:
                    break
                runner.submit(source)
            report.files = runner.outcomes()
        _close_batch(store, batch, report, runner.stopped, generation)
    return report


def _close_batch(store: Store, batch: dict[str, Any], report: IngestReport, stopped: LprlogsError | None,
                 generation: int) -> None:
    """Record the batch's counts (or forget a batch that stored nothing: derived data built for the manifest
    before it, ``generation``, still describes the store), then build the derived data."""
    from .engine import rebuild
    from .engine.derived import carry_forward

    if stopped is None and not report.count("ingested"):
        store.discard_batch(batch)
        carry_forward(store, generation)
        report.batch_id = None
        return
    store.order_batch(batch["id"], [f.path for f in report.files])
    batch.update({
        "files_ingested": report.count("ingested"), "files_already": report.count("already"),
        "files_skipped": report.count("skipped"), "files_rejected": report.count("rejected"),
        "rows_stored": report.rows_stored, "rows_quarantined": report.rows_quarantined,
        "interrupted": stopped is not None,
    })
    store.finish_batch(batch)
    if stopped is not None:  # stop now: readers compute what derived data lacks
        raise type(stopped)(f"{stopped.message}; batch {batch['id']} holds the {report.count('ingested')} file(s) "
                            f"stored before, marked interrupted", hint=stopped.hint)
    try:
        rebuild(store)  # duplicate marks, agencies, packs for the new manifest (under the lock)
    except StoreDamaged as exc:  # the batch is stored; readers compute what they can without derived/
        print(f"lprlogs: warning: {exc.one_line()}", file=sys.stderr)


@contextlib.contextmanager
def _stop_on_ctrl_c(runner: _Runner) -> Iterator[None]:
    """While ingesting, Ctrl-C asks the runner to stop (DuckDB statements are interrupted at once); a second
    Ctrl-C raises KeyboardInterrupt where Python is. Only the main thread may set a signal handler."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum: int, frame: Any) -> None:
        if runner.stopped is not None:
            raise KeyboardInterrupt
        runner.stop(Interrupted("interrupted (Ctrl-C): the files committed before are kept, the file being read "
                                "was rolled back", hint="run the same command again to read the rest"))

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# Files of these formats under these sizes are read on worker threads, side by side: a small file's time is
# mostly DuckDB planning its statements (which runs without Python's lock), so two cores read two files.
# Bigger CSVs are read alone, in parts side by side (formats/flock.py); a workbook is held in memory whole,
# so only small ones go side by side; other formats (a reference list takes the store lock) alone, in order.
SIDE_BY_SIDE_MAX_BYTES = {"flock_csv": 16 << 20, "flock_excel": 4 << 20}


class _Runner:
    """Reads sources in the order given: small Flock CSVs and workbooks side by side on worker threads
    (each with its own DuckDB connection, its source number reserved in order, so the store is the same
    as read one by one), everything else on the calling thread once the workers are idle. Outcomes come
    back in order."""

    def __init__(self, store: Store, batch_id: int, *, force: bool, debug: bool, on_event: Callback | None):
        from .engine import connect

        self.store, self.batch_id, self.force, self.debug = store, batch_id, force, debug
        self.readers = all_readers()
        self.watch = on_event is not None
        self._lock = threading.Lock()  # events and the list of connections
        self._on_event = on_event
        self.con = connect(threads=2)
        if self.watch:
            enable_query_progress(self.con)
        self.workers = max(1, min(os.cpu_count() or 1, 4))
        self._pool: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._connections: list[duckdb.DuckDBPyConnection] = []
        self._results: list[Future[FileOutcome] | FileOutcome] = []
        self._in_flight: dict[str, Future[FileOutcome]] = {}  # sha256 -> its read
        self.stopped: LprlogsError | None = None  # why the run stops early (Ctrl-C, a full disk)

    def stop(self, why: LprlogsError) -> None:
        """Stop reading: DuckDB statements under way are interrupted, files not yet started are not read."""
        if self.stopped is None:
            self.stopped = why
        with self._lock:
            connections = [self.con, *self._connections]
        for con in connections:
            with contextlib.suppress(Exception):
                con.interrupt()

    def __enter__(self) -> _Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        for con in [*self._connections, self.con]:
            con.close()

    def emit(self, kind: str, source: Source, outcome: Any) -> None:
        if self._on_event is not None:
            with self._lock:
                self._on_event(kind, source, outcome)

    def submit(self, source: Source) -> None:
        waiting = self._in_flight.get(source.sha256) if source.sha256 else None
        if waiting is not None:
            waiting.result()  # the same bytes under another name: once the first is in, this one is "already"
        started = time.perf_counter()
        prepared = _prepare(self.store, self.readers, source, self.batch_id, self.force)
        if isinstance(prepared, FileOutcome):
            self.emit("start", source, None)
            prepared.seconds = time.perf_counter() - started
            self._results.append(prepared)
            self.emit("done", source, prepared)
            return
        reader, match, previous = prepared
        prepared_in = time.perf_counter() - started
        if source.size < SIDE_BY_SIDE_MAX_BYTES.get(getattr(reader, "name", ""), 0) and self.workers > 1:
            seq = self.store.next_seq()  # reserved here, in order: the store does not depend on which thread wins
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="lprlogs-ingest")
            future = self._pool.submit(self._read, source, reader, match, previous, seq, prepared_in)
            self._results.append(future)
            if source.sha256:
                self._in_flight[source.sha256] = future
            return
        self._drain()
        self._results.append(self._read(source, reader, match, previous, None, prepared_in, con=self.con))

    def _drain(self) -> None:
        """Wait for the files being read side by side (a reader that runs alone may take the store lock)."""
        for result in self._results:
            if isinstance(result, Future):
                result.result()
        self._in_flight.clear()

    def _connection(self) -> duckdb.DuckDBPyConnection:
        from .engine import connect

        con = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = connect(threads=2)
            if self.watch:
                enable_query_progress(con)
            with self._lock:
                self._connections.append(con)
        return con

    def _read(self, source: Source, reader: Any, match: Match, previous: dict[str, Any] | None, seq: int | None,
              prepared_in: float, con: duckdb.DuckDBPyConnection | None = None) -> FileOutcome:
        """Read one source (on a worker thread when ``con`` is None); its seconds exclude the wait for a worker."""
        started = time.perf_counter() - prepared_in
        if self.stopped is not None:
            return _not_read(source)
        self.emit("start", source, None)
        on_progress = None if not self.watch else (
            lambda fraction: self.emit("progress", source, FileProgress(fraction)))
        try:
            outcome = _read_and_commit(self.store, con or self._connection(), source, reader, match, previous,
                                       self.batch_id, seq, self.force, self.debug, on_progress, self)
        except DiskFull as full:
            self.stop(full)
            outcome = _not_read(source)
        outcome.seconds = time.perf_counter() - started
        self.emit("done", source, outcome)
        return outcome

    def outcomes(self) -> list[FileOutcome]:
        self._drain()
        return [r.result() if isinstance(r, Future) else r for r in self._results]


def _prepare(store: Store, readers: list[Any], source: Source, batch_id: int,
             force: bool) -> FileOutcome | tuple[Any, Match, dict[str, Any] | None]:
    """What can be told before reading: rejected, already in the store, empty, not an audit, skipped; or
    the reader and match to read it with (and the entry it replaces under --force)."""
    if source.skip_reason:
        return _refused(store, source, "rejected", source.skip_reason, batch_id)
    previous = store.source_by_sha(source.sha256)
    if previous is not None and not force:
        return FileOutcome(
            path=source.display_path, status="already", format=previous.get("format"),
            variant=previous.get("variant"), producer=previous.get("producer"), log_kind=previous.get("log_kind"),
            reason=f"already ingested (same sha256) as {previous.get('path')} in batch {previous.get('batch_id')}; "
                   "use --force to read it again",
        )
    if source.size == 0:
        return _refused(store, source, "rejected", "empty file (0 bytes)", batch_id)
    try:
        found = detect(source, readers)
    except (SourceRejected, LprlogsError) as exc:
        return _refused(store, source, "rejected", exc.message, batch_id)
    if found is None:
        return _refused(store, source, "skipped",
                        "not a format lprlogs reads (no audit header, sheet or text recognised)", batch_id)
    reader, match = found
    if match.details.get("skip"):
        return _refused(store, source, "skipped", str(match.details.get("reason") or "not an audit file"),
                        batch_id, match)
    return reader, match, previous


def _not_read(source: Source) -> FileOutcome:
    """A file the run stopped before (or while) reading: nothing of it was stored or recorded."""
    return FileOutcome(path=source.display_path, status="not read", reason="the run stopped before this file")


def _disk_full(store: Store) -> DiskFull:
    return DiskFull(f"no space left on the disk holding {store.root} (or the temporary folder); the file being "
                    "read was rolled back and the store is as it was before it",
                    hint="free some space (or set TMPDIR to a bigger disk) and run the same command again")


def _read_and_commit(store: Store, con: duckdb.DuckDBPyConnection, source: Source, reader: Any, match: Match,
                     previous: dict[str, Any] | None, batch_id: int, seq: int | None, force: bool, debug: bool,
                     on_progress: Callable[[float], None] | None = None, runner: _Runner | None = None,
                     ) -> FileOutcome:
    writer = store.writer(con, source, match, batch_id, seq)
    try:
        if on_progress is None:
            reader.read(source, match, writer)
        else:
            with watch_queries(writer.running, on_progress):
                reader.read(source, match, writer)
        if writer.producer is None and (writer.log_kind or "").endswith("audit"):
            writer.note("producer unknown: the file name does not name the agency whose log this is; "
                        "re-run with --force --producer 'Agency Name' (and --log-type) to set it")
        entry = writer.commit(replaces=previous if force else None)
    except (SourceRejected, LprlogsError) as exc:
        writer.rollback()
        return _refused(store, source, "rejected", exc.message, batch_id, match)
    except Exception as exc:  # a reader bug must not stop the other files; say so plainly
        writer.rollback()
        if is_disk_full(exc):
            raise _disk_full(store) from exc
        if runner is not None and runner.stopped is not None:  # Ctrl-C interrupted its statement
            return _not_read(source)
        if debug:
            raise
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[-1]
        reason = f"could not be read ({detail}); please report this file's shape (run with --debug for details)"
        return _refused(store, source, "rejected", reason, batch_id, match)
    except BaseException:  # a second Ctrl-C: nothing of this file may stay
        writer.rollback()
        raise
    return FileOutcome(
        path=source.display_path, status="ingested", format=entry["format"], variant=entry["variant"],
        producer=entry["producer"], log_kind=entry["log_kind"], rows_read=entry["rows_read"],
        rows_stored=entry["rows_stored"], rows_quarantined=entry["rows_quarantined"], notes=entry["notes"],
        other_tables=dict(entry["other_tables"]),
    )
