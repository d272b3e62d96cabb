"""Printing rows for people and for other tools: table, csv, json, ndjson, markdown.

One decorator (``output_options``) gives every listing command the same ``--format`` option.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import re
import shutil
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import click

FORMATS = ("table", "csv", "json", "ndjson", "markdown")


def output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--format`` plus the ``--csv`` / ``--json`` shortcuts, passed to the command as ``fmt``."""
    func = click.option("--json", "fmt", flag_value="json", help="Shortcut for --format json.")(func)
    func = click.option("--csv", "fmt", flag_value="csv", help="Shortcut for --format csv.")(func)
    func = click.option(
        "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
        help="Output format.",
    )(func)
    return func


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
            return value.isoformat().replace("+00:00", "Z")
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return _interval_text(value)
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _interval_text(value: dt.timedelta) -> str:
    """'45 days 03:12:09' (exact, readable, sortable within sign), as DuckDB prints intervals."""
    sign = "-" if value < dt.timedelta(0) else ""
    value = abs(value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    if value.microseconds:
        text += f".{value.microseconds:06d}"
    if value.days:
        text = f"{value.days} day{'s' if value.days != 1 else ''} {text}"
    return sign + text


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    value = jsonable(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(columns, map(jsonable, row), strict=True)) for row in rows],
                          ensure_ascii=False, indent=2)
    if fmt == "ndjson":
        return "\n".join(json.dumps(dict(zip(columns, map(jsonable, row), strict=True)), ensure_ascii=False)
                         for row in rows)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([cell_text(v) for v in row] for row in rows)
        return buffer.getvalue().rstrip("\n")
    if fmt == "markdown":
        def md(value: Any) -> str:
            return cell_text(value).replace("|", "\\|").replace("\n", " ")
        lines = ["| " + " | ".join(md(c) for c in columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(md(v) for v in row) + " |" for row in rows]
        return "\n".join(lines)
    return _table(columns, rows)


# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides that can make a file
# name read as another one: printed as visible escapes, never sent to the terminal.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """Data (a reason, a file name) as plain text for a terminal: control and escape characters shown as
    ``\\x1b``-style escapes, so an ESC or OSC sequence inside a file cannot move the cursor or retitle it."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def _number_text(value: Any) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}" if value != int(value) else f"{int(value):,}"


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A table for people: as wide as the terminal (``COLUMNS`` or the window), numbers right-aligned with
    thousands separators; cells are Text objects, so ``[bold]`` in a reason is printed, not obeyed."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    numeric = [bool(rows) and all(v is None or _is_number(v) for v in (r[i] for r in rows)) and
               any(_is_number(r[i]) for r in rows) for i in range(len(columns))]
    table = Table(show_header=True, header_style="bold", show_lines=False)
    for column, right in zip(columns, numeric, strict=True):
        table.add_column(Text(terminal_safe(str(column))), overflow="fold", justify="right" if right else "left")
    for row in rows:
        table.add_row(*(Text(_number_text(v) if _is_number(v) else terminal_safe(cell_text(v))) for v in row))
    width = shutil.get_terminal_size((100, 24)).columns
    console = Console(file=io.StringIO(), width=max(width, 40), force_terminal=False, color_system=None)
    console.print(table)
    return "\n".join(line.rstrip() for line in console.file.getvalue().rstrip("\n").split("\n"))  # type: ignore[attr-defined]


def emit(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> None:
    click.echo(render(columns, rows, fmt))
