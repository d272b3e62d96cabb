"""Readers during an ingest: three readers (`query`, `sources`, `flags`) and an ingest started together on
one store, ``--rounds`` times, each a separate process; counts the runs that failed (exit status not 0,
or "internal error" / a traceback in the output). Each round ingests new files (so the derived tables
are stale while it runs and rebuilt at its end) and reads one earlier file again with --force (so stored
files are retired while readers may be reading them).

    python bench/readers_during_ingest.py              # 20 rounds
    python bench/readers_during_ingest.py --rounds 5 --store /tmp/s
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import flock_row, write_flock_csv  # noqa: E402

READERS = (["query", "SELECT count(*), count(duplicate_of) FROM searches"], ["sources"], ["flags"])
FILES_PER_ROUND = 6


def release(folder: Path, round_no: int) -> Path:
    """Six small exports; each round's first repeats rows of round 0 (duplicate marks to find)."""
    for i in range(FILES_PER_ROUND):
        tag = 0 if i == 0 else round_no
        rows = [flock_row(reason=f"case {tag}-{i}-{j}" if j % 5 else "ICE detainer", networks=j + round_no,
                          org="Houston TX PD" if j % 3 else "[Federal] US Border Patrol") for j in range(40)]
        name = f"11_1_2025-11_30_2025-Town {i} TX PD-Network-Audit.csv"
        write_flock_csv(folder / f"r{round_no}-{i}", name, rows)
    return folder


def lprlogs(*args: str) -> subprocess.Popen[str]:
    """`lprlogs ARGS` in a new process (the lprlogs on PYTHONPATH, else this checkout's)."""
    return subprocess.Popen([sys.executable, "-c", "from lprlogs.cli import cli; cli()", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def failed(process: subprocess.Popen[str]) -> str | None:
    output, _ = process.communicate(timeout=600)
    if process.returncode != 0 or "internal error" in output or "Traceback" in output:
        return f"exit {process.returncode}: {output.strip().splitlines()[-1] if output.strip() else ''}"
    return None


def run(store: Path, work: Path, rounds: int) -> list[str]:
    """The failures of ``rounds`` rounds (empty when none failed)."""
    failures: list[str] = []
    first = release(work / "round-0", 0)
    if (p := failed(lprlogs("ingest", str(first), "--store", str(store), "-q"))) is not None:
        return [f"setup ingest: {p}"]
    for round_no in range(1, rounds + 1):
        folder = release(work / f"round-{round_no}", round_no)
        again = next((first / "r0-1").iterdir())
        processes = [("ingest", lprlogs("ingest", str(folder), "--store", str(store), "-q"))]
        for i, args in enumerate(READERS):
            time.sleep(0.1 * (i + 1))
            processes.append((args[0], lprlogs(*args, "--store", str(store))))
        for name, process in processes:
            if (problem := failed(process)) is not None:
                failures.append(f"round {round_no} {name}: {problem}")
        forced = lprlogs("ingest", str(again), "--force", "--store", str(store), "-q")
        reader = lprlogs(*READERS[0], "--store", str(store))
        for name, process in (("ingest --force", forced), ("query", reader)):
            if (problem := failed(process)) is not None:
                failures.append(f"round {round_no} {name}: {problem}")
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--store", type=Path, default=None, help="Store folder (default: a new temporary one).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lprlogs-readers-") as work:
        store = args.store or Path(work) / "store"
        started = time.perf_counter()
        failures = run(store, Path(work), args.rounds)
        runs = args.rounds * (len(READERS) + 3)
        print(f"{args.rounds} rounds, {runs} runs (3 readers + an ingest at once, then --force and a reader): "
              f"{len(failures)} failures in {time.perf_counter() - started:.0f} s")
        for failure in failures:
            print("  " + failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
