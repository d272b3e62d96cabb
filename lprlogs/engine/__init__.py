"""DuckDB over the store: the contract's views, the SQL files under queries/, named parameters and
read-only user queries.

Every view is lazy: DuckDB reads the Parquet files named in the manifest when a query runs. Opening an
engine never writes to the store: derived tables that are missing or stale (``derived.DerivedState``) are
computed in memory (or in the connection's spill folder, outside the store); writers build them
(``rebuild``). A stored file that is missing or truncated makes the views that read it fail with a
one-line "store damaged" error naming it, while the others (``sources``, ``batches``) still work.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import duckdb

from ..errors import LprlogsError, StoreDamaged
from ..formats import side_table_schemas
from ..memory import out_of_memory
from ..schema import QUARANTINE_COLUMNS, SEARCHES_VIEW_COLUMNS, STORED_COLUMNS
from ..store import Store, column_names, decoded_select, packs, parquet_problem, sql_literal
from ..store.manifest import BatchEntry, SourceEntry, view_table
from . import derived
from .catalog import (  # noqa: F401
    FLAG_PART_SELECT,
    FlagSpec,
    ParamSpec,
    SqlFile,
    _flag_helpers,
    _helpers_read_by,
    check_params,
    define_report_objects,
    flag_columns,
    flag_specs,
    load_macros,
    parameters,
    queries_dir,
    report_objects,
    set_variables,
    sql_files,
)
from .connection import SPILL_PREFIX, connect, spill_folder  # noqa: F401
from .report_tables import STALE_NOTE_ROWS
from .sqlerrors import sql_error

READ_ONLY_STATEMENTS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
DAMAGED_MARK = "lprlogs: store damaged: "  # the start of the error a view over a damaged file raises
# EXPLAIN, its options, and comments before it: what is left is the statement it explains
_EXPLAIN_PREFIX = re.compile(r"^(\s|--[^\n]*\n|/\*.*?\*/)*EXPLAIN(\s+ANALYZE\b|\s*\([^)]*\))?", re.I | re.S)


def damage_error(exc: BaseException) -> StoreDamaged | None:
    """The one-line error for a DuckDB error raised by a view over a damaged store file, else None."""
    text = str(exc)
    if DAMAGED_MARK not in text:
        return None
    return StoreDamaged("store damaged: " + text.split(DAMAGED_MARK, 1)[1].strip().splitlines()[0])


def _empty_select(columns: dict[str, str]) -> str:
    return "SELECT " + ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in columns.items()) + " WHERE false"


def _parquet_select(paths: list[Path], empty_columns: dict[str, str] | None) -> str:
    if not paths:
        if empty_columns is None:
            raise ValueError("no files and no schema")
        return _empty_select(empty_columns)
    listing = ", ".join(sql_literal(str(p)) for p in paths)
    return f"SELECT * FROM read_parquet([{listing}], union_by_name = true)"


def _error_select(body: str, message: str) -> str:
    """``body``'s columns, but any query of it fails with ``message`` (even when it has no rows)."""
    return f"SELECT * FROM ({body}) WHERE (SELECT error({sql_literal(DAMAGED_MARK + message)})) IS NULL"



class Engine:
    """One DuckDB connection with every view of the store defined on it."""

    def __init__(self, store: Store, params: dict[str, str] | None = None, *, threads: int | None = None,
                 redact: bool = False, views: bool = True):
        self.store = store
        self.redact = redact
        self.con = connect(threads or os.cpu_count() or 2)
        self.params: dict[str, str] = {}
        self.param_docs: dict[str, str] = {}
        self.param_specs: dict[str, ParamSpec] = {}
        self.has_duplicates = True  # until the views say otherwise (``_create_views``)
        self.derived = derived.DerivedState()  # nothing derived is read by a writer's engine
        self.damaged: dict[str, str] = {}  # stored files (relative name) the views would read -> what is wrong
        self._in_memory: dict[str, str] = {}  # derived tables computed by this engine -> the SELECT reading them
        self.allowed_paths: set[str] = set()  # files the views read (``lock_down``)
        self.redacted_searches: tuple[str, str] = ("", "")  # (hash, SELECT) of the redacted searches (redact.py)
        if not views:  # only what derived tables are built from (a writer, ``rebuild``)
            self._create_stored_view()
            return
        self._set_params(params or {})
        self.derived = derived.DerivedState.load(store)
        self._check_files()
        self._create_views()

    @classmethod
    def rebuild_derived(cls, store: Store) -> None:
        """Bring derived/ up to date with the manifest (a writer: takes the store's lock)."""
        rebuild(store)

    def _check_files(self) -> None:
        """Find the stored files the views would read that are missing or truncated; say so on stderr once."""
        kinds = ["quarantine", *(f"side/{t}" for t in self.store.side_tables())]
        paths = packs.reading_files(self.store, self.derived.packs) + [p for k in kinds for p in self.store.files(k)]
        for path in paths:
            problem = parquet_problem(path)
            if problem:
                self.damaged[self.store.layout.relative(path)] = problem
        if self.damaged:
            name, problem = next(iter(self.damaged.items()))
            more = f" (and {len(self.damaged) - 1} more)" if len(self.damaged) > 1 else ""
            print(f"lprlogs: warning: store damaged: {name} is {problem}{more}; {self._damage_hint(name)}",
                  file=sys.stderr)

    def _damage_hint(self, name: str) -> str:
        path = self.store.layout.path(name)
        owner = next((s.get("path") for s in self.store.ingested() if path in self.store.entry_files(s)), None)
        if owner is None:
            return "run `lprlogs rebuild`"
        return f"it holds rows of {owner}: ingest that file again with --force (or restore {name} from a backup)"

    def use_packs(self, pack_members: dict[Path, list[str]]) -> None:
        """Read the stored rows from these packs (a writer, once it has built them)."""
        self.derived.packs = pack_members
        self._create_stored_view()

    def _guard(self, body: str, paths: list[Path]) -> str:
        """``body``, or an error naming the damaged file when one of ``paths`` (what it reads) is damaged."""
        for path in paths:
            name = self.store.layout.relative(path)
            if name in self.damaged:
                return _error_select(body, f"{name} is {self.damaged[name]}; {self._damage_hint(name)}")
        return body

    # --- parameters ------------------------------------------------------------------------------

    def _set_params(self, given: dict[str, str]) -> None:
        """Each -p checked against the parameters the SQL files declare, typed from its declaration."""
        declared = parameters()
        check_params(given, declared)
        self.param_specs = declared
        self.param_docs = {name: spec.doc for name, spec in declared.items()}
        # SQL files read their term tables with read_csv(getvariable('queries_dir') || '/flags/x.csv')
        merged = {**{name: spec.default for name, spec in declared.items()}, **given, "queries_dir": str(queries_dir())}
        set_variables(self.con, merged, declared)
        self.params = merged
        load_macros(self.con)  # queries/macros.sql, which may read the variables

    # --- views -----------------------------------------------------------------------------------

    def _create_views(self) -> None:
        con = self.con
        self._create_stored_view()
        # each file's original column names, from the keys of its first rows' raw (source_row <= 1000 lets
        # DuckDB read only the first row group of each file): blank_reason asks whether a file had a Reason column
        con.execute(
            "CREATE OR REPLACE VIEW source_columns AS "
            "SELECT DISTINCT source_sha256, source_file, unnest(json_keys(raw)) AS column_name "
            "FROM _searches_stored WHERE source_row <= 1000 AND coalesce(json_valid(raw), false)"
        )
        con.execute(f"CREATE OR REPLACE VIEW _duplicates AS {self._duplicates_select()}")
        # count(*) of a Parquet file is read from its footer
        self.has_duplicates = self.damaged_duplicates or bool(
            con.execute("SELECT count(*) FROM _duplicates").fetchall()[0][0])
        con.execute(f"CREATE OR REPLACE VIEW searches AS {self.searches_select()}")
        quarantine = _parquet_select(
            self.store.files("quarantine"),
            {"source_file": "VARCHAR", "source_sha256": "VARCHAR", "batch_id": "INTEGER", **QUARANTINE_COLUMNS},
        )
        quarantine = self._guard(quarantine, self.store.files("quarantine"))
        con.execute(f"CREATE OR REPLACE VIEW quarantine AS {quarantine}")
        self._create_manifest_views()
        con.execute(
            "CREATE OR REPLACE VIEW searches_first_seen AS "
            "SELECT search_uid, min(batch_id) AS first_batch_id, count(*) AS rows FROM searches GROUP BY search_uid"
        )
        side_schemas = side_table_schemas()
        side_names = set(self.store.side_tables()) | set(side_schemas)
        for side in sorted(side_names):
            schema = side_schemas.get(side)
            body = self._guard(_parquet_select(self.store.files(f"side/{side}"), schema),
                               self.store.files(f"side/{side}"))
            con.execute(f"CREATE OR REPLACE VIEW {side} AS {body}")
        self._create_agency_views()
        if self.redact:
            from .. import redact

            redact.apply(self)  # replaces the views that carry personal data with redacted ones
        self._create_flags_view()

    def searches_select(self, stored: str = "_searches_stored", extra_columns: tuple[str, ...] = (),
                        columns: tuple[str, ...] = (*SEARCHES_VIEW_COLUMNS, "search_uid")) -> str:
        """The ``searches`` view's SELECT over ``stored`` (the stored rows, or a subquery over them that adds
        ``extra_columns``, which come first): the duplicate marks joined in, and ``search_uid``; or only
        ``columns`` of it (``stored`` then needs only the stored ones, and search_key for duplicate_of or
        search_uid, search_id for search_uid). A store without duplicate rows has no join: every row's
        duplicate_of is NULL, and a query that does not ask for it then reads no search_key (a unique text per
        row) to join on."""
        joined = self.has_duplicates and bool({"duplicate_of", "search_uid"} & set(columns))
        duplicate_of = "d.duplicate_of" if joined else "CAST(NULL AS VARCHAR)"
        expressions = {"duplicate_of": f"{duplicate_of} AS duplicate_of",
                       "search_uid": f"coalesce(s.search_id, {duplicate_of}, s.search_key) AS search_uid",
                       "reason_category": "reason_category(s.reason) AS reason_category",
                       "reason_detail": "reason_detail(s.reason) AS reason_detail",
                       # rows stored before time_basis: Vigilant and event-log times were local, zone unknown
                       "time_basis": "coalesce(s.time_basis, CASE WHEN s.log_kind IN ('vigilant_audit', 'event_log') "
                                     "THEN 'local, zone unknown' ELSE 'utc' END) AS time_basis"}
        select = ", ".join([f"s.{c}" for c in extra_columns] + [expressions.get(c, f"s.{c}") for c in columns])
        if joined:
            return f"SELECT {select} FROM {stored} AS s LEFT JOIN _duplicates AS d USING (search_key)"
        return f"SELECT {select} FROM {stored} AS s"

    def stored_rows_select(self, rid: bool = False) -> str:
        """The stored rows as the Parquet files hold them (``raw`` possibly compact, with ``raw_layout``; a
        store written before compact raw gets a NULL ``raw_layout``). ``rid``: first a column naming each row,
        (file number << 32) | row in its file (the report's key). Views read ``decoded`` of this."""
        files = self.reading_files()
        if not files:
            return _empty_select({"rid": "UBIGINT", **STORED_COLUMNS} if rid else STORED_COLUMNS)
        good = [p for p in files if self.store.layout.relative(p) not in self.damaged]
        if not good:  # every file damaged: the columns as stored, and the error
            return self._guard(_empty_select({"rid": "UBIGINT", **STORED_COLUMNS} if rid else STORED_COLUMNS),
                               files)
        listing = ", ".join(sql_literal(str(p)) for p in good)
        rid_column = "(file_index::UBIGINT << 32) | file_row_number::UBIGINT AS rid, " if rid else ""
        select = f"SELECT {rid_column}* FROM read_parquet([{listing}], union_by_name = true)"
        if "raw_layout" not in column_names(self.con, select):
            select = f"SELECT *, CAST(NULL AS VARCHAR) AS raw_layout FROM ({select})"
        return self._guard(select, files)

    def reading_files(self) -> list[Path]:
        """The files the stored rows are read from: many small files are read from their packs."""
        return packs.reading_files(self.store, self.derived.packs)

    def raw_layouts(self) -> list[str]:
        """The compact-raw layouts of the store's files (the manifest lists them; store.raw_json_sql)."""
        return sorted({layout for s in self.store.sources if s.get("status") == "ingested"
                       for layout in (s.get("extra") or {}).get("raw_layouts", [])})

    def decoded(self, stored_select: str) -> str:
        """``stored_select``'s rows with ``raw`` as every view shows it (store.decoded_select), no raw_layout."""
        return decoded_select(stored_select, self.raw_layouts())

    def _create_stored_view(self) -> None:
        self.con.execute(f"CREATE OR REPLACE VIEW _searches_stored AS {self.decoded(self.stored_rows_select())}")

    def _create_manifest_views(self) -> None:
        self.con.register("_sources_manifest", view_table(self.store.sources, SourceEntry))
        rows_duplicate = ("CAST(NULL AS BIGINT)" if self.damaged_duplicates else "coalesce(d.n, 0)")
        self.con.execute(
            "CREATE OR REPLACE VIEW sources AS "
            "SELECT m.path, m.sha256, m.status, m.format, m.variant, m.producer, m.log_kind, m.rows_read, "
            f"m.rows_stored, m.rows_quarantined, {rows_duplicate} AS rows_duplicate, m.rows_blanked, "
            "m.other_tables, m.encoding, "
            "m.producer_from, m.reason, m.parts_skipped, m.notes, m.parent, m.size, m.batch_id, "
            "CAST(m.ingested_at AS TIMESTAMPTZ) AS ingested_at "
            "FROM _sources_manifest m LEFT JOIN ("
            "  SELECT split_part(search_key, ':', 1) AS sha16, count(*) AS n FROM "
            f"  {'(SELECT NULL AS search_key WHERE false)' if self.damaged_duplicates else '_duplicates'} GROUP BY ALL"
            ") d ON d.sha16 = left(m.sha256, 16) AND m.status = 'ingested'"
        )
        self.con.register("_batches_manifest", view_table(self.store.batches, BatchEntry))
        self.con.execute(
            "CREATE OR REPLACE VIEW batches AS SELECT batch_id, CAST(started_at AS TIMESTAMPTZ) AS started_at, "
            "CAST(finished_at AS TIMESTAMPTZ) AS finished_at, paths, files_ingested, files_already, files_skipped, "
            "files_rejected, rows_stored, rows_quarantined FROM _batches_manifest"
        )

    # --- derived tables: from derived/ when current, else computed here ------------------------------------

    @property
    def damaged_duplicates(self) -> bool:
        """True when the duplicate marks cannot be had: not current in derived/, and stored files damaged."""
        return "duplicates" not in self.derived.tables and bool(self.damaged)

    def _duplicates_select(self) -> str:
        empty = _empty_select({"search_key": "VARCHAR", "duplicate_of": "VARCHAR"})
        if "duplicates" in self.derived.tables:
            path = self.derived.tables["duplicates"]
            return empty if path is None else f"SELECT * FROM read_parquet({sql_literal(str(path))})"
        if self.damaged:
            return self._guard(empty, [self.store.layout.path(n) for n in self.damaged])
        if "duplicates" not in self._in_memory:
            if not self.store.files("searches"):
                self._in_memory["duplicates"] = empty
            else:  # in the connection's spill folder: outside the store, removed with the connection
                if self.store.rows_stored() >= STALE_NOTE_ROWS:
                    print("lprlogs: note: the store's derived tables are missing or out of date, so duplicate "
                          "marks are computed for this run only (`lprlogs rebuild` keeps them)", file=sys.stderr)
                spill = self.con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
                target = Path(spill) / "duplicates.parquet"
                derived.compute_duplicates(self, target)
                self.allowed_paths.add(str(target))
                self._in_memory["duplicates"] = f"SELECT * FROM read_parquet({sql_literal(str(target))})"
        return self._in_memory["duplicates"]

    def _create_agency_views(self) -> None:
        """``agencies`` and ``agreements``: from derived/ when current, else classified here, in memory."""
        schemas = derived.agency_schemas()
        missing = [name for name in schemas if name not in self.derived.tables and name not in self._in_memory]
        if missing and not self.damaged:
            for name, table in derived.agency_tables(self).items():
                self.con.register(f"_{name}_in_memory", table)
                self._in_memory[name] = f"SELECT * FROM _{name}_in_memory"
        for name, (schema, order) in schemas.items():
            path = self.derived.tables.get(name)
            if path is not None:
                body = f"SELECT * FROM read_parquet({sql_literal(str(path))})"
            elif name in self._in_memory:
                body = self._in_memory[name]
            else:  # damaged stored files: the table cannot be computed
                body = self._guard(derived.empty_select(schema), [self.store.layout.path(n) for n in self.damaged])
            self.con.execute(f"CREATE OR REPLACE VIEW {name} AS {body} ORDER BY {order}").fetchall()

    def _create_flags_view(self) -> None:
        """``flag_<name>`` per queries/flags/<name>.sql and ``flags``, their union (``flag_union``)."""
        for helper in _flag_helpers():
            self.con.execute(f"CREATE OR REPLACE VIEW {helper.name} AS "
                             f"{self._flag_preamble([], None)}SELECT * FROM ({helper.body}\n)")
        for sql_file in sql_files("flags"):
            view = f"flag_{sql_file.name}"
            self.con.execute(f"CREATE OR REPLACE VIEW {view} AS {self._flag_preamble([sql_file.body], None)}"
                             f"SELECT * FROM ({sql_file.body}\n) AS {view}")
        self.con.execute(f"CREATE OR REPLACE VIEW flags AS {self.flag_union()}")

    def flag_union(self, select_list: str = FLAG_PART_SELECT, searches: str | None = None) -> str:
        """Every flag file's rows as ONE query (a UNION ALL of the files, ``select_list`` taken from each
        file's output):
        - flag SQL reads ``searches`` as ``searches`` given here, by default the stored rows (a CTE named
          ``searches`` over ``_searches_stored``): no flag needs the duplicate marks, and joining them in cost
          as much as the scan itself. In redacted mode flags read the redacted ``searches`` view unchanged.
          The report passes its own rows, keyed by an integer instead of search_key.
        - a helper (queries/flags/_name.sql, also a view ``_name``) that several flags read is a MATERIALIZED
          CTE: computed once per query, not once per flag (a view is inlined per reference)."""
        flag_files = sql_files("flags")
        if not flag_files:
            empty = _empty_select({"search_key": "VARCHAR", "flag": "VARCHAR", "evidence": "VARCHAR"})
            return f"SELECT {select_list} FROM ({empty})"
        # bodies are closed with "\n)": a file may end with a -- comment line
        parts = [f"SELECT {select_list} FROM ({f.body}\n) AS flag_{f.name}"
                 for f in flag_files]
        return self._flag_preamble([f.body for f in flag_files], searches) + " UNION ALL ".join(parts)

    def _flag_preamble(self, bodies: list[str], searches: str | None) -> str:
        """The WITH clause flag SQL runs under: ``searches`` (see ``flag_union``) and the helpers ``bodies`` read."""
        if searches is None and not self.redact:
            base_columns = ", ".join(c for c in SEARCHES_VIEW_COLUMNS if c in STORED_COLUMNS)
            searches = f"SELECT {base_columns} FROM _searches_stored"
        ctes = [f"searches AS NOT MATERIALIZED ({searches})"] if searches is not None else []
        for helper, readers in _helpers_read_by(bodies):
            ctes.append(f"{helper.name} AS {'MATERIALIZED ' if readers > 1 else ''}({helper.body}\n)")
        return "WITH " + ", ".join(ctes) + " " if ctes else ""

    def ensure_derived(self, force: bool = False) -> bool:
        """Bring derived/ up to date on this engine's connection (a writer: takes the store's lock). Returns
        True when something was built. The views keep reading what they read; ``refresh`` re-reads."""
        return derived.rebuild(self.store, Engine, engine=self, force=force)

    def refresh(self, force: bool = False) -> None:
        """After the store changed (ingest, registry): rebuild derived tables (a writer) and re-read them."""
        self.ensure_derived(force=force)
        self.derived = derived.DerivedState.load(self.store)
        self._in_memory.clear()
        self.damaged.clear()
        self._check_files()
        self._create_views()

    # --- queries ---------------------------------------------------------------------------------

    def views(self) -> dict[str, list[tuple[str, str]]]:
        rows = self.con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name NOT LIKE '\\_%' ESCAPE '\\' "
            "ORDER BY table_name, ordinal_position"
        ).fetchall()
        result: dict[str, list[tuple[str, str]]] = {}
        for table, column, dtype in rows:
            result.setdefault(table, []).append((column, dtype))
        return result

    def describe_views(self) -> str:
        return "\n".join(f"  {name}({', '.join(c for c, _ in cols)})" for name, cols in self.views().items())

    def query(self, sql: str, params: dict[str, str] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run read-only SQL; a SQL error raises LprlogsError listing the views and their columns."""
        relation = self.relation(sql, params)
        return relation.columns, relation.fetchall()

    def relation(self, sql: str, params: dict[str, str] | None = None) -> duckdb.DuckDBPyRelation:
        try:
            statements = self.con.extract_statements(sql)
        except duckdb.Error as exc:
            raise self._sql_error(exc) from exc
        if len(statements) != 1:
            raise LprlogsError(f"give exactly one SQL statement (got {len(statements)})")
        if not self._reads_only(statements[0]):
            raise LprlogsError("queries are read-only: only SELECT (or WITH ... SELECT, EXPLAIN SELECT) is allowed",
                               hint="the store changes only through `lprlogs ingest`")
        if re.search(r"\breport_\w+", sql):  # a file of queries/reports/ run alone
            define_report_objects(self.con)
        named = {}
        for name in set(re.findall(r"\$([A-Za-z_]\w*)", sql)):
            if params and name in params:
                named[name] = params[name]
            elif name in self.params:
                named[name] = self.params[name]
        try:
            if named:
                return self.con.sql(sql, params=named)
            return self.con.sql(sql)
        except duckdb.Error as exc:
            raise self._sql_error(exc) from exc

    def _reads_only(self, statement: duckdb.Statement) -> bool:
        """A SELECT, or EXPLAIN [ANALYZE] of one (EXPLAIN ANALYZE runs what it explains). A second line of
        defence: ``lock_down`` is what stops a statement from writing files or loading extensions."""
        if statement.type == duckdb.StatementType.SELECT:
            return True
        if statement.type != duckdb.StatementType.EXPLAIN:
            return False
        inner = _EXPLAIN_PREFIX.sub("", statement.query, count=1)
        try:
            explained = self.con.extract_statements(inner)
        except duckdb.Error:
            return False
        return inner != statement.query and len(explained) == 1 and explained[0].type == duckdb.StatementType.SELECT

    def lock_down(self, allow_files: tuple[Path, ...] = ()) -> None:
        """Make this connection unable to write any file, attach a database, or install or load an extension,
        whatever SQL it is given: DuckDB may then read only the files the views read, the SQL catalog's
        term tables, and files under ``allow_files``; and its configuration is locked. Call it after the views
        are defined (they are read as they are: their files are allowed by name)."""
        paths = set(self.allowed_paths)
        for path in self.view_files():
            paths |= {str(path), str(path.resolve())}
        folders = {str(queries_dir().resolve()) + "/"} | {str(Path(d).resolve()) + "/" for d in allow_files}
        for statement in (f"SET allowed_paths = [{', '.join(map(sql_literal, sorted(paths)))}]",
                          f"SET allowed_directories = [{', '.join(map(sql_literal, sorted(folders)))}]",
                          "SET autoinstall_known_extensions = false", "SET autoload_known_extensions = false",
                          "SET allow_community_extensions = false", "SET enable_external_access = false",
                          "SET lock_configuration = true"):
            self.con.execute(statement).fetchall()

    def view_files(self) -> list[Path]:
        """Every store file the views read."""
        kinds = ["quarantine", *(f"side/{t}" for t in self.store.side_tables())]
        files = self.reading_files() + [p for k in kinds for p in self.store.files(k)]
        files += [p for p in self.derived.tables.values() if p is not None]
        if self.derived.redacted:
            files.append(self.derived.redacted["path"])
        return files

    def _sql_error(self, exc: Exception) -> LprlogsError:
        damaged = damage_error(exc)
        if damaged is not None:
            return damaged
        if isinstance(exc, duckdb.OutOfMemoryException):
            return out_of_memory()
        if isinstance(exc, duckdb.PermissionException):
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return LprlogsError(f"not allowed: {first}",
                                hint="queries read only the store's views and write nothing; "
                                     "`lprlogs query --allow-files DIR` lets them read files under DIR")
        return sql_error(exc, self.views())

    def close(self) -> None:
        self.con.close()


def rebuild(store: Store, *, force: bool = False) -> bool:
    """Bring the store's derived/ up to date (a writer: takes the store's lock; ingest, `agencies load-*` and
    `lprlogs rebuild` call it). Returns True when something was built."""
    return derived.rebuild(store, Engine, force=force)
