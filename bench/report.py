"""Benchmark: `lprlogs report` over a large store (default 10M rows); target <= 15 s.

The store is generated here (Parquet written straight into the store format, the same way as
bench/flags.py, whose producers, organisations and reasons it reuses) with a flag mix chosen to look
like a real release of ten agencies' Network Audits, not a worst case:

- who searched: 15% of rows are the producer's own officers; 60% an agency in the producer's state;
  25% any of 300 organisations (so about 22% out of state), including federal and school ones;
  outside_agency therefore covers about 85% of rows, as in real Network Audits;
- networks searched: 80% of searches look at 1-99 networks, 20% at 100-7,000 (wide_lookup ~20%);
- look-back: 97% of time frames reach back up to 7 days, 3% up to 120 days (long_lookback ~2%);
- reasons: 3,000 distinct (1 in 100 immigration-related, vague and blank ones among them),
  case-number-like reasons on 10% of rows; text prompts and moderation on 2%;
- two of the ten producers are school districts (school_camera ~20%).

That is about 1.5 flagged rows per stored row; the script prints the count of each flag.

Times (wall and CPU = user + sys of the child, and its peak memory) the whole report (engine open + flags + queries +
index.html + lprlogs-report.xlsx + csv/ + brief.md) in a fresh process per run, as a reporter runs it
after ingest, and prints the median of --runs with the machine's load average. The report prints
its own phase times to stderr with LPRLOGS_REPORT_TIMINGS=1; the flags phase is shown apart.

    python bench/report.py                       # 10M rows in /tmp/lprlogs-bench-report (reused)
    python bench/report.py --rows 1000000 --rebuild --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from flags import (  # noqa: E402
    PRODUCERS,
    SPECIAL_SEARCHERS,
    STATES,
    create_reason_pool,
    network_audit_sql,
    write_network_audits,
)

from lprlogs.engine import Engine, rebuild  # noqa: E402
from lprlogs.store import Store  # noqa: E402

PRODUCER_STATES = ["CA", "TX", "CA", "GA", "FL", "AR", "IL", "TX", "CO", "TX"]
TOWNS_PER_STATE = 29  # 290 towns + special searchers + the producers = 300 organisations


def build(store_dir: Path, rows: int) -> None:
    """A store of ``rows`` generated Network Audit rows with the flag mix of the module docstring."""
    shutil.rmtree(store_dir, ignore_errors=True)
    store = Store.open(store_dir, create=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    towns = [f"Town {i} {STATES[i % len(STATES)]} PD" for i in range(TOWNS_PER_STATE * len(STATES))]
    anyone = towns + SPECIAL_SEARCHERS + PRODUCERS
    con.execute("CREATE TABLE towns AS SELECT unnest($1) AS org, generate_subscripts($1, 1) - 1 AS i", [towns])
    con.execute("CREATE TABLE anyone AS SELECT unnest($1) AS org, generate_subscripts($1, 1) - 1 AS i", [anyone])
    create_reason_pool(con)

    def network_audit_rows(n: int, producer: str, first: int, count: int) -> str:
        state_index = STATES.index(PRODUCER_STATES[n])
        return network_audit_sql(
            f"(SELECT seq, hash(seq * 3) % 100 AS who, hash(seq * 19) AS pick FROM range({first}, {first + count}) "
            "t(seq)) AS base",
            searcher_org=f"CASE WHEN who < 15 THEN {producer!r} WHEN who < 75 THEN same_state.org ELSE any_org.org END",
            networks_searched="CASE WHEN hash(seq * 7) % 100 < 80 THEN 1 + hash(seq * 23) % 99 "
                              "ELSE 100 + hash(seq * 23) % 6901 END",
            short_lookback_days=7,
            joins=f"JOIN towns same_state ON same_state.i = {state_index} + {len(STATES)} * (pick % {TOWNS_PER_STATE})\n"
                  f"JOIN anyone any_org ON any_org.i = pick % {len(anyone)}",
        )

    write_network_audits(store, con, rows, "bench report", network_audit_rows)
    con.close()
    started = time.perf_counter()
    rebuild(store)  # derived tables (duplicate marks, agencies, the report tables), as after an ingest
    engine = Engine(store)
    print(f"derived tables built in {time.perf_counter() - started:.1f} s")
    counts = engine.con.execute("SELECT flag, count(*) FROM flags GROUP BY 1 ORDER BY 2 DESC").fetchall()
    total = sum(c for _, c in counts)
    print(f"flagged rows: {total:,} ({total / max(rows, 1):.2f} per stored row): "
          + ", ".join(f"{f} {c:,}" for f, c in counts))
    engine.close()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--store", type=Path, default=Path("/tmp/lprlogs-bench-report"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/lprlogs-bench-report-out"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("-p", "--param", action="append", default=[], help="passed to lprlogs report")
    args = parser.parse_args()
    marker = args.store / "bench-rows.json"
    if args.rebuild or not marker.exists() or json.loads(marker.read_text()) != {"rows": args.rows, "mix": 2}:
        started = time.perf_counter()
        build(args.store, args.rows)
        marker.write_text(json.dumps({"rows": args.rows, "mix": 2}))
        print(f"built {args.rows:,} rows in {time.perf_counter() - started:.1f} s")
    # as after an ingest: the derived tables, the report tables among them, are up to date (a store whose
    # derived tables are stale, e.g. after a change to lprlogs, is derived again here, not in the timed runs)
    started = time.perf_counter()
    rebuild(Store.open(args.store))
    print(f"derived tables checked in {time.perf_counter() - started:.1f} s")
    times, cpus, peaks = [], [], []
    command = [sys.executable, "-c", "from lprlogs.cli import cli; cli()", "report", "--store", str(args.store),
               "-o", str(args.out)]
    for pair in args.param:
        command += ["-p", pair]
    for run in range(args.runs):
        shutil.rmtree(args.out, ignore_errors=True)
        load = os.getloadavg()[0]
        started, cpu_before = time.perf_counter(), _children_cpu()
        result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "LPRLOGS_REPORT_TIMINGS": "1"})
        elapsed, cpu = time.perf_counter() - started, _children_cpu() - cpu_before
        peaks.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 / 1024)  # GiB, largest child so far
        if result.returncode != 0:
            sys.exit(f"report failed:\n{result.stdout}\n{result.stderr}")
        times.append(elapsed)
        cpus.append(cpu)
        phases = " ".join(line.split("timing: ", 1)[1] for line in result.stderr.splitlines() if "timing: " in line)
        print(f"run {run + 1}: {elapsed:.2f} s wall, {cpu:.2f} s CPU, load {load:.1f} -> {os.getloadavg()[0]:.1f}; "
              f"phases (wall/CPU s): {phases}")
    sizes = {p.name: p.stat().st_size for p in args.out.iterdir() if p.is_file()}
    csv_bytes = sum(p.stat().st_size for p in (args.out / "csv").glob("*.csv"))
    print(f"report over {args.rows:,} rows: median {statistics.median(times):.2f} s wall "
          f"(min {min(times):.2f}, max {max(times):.2f}), median {statistics.median(cpus):.2f} s CPU, over "
          f"{len(times)} runs; peak memory {max(peaks):.2f} GiB; target <= 15 s")
    print(f"outputs: {sizes}, csv/ {csv_bytes / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
