"""Inputs -> sources: expand files, folders and (nested) zip archives, hash each file, and tell the
producer and log kind from the file name.

Zip members are extracted safely into a private temporary folder: no member path may escape it, and
caps on member count, total size and compression ratio refuse zip bombs with a clear message.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import SourceRejected

# Zip safety caps (override with environment variables for unusually large releases).
MAX_ZIP_MEMBERS = int(os.environ.get("LPRLOGS_MAX_ZIP_MEMBERS", 10_000))
MAX_ZIP_TOTAL_BYTES = int(os.environ.get("LPRLOGS_MAX_ZIP_BYTES", 20 * 1024**3))
MAX_ZIP_RATIO = float(os.environ.get("LPRLOGS_MAX_ZIP_RATIO", 200.0))
MAX_ZIP_DEPTH = 4

# Files that are never audit data: skipped quietly-but-recorded, with this reason.
IGNORED_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
STORE_MARKER = "manifest.json"  # a folder holding this (and searches/) is an lprlogs store
OUTPUT_MARKER = ".lprlogs-output"  # written by report/followup into their output folders


@dataclass
class Source:
    """One file to read: on disk at ``path``; shown to users and cited as ``display_path``."""

    path: Path
    display_path: str
    sha256: str = ""
    size: int = 0
    producer: str | None = None
    log_kind: str | None = None
    producer_from: str = ""  # 'option', 'file name', or '' when unknown
    period: tuple[str, str] | None = None  # dates named in the file name, as written (M_D_YYYY)
    encoding: str | None = None  # user override (--encoding)
    tz: str | None = None  # user-given zone for local times (--tz)
    parent: str | None = None  # archive the member came from
    skip_reason: str | None = None  # set when expansion already knows the file must be skipped
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return PurePosixPath(self.display_path.replace("!/", "/")).name

    def head(self, n: int = 65536) -> bytes:
        with open(self.path, "rb") as fh:
            return fh.read(n)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- producer and log kind from the file name --------------------------------------------------

_DATE = r"\d{1,2}[_/.-]\d{1,2}[_/.-]\d{2,4}"
_FLOCK_NAME = re.compile(
    rf"^(?P<start>{_DATE})\s*(?:-|to|_)\s*(?P<end>{_DATE})\s*[-_ ]\s*(?P<org>.+?)\s*[-_ ]\s*"
    r"(?P<kind>Network[-_ ]Audit|Organization[-_ ]Audit|Org[-_ ]Audit|Federal[-_ ]Audit|Audit)$",
    re.IGNORECASE,
)
_PORTAL_NAME = re.compile(r"^(?P<slug>[a-z0-9-]+?)_(?P<date>\d{4}-\d{2}-\d{2})_search_audit(?:\.[0-9a-f]+)?$")
_SLUG_SUFFIX = {"pd": "PD", "so": "SO", "sd": "SD", "da": "DA", "usd": "USD", "isd": "ISD"}


def _strip_name_noise(stem: str) -> str:
    """Remove the release decorations agencies add to Flock file names."""
    text = stem.strip()
    previous = None
    while previous != text:
        previous = text
        text = re.sub(r"^\s*REDACTED\s*[-_]\s*", "", text, flags=re.IGNORECASE)
        text = re.sub(r"\s*[-_]\s*Redacted\s*$", "", text, flags=re.IGNORECASE)
        text = re.sub(r"\s*\(\d+\)\s*$", "", text)  # ' (1)', '(2)'
        text = re.sub(r"\s*\bcopy\s*$", "", text, flags=re.IGNORECASE)
        text = text.strip(" _-")
    return text


def _kind_from_words(kind: str) -> str:
    kind = kind.lower().replace("_", " ").replace("-", " ")
    if kind.startswith("network"):
        return "network_audit"
    if kind.startswith("federal"):
        return "federal_audit"
    return "org_audit"


def _org_from_slug(slug: str) -> str:
    """'santa-clara-ca-pd' -> 'Santa Clara CA PD' (portal file names written by the saver)."""
    parts = slug.split("-")
    words = []
    for i, part in enumerate(parts):
        if part in _SLUG_SUFFIX and i == len(parts) - 1:
            words.append(_SLUG_SUFFIX[part])
        elif len(part) == 2 and i >= len(parts) - 2 and part.isalpha():
            words.append(part.upper())  # the state code
        else:
            words.append(part.capitalize())
    return " ".join(words)


def name_facts(file_name: str) -> dict[str, object]:
    """Producer, log kind and period told by a file name, or empty values when it tells nothing.

    >>> name_facts("REDACTED - 11_1_2025-11_30_2025-Conway AR PD-Audit (2) - Redacted .csv")["producer"]
    'Conway AR PD'
    """
    stem = PurePosixPath(file_name).name
    stem = re.sub(r"\s*\.(csv|txt|xlsx|xlsm|xls|xlsb|pdf|tsv)$", "", stem, flags=re.IGNORECASE)
    stem = re.sub(r"\.pages-\d+-\d+$", "", stem)  # page-range extracts
    stem = _strip_name_noise(stem)
    match = _FLOCK_NAME.match(stem)
    if match:
        org = _strip_name_noise(match.group("org").replace("_", " "))
        org = re.sub(r"\s+", " ", org)
        return {
            "producer": org or None,
            "log_kind": _kind_from_words(match.group("kind")),
            "period": (match.group("start"), match.group("end")),
        }
    match = _PORTAL_NAME.match(stem)
    if match:
        return {"producer": _org_from_slug(match.group("slug")), "log_kind": "portal_audit", "period": None}
    return {"producer": None, "log_kind": None, "period": None}


# --- expansion ----------------------------------------------------------------------------------


def _is_store_or_output(folder: Path) -> bool:
    return (folder / OUTPUT_MARKER).exists() or (
        (folder / STORE_MARKER).exists() and (folder / "searches").is_dir()
    )


def _safe_member_path(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        return None
    return path


class Expander:
    """Expands user paths into Sources; owns the temporary folder zip members are extracted to."""

    def __init__(self, *, producer: str | None = None, log_kind: str | None = None,
                 encoding: str | None = None, tz: str | None = None,
                 exclude: tuple[Path, ...] = ()):
        self.producer = producer
        self.log_kind = log_kind
        self.encoding = encoding
        self.tz = tz
        self.exclude = tuple(p.resolve() for p in exclude)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Expander:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    @property
    def tmpdir(self) -> Path:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="lprlogs-unzip-")
        return Path(self._tmp.name)

    def expand(self, paths: list[str]) -> Iterator[Source]:
        for given in paths:
            path = Path(given)
            if not path.exists():
                yield self._rejected(path, given, "no such file or folder")
            elif path.is_dir():
                yield from self._walk(path, given)
            else:
                yield from self._file(path, given, depth=0)

    def _excluded(self, path: Path) -> bool:
        resolved = path.resolve()
        return any(resolved == ex or ex in resolved.parents for ex in self.exclude)

    def _walk(self, folder: Path, shown: str) -> Iterator[Source]:
        if self._excluded(folder) or _is_store_or_output(folder):
            return
        for entry in sorted(folder.iterdir(), key=lambda p: p.name):
            shown_child = str(PurePosixPath(shown) / entry.name)
            if entry.name.startswith(".") or entry.name.lower() in IGNORED_NAMES:
                continue
            if entry.is_symlink():  # never followed out of the release, but said: no file is left out unsaid
                yield self._rejected(entry, shown_child, "a symbolic link: links inside a folder are not followed; "
                                     "give the file it points to as a path of its own to read it")
                continue
            if entry.is_dir():
                yield from self._walk(entry, shown_child)
            elif entry.is_file():
                if self._excluded(entry):
                    continue
                yield from self._file(entry, shown_child, depth=0)

    def _rejected(self, path: Path, shown: str, reason: str, parent: str | None = None) -> Source:
        return Source(path=path, display_path=shown, skip_reason=reason, parent=parent)

    def _make(self, path: Path, shown: str, parent: str | None) -> Source:
        facts = name_facts(shown)
        producer = self.producer or facts["producer"]
        source = Source(
            path=path,
            display_path=shown,
            sha256=sha256_file(path),
            size=path.stat().st_size,
            producer=producer,  # type: ignore[arg-type]
            log_kind=self.log_kind or facts["log_kind"],  # type: ignore[arg-type]
            producer_from="option" if self.producer else ("file name" if facts["producer"] else ""),
            period=facts["period"],  # type: ignore[arg-type]
            encoding=self.encoding,
            tz=self.tz,
            parent=parent,
        )
        return source

    def _file(self, path: Path, shown: str, depth: int, parent: str | None = None) -> Iterator[Source]:
        if zipfile.is_zipfile(path) and not _looks_like_office(path):
            yield from self._zip(path, shown, depth)
            return
        yield self._make(path, shown, parent)

    def _zip(self, path: Path, shown: str, depth: int) -> Iterator[Source]:
        if depth >= MAX_ZIP_DEPTH:
            yield self._rejected(path, shown, f"zip nested deeper than {MAX_ZIP_DEPTH} levels; refused")
            return
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            yield self._rejected(path, shown, f"not a readable zip archive ({exc})")
            return
        with archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            total = sum(m.file_size for m in members)
            packed = sum(m.compress_size for m in members) or 1
            if len(members) > MAX_ZIP_MEMBERS:
                yield self._rejected(path, shown, f"zip has {len(members):,} members, more than the cap of "
                                     f"{MAX_ZIP_MEMBERS:,}; refused (set LPRLOGS_MAX_ZIP_MEMBERS to allow)")
                return
            if total > MAX_ZIP_TOTAL_BYTES:
                yield self._rejected(path, shown, f"zip expands to {total:,} bytes, more than the cap of "
                                     f"{MAX_ZIP_TOTAL_BYTES:,}; refused (set LPRLOGS_MAX_ZIP_BYTES to allow)")
                return
            if total / packed > MAX_ZIP_RATIO and total > 10 * 1024**2:
                yield self._rejected(path, shown, f"zip compression ratio {total / packed:,.0f}:1 looks like a zip "
                                     f"bomb (cap {MAX_ZIP_RATIO:,.0f}:1); refused (set LPRLOGS_MAX_ZIP_RATIO to allow)")
                return
            target = Path(tempfile.mkdtemp(prefix="zip-", dir=self.tmpdir))
            for member in sorted(members, key=lambda m: m.filename):
                member_shown = f"{shown}!/{member.filename}"
                safe = _safe_member_path(member.filename)
                mode = (member.external_attr >> 16) & 0o170000
                if safe is None:
                    yield self._rejected(path, member_shown, "member path escapes the archive folder; refused", shown)
                    continue
                if mode == stat.S_IFLNK:
                    yield self._rejected(path, member_shown, "member is a symbolic link; refused", shown)
                    continue
                name = safe.name
                if name.startswith(".") or name.lower() in IGNORED_NAMES or "__MACOSX" in safe.parts:
                    continue
                if member.compress_size and member.file_size / member.compress_size > MAX_ZIP_RATIO \
                        and member.file_size > 10 * 1024**2:
                    yield self._rejected(path, member_shown, "member compression ratio looks like a zip bomb; refused",
                                         shown)
                    continue
                out_path = target / Path(*safe.parts)
                if target.resolve() not in out_path.resolve().parents:
                    yield self._rejected(path, member_shown, "member path escapes the archive folder; refused", shown)
                    continue
                out_path.parent.mkdir(parents=True, exist_ok=True)
                written = 0
                with archive.open(member) as src, open(out_path, "wb") as dst:
                    for block in iter(lambda: src.read(1 << 20), b""):  # noqa: B023
                        written += len(block)
                        if written > member.file_size + 1024:  # lying header: stop at once
                            break
                        dst.write(block)
                if written > member.file_size + 1024:
                    out_path.unlink(missing_ok=True)
                    yield self._rejected(path, member_shown, "member is larger than its header says; refused", shown)
                    continue
                if zipfile.is_zipfile(out_path) and not _looks_like_office(out_path):
                    yield from self._zip(out_path, member_shown, depth + 1)
                else:
                    yield self._make(out_path, member_shown, shown)


def _looks_like_office(path: Path) -> bool:
    """xlsx/docx/pptx are zip files too; they are documents, not archives to descend into."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist()[:50])
    except (zipfile.BadZipFile, OSError):
        return False
    return "[Content_Types].xml" in names or "mimetype" in names


def cleanup_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


__all__ = ["Source", "Expander", "name_facts", "sha256_file", "SourceRejected"]
