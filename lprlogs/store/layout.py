"""Every path inside a store folder, named in one place. Other modules ask ``Layout`` for a path and never
join names under the store root themselves.

    manifest.json                       every source and batch (the truth, with the Parquet files it names)
    .lock                               the writer lock (flock)
    secret.key                          the redaction key (redact.py)
    searches/ quarantine/ side/<table>/ stored Parquet files, one set per source, never changed once committed
    reference/registry.csv              an agency registry (agencies load-registry)
    reference/287g/<sha16>.parquet      ICE 287(g) lists (agencies load-287g)
    derived/stamp.json                  what derived/ was built from and the files it holds (derived.py)
    derived/duplicates-<id>.parquet     duplicate marks
    derived/agencies-<id>.parquet       agencies table; derived/agreements-<id>.parquet its 287(g) matches
    derived/report_<table>-<id>.parquet the tables the report and `flags` count from (engine/report_tables.py)
    derived/packs/                      small stored files copied together for reading (packs.py)
    derived/redacted/<view>-<id>.parquet  a redacted view written once per store state (redact.py)
    tmp/                                files being written; garbage after a crash
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.json"
STORED_KINDS = ("searches", "quarantine")


@dataclass(frozen=True)
class Layout:
    """The paths of one store folder."""

    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def lock(self) -> Path:
        return self.root / ".lock"

    @property
    def secret(self) -> Path:
        return self.root / "secret.key"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    # --- stored files ---------------------------------------------------------------------------

    def stored_folder(self, kind: str) -> str:
        """The folder (relative to the root) of a kind of stored file: searches, quarantine or a side table."""
        return kind if kind in STORED_KINDS else f"side/{kind}"

    def stored_roots(self) -> list[Path]:
        return [self.root / "searches", self.root / "quarantine", self.root / "side"]

    def path(self, relative: str) -> Path:
        """A path the manifest or the stamp names (relative to the root, with forward slashes)."""
        return self.root / relative

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    # --- reference lists ------------------------------------------------------------------------

    @property
    def reference(self) -> Path:
        return self.root / "reference"

    def registry(self, file_name: str = "registry.csv") -> Path:
        return self.reference / file_name

    @property
    def lists_287g(self) -> Path:
        return self.reference / "287g"

    # --- derived --------------------------------------------------------------------------------

    @property
    def derived(self) -> Path:
        return self.root / "derived"

    @property
    def stamp(self) -> Path:
        return self.derived / "stamp.json"

    def derived_file(self, name: str, build_id: str) -> Path:
        """A derived table's file for one build (``name``: duplicates, agencies, agreements,
        report_facts, report_shared_searches, report_flags, report_rows); named per build so
        that a reader still reading the previous build's file never sees it replaced."""
        return self.derived / f"{name}-{build_id}.parquet"

    @property
    def packs(self) -> Path:
        return self.derived / "packs"

    @property
    def redacted(self) -> Path:
        return self.derived / "redacted"

    def redacted_file(self, view: str, build_id: str) -> Path:
        return self.redacted / f"{view}-{build_id}.parquet"
