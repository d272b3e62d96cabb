"""Benchmark: classifying organisation names and building the agencies table.

Two timings, each the median of ``--runs`` runs:

1. ``classify`` over ``--names`` distinct synthetic names (cache cleared each run): the per-name cost
   of the rules, which is what the derived rebuild (``engine/derived.py``) pays for every distinct name in a store.
2. the DISTINCT/count query the derived rebuild (``engine/derived.py``) runs over the stored rows, on ``--rows`` rows with
   ``--names`` distinct searchers written to one Parquet file (no ingest), then the whole
   ``agencies_from_counts`` step.

    python bench/agencies.py                      # 20,000 names, 5,000,000 rows
    python bench/agencies.py --names 5000 --rows 1000000 --runs 3
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

from lprlogs import agencies  # noqa: E402
from lprlogs.agencies import classification  # noqa: E402

STATES = ["CA", "TX", "GA", "FL", "AR", "IL", "CO", "WA", "AZ", "NY", "IN", "OR", "ME", "OK", "HI", "DE"]
SHAPES = ["{p} {s} PD", "{p} County {s} SO", "{P} POLICE DEPARTMENT ({s})", "{p} ISD ({s}) PD",
          "{p} County Sheriff's Office", "{p} Police Department", "[Federal] {p} Field Office",
          "{p} {s} PD - Condor Cameras", "{p} Unified School District {s}", "DNU - {p} {s} PD [Inactive]"]


def synthetic_names(count: int) -> list[str]:
    names = []
    i = 0
    while len(names) < count:
        place = f"Place{i:05d} Valley"
        shape = SHAPES[i % len(SHAPES)]
        names.append(shape.format(p=place, P=place.upper(), s=STATES[i % len(STATES)]))
        i += 1
    return names


def median_time(func, runs: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    names = synthetic_names(args.names)

    def classify_all() -> None:
        classification._classify_by_rules.cache_clear()
        for name in names:
            agencies.classify(name)

    seconds = median_time(classify_all, args.runs)
    print(f"classify: {args.names:,} distinct names in {seconds:.2f} s ({seconds / args.names * 1e6:.0f} us/name)")

    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect()
        path = Path(tmp) / "searches.parquet"
        con.execute(
            f"COPY (SELECT 'Producer ' || (i % 50)::VARCHAR || ' CA PD' AS producer, "
            f"list_extract($names, (i % {len(names)})::INTEGER + 1) AS searcher_org FROM range({args.rows}) t(i)) "
            f"TO '{path}' (FORMAT parquet)", {"names": names}
        ).fetchall()
        con.execute(f"CREATE VIEW _searches_stored AS SELECT * FROM read_parquet('{path}')").fetchall()
        sql = ("SELECT name, sum(p)::BIGINT, sum(s)::BIGINT FROM ("
               " SELECT producer AS name, count(*) AS p, 0 AS s FROM _searches_stored GROUP BY 1 UNION ALL"
               " SELECT searcher_org, 0, count(*) FROM _searches_stored GROUP BY 1) GROUP BY name")
        seconds = median_time(lambda: con.execute(sql).fetchall(), args.runs)
        print(f"distinct names query: {args.rows:,} rows in {seconds:.2f} s")
        rows = con.execute(sql).fetchall()

        def build() -> None:
            classification._classify_by_rules.cache_clear()
            agencies.agencies_from_counts(rows, None)

        seconds = median_time(build, args.runs)
        print(f"agencies table: {len(rows):,} names classified and keyed in {seconds:.2f} s")


if __name__ == "__main__":
    main()
