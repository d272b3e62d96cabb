"""All escaping of report output, in one place.

- HTML: one Jinja environment with autoescape on, so every value a template prints is escaped.
- Spreadsheets (XLSX, CSV, and any other writer): one rule, ``neutralize``, OWASP's for CSV injection:
  a text cell whose first character other than spaces and line breaks is ``=``, ``+``, ``-``, ``@``, a
  tab or a carriage return (or their full-width and small forms) gets a leading ``'``, so a spreadsheet
  never reads it as a formula. The same rule is offered as a SQL expression (``neutralize_sql``) for
  writers that stream rows through DuckDB; both are built from ONE pattern.
- Markdown: ``md_text`` backslash-escapes only the characters that would change the rendering; ``md_code`` prints
  verbatim text (reasons) as an inline code span, where nothing is a link, HTML or emphasis.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

# The spreadsheet rule, written once. Used by `neutralize` (Python) and `neutralize_sql` (DuckDB).
# Triggers: = + - @ tab CR, and the full-width (U+FF1D, U+FF0B, U+FF0D, U+FF20) and small (U+FE66, U+FE62,
# U+FE63, U+FE6B) forms some spreadsheets fold to them. Leading spaces and line breaks are skipped because
# some importers trim them before deciding.
_TRIGGERS = "=+\\-@\t\r\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b"
FORMULA_START = "^[ \n]*[" + _TRIGGERS + "]"
_FORMULA_START = re.compile(FORMULA_START)
# every first character FORMULA_START can match (a cheap test before the pattern)
FORMULA_FIRST_CHARACTERS = " \n=+-@\t\r\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b"
NEUTRALIZE_PREFIX = "'"
NEUTRALIZE_RULE = ("text cells that begin (after any spaces) with =, +, -, @, a tab or a carriage return, or "
                   "their full-width forms, are written with a leading apostrophe (') so that no spreadsheet "
                   "runs them as a formula or turns them into a link")

TEMPLATES = Path(__file__).resolve().parent / "templates"


def neutralize(value: Any) -> Any:
    """A spreadsheet-safe cell: text that a spreadsheet would run as a formula gets a leading ``'``.
    Non-text values (numbers, dates, None) are returned unchanged."""
    if isinstance(value, str) and _FORMULA_START.match(value):
        return NEUTRALIZE_PREFIX + value
    return value


def neutralize_sql(expression: str) -> str:
    """The same rule as ``neutralize`` as a DuckDB expression over a VARCHAR ``expression``."""
    pattern = FORMULA_START.replace("'", "''")
    prefix = NEUTRALIZE_PREFIX.replace("'", "''")
    # a cheap first-character test first; the pattern decides
    first = ", ".join(f"'{c}'" if c.isprintable() else f"chr({ord(c)})" for c in FORMULA_FIRST_CHARACTERS)
    return (f"CASE WHEN left({expression}, 1) IN ({first}) AND regexp_matches({expression}, '{pattern}') "
            f"THEN '{prefix}' || {expression} ELSE {expression} END")


@lru_cache(maxsize=1)
def html_environment() -> jinja2.Environment:
    """The only Jinja environment of the report: autoescape always on, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = format_number
    env.filters["when"] = format_time
    env.filters["day"] = format_day
    return env


def _utc_text(value: Any, pattern: str, missing: str) -> str:
    if value is None:
        return missing
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.strftime(pattern)
    return str(value)


def format_time(value: Any) -> str:
    """A timestamp as 'YYYY-MM-DD HH:MM:SS' in UTC (the store's times are UTC)."""
    return _utc_text(value, "%Y-%m-%d %H:%M:%S", "")


def format_day(value: Any) -> str:
    """A timestamp's UTC day, 'YYYY-MM-DD'; 'n/a' when missing."""
    return _utc_text(value, "%Y-%m-%d", "n/a")


def format_number(value: Any) -> str:
    if value is None:
        return "0"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{int(value):,}"


# Markdown (CommonMark and GitHub's): only what would change the rendering is escaped, so a pasted name reads
# as typed ("[Federal] Homeland Security Investigations (HSI)", not "\\[Federal\\] ... \\(HSI\\)").
_MD_ANYWHERE = re.compile(r"([\\`*<|~@])")  # code, emphasis, HTML and autolinks, table cells, strikethrough, emails
# an underscore between two letters or digits (snake_case, 11_1_2025) can neither open nor close emphasis
_MD_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_MD_LINK_CLOSE = re.compile(r"\](?=[(\[:])")  # [text](url), [text][ref], [ref]: url
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")  # &amp; &#38;
_MD_BARE_LINK = re.compile(r"\b(https?|ftp|mailto)(?=:)|\b(www)(?=\.)", re.IGNORECASE)  # GitHub's bare links
_MD_LINE_START = re.compile(r"^(#|>|[-+=](?=[\s=-]|$)|\d+(?=[.)]))")  # heading, quote, list item, setext, numbered


def md_text(value: Any) -> str:
    """Text from the data (agency names, file names) for Markdown: one line, with a backslash before only the
    characters that would make it something other than this text (code, emphasis, a link, HTML, an entity, a
    heading, quote or list item at the start of a line, a table cell)."""
    text = " ".join(str("" if value is None else value).split())
    text = _MD_ANYWHERE.sub(r"\\\1", text)
    text = _MD_UNDERSCORE.sub(r"\\_", text)
    text = _MD_LINK_CLOSE.sub(r"\\]", text)
    text = _MD_ENTITY.sub(r"\\&", text)
    text = _MD_BARE_LINK.sub(lambda m: (m.group(1) or m.group(2)) + "\\", text)
    start = _MD_LINE_START.match(text)
    if start:
        mark = start.group(1)
        text = (mark + "\\" + text[len(mark):]) if mark[0].isdigit() else "\\" + text
    return text


def md_code(value: Any) -> str:
    """Verbatim text (a reason as typed) as an inline code span: shown exactly, never interpreted."""
    text = " ".join(str("" if value is None else value).split())
    if not text:
        return "(blank)"
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
