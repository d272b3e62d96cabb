"""Ingest: expand inputs into sources, sniff each, let its reader fill a SourceWriter, commit per
source, and account for every file and row. The CLI's `ingest` and `analyze` call ``ingest()``."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from .errors import LprlogsError, SourceRejected
from .formats import Match, all_readers, detect
from .progress import enable_query_progress, watch_queries
from .sources import Expander, Source
from .store import Store, now_utc


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
    batch_id: int
    store: str
    files: list[FileOutcome] = field(default_factory=list)

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


def _skipped_entry(source: Source, status: str, reason: str, batch_id: int,
                   match: Match | None = None) -> dict[str, Any]:
    return {
        "path": source.display_path, "parent": source.parent, "sha256": source.sha256 or None,
        "size": source.size, "format": match.format if match else None, "variant": match.variant if match else None,
        "encoding": None, "producer": source.producer, "producer_from": source.producer_from,
        "log_kind": source.log_kind, "status": status, "reason": reason, "rows_read": 0, "rows_stored": 0,
        "rows_quarantined": 0, "rows_blanked": 0, "parts_skipped": [], "notes": list(source.notes), "files": {},
        "batch_id": batch_id, "seq": 0, "ingested_at": now_utc(),
    }


def ingest(paths: list[str], store_dir: Path, *, producer: str | None = None, log_kind: str | None = None,
           encoding: str | None = None, tz: str | None = None, force: bool = False,
           exclude: tuple[Path, ...] = (), on_event: Callback | None = None, debug: bool = False) -> IngestReport:
    """Read every file under ``paths`` into the store at ``store_dir``; never stops at one bad file."""
    import time

    from .engine import Engine, connect

    store = Store.open(store_dir, create=True)
    readers = all_readers()
    con = connect(threads=2)
    if on_event is not None:
        enable_query_progress(con)
    emit = on_event or (lambda *_: None)
    with store.lock(), Expander(producer=producer, log_kind=log_kind, encoding=encoding, tz=tz,
                                exclude=(store_dir, *exclude)) as expander:
        batch = store.begin_batch([str(p) for p in paths])
        report = IngestReport(batch_id=batch["id"], store=str(store_dir))
        for source in expander.expand(list(paths)):
            started = time.perf_counter()
            emit("start", source, None)
            outcome = _ingest_one(store, con, readers, source, batch["id"], force, debug,
                                  None if on_event is None else
                                  (lambda fraction, s=source: emit("progress", s, FileProgress(fraction))))
            outcome.seconds = time.perf_counter() - started
            report.files.append(outcome)
            emit("done", source, outcome)
        batch.update({
            "files_ingested": report.count("ingested"), "files_already": report.count("already"),
            "files_skipped": report.count("skipped"), "files_rejected": report.count("rejected"),
            "rows_stored": report.rows_stored, "rows_quarantined": report.rows_quarantined,
        })
        store.finish_batch(batch)
        Engine.rebuild_derived(store)  # duplicate marks and agencies for the new manifest
    con.close()
    return report


def _ingest_one(store: Store, con: duckdb.DuckDBPyConnection, readers: list[Any], source: Source,
                batch_id: int, force: bool, debug: bool,
                on_progress: Callable[[float], None] | None = None) -> FileOutcome:
    if source.skip_reason:
        store.record(_skipped_entry(source, "rejected", source.skip_reason, batch_id))
        return FileOutcome(path=source.display_path, status="rejected", reason=source.skip_reason)
    previous = store.source_by_sha(source.sha256)
    if previous is not None and not force:
        return FileOutcome(
            path=source.display_path, status="already", format=previous.get("format"),
            variant=previous.get("variant"), producer=previous.get("producer"), log_kind=previous.get("log_kind"),
            reason=f"already ingested (same sha256) as {previous.get('path')} in batch {previous.get('batch_id')}; "
                   "use --force to read it again",
        )
    if source.size == 0:
        reason = "empty file (0 bytes)"
        store.record(_skipped_entry(source, "rejected", reason, batch_id))
        return FileOutcome(path=source.display_path, status="rejected", reason=reason)
    try:
        found = detect(source, readers)
    except (SourceRejected, LprlogsError) as exc:
        store.record(_skipped_entry(source, "rejected", exc.message, batch_id))
        return FileOutcome(path=source.display_path, status="rejected", reason=exc.message)
    if found is None:
        reason = "not a format lprlogs reads (no audit header, sheet or text recognised)"
        store.record(_skipped_entry(source, "skipped", reason, batch_id))
        return FileOutcome(path=source.display_path, status="skipped", reason=reason)
    reader, match = found
    if match.details.get("skip"):
        reason = str(match.details.get("reason") or "not an audit file")
        store.record(_skipped_entry(source, "skipped", reason, batch_id, match))
        return FileOutcome(path=source.display_path, status="skipped", format=match.format, reason=reason)
    writer = store.writer(con, source, match, batch_id)
    try:
        if on_progress is None:
            reader.read(source, match, writer)
        else:
            with watch_queries(writer.running, on_progress):
                reader.read(source, match, writer)
    except (SourceRejected, LprlogsError) as exc:
        writer.rollback()
        store.record(_skipped_entry(source, "rejected", exc.message, batch_id, match))
        return FileOutcome(path=source.display_path, status="rejected", format=match.format, reason=exc.message)
    except Exception as exc:  # a reader bug must not stop the other files; say so plainly
        writer.rollback()
        if debug:
            raise
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[-1]
        reason = f"could not be read ({detail}); please report this file's shape (run with --debug for details)"
        store.record(_skipped_entry(source, "rejected", reason, batch_id, match))
        return FileOutcome(path=source.display_path, status="rejected", format=match.format, reason=reason)
    if writer.producer is None and (writer.log_kind or "").endswith("audit"):
        writer.note("producer unknown: the file name does not name the agency whose log this is; "
                    "re-run with --force --producer 'Agency Name' (and --log-type) to set it")
    entry = writer.commit(replaces=previous if force else None)
    return FileOutcome(
        path=source.display_path, status="ingested", format=entry["format"], variant=entry["variant"],
        producer=entry["producer"], log_kind=entry["log_kind"], rows_read=entry["rows_read"],
        rows_stored=entry["rows_stored"], rows_quarantined=entry["rows_quarantined"], notes=entry["notes"],
        other_tables=dict(entry.get("side_rows") or {}),
    )
