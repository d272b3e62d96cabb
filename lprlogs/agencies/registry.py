"""A reporter's corrections to the rules: a registry CSV (``name_or_pattern, state, kind, same_as,
display_name, tz``), read and checked here, kept in the store under ``reference/registry.csv``.

Reading and applying a registry needs no store; :func:`save_registry` writes it into one, under the
store's writer lock."""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import io
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import LprlogsError
from ..timezones import check_zone
from .classification import Classification, classify, make_key
from .rules import KINDS, Rules

if TYPE_CHECKING:
    from ..store import Store

REGISTRY_FILE = "registry.csv"
REGISTRY_COLUMNS = ("name_or_pattern", "state", "kind", "same_as", "display_name", "tz")


@dataclass(frozen=True)
class RegistryRule:
    pattern: str
    state: str | None
    kind: str | None
    same_as: str | None
    line: int
    display_name: str | None = None
    tz: str | None = None

    def matches(self, name: str, normalized: str) -> bool:
        candidates = (name.strip().upper(), " ".join(name.upper().split()), normalized)
        pattern = " ".join(self.pattern.upper().split())
        if any(ch in pattern for ch in "*?["):
            return any(fnmatch.fnmatchcase(c, pattern) for c in candidates)
        return pattern in candidates

    @property
    def classifies(self) -> bool:
        """Whether the row changes the classification (not only the display name or the time zone)."""
        return bool(self.state or self.kind or self.same_as)


@dataclass(frozen=True)
class Registry:
    """A reporter's corrections: ``name_or_pattern, state, kind, same_as, display_name`` (first matching
    row wins).

    ``name_or_pattern`` is a name as written (case and repeated spaces ignored) or a glob pattern
    (``*`` any text, ``?`` one character), compared with the name as written and with its
    normalised form. Empty ``state`` / ``kind`` keep what the rules say; ``same_as`` names another
    organisation whose agency_key this one takes; ``display_name`` (optional column) is what letters
    and tables call the organisation; ``tz`` (optional column, an IANA name such as America/Chicago) is
    the zone of its zone-less local times.
    """

    rules: tuple[RegistryRule, ...] = ()
    source: str = ""
    sha256: str = ""

    def _same_as(self, rule: RegistryRule) -> Classification:
        """The organisation ``rule.same_as`` names, as this registry classifies it (one step, no chains)."""
        target = classify(rule.same_as or "", None)
        other = next((r for r in self.rules if r is not rule and r.matches(target.name, target.normalized)), None)
        if other is not None and not other.same_as:
            target = replace(target, state=other.state or target.state, kind=other.kind or target.kind)
            target = replace(target, agency_key=make_key(target.state, target.kind, target.place))
        return target

    def apply(self, result: Classification) -> Classification:
        rule = next((r for r in self.rules if r.matches(result.name, result.normalized)), None)
        if rule is None:
            return result
        if rule.display_name:
            result = replace(result, display_name=rule.display_name, display_from="registry")
        if rule.tz:
            result = replace(result, tz=rule.tz)
        if not rule.classifies:
            return result
        state = rule.state or result.state
        kind = rule.kind or result.kind
        key = f"us:federal:{result.place}" if kind == "federal" else make_key(state, kind, result.place)
        if rule.same_as:
            target = self._same_as(rule)
            key = target.agency_key
            if not rule.state:
                state = state or target.state
        return replace(result, state=state, kind=kind, federal=kind == "federal",
                       school=kind in ("school", "campus"), agency_key=key,
                       state_from="registry" if rule.state else result.state_from,
                       classified_by=f"registry: {rule.pattern}")


def _rule(row: dict[str, str | None], line: int, path: Path, rules: Rules) -> RegistryRule | None:
    """One registry row checked (None for a blank or ``#`` comment row); a mistake names the line."""
    pattern = (row.get("name_or_pattern") or "").strip()
    if not pattern or pattern.startswith("#"):
        return None
    state_text = (row.get("state") or "").strip()
    state = rules.state_code(state_text) if state_text else None
    if state_text and state is None:
        raise LprlogsError(f"unknown state {state_text!r}", path=str(path), line=line,
                           hint="a two-letter code such as CA, or a state name")
    kind = (row.get("kind") or "").strip().lower() or None
    if kind is not None and kind not in KINDS:
        raise LprlogsError(f"unknown kind {kind!r}", path=str(path), line=line, hint="kinds: " + ", ".join(KINDS))
    same_as = (row.get("same_as") or "").strip() or None
    display = " ".join((row.get("display_name") or "").split()) or None
    tz = (row.get("tz") or "").strip() or None
    if tz is not None:
        check_zone(tz, f"{path}, line {line}")
    if state is None and kind is None and same_as is None and display is None and tz is None:
        raise LprlogsError(f"row for {pattern!r} changes nothing", path=str(path), line=line,
                           hint="fill state, kind, same_as, display_name or tz")
    return RegistryRule(pattern=pattern, state=state, kind=kind, same_as=same_as, line=line, display_name=display,
                        tz=tz)


def read_registry(path: Path | str, text: str | None = None) -> Registry:
    """Read and check a registry CSV; mistakes raise LprlogsError naming the line."""
    path = Path(path)
    if text is None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise LprlogsError(f"cannot read the registry ({exc.strerror})", path=str(path)) from exc
        text = raw.decode("utf-8-sig", errors="replace")
    rules = Rules.load()
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    aliases = {"name": "name_or_pattern", "pattern": "name_or_pattern", "same-as": "same_as", "sameas": "same_as",
               "display name": "display_name", "display-name": "display_name", "time zone": "tz",
               "timezone": "tz", "time_zone": "tz"}
    header = [aliases.get(h, h) for h in header]
    if "name_or_pattern" not in header:
        raise LprlogsError("registry has no name_or_pattern column", path=str(path), line=1,
                           hint="columns: " + ", ".join(REGISTRY_COLUMNS))
    reader.fieldnames = header
    found = [r for line, row in enumerate(reader, start=2) if (r := _rule(row, line, path, rules)) is not None]
    return Registry(rules=tuple(found), source=str(path), sha256=hashlib.sha256(text.encode()).hexdigest())


def reference_dir(store_root: Path) -> Path:
    return store_root / "reference"


def registry_path(store_root: Path) -> Path:
    return reference_dir(store_root) / REGISTRY_FILE


def stored_registry(store_root: Path) -> Registry | None:
    path = registry_path(store_root)
    return read_registry(path) if path.exists() else None


def registry_for(store_root: Path | None, given: Path | None) -> Registry | None:
    """The registry a command uses: the one given, else the one saved in the store, else none."""
    if given is not None:
        return read_registry(given)
    return stored_registry(store_root) if store_root is not None else None


def save_registry(store: Store, path: Path) -> Registry:
    """Check a registry CSV and keep a copy in ``store`` (under its writer lock), so every later report
    uses it."""
    registry = read_registry(path)
    with store.lock():
        if not (store.root / "manifest.json").exists():
            store.save_manifest()
        store.write_file(registry_path(store.root), Path(path).read_bytes())
    return registry
