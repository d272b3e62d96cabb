"""Benchmark: the cost of --redact (pseudonyms and text masking, all in DuckDB SQL).

Writes ``--rows`` synthetic search rows (plates, officer names, reasons with plates and phone numbers)
to one Parquet file, then times, as the median of ``--runs`` runs, a query that reads every personal
column (distinct plates and people, total reason length) over the plain view and over the redacted
view built by ``lprlogs.redact.redacted_select``, and the one-time cost of the redacted copy of ``searches``
that a writer keeps once per store state (derived/redacted/, built by ``lprlogs rebuild``) and every
later query over that copy.

    python bench/redact.py                       # 2,000,000 rows
    python bench/redact.py --rows 500000 --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lprlogs.redact import redacted_select  # noqa: E402

QUERY = ("SELECT count(DISTINCT license_plate), count(DISTINCT searcher_user), sum(length(reason)), "
         "sum(length(filters)), sum(length(case_number)) FROM {view}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    con = duckdb.connect()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "searches.parquet"
        con.execute(
            f"COPY (SELECT i AS n, 'Officer ' || (i % 5000) AS searcher_user, "
            f"(i % 9 + 1)::VARCHAR || 'ABC' || lpad((i % 997)::VARCHAR, 3, '0') AS license_plate, "
            f"CASE i % 4 WHEN 0 THEN 'ICE detainer ' || (i % 9)::VARCHAR || 'XYZ' || (i % 1000)::VARCHAR "
            f"WHEN 1 THEN 'stolen vehicle call 408-555-' || lpad((i % 10000)::VARCHAR, 4, '0') "
            f"WHEN 2 THEN 'Immigration (civil/administrative) - ' ELSE 'Investigation' END AS reason, "
            f"'suv black ' || (i % 7)::VARCHAR || 'KLM' || (i % 100)::VARCHAR AS filters, "
            f"'25-' || (i % 100000)::VARCHAR AS case_number, "
            f"'{{\"Name\": \"x\"}}' AS raw FROM range({args.rows}) t(i)) TO '{path}' (FORMAT parquet)").fetchall()
        con.execute(f"CREATE VIEW plain AS SELECT * FROM read_parquet('{path}')")
        columns = [(c, t) for c, t, *_ in con.execute("DESCRIBE plain").fetchall()]
        select, _ = redacted_select("plain", columns, "ab" * 32)
        con.execute(f"CREATE VIEW redacted AS {select}")
        copy = Path(tmp) / "redacted.parquet"
        start = time.perf_counter()
        con.execute(f"COPY (SELECT * FROM redacted) TO '{copy}' (FORMAT parquet, COMPRESSION zstd)").fetchall()
        copy_seconds = time.perf_counter() - start
        con.execute(f"CREATE VIEW copied AS SELECT * FROM read_parquet('{copy}')")
        timings: dict[str, list[float]] = {"plain": [], "redacted": [], "copied": []}
        for _ in range(args.runs):
            for view in timings:
                start = time.perf_counter()
                con.execute(QUERY.format(view=view)).fetchall()
                timings[view].append(time.perf_counter() - start)
    plain, redacted, copied = (statistics.median(timings[v]) for v in ("plain", "redacted", "copied"))
    print(f"{args.rows:,} rows, median of {args.runs}: plain {plain:.2f} s, live redacted view {redacted:.2f} s "
          f"({redacted / plain:.1f}x); redacted copy written once in {copy_seconds:.2f} s, then {copied:.2f} s "
          f"a query ({copied / plain:.1f}x)")


if __name__ == "__main__":
    main()
