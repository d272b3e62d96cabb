"""The report's fast summaries give exactly what the plain queries give.

top_reasons.sql ranks reasons by distinct searches but counts them exactly only near the top, and
report_rows picks each flag's first rows by search time without sorting every row. Both are checked
here against the obvious (slow) query, on generated flagged rows with duplicate searches, repeated
reasons, missing reasons, missing times and tied times.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lprlogs.report.data import PRINTED_ROW_COLUMNS, _report_sql, _select_printed_rows

PLAIN_TOP_REASONS = """
SELECT flag, reason, searches, rows
FROM (
    SELECT flag, reason, count(DISTINCT search_hash) AS searches, count(*) AS rows
    FROM report_flags GROUP BY 1, 2
)
QUALIFY row_number() OVER (PARTITION BY flag ORDER BY searches DESC, rows DESC, reason NULLS FIRST) <= 10
ORDER BY flag, searches DESC, rows DESC, reason NULLS FIRST
"""

BASE = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)

flagged_row = st.tuples(
    st.sampled_from(["immigration", "outside_agency", "blank_reason"]),
    st.integers(0, 150),  # search: several rows may be one search
    st.one_of(st.none(), st.sampled_from([f"reason {i}" for i in range(25)])),
    st.one_of(st.none(), st.integers(0, 30)),  # minutes after BASE: ties and missing times
)


@dataclass
class _Engine:
    con: duckdb.DuckDBPyConnection


def _connection(rows: list[tuple[str, int, str | None, int | None]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE report_flags (flag VARCHAR, evidence VARCHAR, search_hash UBIGINT, search_key VARCHAR, "
                "searcher_org VARCHAR, producer VARCHAR, search_time TIMESTAMPTZ, reason VARCHAR)")
    keyed = [(flag, f"why {n}", search, f"k{n:04d}", "Org", "Producer",
              None if minute is None else BASE + dt.timedelta(minutes=minute), reason)
             for n, (flag, search, reason, minute) in enumerate(rows)]
    if keyed:
        con.executemany("INSERT INTO report_flags VALUES (?, ?, ?, ?, ?, ?, ?, ?)", keyed)
    columns = ", ".join(f"{c} AS {c}" if c in ("search_time", "producer", "searcher_org", "reason", "search_key")
                        else f"NULL AS {c}" for c in PRINTED_ROW_COLUMNS)
    con.execute(f"CREATE VIEW report_searches AS SELECT DISTINCT {columns} FROM report_flags")
    return con


# ten reasons, each row its own search: the reason with the fewest rows sits exactly on the floor
TEN_REASONS_NO_DUPLICATES = [("outside_agency", 100 * i + j, f"reason {i}", j) for i in range(10) for j in range(i + 1)]


@settings(max_examples=60, deadline=None)
@given(st.lists(flagged_row, max_size=300))
@example(TEN_REASONS_NO_DUPLICATES)
@example(TEN_REASONS_NO_DUPLICATES + [("outside_agency", 5000, None, None), ("outside_agency", 5000, None, 3)])
def test_top_reasons_equals_the_plain_ranking(rows: list[tuple[str, int, str | None, int | None]]) -> None:
    con = _connection(rows)
    assert con.execute(_report_sql("top_reasons").body).fetchall() == con.execute(PLAIN_TOP_REASONS).fetchall()


@settings(max_examples=60, deadline=None)
@given(st.lists(flagged_row, max_size=200), st.integers(1, 30))
def test_printed_rows_are_the_first_by_time_then_key(rows: list[tuple[str, int, str | None, int | None]],
                                                    per_flag: int) -> None:
    con = _connection(rows)
    _select_printed_rows(_Engine(con), per_flag)  # type: ignore[arg-type]
    picked = con.execute("SELECT flag, search_key, evidence FROM report_rows ORDER BY ALL").fetchall()
    expected = con.execute(
        "SELECT flag, search_key, evidence FROM report_flags "
        f"QUALIFY row_number() OVER (PARTITION BY flag ORDER BY search_time NULLS LAST, search_key) <= {per_flag} "
        "ORDER BY ALL").fetchall()
    assert picked == expected
    _select_printed_rows(_Engine(con), None)  # -p csv_rows_per_flag=0: every row
    assert con.execute("SELECT count(*) FROM report_rows").fetchone() == (len(rows),)
