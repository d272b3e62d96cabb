"""The rule tables under ``queries/agencies/`` (states, kind patterns, federal agencies, false friends,
network suffixes, decorations...), each row with a ``why``, loaded once into :class:`Rules`.

Reads only those CSV files: no store, no engine."""

from __future__ import annotations

import csv
import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import LprlogsError
from ..paths import queries_dir

KINDS = ("police", "sheriff", "school", "campus", "federal", "state", "tribal", "prosecutor", "corrections",
         "private", "other")
RULES_VERSION = "2"  # bump when the code (not the CSV tables) changes how names are classified
MARKS = ("", "inactive", "federal")


def rules_dir() -> Path:
    return queries_dir() / "agencies"


def _read_table(name: str) -> list[dict[str, str]]:
    path = rules_dir() / name
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(fh)]
    except FileNotFoundError as exc:
        raise LprlogsError("rule table is missing", path=str(path), hint="reinstall lprlogs") from exc


def _compile(pattern: str, table: str, line: int, flags: int = 0) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise LprlogsError(f"bad regular expression ({exc})", path=str(rules_dir() / table), line=line) from exc


def _check(value: str, allowed: tuple[str, ...], table: str, line: int, what: str) -> str:
    if value not in allowed:
        raise LprlogsError(f"unknown {what} {value!r}", path=str(rules_dir() / table), line=line,
                           hint=f"{what}s: " + ", ".join(a or "(empty)" for a in allowed))
    return value


@dataclass(frozen=True)
class FederalAgency:
    pattern: re.Pattern[str]
    agency: str
    only_without_state: bool


@dataclass(frozen=True)
class Decoration:
    """A marker Flock (or an agency) adds to an account label: removed before reading the name, and
    ``marks`` what it says (``inactive``, ``federal``, or nothing)."""

    pattern: re.Pattern[str]
    marks: str


@dataclass(frozen=True)
class Abbreviation:
    """A last word the display name spells out (``PD`` -> ``Police Department``), for ``kinds`` (all when empty)."""

    word: str
    expansion: str
    kinds: frozenset[str]


@dataclass(frozen=True)
class Rules:
    """The rule tables under queries/agencies/, loaded once."""

    code_to_name: dict[str, str]
    name_to_code: dict[str, str]
    risky_codes: frozenset[str]
    state_names: tuple[tuple[str, ...], ...]  # token tuples, longest first
    place_words: frozenset[str]
    kind_tokens: frozenset[str]
    agency_qualifiers: frozenset[str]
    state_agency_words: frozenset[str]
    false_friends: tuple[re.Pattern[str], ...]
    network_suffixes: tuple[re.Pattern[str], ...]
    federal: tuple[FederalAgency, ...]
    kinds: tuple[tuple[str, re.Pattern[str]], ...]
    decorations: tuple[Decoration, ...]
    abbreviations: tuple[Abbreviation, ...]
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
        """Whether any federal pattern may match: a gate before trying them one by one. Every pattern names
        words, so the gate tries them only where a word starts (three times faster than everywhere)."""
        return re.compile(r"\b(?:" + "|".join(f"(?:{f.pattern.pattern})" for f in self.federal) + ")"
                          if self.federal else "(?!)")

    @functools.cached_property
    def network_suffixes_any_case(self) -> tuple[re.Pattern[str], ...]:
        """The network suffixes for a name as written (they are written for the upper-cased name)."""
        return tuple(re.compile(p.pattern, re.IGNORECASE) for p in self.network_suffixes)

    @functools.cached_property
    def decorations_any(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{d.pattern.pattern})" for d in self.decorations) or "(?!)", re.IGNORECASE)

    @functools.cached_property
    def _code_positions(self) -> dict[str, tuple[re.Pattern[str], ...]]:
        return {}

    def code_positions(self, code: str) -> tuple[re.Pattern[str], ...]:
        """Where a label puts the state code ``code``: first before a dash; before the agency word
        (``Houston TX PD``, ``Indianapolis IN Metro PD``); last."""
        found = self._code_positions.get(code)
        if found is None:
            agency_words = "|".join(sorted(self.kind_tokens, key=len, reverse=True))
            qualifiers = "|".join(sorted(self.agency_qualifiers, key=len, reverse=True))
            found = (re.compile(rf"^\s*{code}\s*[-:]\s*"),
                     re.compile(rf"\b{code}\b(?=\s+(?i:(?:{qualifiers})\s+)?(?i:{agency_words})\b)"),
                     re.compile(rf"\s{code}\s*$"))
            self._code_positions[code] = found
        return found

    @classmethod
    @functools.cache
    def load(cls) -> Rules:
        digest = hashlib.sha256(RULES_VERSION.encode())
        for path in sorted(rules_dir().glob("*.csv")):
            digest.update(path.name.encode() + path.read_bytes())
        states = _read_table("states.csv")
        code_to_name = {r["code"].upper(): r["name"].upper() for r in states}
        return cls(
            code_to_name=code_to_name,
            name_to_code={n: c for c, n in code_to_name.items()},
            risky_codes=frozenset(r["code"].upper() for r in states if r.get("word_risk", "").lower() == "yes"),
            state_names=tuple(sorted((tuple(n.split()) for n in code_to_name.values()), key=len, reverse=True)),
            place_words=_words("place_words.csv", "word"),
            kind_tokens=_words("kind_tokens.csv", "token"),
            agency_qualifiers=_words("agency_qualifiers.csv", "word"),
            state_agency_words=_words("state_agency_words.csv", "word"),
            false_friends=_patterns("false_friends.csv"),
            network_suffixes=_patterns("network_suffixes.csv"),
            federal=tuple(
                FederalAgency(_compile(r["pattern"], "federal_agencies.csv", i), r["agency"],
                              r.get("only_without_state", "").lower() == "yes")
                for i, r in enumerate(_read_table("federal_agencies.csv"), start=2)),
            kinds=tuple(
                (_check(r["kind"], KINDS, "kind_patterns.csv", i, "kind"), _compile(r["pattern"], "kind_patterns.csv", i))
                for i, r in enumerate(_read_table("kind_patterns.csv"), start=2)),
            decorations=tuple(
                Decoration(_compile(r["pattern"], "decorations.csv", i, re.IGNORECASE),
                           _check(r.get("marks", "").lower(), MARKS, "decorations.csv", i, "mark"))
                for i, r in enumerate(_read_table("decorations.csv"), start=2)),
            abbreviations=tuple(
                Abbreviation(r["abbreviation"].upper(), r["expansion"], frozenset(
                    _check(k, KINDS, "label_abbreviations.csv", i, "kind") for k in r.get("kinds", "").split()))
                for i, r in enumerate(_read_table("label_abbreviations.csv"), start=2)),
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


def _words(table: str, column: str) -> frozenset[str]:
    return frozenset(r[column].upper() for r in _read_table(table))


def _patterns(table: str) -> tuple[re.Pattern[str], ...]:
    return tuple(_compile(r["pattern"], table, i) for i, r in enumerate(_read_table(table), start=2))
