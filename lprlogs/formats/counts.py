"""Whole-number columns (Total Networks Searched, cameraCount, a Vigilant count): one rule for every format.

A count is stored when its text, without spaces and thousands separators, is a whole number: digits,
optionally signed, optionally followed by a decimal point and zeros only (``1,234``, ``5``, ``5.0`` as
Excel writes it). A placeholder for "no value" (dashes only, ``n/a``) is empty, like a blank cell.
Anything else (``5.5``, ``1e3``, ``0x10``, ``five``) is stored as NULL, its text is
kept in ``raw``, and the file's notes say how many and at which rows: a count is never rounded or
guessed (docs/formats.md, "Counts").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..sqltext import sql_literal

if TYPE_CHECKING:
    import polars as pl

    from ..store import SourceWriter

WHOLE_RE = r"[+-]?[0-9]+(\.0*)?"  # after spaces and thousands separators are taken out
_STRIP_RE = r"[,\s]"
PLACEHOLDER_RE = "(?i)[-\u2010-\u2015]+|n/?a"  # '-', '——', 'N/A': no value, said so


def is_odd_count_sql(cell: str, value: str) -> str:
    """TRUE when the cell holds text that is neither empty, a placeholder, nor a whole number (its
    ``value`` is NULL): such a cell is named in the notes."""
    return (f"({value} IS NULL AND nullif(trim({cell}), '') IS NOT NULL "
            f"AND NOT regexp_full_match(trim({cell}), {sql_literal(PLACEHOLDER_RE)}))")


def is_odd_count_expr(text: pl.Expr) -> pl.Expr:
    """The same test for a polars text column."""
    cell = text.str.strip_chars()
    return (whole_number_expr(text).is_null() & cell.is_not_null() & (cell != "")
            & ~cell.str.contains(f"^(?:{PLACEHOLDER_RE})$"))


def plain_integer_sql(cell: str) -> str:
    """The cell as BIGINT when it is written exactly as that integer's own text (nearly every cell), else
    NULL. DuckDB's cast alone would round ``5.5`` to 6 and read ``1e3`` and ``0x10``: the text must
    match the number it gives."""
    return f"CASE WHEN CAST(TRY_CAST({cell} AS BIGINT) AS VARCHAR) = {cell} THEN TRY_CAST({cell} AS BIGINT) END"


def whole_number_sql(cell: str) -> str:
    """The cell as BIGINT by the rule above (the slow path, for cells plain_integer_sql did not take)."""
    cleaned = f"regexp_replace({cell}, {sql_literal(_STRIP_RE)}, '', 'g')"
    return (f"CASE WHEN regexp_full_match({cleaned}, {sql_literal(WHOLE_RE)}) "
            f"THEN TRY_CAST(regexp_replace({cleaned}, '\\.0*$', '') AS BIGINT) END")


def whole_number_expr(text: pl.Expr) -> pl.Expr:
    """The same rule for a polars text column."""
    from ..lazy import pl

    cleaned = text.str.replace_all(_STRIP_RE, "")
    return (pl.when(cleaned.str.contains(f"^{WHOLE_RE}$"))
            .then(cleaned.str.replace(r"\.0*$", "").cast(pl.Int64, strict=False))
            .otherwise(None))


def note_not_whole(out: SourceWriter, what: str, count: int, rows: list[int], where: str = "") -> None:
    """Say that ``count`` values of ``what`` are not whole numbers and were stored empty."""
    if not count:
        return
    listed = ", ".join(str(r) for r in rows[:10]) + (" ..." if count > len(rows[:10]) else "")
    out.note(f"{count:,} {what} value(s){where} are not whole numbers (row {listed}): stored empty, not rounded; "
             "the text is kept in raw")
