"""What the `lprlogs agencies` commands do, over the library: classify names, list the store's
organisations, load a registry, load an ICE 287(g) list.

The only module of the package that opens an engine (the engine itself reads the package's tables), so
the package's ``__init__`` does not import it: the CLI imports it by name."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from ..engine import Engine
from ..errors import LprlogsError
from ..store import Store, sql_literal
from . import ice287g
from .classification import CLASSIFY_COLUMNS, classify_rows
from .registry import registry_for, save_registry
from .table import list_agencies

__all__ = ["classify_command", "list_agencies", "load_287g_command", "load_registry_command", "names_from_text"]

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
    registry = save_registry(Store.open(store_root, create=True), path)
    engine = Engine(Store.open(store_root))
    try:
        engine.refresh()
        changed = engine.con.execute(
            "SELECT count(*) FROM agencies WHERE classified_by LIKE 'registry:%' OR display_from = 'registry'"
        ).fetchall()[0][0]
    finally:
        engine.close()
    return (["registry", "rules", "names_in_store_changed"],
            [(str(path), len(registry.rules), int(changed))])


def load_287g_command(store_root: Path, path: Path, status: str | None, replace_older: bool
                      ) -> tuple[list[str], list[tuple[Any, ...]]]:
    """`lprlogs agencies load-287g`: keep the list, rebuild the agreements, and count matches."""
    summary = ice287g.load_list(Store.open(store_root, create=True), path, status, replace_older)
    engine = Engine(Store.open(store_root))
    try:
        engine.refresh()
        matched, agencies = engine.con.execute(
            "SELECT count(matched_name), count(DISTINCT matched_name) FROM agreements "
            f"WHERE source_file = {sql_literal(str(path))}").fetchall()[0]
    finally:
        engine.close()
    return (["file", "status", "agreements", "rows_without_state", "agreements_matched", "log_names_matched",
             "lists_replaced"],
            [(summary["file"], summary["status"], summary["rows"], summary["rows_without_state"], matched,
              agencies, ", ".join(summary["replaced"]))])
