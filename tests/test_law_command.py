"""`lprlogs law`: the rules in force for the store's producers, with confidence and review status."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from helpers import write_searches

# slow: each test runs `law` or a report query over its own store (1-2 s)
pytestmark = pytest.mark.slow

UTC = dt.UTC


def test_law_lists_each_producers_rules_in_force(store_dir: Path, run_cli: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # the table is as wide as the terminal: names must not wrap here
    for producer, when in (("Mountain View CA PD", dt.datetime(2017, 6, 1, tzinfo=UTC)),
                           ("Mountain View CA PD", dt.datetime(2025, 6, 1, tzinfo=UTC)),
                           ("Houston TX PD", dt.datetime(2025, 6, 1, tzinfo=UTC)),
                           ("Portland OR PD", dt.datetime(2026, 4, 1, tzinfo=UTC)),
                           ("Springfield PD", dt.datetime(2025, 6, 1, tzinfo=UTC))):
        write_searches(store_dir, [{"searcher_org": "Houston TX PD", "search_time": when, "reason": "theft"}],
                       producer=producer, name=f"1_1_2017-1_2_2026-{producer}-{when.year}-Network-Audit.csv")
    result = run_cli("law", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    got = [(r["producer"], r["state"], r["effective_from"], r["reviewed"], r["flags_at_this_level"]) for r in rows]
    assert got == [
        ("Houston TX PD", "TX", "", "yes", ""),  # checked: no Texas ALPR statute was enacted
        ("Mountain View CA PD", "CA", "2016-01-01", "yes", "out_of_state, federal, no_purpose"),
        ("Mountain View CA PD", "CA", "2018-01-01", "yes", "out_of_state, federal, immigration, no_purpose"),
        ("Portland OR PD", "OR", "2026-03-31", "yes", ""),  # reviewed: the text was not read, so every rule is low
        ("Springfield PD", "", "", "", ""),
    ]
    laws = {r["producer"]: r["law"] for r in rows}
    assert laws["Houston TX PD"] == "no state ALPR law found (as of late 2026)"
    assert laws["Springfield PD"] == "state unknown: no state law compared"
    assert rows[1]["what_was_checked"].startswith("lprlogs h-law session")
    low = list(csv.DictReader(io.StringIO(run_cli("law", "--format", "csv", "-p", "law_confidence=low").output)))
    assert low[3]["flags_at_this_level"] == "retention, out_of_state, federal, immigration, no_purpose"
    table = run_cli("law")
    assert table.exit_code == 0 and "what_was_checked" not in table.output
    assert table.output.count("Mountain View") == 2 and "2016-01" in table.output
    bad = run_cli("law", "-p", "law_confidence=sure")
    assert bad.exit_code != 0 and "law_confidence must be high, medium or low" in bad.output


def test_the_report_query_runs_alone(store_dir: Path, run_cli: Any) -> None:
    write_searches(store_dir, [{"searcher_org": "[Federal] Federal Bureau of Investigation (FBI)", "reason": "fraud",
                                "search_time": dt.datetime(2025, 6, 1, tzinfo=UTC)}], producer="Mountain View CA PD")
    write_searches(store_dir, [{"searcher_org": "Chicago IL PD", "reason": "ICE detainer",
                                "search_time": dt.datetime(2025, 6, 1, tzinfo=UTC)}], producer="Houston TX PD",
                   name="1_1_2025-1_2_2025-Houston TX PD-Network-Audit.csv")
    sql = (Path(__file__).parent.parent / "queries" / "reports" / "state_law.sql").read_text(encoding="utf-8")
    result = run_cli("query", "-", "--format", "csv", input=sql)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["producer"], r["flag"], r["searches"], r["law_state"], r["effective_from"], r["confidence"])
            for r in rows] == [
        ("Houston TX PD", "state_law_immigration", "1", "IL", "2024-01-01", "high"),  # by the searcher's state
        ("Mountain View CA PD", "state_law_federal", "1", "CA", "2018-01-01", "high")]
    assert rows[1]["questions"].startswith("Who granted these federal accounts access")
