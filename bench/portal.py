"""Benchmark: ingest of a large transparency-portal search audit (new form), with a few broken lines.

    python bench/portal.py                       # 1,000,000 rows, 3 runs, prints medians
    python bench/portal.py --rows 200000 --runs 5

The CSV is synthetic (bench/out/, gitignored): every field quoted, LF, no trailing newline, one line in
every 100,000 with a stray quote and the last one cut inside its reason, as in real portal files.
Reports CPU seconds (the 2 cores are shared, so wall time mostly measures waiting) and wall seconds.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

REASONS = ["Investigation", "Stolen vehicle", "BOLO", "missing elder", "Robbery suspect", "", "dv", "26-1058"]
OFFENSES = ["Motor Vehicle Theft/Stolen", "Robbery", "Assault/Battery Offenses", "Larceny/Theft Offenses", ""]


def make_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    lines = ['"id","userId","searchDate","networkCount","reason","caseNumber","offenseType"']
    for i in range(rows):
        when = (start + timedelta(seconds=i * 3)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        reason = rng.choice(REASONS)
        if i % 100_000 == 50_000:
            reason = 'said "stop" twice'  # a stray quote: repaired
        lines.append(f'"{uuid.UUID(int=rng.getrandbits(128), version=4)}","***","{when}",'
                     f'"{rng.randint(1, 700)}","{reason}","{rng.randint(1, 99999)}","{rng.choice(OFFENSES)}"')
    lines[-1] = lines[-1].rsplit('","', 2)[0] + '","cut sho'  # cut inside a field: quarantined
    path.write_bytes("\n".join(lines).encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from lprlogs.ingest import ingest

    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    csv_path = out / f"bench-ca-pd_2026-04-01_search_audit-{args.rows}.csv"
    if not csv_path.exists():
        make_csv(csv_path, args.rows)
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(args.runs):
        store = Path(tempfile.mkdtemp(prefix="lprlogs-bench-portal-"))
        try:
            started_cpu, started_wall = time.process_time(), time.perf_counter()
            report = ingest([str(csv_path)], store / "store")
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started_wall)
            outcome = report.files[0]
            assert outcome.rows_read == args.rows, outcome
        finally:
            shutil.rmtree(store, ignore_errors=True)
    print(f"portal CSV, {args.rows:,} rows ({outcome.rows_stored:,} stored, {outcome.rows_quarantined:,} "
          f"quarantined): median {statistics.median(cpu):.2f} s CPU (runs {', '.join(f'{c:.2f}' for c in cpu)}), "
          f"median {statistics.median(wall):.2f} s wall; {args.rows / statistics.median(cpu):,.0f} rows/s of CPU")


if __name__ == "__main__":
    main()
