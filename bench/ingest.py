"""Benchmark: `lprlogs ingest` of an N-row Flock CSV against (a) the hand-written one-statement DuckDB
conversion and (b) a plain Python csv-module loop. Each step runs in its own process; we report its
wall time and its CPU time (user + sys of the child, from getrusage(RUSAGE_CHILDREN)): on a shared
machine CPU time is the steadier measure. Medians over --runs, ratios of medians from the same run,
peak RSS, and the load average before and after.

    python bench/ingest.py --rows 1000000 --runs 3
    python bench/ingest.py --rows 10000000 --runs 1 --skip-csv-loop
    python bench/ingest.py --rows 200000 --files 100 --runs 3   # a release of many small exports
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
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


def generate(rows: int, files: int = 1) -> Path:
    """One CSV of ``rows`` rows; with ``files`` > 1 a folder of that many CSVs sharing the rows (a
    release of many small exports, where what each file costs besides its rows shows)."""
    if files > 1:
        folder = OUT / f"split-{rows}-{files}"
        if not folder.is_dir():
            tmp = folder.with_suffix(".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            for f in range(files):
                _write_csv(tmp / f"1_1_2025-12_31_2025-Bench City {f} TX PD-Network-Audit.csv",
                           rows // files + (1 if f < rows % files else 0), file_number=f)
            tmp.rename(folder)
        return folder
    path = OUT / f"1_1_2025-12_31_2025-Bench City TX PD-Network-Audit-{rows}.csv"
    if not path.exists():
        _write_csv(path, rows)
    return path


def _write_csv(path: Path, rows: int, file_number: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7 + file_number)
    base = dt.datetime(2025, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i in range(rows):
            t = base + dt.timedelta(seconds=i * 3)
            start = t - dt.timedelta(days=rng.randint(1, 40))
            out.writerow([f"{i:08x}-{0x1111 + file_number:04x}-4a2b-9c3d-{i:012x}", f"User {i % 500}", ORGS[i % 4],
                          rng.randint(1, 7000), rng.randint(0, 90000), f"{stamp(start)}\n{stamp(t)}", "",
                          REASONS[i % 6], "", "", stamp(t), "lookup", "", "allow"])


def measure(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + sys) and peak RSS (KiB) of a child process."""
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True); "
            "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
            "print(time.perf_counter() - t, u.ru_utime + u.ru_stime, u.ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(cmd)[:200]}\n{done.stderr[-3000:]}")
    wall, cpu, kib = done.stdout.split()[-3:]
    return float(wall), float(cpu), int(kib)


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

# the same conversion of a folder of CSVs in one statement: every file read by one read_csv, rows numbered
# per file
DUCKDB_FOLDER_CONVERSION = """
import duckdb, sys
con = duckdb.connect(config={{"threads": 2}}); con.execute("SET TimeZone='UTC'")
con.execute(r'''COPY (SELECT filename AS source_file, row_number() OVER (PARTITION BY filename) + 1 AS source_row, *,
  timezone('UTC', strptime(replace("Search Time", ' UTC', ''), '%m/%d/%Y, %I:%M:%S %p')) AS search_time,
  timezone('UTC', strptime(replace(split_part("Time Frame", chr(10), 1), ' UTC', ''), '%m/%d/%Y, %I:%M:%S %p')) AS tf_start,
  timezone('UTC', strptime(replace(split_part("Time Frame", chr(10), 2), ' UTC', ''), '%m/%d/%Y, %I:%M:%S %p')) AS tf_end
  FROM read_csv({file!r} || '/*.csv', all_varchar=true, header=true, filename=true))
  TO {target!r} (FORMAT parquet, COMPRESSION zstd)''').fetchall()
"""

# a fair plain-Python conversion doing the same work as the DuckDB one: csv.reader, datetime.strptime
# for Search Time and both ends of Time Frame, file name and row number, every cell kept, Parquet
# (zstd) written by pyarrow in batches of 100,000 rows
CSV_LOOP = """
import csv, datetime as dt, pyarrow as pa, pyarrow.parquet as pq
f = '%m/%d/%Y, %I:%M:%S %p UTC'
utc = dt.timezone.utc
strptime = dt.datetime.strptime
writer = None
def flush(rows, numbers, times):
    global writer
    columns = {{'source_file': [{file!r}] * len(rows), 'source_row': numbers}}
    columns.update({{name: [r[i] if i < len(r) else None for r in rows] for i, name in enumerate(header)}})
    columns.update({{'search_time': times[0], 'tf_start': times[1], 'tf_end': times[2]}})
    table = pa.table(columns)
    writer = writer or pq.ParquetWriter({target!r}, table.schema, compression='zstd')
    writer.write_table(table)
with open({file!r}, newline='', encoding='utf-8') as fh:
    reader = csv.reader(fh)
    header = next(reader)
    st, tf = header.index('Search Time'), header.index('Time Frame')
    rows, numbers, times = [], [], ([], [], [])
    for number, row in enumerate(reader, start=2):
        start, _, end = row[tf].partition('\\n')
        rows.append(row); numbers.append(number)
        times[0].append(strptime(row[st], f).replace(tzinfo=utc))
        times[1].append(strptime(start, f).replace(tzinfo=utc))
        times[2].append(strptime(end, f).replace(tzinfo=utc))
        if len(rows) == 100000:
            flush(rows, numbers, times)
            rows, numbers, times = [], [], ([], [], [])
    if rows or writer is None:
        flush(rows, numbers, times)
writer.close()
"""

LPRLOGS = """
import sys
from pathlib import Path
from lprlogs.ingest import ingest
report = ingest([{file!r}], Path({target!r}))
assert report.rows_stored == {rows}, report.as_dict()
"""


def median_of(samples: list[tuple[float, float, int]], index: int) -> float:
    return statistics.median(sample[index] for sample in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-csv-loop", action="store_true", help="the csv loop is slow; time it once")
    parser.add_argument("--no-csv-loop", action="store_true", help="do not time the csv loop at all (10M rows)")
    parser.add_argument("--no-cli", action="store_true", help="skip the extra `lprlogs ingest` CLI run at the end")
    parser.add_argument("--files", type=int, default=1,
                        help="spread the rows over this many CSVs in a folder (no csv loop); the DuckDB "
                             "conversion reads the folder in one statement")
    args = parser.parse_args()
    started = time.perf_counter()
    path = generate(args.rows, args.files)
    size = sum(p.stat().st_size for p in path.glob("*.csv")) if path.is_dir() else path.stat().st_size
    print(f"{args.rows:,} rows in {args.files:,} file(s), {size / 1e6:,.0f} MB, generated/found in "
          f"{time.perf_counter() - started:.1f} s; {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    results: dict[str, list[tuple[float, float, int]]] = {
        "lprlogs ingest": [], "duckdb conversion": [], "csv loop": []}
    for run in range(args.runs):
        for label, template in (("lprlogs ingest", LPRLOGS),
                                ("duckdb conversion", DUCKDB_FOLDER_CONVERSION if args.files > 1 else DUCKDB_CONVERSION),
                                ("csv loop", CSV_LOOP)):
            if label == "csv loop" and (args.no_csv_loop or args.files > 1 or (args.skip_csv_loop and run > 0)):
                continue
            target = OUT / f"target-{label.replace(' ', '-')}"
            shutil.rmtree(target, ignore_errors=True)
            target.with_suffix(".parquet").unlink(missing_ok=True)
            code = template.format(file=str(path), target=str(target if label == "lprlogs ingest"
                                                               else target.with_suffix(".parquet")), rows=args.rows)
            results[label].append(measure([sys.executable, "-c", code]))
            wall, cpu, kib = results[label][-1]
            print(f"run {run + 1} {label}: wall {wall:.2f} s, CPU {cpu:.2f} s, peak {kib / 1024:.0f} MiB", flush=True)
    # exact provenance: every row's source_row is its line in the generated file (ID encodes it)
    import duckdb

    check = duckdb.connect().execute(
        f"SELECT count(*), count(*) FILTER (source_row <> CAST('0x' || split_part(search_id, '-', 1) AS BIGINT) + 2) "
        f"FROM read_parquet('{OUT / 'target-lprlogs-ingest'}/searches/*.parquet')").fetchall()[0]
    print(f"row numbers checked: {check[0]:,} rows, {check[1]:,} wrong")
    cli_target = OUT / "target-cli"
    shutil.rmtree(cli_target, ignore_errors=True)
    cli = None if args.no_cli else measure(["lprlogs", "ingest", str(path), "--store", str(cli_target), "-q"])
    walls = {k: median_of(v, 0) for k, v in results.items() if v}
    cpus = {k: median_of(v, 1) for k, v in results.items() if v}
    peaks = {k: max(m for _, _, m in v) / 1024 for k, v in results.items() if v}
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("median wall (s):", {k: round(v, 2) for k, v in walls.items()})
    print("median CPU (s): ", {k: round(v, 2) for k, v in cpus.items()})
    print("peak RSS (MiB): ", {k: round(v) for k, v in peaks.items()})
    if cli is not None:
        print(f"CLI run (lprlogs ingest -q): wall {cli[0]:.2f} s, CPU {cli[1]:.2f} s, peak {cli[2] / 1024:.0f} MiB")
    for what, figures in (("wall", walls), ("CPU", cpus)):
        target = "target <= 1.3x" if args.files == 1 else "no target: the 1.3x is for one file"
        line = (f"{what}: lprlogs / duckdb conversion = "
                f"{figures['lprlogs ingest'] / figures['duckdb conversion']:.2f}x ({target})")
        if "csv loop" in figures:
            line += (f"; csv loop / lprlogs = {figures['csv loop'] / figures['lprlogs ingest']:.1f}x (target >= 20x); "
                     f"csv loop / duckdb conversion = {figures['csv loop'] / figures['duckdb conversion']:.1f}x")
        print(line)


if __name__ == "__main__":
    main()
