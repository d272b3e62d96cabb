"""Inputs -> sources: expand files, folders and (nested) zip archives, hash each file, and tell the
producer and log kind from the file name.

Zip members are extracted safely into a private temporary folder: no member path may escape it, each
member gets a folder of its own (two members may share a name), and caps on member count, nesting depth,
and the bytes one input may expand to (across every nested archive, counted as they are written, not as
headers claim) refuse zip bombs with a clear message. A file, folder or member that cannot be read is one
rejected source with its reason; the others are still read.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import os
import re
import shutil
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .agencies.classification import producer_zone
from .errors import LprlogsError, SourceRejected
from .schema import LOG_KINDS
from .store.layout import Layout
from .tempdirs import private_temp_dir
from .timezones import ZoneChoice

# Zip safety caps (override with environment variables for unusually large releases).
MAX_ZIP_MEMBERS = int(os.environ.get("LPRLOGS_MAX_ZIP_MEMBERS", 10_000))
MAX_ZIP_TOTAL_BYTES = int(os.environ.get("LPRLOGS_MAX_ZIP_BYTES", 20 * 1024**3))
MAX_ZIP_RATIO = float(os.environ.get("LPRLOGS_MAX_ZIP_RATIO", 200.0))
MAX_ZIP_DEPTH = 4
UNZIP_PREFIX = "lprlogs-unzip-"
_SMALL_EXPANSION = 10 * 1024**2  # an input may always expand to this much, whatever its ratio

# Files that are never audit data: skipped quietly-but-recorded, with this reason.
IGNORED_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
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
    producer_from: str = ""  # 'option', 'producers file line N', 'file name', or '' when unknown
    period: tuple[str, str] | None = None  # dates named in the file name, as written (M_D_YYYY)
    encoding: str | None = None  # user override (--encoding)
    tz: str | None = None  # user-given zone for local times (--tz)
    zone: ZoneChoice | None = None  # the producer's zone (or None) and how it was chosen (timezones)
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


# --- producers named in a file (--producers) ---------------------------------------------------


@dataclass
class ProducerRule:
    """One line of a ``--producers`` file: files whose name (or path) matches ``pattern`` are the log of
    ``producer``, of kind ``log_kind`` when given."""

    pattern: str
    producer: str
    log_kind: str | None
    line: int
    used: int = 0

    def matches(self, shown: str) -> bool:
        """Whether the pattern matches the end of the file's path, as many parts as the pattern has:
        ``audit.csv`` the name, ``eugene/*.csv`` the name and its folder (or archive)."""
        pattern = self.pattern.replace("\\", "/").strip("/").lower()
        parts = PurePosixPath(shown.replace("!/", "/").lower()).parts
        tail = "/".join(parts[-(pattern.count("/") + 1):])
        return fnmatch.fnmatchcase(tail, pattern)


def read_producers_file(path: Path) -> list[ProducerRule]:
    """The rules of a ``--producers`` CSV: columns ``file`` (a file name or a glob such as ``*_search_audit.csv``
    or ``eugene/*.xlsx``), ``producer``, and optionally ``log_kind``. The first rule a file matches wins."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise LprlogsError(f"cannot read the producers file ({exc})", path=str(path)) from exc
    header = [cell.strip().lower() for cell in (rows[0] if rows else [])]
    if "file" not in header or "producer" not in header:
        raise LprlogsError("the producers file needs the columns file and producer (and may have log_kind)",
                           path=str(path), line=1, hint="first line: file,producer,log_kind")
    rules = []
    for number, row in enumerate(rows[1:], start=2):
        cells = dict(zip(header, (cell.strip() for cell in row), strict=False))
        if not any(cells.values()):
            continue
        kind = cells.get("log_kind") or None
        if not cells.get("file") or not cells.get("producer"):
            raise LprlogsError("a line needs both a file (name or glob) and a producer", path=str(path), line=number)
        if kind is not None and kind not in LOG_KINDS:
            raise LprlogsError(f"unknown log_kind {kind!r}", path=str(path), line=number,
                               hint="one of " + ", ".join(LOG_KINDS))
        rules.append(ProducerRule(cells["file"], cells["producer"], kind, number))
    return rules


# --- expansion ----------------------------------------------------------------------------------


def _is_store_or_output(folder: Path) -> bool:
    store = Layout(folder)
    return (folder / OUTPUT_MARKER).exists() or (store.manifest.exists() and store.stored_roots()[0].is_dir())


class _ZipBudget:
    """What one input (a zip given by the user, with every archive nested in it) may expand to: its own
    size times MAX_ZIP_RATIO (at least 10 MiB), at most MAX_ZIP_TOTAL_BYTES. Bytes are counted as written."""

    def __init__(self, outer_size: int):
        self.cap = min(MAX_ZIP_TOTAL_BYTES, max(_SMALL_EXPANSION, int(outer_size * MAX_ZIP_RATIO)))
        self.used = 0

    def refusal(self) -> str:
        return (f"expands to more than {self.cap:,} bytes ({MAX_ZIP_RATIO:,.0f} times the archive's size, "
                f"nested archives included): looks like a zip bomb; refused (set LPRLOGS_MAX_ZIP_RATIO or "
                f"LPRLOGS_MAX_ZIP_BYTES to allow)")


def cited_path(given: str) -> str:
    """How a path given to ingest is cited in the store and every output: as typed when it is relative and
    stays inside the current folder (``samples/``, ``release/a.csv``); otherwise by its last part, so an
    absolute path (``/Users/<name>/Documents/release``) never puts a home folder in a report."""
    path = PurePosixPath(given.replace("\\", "/"))
    if given.startswith("~") or path.is_absolute() or ".." in path.parts:
        name = Path(given).expanduser().resolve().name
        return name or given
    return given


def _safe_member_path(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        return None
    return path


class Expander:
    """Expands user paths into Sources; owns the temporary folder zip members are extracted to."""

    def __init__(self, *, producer: str | None = None, log_kind: str | None = None,
                 encoding: str | None = None, tz: str | None = None,
                 exclude: tuple[Path, ...] = (), producers: list[ProducerRule] | None = None,
                 registry: Any = None):
        self.producer = producer
        self.registry = registry  # agencies.Registry: corrections, including a producer's time zone
        self.producers = producers or []
        self.log_kind = log_kind
        self.encoding = encoding
        self.tz = tz
        self.exclude = tuple(p.resolve() for p in exclude)
        self._tmp: Path | None = None
        self._folders = 0  # members are extracted into numbered folders: two may share a name

    def __enter__(self) -> Expander:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    @property
    def tmpdir(self) -> Path:
        if self._tmp is None:
            self._tmp = Path(private_temp_dir(UNZIP_PREFIX))
        return self._tmp

    def expand(self, paths: list[str]) -> Iterator[Source]:
        for given in paths:
            path = Path(given)
            shown = cited_path(given)
            if not path.exists():
                yield self._rejected(path, shown, "no such file or folder")
            elif path.is_dir():
                yield from self._walk(path, shown)
            else:
                yield from self._file(path, shown, depth=0)

    def _unreadable(self, path: Path, shown: str, exc: BaseException, parent: str | None = None) -> Source:
        what = "folder" if path.is_dir() else "file"
        if isinstance(exc, PermissionError):
            reason = f"the {what} cannot be read: permission denied (check its permissions)"
        else:
            reason = f"the {what} cannot be read ({type(exc).__name__}: {exc})"
        return self._rejected(path, shown, reason, parent)

    def _excluded(self, path: Path, resolved: Path | None = None) -> bool:
        resolved = resolved or path.resolve()
        return any(resolved == ex or ex in resolved.parents for ex in self.exclude)

    def _walk(self, top: Path, top_shown: str) -> Iterator[Source]:
        """Files under ``top`` in name order, depth first, without recursion (a release can nest deep)."""
        # resolved once at the top, then extended by name (links are not followed): resolving every folder
        # of a deep tree again costs a system call per level of each
        stack: list[tuple[Path, str, Path]] = [(top, top_shown, top.resolve())]
        while stack:
            folder, shown, resolved = stack.pop()
            if self._excluded(folder, resolved) or _is_store_or_output(folder):
                continue
            try:
                entries = sorted(folder.iterdir(), key=lambda p: p.name)
            except OSError as exc:
                yield self._unreadable(folder, shown, exc)
                continue
            subfolders: list[tuple[Path, str, Path]] = []
            for entry in entries:
                shown_child = str(PurePosixPath(shown) / entry.name)
                if entry.name.startswith(".") or entry.name.lower() in IGNORED_NAMES:
                    continue
                if entry.is_symlink():  # never followed out of the release, but said: no file left out unsaid
                    yield self._rejected(entry, shown_child, "a symbolic link: links inside a folder are not "
                                         "followed; give the file it points to as a path of its own to read it")
                elif entry.is_dir():
                    subfolders.append((entry, shown_child, resolved / entry.name))
                elif entry.is_file() and not self._excluded(entry, resolved / entry.name):
                    yield from self._file(entry, shown_child, depth=0)
            stack.extend(reversed(subfolders))

    def _rejected(self, path: Path, shown: str, reason: str, parent: str | None = None) -> Source:
        return Source(path=path, display_path=shown, skip_reason=reason, parent=parent)

    def _make(self, path: Path, shown: str, parent: str | None) -> Source:
        try:
            return self._described(path, shown, parent)
        except OSError as exc:
            return self._unreadable(path, shown, exc, parent)

    def _named(self, shown: str) -> tuple[str | None, str | None, str]:
        """Producer, log kind and where the producer came from: --producer, else the --producers file's
        first matching rule, else the file name."""
        facts = name_facts(shown)
        if self.producer:
            return self.producer, self.log_kind or facts["log_kind"], "option"  # type: ignore[return-value]
        rule = next((r for r in self.producers if r.matches(shown)), None)
        if rule is not None:
            rule.used += 1
            kind = self.log_kind or rule.log_kind or facts["log_kind"]
            return rule.producer, kind, f"producers file line {rule.line}"  # type: ignore[return-value]
        named = facts["producer"]
        return named, self.log_kind or facts["log_kind"], "file name" if named else ""  # type: ignore[return-value]

    def _described(self, path: Path, shown: str, parent: str | None) -> Source:
        facts = name_facts(shown)
        producer, log_kind, producer_from = self._named(shown)
        source = Source(
            path=path,
            display_path=shown,
            sha256=sha256_file(path),
            size=path.stat().st_size,
            producer=producer,
            log_kind=log_kind,
            producer_from=producer_from,
            period=facts["period"],  # type: ignore[arg-type]
            encoding=self.encoding,
            tz=self.tz,
            parent=parent,
        )
        source.zone = producer_zone(producer, given=self.tz, registry=self.registry)
        return source

    def _file(self, path: Path, shown: str, depth: int, parent: str | None = None,
              budget: _ZipBudget | None = None) -> Iterator[Source]:
        try:
            archive = zipfile.is_zipfile(path) and not _looks_like_office(path)
            damaged = not archive and _damaged_zip(path)
        except OSError as exc:
            yield self._unreadable(path, shown, exc, parent)
            return
        if archive:
            yield from self._zip(path, shown, depth, budget or _ZipBudget(path.stat().st_size))
        elif damaged:
            yield self._rejected(path, shown, "a damaged zip archive (cut short or corrupt: its table of contents "
                                 "is missing); ask for the file again or re-download it", parent)
        else:
            yield self._make(path, shown, parent)

    def _zip(self, path: Path, shown: str, depth: int, budget: _ZipBudget) -> Iterator[Source]:
        if depth >= MAX_ZIP_DEPTH:
            yield self._rejected(path, shown, f"zip nested deeper than {MAX_ZIP_DEPTH} levels; refused")
            return
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            yield self._rejected(path, shown, f"a damaged zip archive ({exc}); ask for the file again")
            return
        with archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            refusal = _archive_refusal(members, budget)
            if refusal:
                yield self._rejected(path, shown, refusal)
                return
            for member in sorted(members, key=lambda m: m.filename):
                self._folders += 1
                yield from self._member(archive, member, path, shown, self.tmpdir / f"{self._folders:06d}", depth,
                                        budget)

    def _member(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo, path: Path, shown: str, folder: Path,
                depth: int, budget: _ZipBudget) -> Iterator[Source]:
        """One member, extracted into a folder of its own (``folder``), then read or descended into."""
        member_shown = f"{shown}!/{member.filename}"
        safe = _safe_member_path(member.filename)
        if safe is None:
            yield self._rejected(path, member_shown, "member path escapes the archive folder; refused", shown)
            return
        if (member.external_attr >> 16) & 0o170000 == stat.S_IFLNK:
            yield self._rejected(path, member_shown, "member is a symbolic link; refused", shown)
            return
        if safe.name.startswith(".") or safe.name.lower() in IGNORED_NAMES or "__MACOSX" in safe.parts:
            return
        out_path = folder.joinpath(*safe.parts)
        if folder.resolve() not in out_path.resolve().parents:
            yield self._rejected(path, member_shown, "member path escapes the archive folder; refused", shown)
            return
        problem = _extract(archive, member, out_path, budget)
        if problem:
            out_path.unlink(missing_ok=True)
            yield self._rejected(path, member_shown, problem, shown)
            return
        yield from self._file(out_path, member_shown, depth + 1, shown, budget)


def _archive_refusal(members: list[zipfile.ZipInfo], budget: _ZipBudget) -> str | None:
    """Why an archive is refused before anything is extracted (its headers), or None."""
    if len(members) > MAX_ZIP_MEMBERS:
        return (f"zip has {len(members):,} members, more than the cap of {MAX_ZIP_MEMBERS:,}; refused "
                f"(set LPRLOGS_MAX_ZIP_MEMBERS to allow)")
    if budget.used + sum(m.file_size for m in members) > budget.cap:
        return "zip " + budget.refusal()
    return None


def _extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo, out_path: Path, budget: _ZipBudget) -> str | None:
    """Write one member, counting its bytes against the input's budget; the reason it failed, or None."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with archive.open(member) as src, open(out_path, "wb") as dst:
            for block in iter(lambda: src.read(1 << 20), b""):
                written += len(block)
                budget.used += len(block)
                if written > member.file_size + 1024:  # lying header: stop at once
                    return "member is larger than its header says; refused"
                if budget.used > budget.cap:
                    return "archive " + budget.refusal()
                dst.write(block)
    except zipfile.BadZipFile as exc:
        return f"member is damaged ({exc}); ask for the archive again"
    except (OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
        # RuntimeError: encrypted member; NotImplementedError: a compression method zipfile lacks
        return f"member cannot be extracted ({type(exc).__name__}: {exc})"
    return None


def _damaged_zip(path: Path) -> bool:
    """A file that starts as a zip archive but has no readable table of contents (a cut-short download).
    A cut-short workbook starts the same way: it is left to the workbook reader, which names it."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head.startswith(b"PK\x03\x04"):
        return False
    name_length = int.from_bytes(head[26:28], "little")
    first_member = head[30:30 + name_length]
    return not (first_member.startswith((b"[Content_Types].xml", b"xl/", b"docProps", b"_rels", b"mimetype",
                                         b"word/", b"ppt/")))


def _looks_like_office(path: Path) -> bool:
    """xlsx/docx/pptx are zip files too; they are documents, not archives to descend into."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist()[:50])
    except (zipfile.BadZipFile, OSError):
        return False
    return "[Content_Types].xml" in names or "mimetype" in names


def count_files(paths: list[str]) -> int:
    """About how many files ``Expander.expand`` will yield (a zip counted by its members, nested archives as
    one), found without hashing or extracting: the total a progress bar counts towards."""
    total = 0
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for folder, subfolders, names in os.walk(path):
                subfolders[:] = [s for s in subfolders if not s.startswith(".")]
                total += sum(_count_file(Path(folder) / n) for n in names
                             if not n.startswith(".") and n.lower() not in IGNORED_NAMES)
        elif path.is_file():
            total += _count_file(path)
    return total


def _count_file(path: Path) -> int:
    try:
        if zipfile.is_zipfile(path) and not _looks_like_office(path):
            with zipfile.ZipFile(path) as archive:
                return sum(1 for m in archive.infolist() if not m.is_dir()) or 1
    except (OSError, zipfile.BadZipFile, ValueError):
        pass
    return 1


def cleanup_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


__all__ = ["Source", "Expander", "ProducerRule", "name_facts", "read_producers_file", "sha256_file", "SourceRejected"]
