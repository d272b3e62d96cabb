"""What the report's charts and capped tables say: federal searchers are Federal, months run on with zeros and
a denominator and say when the files cover them in part, a capped table says how much it shows."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import FLOCK_HEADER, flock_time, write_csv

SCHOOL_FILE = "1_15_2025-4_30_2025-Maple Unified School District CA-Network-Audit.csv"


def _row(i: int, org: str, reason: str, when: dt.datetime) -> list[str]:
    return [f"00000000-0000-4000-8000-{i:012d}", f"user{i}", org, "3", "30",
            f"{flock_time(when - dt.timedelta(days=1))}\n{flock_time(when)}", "ABC123", reason, "", "",
            flock_time(when), "Search", "", ""]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A school district's Network Audit (its name gives 15 January to 30 April): 60 police departments
    searched its cameras in January, HSI (federal) and NCRIC (no state in its name) gave immigration reasons
    in January and April; nothing in February or March."""
    from click.testing import CliRunner

    from lprlogs.cli import cli

    base = tmp_path_factory.mktemp("charts")
    jan, apr = dt.datetime(2025, 1, 20, 15), dt.datetime(2025, 4, 10, 15)
    rows = [_row(i, f"Town{i} CA PD", "stolen car", jan + dt.timedelta(hours=i)) for i in range(60)]
    rows += [_row(100, "[Federal] Homeland Security Investigations (HSI)", "ICE removal", jan),
             _row(101, "NCRIC", "assist ICE ERO", apr), _row(102, "Town1 CA PD", "ICE detainer", apr)]
    write_csv(base / "in" / SCHOOL_FILE, FLOCK_HEADER, rows)
    store = base / "store"
    result = CliRunner().invoke(cli, ["analyze", str(base / "in"), "-o", str(base / "out"), "--store", str(store),
                                      "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output

    from lprlogs.engine import Engine
    from lprlogs.engine.report_tables import prepare
    from lprlogs.report.data import collect, finish
    from lprlogs.store import Store

    engine = Engine(Store.open(store))
    try:
        prepare(engine, None)
        data = collect(engine)
        finish(engine)
    finally:
        engine.close()
    return {"data": data, "html": (base / "out" / "index.html").read_text(encoding="utf-8")}


def test_federal_searchers_are_federal_and_unknown_is_counted(report: dict) -> None:
    states = {r["state"]: r for r in report["data"].immigration_by_state.dicts()}
    federal = states["Federal"]
    assert federal["immigration_searches"] + federal["immigration_agency_searches"] == 1  # HSI, in either tier
    assert states["(unknown)"]["immigration_searches"] == 1 and states["(unknown)"]["organisations"] == 1
    assert "(unknown): 1 organisation whose name carries no readable state" in report["html"]
    by_agency = {r["searcher_org"]: r["state"] for r in report["data"].immigration_by_agency.dicts()}
    assert by_agency["[Federal] Homeland Security Investigations (HSI)"] == "Federal"


def test_months_run_on_with_zeros_a_denominator_and_partial_coverage(report: dict) -> None:
    from lprlogs.report.html import month_coverage

    data = report["data"]
    months = data.immigration_by_month.dicts()
    assert [m["month"] for m in months] == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert [m["immigration_searches"] + m["immigration_agency_searches"] for m in months] == [1, 0, 0, 2]
    assert [m["searches"] for m in months] == [61, 0, 0, 2]
    assert sum(m["searches"] for m in data.searches_by_hour.dicts()) == data.headline["searches"] == 63
    assert [m["immigration_per_1000_searches"] is None for m in months] == [False, True, True, False]
    assert months[3]["immigration_per_1000_searches"] == 1000  # both April searches state the purpose
    jan = months[0]
    assert jan["immigration_per_1000_searches"] == round(1000 * jan["immigration_searches"] / 61, 1)
    coverage = month_coverage(data, [m["month"] for m in months])
    assert coverage["2025-01"][0] == "partial" and "17 of its 31 days" in coverage["2025-01"][1]
    assert coverage["2025-02"][0] == "full" and coverage["2025-04"][0] == "full"
    assert "Shaded: 1 month the files cover only in part (2025-01)." in report["html"]
    assert "per 1,000 searches in the logs that month" in report["html"]


def test_capped_tables_say_how_much_they_show(report: dict) -> None:
    html = report["html"]
    assert "Showing 50 of 62 school and searcher pairs" in html
    assert "Showing 15 of 62, largest first; the table below and the workbook (sheet School cameras)" in html


def test_bars_sorted_by_total_and_month_labels_spaced() -> None:
    from lprlogs.report.charts import bar_chart, column_chart, nice_ticks

    rows = [{"org": "A", "x": 5, "y": 0}, {"org": "B", "x": 1, "y": 9}, {"org": "C", "x": 0, "y": 0}]
    chart = bar_chart("t", rows, "org", ["x", "y"])
    assert [b.label for b in chart.bars] == ["B", "A"] and chart.total_labels == 2
    months = [{"month": f"{2020 + i // 12}-{i % 12 + 1:02d}", "x": i} for i in range(60)]
    columns = column_chart("t", months, "month", ["x"])
    drawn = [c for c in columns.columns if c.month]
    assert len(drawn) < 60 and drawn[1].x - drawn[0].x >= 2.6 * columns.font
    assert [t.value for t in columns.ticks][-1] == "60" and len(columns.ticks) >= 4
    assert nice_ticks(7) == [0, 2, 4, 6, 8] and nice_ticks(0.4, 2)[-1] >= 0.4


def test_lede_states_the_findings_with_their_numbers(report: dict) -> None:
    import dataclasses
    import re

    from lprlogs.report.html import lede

    data = report["data"]

    def text(d) -> str:
        return " ".join(re.sub(r"<[^>]+>", "", str(s)) for s in lede(d))

    said = text(data)
    assert f"{data.findings['immigration'].searches} searches stated an immigration-enforcement purpose" in said
    assert f"School-owned cameras were searched {data.findings['school_camera'].searches} times" in said
    assert "the most came from " in said and "&lt;" not in said
    none = dataclasses.replace(data, findings={**data.findings, "immigration": dataclasses.replace(
        data.findings["immigration"], searches=0, rows=0, searcher_orgs=0)})
    assert "No search states an immigration-enforcement purpose." in text(none)
    assert "0 searches" not in text(none)
