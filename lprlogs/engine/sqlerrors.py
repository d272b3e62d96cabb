"""A DuckDB error in a user's SQL as one line with a did-you-mean: ``no column "reasn": did you mean reason?``.

The views and their columns are listed by ``lprlogs query --schema`` only, never under an error.
"""

from __future__ import annotations

import difflib
import re

from ..errors import LprlogsError

SCHEMA_HINT = "`lprlogs query --schema` lists the views and their columns"

_COLUMN = re.compile(r'Referenced column "(?P<name>[^"]+)" not found')
_CANDIDATES = re.compile(r'Candidate bindings: (?P<names>.*)')
_TABLE_COLUMN = re.compile(r'(?:Table|Values list) "[^"]+" does not have a column named "(?P<name>[^"]+)"')
_TABLE = re.compile(r'Table with name (?P<name>\S+) does not exist')
_FUNCTION = re.compile(r'(?:Scalar|Aggregate|Table) Function with name (?P<name>\S+) does not exist')
_DID_YOU_MEAN = re.compile(r'Did you mean "(?P<name>[^"]+)"')
_SYNTAX = re.compile(r'syntax error at (?P<where>end of input|or near "[^"]*")')
_KIND = re.compile(r"^[A-Z][A-Za-z ]*Error: ")


def _closest(name: str, known: list[str]) -> str | None:
    found = difflib.get_close_matches(name.lower(), [k.lower() for k in known], n=1, cutoff=0.6)
    return next((k for k in known if found and k.lower() == found[0]), None)


def _suffix(guess: str | None) -> str:
    return f": did you mean {guess}?" if guess else ""


def explain(message: str, views: dict[str, list[tuple[str, str]]]) -> str:
    """DuckDB's message as one line for a reporter (``views``: each view's (column, type) pairs)."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    first = lines[0] if lines else "unknown error"
    rest = " ".join(lines[1:])
    columns = sorted({c for cols in views.values() for c, _ in cols})
    if match := _COLUMN.search(first):
        listed = _CANDIDATES.search(rest)
        in_scope = [c.split(".")[-1] for c in re.findall(r'"([^"]+)"', listed["names"])] if listed else []
        guess = _closest(match["name"], in_scope or columns)
        return f'no column "{match["name"]}"{_suffix(guess)}'
    if match := _TABLE_COLUMN.search(first):
        return f'no column "{match["name"]}"{_suffix(_closest(match["name"], columns))}'
    if match := _TABLE.search(first):
        return f'no view "{match["name"]}"{_suffix(_closest(match["name"], list(views)))}'
    if match := _FUNCTION.search(first):
        suggested = _DID_YOU_MEAN.search(rest)
        return f'no function "{match["name"]}"{_suffix(suggested["name"] if suggested else None)}'
    if match := _SYNTAX.search(first):
        return f"syntax error at {match['where']}"
    return _KIND.sub("", first)


def sql_error(exc: Exception, views: dict[str, list[tuple[str, str]]]) -> LprlogsError:
    """The error ``lprlogs query`` shows for a failed statement: one line, with the hint to list the views."""
    text = str(exc) or type(exc).__name__
    return LprlogsError(f"SQL error: {explain(text, views)}", hint=SCHEMA_HINT)
