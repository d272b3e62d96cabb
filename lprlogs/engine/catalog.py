"""The SQL catalog under queries/: where it is, its files with their headers and parameters, the flags
(``FlagSpec``, each defined by its SQL file's header), the flag helpers and the columns the flags read.

A header is the file's leading ``--`` lines: ``-- key: value``, continued on lines that start with ``--``
and at least two spaces. Flag and report headers are parsed strictly (see ``parse_header``)."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from ..errors import LprlogsError
from ..paths import queries_dir
from ..schema import SEARCHES_VIEW_COLUMNS
from ..store import sql_literal

FLAG_SECTIONS = ("immigration", "cross_agency", "school", "accountability", "state_law")
PARAM_TYPES = ("integer", "number", "text", "date", "terms")

# Flag files: queries/flags/<name>.sql; report files: queries/reports/<name>.sql. Helpers (``_name.sql``)
# are free text except for their ``param:`` lines.
FLAG_KEYS_REQUIRED = ("flag", "title", "section", "answers", "evidence", "limits")
FLAG_KEYS_OPTIONAL = ("how", "fields", "terms", "param", "sentence", "followup", "order")
REPORT_KEYS_REQUIRED = ("title", "answers")
REPORT_KEYS_OPTIONAL = ("how", "counting", "order", "parameters", "param", "limits")
# Keys that steer the tool (sections, order, the brief's sentence, follow-up defaults): left out of the copy
# of the header the report shows a reader.
CONTROL_KEYS = ("title", "section", "order", "sentence", "followup")

_KEY_LINE = re.compile(r"^-- (?P<key>[a-z_]+):(?: (?P<value>.*))?$")
_CONTINUATION = re.compile(r"^--  +(?P<value>\S.*)$")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_]\w*) = (?P<default>\S+) \((?P<type>[a-z]+)\)(?: +(?P<doc>.*))?$")
_EXPECTED = {"integer": "a whole number, e.g. 30", "number": "a number, e.g. 2.5", "date": "a date, e.g. 2025-01-31"}


@dataclass(frozen=True)
class ParamSpec:
    """A parameter a SQL file declares: ``-- param: name = default (type) what it does``."""

    name: str
    default: str
    type: str
    doc: str
    path: Path
    line: int

    def literal(self, value: str) -> str:
        """``value`` as a SQL literal of the declared type; a value of another type is a user's mistake."""
        text = str(value).strip()
        if self.type in ("text", "terms"):
            return sql_literal(text)
        if self.type == "integer" and re.fullmatch(r"[+-]?\d+", text):
            return str(int(text))
        if self.type == "number" and re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            return text.lstrip("+")
        if self.type == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                return f"DATE {sql_literal(dt.date.fromisoformat(text).isoformat())}"
            except ValueError:
                pass
        raise LprlogsError(f"parameter {self.name} must be {_EXPECTED[self.type]} ({self.type}), got {text!r}",
                           hint=f"e.g. -p {self.name}={self.default}")


@dataclass(frozen=True)
class Header:
    """A SQL file's header: each key's text (continuation lines joined with spaces), its parameters, and the
    lines without their ``--`` (``text``)."""

    values: dict[str, str]
    params: tuple[ParamSpec, ...]
    text: str


def _header_lines(text: str) -> list[tuple[int, str]]:
    """The leading ``--`` lines of a SQL file with their line numbers (the header ends at the first other line)."""
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("--"):
            break
        lines.append((number, line.rstrip()))
    return lines


def parse_header(path: Path, text: str, kind: str) -> Header:
    """The header of a flag (``kind`` "flag"), report ("report") or helper ("helper") file, parsed strictly:
    an unknown key, a missing one, a key given twice, a line that is neither a key nor a continuation, or a
    malformed ``param:`` line is an error naming the file and line. In a helper only ``param:`` lines count."""
    required, optional = {"flag": (FLAG_KEYS_REQUIRED, FLAG_KEYS_OPTIONAL),
                          "report": (REPORT_KEYS_REQUIRED, REPORT_KEYS_OPTIONAL)}.get(kind, ((), ("param",)))
    values: dict[str, list[str]] = {}
    params: list[ParamSpec] = []
    raw = _header_lines(text)
    current: str | None = None
    for number, line in raw:
        key_line, continued = _KEY_LINE.match(line), _CONTINUATION.match(line)
        if key_line and (kind != "helper" or key_line["key"] == "param"):
            current = _header_key(path, number, key_line["key"], (*required, *optional), kind)
            value = (key_line["value"] or "").strip()
            if current == "param":
                params.append(_param_spec(path, number, value))
            elif current in values:
                raise LprlogsError(f"header key {current!r} is given twice", path=str(path), line=number)
            else:
                values[current] = [value]
        elif continued and current is not None:
            if current == "param":
                last = params[-1]
                params[-1] = ParamSpec(last.name, last.default, last.type,
                                       f"{last.doc} {continued['value'].strip()}".strip(), last.path, last.line)
            else:
                values[current].append(continued["value"].strip())
        elif kind != "helper":
            raise LprlogsError("header line is neither '-- key: value' nor a continuation ('--   more text')",
                               path=str(path), line=number)
        else:
            current = None
    joined = {k: " ".join(v for v in parts if v) for k, parts in values.items()}
    missing = [k for k in required if not joined.get(k)]
    if missing:
        raise LprlogsError(f"header has no {', '.join(missing)}", path=str(path),
                           hint=f"a {kind} file starts with " + ", ".join(f"'-- {k}:'" for k in required))
    return Header(joined, tuple(params), "\n".join(line[2:].strip() for _, line in raw))


def _header_key(path: Path, number: int, key: str, known: tuple[str, ...], kind: str) -> str:
    if key not in known:
        raise LprlogsError(f"unknown header key {key!r}", path=str(path), line=number,
                           hint=f"a {kind} file's keys are: {', '.join(known)}")
    return key


def _param_spec(path: Path, number: int, value: str) -> ParamSpec:
    match = _PARAM.match(value)
    if not match or match["type"] not in PARAM_TYPES:
        raise LprlogsError(f"malformed param line {value!r}", path=str(path), line=number,
                           hint="write '-- param: name = default (" + "|".join(PARAM_TYPES) + ") what it does'")
    spec = ParamSpec(match["name"], match["default"], match["type"], (match["doc"] or "").strip(), path, number)
    try:
        spec.literal(spec.default)
    except LprlogsError as exc:  # a default of the wrong type is the file's mistake
        raise LprlogsError(exc.message, path=str(path), line=number) from exc
    return spec


@dataclass
class SqlFile:
    """A SQL file under queries/: its name, text, header (``keys``, and the comment text), declared parameters."""

    path: Path
    name: str
    sql: str
    header: str
    params: dict[str, str]
    keys: dict[str, str] = field(default_factory=dict)
    param_specs: tuple[ParamSpec, ...] = ()

    @classmethod
    def load(cls, path: Path) -> SqlFile:
        text = path.read_text(encoding="utf-8")
        kind = "helper"
        if not path.name.startswith("_"):
            kind = {"flags": "flag", "reports": "report"}.get(path.parent.name, "helper")
        header = parse_header(path, text, kind)
        return cls(path=path, name=path.stem, sql=text, header=header.text,
                   params={p.name: p.default for p in header.params}, keys=header.values, param_specs=header.params)

    @property
    def body(self) -> str:
        """The SQL without a trailing semicolon, for use as a view body or subquery."""
        return self.sql.strip().rstrip(";")


@dataclass(frozen=True)
class FlagSpec:
    """A flag as its SQL file's header defines it (queries/flags/<name>.sql)."""

    name: str
    title: str
    section: str
    answers: str
    evidence: str
    limits: str
    how: str
    fields: str
    terms: str
    sentence: str  # the brief's clause, e.g. "a federal agency searched"; {param} is replaced by its value
    followup: bool  # among the flags `lprlogs followup` writes letters for by default
    order: int | None  # place in its section (lower first; None: after those with one, by name)
    params: tuple[ParamSpec, ...]
    sql_file: SqlFile

    @property
    def reader_header(self) -> str:
        """The header as the report shows it: without the keys that only steer the tool."""
        shown, current = [], ""
        for _, line in _header_lines(self.sql_file.sql):
            key_line = _KEY_LINE.match(line)
            current = key_line["key"] if key_line else current
            if current not in CONTROL_KEYS:
                shown.append(line[2:].strip())
        return "\n".join(shown)


def _flag_spec(sql_file: SqlFile) -> FlagSpec:
    keys, path = sql_file.keys, sql_file.path
    if keys["flag"] != sql_file.name:
        raise LprlogsError(f"header says flag {keys['flag']!r} but the file is {sql_file.name}.sql", path=str(path),
                           hint="'-- flag:' names the file without .sql")
    if keys["section"] not in FLAG_SECTIONS:
        raise LprlogsError(f"unknown section {keys['section']!r}", path=str(path),
                           hint="sections: " + ", ".join(FLAG_SECTIONS))
    if keys.get("followup", "no") not in ("default", "no"):
        raise LprlogsError(f"followup must be 'default' or 'no', not {keys['followup']!r}", path=str(path))
    if keys.get("order") is not None and not keys["order"].isdigit():
        raise LprlogsError(f"order must be a whole number, not {keys['order']!r}", path=str(path))
    return FlagSpec(
        name=sql_file.name, title=keys["title"], section=keys["section"], answers=keys["answers"],
        evidence=keys["evidence"], limits=keys["limits"], how=keys.get("how", ""), fields=keys.get("fields", ""),
        terms=keys.get("terms", ""), sentence=keys.get("sentence", ""), followup=keys.get("followup") == "default",
        order=int(keys["order"]) if keys.get("order") else None, params=sql_file.param_specs, sql_file=sql_file)


def flag_specs() -> list[FlagSpec]:
    """Every flag, in the report's order: by section (``FLAG_SECTIONS``), then ``order``, then name."""
    specs = [_flag_spec(f) for f in sql_files("flags")]
    return sorted(specs, key=lambda s: (FLAG_SECTIONS.index(s.section), s.order is None, s.order or 0, s.name))


def parameters() -> dict[str, ParamSpec]:
    """Every parameter the SQL files declare (flags, their helpers, reports). A parameter declared in several
    files (drop_terms, read by both immigration tiers) must have one default and one type."""
    found: dict[str, ParamSpec] = {}
    files = [*sql_files("flags"), *_flag_helpers(), *sql_files("reports")]
    for spec in (p for f in files for p in f.param_specs):
        first = found.setdefault(spec.name, spec)
        if (first.default, first.type) != (spec.default, spec.type):
            raise LprlogsError(f"parameter {spec.name} is declared as {spec.default} ({spec.type}) here and as "
                               f"{first.default} ({first.type}) in {first.path.name}", path=str(spec.path),
                               line=spec.line)
    return found


def check_params(given: dict[str, str], declared: dict[str, ParamSpec], extra: set[str] = frozenset()) -> None:
    """Every -p before any work: an unknown name lists the known ones; a value of the wrong type names the
    parameter, the value and the type expected. ``extra``: other names the caller accepts (``$name`` in a query)."""
    unknown = sorted(n for n in given if n not in declared and n not in extra)
    if unknown:
        known = ", ".join(f"{n} ({declared[n].type})" for n in sorted(declared))
        raise LprlogsError(f"unknown parameter {', '.join(unknown)}; known parameters: {known}",
                           hint="`lprlogs flags --list` shows their defaults")
    for name, value in given.items():
        if name in declared:
            declared[name].literal(value)


def set_variables(con: duckdb.DuckDBPyConnection, values: dict[str, str], declared: dict[str, ParamSpec]) -> None:
    """``SET VARIABLE`` each value, typed from its declaration (text when undeclared, e.g. queries_dir)."""
    for name, value in values.items():
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise LprlogsError(f"parameter name {name!r} is not a plain word", hint="use -p name=value")
        literal = declared[name].literal(value) if name in declared else sql_literal(str(value))
        con.execute(f"SET VARIABLE {name} = {literal}").fetchall()


def load_macros(con: duckdb.DuckDBPyConnection) -> None:
    """queries/macros.sql: the shared SQL expressions (text folding, blank text) as macros on ``con``."""
    path = queries_dir() / "macros.sql"
    if path.is_file():
        # the macros read their data tables from the queries folder (reason_categories.csv)
        if con.execute("SELECT getvariable('queries_dir') IS NULL").fetchall()[0][0]:
            con.execute(f"SET VARIABLE queries_dir = {sql_literal(str(queries_dir()))}").fetchall()
        for statement in con.extract_statements(path.read_text(encoding="utf-8")):
            con.execute(statement.query).fetchall()


_REPORT_OBJECT = re.compile(r"^CREATE VIEW (report_\w+) AS\s+(.*)$", re.DOTALL)


def report_objects() -> dict[str, str]:
    """queries/reports/_report_objects.sql: each report object's name and SELECT (as a plain view)."""
    path = queries_dir() / "reports" / "_report_objects.sql"
    stat = path.stat()
    # parsed once per version of the file: every report query that names a report object asks
    return dict(_parse_report_objects(str(path), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=4)
def _parse_report_objects(path: str, _mtime_ns: int, _size: int) -> tuple[tuple[str, str], ...]:
    objects: list[tuple[str, str]] = []
    with duckdb.connect() as con:
        for statement in con.extract_statements(Path(path).read_text(encoding="utf-8")):
            text = "\n".join(line for line in statement.query.strip().splitlines() if not line.startswith("--"))
            match = _REPORT_OBJECT.match(text.strip().rstrip(";"))
            if not match:
                raise LprlogsError("each statement must be 'CREATE VIEW report_<name> AS SELECT ...'", path=path)
            objects.append((match[1], match[2]))
    return tuple(objects)


def define_report_objects(con: duckdb.DuckDBPyConnection) -> None:
    """The report objects ``report_objects`` defines, as views, where ``con`` has none of that name (the
    report's own tables, when it is running, are left alone)."""
    present = {r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' UNION ALL "
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    for name, select in report_objects().items():
        if name not in present:
            con.execute(f"CREATE VIEW {name} AS {select}").fetchall()


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
