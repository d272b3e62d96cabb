"""Builders shared by the tests: where things are, Flock-style audit files (14-column export form), a
sample release, hand-made stores written through the store API, and a cached query helper.

Tests import them as ``from helpers import ...`` (pyproject puts tests/ on the path for pytest)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from lprlogs.engine import Engine
from lprlogs.formats import Match
from lprlogs.schema import STAGED_COLUMNS
from lprlogs.sources import Source
from lprlogs.store import Store

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REALDATA = Path(os.environ.get("LPRLOGS_REALDATA", ROOT.parent / "shared" / "realdata"))

FLOCK_HEADER = ["ID", "Name", "Org Name", "Total Networks Searched", "Total Devices Searched", "Time Frame",
                "License Plate", "Reason", "Case #", "Filters", "Search Time", "Search Type", "Text Prompt",
                "Moderation"]
FLOCK_14 = ",".join(FLOCK_HEADER)


def flock_time(t: dt.datetime) -> str:
    """A time as Flock's exports print it: ``11/14/2025, 09:53:36 AM UTC``."""
    return t.strftime("%m/%d/%Y, %I:%M:%S %p UTC")


def flock_row(reason: str = "stolen vehicle", org: str = "Houston TX PD", networks: int = 12,
              search_time: str = "11/14/2025, 09:53:36 AM UTC", start: str = "11/01/2025, 12:00:00 AM UTC",
              search_id: str | None = None, user: str = "J. Okafor", plate: str = "7ABC123",
              moderation: str = "allow", search_type: str = "lookup", prompt: str = "") -> str:
    """One CSV line of a 14-column Flock audit (the Time Frame cell quoted over two lines)."""
    sid = search_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"{reason}{org}{search_time}{networks}"))
    frame = f'"{start}\n{search_time}"'
    reason_cell = '"' + reason.replace('"', '""') + '"'
    return (f'{sid},{user},{org},{networks},340,{frame},{plate},{reason_cell},,,"{search_time}",{search_type},'
            f"{prompt},{moderation}")


def write_flock_csv(folder: Path, name: str, rows: list[str], header: str = FLOCK_14) -> Path:
    """``folder/name`` holding ``header`` and the CSV lines ``rows`` (from flock_row)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """``path`` holding ``header`` and ``rows`` as cells, quoted by Python's csv module."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


SEARCHERS = [("Mountain View CA PD (Santa Clara County)", 3), ("Mountain View Police Department", 2),
             ("Colbert County AL SO", 2), ("Colbert County GA SO", 1),
             ("[Federal] Federal Bureau of Investigation (FBI)", 1), ("Cypress Fairbanks ISD (TX) PD", 1),
             ("Marianna FL PD", 1), ("Jackson County FL SO", 1), ("NCRIC", 1)]


def network_audit(folder: Path, producer: str = "Mountain View Police Department",
                  searchers: list[tuple[str, int]] = SEARCHERS) -> Path:
    """A small Flock Network Audit in the 14-column form, named the way Flock names them: ``count`` searches
    by each searching organisation."""
    rows = []
    for org, count in searchers:
        for _ in range(count):
            n = len(rows) + 1
            rows.append([f"00000000-0000-0000-0000-{n:012d}", "A. User", org, "5", "50",
                         "01/01/2025, 01:00:00 AM UTC\n01/02/2025, 01:00:00 AM UTC", "***", "investigation",
                         "", "", "01/02/2025, 02:00:00 AM UTC", "lookup", "", "allow"])
    return write_csv(folder / f"1_1_2025-1_31_2025-{producer}-Network-Audit.csv", FLOCK_HEADER, rows)


# --- a small fictional release (report, export) ------------------------------------------------------

SCRIPT_REASON = "ICE detainer <script>alert(1)</script>"
FORMULA_REASON = '=HYPERLINK("http://x","y") ICE removal'


def release_rows() -> list[list[str]]:
    """A small fictional Network Audit: ordinary searches, immigration reasons (both tiers), hostile text,
    a blank reason, a wide and a long lookback, an exact duplicate row."""
    base = dt.datetime(2025, 3, 3, 9, 0, 0)
    specs = [
        # org, networks, reason, lookback days, day offset
        ("Springfield XX PD", 1, "stolen vehicle", 2, 0),
        ("Springfield XX PD", 1, "Burglary suspect", 1, 1),
        ("Shelbyville YY SO", 1200, "ICE ERO assist", 5, 2),
        ("Shelbyville YY SO", 1200, "immigration enforcement", 3, 33),
        ("Ogdenville XX PD", 40, "HSI - narcotics case", 1, 3),
        ("Ogdenville XX PD", 40, SCRIPT_REASON, 1, 4),
        ("Capital City ZZ PD", 900, FORMULA_REASON, 45, 5),
        ("Capital City ZZ PD", 900, "", 1, 36),
        ("Springfield XX PD", 1, "investigation", 1, 37),
    ]
    rows = []
    for i, (org, networks, reason, lookback, day) in enumerate(specs):
        when = base + dt.timedelta(days=day, hours=i)
        start, end = when - dt.timedelta(days=lookback), when
        rows.append([
            f"00000000-0000-4000-8000-{i:012d}", f"user{i}", org, str(networks), str(networks * 10),
            f"{flock_time(start)}\n{flock_time(end)}", "ABC123", reason, f"25-{i:04d}", "", flock_time(when),
            "Search", "", "",
        ])
    rows.append(list(rows[0]))  # an exact duplicate row, as agencies' releases have
    return rows


def write_release(folder: Path, school_folder: Path | None = None) -> Path:
    """Two Network Audits: a police department's, and a school district's (in ``school_folder`` when given,
    to ingest it as a later batch) holding one search that is also in the police log (same ID: two rows, one
    search) and one new search."""
    rows = release_rows()
    path = write_csv(folder / "3_1_2025-4_30_2025-Springfield XX PD-Network-Audit.csv", FLOCK_HEADER, rows)
    new_search = list(rows[2])
    new_search[0], new_search[7] = "00000000-0000-4000-8000-999999999999", "assist ICE with removal"
    write_csv((school_folder or folder) / "3_1_2025-4_30_2025-Springfield Unified School District-Network-Audit.csv",
              FLOCK_HEADER, [rows[2], new_search])
    return path


# --- hand-made stores (flags) -------------------------------------------------------------------------

POLARS_TYPES = {"BIGINT": pl.Int64, "INTEGER": pl.Int32, "TIMESTAMPTZ": pl.Datetime("us", "UTC"),
                "VARCHAR": pl.String, "VARCHAR[]": pl.List(pl.String)}


def write_searches(store_dir: Path, rows: list[dict[str, Any]], *, producer: str | None = "Mountain View CA PD",
                   log_kind: str = "network_audit", name: str = "11_1_2025-11_30_2025-Mountain View CA PD"
                   "-Network-Audit.csv") -> list[str]:
    """Store ``rows`` (dicts of canonical columns) as one source; returns their search_keys in order."""
    store = Store.open(store_dir, create=True)
    columns = {c: POLARS_TYPES[t] for c, t in STAGED_COLUMNS.items() if c not in ("source_row", "raw")}
    frame = pl.DataFrame(
        [{**{c: r.get(c) for c in columns}, "source_row": i + 2, "raw": json.dumps(r, default=str)}
         for i, r in enumerate(rows)],
        schema={**columns, "source_row": pl.Int64, "raw": pl.String},
    )
    payload = (name + json.dumps(rows, default=str, sort_keys=True)).encode()
    store_dir.mkdir(parents=True, exist_ok=True)
    body = store_dir.parent / f"{hashlib.sha256(payload).hexdigest()[:12]}.json"
    body.write_bytes(payload)
    source = Source(path=body, display_path=name, sha256=hashlib.sha256(payload).hexdigest(), size=len(payload),
                    producer=producer, log_kind=log_kind, producer_from="file name")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    with store.lock():
        batch = store.begin_batch([name])
        writer = store.writer(con, source, Match(format="hand_made", variant="test rows"), batch["id"])
        writer.add_searches(frame)
        writer.commit()
        store.finish_batch(batch)
    con.close()
    prefix = source.sha256[:16]
    return [f"{prefix}::{i + 2}" for i in range(len(rows))]


def flags_of(store_dir: Path, params: dict[str, str] | None = None) -> dict[str, dict[str, str]]:
    """search_key -> {flag: evidence}."""
    engine = Engine(Store.open(store_dir), params or {})
    try:
        _, rows = engine.query("SELECT search_key, flag, evidence FROM flags")
    finally:
        engine.close()
    result: dict[str, dict[str, str]] = {}
    for key, flag, evidence in rows:
        assert flag not in result.setdefault(key, {}), f"{flag} twice for {key}"
        result[key][flag] = evidence
    return result


def first_fast(*cases: Any) -> list[Any]:
    """Cases for ``pytest.mark.parametrize`` of which only the first stays in the not-slow subset: the others
    take the same path with other data, each as slow as the first (an ingest and an engine, about 0.6 s), so
    they are marked slow and the full suite runs them. A case of several arguments is a tuple."""
    return [cases[0], *(pytest.param(*(c if isinstance(c, tuple) else (c,)), marks=pytest.mark.slow)
                        for c in cases[1:])]


def copy_store(built: Path, target: Path) -> Path:
    """A real copy of a store built once (by a module or session fixture) for a test that writes to it: far
    cheaper than ingesting again, and the built store stays as it was for the tests that only read it."""
    shutil.copytree(built, target, symlinks=True)
    return target


# --- reading a store ------------------------------------------------------------------------------------

_ENGINES: dict[Path, tuple[int, Engine]] = {}


def query(store_dir: Path, sql: str) -> list[tuple]:
    """Rows of ``sql`` over the store; one engine per store state (views and derived tables take a while).
    conftest's autouse fixture closes the engines after each test."""
    generation = Store.open(store_dir).manifest["generation"]
    cached = _ENGINES.get(store_dir)
    if cached is None or cached[0] != generation:
        if cached is not None:
            cached[1].close()
        _ENGINES[store_dir] = (generation, Engine(Store.open(store_dir)))
    return _ENGINES[store_dir][1].query(sql)[1]


def close_engines() -> None:
    for _, engine in _ENGINES.values():
        engine.close()
    _ENGINES.clear()


# --- the report page in a browser ----------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


def chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with no network and a throwaway profile (skips the test when it is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (Debian package `chromium`; CI installs it)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-default-apps", "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND",
             "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([str(CHROMIUM), *flags, *args], capture_output=True, text=True, timeout=120)

