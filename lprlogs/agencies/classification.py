"""Organisation names -> :class:`Classification`: a normalised name, the state, the kind of organisation,
the federal / school / inactive booleans, an ``agency_key`` shared by spellings of one agency, and a
display name.

Pure: reads the rule tables (:mod:`.rules`) and nothing else; a registry (:mod:`.registry`), when
given, overrides the rules for the names it lists.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..timezones import ZoneChoice, choose_zone
from .display import clean_label, strip_decorations, unify_marks
from .rules import Rules

if TYPE_CHECKING:
    from .registry import Registry

CLASSIFY_COLUMNS = ("name", "normalized", "state", "kind", "federal", "school", "inactive", "agency_key",
                    "classified_by", "display_name")

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
    display_name: str = ""  # what a letter calls it: see ``display_name``
    display_from: str = "label"  # 'label' (cleaned: ``.display``), 'registry', 'ICE 287(g) list'
    tz: str | None = None  # the zone of its zone-less local times, when the registry gives one

    def row(self) -> tuple[Any, ...]:
        return tuple(getattr(self, c) for c in CLASSIFY_COLUMNS)


@dataclass
class _Parsed:
    tokens: list[str]
    inactive: bool
    federal_prefix: bool
    paren_state: str | None
    undecorated: str  # the name as written, without its decorations (for the display name)


_SEPARATOR = "-"


def _parse(name: str, rules: Rules) -> _Parsed:
    undecorated, marks = strip_decorations(unify_marks(name), rules)  # [Inactive], DNU - , [Federal], [marker]
    text = undecorated.upper()
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
    return _Parsed(tokens=text.split(), inactive="inactive" in marks, federal_prefix="federal" in marks,
                   paren_state=paren_state, undecorated=undecorated)


# (strength, position, code, how the state was read, the token positions it used)
_Candidate = tuple[int, int, str, str, set[int]]


def _code_candidates(tokens: list[str], words: list[int], rules: Rules) -> tuple[list[_Candidate], int]:
    """Two-letter codes that may be the state, and the position of a code that starts the name (or -1)."""
    last_word = words[-1] if words else -1
    candidates: list[_Candidate] = []
    leading_code = -1
    for i, token in enumerate(tokens):
        if token not in rules.code_to_name:
            continue
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if following in rules.agency_qualifiers and i + 2 < len(tokens) and tokens[i + 2] in rules.kind_tokens:
            following = f"{following} {tokens[i + 2]}"  # 'Indianapolis IN Metro PD'
        risky = token in rules.risky_codes
        # a code that is also a word loses to a plain code elsewhere ('SC - Sumter CO Sheriff's Office')
        penalty = 15 if risky else 0
        after_code = i > 0 and tokens[i - 1] in rules.code_to_name
        if i == last_word and len(words) > 1 and not (risky and after_code):  # 'Los Angeles County CA SD'
            candidates.append((90, i, token, "code at end", {i}))
        elif following in rules.kind_tokens or " " in (following or ""):  # 'Houston TX PD'
            candidates.append((80 - penalty, i, token, f"code before {following}", {i}))
        elif following == _SEPARATOR and len(words) > 1:
            candidates.append((70 - penalty, i, token, "code before a dash", {i}))
        elif not risky and i == words[0]:
            candidates.append((60, i, token, "code first", {i}))
            leading_code = i
        elif not risky:
            candidates.append((50, i, token, "code in name", {i}))
    return candidates, leading_code


def _name_candidates(tokens: list[str], last_word: int, rules: Rules) -> tuple[list[_Candidate], int]:
    """Full state names that may be the state, and the position where one starts the name (or -1)."""
    candidates: list[_Candidate] = []
    leading_state_name = -1
    for i, token in enumerate(tokens):
        for state_name in rules.state_names_by_first.get(token, ()):
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
            code = rules.name_to_code[" ".join(state_name)]
            positions = set(range(i, i + n))
            if i == 0 or before in ("OF", _SEPARATOR):
                candidates.append((45, i, code, "state name", positions))
                if i == 0 or (before == "OF" and i == 2 and tokens[0] == "STATE"):
                    leading_state_name = i
            elif i + n - 1 == last_word or after in rules.state_agency_words:
                candidates.append((40, i, code, "state name", positions))
            break
    return candidates, leading_state_name


def _find_state(tokens: list[str], rules: Rules) -> tuple[str | None, str, set[int], int]:
    """The state a name's tokens name, how it was read, the token positions it used, and the
    position where a full state name starts the name (or -1)."""
    words = [i for i, t in enumerate(tokens) if t != _SEPARATOR]
    codes, leading_code = _code_candidates(tokens, words, rules)
    names, leading_state_name = _name_candidates(tokens, words[-1] if words else -1, rules)
    candidates = codes + names
    if not candidates:
        return None, "", set(), -1
    _, _, code, how, positions = max(candidates, key=lambda c: (c[0], c[1]))
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



def _federal(text: str, state: str | None, rules: Rules) -> tuple[str, tuple[int, int] | None]:
    """The federal agency a name names (its short name, and the token span naming it), or ('', None)."""
    if not rules.federal_any.search(text):
        return "", None
    for agency in rules.federal:
        match = agency.pattern.search(text)
        if match is None or (agency.only_without_state and state):
            continue
        return agency.agency, (text[:match.start()].count(" "), text[:match.end()].count(" "))
    return "", None


@functools.lru_cache(maxsize=65536)
def _classify_by_rules(name: str, state_hint: str | None) -> Classification:
    rules = Rules.load()
    parsed = _parse(name, rules)
    tokens = parsed.tokens
    text = " ".join(tokens)
    if parsed.paren_state:
        state, state_from, leading = parsed.paren_state, "parenthesis", -1
        # a code written again in the name itself ('CA PAROLE ... (CA)') is not part of the place
        used = {i for i, t in enumerate(tokens) if t == state}
    else:
        state, state_from, used, leading = _find_state(tokens, rules)
    kind = ""
    federal_agency, span = _federal(text, state, rules)
    if span is not None:
        kind = "federal"
        # 'VA Police': VA is Veterans Affairs; 'Tennessee Valley Authority': the agency, not the state
        if used & set(range(span[0], span[1] + 1)) and state_from != "parenthesis":
            state, state_from, used = None, "", set()
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
        state_from=state_from, display_name=clean_label(name, state, kind, rules, parsed.undecorated),
    )


def classify(name: str, registry: Registry | None = None, *, state_hint: str | None = None) -> Classification:
    """Classify one organisation name; a registry (user CSV) overrides the rules."""
    name = "" if name is None else str(name)
    result = _classify_by_rules(name, state_hint)
    if registry is not None:
        result = registry.apply(result)
    return result


def classify_rows(names: list[str], registry: Registry | None) -> list[tuple[Any, ...]]:
    """``lprlogs agencies classify``'s rows (``CLASSIFY_COLUMNS``) for ``names``."""
    return [classify(n, registry).row() for n in names]


def with_ice_names(found: Classification, ice_names: Mapping[str, str] | None) -> Classification:
    """``found`` with ICE's name for its agency (``ice_names``: agency_key -> the name in ICE's 287(g) list)
    as its display name, unless a registry set one."""
    name = (ice_names or {}).get(found.agency_key)
    if name is None or found.display_from == "registry":
        return found
    return replace(found, display_name=name, display_from="ICE 287(g) list")


def display_name(name: str, registry: Registry | None = None, ice_names: Mapping[str, str] | None = None) -> str:
    """What a letter or a table calls an organisation: the registry's ``display_name``; else ICE's name for
    the agency when its 287(g) list names it (``ice_names``, from ``ice287g.ice_names``); else the account
    label cleaned of Flock's decorations (``DNU - ``, ``[Inactive]``, ``[Federal]``, ``(FLEX)``, the state
    code, ``GA SO`` -> ``Sheriff's Office``)."""
    return with_ice_names(classify(name, registry), ice_names).display_name


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


def producer_zone(producer: str | None, *, given: str | None, registry: Registry | None = None) -> ZoneChoice:
    """The zone of a producer's zone-less local times: --tz (``given``), else the registry's, else the one
    zone of its state (lprlogs/timezones.py says how each was chosen)."""
    if given or not producer:
        return choose_zone(given=given, registry_zone=None, state=None)
    found = classify(producer, registry)
    return choose_zone(given=None, registry_zone=found.tz, state=found.state, kind=found.kind)
