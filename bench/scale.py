"""Benchmark: how time and peak memory grow with the store, in one table (issue 21's scale benchmark).

For each size it builds (or reuses) a store with bench/report.py's generator (the same flag mix as the report
benchmark), then measures, each in a fresh process: `lprlogs ingest` of a Flock CSV of that many rows
(bench/ingest.py's generator; only up to --ingest-max rows, since the CSV takes about 200 bytes a row and a
Python loop writes it), `lprlogs flags` (the counts) and `lprlogs report`. Each with `--memory X` for every
--memory given (`default` runs without it: lprlogs's own default). Prints wall time, CPU time (user + sys) and
peak RSS per size and command, the medians of --runs; --markdown FILE writes the table for bench/README.md.

    python bench/scale.py --sizes 1e5,1e6                      # small: a minute or two
    python bench/scale.py                                       # 1M, 10M, 30M, 100M rows: hours and ~30 GB of disk
    python bench/scale.py --sizes 1e7,1e8 --memory default --memory 2GB --markdown scale.md
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from ingest import generate, measure  # noqa: E402
from report import build  # noqa: E402

from lprlogs.engine import rebuild  # noqa: E402
from lprlogs.memory import default_bytes, describe  # noqa: E402
from lprlogs.store import Store  # noqa: E402

LPRLOGS = [sys.executable, "-c", "from lprlogs.cli import cli; cli()"]
MARKER = {"mix": 2}  # bench/report.py's flag mix: a store built by another mix is built again


def parse_sizes(text: str) -> list[int]:
    """``1e6,1e7,30000000`` -> [1000000, 10000000, 30000000]."""
    try:
        sizes = [int(float(part)) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise SystemExit(f"--sizes {text!r}: give row counts separated by commas, e.g. 1e6,1e7") from exc
    if not sizes or min(sizes) < 1000:
        raise SystemExit(f"--sizes {text!r}: give row counts of at least 1000, e.g. 1e6,1e7")
    return sizes


def store_of(folder: Path, rows: int) -> Path:
    """The generated store of ``rows`` rows under ``folder`` (built once, reused while its marker matches)."""
    store = folder / f"store-{rows}"
    marker = store / "bench-rows.json"
    if not marker.exists() or json.loads(marker.read_text()) != {"rows": rows, **MARKER}:
        started = time.perf_counter()
        build(store, rows)
        marker.write_text(json.dumps({"rows": rows, **MARKER}))
        print(f"store of {rows:,} rows built in {time.perf_counter() - started:.1f} s", flush=True)
    rebuild(Store.open(store))  # as after an ingest: derived tables current, not built in the first timed run
    return store


def commands(rows: int, store: Path, folder: Path, ingest_max: int) -> dict[str, list[str]]:
    """The lprlogs commands measured at this size (ingest only up to ``ingest_max`` rows)."""
    measured = {}
    if rows <= ingest_max:
        measured["ingest"] = [*LPRLOGS, "ingest", str(generate(rows)), "--store", str(folder / "ingested"), "-q"]
    measured["flags"] = [*LPRLOGS, "flags", "--store", str(store), "--csv"]
    measured["report"] = [*LPRLOGS, "report", "--store", str(store), "-o", str(folder / "report-out")]
    return measured


def run_one(command: list[str], folder: Path, runs: int) -> tuple[float, float, float] | None:
    """Median wall and CPU seconds and the peak RSS (GiB) of ``runs`` runs of ``command``; None when it failed."""
    samples = []
    for _ in range(runs):
        for leftover in ("ingested", "report-out"):  # every run starts from the same state
            shutil.rmtree(folder / leftover, ignore_errors=True)
        try:
            samples.append(measure(command))
        except SystemExit as failed:  # measure() says why; the table says "failed"
            print(str(failed)[-1500:], file=sys.stderr)
            return None
    return (statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples),
            max(s[2] for s in samples) / 1024 / 1024)


def table(results: list[tuple[int, str, str, tuple[float, float, float] | None]]) -> list[str]:
    """The Markdown table: one line per size, command and memory setting."""
    lines = ["| rows | command | --memory | wall (s) | CPU (s) | peak (GiB) |", "|---:|---|---|---:|---:|---:|"]
    for rows, name, memory, figures in results:
        cells = ("failed", "", "") if figures is None else (f"{figures[0]:.1f}", f"{figures[1]:.1f}", f"{figures[2]:.2f}")
        lines.append(f"| {rows:,} | {name} | {memory} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes("1e6,1e7,3e7,1e8"),
                        help="row counts, e.g. 1e6,1e7,3e7,1e8 (the default)")
    parser.add_argument("--ingest-max", type=lambda t: int(float(t)), default=10_000_000,
                        help="measure ingest only up to this many rows (a CSV of ~200 bytes a row; default 1e7)")
    parser.add_argument("--memory", action="append", default=[],
                        help="pass --memory X to every command (repeatable; `default` runs without it)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/lprlogs-bench-scale"),
                        help="where the stores are built and kept")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table to this file")
    args = parser.parse_args()
    memories = args.memory or ["default"]
    args.folder.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; --memory "
          f"default: {describe(default_bytes())} on this machine", flush=True)
    results = []
    for rows in args.sizes:
        store = store_of(args.folder, rows)
        for name, command in commands(rows, store, args.folder, args.ingest_max).items():
            for memory in memories:
                extra = [] if memory == "default" else ["--memory", memory]
                figures = run_one(command + extra, args.folder, args.runs)
                results.append((rows, name, memory, figures))
                print(table(results)[-1], flush=True)
        for leftover in ("ingested", "report-out"):
            shutil.rmtree(args.folder / leftover, ignore_errors=True)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print("\n".join(table(results)))
    if args.markdown:
        args.markdown.write_text("\n".join(table(results)) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
