"""Benchmark: every flag over a large store (default 10M rows).

Builds the store directly with DuckDB through the store API (one source per producer, rows generated
in SQL, no CSV parsing), then times ``SELECT flag, count(*) FROM flags GROUP BY 1`` (all flags) and,
with ``--per-flag``, each flag view alone, on a fresh Engine. Prints the median wall-clock and CPU time
(all threads) of ``--runs`` runs; on this shared 2-core machine CPU time is the steadier figure.

    python bench/flags.py                       # 10M rows in /tmp/lprlogs-bench-flags (reused if there)
    python bench/flags.py --rows 1000000 --rebuild --per-flag

The generated data mimics real logs: 3,000 distinct reasons (1 in 100 immigration-related; traps such as
`police` and `possession of ice`; vague reasons; case-number-like reasons on 10% of rows), case numbers on 40% of rows
(mostly unique), offense types, text prompts on 2%, 300 searching organisations across states including
federal and school ones, networks searched from 1 to 7,000, time frames reaching back up to 30 days (3% up to 120).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lprlogs.engine import Engine, rebuild  # noqa: E402
from lprlogs.formats import Match  # noqa: E402
from lprlogs.sources import Source  # noqa: E402
from lprlogs.store import Store, sql_literal  # noqa: E402

PRODUCERS = ["Mountain View CA PD", "Houston TX PD", "Beverly Hills Unified School District CA", "Cobb County GA SO",
             "Okaloosa County FL SO", "Conway AR PD", "Oak Park IL PD", "Austin TX PD", "Denver CO PD",
             "Lake Travis ISD TX PD"]
STATES = ["CA", "TX", "GA", "FL", "AR", "IL", "CO", "WA", "AZ", "NY"]
SPECIAL_SEARCHERS = ["[Federal] Federal Bureau of Investigation (FBI)", "US Postal Inspection Service",
                     "[Federal] Homeland Security Investigations", "Federal Way WA PD",
                     "Cypress Fairbanks ISD (TX) PD", "University City MO PD", "Justice IL PD"]
ORDINARY_REASONS = ["stolen vehicle", "inv", "Investigation", "robbery", "police assist", "possession of ice",
                    "Person+Crime", "Other - Not Applicable", ".", "d", "test", "narcotics", "missing person",
                    "homicide", "Auto Theft / VCD Investigation - Auto Theft / VCD Investigation", "vehicle removal",
                    "E287021", "Federal Way PD assist", "notice of violation", "suspect vehicle", "", "BOL",
                    "office burglary", "service call", "price gouging", "device theft", "hero bike theft"]
IMMIGRATION_REASONS = ["ICE detainer", "assist ICE", "HSI-Drug Lead", "HSI narcs", "CBP narcotics seizure",
                       "Immigration (criminal) -", "deportation warrant", "USBP Immigration Investigation"]


def create_reason_pool(con: duckdb.DuckDBPyConnection) -> None:
    """3,000 distinct reasons: the lists above with suffixes, 1 in 100 immigration-related."""
    con.execute("CREATE TABLE reason_pool AS SELECT i, "
                "CASE WHEN i % 100 = 0 THEN ($3)[(i // 100) % $4 + 1] ELSE ($1)[(i % $2) + 1] END "
                "|| CASE WHEN i < 100 THEN '' ELSE ' ' || CAST(i AS VARCHAR) END AS reason FROM range(3000) t(i)",
                [ORDINARY_REASONS, len(ORDINARY_REASONS), IMMIGRATION_REASONS, len(IMMIGRATION_REASONS)])


def write_network_audits(store: Store, con: duckdb.DuckDBPyConnection, rows: int, tag: str,
                         select_rows: Callable[[int, str, int, int], str]) -> None:
    """One generated Network Audit source per producer, ``rows`` in all, written through the store API
    in one batch; ``select_rows(n, producer, first_seq, count)`` gives each source's staged-row SQL."""
    per_source = rows // len(PRODUCERS)
    with store.lock():
        batch = store.begin_batch([tag])
        for n, producer in enumerate(PRODUCERS):
            name = f"11_1_2025-11_30_2025-{producer}-Network-Audit.csv"
            sha = hashlib.sha256(f"{tag} {rows} {n}".encode()).hexdigest()
            source = Source(path=store.root / "bench", display_path=name, sha256=sha, size=0, producer=producer,
                            log_kind="network_audit", producer_from="file name")
            writer = store.writer(con, source, Match(format="bench", variant="generated"), batch["id"])
            writer.add_searches(con.sql(select_rows(n, producer, n * per_source, per_source)))
            writer.commit()
        store.finish_batch(batch)


def network_audit_sql(rows_from: str, *, searcher_org: str, networks_searched: str, short_lookback_days: int,
                      joins: str) -> str:
    """One generated Network Audit part: every stored column from ``seq`` (a row of ``rows_from``) and a
    reason of reason_pool. Callers choose who searched (``searcher_org``, from their ``joins``), how many
    networks, and the look-back of the 97% of searches that are not long (3% reach back up to 120 days)."""
    return f"""
                SELECT
                    seq + 2 AS source_row,
                    '{{"ID":"' || CAST(seq AS VARCHAR) || '","Reason":"' || r.reason || '"}}' AS raw,
                    CAST(uuid() AS VARCHAR) AS search_id,
                    {searcher_org} AS searcher_org,
                    'user ' || CAST(seq % 5000 AS VARCHAR) AS searcher_user,
                    CASE WHEN seq % 10 = 0 THEN 'PA2026-' || CAST(seq AS VARCHAR) ELSE r.reason END AS reason,
                    CASE WHEN seq % 5 < 2 THEN 'E' || CAST(hash(seq) % 5000000 AS VARCHAR) END AS case_number,
                    CASE WHEN seq % 700 = 0 THEN 'Immigration'
                         WHEN seq % 7 = 0 THEN (['Narcotics', 'Theft', 'Other', 'Assault'])[seq % 4 + 1] END
                        AS offense_type,
                    CASE WHEN seq % 50 = 0 THEN 'white pickup ' || CAST(seq % 300 AS VARCHAR) END AS text_prompt,
                    CASE WHEN seq % 50 = 0 THEN 'freeform' WHEN seq % 3 = 0 THEN 'search' ELSE 'lookup' END
                        AS search_type,
                    CASE WHEN seq % 50 = 0 THEN (['allow', 'block', 'warn'])[seq % 3 + 1] END AS moderation,
                    CAST({networks_searched} AS BIGINT) AS networks_searched,
                    CAST(hash(seq * 11) % 100000 AS BIGINT) AS devices_searched,
                    TIMESTAMPTZ '2025-11-01 00:00:00+00' + to_seconds(CAST(hash(seq * 13) % 2592000 AS BIGINT))
                        AS search_time,
                    TIMESTAMPTZ '2025-11-01 00:00:00+00' + to_seconds(CAST(hash(seq * 13) % 2592000 AS BIGINT))
                        - to_seconds(CAST(hash(seq * 17) % (CASE WHEN seq % 100 < 3 THEN 120 ELSE {short_lookback_days} END
                                                            * 86400) AS BIGINT)) AS time_frame_start
                FROM {rows_from}
                {joins}
                JOIN reason_pool r ON r.i = hash(seq * 5) % 3000
            """


def build(store_dir: Path, rows: int) -> None:
    shutil.rmtree(store_dir, ignore_errors=True)
    store = Store.open(store_dir, create=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    searchers = [f"Town {i} {STATES[i % len(STATES)]} PD" for i in range(300 - len(SPECIAL_SEARCHERS))]
    searchers += SPECIAL_SEARCHERS + PRODUCERS
    con.execute("CREATE TABLE searcher_pool AS SELECT unnest($1) AS org, generate_subscripts($1, 1) - 1 AS i",
                [searchers])
    create_reason_pool(con)  # case-number-like reasons on 10% of rows are added below

    def network_audit_rows(n: int, producer: str, first: int, count: int) -> str:
        return network_audit_sql(
            f"range({first}, {first + count}) t(seq)",
            searcher_org="so.org",
            networks_searched="1 + (hash(seq * 7) % 7000) * (hash(seq * 7) % 7000) // 7000",
            short_lookback_days=30,
            joins=f"JOIN searcher_pool so ON so.i = hash(seq * 3) % {len(searchers)}",
        )

    write_network_audits(store, con, rows, "bench", network_audit_rows)
    con.close()
    started = time.perf_counter()
    rebuild(store)  # derived tables: duplicate marks, agency classification, as after an ingest
    print(f"derived tables built in {time.perf_counter() - started:.1f} s")


def timed(engine: Engine, sql: str, runs: int) -> tuple[float, float, list[tuple[object, ...]]]:
    """Median wall-clock seconds and median CPU seconds (all threads) of ``runs`` runs. On a shared
    machine the CPU figure is the steadier one; wall time on an idle 2-core machine is about half of it."""
    walls, cpus = [], []
    result: list[tuple[object, ...]] = []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = engine.con.execute(sql).fetchall()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu_started)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--store", type=Path, default=Path("/tmp/lprlogs-bench-flags"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="Build the store again even if it exists.")
    parser.add_argument("--per-flag", action="store_true", help="Also time each flag view alone.")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: every core).")
    args = parser.parse_args()
    marker = args.store / f".bench-rows-{args.rows}"
    if args.rebuild or not marker.exists():
        started = time.perf_counter()
        build(args.store, args.rows)
        marker.touch()
        print(f"built {args.rows:,} rows in {time.perf_counter() - started:.1f} s -> {args.store}")
    started, cpu_started = time.perf_counter(), time.process_time()
    engine = Engine(Store.open(args.store), threads=args.threads)
    print(f"fresh Engine (views defined, derived tables up to date): {time.perf_counter() - started:.2f} s wall, "
          f"{time.process_time() - cpu_started:.2f} s CPU")
    stored = engine.con.execute("SELECT count(*) FROM _searches_stored").fetchall()[0][0]
    wall, cpu, result = timed(engine, "SELECT flag, count(*) FROM flags GROUP BY 1 ORDER BY 1", args.runs)
    print(f"all flags over {stored:,} rows: median {wall:.2f} s wall, {cpu:.2f} s CPU, of {args.runs} runs "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    # the commands read every flag row's key and evidence, which the count above lets DuckDB skip
    wall, cpu, _ = timed(engine, "SELECT flag, count(*), max(search_key), sum(length(evidence)) FROM flags "
                                 "GROUP BY 1", args.runs)
    print(f"  with search_key and evidence read: median {wall:.2f} s wall, {cpu:.2f} s CPU")
    for flag, count in result:
        print(f"  {flag:<24} {count:>12,}")
    if args.per_flag:
        for (name,) in engine.con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'flag\\_%' ESCAPE '\\' "
                "ORDER BY 1").fetchall():
            wall, cpu, _ = timed(engine, f"SELECT count(*) FROM {sql_literal(name)[1:-1]}", args.runs)
            print(f"  {name:<30} median {wall:.2f} s wall, {cpu:.2f} s CPU")
    engine.close()


if __name__ == "__main__":
    main()
