"""The report's fast summaries give exactly what the plain queries give.

top_reasons.sql ranks reasons by their hash and fetches the text of the leading ones only, report_rows
picks each flag's first rows by search time without sorting every row and gets their evidence by
running the flags again over those rows alone, and distinct searches are counted by id only among the
rows of searches that have several rows. Each is checked here against the obvious (slow) query, on
generated flagged rows with duplicate searches, repeated reasons, missing reasons, missing times, tied
times and a flag name no flag file has.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lprlogs.engine import report_objects
from lprlogs.engine.catalog import load_macros
from lprlogs.engine.report_tables import _materialize_flags, _select_printed_rows, collect_facts
from lprlogs.report.data import _report_sql, flag_rows_sql
from lprlogs.report.spreadsheets import WorkerRelations, _write_csv

PLAIN_TOP_REASONS = """
SELECT flag, reason, searches, rows
FROM (
    SELECT f.flag, s.reason, count(DISTINCT f.search_hash) AS searches, count(*) AS rows
    FROM report_flags AS f JOIN report_searches AS s USING (rid) GROUP BY 1, 2
)
QUALIFY row_number() OVER (PARTITION BY flag ORDER BY searches DESC, rows DESC, reason NULLS FIRST) <= 10
ORDER BY flag, searches DESC, rows DESC, reason NULLS FIRST
"""

BASE = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)

flagged_row = st.tuples(
    st.sampled_from(["immigration", "outside_agency", "blank_reason", "not_a_flag_file"]),
    st.integers(0, 150),  # search: several rows may be one search
    st.one_of(st.none(), st.sampled_from([f"reason {i}" for i in range(25)])),
    st.one_of(st.none(), st.integers(0, 30)),  # minutes after BASE: ties and missing times
)


# What the generated flag files say: each row is flagged by the flag it carries, with its reason as evidence.
FLAG_BODY = "SELECT search_key, flag, 'why ' || coalesce(reason, '-') AS evidence FROM searches"


@dataclass
class _Engine:
    """The two things the report's selection asks of the engine: its connection, and the flag files run as
    one query over given rows (``flag_union``). ``whole_store_only`` makes the flag compare a row with
    others (it flags nothing when run over fewer rows than the whole store)."""

    con: duckdb.DuckDBPyConnection
    rows: int = 0
    whole_store_only: bool = False
    second_evidence: bool = False  # the flag gives a second row for every search it flags
    school_too: bool = False  # rows whose reason holds a 1 are also school_camera rows

    def flag_union(self, select_list: str, searches: str | None = None) -> str:
        body = FLAG_BODY + (f" WHERE (SELECT count(*) FROM searches) = {self.rows}" if self.whole_store_only else "")
        if self.second_evidence:
            body += " UNION ALL SELECT search_key, flag, 'also ' || coalesce(reason, '-') FROM searches"
        if self.school_too:
            body += " UNION ALL SELECT search_key, 'school_camera', 'school' FROM searches WHERE reason LIKE '%1%'"
        return (f"WITH searches AS ({searches or 'SELECT * FROM report_searches'}) "
                f"SELECT {select_list} FROM ({body})")


def _connection(rows: list[tuple[str, int, str | None, int | None]], *, whole_store_only: bool = False,
                school_too: bool = False) -> _Engine:
    """report_searches (one stored row per generated row; ``search`` is its search id, so several rows
    may be one search), flags (each row carries its generated flag), then report_facts,
    report_shared_searches and report_flags built by the report's own SQL."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    load_macros(con)  # the report's SQL calls them (producer_label), as on every engine connection
    con.execute("CREATE TABLE report_searches (rid UBIGINT, search_key VARCHAR, search_uid VARCHAR, producer VARCHAR, "
                "log_kind VARCHAR, searcher_org VARCHAR, source_file VARCHAR, search_time TIMESTAMPTZ, reason VARCHAR, "
                "duplicate_of VARCHAR, flag VARCHAR)")
    stored = [(n, f"k{n:04d}", f"s{search}", f"Producer {search % 2}", "network_audit", f"Org {search % 3}",
               f"file{n % 2}.csv", None if minute is None else BASE + dt.timedelta(minutes=minute), reason, None, flag)
              for n, (flag, search, reason, minute) in enumerate(rows)]
    if stored:
        con.executemany("INSERT INTO report_searches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", stored)
    for column, kind in (("networks_searched", "BIGINT"), ("time_frame_start", "TIMESTAMPTZ"), ("case_number", "VARCHAR"),
                         ("source_sheet", "VARCHAR"), ("source_row", "BIGINT"), ("source_page", "INTEGER"),
                         ("search_id", "VARCHAR"), ("local_zone", "VARCHAR")):
        con.execute(f"ALTER TABLE report_searches ADD COLUMN {column} {kind}")
    # the producer's zone of each row (a search's rows may differ): whole hours, 5:45 ahead, or unknown
    con.execute("UPDATE report_searches SET local_zone = "
                "CASE rid % 3 WHEN 0 THEN 'America/Los_Angeles' WHEN 1 THEN 'Asia/Kathmandu' END")
    con.execute(f"CREATE VIEW flags AS WITH searches AS (SELECT * FROM report_searches) {FLAG_BODY}")
    # Org 2 is an old account of Org 1 (one agency_key): the two count as one organisation, named Org 1
    con.execute("CREATE TABLE agencies (name VARCHAR, state VARCHAR, federal BOOLEAN, agency_key VARCHAR, "
                "inactive BOOLEAN, rows_as_searcher BIGINT)")
    con.execute("INSERT INTO agencies VALUES ('Org 1', 'TX', false, 'tx:org 1', false, 1), "
                "('Org 2', 'TX', false, 'tx:org 1', true, 5), ('Org 0', NULL, false, NULL, false, 1)")
    con.execute(f"CREATE TABLE report_agencies AS {report_objects()['report_agencies']}")
    collect_facts(con)
    engine = _Engine(con, len(rows), whole_store_only, school_too=school_too)
    _materialize_flags(engine, "SELECT * REPLACE (rid AS search_key) FROM report_searches")  # type: ignore[arg-type]
    return engine


PLAIN_FLAG_COUNTS = """
SELECT flag, count(*) AS rows, count(DISTINCT search_hash) AS searches,
       count(DISTINCT coalesce(a.organisation, f.searcher_org)) AS searcher_orgs
FROM report_flags f LEFT JOIN report_agencies a ON a.name = f.searcher_org GROUP BY flag ORDER BY flag
"""

PLAIN_FLAG_BY_AGENCY = """
SELECT f.flag, coalesce(a.organisation, f.searcher_org, '(no organisation given)') AS searcher_org,
       any_value(a.state) AS state, count(*) AS rows, count(DISTINCT f.search_hash) AS searches,
       min(f.search_time) AS first_search, max(f.search_time) AS last_search,
       string_agg(DISTINCT f.searcher_org, '; ' ORDER BY f.searcher_org) FILTER (WHERE f.searcher_org <> a.organisation)
           AS other_names
FROM report_flags f LEFT JOIN report_agencies a ON a.name = f.searcher_org
GROUP BY 1, 2 ORDER BY flag, searches DESC, rows DESC, searcher_org
"""

PLAIN_SCHOOL_CAMERAS = """
SELECT coalesce(producer, '(unknown producer)') AS school_producer,
       coalesce(searcher_org, '(no organisation given)') AS searcher_org, count(*) AS rows,
       count(DISTINCT search_hash) AS searches
FROM report_flags WHERE flag = 'school_camera'
GROUP BY ALL ORDER BY searches DESC, school_producer, searcher_org
"""

PLAIN_HEADLINE = """
SELECT count(*) AS rows, count(DISTINCT search_uid) AS searches, count(duplicate_of) AS duplicate_rows,
       count(DISTINCT coalesce(a.organisation, searcher_org)) AS searcher_orgs, count(DISTINCT producer) AS producers,
       count(DISTINCT source_file) AS files, min(search_time) AS first_search, max(search_time) AS last_search
FROM report_searches s LEFT JOIN report_agencies a ON a.name = s.searcher_org
"""

PLAIN_PRODUCERS = """
SELECT coalesce(producer, '(unknown producer)') AS producer, coalesce(log_kind, '(unknown kind)') AS log_kind,
       count(*) AS rows, count(DISTINCT search_uid) AS searches, count(DISTINCT source_file) AS files,
       min(search_time) AS first_search, max(search_time) AS last_search
FROM report_searches GROUP BY ALL ORDER BY rows DESC, producer, log_kind
"""


# each search once, at its first row: the earliest quarter hour, then a known zone before an unknown one, then
# the first zone by name; its local hour in that row's zone
PLAIN_LOCAL_HOURS = """
WITH
firsts AS (
    SELECT search_hash, local_zone, search_time FROM report_facts WHERE search_time IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY search_hash ORDER BY epoch_us(search_time) // 900000000,
                               local_zone IS NULL, CAST(local_zone AS VARCHAR)) = 1
),
immigration AS (
    SELECT search_hash, local_zone, search_time FROM report_flags
    WHERE flag = 'immigration' AND search_time IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY search_hash ORDER BY epoch_us(search_time) // 900000000,
                               local_zone IS NULL, CAST(local_zone AS VARCHAR)) = 1
),
hours AS (
    SELECT 'all' AS what, * FROM firsts UNION ALL SELECT 'immigration', * FROM immigration
)
SELECT coalesce(strftime(timezone(CAST(local_zone AS VARCHAR), search_time), '%H'), 'zone unknown') AS period,
       count(*) FILTER (WHERE what = 'immigration') AS immigration_searches, count(*) FILTER (WHERE what = 'all')
FROM hours GROUP BY 1 ORDER BY 1
"""


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(st.lists(flagged_row, max_size=300))
@example([("immigration", 7, "reason 1", 0), ("outside_agency", 7, "reason 11", 5), ("blank_reason", 8, None, 1)])
@example([("immigration", 7, "reason 1", 0), ("outside_agency", 7, "reason 11", 5), ("immigration", 8, None, 29)])
def test_search_counts_equal_counting_distinct_ids_everywhere(rows: list[tuple[str, int, str | None, int | None]]
                                                              ) -> None:
    con = _connection(rows, school_too=True).con
    for name, plain in (("flag_counts", PLAIN_FLAG_COUNTS), ("flag_by_agency", PLAIN_FLAG_BY_AGENCY),
                        ("headline", PLAIN_HEADLINE), ("producers", PLAIN_PRODUCERS),
                        ("school_cameras", PLAIN_SCHOOL_CAMERAS)):
        assert con.execute(_report_sql(name).body).fetchall() == con.execute(plain).fetchall(), name
    local_hours = (f"SELECT period, immigration_searches, searches FROM ({_report_sql('immigration_by_time').body}) "
                   "WHERE per = 'local_hour' AND (searches > 0 OR immigration_searches > 0) ORDER BY period")
    assert con.execute(local_hours).fetchall() == con.execute(PLAIN_LOCAL_HOURS).fetchall()


# ten reasons, each row its own search: the reason with the fewest rows sits exactly on the floor
TEN_REASONS_NO_DUPLICATES = [("outside_agency", 100 * i + j, f"reason {i}", j) for i in range(10) for j in range(i + 1)]


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(st.lists(flagged_row, max_size=300), st.integers(1, 40))
@example(TEN_REASONS_NO_DUPLICATES, 1)
@example(TEN_REASONS_NO_DUPLICATES + [("outside_agency", 5000, None, None), ("outside_agency", 5000, None, 3)], 3)
def test_top_reasons_equals_the_plain_ranking(rows: list[tuple[str, int, str | None, int | None]],
                                              printed_per_flag: int) -> None:
    """The texts come from the printed rows where they can (few printed rows: some from the store)."""
    engine = _connection(rows)
    _select_printed_rows(engine, printed_per_flag)  # type: ignore[arg-type]
    con = engine.con
    assert con.execute(_report_sql("top_reasons").body).fetchall() == con.execute(PLAIN_TOP_REASONS).fetchall()


PLAIN_SCHOOL_IMMIGRATION = """
SELECT s.search_time, s.producer, s.searcher_org, sch.school_flags, im.immigration_flags, s.reason, s.source_file,
       s.source_sheet, s.source_row, s.source_page, s.search_key, s.search_id
FROM (SELECT rid, string_agg(DISTINCT flag, ', ' ORDER BY flag) AS school_flags FROM report_flags
      WHERE flag IN ('school_camera', 'school_searcher') GROUP BY rid) AS sch
JOIN (SELECT rid, string_agg(DISTINCT flag, ', ' ORDER BY flag) AS immigration_flags FROM report_flags
      WHERE flag IN ('immigration', 'immigration_agency') GROUP BY rid) AS im USING (rid)
JOIN report_searches AS s USING (rid)
ORDER BY s.search_time, s.search_key
"""


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(st.lists(flagged_row, max_size=200), st.integers(1, 20))
def test_school_and_immigration_rows_equal_the_plain_query(rows: list[tuple[str, int, str | None, int | None]],
                                                           printed_per_flag: int) -> None:
    """Their columns come from the printed rows where they can (few printed rows: some from the store)."""
    engine = _connection(rows, school_too=True)
    _select_printed_rows(engine, printed_per_flag)  # type: ignore[arg-type]
    con = engine.con
    assert (con.execute(_report_sql("school_immigration").body).fetchall()
            == con.execute(PLAIN_SCHOOL_IMMIGRATION).fetchall())


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(st.lists(flagged_row, max_size=200), st.integers(1, 30), st.booleans())
def test_printed_rows_are_the_first_by_time_then_key(rows: list[tuple[str, int, str | None, int | None]],
                                                    per_flag: int, whole_store_only: bool) -> None:
    engine = _connection(rows, whole_store_only=whole_store_only)
    con = engine.con
    _select_printed_rows(engine, per_flag)  # type: ignore[arg-type]
    picked = con.execute("SELECT flag, search_key, evidence FROM report_rows ORDER BY ALL").fetchall()
    expected = con.execute(
        "SELECT CAST(f.flag AS VARCHAR), s.search_key, 'why ' || coalesce(s.reason, '-') "
        "FROM report_flags AS f JOIN report_searches AS s USING (rid) QUALIFY row_number() OVER "
        f"(PARTITION BY f.flag ORDER BY f.search_time NULLS LAST, s.search_key) <= {per_flag} ORDER BY ALL").fetchall()
    assert picked == expected
    _select_printed_rows(engine, None)  # type: ignore[arg-type]  # -p csv_rows_per_flag=0: every row
    assert con.execute("SELECT count(*), count(evidence) FROM report_rows").fetchone() == (len(rows), len(rows))


@pytest.mark.slow
@settings(max_examples=20, deadline=None)
@given(st.lists(flagged_row, min_size=1, max_size=100), st.integers(1, 10))
def test_a_flag_giving_two_rows_for_one_search_prints_it_once_with_the_first_evidence(
        rows: list[tuple[str, int, str | None, int | None]], per_flag: int) -> None:
    engine = _connection(rows)
    engine.second_evidence = True
    _select_printed_rows(engine, per_flag)  # type: ignore[arg-type]
    picked = engine.con.execute("SELECT flag, printed_rank, search_key, evidence FROM report_rows ORDER BY ALL").fetchall()
    assert [(flag, rank) for flag, rank, _, _ in picked] == sorted({(flag, rank) for flag, rank, _, _ in picked})
    expected = engine.con.execute(
        "SELECT CAST(f.flag AS VARCHAR), row_number() OVER (PARTITION BY f.flag ORDER BY f.search_time NULLS LAST, "
        "s.search_key) AS printed_rank, s.search_key, 'also ' || coalesce(s.reason, '-') "
        "FROM report_flags AS f JOIN report_searches AS s USING (rid) "
        f"QUALIFY printed_rank <= {per_flag} ORDER BY ALL").fetchall()
    assert picked == expected


@pytest.mark.slow
def test_csv_rows_come_in_printed_order(tmp_path: Path) -> None:
    """A finding's CSV file lists its rows by search time, on a connection with two threads. 400,000 rows in
    random time order span several of DuckDB's row groups: written from report_rows without sorting at the
    top of the COPY (tried: DuckDB's CSV writer then mixes them under the neutralising projection), the
    order breaks."""
    engine = _connection([])
    con = engine.con
    con.execute("SET threads = 2")
    con.execute("DELETE FROM report_searches")
    con.execute("""
        INSERT INTO report_searches (rid, search_key, search_uid, searcher_org, search_time, reason, flag)
        SELECT i, 'k' || i, 's' || i, 'Org ' || (i % 7),
               TIMESTAMPTZ '2025-11-01 00:00:00+00' + to_seconds((hash(i) % 5000000)::BIGINT),
               'reason ' || (i % 13), CASE WHEN i % 3 = 0 THEN 'immigration' ELSE 'outside_agency' END
        FROM range(400000) AS t(i)
    """)
    engine.rows = 400000
    collect_facts(con)
    _materialize_flags(engine, "SELECT * REPLACE (rid AS search_key) FROM report_searches")  # type: ignore[arg-type]
    _select_printed_rows(engine, None)  # type: ignore[arg-type]
    path = _write_csv(WorkerRelations(con.cursor()), flag_rows_sql("outside_agency", None, keep_rank=True), None,
                      tmp_path / "outside_agency.csv", order_by="src.printed_rank", hidden=("printed_rank",))
    with open(path, newline="", encoding="utf-8") as fh:
        written = [row["search_key"] for row in csv.DictReader(fh)]
    expected = [key for (key,) in con.execute(
        "SELECT s.search_key FROM report_flags AS f JOIN report_searches AS s USING (rid) "
        "WHERE f.flag = 'outside_agency' ORDER BY f.search_time NULLS LAST, s.search_key").fetchall()]
    assert len(written) == len(expected) > 250000
    assert written == expected
