"""Benchmark: `lprlogs ingest` of an N-row Flock CSV against (a) the hand-written one-statement DuckDB
conversion and (b) a plain Python csv-module loop. Medians over --runs, ratios, peak RSS.

    python bench/ingest.py --rows 1000000 --runs 3
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
HEADER = ["ID", "Name", "Org Name", "Total Networks Searched", "Total Devices Searched", "Time Frame",
          "License Plate", "Reason", "Case #", "Filters", "Search Time", "Search Type", "Text Prompt", "Moderation"]
ORGS = ["Houston TX PD", "Cobb County GA SO", "Lake Travis ISD TX PD", "[Federal] US Postal Inspection Service"]
REASONS = ["stolen vehicle", "inv", "ICE", "Immigration (criminal) -", "missing person, endangered", "d"]


def stamp(t: dt.datetime) -> str:
    return t.strftime("%m/%d/%Y, %I:%M:%S %p UTC")


def generate(rows: int) -> Path:
    path = OUT / f"1_1_2025-12_31_2025-Bench City TX PD-Network-Audit-{rows}.csv"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    base = dt.datetime(2025, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i in range(rows):
            t = base + dt.timedelta(seconds=i * 3)
            start = t - dt.timedelta(days=rng.randint(1, 40))
            out.writerow([f"{i:08x}-1111-4a2b-9c3d-{i:012x}", f"User {i % 500}", ORGS[i % 4], rng.randint(1, 7000),
                          rng.randint(0, 90000), f"{stamp(start)}\n{stamp(t)}", "", REASONS[i % 6], "", "",
                          stamp(t), "lookup", "", "allow"])
    return path


def rss_of(cmd: list[str]) -> tuple[float, int]:
    """Seconds and peak RSS (KiB) of a child process."""
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True); "
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(cmd)[:200]}\n{done.stderr[-3000:]}")
    seconds, kib = done.stdout.split()[-2:]
    return float(seconds), int(kib)


DUCKDB_CONVERSION = """
import duckdb, sys
con = duckdb.connect(config={{"threads": 2}}); con.execute("SET TimeZone='UTC'")
con.execute(r'''COPY (SELECT {file!r} AS source_file, row_number() OVER () + 1 AS source_row, *,
  timezone('UTC', strptime(replace("Search Time", ' UTC', ''), '%m/%d/%Y, %I:%M:%S %p')) AS search_time,
  timezone('UTC', strptime(replace(split_part("Time Frame", chr(10), 1), ' UTC', ''), '%m/%d/%Y, %I:%M:%S %p')) AS tf_start,
  timezone('UTC', strptime(replace(split_part("Time Frame", chr(10), 2), ' UTC', ''), '%m/%d/%Y, %I:%M:%S %p')) AS tf_end
  FROM read_csv({file!r}, all_varchar=true, header=true))
  TO {target!r} (FORMAT parquet, COMPRESSION zstd)''').fetchall()
"""

CSV_LOOP = """
import csv, datetime as dt, pyarrow as pa, pyarrow.parquet as pq
f = '%m/%d/%Y, %I:%M:%S %p UTC'
cols = {{k: [] for k in ('source_file', 'source_row', 'search_time', 'tf_start', 'tf_end', 'raw')}}
writer = None
with open({file!r}, newline='', encoding='utf-8') as fh:
    r = csv.reader(fh); header = next(r)
    for n, row in enumerate(r, start=2):
        a, _, b = row[5].partition('\\n')
        cols['source_file'].append({file!r}); cols['source_row'].append(n)
        cols['search_time'].append(dt.datetime.strptime(row[10], f).replace(tzinfo=dt.UTC))
        cols['tf_start'].append(dt.datetime.strptime(a, f).replace(tzinfo=dt.UTC))
        cols['tf_end'].append(dt.datetime.strptime(b, f).replace(tzinfo=dt.UTC))
        cols['raw'].append(','.join(row))
        if len(cols['raw']) >= 200000:
            t = pa.table(cols); writer = writer or pq.ParquetWriter({target!r}, t.schema); writer.write_table(t)
            cols = {{k: [] for k in cols}}
if cols['raw'] or writer is None:
    t = pa.table(cols); writer = writer or pq.ParquetWriter({target!r}, t.schema); writer.write_table(t)
writer.close()
"""

LPRLOGS = """
import sys
from pathlib import Path
from lprlogs.ingest import ingest
report = ingest([{file!r}], Path({target!r}))
assert report.files[0].rows_stored == {rows}, report.as_dict()
print("reader", report.files[0].seconds, file=sys.stderr)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-csv-loop", action="store_true", help="the csv loop is slow; time it once")
    args = parser.parse_args()
    started = time.perf_counter()
    path = generate(args.rows)
    print(f"{args.rows:,} rows, {path.stat().st_size / 1e6:,.0f} MB, generated/found in "
          f"{time.perf_counter() - started:.1f} s")
    results: dict[str, list[tuple[float, int]]] = {"lprlogs ingest": [], "duckdb conversion": [], "csv loop": []}
    for run in range(args.runs):
        for label, template in (("lprlogs ingest", LPRLOGS), ("duckdb conversion", DUCKDB_CONVERSION),
                                ("csv loop", CSV_LOOP)):
            if label == "csv loop" and (args.skip_csv_loop and run > 0):
                continue
            target = OUT / f"target-{label.replace(' ', '-')}"
            shutil.rmtree(target, ignore_errors=True)
            target.unlink(missing_ok=True) if target.is_file() else None
            code = template.format(file=str(path), target=str(target if label == "lprlogs ingest"
                                                               else target.with_suffix(".parquet")), rows=args.rows)
            results[label].append(rss_of([sys.executable, "-c", code]))
            print(f"run {run + 1} {label}: {results[label][-1][0]:.2f} s, peak {results[label][-1][1] / 1024:.0f} MiB",
                  flush=True)
    # exact provenance: every row's source_row is its line in the generated file (ID encodes it)
    import duckdb

    check = duckdb.connect().execute(
        f"SELECT count(*), count(*) FILTER (source_row <> CAST('0x' || split_part(search_id, '-', 1) AS BIGINT) + 2) "
        f"FROM read_parquet('{OUT / 'target-lprlogs-ingest'}/searches/*.parquet')").fetchall()[0]
    print(f"row numbers checked: {check[0]:,} rows, {check[1]:,} wrong")
    cli_target = OUT / "target-cli"
    shutil.rmtree(cli_target, ignore_errors=True)
    cli = rss_of(["lprlogs", "ingest", str(path), "--store", str(cli_target), "-q"])
    medians = {k: statistics.median(s for s, _ in v) for k, v in results.items() if v}
    peaks = {k: max(m for _, m in v) / 1024 for k, v in results.items() if v}
    print("\nmedians (s):", {k: round(v, 2) for k, v in medians.items()})
    print("peak RSS (MiB):", {k: round(v) for k, v in peaks.items()})
    print(f"CLI run: {cli[0]:.2f} s, peak {cli[1] / 1024:.0f} MiB")
    print(f"lprlogs / duckdb conversion = {medians['lprlogs ingest'] / medians['duckdb conversion']:.2f}x (target <= 1.3x)")
    print(f"csv loop / lprlogs = {medians['csv loop'] / medians['lprlogs ingest']:.1f}x (target >= 20x)")


if __name__ == "__main__":
    main()
