"""Benchmark: `lprlogs report` over a large store (default 10M rows); target <= 15 s.

Reuses bench/flags.py's generator (Parquet written straight into the store format: 10 producers,
300 searching organisations, realistic reasons, networks searched from 1 to 7,000, look-backs up to
120 days), so most rows carry several flags: wide_lookup, long_lookback and outside_agency each flag
millions of rows. That is the hard case: every flagged row goes to csv/<flag>.csv.

Times (wall and CPU) the whole report (engine open + queries + index.html + lprlogs-report.xlsx + csv/ + brief.md)
in a fresh process per run, as a reporter runs it after ingest; prints the median of --runs.

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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from flags import build  # noqa: E402  (bench/flags.py: the shared large-store generator)


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
    if args.rebuild or not marker.exists() or json.loads(marker.read_text())["rows"] != args.rows:
        started = time.perf_counter()
        build(args.store, args.rows)
        marker.write_text(json.dumps({"rows": args.rows}))
        print(f"built {args.rows:,} rows in {time.perf_counter() - started:.1f} s")
    times, cpus = [], []
    command = [sys.executable, "-c", "from lprlogs.cli import cli; cli()", "report", "--store", str(args.store), "-o", str(args.out)]
    for pair in args.param:
        command += ["-p", pair]
    for run in range(args.runs):
        shutil.rmtree(args.out, ignore_errors=True)
        started, cpu_before = time.perf_counter(), _children_cpu()
        result = subprocess.run(command, capture_output=True, text=True)
        elapsed, cpu = time.perf_counter() - started, _children_cpu() - cpu_before
        if result.returncode != 0:
            sys.exit(f"report failed:\n{result.stdout}\n{result.stderr}")
        times.append(elapsed)
        cpus.append(cpu)
        print(f"run {run + 1}: {elapsed:.2f} s wall, {cpu:.2f} s CPU, load {os.getloadavg()[0]:.1f}  "
              f"{result.stdout.strip()}")
    sizes = {p.name: p.stat().st_size for p in args.out.iterdir() if p.is_file()}
    csv_bytes = sum(p.stat().st_size for p in (args.out / "csv").glob("*.csv"))
    print(f"report over {args.rows:,} rows: median {statistics.median(times):.2f} s wall "
          f"(min {min(times):.2f}, max {max(times):.2f}), median {statistics.median(cpus):.2f} s CPU, over "
          f"{len(times)} runs; target <= 15 s")
    print(f"outputs: {sizes}, csv/ {csv_bytes / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
