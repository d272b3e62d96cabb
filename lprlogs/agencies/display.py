"""The name a letter or a table shows for an organisation: the account label as written, cleaned of
what Flock and agencies add to it (``DNU - ``, ``[Inactive]``, ``[Federal]``, ``(FLEX)``, network
suffixes, a trailing ``(1)``, the state code in Flock's position), with the last abbreviation spelled
out (``Cobb County GA SO`` -> ``Cobb County Sheriff's Office``).

A registry's ``display_name`` and ICE's own name for an agency with a 287(g) agreement come before it
(``classification.display_name`` applies that order). Pure: reads the rule tables and nothing else."""

from __future__ import annotations

import re
import unicodedata

from .rules import Rules

REDACTED = "(name redacted)"


def unify_marks(text: str) -> str:
    """NFKC, curly quotes and long dashes as plain ones."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    return text.replace("\u2013", "-").replace("\u2014", "-")


def strip_decorations(text: str, rules: Rules) -> tuple[str, set[str]]:
    """``text`` without the decorations of ``queries/agencies/decorations.csv``, and what they marked
    (``inactive``, ``federal``)."""
    marks: set[str] = set()
    if not rules.decorations_any.search(text):
        return text, marks
    for decoration in rules.decorations:
        if decoration.pattern.search(text):
            marks.add(decoration.marks)
            text = decoration.pattern.sub(" ", text)
    return text, marks - {""}


def _drop_state(text: str, state: str | None, rules: Rules) -> str:
    """Remove a state in parentheses, and the classified state's code where Flock puts it."""
    if "(" in text:
        text = re.sub(r"\(([^)]*)\)", lambda m: " " if rules.state_code(m.group(1)) else m.group(0), text)
    if state:
        for pattern in rules.code_positions(state):
            text = pattern.sub(" ", text)
    return text


def _spell_out(text: str, kind: str, rules: Rules) -> str:
    """The last word (before a trailing parenthesis) spelled out when it is an abbreviation for this kind."""
    m = re.match(r"^(.*?)(\w+)(\s*\([^)]*\))?\s*$", text)
    if m is None:
        return text
    word = m.group(2)
    for abbreviation in rules.abbreviations:
        if word.upper() == abbreviation.word and (not abbreviation.kinds or kind in abbreviation.kinds):
            expansion = abbreviation.expansion.upper() if not re.search(r"[a-z]", text) else abbreviation.expansion
            return f"{m.group(1)}{expansion}{m.group(3) or ''}"
    return text


def clean_label(name: str, state: str | None, kind: str, rules: Rules | None = None,
                undecorated: str | None = None) -> str:
    """The account label ``name`` (classified as ``state`` and ``kind``) cleaned for display;
    ``undecorated``: ``name`` already through ``unify_marks`` and ``strip_decorations``."""
    rules = rules or Rules.load()
    text = undecorated if undecorated is not None else strip_decorations(unify_marks(name or ""), rules)[0]
    for pattern in rules.network_suffixes_any_case:
        text = pattern.sub(" ", text)
    for _ in range(2):  # 'City of Edgewater FL - (CONDOR)': the dash left last, then the code before it
        text = " ".join(text.split()).strip(" -:,;/|")
        text = _drop_state(text, state, rules)
    text = " ".join(text.split()).strip(" -:,;/|")
    if not re.search(r"[^\W_]", text) or text.upper() == "REDACTED":
        return REDACTED
    return " ".join(_spell_out(text, kind, rules).split())
