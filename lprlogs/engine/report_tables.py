"""The report objects as tables: report_searches, report_agencies, report_facts, report_shared_searches,
report_flags and report_rows (lprlogs/report/data.py describes each), which the report's SQL files and
`lprlogs flags` read.

Computing them is most of a report's time: the flags read every row's texts, and the printed rows are
picked from every stored row. So a writer also stores them in derived/ (``store_tables``: at the end of
an ingest, after `agencies load-*`, in `lprlogs rebuild`), and a reader reads them from there instead
(``prepare``) when they were computed from the same rows, read from the same files in the same order
(``rid`` numbers a row by its place in them), the same files under queries/, lprlogs's code and flag
parameters (``stored_key``); the printed rows also for the same row caps. Otherwise, and with ``--since``
or ``--redact``, it computes them as a writer does.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from ..errors import LprlogsError
from ..memory import limit_bytes
from ..schema import SEARCHES_VIEW_COLUMNS, STORED_COLUMNS, UNKNOWN_BASIS
from ..store import sql_literal
from ..store.atomic import atomic_path
from .catalog import _flag_helpers, flag_columns, queries_dir, report_objects, sql_files

if TYPE_CHECKING:
    from . import Engine

STORED_TABLES = ("report_facts", "report_shared_searches", "report_flags", "report_rows")
# Writers store the tables for stores of at least this many rows. Below it, storing them would add to each
# ingest about what it saves a reader or two (1M rows: 4.3 s at ingest; `flags` 2.7 s computing them against
# 1.9 s reading them, the report 11.2 s against 8.1, peak 0.84 GiB against 0.65); above it, it spares every
# reader far more (10M rows: the report 26 s and 2.5 GiB computing them, against 14 s and 1.3).
STORED_FROM_ROWS = 2_000_000
STALE_NOTE_ROWS = 1_000_000  # a reader computing derived data over this many rows says how to avoid it
PACKAGE = Path(__file__).resolve().parent.parent  # lprlogs/: its code is part of what the tables come from
# A stored report_flags is read into memory when it takes less than this share of the memory limit (the
# summaries read it many times), and report_facts too when both fit in it; a larger one is read from its
# file by each query, in bounded memory.
IN_MEMORY_SHARE = 0.3
ROW_BYTES = {"report_flags": 40, "report_facts": 38}  # their width in memory: fixed-width columns

# What prepare defines, in the engine's own in-memory database (not TEMP: the worker connections that run
# the report queries side by side must see them): views and tables named report_*, and these types, dropped
# after the tables that use them (``drop_report_objects``).
REPORT_TYPES = ("report_flag_name", "report_org_name", "report_zone_name")


def prepare_flags(engine: Engine, since: int | None = None, *, load: bool = True) -> Prepared:
    """The report objects up to report_flags (not the printed rows): what the counts read, in tables that
    DuckDB spills to disk when they outgrow the memory limit, or read from derived/ (``load``, without
    ``since``, when ``stored_entry`` allows). The caller calls ``drop_report_objects``."""
    con = engine.con
    flag_searches, stored_rows = _define_searches(engine, since)
    stored = stored_entry(engine) if load and since is None else None
    if stored:
        _load_flag_tables(con, stored)
    else:
        if load and since is None:
            _say_when_stale(engine)
        collect_facts(con)
        _materialize_flags(engine, flag_searches)
    return Prepared(stored_rows, stored)


def _define_searches(engine: Engine, since: int | None) -> tuple[str, str | None]:
    """report_searches (the rows of batches after ``since``, else all) and report_agencies; the SELECTs the
    flags read and that pick stored rows (``_keyed_searches``)."""
    con = engine.con
    # DuckDB's own bars would print per query; whether it tracks progress is the caller's (a bar reads it)
    con.execute("SET enable_progress_bar_print = false").fetchall()
    drop_report_objects(con)  # the plain views a query run alone may have defined (define_report_objects)
    keyed_searches, flag_searches, stored_rows = _keyed_searches(engine)
    if since is not None:
        keyed_searches = (f"SELECT * FROM ({keyed_searches}) WHERE search_uid IN "
                          f"(SELECT search_uid FROM searches_first_seen WHERE first_batch_id > {int(since)})")
    con.execute(f"CREATE OR REPLACE VIEW report_searches AS {keyed_searches}").fetchall()
    # the definition a file run alone reads as a view (queries/reports/_report_objects.sql), materialised
    con.execute(f"CREATE OR REPLACE TABLE report_agencies AS {report_objects()['report_agencies']}").fetchall()
    return flag_searches, stored_rows


@dataclass(frozen=True)
class Prepared:
    """What ``prepare_flags`` leaves for the printed rows: the stored rows' SELECT (``_keyed_searches``) and
    the derived/ entry the tables were read from (None: computed)."""

    stored_rows: str | None
    stored: dict[str, Any] | None


@dataclass(frozen=True)
class RowCaps:
    """How many rows of each flag the report prints: in the HTML, the workbook and the CSV files."""

    html: int
    xlsx: int
    csv: int | None  # None: every row

    @property
    def printed(self) -> int | None:
        """Rows per flag that report_rows must hold (None: every row)."""
        return None if self.csv is None else max(self.html, self.xlsx, self.csv)


def _int_param(engine: Engine, name: str, default: int, maximum: int | None = None) -> int:
    raw = engine.params.get(name, str(default))
    try:
        value = int(str(raw))
    except ValueError as exc:
        raise LprlogsError(f"parameter {name} must be a whole number, got {raw!r}", hint=f"-p {name}={default}") from exc
    if value < 0:
        raise LprlogsError(f"parameter {name} must not be negative", hint=f"-p {name}={default}")
    return min(value, maximum) if maximum is not None else value


def row_caps(engine: Engine) -> RowCaps:
    csv_rows = _int_param(engine, "csv_rows_per_flag", 100_000)
    return RowCaps(html=_int_param(engine, "html_rows_per_flag", 50),
                   xlsx=_int_param(engine, "xlsx_rows_per_flag", 1000, maximum=1_048_575),
                   csv=csv_rows or None)


# The columns of each printed row: what the HTML, the workbook and the CSV files show and cite.
PRINTED_ROW_COLUMNS = ("search_time", "producer", "log_kind", "searcher_org", "networks_searched",
                       "time_frame_start", "reason", "case_number", "source_file", "source_sheet",
                       "source_row", "source_page", "duplicate_of", "search_key", "search_id")
# printed too when the store records them (how each row's time was read)
OPTIONAL_PRINTED_COLUMNS = ("time_basis",)


def prepare(engine: Engine, since: int | None, *, load: bool = True) -> None:
    """Define report_searches, report_agencies, report_shared_searches, report_flags and report_rows in the
    engine's database; the caller calls ``drop_report_objects`` when the report is written."""
    prepared = prepare_flags(engine, since, load=load)
    per_flag = row_caps(engine).printed
    if prepared.stored and prepared.stored.get("printed", -1) == per_flag:
        _load_printed_rows(engine.con, prepared.stored)
    else:
        _select_printed_rows(engine, per_flag, prepared.stored_rows)


def _select_printed_rows(engine: Engine, per_flag: int | None, stored_rows: str | None = None) -> None:
    """report_rows: the first ``per_flag`` rows of each flag by (search time, search_key), rows without a
    time last, numbered in that order (``printed_rank``), with the printed columns and the flag's evidence.
    The rows' columns are first picked into report_printed_searches (``_pick_printed_searches``).

    Ordering every row of a large flag would sort millions; instead one pass finds each flag's
    ``per_flag``-th earliest search time (a bounded heap per flag), and only rows up to that time are
    ranked (ties at that time are broken by search_key, so the choice is the same on every run).

    Evidence (a text per flagged row) is not kept for tens of millions of rows: the flags run again over
    the printed rows alone, which gives the same evidence for flags that judge a row by itself, as the
    shipped flags do. Rows a flag does not flag when run over the printed rows alone (a flag that
    compares a row with others) get their evidence from the ``flags`` view over the whole store. A flag
    gives one row per (search, flag) (the contract); were it to give several, the first evidence (in text
    order) is shown. The evidence is joined to the ranked rows directly, not grouped first (grouping a
    million evidence texts by row and flag took longer than the join itself)."""
    con = engine.con
    if per_flag is None:
        candidates = "SELECT flag, rid, search_time FROM report_flags"
        keep = ""
    else:
        count = max(per_flag, 1)
        candidates = f"""
            WITH cutoffs AS (
                SELECT flag, CASE WHEN coalesce(len(earliest), 0) >= {count} THEN list_max(earliest) END AS cutoff
                FROM (SELECT flag, min_by(search_time, search_time, {count}) AS earliest
                      FROM report_flags GROUP BY flag)
            )
            SELECT f.flag, f.rid, f.search_time
            FROM report_flags AS f JOIN cutoffs AS c USING (flag)
            WHERE c.cutoff IS NULL OR f.search_time <= c.cutoff
        """
        keep = f"QUALIFY printed_rank <= {count}"
    con.execute(f"CREATE OR REPLACE TABLE report_printed_candidates AS {candidates}").fetchall()
    _pick_printed_searches(engine, stored_rows, _printed_columns() if stored_rows is not None else None)
    try:
        _rank_printed_rows(engine, keep)
    except duckdb.BinderException:  # a flag reads a column of searches that the pick left out: take them all
        _pick_printed_searches(engine, stored_rows, None)
        _rank_printed_rows(engine, keep)


def _printed_columns() -> tuple[str, ...] | None:
    """The columns of ``searches`` that report_printed_searches needs: those the report prints, and those the
    flag files name (the flags run again over these rows for their evidence); None for every column (a flag
    reads ``raw``, rebuilt from most of them, or a flag file could not be parsed)."""
    named = flag_columns()
    if named is None or "raw" in named:
        return None
    wanted = {*PRINTED_ROW_COLUMNS, *OPTIONAL_PRINTED_COLUMNS, *named}
    return tuple(c for c in (*SEARCHES_VIEW_COLUMNS, "search_uid") if c in wanted)


def _pick_printed_searches(engine: Engine, stored_rows: str | None, columns: tuple[str, ...] | None) -> None:
    """report_printed_searches: the rows of report_printed_candidates with ``columns`` of ``searches`` (None:
    all), picked by ``rid`` from ``stored_rows`` (the store's files, see ``_keyed_searches``), where only the
    columns asked for are read: every row of the store is read to pick the printed ones, and the columns left
    out (the export's id, users, plates, raw) were half of that. Without ``stored_rows`` (redacted), from
    report_searches."""
    printed = "SELECT * FROM report_searches WHERE rid IN (SELECT rid FROM report_printed_candidates)"
    if stored_rows is not None and columns is None:  # the same rows (candidates carry --since already)
        picked = f"(SELECT * FROM ({stored_rows}) WHERE rid IN (SELECT rid FROM report_printed_candidates))"
        printed = engine.searches_select(f"({engine.decoded(picked)})", extra_columns=("rid",))
    elif stored_rows is not None and columns is not None:
        # search_key to join the duplicate marks on; search_id for search_uid
        needed = {c for c in columns if c in STORED_COLUMNS} | {"search_key"}
        needed |= {"search_id"} if "search_uid" in columns else set()
        stored_columns = ", ".join(c for c in STORED_COLUMNS if c in needed)
        picked = (f"(SELECT rid, {stored_columns} FROM ({stored_rows}) "
                  "WHERE rid IN (SELECT rid FROM report_printed_candidates))")
        printed = engine.searches_select(picked, extra_columns=("rid",), columns=columns)
    if engine.con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'report_printed_searches'"
                          ).fetchall()[0][0]:  # the view a report before left
        engine.con.execute("DROP VIEW report_printed_searches").fetchall()
    engine.con.execute(f"CREATE OR REPLACE TABLE report_printed_searches AS {printed}").fetchall()


def _rank_printed_rows(engine: Engine, keep: str) -> None:
    """report_rows from report_printed_candidates and report_printed_searches (see _select_printed_rows)."""
    con = engine.con
    evidence = engine.flag_union(
        "search_key AS rid, CAST(flag AS VARCHAR) AS flag, CAST(evidence AS VARCHAR) AS evidence",
        "SELECT * REPLACE (rid AS search_key) FROM report_printed_searches")
    con.execute(f"""
        CREATE OR REPLACE TABLE report_printed_ranks AS
        WITH
        ranked AS (
            SELECT CAST(c.flag AS VARCHAR) AS flag, c.rid,
                   row_number() OVER (PARTITION BY c.flag ORDER BY c.search_time NULLS LAST, s.search_key)
                       AS printed_rank
            FROM report_printed_candidates AS c JOIN report_printed_searches AS s USING (rid)
            {keep}
        )
        SELECT r.flag, r.printed_rank, r.rid, e.evidence, e.rid IS NOT NULL AS evidence_found
        FROM ranked AS r
        LEFT JOIN ({evidence}) AS e ON e.rid = r.rid AND e.flag = r.flag
    """).fetchall()
    # ranks run 1, 2, ... in each flag: more rows than the last rank means a flag gave several rows (several
    # evidences) for one search; the first evidence is kept
    several = con.execute("SELECT count(*) FROM (SELECT flag FROM report_printed_ranks GROUP BY flag "
                          "HAVING count(*) > max(printed_rank))").fetchall()[0][0]
    if several:
        con.execute("CREATE OR REPLACE TABLE report_printed_ranks AS SELECT * FROM report_printed_ranks QUALIFY "
                    "row_number() OVER (PARTITION BY flag, printed_rank ORDER BY evidence NULLS LAST) = 1").fetchall()
    missing = con.execute("SELECT count(*) FROM report_printed_ranks WHERE NOT evidence_found").fetchall()[0][0]
    if missing:
        con.execute("""
            UPDATE report_printed_ranks AS r SET evidence = f.evidence, evidence_found = true
            FROM (SELECT p.rid, f.flag, min(f.evidence) AS evidence
                  FROM flags AS f JOIN report_printed_searches AS p USING (search_key)
                  WHERE p.rid IN (SELECT rid FROM report_printed_ranks WHERE NOT evidence_found)
                  GROUP BY ALL) AS f
            WHERE NOT r.evidence_found AND r.rid = f.rid AND r.flag = f.flag
        """).fetchall()
    # joined once: each reader (the page, the workbook, twenty CSV files) then takes one flag's rows without a
    # join of its own (a join per reader scanned every printed row twenty times)
    picked = set(con.table("report_printed_searches").columns)
    columns = ", ".join("s." + c for c in PRINTED_ROW_COLUMNS + OPTIONAL_PRINTED_COLUMNS
                        if c in PRINTED_ROW_COLUMNS or c in picked)
    # first_of_row marks one row of each rid, numbered on the narrow ranks (a window over the wide joined
    # rows sorted all of them)
    con.execute("CREATE OR REPLACE TABLE report_rows AS "
                f"SELECT r.flag, r.printed_rank, r.evidence, {columns}, r.evidence_found, r.rid, r.first_of_row "
                "FROM (SELECT *, row_number() OVER (PARTITION BY rid ORDER BY flag, printed_rank) = 1 AS first_of_row "
                "      FROM report_printed_ranks) AS r "
                "JOIN report_printed_searches AS s USING (rid)").fetchall()
    # the printed rows once each, from report_rows: the wider table they were picked into is not kept
    for name in ("report_printed_candidates", "report_printed_ranks", "report_printed_searches"):
        con.execute(f"DROP TABLE {name}").fetchall()
    con.execute(PRINTED_SEARCHES_VIEW).fetchall()


PRINTED_SEARCHES_VIEW = ("CREATE OR REPLACE VIEW report_printed_searches AS SELECT * EXCLUDE (flag, printed_rank, "
                         "evidence, evidence_found, first_of_row) FROM report_rows WHERE first_of_row")


# --- stored in derived/ ------------------------------------------------------------------------------

def _flag_params() -> dict[str, str]:
    """The flags' parameters (theirs and their helpers') with their defaults."""
    return {p.name: p.default for f in [*sql_files("flags"), *_flag_helpers()] for p in f.param_specs}


def _say_when_stale(engine: Engine) -> None:
    """On a big store read with the default flag parameters, say that stored tables would have saved the work."""
    defaults = all(str(engine.params.get(name)) == default for name, default in _flag_params().items())
    if (defaults and not engine.redact and not engine.damaged
            and engine.store.rows_stored() >= max(STALE_NOTE_ROWS, STORED_FROM_ROWS)):
        print("lprlogs: note: the store's report tables are missing or out of date (a store copied without "
              "derived/, an ingest that stopped, another lprlogs version), so this run computes them "
              "(`lprlogs rebuild` keeps them)", file=sys.stderr)


def stored_key(engine: Engine) -> str:
    """What the stored tables are computed from besides the manifest and the agency tables (which the stamp
    checks): lprlogs's code and every file under queries/ (flags, term tables, law table, macros), the
    flags' parameter values, and the files the rows are read from, in order."""
    digest = hashlib.sha256(_code_digest(queries_dir()).encode())
    for name in sorted(_flag_params()):
        digest.update(f"{name}={engine.params.get(name)}\n".encode())
    for path in engine.reading_files():
        digest.update(f"{engine.store.layout.relative(path)}\n".encode())
    return digest.hexdigest()[:32]


def _code_digest(queries: Path) -> str:
    """A digest of lprlogs's Python files and of the files under ``queries``: a new version, or a changed
    term table, computes the tables again (a few milliseconds: about a megabyte read)."""
    digest = hashlib.sha256()
    for root, pattern in ((PACKAGE, "*.py"), (queries, "*")):
        for path in sorted(p for p in root.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts):
            digest.update(f"{path.relative_to(root).as_posix()}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def stored_entry(engine: Engine) -> dict[str, Any] | None:
    """The stored tables' stamp entry (``files``: their paths by name) when they hold what this engine would
    compute, else None."""
    stored = engine.derived.report
    if engine.redact or engine.damaged or not holds(stored, stored_key(engine)):
        return None
    return stored


def holds(stored: dict[str, Any], key: str) -> bool:
    """True when a stamp entry names every stored table and was computed for ``key``."""
    return bool(stored) and stored.get("key") == key and set(STORED_TABLES) <= set(stored.get("files") or {})


def store_tables(engine: Engine, targets: dict[str, Path]) -> dict[str, Any]:
    """Compute the tables on ``engine`` (a reader of the store as a writer just left it, with the default
    parameters) and write each to its target in ``targets`` (by table name); their stamp entry.

    Each table is written to its file as it is computed, and the next ones read it from there, as a reader
    of the stored tables does, so the writer holds none of the large ones in memory (10M rows: the same
    time as building them in memory and copying them out, a peak of 1.36 GiB against 1.44)."""
    per_flag = row_caps(engine).printed
    con = engine.con
    with contextlib.ExitStack() as stack:
        files = {name: stack.enter_context(atomic_path(targets[name])) for name in STORED_TABLES}
        try:
            flag_searches, stored_rows = _define_searches(engine, None)
            entry = _write_flag_tables(engine, flag_searches, files)
            # read from their files, not into memory: the writer only picks the printed rows from them, under
            # its lower memory cap (10M rows: 21 s against 23-24 s for the whole build)
            _load_flag_tables(con, {**entry, "files": files}, share=0)
            _select_printed_rows(engine, per_flag, stored_rows)
            # the printed rows in the order the report reads them: one flag's rows are then a few row groups
            _copy(con, "SELECT * FROM report_rows ORDER BY flag, printed_rank", files["report_rows"])
        finally:
            drop_report_objects(con)
    return {"key": stored_key(engine), **entry, "printed": per_flag}


def _copy(con: duckdb.DuckDBPyConnection, select: str, path: Path) -> int:
    """Write ``select``'s rows to the Parquet file ``path``; how many."""
    return con.execute(f"COPY ({select}) TO {sql_literal(str(path))} (FORMAT parquet, COMPRESSION zstd)"
                       ).fetchall()[0][0]


def _write_flag_tables(engine: Engine, flag_searches: str, files: dict[str, Path]) -> dict[str, Any]:
    """report_facts, report_shared_searches and report_flags written to ``files`` (each read from the file
    before); their stamp entry's counts and whether the flag's name is text (see _materialize_flags)."""
    con = engine.con
    _create_types(con, ORG_NAMES)
    facts = f"read_parquet({sql_literal(str(files['report_facts']))})"
    entry: dict[str, Any] = {"report_facts_rows": _copy(con, _facts_select(con), files["report_facts"])}
    _copy(con, _shared_select(facts), files["report_shared_searches"])
    shared = f"read_parquet({sql_literal(str(files['report_shared_searches']))})"
    flags = files["report_flags"]
    entry["report_flags_rows"] = _copy(con, _flags_select(engine, flag_searches, ENUM_FLAG, facts, shared), flags)
    entry["flag_as_text"] = bool(con.execute(f"SELECT count(*) FROM read_parquet({sql_literal(str(flags))}) "
                                             "WHERE flag IS NULL").fetchall()[0][0])
    if entry["flag_as_text"]:
        entry["report_flags_rows"] = _copy(con, _flags_select(engine, flag_searches, TEXT_FLAG, facts, shared),
                                           flags)
    return entry


def _load_flag_tables(con: duckdb.DuckDBPyConnection, stored: dict[str, Any],
                      share: float | None = None) -> None:
    """report_facts, report_shared_searches and report_flags from their stored files: report_flags, then
    report_facts, read into memory while they fit in ``share`` (default IN_MEMORY_SHARE) of the limit, the
    names typed as ``collect_facts`` and ``_materialize_flags`` type them; else views of their files, the names as text
    (casting 165M names to ENUMs in every query that read the view took longer than the query; the ENUMs
    order and compare like the texts)."""
    facts, shared, flags = (sql_literal(str(stored["files"][name])) for name in STORED_TABLES[:3])
    _create_types(con, f"SELECT searcher_org AS name FROM read_parquet({facts}) "
                       f"UNION SELECT producer FROM read_parquet({facts})")
    con.execute(f"CREATE OR REPLACE TABLE report_shared_searches AS SELECT * FROM read_parquet({shared})").fetchall()
    names = ("CAST(searcher_org AS report_org_name) AS searcher_org, CAST(producer AS report_org_name) AS producer, "
             "CAST(local_zone AS report_zone_name) AS local_zone")
    flag = "flag" if stored.get("flag_as_text") else "CAST(flag AS report_flag_name)"
    budget = (IN_MEMORY_SHARE if share is None else share) * limit_bytes()
    for name, path, typed in (("report_flags", flags, f"{flag} AS flag, {names}"), ("report_facts", facts, names)):
        rows = stored.get(f"{name}_rows")
        budget -= (rows if isinstance(rows, int) else 0) * ROW_BYTES[name]
        select = f"SELECT * REPLACE ({typed}) FROM read_parquet({path})" if budget > 0 else f"FROM read_parquet({path})"
        con.execute(f"CREATE OR REPLACE {'TABLE' if budget > 0 else 'VIEW'} {name} AS {select}").fetchall()


def _load_printed_rows(con: duckdb.DuckDBPyConnection, stored: dict[str, Any]) -> None:
    """report_rows as a view of its stored file, and report_printed_searches of it (as computed)."""
    con.execute("CREATE OR REPLACE VIEW report_rows AS "
                f"SELECT * FROM read_parquet({sql_literal(str(stored['files']['report_rows']))})").fetchall()
    con.execute(PRINTED_SEARCHES_VIEW).fetchall()


def _keyed_searches(engine: Engine) -> tuple[str, str, str | None]:
    """SELECTs over the store's rows, each row with ``rid``, a whole number naming it for this report:
    the ``searches`` view with ``rid`` first, what the flag files read as ``searches`` (the rows the
    ``flags`` view reads, with ``rid`` in place of search_key, so that each flagged row comes out with a
    key that is cheap to join on and to hold for tens of millions of rows), and the stored rows as the
    files hold them (``Engine.stored_rows_select``; None in redacted mode), to pick rows from by ``rid``.

    ``rid`` is the row's place in the store: (file number << 32) | row number in the Parquet file. In
    redacted mode the flags read the redacted view, so ``rid`` is a 64-bit hash of search_key there,
    checked to be unique."""
    if engine.store.files("searches") and not engine.redact:
        stored_rows = engine.stored_rows_select(rid=True)
        stored = f"({engine.decoded(stored_rows)})"
        flag_columns = ", ".join("rid AS search_key" if c == "search_key" else c
                                 for c in SEARCHES_VIEW_COLUMNS if c in STORED_COLUMNS)
        return (engine.searches_select(stored, extra_columns=("rid",)), f"SELECT {flag_columns} FROM {stored}",
                stored_rows)
    shared_hashes = engine.con.execute(
        "SELECT count(*) FROM (SELECT hash(search_key) FROM searches GROUP BY 1 HAVING count(*) > 1)").fetchall()
    if shared_hashes[0][0]:
        raise LprlogsError("two rows of the redacted store share a 64-bit hash of their search_key, so the "
                           "redacted report cannot tell them apart (about one chance in a hundred thousand at "
                           "ten million rows)", hint="run the report without --redact")
    return ("SELECT hash(search_key) AS rid, * FROM searches",
            "SELECT * REPLACE (hash(search_key) AS search_key) FROM searches", None)


def _create_types(con: duckdb.DuckDBPyConnection, org_names: str) -> None:
    """The report's ENUM types: report_org_name of the names ``org_names`` selects (column ``name``),
    report_zone_name and report_flag_name (the flag files' names)."""
    con.execute("DROP TYPE IF EXISTS report_org_name").fetchall()
    con.execute(f"CREATE TYPE report_org_name AS ENUM (SELECT name FROM ({org_names}) WHERE name IS NOT NULL "
                "ORDER BY 1)").fetchall()
    # the zones ICU knows (a few hundred names: two bytes a row, no pass over the rows to list them); a zone
    # it does not know counts as unknown. A local time written without a zone was stored as written: read in
    # UTC, its hour is the local hour
    con.execute("DROP TYPE IF EXISTS report_zone_name").fetchall()
    con.execute("CREATE TYPE report_zone_name AS ENUM (SELECT name FROM pg_timezone_names() ORDER BY 1)").fetchall()
    names = [f.name for f in sql_files("flags")]
    con.execute("DROP TYPE IF EXISTS report_flag_name").fetchall()
    con.execute(f"CREATE TYPE report_flag_name AS ENUM ({', '.join(sql_literal(n) for n in names)})").fetchall()


# the names report_org_name lists: every searcher and producer of report_searches
ORG_NAMES = "SELECT searcher_org AS name FROM report_searches UNION SELECT producer FROM report_searches"


def collect_facts(con: duckdb.DuckDBPyConnection) -> None:
    """The report's types, report_facts and report_shared_searches (see report/data.py) from report_searches:
    the one pass over the store's rows whose columns the summaries group by."""
    _create_types(con, ORG_NAMES)
    con.execute(f"CREATE OR REPLACE TABLE report_facts AS {_facts_select(con)}").fetchall()
    con.execute(f"CREATE OR REPLACE TABLE report_shared_searches AS {_shared_select('report_facts')}").fetchall()


def _facts_select(con: duckdb.DuckDBPyConnection) -> str:
    """report_facts' rows: each row of report_searches with the columns the summaries group by, narrow."""
    zone = (f"CASE WHEN time_basis = {sql_literal(UNKNOWN_BASIS)} THEN 'UTC' ELSE local_zone END"
            if "time_basis" in con.table("report_searches").columns else "local_zone")
    return ("SELECT rid, hash(search_uid) AS search_hash, CAST(searcher_org AS report_org_name) AS searcher_org, "
            "CAST(producer AS report_org_name) AS producer, search_time, hash(reason) AS reason_hash, "
            f"TRY_CAST({zone} AS report_zone_name) AS local_zone "
            "FROM report_searches")


def _shared_select(facts: str) -> str:
    """Searches with more than one row (one search in several logs, a file released twice), from ``facts``.
    Every other row is a search of its own, so distinct searches are counted as rows plus the distinct ids
    of these rows only: DuckDB counts distinct values on one thread, and most releases have few.
    (A window, which DuckDB sorts and spills, not a GROUP BY over every row: its hash table of 100M
    searches could not be had in 1.2 GiB.)"""
    return ("SELECT search_hash, count(*) AS rows FROM (SELECT search_hash FROM "
            f"{facts} QUALIFY count(*) OVER (PARTITION BY search_hash) > 1) GROUP BY 1")


# the flag's name as an ENUM of the flag files' names (1 byte a row), or as text: a flag file that gives rows
# another name (none of the shipped ones do) makes the flag text, computed again
ENUM_FLAG = "TRY_CAST(flag AS report_flag_name)"
TEXT_FLAG = "CAST(flag AS VARCHAR)"


def _materialize_flags(engine: Engine, flag_searches: str) -> None:
    """report_flags: one narrow row per flagged row of report_searches (flag, rid, search_hash, shared_search,
    and the columns the summaries group by), computed ONCE per report (flags are the expensive part).
    Fixed-width columns where they can be: the flag as an ENUM of the flag files' names (text when a file
    names another flag), the reason as a 64-bit hash (``reason_hash``; report SQL fetches the text of the
    few reasons it prints by ``rid``)."""
    con = engine.con
    for flag in (ENUM_FLAG, TEXT_FLAG):
        select = _flags_select(engine, flag_searches, flag, "report_facts", "report_shared_searches")
        con.execute(f"CREATE OR REPLACE TABLE report_flags AS {select}").fetchall()
        if not con.execute("SELECT count(*) FROM report_flags WHERE flag IS NULL").fetchall()[0][0]:
            return


def _flags_select(engine: Engine, flag_searches: str, flag: str, facts: str, shared: str) -> str:
    """report_flags' rows: the flags' rows (``flag`` the expression of the flag's name) with their facts
    (from ``facts``; ``shared``: report_shared_searches)."""
    union = engine.flag_union(f"search_key AS rid, {flag} AS flag", flag_searches)
    return ("SELECT f.flag, s.rid, s.search_hash, "
            f"s.search_hash IN (SELECT search_hash FROM {shared}) AS shared_search, "
            "s.searcher_org, s.producer, s.search_time, s.reason_hash, s.local_zone "
            f"FROM ({union}) AS f JOIN {facts} AS s ON s.rid = f.rid")


def drop_report_objects(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every view and table named report_* (the report's, or the plain views of a query run alone), then
    the report's types."""
    objects = con.execute(
        "SELECT 'VIEW', view_name FROM duckdb_views() WHERE schema_name = 'main' AND starts_with(view_name, 'report_') "
        "UNION ALL SELECT 'TABLE', table_name FROM duckdb_tables() "
        "WHERE schema_name = 'main' AND starts_with(table_name, 'report_')").fetchall()
    for kind, name in objects:
        con.execute(f"DROP {kind} IF EXISTS {name}").fetchall()
    for name in REPORT_TYPES:
        con.execute(f"DROP TYPE IF EXISTS {name}").fetchall()


