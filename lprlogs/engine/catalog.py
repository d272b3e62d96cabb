"""The SQL catalog under queries/: where it is, its files with their headers and parameters, the flag
helpers and the columns the flags read."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ..errors import LprlogsError
from ..paths import queries_dir
from ..schema import SEARCHES_VIEW_COLUMNS
from ..store import sql_literal

_PARAM_LINE = re.compile(r"^--\s*param:\s*(?P<name>\w+)\s*=\s*(?P<value>[^\s]+)\s*(?P<doc>.*)$", re.MULTILINE)


@dataclass
class SqlFile:
    """A SQL file under queries/: its name, text, header comment and declared parameters."""

    path: Path
    name: str
    sql: str
    header: str
    params: dict[str, str]

    @classmethod
    def load(cls, path: Path) -> SqlFile:
        text = path.read_text(encoding="utf-8")
        header_lines = []
        for line in text.splitlines():
            if line.startswith("--"):
                header_lines.append(line[2:].strip())
            elif line.strip():
                break
        params = {m.group("name"): m.group("value") for m in _PARAM_LINE.finditer(text)}
        return cls(path=path, name=path.stem, sql=text, header="\n".join(header_lines), params=params)

    @property
    def body(self) -> str:
        """The SQL without a trailing semicolon, for use as a view body or subquery."""
        return self.sql.strip().rstrip(";")


def sql_files(subfolder: str) -> list[SqlFile]:
    folder = queries_dir() / subfolder
    if not folder.is_dir():
        return []
    return [SqlFile.load(p) for p in sorted(folder.glob("*.sql")) if not p.name.startswith("_")]


def _flag_helpers() -> list[SqlFile]:
    """queries/flags/_name.sql: SQL that several flag files read (e.g. the immigration term matches), each
    after the helpers it reads itself."""
    helpers = {f.name: f for f in (SqlFile.load(p) for p in sorted((queries_dir() / "flags").glob("_*.sql")))}
    ordered: list[SqlFile] = []

    def place(helper: SqlFile, seen: tuple[str, ...]) -> None:
        if helper in ordered:
            return
        if helper.name in seen:
            raise LprlogsError(f"flag helpers read each other in a circle: {' -> '.join((*seen, helper.name))}",
                               hint="a helper in queries/flags/_*.sql may read only helpers that do not read it")
        for other in helpers.values():
            if other is not helper and _reads(helper.body, other.name):
                place(other, (*seen, helper.name))
        ordered.append(helper)

    for helper in helpers.values():
        place(helper, ())
    return ordered


def flag_columns() -> set[str] | None:
    """The columns of ``searches`` that the flag files and their helpers name (as DuckDB parses them; a name
    of another table's column may be among them), or None when one of them cannot be parsed alone."""
    names: set[str] = set()
    with duckdb.connect() as con:
        for sql_file in [*sql_files("flags"), *_flag_helpers()]:
            tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [sql_file.body]).fetchall()[0][0])
            if tree.get("error"):
                return None
            names |= _column_references(tree)
    return names & {*SEARCHES_VIEW_COLUMNS, "search_uid"}


def _column_references(tree: Any) -> set[str]:
    """The column names of every column reference in a parsed statement (``json_serialize_sql``)."""
    if isinstance(tree, dict):
        found = {tree["column_names"][-1].lower()} if tree.get("class") == "COLUMN_REF" else set()
        return found.union(*(_column_references(v) for v in tree.values()))
    if isinstance(tree, list):
        return set().union(*(_column_references(v) for v in tree))
    return set()


def _reads(body: str, name: str) -> bool:
    """Whether SQL ``body`` names ``name`` outside its ``--`` comments."""
    return bool(re.search(rf"\b{name}\b", re.sub(r"--[^\n]*", "", body)))


def _helpers_read_by(bodies: list[str]) -> list[tuple[SqlFile, int]]:
    """The helpers ``bodies`` read, directly or through other helpers, each with how many of those bodies and
    helpers read it, readers first placed after what they read (``_flag_helpers``' order)."""
    helpers = _flag_helpers()
    readers: dict[str, int] = {}
    for helper in reversed(helpers):  # a helper's readers come after it: count them first
        direct = sum(_reads(b, helper.name) for b in bodies)
        via = sum(1 for other in helpers if other.name in readers and _reads(other.body, helper.name))
        if direct + via:
            readers[helper.name] = direct + via
    return [(helper, readers[helper.name]) for helper in helpers if helper.name in readers]


# What the ``flags`` view takes from each flag file (``flag_union``).
FLAG_PART_SELECT = "search_key, CAST(flag AS VARCHAR) AS flag, CAST(evidence AS VARCHAR) AS evidence"


def _typed_literal(value: str) -> str:
    if re.fullmatch(r"-?\d+", value):
        return value
    if re.fullmatch(r"-?\d+\.\d*", value):
        return value
    if value.lower() in ("true", "false"):
        return value.upper()
    return sql_literal(value)
