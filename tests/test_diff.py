"""`lprlogs diff --since BATCH`: new sources, new agencies and new flagged searches BY SEARCH, so a search
repeated in an overlapping monthly file is not new; exit codes and --json for a newsroom's cron job."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from helpers import FLOCK_HEADER, flock_time, write_csv

from lprlogs.engine import Engine

OLD_HEADER = ["Name", "Org Name", "Total Networks Searched", "Total Devices Searched", "Time Frame",
              "License Plate", "Reason", "Case #", "Filters", "Search Time", "Search Type"]


def row(n: int, org: str, when: dt.datetime, reason: str, user: str = "K. Doe") -> list[str]:
    frame = f"{flock_time(when - dt.timedelta(days=1))}\n{flock_time(when)}"
    return [f"d0000000-0000-4000-8000-{n:012d}", user, org, "10", "100", frame, f"{n % 9 + 1}DEF{n:03d}",
            reason, "", "", flock_time(when), "lookup", "", "allow"]


NOV30 = dt.datetime(2025, 11, 30, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def two_months(tmp_path: Path) -> tuple[Path, Path]:
    """November and December org audits of one producer, overlapping on November 30."""
    overlap = [row(100, "Cobb County GA SO", NOV30, "ICE detainer"),
               row(101, "Cobb County GA SO", NOV30 + dt.timedelta(hours=1), "burglary")]
    november = [row(i, "Cobb County GA SO", NOV30 - dt.timedelta(days=i), r)
                for i, r in enumerate(["stolen car", "ICE warrant", "Immigration (criminal) - ", "theft"], start=1)]
    december = [row(200 + i, org, NOV30 + dt.timedelta(days=i), r) for i, (org, r) in enumerate([
        ("Cobb County GA SO", "ICE ERO assist"), ("Cobb County GA SO", "robbery"),
        ("Marietta GA PD", "Immigration (civil/administrative) - "), ("Cobb County GA SO", "missing person")], start=1)]
    m1 = write_csv(tmp_path / "m1" / "11_1_2025-11_30_2025-Cobb County GA SO-Audit.csv", FLOCK_HEADER, november + overlap)
    m2 = write_csv(tmp_path / "m2" / "11_30_2025-12_31_2025-Cobb County GA SO-Audit.csv", FLOCK_HEADER, overlap + december)
    return m1, m2


@pytest.mark.slow
def test_diff_since_first_batch_gives_exactly_the_second_months_new_flagged_searches(run_cli, two_months) -> None:
    m1, m2 = two_months
    assert run_cli("ingest", str(m1), "-q").exit_code == 0
    assert run_cli("ingest", str(m2), "-q").exit_code == 0
    result = run_cli("diff", "--since", "1", "--json")
    assert result.exit_code == 3, result.output
    payload = json.loads(result.output)
    assert payload["since"] == 1 and payload["latest_batch"] == 2 and payload["exit_code"] == 3
    new_ids = sorted(s["search_id"] for s in payload["new_flagged_searches"])
    # December's immigration searches only: the overlapping Nov 30 "ICE detainer" search is NOT new
    assert new_ids == ["d0000000-0000-4000-8000-000000000201", "d0000000-0000-4000-8000-000000000203"]
    first = payload["new_flagged_searches"][0]
    assert "immigration" in first["flags"] and first["first_batch_id"] == 2
    assert "11_30_2025-12_31_2025-Cobb County GA SO-Audit.csv, row" in first["found_in"]
    assert [s["path"].endswith("12_31_2025-Cobb County GA SO-Audit.csv") for s in payload["new_sources"]] == [True]
    assert [a["name"] for a in payload["new_agencies"]] == ["Marietta GA PD"]
    assert payload["counts"] == {"new_sources": 1, "new_agencies": 1, "new_flagged_searches": 2}
    only = run_cli("diff", "--since", "1", "--json", "--flag", "wide_lookup")  # none of these is wide
    assert only.exit_code == 4 and json.loads(only.output)["new_flagged_searches"] == []


@pytest.mark.slow
def test_overlapping_rows_without_ids_are_not_new(run_cli, tmp_path: Path) -> None:
    old = [r[1:11] for r in [row(1, "Cobb County GA SO", NOV30, "ICE detainer"),
                             row(2, "Cobb County GA SO", NOV30 + dt.timedelta(days=3), "ICE hold")]]
    m1 = write_csv(tmp_path / "a" / "11_1_2025-11_30_2025-Cobb County GA SO-Audit.csv", OLD_HEADER, old[:1])
    m2 = write_csv(tmp_path / "b" / "11_30_2025-12_31_2025-Cobb County GA SO-Audit.csv", OLD_HEADER, old)
    run_cli("ingest", str(m1), "-q")
    run_cli("ingest", str(m2), "-q")
    payload = json.loads(run_cli("diff", "--since", "1", "--json").output)
    assert [s["reason"] for s in payload["new_flagged_searches"]] == ["ICE hold"]


@pytest.mark.slow
def test_exit_codes_and_formats(run_cli, two_months) -> None:
    m1, m2 = two_months
    run_cli("ingest", str(m1), "-q")
    nothing = run_cli("diff", "--since", "1")
    assert nothing.exit_code == 0 and "0 new flagged search" in nothing.output
    run_cli("ingest", str(m2), "-q")
    table = run_cli("diff", "--since", "1")
    assert table.exit_code == 3 and "new flagged searches:" in table.output and "Marietta GA PD" in table.output
    as_csv = run_cli("diff", "--since", "1", "--format", "csv")
    lines = list(csv.DictReader(as_csv.output.splitlines()))
    assert {r["section"] for r in lines} == {"new_sources", "new_agencies", "new_flagged_searches"}
    assert run_cli("diff", "--since", "2").exit_code == 0
    unknown = run_cli("diff", "--since", "7")
    assert unknown.exit_code == 1
    assert "no batch 7" in unknown.output and "known batch ids: 1, 2" in unknown.output
    assert len(unknown.output.strip().splitlines()) == 1
    assert run_cli("diff").exit_code == 2  # --since is required: a usage error


@pytest.mark.slow
def test_new_files_without_flags_exit_4(run_cli, tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a" / "11_1_2025-11_30_2025-Cobb County GA SO-Audit.csv", FLOCK_HEADER,
              [row(1, "Cobb County GA SO", NOV30, "theft")])
    b = write_csv(tmp_path / "b" / "12_1_2025-12_31_2025-Cobb County GA SO-Audit.csv", FLOCK_HEADER,
              [row(2, "Cobb County GA SO", NOV30 + dt.timedelta(days=2), "robbery")])
    run_cli("ingest", str(a), "-q")
    run_cli("ingest", str(b), "-q")
    result = run_cli("diff", "--since", "1", "--json")
    assert result.exit_code == 4
    assert json.loads(result.output)["counts"]["new_sources"] == 1


@pytest.mark.slow
def test_samples_second_month_new_flagged_searches(run_cli, store_dir: Path) -> None:
    samples = Path(__file__).resolve().parent.parent / "samples" / "batches"
    month1, month2 = sorted((samples / "month1").glob("*.csv")), sorted((samples / "month2").glob("*.csv"))
    assert month1 and month2, "samples/batches is bundled: missing files are an error, not a skip"
    run_cli("ingest", *map(str, month1), "-q")
    run_cli("ingest", *map(str, month2), "-q")

    def ids(files: list[Path]) -> set[str]:
        found: set[str] = set()
        for f in files:
            with open(f, newline="", encoding="utf-8-sig") as fh:
                found |= {r["ID"] for r in csv.DictReader(fh)}
        return found

    first, second = ids(month1), ids(month2)
    assert first & second  # the months overlap
    from lprlogs.store import Store
    engine = Engine(Store.open(store_dir))
    flagged = {r[0] for r in engine.con.execute(
        "SELECT DISTINCT search_id FROM searches JOIN flags USING (search_key)").fetchall()}
    assert flagged & first & second  # and some overlapping searches are flagged: they must not count as new
    result = run_cli("diff", "--since", "1", "--json")
    got = {s["search_id"] for s in json.loads(result.output)["new_flagged_searches"]}
    assert got == (second - first) & flagged
    assert result.exit_code == (3 if got else 4)
