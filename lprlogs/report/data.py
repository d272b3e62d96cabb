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
  memory (spilled to the temporary folder beyond the memory limit, see docs/memory.md), or read from
  derived/, where writers keep these tables (lprlogs/engine/report_tables.py builds them either way);
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
    flag_specs,
    set_variables,
    sql_files,
)
from ..engine.catalog import FLAG_SECTIONS
from ..engine.report_tables import drop_report_objects, row_caps
from ..errors import LprlogsError
from ..schema import UNKNOWN_BASIS
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
