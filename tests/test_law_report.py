"""The report's state-law section and methodology rows, and the state-law paragraph of the follow-up letters."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from helpers import write_searches

from lprlogs.engine import Engine
from lprlogs.report import law_section
from lprlogs.store import Store

# slow: each test writes a store and builds a report or letters (1.5-2 s)
pytestmark = pytest.mark.slow

UTC = dt.UTC


def write_release(store_dir: Path) -> None:
    when = dt.datetime(2025, 3, 1, tzinfo=UTC)
    write_searches(store_dir, [
        {"searcher_org": "Houston TX PD", "search_time": when, "reason": "ICE detainer"},
        {"searcher_org": "Houston TX PD", "search_time": when, "reason": "theft"},
        {"searcher_org": "[Federal] Federal Bureau of Investigation (FBI)", "search_time": when, "reason": "fraud"},
    ], producer="Mountain View CA PD")
    write_searches(store_dir, [{"searcher_org": "Austin TX PD", "search_time": when, "reason": ""}],
                   producer="Houston TX PD", name="1_1_2025-1_2_2025-Houston TX PD-Network-Audit.csv")


def test_report_section_per_producer_with_rule_counts_and_the_law_rows_in_the_methodology(
        store_dir: Path, tmp_path: Path) -> None:
    from lprlogs.report import build_report

    write_release(store_dir)
    engine = Engine(Store.open(store_dir))
    try:
        files = build_report(engine, tmp_path / "report")
        columns, alone = engine.query(law_section.state_law_sql(engine))  # the SQL file as lprlogs query runs it
    finally:
        engine.close()
    # the report reads the flags it computed once; the same rows as the file run alone
    assert [dict(zip(columns, r, strict=True)) for r in alone] == [
        r for rows in files.data.state_law["producers"].values() for r in rows]
    page = files.html.read_text(encoding="utf-8")
    section = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page[page.index('id="state-law"'):page.index('id="rows"')]))
    assert "Houston TX PD (TX): no state law found to compare with" in section
    assert "no state ALPR law found (as of late 2026)." in section
    assert ("state_law_out_of_state Cal. Civ. Code §§ 1798.90.5-.55 (SB 34, 2015); Gov. Code § 7284.6 (SB 54, "
            "California Values Act): out-of-state sharing banned: ") in section
    # two Houston searches of Mountain View: two searches, one agency
    assert re.search(r"2018-01-01 \(CA\) high 2 1 Houston TX PD \(2\)", section)
    assert "possible conflicts, not findings of a violation" in section
    assert "written declaration" in section or "Which exception" in section or "which exception" in section
    methodology = page[page.index('id="methodology"'):]
    assert "State-law table rows used" in methodology and "lprlogs h-law session" in methodology
    rows = files.data.state_law["producers"]["Mountain View CA PD"]
    assert {r["flag"]: r["searches"] for r in rows} == {"state_law_out_of_state": 2, "state_law_federal": 1,
                                                        "state_law_immigration": 1}


def test_followup_writes_a_state_law_letter_to_a_producer_with_possible_conflicts(store_dir: Path, tmp_path: Path,
                                                                                  run_cli) -> None:  # noqa: ANN001
    write_release(store_dir)
    out = tmp_path / "letters"
    result = run_cli("followup", "-o", str(out), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert ("state_law,Mountain View Police Department,CA,Cal. Gov. Code § 7920.000 et seq.,4,"
            "state-law-mountain-view-police-department-ca.md") in result.output
    letter = (out / "state-law-mountain-view-police-department-ca.md").read_text(encoding="utf-8")
    assert "Mountain View Police Department" in letter.split("Dear ")[0]  # addressed by its display name
    assert 'shown in the logs as "Mountain View CA PD"' in letter
    assert "California Public Records Act" in letter or "Public Records" in letter
    assert "**Cal. Civ. Code §§ 1798.90.5-.55 (SB 34, 2015)" in letter  # nothing here changes the rendering
    assert "(CA rule in effect from 2018-01-01)" in letter
    assert "possible conflicts, not findings of a violation" in letter
    assert "written declaration, certification or request the law requires" in letter
    assert "dates each began and was revoked" in letter
    assert not list(out.glob("state-law-houston*"))  # no state law found for Texas
