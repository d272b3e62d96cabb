"""Everything the report shows, gathered once from the engine by the named SQL files in queries/reports/.

The report first defines these objects on the engine's connection, which the report SQL files read.
queries/reports/_report_objects.sql defines each as a plain view over the store's views (what a report file
run alone with `lprlogs query` reads); the report builds them as tables with the same columns and answers:

- ``report_searches``: the ``searches`` view with ``rid`` (a whole number naming the row for this
  report), or with ``--since N`` only the searches first seen in a batch after N;
- ``report_facts``: one narrow row per row of report_searches, read from the store once: rid,
  search_hash, searcher_org, producer, search_time, reason_hash and local_zone. ``search_hash`` is a 64-bit hash of
  search_uid: distinct searches are counted by it, much faster than by the text id; two of ten million
  searches share a hash with a probability of about 1 in 200,000 (``reason_hash`` likewise for
  reasons). The two organisation columns are an ENUM of the names in report_searches, in sorted order
  (``report_org_name``): fixed width, so the flags' join carries a number of 1 to 4 bytes instead of a
  text, and they group, order and compare (as text) like the names themselves. ``local_zone``, the zone that
  gives the row's local hour of day (the producer's; UTC for a local time written without a zone, stored as
  written), is an ENUM of the zones DuckDB knows (``report_zone_name``);
- ``report_shared_searches``: the searches (by search_hash) with more than one row, and their rows;
- ``report_flags``: one narrow row per flagged row of report_searches: flag, rid, shared_search and
  the columns of report_facts, computed ONCE per report (flags are the expensive part), in DuckDB's
  memory (spilled to the temporary folder beyond the memory limit, see docs/memory.md).
  ``shared_search`` is true when the row's search has other rows: a row whose search has no other
  row is one search by itself, so the summaries count distinct ids only among shared rows (DuckDB
  counts distinct values on one thread; counting them for every row was the slowest part of a report);
- ``report_rows``: the rows the report prints, with every column it shows and cites and the flag's
  evidence: for each flag the first rows by search time, as many as the largest of the HTML, workbook
  and CSV caps (all of them with ``-p csv_rows_per_flag=0``), with ``rid`` and ``first_of_row`` (true on
  one row of each rid). A table, joined once; ``report_printed_searches`` is a view of its rows, one per rid;
- ``report_agencies``: each organisation name with its state, agency_key and ``organisation`` (names with one
  agency_key count as one organisation), materialised from _report_objects.sql.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import duckdb

from ..engine import (
    Engine,
    FlagSpec,
    SqlFile,
    flag_columns,
    flag_specs,
    report_objects,
    set_variables,
    sql_files,
)
from ..engine.catalog import FLAG_SECTIONS
from ..errors import LprlogsError
from ..schema import SEARCHES_VIEW_COLUMNS, STORED_COLUMNS, UNKNOWN_BASIS
from ..store import sql_literal
from . import law_section

T = TypeVar("T")


@dataclass
class Table:
    """A query result: column names and rows."""

    columns: list[str]
    rows: list[tuple[Any, ...]]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def for_flag(self, flag: str) -> Table:
        """The rows of one flag, without the flag column (for tables that hold every flag)."""
        at = self.columns.index("flag")
        return Table([c for c in self.columns if c != "flag"],
                     [row[:at] + row[at + 1:] for row in self.rows if row[at] == flag])


@dataclass
class Finding:
    """One flag: its counts, its organisations, and its first rows for the HTML table."""

    flag: str
    title: str
    rows: int
    searches: int
    searcher_orgs: int
    by_agency: Table
    sample: Table  # at most html_rows_per_flag rows
    top_reasons: Table  # the 10 most frequent reasons, as typed
    header: str  # the flag SQL file's header comment (what it answers, params, limits)
    terms: list[dict[str, str]] = field(default_factory=list)  # the term table(s), when the flag has one
    section: str = "accountability"  # FLAG_SECTIONS; a flag without a file of its own goes last in accountability
    sentence: str = ""  # the brief's clause (FlagSpec.sentence)


@dataclass
class ReportData:
    generated_at: dt.datetime
    store: str
    since: int | None
    redacted: bool
    params: dict[str, str]
    param_docs: dict[str, str]
    headline: dict[str, Any]
    producers: Table
    findings: dict[str, Finding]
    flag_by_agency: Table  # every flag's organisations in one table (each Finding holds its own part)
    immigration_by_agency: Table
    immigration_by_state: Table
    immigration_by_month: Table
    school_cameras: Table
    school_immigration: Table
    data_quality: Table
    quarantine_reasons: Table
    redactions: Table
    report_queries: list[SqlFile]
    html_rows_per_flag: int
    xlsx_rows_per_flag: int
    csv_rows_per_flag: int | None  # None: every row
    notes: list[str] = field(default_factory=list)
    state_law: dict[str, Any] = field(default_factory=dict)  # report/law_section.py
    searches_by_hour: Table = field(default_factory=lambda: Table([], []))  # UTC hours
    # hours in the producer's local time, then a row 'zone unknown' (immigration_by_time.sql)
    searches_by_local_hour: Table = field(default_factory=lambda: Table([], []))
    time_basis: Table | None = None  # rows by time_basis; None when the store does not record it
    not_read: Table = field(default_factory=lambda: Table([], []))  # files skipped or rejected, with the reason

    @property
    def flag_names(self) -> list[str]:
        return list(self.findings)

    @property
    def sections(self) -> dict[str, list[str]]:
        """The findings of each section (FLAG_SECTIONS), in the report's order."""
        return {section: [n for n, f in self.findings.items() if f.section == section] for section in FLAG_SECTIONS}

    def finding(self, name: str) -> Finding | None:
        return self.findings.get(name)


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


def _report_sql(name: str) -> SqlFile:
    for sql_file in sql_files("reports"):
        if sql_file.name == name:
            return sql_file
    raise LprlogsError(f"report query queries/reports/{name}.sql is missing", hint="reinstall lprlogs")


def _fetch(engine: Engine, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    relation = engine.relation(sql)
    return list(relation.columns), relation.fetchall()


def run_named(engine: Engine, name: str) -> Table:
    return Table(*_fetch(engine, _report_sql(name).body))


def flag_rows_sql(flag: str, limit: int | None = None, *, keep_rank: bool = False) -> str:
    """The first ``limit`` printed rows of one flag (flagged_rows.sql restricted to it) in search-time order.
    ``keep_rank`` keeps the ordering column ``printed_rank`` for a caller that sorts the final result itself
    (the CSV writer, which must sort at the top: DuckDB's parallel CSV writer does not keep a subquery's order,
    nor a table's under the neutralising projection; tests/test_report_selection.py has a case)."""
    where = f"flag = {sql_literal(flag)}" + (f" AND printed_rank <= {int(limit)}" if limit is not None else "")
    if keep_rank:  # the caller sorts; sorting here as well sorted every CSV file twice
        return f"SELECT * EXCLUDE (flag) FROM ({_report_sql('flagged_rows').body}) WHERE {where}"
    return (f"SELECT * EXCLUDE (flag, printed_rank) FROM ({_report_sql('flagged_rows').body}) WHERE {where} "
            "ORDER BY printed_rank")


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


# What prepare defines, in the engine's own in-memory database (not TEMP: the worker connections that run
# the report queries side by side must see them): views and tables named report_*, and these types, dropped
# after the tables that use them (``drop_report_objects``).
REPORT_TYPES = ("report_flag_name", "report_org_name", "report_zone_name")


# The columns of each printed row: what the HTML, the workbook and the CSV files show and cite.
PRINTED_ROW_COLUMNS = ("search_time", "producer", "log_kind", "searcher_org", "networks_searched",
                       "time_frame_start", "reason", "case_number", "source_file", "source_sheet",
                       "source_row", "source_page", "duplicate_of", "search_key", "search_id")
# printed too when the store records them (how each row's time was read)
OPTIONAL_PRINTED_COLUMNS = ("time_basis",)


def prepare(engine: Engine, since: int | None) -> None:
    """Define report_searches, report_agencies, report_shared_searches, report_flags and report_rows in the
    engine's database; the caller calls ``finish`` when the report is written."""
    stored_rows = prepare_flags(engine, since)
    _select_printed_rows(engine, row_caps(engine).printed, stored_rows)


def prepare_flags(engine: Engine, since: int | None = None) -> str | None:
    """The report objects up to report_flags (not the printed rows): what the counts read, in tables that
    DuckDB spills to disk when they outgrow the memory limit. Returns the stored rows' SELECT (see
    ``_keyed_searches``); the caller calls ``finish``."""
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
    collect_facts(con)
    _materialize_flags(engine, flag_searches)
    return stored_rows


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


def collect_facts(con: duckdb.DuckDBPyConnection) -> None:
    """report_org_name, report_facts and report_shared_searches (see the module docstring) from report_searches:
    the one pass over the store's rows whose columns the summaries group by."""
    con.execute("DROP TYPE IF EXISTS report_org_name").fetchall()
    con.execute("CREATE TYPE report_org_name AS ENUM ("
                "SELECT searcher_org FROM report_searches WHERE searcher_org IS NOT NULL "
                "UNION SELECT producer FROM report_searches WHERE producer IS NOT NULL ORDER BY 1)").fetchall()
    # the zones ICU knows (a few hundred names: two bytes a row, no pass over the rows to list them); a zone
    # it does not know counts as unknown. A local time written without a zone was stored as written: read in
    # UTC, its hour is the local hour
    con.execute("DROP TYPE IF EXISTS report_zone_name").fetchall()
    con.execute("CREATE TYPE report_zone_name AS ENUM (SELECT name FROM pg_timezone_names() ORDER BY 1)").fetchall()
    zone = (f"CASE WHEN time_basis = {sql_literal(UNKNOWN_BASIS)} THEN 'UTC' ELSE local_zone END"
            if "time_basis" in con.table("report_searches").columns else "local_zone")
    con.execute("CREATE OR REPLACE TABLE report_facts AS "
                "SELECT rid, hash(search_uid) AS search_hash, CAST(searcher_org AS report_org_name) AS searcher_org, "
                "CAST(producer AS report_org_name) AS producer, search_time, hash(reason) AS reason_hash, "
                f"TRY_CAST({zone} AS report_zone_name) AS local_zone "
                "FROM report_searches").fetchall()
    # Searches with more than one row (one search in several logs, a file released twice). Every other row is
    # a search of its own, so distinct searches are counted as rows plus the distinct ids of these rows only:
    # DuckDB counts distinct values on one thread, and most releases have few.
    con.execute("CREATE OR REPLACE TABLE report_shared_searches AS SELECT search_hash, count(*) AS rows "
                "FROM report_facts GROUP BY 1 HAVING count(*) > 1").fetchall()


def _materialize_flags(engine: Engine, flag_searches: str) -> None:
    """report_flags: one narrow row per flagged row of report_searches (flag, rid, search_hash, shared_search,
    and the columns the summaries group by), computed ONCE per report (flags are the expensive part).
    Fixed-width columns where they can be: the flag as an ENUM of the flag files' names (text when a file
    names another flag), the reason as a 64-bit hash (``reason_hash``; report SQL fetches the text of the
    few reasons it prints by ``rid``)."""
    con = engine.con
    names = [f.name for f in sql_files("flags")]
    con.execute("DROP TYPE IF EXISTS report_flag_name").fetchall()
    con.execute(f"CREATE TYPE report_flag_name AS ENUM ({', '.join(sql_literal(n) for n in names)})").fetchall()
    # the flag as an ENUM of the flag files' names (1 byte a row); a flag file that gives rows another name
    # (none of the shipped ones do) makes the flag text, computed again
    _flag_rows_table(engine, flag_searches, "TRY_CAST(flag AS report_flag_name)")
    if con.execute("SELECT count(*) FROM report_flags WHERE flag IS NULL").fetchall()[0][0]:
        _flag_rows_table(engine, flag_searches, "CAST(flag AS VARCHAR)")


def _flag_rows_table(engine: Engine, flag_searches: str, flag: str) -> None:
    """report_flags: the flags' rows (``flag`` the expression of the flag's name) with their facts."""
    union = engine.flag_union(f"search_key AS rid, {flag} AS flag", flag_searches)
    engine.con.execute(
        "CREATE OR REPLACE TABLE report_flags AS "
        "SELECT f.flag, s.rid, s.search_hash, "
        "s.search_hash IN (SELECT search_hash FROM report_shared_searches) AS shared_search, "
        "s.searcher_org, s.producer, s.search_time, s.reason_hash, s.local_zone "
        f"FROM ({union}) AS f JOIN report_facts AS s ON s.rid = f.rid"
    ).fetchall()


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
    con.execute("CREATE VIEW report_printed_searches AS SELECT * EXCLUDE (flag, printed_rank, evidence, "
                "evidence_found, first_of_row) FROM report_rows WHERE first_of_row").fetchall()


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


def finish(engine: Engine) -> None:
    drop_report_objects(engine.con)


def worker_connection(engine: Engine) -> duckdb.DuckDBPyConnection:
    """A second connection to the engine's database, set up like the engine's own (UTC, parameters)."""
    con = engine.con.cursor()
    con.execute("SET TimeZone = 'UTC'").fetchall()
    con.execute("SET enable_progress_bar = false").fetchall()
    set_variables(con, engine.params, engine.param_specs)
    return con


def run_side_by_side(engine: Engine, queries: dict[str, str],
                     alongside: Callable[[], T] | None = None) -> tuple[dict[str, Table], T | None]:
    """Run independent read-only queries on worker connections, as many at once as the engine has threads,
    and ``alongside`` (work on the engine's own connection) meanwhile. DuckDB counts distinct values on one
    thread per query: the heavy summaries, run one after another, left the second core idle."""
    threads = engine.con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    workers = max(1, min(len(queries), int(threads)))
    connections = [worker_connection(engine) for _ in range(workers)]
    free = list(connections)

    def run(sql: str) -> Table:
        con = free.pop()
        try:
            relation = con.sql(sql)
            return Table(list(relation.columns), relation.fetchall())
        finally:
            free.append(con)

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {name: pool.submit(run, sql) for name, sql in queries.items()}
            beside = alongside() if alongside is not None else None
            return {name: future.result() for name, future in futures.items()}, beside
    finally:
        for con in connections:
            con.close()


def flag_term_tables(sql_file: SqlFile) -> list[dict[str, str]]:
    """Term tables a flag SQL file reads (CSV files named in it, beside it), as rows."""
    import csv
    import re

    rows: list[dict[str, str]] = []
    for name in sorted(set(re.findall(r"([\w.-]+\.csv)", sql_file.sql))):
        path = sql_file.path.parent / name
        if not path.is_file():
            continue
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                rows.append({"table": name, **{k: (v or "") for k, v in row.items() if k is not None}})
    return rows


def time_basis_note(data: ReportData) -> str:
    """One sentence saying what the report's times are (the workbook, the brief and the CSV notes say it)."""
    if data.time_basis is None:
        return ("Times are UTC as stored. Logs with local times and no zone (Vigilant audits, older portal exports, "
                "event logs) were stored as if UTC unless ingest was given their zone (--tz); the data-quality "
                "notes name them.")
    bases = "; ".join(f"{r['time_basis']}: {int(r['rows']):,} rows" for r in data.time_basis.dicts())
    unknown = unknown_zone_rows(data)
    if unknown:
        return (f"Times are UTC except {unknown:,} rows of local times whose zone is not known: those are the "
                f"agency's wall-clock times as written, not UTC. Each row's time_basis says how its time was read "
                f"({bases}).")
    return f"Times are UTC (written so, or local times converted from the producer's zone); each row's time_basis " \
           f"says how ({bases})."


def unknown_zone_rows(data: ReportData) -> int:
    if data.time_basis is None:
        return 0
    return sum(int(r["rows"]) for r in data.time_basis.dicts() if str(r["time_basis"]) == UNKNOWN_BASIS)


def time_label(data: ReportData) -> str:
    """What the report's times are, for headings: UTC, unless some rows are local times of unknown zone."""
    unknown = unknown_zone_rows(data)
    return "UTC" if not unknown else f"UTC, except {unknown:,} rows of local time with no known zone"


UNKNOWN_HOUR = "zone unknown"  # immigration_by_time.sql's local hour of searches whose zone is not known


def hours_table(data: ReportData) -> Table:
    """Each hour of the day in the producers' local time (then the row 'zone unknown'), with the same hour in
    UTC beside it (columns prefixed utc_): the workbook's sheet and the page's table under the hour chart."""
    utc = {row[0]: row[1:] for row in data.searches_by_hour.rows}
    blank = (None,) * (len(data.searches_by_hour.columns) - 1)
    columns = [*data.searches_by_local_hour.columns, *("utc_" + c for c in data.searches_by_hour.columns[1:])]
    return Table(columns, [(*row, *utc.get(row[0], blank)) for row in data.searches_by_local_hour.rows])


def _per(table: Table, per: str) -> Table:
    """The month or hour rows of immigration_by_time.sql, the period column named after them."""
    columns = [per if c == "period" else c for c in table.columns if c != "per"]
    return Table(columns, [row[1:] for row in table.rows if row[0] == per])


def _reader_header(spec: FlagSpec | None, sql_file: SqlFile | None) -> str:
    """The header the report shows for a flag: its own file's, without the keys that only steer the tool."""
    if spec is not None:
        return spec.reader_header
    return sql_file.header if sql_file is not None else ""


def collect(engine: Engine, *, since: int | None = None) -> ReportData:
    """Run every report query once and return what the writers need (call ``prepare`` first)."""
    caps = row_caps(engine)
    named = ["flag_by_agency", "flag_counts", "producers", "headline", "school_immigration",
             "school_cameras", "immigration_by_agency", "immigration_by_state", "immigration_by_time", "redactions"]
    has_time_basis = "time_basis" in {c for c, _ in engine.views().get("searches", [])}
    if has_time_basis:
        named.append("time_basis")
    # the slowest first, so that the workers finish together; the state-law section beside them, on the
    # engine's own connection (it reads the agencies, which a reader may hold in that connection only)
    queries = {"top_reasons": _report_sql("top_reasons").body} | {name: _report_sql(name).body for name in named}
    results, state_law = run_side_by_side(engine, queries, alongside=lambda: law_section.collect(engine))
    headline = results["headline"].dicts()[0]
    counts = {r["flag"]: r for r in results["flag_counts"].dicts()}
    specs = {spec.name: spec for spec in flag_specs()}
    # flag names come from the flag files' output; the files' order first (by section), then any others
    names = [*specs, *sorted(n for n in counts if n not in specs)]
    by_agency_all = results["flag_by_agency"]
    reasons_all = results["top_reasons"]
    samples: dict[str, Table] = {}
    for name in names:  # report_rows holds at most the printed rows of each flag: small to order
        if counts.get(name, {}).get("rows"):
            samples[name] = Table(*_fetch(engine, flag_rows_sql(name, caps.html)))
    findings: dict[str, Finding] = {}
    for name in names:
        count = counts.get(name, {"rows": 0, "searches": 0, "searcher_orgs": 0})
        spec = specs.get(name)
        sql_file = spec.sql_file if spec else next((s.sql_file for s in specs.values() if f"'{name}'" in s.sql_file.sql),
                                                   None)
        findings[name] = Finding(
            flag=name, title=spec.title if spec else name.replace("_", " ").capitalize(),
            rows=int(count["rows"]), searches=int(count["searches"]), searcher_orgs=int(count["searcher_orgs"]),
            by_agency=by_agency_all.for_flag(name), sample=samples.get(name, Table([], [])),
            top_reasons=reasons_all.for_flag(name),
            header=_reader_header(spec, sql_file),
            terms=flag_term_tables(sql_file) if sql_file else [],
            section=spec.section if spec else "accountability",
            sentence=spec.sentence if spec else "",
        )
    notes: list[str] = []
    if since is not None:
        notes.append(f"Only searches first seen in an ingest batch after batch {since} are counted "
                     f"(--since {since}); data-quality tables still describe the whole store.")
    return ReportData(
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        store=str(engine.store.root), since=since, redacted=bool(engine.redact),
        params={k: v for k, v in engine.params.items() if k != "queries_dir"},
        param_docs=dict(engine.param_docs),
        headline=headline,
        producers=results["producers"],
        findings=findings,
        flag_by_agency=by_agency_all,
        immigration_by_agency=results["immigration_by_agency"],
        immigration_by_state=results["immigration_by_state"],
        immigration_by_month=_per(results["immigration_by_time"], "month"),
        school_cameras=results["school_cameras"],
        school_immigration=results["school_immigration"],
        data_quality=run_named(engine, "data_quality"),
        not_read=run_named(engine, "files_not_read"),
        quarantine_reasons=run_named(engine, "quarantine_reasons"),
        redactions=results["redactions"],
        report_queries=sql_files("reports"),
        html_rows_per_flag=caps.html,
        xlsx_rows_per_flag=caps.xlsx,
        csv_rows_per_flag=caps.csv,
        notes=notes,
        state_law=state_law or {},
        searches_by_hour=_per(results["immigration_by_time"], "hour"),
        searches_by_local_hour=_per(results["immigration_by_time"], "local_hour"),
        time_basis=results["time_basis"] if has_time_basis else None,
    )
