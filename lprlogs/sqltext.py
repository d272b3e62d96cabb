"""Writing values and names into SQL text: the one home for quoting, used by every module that builds SQL."""

from __future__ import annotations


def sql_literal(value: object) -> str:
    """A SQL literal for a Python value (strings quoted with doubled quotes)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    """A SQL identifier for any column name (double quotes, doubled inside)."""
    return '"' + name.replace('"', '""') + '"'
