"""--redact: plates and officer names become stable keyed pseudonyms, raw cells are dropped, plates, phone
numbers and dates of birth in free text are masked, flags still compute; no input plate or name survives
in any view of a redacted engine or in `query --redact` output."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from helpers import FLOCK_HEADER, SAMPLES, copy_store, flock_time

from lprlogs.engine import Engine
from lprlogs.output import render
from lprlogs.redact import load_secret, mask_text_sql
from lprlogs.store import Store

T0 = dt.datetime(2025, 11, 3, 15, 4, 5, tzinfo=dt.UTC)


ROWS = [
    # id, user, org, plate, reason, case, filters, prompt
    ("e1", "Officer Quill", "Mountain View CA PD", "7ABC123", "ICE detainer for 7ABC123 call 408-555-1212",
     "25-00123", "", ""),
    ("e2", "Det. P. Marlow", "Houston TX PD", "ABC1234", "Immigration (civil/administrative) - DOB 01/02/1990",
     "", "black suv", ""),
    ("e3", "T. Ibsen", "[Federal] Homeland Security Investigations (HSI)", "5KLM777", "HSI narcs", "",
     "plate 8XYZ999", "white truck with plate 6QRS555"),
    ("e4", "***", "Cobb County GA SO", "***", "Deportation Warrant", "***", "", ""),
    ("e5", "Officer Quill", "Mountain View CA PD", "7abc 123", "stolen vehicle (555) 867-5309", "", "", ""),
]
NAMES = ["Officer Quill", "Det. P. Marlow", "T. Ibsen"]
PLATES = ["7ABC123", "ABC1234", "5KLM777", "8XYZ999", "6QRS555", "7abc 123"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The release ingested once (through the CLI); tests that write to a store (a --redact run writes
    secret.key) get a copy of it from ``ingested``."""
    from click.testing import CliRunner

    from lprlogs.cli import cli

    base = tmp_path_factory.mktemp("redact")
    path = base / "11_1_2025-11_30_2025-Mountain View CA PD-Network-Audit.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(FLOCK_HEADER)
        for i, (sid, user, org, plate, reason, case, filters, prompt) in enumerate(ROWS):
            when = T0 + dt.timedelta(hours=i)
            writer.writerow([f"f0000000-0000-4000-8000-00000000000{sid[1]}", user, org, "5", "50",
                             f"{flock_time(when - dt.timedelta(days=1))}\n{flock_time(when)}", plate, reason, case, filters,
                             flock_time(when), "lookup", prompt, "allow"])
    result = CliRunner().invoke(cli, ["ingest", str(path), "-q", "--store", str(base / "store")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return base / "store"


@pytest.fixture
def ingested(built: Path, store_dir: Path) -> Path:
    return copy_store(built, store_dir)


@pytest.fixture(scope="module")
def engines(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Engine]]:
    """A plain and a redacted engine over one copy of the store (the redacted one creates its key), shared by
    the tests that only read them."""
    keyed = copy_store(built, tmp_path_factory.mktemp("keyed") / "store")
    plain, redacted = Engine(Store.open(keyed)), Engine(Store.open(keyed), redact=True)
    yield plain, redacted
    plain.close()
    redacted.close()


def all_views_text(engine: Engine) -> str:
    chunks = []
    for view in engine.views():
        relation = engine.con.sql(f'SELECT * FROM "{view}"')
        chunks.append(render(relation.columns, relation.fetchall(), "csv"))
    return "\n".join(chunks)


@pytest.mark.slow
def test_no_input_plate_or_name_in_any_redacted_view(ingested: Path) -> None:
    plain = all_views_text(Engine(Store.open(ingested)))
    assert all(s in plain for s in NAMES + PLATES)  # the test data does carry them
    text = all_views_text(Engine(Store.open(ingested), redact=True))
    for secret in NAMES + PLATES:
        assert secret not in text, secret
    for personal in ("408-555-1212", "01/02/1990", "867-5309"):
        assert personal not in text
    assert "PLATE-" in text and "PERSON-" in text and "[PHONE]" in text and "[DOB]" in text


@pytest.mark.slow
def test_pseudonyms_are_stable_keyed_and_normalised(engines: tuple[Engine, Engine], tmp_path: Path) -> None:
    sql = "SELECT search_id, searcher_user, license_plate FROM searches ORDER BY search_id"
    keyed = engines[1].store.root
    first = engines[1].con.execute(sql).fetchall()
    again = Engine(Store.open(keyed), redact=True).con.execute(sql).fetchall()
    assert first == again  # same store, same key: same codes across runs
    users = [r[1] for r in first]
    plates = [r[2] for r in first]
    assert [bool(u) for u in users] == [True, True, True, False, True]  # e4's '***' stays a mask
    assert all(re.fullmatch(r"PERSON-[0-9a-f]{8}", u) for u in users if u)
    assert users[0] == users[4] and users[0] != users[1]  # same officer, same code
    assert plates[0] == plates[4]  # '7ABC123' and '7abc 123' are one plate
    assert re.fullmatch(r"PLATE-[0-9a-f]{8}", plates[0])
    assert first[3][1] is None and first[3][2] is None  # '***' masks stay masks (NULL + redacted list)
    # another store has another key: codes cannot be matched across unrelated stores
    other = copy_store(keyed, tmp_path / "copy")
    (other / "secret.key").unlink()
    assert Engine(Store.open(other), redact=True).con.execute(sql).fetchall()[0][2] != plates[0]


def test_secret_is_created_once_private_and_atomic(ingested: Path) -> None:
    store = Store.open(ingested)
    assert not (ingested / "secret.key").exists()
    key = load_secret(store)
    path = ingested / "secret.key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret(store) == key and len(key) == 64
    assert not list(ingested.glob(".secret.key.*"))  # no temporary files left behind


def test_redact_needs_an_existing_store(run_cli, tmp_path: Path) -> None:
    result = run_cli("query", "select 1", "--redact", "--store", str(tmp_path / "nope"))
    assert result.exit_code == 1 and "no lprlogs store" in result.output


def test_unwritable_store_gives_one_line_error(run_cli, ingested: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lprlogs.redact

    def refuse(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(lprlogs.redact.os, "open", refuse)
    result = run_cli("query", "select 1", "--redact")
    assert result.exit_code == 1 and "cannot create the redaction key (Permission denied)" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_raw_is_dropped_and_text_is_kept_but_masked(engines: tuple[Engine, Engine]) -> None:
    engine = engines[1]
    rows = engine.con.execute("SELECT raw, reason, filters, text_prompt, case_number, searcher_org FROM searches "
                              "ORDER BY search_id").fetchall()
    assert all(r[0] is None for r in rows)
    assert rows[0][1] == "ICE detainer for [PLATE] call [PHONE]"
    assert rows[1][1] == "Immigration (civil/administrative) - DOB [DOB]"
    assert rows[2][2] == "plate [PLATE]" and rows[2][3] == "white truck with plate [PLATE]"
    assert rows[0][4] == "25-00123"  # case numbers that are not plates or phones stay
    assert rows[2][5] == "[Federal] Homeland Security Investigations (HSI)"  # organisations are not people


def test_flags_still_compute_on_redacted_views(engines: tuple[Engine, Engine]) -> None:
    sql = "SELECT flag, count(*) FROM flags GROUP BY ALL ORDER BY ALL"
    plain = engines[0].con.execute(sql).fetchall()
    redacted = engines[1].con.execute(sql).fetchall()
    assert plain == redacted
    assert dict(plain)["immigration"] >= 3  # the release's three immigration rows: equal is not empty


@pytest.mark.slow
def test_refresh_reapplies_redaction(ingested: Path) -> None:
    engine = Engine(Store.open(ingested), redact=True)
    engine.refresh(force=True)
    values = [r[0] for r in engine.con.execute("SELECT license_plate FROM searches").fetchall()]
    assert "7ABC123" not in values and any(v and v.startswith("PLATE-") for v in values)


@pytest.fixture(scope="module")
def plain_users(built: Path) -> set[str]:
    """`query` without --redact shows the officers' names (so the checks on redacted output can fail)."""
    from click.testing import CliRunner

    from lprlogs.cli import cli

    plain = CliRunner().invoke(cli, ["query", "select searcher_user from searches", "--format", "json", "--store",
                                     str(built)], catch_exceptions=False)
    return {r["searcher_user"] for r in json.loads(plain.output)}


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["table", "csv", "json", "ndjson", "markdown"])
def test_query_redact_output(run_cli, ingested: Path, plain_users: set[str], fmt: str) -> None:
    result = run_cli("query", "select * from searches", "--redact", "--format", fmt)
    assert result.exit_code == 0
    for secret in NAMES + PLATES:
        assert secret not in result.output
    assert "T. Ibsen" in plain_users


@pytest.mark.parametrize("text,expected", [
    ("ABC1234 and 7ABC123", "[PLATE] and [PLATE]"),
    ("case E287021", "case [PLATE]"),
    ("287g ICE ERO 2025 ABCDEFG 1234567", "287g ICE ERO 2025 ABCDEFG 1234567"),
    ("Immigration (criminal) - ", "Immigration (criminal) - "),
    ("D.O.B. 3-4-85 tel +1 (312) 555 0199", "D.O.B. [DOB] tel [PHONE]"),
    ("born 1/2/1970, seen 1/2/2025", "born [DOB], seen 1/2/2025"),
    (None, None),
])
def test_mask_patterns(text: str | None, expected: str | None) -> None:
    assert duckdb.sql(f"SELECT {mask_text_sql('$t')}", params={"t": text}).fetchall()[0][0] == expected


@pytest.mark.slow
def test_samples_redacted_views_leak_nothing(run_cli, store_dir: Path) -> None:
    files = [SAMPLES / "flock" / "1_1_2026-1_31_2026-Oak Ridge Park IL PD-Network-Audit.csv",
             SAMPLES / "flock" / "10_1_2025-10_31_2025-Tulsa OK PD-Audit - Redacted.csv",
             *sorted((SAMPLES / "events").glob("*"))]
    assert all(f.exists() for f in files), "samples/ is bundled: a missing sample is an error, not a skip"
    assert run_cli("ingest", *map(str, files), "-q").exit_code == 0
    plain = Engine(Store.open(store_dir))
    secrets: set[str] = set()
    views = plain.views()
    for view, column in [("searches", "searcher_user"), ("searches", "license_plate"), ("events", "user"),
                         ("events", "plate")]:
        if column in {c for c, _ in views.get(view, [])}:
            secrets |= {r[0] for r in plain.con.execute(f'SELECT DISTINCT "{column}" FROM {view}').fetchall()
                        if r[0] and r[0].strip() not in ("***", "")}
    assert secrets
    redacted = Engine(Store.open(store_dir), redact=True)
    text = all_views_text(redacted)
    pattern = re.compile("|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True)))
    assert pattern.findall(text) == []
    flag_counts = "SELECT flag, count(*) FROM flags GROUP BY ALL ORDER BY ALL"
    assert redacted.con.execute(flag_counts).fetchall() == plain.con.execute(flag_counts).fetchall()


def _file_text(path: Path) -> str:
    """Text of an output file; a workbook (zip of XML) or SQLite file is read through its contents."""
    import sqlite3
    import zipfile

    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    if path.read_bytes()[:16].startswith(b"SQLite format 3"):
        con = sqlite3.connect(path)
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        text = "\n".join(repr(row) for t in tables for row in con.execute(f'SELECT * FROM "{t}"'))
        con.close()
        return text
    return path.read_text(encoding="utf-8", errors="replace")


@pytest.mark.slow
def test_redacted_report_and_export_files_carry_no_plate_or_name(run_cli, ingested: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert run_cli("report", "-o", str(out), "--redact").exit_code == 0
    outputs = [p for p in out.rglob("*") if p.is_file()]
    sqlite_file = tmp_path / "views.sqlite"
    assert run_cli("export", "--sqlite", str(sqlite_file), "--redact").exit_code == 0
    outputs.append(sqlite_file)
    assert len(outputs) > 3
    texts = {p: _file_text(p) for p in outputs}
    for path, text in texts.items():
        for secret in NAMES + PLATES + ["408-555-1212", "01/02/1990"]:
            assert secret not in text, (secret, path.name)
    assert any("redacted" in t.lower() for t in texts.values())  # the report says it is redacted
    plain = tmp_path / "plain"
    run_cli("report", "-o", str(plain))
    assert any("7ABC123" in _file_text(p) for p in plain.rglob("*") if p.is_file())  # the check can fail


@pytest.mark.slow
def test_redacted_copy_is_reused_and_renewed_after_ingest(run_cli, ingested: Path, tmp_path: Path) -> None:
    def copies() -> list[Path]:
        return sorted((ingested / "derived" / "redacted").glob("searches-*.parquet"))

    def view_sql(engine: Engine) -> str:
        return engine.con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'searches'").fetchall()[0][0]

    live = Engine(Store.open(ingested), redact=True)  # a reader: creates the key, writes no copy
    assert not copies() and "read_parquet" not in view_sql(live)
    run_cli("rebuild")  # a writer: the store now has a key, so its redacted copy is derived data
    engine = Engine(Store.open(ingested), redact=True)
    [copy] = copies()
    assert str(copy) in view_sql(engine)
    assert engine.query("SELECT * FROM searches ORDER BY ALL") == live.query("SELECT * FROM searches ORDER BY ALL")
    cells = duckdb.sql(f"SELECT * FROM read_parquet('{copy}')").fetchall()
    assert not any(p in repr(cells) for p in PLATES + NAMES)  # the copy itself is redacted
    written = copy.stat().st_mtime_ns
    run_cli("rebuild")
    assert copies() == [copy] and copy.stat().st_mtime_ns == written  # same store state: reused
    more = tmp_path / "12_1_2025-12_31_2025-Mountain View CA PD-Network-Audit.csv"
    with open(more, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(FLOCK_HEADER)
        writer.writerow(["f0000000-0000-4000-8000-000000000009", "N. New", "Mountain View CA PD", "5", "50",
                         f"{flock_time(T0)}\n{flock_time(T0)}", "9NEW999", "ICE", "", "", flock_time(T0), "lookup", "", ""])
    run_cli("ingest", str(more), "-q")
    rows = Engine(Store.open(ingested), redact=True).con.execute(
        "SELECT searcher_user, license_plate FROM searches WHERE search_id LIKE '%9'").fetchall()
    assert len(rows) == 1 and rows[0][0].startswith("PERSON-") and rows[0][1].startswith("PLATE-")
