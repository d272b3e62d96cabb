"""Organisation names: parse, classify and match them.

Every cross-agency and school finding depends on reading organisation names right. This module
turns a name as written in a release (``Houston TX PD``, ``[Federal] Federal Bureau of Investigation
(FBI)``, ``ALAMEDA COUNTY SHERIFFS OFFICE (CA)``, ``Mountain View Police Department``) into a
:class:`Classification`: a normalised name, the state, the kind of organisation, the federal /
school / inactive booleans, and an ``agency_key`` shared by spellings of one agency.

The rules are data, not code: CSV tables under ``queries/agencies/`` (states, kind patterns,
federal agencies, false friends, network suffixes...), each row with a ``why``. A reporter can
correct any single name with a registry CSV (``lprlogs agencies load-registry``), which overrides
the rules and is kept in the store.

Engine hooks: :func:`register_views` defines the ``agencies`` and ``agreements`` views;
:func:`build_derived` writes ``derived/agencies.parquet`` and ``derived/agreements.parquet``,
classifying the DISTINCT organisation names in Python (thousands), never row by row. ICE 287(g)
lists live in :mod:`lprlogs.agencies.ice287g`.
"""

from __future__ import annotations

import csv
import fnmatch
import functools
import hashlib
import io
import json
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import LprlogsError

if TYPE_CHECKING:
    from ..engine import Engine

KINDS = ("police", "sheriff", "school", "campus", "federal", "state", "tribal", "prosecutor", "corrections",
         "private", "other")
RULES_VERSION = "1"  # bump when the code (not the CSV tables) changes how names are classified
REGISTRY_FILE = "registry.csv"
CLASSIFY_COLUMNS = ("name", "normalized", "state", "kind", "federal", "school", "inactive", "agency_key",
                    "classified_by")

# words removed from a name to leave its place (for agency_key); kind-specific ones below
_FILLER = {"DEPARTMENT", "DEPT", "OF", "THE", "OFFICE", "AND"}
_POLICE_WORDS = {"PD", "POLICE", "DPS", "PUBLIC", "SAFETY"}
_SHERIFF_WORDS = {"SO", "SD", "SHERIFF", "SHERIFFS", "SHERRIFFS", "S", "COUNTY", "COUNTYS", "CO", "CNTY", "PARISH"}
_PLACE_PREFIXES = (("CITY", "OF"), ("TOWN", "OF"), ("VILLAGE", "OF"), ("BOROUGH", "OF"), ("TOWNSHIP", "OF"),
                   ("COUNTY", "OF"), ("STATE", "OF"))
_ABBREVIATIONS = [
    (re.compile(r"\bPOLICE DEPT\b|\bPOLICE DEPARTMENT\b"), "PD"),
    (re.compile(r"\bSHERIFFS? (?:OFFICE|DEPARTMENT|DEPT)\b|\bSHERIFF S OFFICE\b"), "SO"),
]


# --- rule tables -----------------------------------------------------------------------------------


def rules_dir() -> Path:
    from ..engine import queries_dir

    return queries_dir() / "agencies"


def _read_table(name: str) -> list[dict[str, str]]:
    path = rules_dir() / name
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(fh)]
    except FileNotFoundError as exc:
        raise LprlogsError("rule table is missing", path=str(path), hint="reinstall lprlogs") from exc


def _compile(pattern: str, table: str, line: int) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise LprlogsError(f"bad regular expression ({exc})", path=str(rules_dir() / table), line=line) from exc


@dataclass(frozen=True)
class FederalAgency:
    pattern: re.Pattern[str]
    agency: str
    only_without_state: bool


@dataclass(frozen=True)
class Rules:
    """The rule tables under queries/agencies/, loaded once."""

    code_to_name: dict[str, str]
    name_to_code: dict[str, str]
    risky_codes: frozenset[str]
    state_names: tuple[tuple[str, ...], ...]  # token tuples, longest first
    place_words: frozenset[str]
    kind_tokens: frozenset[str]
    state_agency_words: frozenset[str]
    false_friends: tuple[re.Pattern[str], ...]
    network_suffixes: tuple[re.Pattern[str], ...]
    federal: tuple[FederalAgency, ...]
    kinds: tuple[tuple[str, re.Pattern[str]], ...]
    fingerprint: str

    @functools.cached_property
    def state_names_by_first(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        index: dict[str, list[tuple[str, ...]]] = {}
        for state_name in self.state_names:  # longest first
            index.setdefault(state_name[0], []).append(state_name)
        return {first: tuple(names) for first, names in index.items()}

    @functools.cached_property
    def false_friends_any(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p.pattern})" for p in self.false_friends) or "(?!)")

    @functools.cached_property
    def federal_any(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{f.pattern.pattern})" for f in self.federal) or "(?!)")

    @classmethod
    @functools.cache
    def load(cls) -> Rules:
        digest = hashlib.sha256(RULES_VERSION.encode())
        for path in sorted(rules_dir().glob("*.csv")):
            digest.update(path.name.encode() + path.read_bytes())
        states = _read_table("states.csv")
        code_to_name = {r["code"].upper(): r["name"].upper() for r in states}
        kinds = []
        for line, row in enumerate(_read_table("kind_patterns.csv"), start=2):
            if row["kind"] not in KINDS:
                raise LprlogsError(f"unknown kind {row['kind']!r}", path=str(rules_dir() / "kind_patterns.csv"),
                                   line=line, hint="kinds: " + ", ".join(KINDS))
            kinds.append((row["kind"], _compile(row["pattern"], "kind_patterns.csv", line)))
        return cls(
            code_to_name=code_to_name,
            name_to_code={n: c for c, n in code_to_name.items()},
            risky_codes=frozenset(r["code"].upper() for r in states if r.get("word_risk", "").lower() == "yes"),
            state_names=tuple(sorted((tuple(n.split()) for n in code_to_name.values()), key=len, reverse=True)),
            place_words=frozenset(r["word"].upper() for r in _read_table("place_words.csv")),
            kind_tokens=frozenset(r["token"].upper() for r in _read_table("kind_tokens.csv")),
            state_agency_words=frozenset(r["word"].upper() for r in _read_table("state_agency_words.csv")),
            false_friends=tuple(_compile(r["pattern"], "false_friends.csv", i)
                                for i, r in enumerate(_read_table("false_friends.csv"), start=2)),
            network_suffixes=tuple(_compile(r["pattern"], "network_suffixes.csv", i)
                                   for i, r in enumerate(_read_table("network_suffixes.csv"), start=2)),
            federal=tuple(
                FederalAgency(_compile(r["pattern"], "federal_agencies.csv", i), r["agency"],
                              r.get("only_without_state", "").lower() == "yes")
                for i, r in enumerate(_read_table("federal_agencies.csv"), start=2)),
            kinds=tuple(kinds),
            fingerprint=digest.hexdigest()[:16],
        )

    def state_code(self, text: str | None) -> str | None:
        """'CA', 'ca', 'California', 'CALIFORNIA ' -> 'CA'; anything else -> None."""
        if not text:
            return None
        value = re.sub(r"[^A-Z ]", " ", text.upper())
        value = " ".join(value.split())
        if value in self.code_to_name:
            return value
        return self.name_to_code.get(value)


# --- classification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Classification:
    """What an organisation name says: see the module docstring."""

    name: str
    normalized: str
    state: str | None
    kind: str
    federal: bool
    school: bool
    inactive: bool
    agency_key: str
    place: str = ""
    state_from: str = ""  # how the state was read: 'parenthesis', 'code at end', 'state name', ...
    classified_by: str = "rules"

    def row(self) -> tuple[Any, ...]:
        return tuple(getattr(self, c) for c in CLASSIFY_COLUMNS)


@dataclass
class _Parsed:
    tokens: list[str]
    inactive: bool
    federal_prefix: bool
    paren_state: str | None


_SEPARATOR = "-"


def _parse(name: str, rules: Rules) -> _Parsed:
    text = unicodedata.normalize("NFKC", name).replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u2013", "-").replace("\u2014", "-")
    inactive = False
    if re.search(r"\[\s*inactive\s*\]|\(\s*inactive\s*\)", text, re.IGNORECASE):
        inactive = True
        text = re.sub(r"\[\s*inactive\s*\]|\(\s*inactive\s*\)", " ", text, flags=re.IGNORECASE)
    if re.match(r"^\s*DNU\b\s*[-:]?", text, re.IGNORECASE):  # 'Do Not Use' accounts
        inactive = True
        text = re.sub(r"^\s*DNU\b\s*[-:]?", " ", text, flags=re.IGNORECASE)
    federal_prefix = bool(re.search(r"\[\s*federal\s*\]", text, re.IGNORECASE))
    text = re.sub(r"\[[^\]]*\]", " ", text)  # [Federal] and any other bracketed marker
    text = text.upper()
    for pattern in rules.network_suffixes:
        text = pattern.sub(" ", text)
    paren_state = None
    for content in re.findall(r"\(([^)]*)\)?", text):
        code = rules.state_code(content)
        if code and paren_state is None:
            paren_state = code
    text = re.sub(r"\([^)]*\)?", " ", text)
    text = text.replace(".", "").replace("'", "").replace("&", " AND ")
    text = re.sub(r"(?<=\w)-(?=\w)", " ", text)  # Winston-Salem
    text = re.sub(r"\s*[-:,/|;]+\s*", f" {_SEPARATOR} ", text)
    text = re.sub(r"[^A-Z0-9_ -]", " ", text)
    text = " ".join(text.split()).strip(f" {_SEPARATOR}")
    text = rules.false_friends_any.sub(lambda m: m.group(0).replace(" ", "_"), text)
    return _Parsed(tokens=text.split(), inactive=inactive, federal_prefix=federal_prefix, paren_state=paren_state)


def _find_state(tokens: list[str], rules: Rules) -> tuple[str | None, str, set[int], int]:
    """The state a name's tokens name, how it was read, the token positions it used, and the
    position where a full state name starts the name (or -1)."""
    words = [i for i, t in enumerate(tokens) if t != _SEPARATOR]
    last_word = words[-1] if words else -1
    candidates: list[tuple[int, int, str, str, set[int]]] = []  # (strength, position, code, how, positions)
    leading_state_name = -1
    leading_code = -1
    for i, token in enumerate(tokens):
        if token in rules.code_to_name:
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            risky = token in rules.risky_codes
            # a code that is also a word loses to a plain code elsewhere ('SC - Sumter CO Sheriff's Office')
            penalty = 15 if risky else 0
            after_code = i > 0 and tokens[i - 1] in rules.code_to_name
            if i == last_word and len(words) > 1 and not (risky and after_code):  # 'Los Angeles County CA SD'
                candidates.append((90, i, token, "code at end", {i}))
            elif following in rules.kind_tokens:
                candidates.append((80 - penalty, i, token, f"code before {following}", {i}))
            elif following == _SEPARATOR and len(words) > 1:
                candidates.append((70 - penalty, i, token, "code before a dash", {i}))
            elif not risky and i == words[0]:
                candidates.append((60, i, token, "code first", {i}))
                leading_code = i
            elif not risky:
                candidates.append((50, i, token, "code in name", {i}))
    i = 0
    while i < len(tokens):
        for state_name in rules.state_names_by_first.get(tokens[i], ()):
            n = len(state_name)
            if tuple(tokens[i:i + n]) != state_name:
                continue
            before = tokens[i - 1] if i > 0 else None
            after = tokens[i + n] if i + n < len(tokens) else None
            agency_after = after in ("PD", "SO", "POLICE", "SHERIFF", "SHERIFFS")
            if (after in rules.place_words and not (agency_after and before == "OF")) or (
                    after in rules.code_to_name and i + n == last_word) or (
                    after in rules.code_to_name and i + n + 1 < len(tokens)
                    and tokens[i + n + 1] in rules.kind_tokens):
                break  # Kansas City, Washington County, Indiana PA, Washington PD: a place
            positions = set(range(i, i + n))
            if i == 0 or before in ("OF", _SEPARATOR):
                candidates.append((45, i, rules.name_to_code[" ".join(state_name)], "state name", positions))
                if i == 0 or (before == "OF" and i == 2 and tokens[0] == "STATE"):
                    leading_state_name = i
            elif i + n - 1 == last_word or after in rules.state_agency_words:
                candidates.append((40, i, rules.name_to_code[" ".join(state_name)], "state name", positions))
            break
        i += 1
    if not candidates:
        return None, "", set(), -1
    strength, _, code, how, positions = max(candidates, key=lambda c: (c[0], c[1]))
    if leading_state_name < 0 and leading_code >= 0:
        leading_state_name = leading_code  # 'CA DOJ'
    if leading_state_name >= 0 and leading_state_name not in positions:
        leading_state_name = -1
    return code, how, positions, leading_state_name


def _place(tokens: list[str], used: set[int], kind: str) -> str:
    words = [w for i, t in enumerate(tokens) if i not in used for w in t.split("_")]  # unmask false friends
    segments: list[list[str]] = [[]]
    for token in words:
        if token == _SEPARATOR:
            segments.append([])
        else:
            segments[-1].append(token)
    segments = [s for s in segments if s]
    if not segments:
        return ""
    words = segments[0]
    for prefix in _PLACE_PREFIXES:
        if tuple(words[:2]) == prefix and len(words) > 2:
            words = words[2:]
            break
    drop = set(_FILLER)
    if kind == "police":
        drop |= _POLICE_WORDS
    elif kind == "sheriff":
        drop |= _SHERIFF_WORDS
    kept = [w for w in words if w not in drop] or words
    return " ".join(kept).replace("_", " ").lower()


def _normalized(tokens: list[str]) -> str:
    text = " ".join(tokens).replace("_", " ")
    for pattern, short in _ABBREVIATIONS:
        text = pattern.sub(short, text)
    return text


def make_key(state: str | None, kind: str, place: str) -> str:
    return f"{(state or '?').lower()}:{kind}:{place}"


@functools.lru_cache(maxsize=65536)
def _classify_by_rules(name: str, state_hint: str | None) -> Classification:
    rules = Rules.load()
    parsed = _parse(name, rules)
    tokens = parsed.tokens
    text = " ".join(tokens)
    if parsed.paren_state:
        state, state_from, used, leading = parsed.paren_state, "parenthesis", set(), -1
        # a code written again in the name itself ('CA PAROLE ... (CA)') is not part of the place
        used = {i for i, t in enumerate(tokens) if t == state}
    else:
        state, state_from, used, leading = _find_state(tokens, rules)
    kind = ""
    federal_agency = ""
    for agency in rules.federal if rules.federal_any.search(text) else ():
        match = agency.pattern.search(text)
        if match is None or (agency.only_without_state and state):
            continue
        kind, federal_agency = "federal", agency.agency
        span = set(range(text[:match.start()].count(" "), text[:match.end()].count(" ") + 1))
        if used & span and state_from != "parenthesis":  # 'VA Police': VA is Veterans Affairs
            state, state_from, used = None, "", set()
        break
    if parsed.federal_prefix:
        kind = "federal"
    if not kind:
        kind = next((k for k, pattern in rules.kinds if pattern.search(text)), "other")
        if leading >= 0 and kind in ("police", "other"):
            kind = "state"  # 'Texas DPS', 'Florida Department of Law Enforcement'
    if state_from == "state name" and kind == "campus":
        used = set()  # 'University of Florida': the state name is part of the organisation's name
    if state_hint and state != state_hint:
        # a state given by the source (ICE's STATE column) wins; 'Texas County' in Oklahoma is a place
        state, state_from, used = state_hint, "given", set()
    if kind == "federal":
        place = federal_agency or _place(tokens, used, kind)
        key = f"us:federal:{place}"
    else:
        place = _place(tokens, used, kind)
        # a name with no words left ('***', '###') keys on itself, so it is never one with another
        key = make_key(state, kind, place or f"[{' '.join(name.split()).lower()}]")
    return Classification(
        name=name, normalized=_normalized(tokens), state=state, kind=kind, federal=kind == "federal",
        school=kind in ("school", "campus"), inactive=parsed.inactive, agency_key=key, place=place,
        state_from=state_from,
    )


def classify(name: str, registry: Registry | None = None, *, state_hint: str | None = None) -> Classification:
    """Classify one organisation name; a registry (user CSV) overrides the rules."""
    name = "" if name is None else str(name)
    result = _classify_by_rules(name, state_hint)
    if registry is not None:
        result = registry.apply(result)
    return result


# --- registry --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryRule:
    pattern: str
    state: str | None
    kind: str | None
    same_as: str | None
    line: int

    def matches(self, name: str, normalized: str) -> bool:
        candidates = (name.strip().upper(), " ".join(name.upper().split()), normalized)
        pattern = " ".join(self.pattern.upper().split())
        if any(ch in pattern for ch in "*?["):
            return any(fnmatch.fnmatchcase(c, pattern) for c in candidates)
        return pattern in candidates


@dataclass(frozen=True)
class Registry:
    """A reporter's corrections: ``name_or_pattern, state, kind, same_as`` (first matching row wins).

    ``name_or_pattern`` is a name as written (case and repeated spaces ignored) or a glob pattern
    (``*`` any text, ``?`` one character), compared with the name as written and with its
    normalised form. Empty ``state`` / ``kind`` keep what the rules say; ``same_as`` names another
    organisation whose agency_key this one takes.
    """

    rules: tuple[RegistryRule, ...] = ()
    source: str = ""
    sha256: str = ""
    _keys: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def apply(self, result: Classification) -> Classification:
        for rule in self.rules:
            if not rule.matches(result.name, result.normalized):
                continue
            state = rule.state or result.state
            kind = rule.kind or result.kind
            if kind == "federal":
                key = f"us:federal:{result.place}"
            else:
                key = make_key(state, kind, result.place)
            if rule.same_as:
                target = classify(rule.same_as, None)
                other = next((r for r in self.rules if r is not rule and r.matches(target.name, target.normalized)),
                             None)
                if other is not None and not other.same_as:
                    target = replace(target, state=other.state or target.state, kind=other.kind or target.kind)
                    target = replace(target, agency_key=make_key(target.state, target.kind, target.place))
                key = target.agency_key
                if not rule.state:
                    state = state or target.state
            return replace(result, state=state, kind=kind, federal=kind == "federal",
                           school=kind in ("school", "campus"), agency_key=key,
                           state_from="registry" if rule.state else result.state_from,
                           classified_by=f"registry: {rule.pattern}")
        return result


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
    aliases = {"name": "name_or_pattern", "pattern": "name_or_pattern", "same-as": "same_as", "sameas": "same_as"}
    header = [aliases.get(h, h) for h in header]
    if "name_or_pattern" not in header:
        raise LprlogsError("registry has no name_or_pattern column", path=str(path), line=1,
                           hint="columns: name_or_pattern, state, kind, same_as")
    reader.fieldnames = header
    found: list[RegistryRule] = []
    for line, row in enumerate(reader, start=2):
        pattern = (row.get("name_or_pattern") or "").strip()
        if not pattern or pattern.startswith("#"):
            continue
        state_text = (row.get("state") or "").strip()
        state = rules.state_code(state_text) if state_text else None
        if state_text and state is None:
            raise LprlogsError(f"unknown state {state_text!r}", path=str(path), line=line,
                               hint="a two-letter code such as CA, or a state name")
        kind = (row.get("kind") or "").strip().lower() or None
        if kind is not None and kind not in KINDS:
            raise LprlogsError(f"unknown kind {kind!r}", path=str(path), line=line, hint="kinds: " + ", ".join(KINDS))
        same_as = (row.get("same_as") or "").strip() or None
        if state is None and kind is None and same_as is None:
            raise LprlogsError(f"row for {pattern!r} changes nothing", path=str(path), line=line,
                               hint="fill state, kind or same_as")
        found.append(RegistryRule(pattern=pattern, state=state, kind=kind, same_as=same_as, line=line))
    return Registry(rules=tuple(found), source=str(path), sha256=hashlib.sha256(text.encode()).hexdigest())


def reference_dir(store_root: Path) -> Path:
    return store_root / "reference"


def stored_registry(store_root: Path) -> Registry | None:
    path = reference_dir(store_root) / REGISTRY_FILE
    return read_registry(path) if path.exists() else None


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def save_registry(store_root: Path, path: Path) -> Registry:
    """Check a registry CSV and keep a copy in the store, so every later report uses it."""
    from ..store import Store

    registry = read_registry(path)
    store = Store.open(store_root, create=True)
    with store.lock():
        if not (store_root / "manifest.json").exists():
            store.save_manifest()
        write_atomic(reference_dir(store_root) / REGISTRY_FILE, Path(path).read_bytes())
    return registry


def classify_rows(names: list[str], registry: Registry | None) -> list[tuple[Any, ...]]:
    return [classify(n, registry).row() for n in names]


# --- derived tables and views ----------------------------------------------------------------------

AGENCY_SCHEMA = pa.schema([
    ("name", pa.string()), ("normalized", pa.string()), ("agency_key", pa.string()), ("state", pa.string()),
    ("kind", pa.string()), ("federal", pa.bool_()), ("school", pa.bool_()), ("inactive", pa.bool_()),
    ("rows_as_producer", pa.int64()), ("rows_as_searcher", pa.int64()), ("classified_by", pa.string()),
    ("state_from", pa.string()), ("place", pa.string()),
])


def _stamp(engine: Engine) -> dict[str, Any]:
    from . import ice287g

    root = engine.store.root
    registry_path = reference_dir(root) / REGISTRY_FILE
    registry_sha = hashlib.sha256(registry_path.read_bytes()).hexdigest() if registry_path.exists() else ""
    return {"generation": engine.store.manifest.get("generation", 0), "rules": Rules.load().fingerprint,
            "registry": registry_sha, "lists": ice287g.list_fingerprint(root)}


def _stamp_path(engine: Engine) -> Path:
    return engine.store.root / "derived" / "agencies.stamp.json"


def is_fresh(engine: Engine) -> bool:
    path = _stamp_path(engine)
    if not path.exists() or not (engine.store.root / "derived" / "agencies.parquet").exists():
        return False
    try:
        return json.loads(path.read_text()) == _stamp(engine)
    except (OSError, json.JSONDecodeError):
        return False


def resolve_keys(found: list[Classification]) -> list[Classification]:
    """Give names with no state the key of the one agency with the same place and kind, when all
    names with a state that share that place and kind agree on one state (never across states)."""
    states: dict[tuple[str, str], set[str]] = {}
    for c in found:
        if c.state and not c.federal and c.place:
            states.setdefault((c.kind, c.place), set()).add(c.state)
    resolved = []
    for c in found:
        known = states.get((c.kind, c.place), set())
        if not c.state and not c.federal and c.place and len(known) == 1 and c.classified_by == "rules":
            state = next(iter(known))
            c = replace(c, state=state, agency_key=make_key(state, c.kind, c.place),
                        state_from=f"same place and kind as a name in {state}")
        resolved.append(c)
    return resolved


def agency_table(engine: Engine) -> pa.Table:
    rows = engine.con.execute(
        "SELECT name, sum(p)::BIGINT, sum(s)::BIGINT FROM ("
        " SELECT producer AS name, count(*) AS p, 0 AS s FROM _searches_stored WHERE producer IS NOT NULL GROUP BY 1"
        " UNION ALL"
        " SELECT searcher_org, 0, count(*) FROM _searches_stored WHERE searcher_org IS NOT NULL GROUP BY 1"
        ") GROUP BY name ORDER BY name"
    ).fetchall()
    return agencies_from_counts(rows, stored_registry(engine.store.root))


def agencies_from_counts(rows: list[tuple[str, int, int]], registry: Registry | None) -> pa.Table:
    """The agencies table for (name, rows as producer, rows as searcher) triples."""
    found = resolve_keys([classify(name, registry) for name, _, _ in rows])
    return pa.Table.from_pylist([
        {"name": c.name, "normalized": c.normalized, "agency_key": c.agency_key, "state": c.state, "kind": c.kind,
         "federal": c.federal, "school": c.school, "inactive": c.inactive, "rows_as_producer": p,
         "rows_as_searcher": s, "classified_by": c.classified_by, "state_from": c.state_from, "place": c.place}
        for c, (_, p, s) in zip(found, rows, strict=True)
    ], schema=AGENCY_SCHEMA)


def _write_parquet(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.stem}.{uuid.uuid4().hex}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def build_derived(engine: Engine, force: bool = False) -> None:
    """Write derived/agencies.parquet and derived/agreements.parquet (skipped when up to date)."""
    from . import ice287g

    if not force and is_fresh(engine):
        return
    derived = engine.store.root / "derived"
    agencies = agency_table(engine)
    _write_parquet(agencies, derived / "agencies.parquet")
    _write_parquet(ice287g.agreements_table(engine.store.root, agencies), derived / "agreements.parquet")
    write_atomic(_stamp_path(engine), json.dumps(_stamp(engine)).encode())


def _empty_view_sql(schema: pa.Schema) -> str:
    types = {pa.string(): "VARCHAR", pa.bool_(): "BOOLEAN", pa.int64(): "BIGINT", pa.date32(): "DATE",
             pa.float64(): "DOUBLE"}
    return "SELECT " + ", ".join(f"CAST(NULL AS {types[f.type]}) AS {f.name}" for f in schema) + " WHERE false"


def register_views(engine: Engine) -> None:
    """Define the views `agencies` and `agreements` (empty until there is something to show)."""
    from ..store import sql_literal
    from . import ice287g

    root = engine.store.root
    if (root / "manifest.json").exists() and not is_fresh(engine):
        try:
            build_derived(engine, force=True)
        except (OSError, LprlogsError, pa.ArrowException) as exc:
            # a read-only store, or a damaged reference file: the views show what was built last
            import sys

            print(f"lprlogs: warning: agencies table not rebuilt ({exc})", file=sys.stderr)
    for view, file_name, schema, order in (
        ("agencies", "agencies.parquet", AGENCY_SCHEMA, "name"),
        ("agreements", "agreements.parquet", ice287g.AGREEMENT_SCHEMA, "source_file, source_row"),
    ):
        path = root / "derived" / file_name
        if path.exists():
            body = f"SELECT * FROM read_parquet({sql_literal(str(path))}) ORDER BY {order}"
        else:
            body = _empty_view_sql(schema)
        engine.con.execute(f"CREATE OR REPLACE VIEW {view} AS {body}").fetchall()


def list_agencies(engine: Engine) -> tuple[list[str], list[tuple[Any, ...]]]:
    return engine.query(
        "SELECT name, state, kind, federal, school, inactive, rows_as_producer, rows_as_searcher, agency_key, "
        "classified_by FROM agencies ORDER BY rows_as_producer + rows_as_searcher DESC, name"
    )


# --- command helpers -------------------------------------------------------------------------------

_NAME_HEADERS = {"name", "org name", "organization name", "organisation name", "searcher_org", "producer",
                 "law enforcement agency"}


def names_from_text(text: str) -> list[str]:
    """Names one per line; or a CSV whose header has a name column (name, Org Name, ...)."""
    lines = text.splitlines()
    if lines and "," in lines[0]:
        reader = csv.reader(io.StringIO(text))
        header = [h.strip().lower() for h in next(reader)]
        column = next((i for i, h in enumerate(header) if h in _NAME_HEADERS), None)
        if column is not None:
            return [row[column] for row in reader if len(row) > column and row[column].strip()]
    if lines and lines[0].strip().lower() in _NAME_HEADERS:
        lines = lines[1:]
    return [line for line in lines if line.strip()]


def registry_for(store_root: Path | None, registry_path: Path | None) -> Registry | None:
    """The registry a command uses: the one given, else the one saved in the store, else none."""
    if registry_path is not None:
        return read_registry(registry_path)
    if store_root is not None and (reference_dir(store_root) / REGISTRY_FILE).exists():
        return stored_registry(store_root)
    return None


def classify_command(names: list[str], names_file: str | None, registry_path: Path | None,
                     store_root: Path | None, stdin: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Rows for `lprlogs agencies classify`: names given, then names from --file (or `-` = stdin)."""
    given = [n for n in names if n != "-"]
    if "-" in names or names_file == "-":
        given += names_from_text(stdin.read())
    if names_file and names_file != "-":
        try:
            text = Path(names_file).read_bytes().decode("utf-8-sig", errors="replace")
        except OSError as exc:
            raise LprlogsError(f"cannot read the names file ({exc.strerror})", path=names_file) from exc
        given += names_from_text(text)
    if not given:
        raise LprlogsError("no names to classify", hint="give names, --file FILE, or `-` to read standard input")
    return list(CLASSIFY_COLUMNS), classify_rows(given, registry_for(store_root, registry_path))


def load_registry_command(store_root: Path, path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Save a registry in the store, rebuild the agencies table, and say what it changed."""
    from ..engine import Engine
    from ..store import Store

    registry = save_registry(store_root, path)
    engine = Engine(Store.open(store_root))
    try:
        engine.refresh()
        changed = engine.con.execute(
            "SELECT count(*) FROM agencies WHERE classified_by LIKE 'registry:%'").fetchall()[0][0]
    finally:
        engine.close()
    return (["registry", "rules", "names_in_store_changed"],
            [(str(path), len(registry.rules), int(changed))])
