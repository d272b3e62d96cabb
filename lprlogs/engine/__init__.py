"""DuckDB over the store: the contract's views, the SQL files under queries/, named parameters,
read-only user queries, and the derived tables (duplicates) rebuilt after each ingest.

Every view is lazy: DuckDB reads the Parquet files named in the manifest when a query runs.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from .. import agencies
from ..errors import LprlogsError
from ..formats import side_table_schemas
from ..schema import QUARANTINE_COLUMNS, SEARCHES_VIEW_COLUMNS, STORED_COLUMNS
from ..store import Store, column_names, decoded_select, packs, sql_literal
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
from .sqlerrors import sql_error

DERIVED_MEMORY_LIMIT = os.environ.get("LPRLOGS_MEMORY_LIMIT", "1GB")  # for rebuilding derived tables
READ_ONLY_STATEMENTS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


def _empty_select(columns: dict[str, str]) -> str:
    return "SELECT " + ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in columns.items()) + " WHERE false"


def _parquet_select(paths: list[Path], empty_columns: dict[str, str] | None) -> str:
    if not paths:
        if empty_columns is None:
            raise ValueError("no files and no schema")
        return _empty_select(empty_columns)
    listing = ", ".join(sql_literal(str(p)) for p in paths)
    return f"SELECT * FROM read_parquet([{listing}], union_by_name = true)"





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
        if not views:  # only what derived tables are built from (after an ingest)
            self._create_stored_view()
            self.ensure_derived()
            return
        self._set_params(params or {})
        self._create_views()
        if self.ensure_derived():  # derived tables read the views; views then read the new derived tables
            self._create_views()

    @classmethod
    def rebuild_derived(cls, store: Store) -> None:
        """Bring derived/ up to date with the manifest, without defining the query views."""
        cls(store, views=False).close()

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
        dup_file = self.store.root / "derived" / "duplicates.parquet"
        dup_sql = (f"SELECT * FROM read_parquet({sql_literal(str(dup_file))})" if dup_file.exists()
                   else _empty_select({"search_key": "VARCHAR", "duplicate_of": "VARCHAR"}))
        con.execute(f"CREATE OR REPLACE VIEW _duplicates AS {dup_sql}")
        # count(*) of a Parquet file is read from its footer
        self.has_duplicates = bool(con.execute("SELECT count(*) FROM _duplicates").fetchall()[0][0])
        con.execute(f"CREATE OR REPLACE VIEW searches AS {self.searches_select()}")
        quarantine = _parquet_select(
            self.store.files("quarantine"),
            {"source_file": "VARCHAR", "source_sha256": "VARCHAR", "batch_id": "INTEGER", **QUARANTINE_COLUMNS},
        )
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
            body = _parquet_select(self.store.files(f"side/{side}"), schema)
            con.execute(f"CREATE OR REPLACE VIEW {side} AS {body}")
        self._create_extension_views()
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
                       "reason_detail": "reason_detail(s.reason) AS reason_detail"}
        select = ", ".join([f"s.{c}" for c in extra_columns] + [expressions.get(c, f"s.{c}") for c in columns])
        if joined:
            return f"SELECT {select} FROM {stored} AS s LEFT JOIN _duplicates AS d USING (search_key)"
        return f"SELECT {select} FROM {stored} AS s"

    def stored_rows_select(self, rid: bool = False) -> str:
        """The stored rows as the Parquet files hold them (``raw`` possibly compact, with ``raw_layout``; a
        store written before compact raw gets a NULL ``raw_layout``). ``rid``: first a column naming each row,
        (file number << 32) | row in its file (the report's key). Views read ``decoded`` of this."""
        files = packs.reading_files(self.store)  # many small files are read from their packs
        if not files:
            return _empty_select({"rid": "UBIGINT", **STORED_COLUMNS} if rid else STORED_COLUMNS)
        listing = ", ".join(sql_literal(str(p)) for p in files)
        rid_column = "(file_index::UBIGINT << 32) | file_row_number::UBIGINT AS rid, " if rid else ""
        select = f"SELECT {rid_column}* FROM read_parquet([{listing}], union_by_name = true)"
        if "raw_layout" not in column_names(self.con, select):
            select = f"SELECT *, CAST(NULL AS VARCHAR) AS raw_layout FROM ({select})"
        return select

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
        sources = [
            {
                "path": s.get("path"), "parent": s.get("parent"), "sha256": s.get("sha256"), "size": s.get("size"),
                "status": s.get("status"), "reason": s.get("reason"), "format": s.get("format"),
                "variant": s.get("variant"), "encoding": s.get("encoding"), "producer": s.get("producer"),
                "producer_from": s.get("producer_from"), "log_kind": s.get("log_kind"),
                "rows_read": s.get("rows_read", 0), "rows_stored": s.get("rows_stored", 0),
                "rows_quarantined": s.get("rows_quarantined", 0), "rows_blanked": s.get("rows_blanked", 0),
                "other_tables": ", ".join(f"{k}: {v}" for k, v in sorted((s.get("side_rows") or {}).items())),
                "parts_skipped": "; ".join(f"{p['part']}: {p['reason']}" for p in s.get("parts_skipped", [])),
                "notes": " | ".join(s.get("notes", [])), "batch_id": s.get("batch_id"),
                "ingested_at": s.get("ingested_at"),
            }
            for s in self.store.sources
        ]
        source_schema = pa.schema([
            ("path", pa.string()), ("parent", pa.string()), ("sha256", pa.string()), ("size", pa.int64()),
            ("status", pa.string()), ("reason", pa.string()), ("format", pa.string()), ("variant", pa.string()),
            ("encoding", pa.string()), ("producer", pa.string()), ("producer_from", pa.string()),
            ("log_kind", pa.string()), ("rows_read", pa.int64()), ("rows_stored", pa.int64()),
            ("rows_quarantined", pa.int64()), ("rows_blanked", pa.int64()), ("other_tables", pa.string()),
            ("parts_skipped", pa.string()),
            ("notes", pa.string()), ("batch_id", pa.int64()), ("ingested_at", pa.string()),
        ])
        self.con.register("_sources_manifest", pa.Table.from_pylist(sources, schema=source_schema))
        self.con.execute(
            "CREATE OR REPLACE VIEW sources AS "
            "SELECT m.path, m.sha256, m.status, m.format, m.variant, m.producer, m.log_kind, m.rows_read, "
            "m.rows_stored, m.rows_quarantined, coalesce(d.n, 0) AS rows_duplicate, m.rows_blanked, m.other_tables, "
            "m.encoding, "
            "m.producer_from, m.reason, m.parts_skipped, m.notes, m.parent, m.size, m.batch_id, "
            "CAST(m.ingested_at AS TIMESTAMPTZ) AS ingested_at "
            "FROM _sources_manifest m LEFT JOIN ("
            "  SELECT split_part(search_key, ':', 1) AS sha16, count(*) AS n FROM _duplicates GROUP BY ALL"
            ") d ON d.sha16 = left(m.sha256, 16) AND m.status = 'ingested'"
        )
        batch_schema = pa.schema([
            ("batch_id", pa.int64()), ("started_at", pa.string()), ("finished_at", pa.string()),
            ("paths", pa.string()), ("files_ingested", pa.int64()), ("files_already", pa.int64()),
            ("files_skipped", pa.int64()), ("files_rejected", pa.int64()), ("rows_stored", pa.int64()),
            ("rows_quarantined", pa.int64()),
        ])
        batches = [
            {"batch_id": b["id"], "started_at": b.get("started_at"), "finished_at": b.get("finished_at"),
             "paths": " ".join(b.get("paths", [])), **{k: b.get(k, 0) for k in (
                 "files_ingested", "files_already", "files_skipped", "files_rejected", "rows_stored",
                 "rows_quarantined")}}
            for b in self.store.batches
        ]
        self.con.register("_batches_manifest", pa.Table.from_pylist(batches, schema=batch_schema))
        self.con.execute(
            "CREATE OR REPLACE VIEW batches AS SELECT batch_id, CAST(started_at AS TIMESTAMPTZ) AS started_at, "
            "CAST(finished_at AS TIMESTAMPTZ) AS finished_at, paths, files_ingested, files_already, files_skipped, "
            "files_rejected, rows_stored, rows_quarantined FROM _batches_manifest"
        )

    def _create_extension_views(self) -> None:
        """Views other modules own (agencies, agreements): each module registers its own."""
        agencies.register_views(self)

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

    # --- derived tables --------------------------------------------------------------------------

    def ensure_derived(self, force: bool = False) -> bool:
        """Rebuild derived/ (duplicate marks, agency table) when the manifest has changed since.
        Returns True when something was rebuilt."""
        derived = self.store.root / "derived"
        stamp_path = derived / "stamp.json"
        generation = self.store.manifest.get("generation", 0)
        if not force and stamp_path.exists():
            try:
                if json.loads(stamp_path.read_text()).get("generation") == generation:
                    return False
            except (OSError, json.JSONDecodeError):
                pass
        if not self.store.root.exists():
            return False
        derived.mkdir(parents=True, exist_ok=True)
        files = self.store.files("searches")
        target = derived / "duplicates.parquet"
        if files:
            stored = self.stored_rows_select()
            tmp = derived / f".duplicates.{uuid.uuid4().hex}.tmp"
            # Every row is a candidate when a release is ingested twice under other names. A memory cap keeps
            # the duplicate search near 1.1 GiB at 20M candidate rows (measured); DuckDB spills the rest to
            # the connection's own spill folder (``connect``; switching folders after a spill is an error in
            # DuckDB, which a release ingested twice met).
            # s is NOT MATERIALIZED: referenced twice, DuckDB 2 would otherwise copy every stored row into memory.
            self.con.execute(f"SET memory_limit = {sql_literal(DERIVED_MEMORY_LIMIT)}")
            try:
                self._copy_duplicates(stored, tmp, exact=self._mixes_raw_forms())
            finally:
                self.con.execute("RESET memory_limit")
            os.replace(tmp, target)
        else:
            target.unlink(missing_ok=True)
        agencies.build_derived(self)
        packs.build(self.con, self.store)
        tmp_stamp = derived / f".stamp.{uuid.uuid4().hex}.tmp"
        tmp_stamp.write_text(json.dumps({"generation": generation}))
        os.replace(tmp_stamp, stamp_path)
        return True

    def _mixes_raw_forms(self) -> bool:
        """True when the store holds Flock files stored before compact raw (their row_hash is of the whole
        JSON object) beside files stored compact (whose row_hash is of the compact form): the two hashes of
        one row differ, so duplicates are then found by a hash of ``raw`` as the views show it (slower)."""
        from ..formats.flock import STAGED_CELL_FORMATS

        forms = {bool((s.get("extra") or {}).get("raw_layouts")) for s in self.store.sources
                 if s.get("status") == "ingested" and s.get("rows_stored") and s.get("format") in STAGED_CELL_FORMATS}
        return forms == {True, False}

    def _copy_duplicates(self, stored: str, target: Path, exact: bool = False) -> None:
        """derived/duplicates.parquet: each exact duplicate row's key and the key of its first copy (same
        producer, log kind and every raw cell; first by ingest order, then sheet and row).

        Candidates share row_hash (or, with ``exact``, a hash of the rebuilt ``raw``: see
        ``_mixes_raw_forms``); they are written, narrow, to a scratch file (spill folder) with the
        128-bit MD5 of ``raw`` (two different texts share one with a probability of about 1 in 10^24 at
        twenty million rows), and rows are one copy when producer, log kind and that MD5 agree. In one
        statement over the ``raw`` texts themselves, a 10M-row export ingested under two names (20M
        candidate rows) ran out of memory; in two steps it peaks at 1.1 GiB (measured)."""
        candidate_rows = "SELECT s.* FROM s SEMI JOIN candidates USING (candidate_key)"
        if exact:  # raw rebuilt for every row, to hash it
            keyed = f"SELECT *, hash(producer, log_kind, raw) AS candidate_key FROM ({self.decoded(stored)})"
        else:  # raw rebuilt for the candidate rows only
            keyed = f"SELECT *, row_hash AS candidate_key FROM ({stored})"
            candidate_rows = self.decoded(candidate_rows)
        # in the connection's private spill folder: removed with it, or by the next run after a kill
        spill = self.con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
        copies = Path(spill) / f"duplicate-candidates-{uuid.uuid4().hex}.parquet"
        try:
            self.con.execute(
                f"COPY (WITH s AS NOT MATERIALIZED ({keyed}), "
                "candidates AS (SELECT candidate_key FROM s GROUP BY 1 HAVING count(*) > 1) "
                "SELECT search_key, producer, log_kind, source_seq, source_sheet, source_row, "
                f"md5_number(raw) AS raw_md5 FROM ({candidate_rows})) TO {sql_literal(str(copies))} (FORMAT parquet)"
            ).fetchall()
            self.con.execute(
                "COPY (SELECT search_key, duplicate_of FROM (SELECT search_key, first_value(search_key) OVER ("
                "PARTITION BY producer, log_kind, raw_md5 ORDER BY source_seq, source_sheet, source_row) AS duplicate_of "
                f"FROM read_parquet({sql_literal(str(copies))})) WHERE duplicate_of <> search_key) "
                f"TO {sql_literal(str(target))} (FORMAT parquet)"
            ).fetchall()
        finally:
            copies.unlink(missing_ok=True)

    def refresh(self, force: bool = False) -> None:
        """After the store changed (ingest, registry), rebuild derived tables and views."""
        self.ensure_derived(force=force)
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
        if statements[0].type not in READ_ONLY_STATEMENTS:
            raise LprlogsError("queries are read-only: only SELECT (or WITH ... SELECT) is allowed",
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

    def _sql_error(self, exc: Exception) -> LprlogsError:
        return sql_error(exc, self.views())

    def close(self) -> None:
        self.con.close()
