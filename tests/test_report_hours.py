"""The hour of day in the report is the producer's local hour (with daylight saving time), UTC beside it, and
searches whose producer's zone is unknown are counted apart: in the report's data, the page, the workbook and
the report file run alone."""

from __future__ import annotations

import pytest
from helpers import flock_row, write_flock_csv

# Irvine CA PD's cameras: California keeps one zone, America/Los_Angeles (UTC-7 in July, UTC-8 in January)
IRVINE = "1_1_2025-12_31_2025-Irvine CA PD-Network-Audit.csv"
# a producer whose name gives no state: its zone is not known
TASK_FORCE = "1_1_2025-12_31_2025-Metro Task Force-Network-Audit.csv"


def _rows(prefix: int, when: str, count: int, reason: str = "stolen vehicle") -> list[str]:
    return [flock_row(reason=reason, org=f"Town{i} TX PD", search_time=when,
                      search_id=f"00000000-0000-4000-8000-{prefix:04d}{i:08d}") for i in range(count)]


@pytest.fixture(scope="module")
def hours(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """At 03:00 UTC: 3 searches of Irvine's cameras in July (20:00 local), 2 in January (19:00 local, one of them
    for ICE), and 4 of the task force's (zone unknown, one for ICE)."""
    from click.testing import CliRunner

    from lprlogs.cli import cli
    from lprlogs.engine import Engine
    from lprlogs.engine.report_tables import prepare
    from lprlogs.report.data import collect, finish
    from lprlogs.report.html import render_html
    from lprlogs.report.spreadsheets import write_workbook
    from lprlogs.store import Store

    base = tmp_path_factory.mktemp("hours")
    july, january = "07/15/2025, 03:10:00 AM UTC", "01/15/2025, 03:20:00 AM UTC"
    write_flock_csv(base / "in", IRVINE, _rows(1, july, 3) + _rows(2, january, 1)
                    + _rows(3, january, 1, reason="ICE removal"))
    write_flock_csv(base / "in", TASK_FORCE, _rows(4, july, 3) + _rows(5, july, 1, reason="ICE removal"))
    store = base / "store"
    result = CliRunner().invoke(cli, ["ingest", "-q", "--store", str(store), str(base / "in")])
    assert result.exit_code == 0, result.output
    engine = Engine(Store.open(store))
    try:
        zones = dict(engine.con.execute("SELECT producer, any_value(local_zone) FROM searches GROUP BY 1").fetchall())
        assert zones == {"Irvine CA PD": "America/Los_Angeles", "Metro Task Force": None}
        prepare(engine, None)
        try:
            data = collect(engine)
            workbook = write_workbook(engine, data, base / "book.xlsx")
        finally:
            finish(engine)
    finally:
        engine.close()
    return {"data": data, "html": render_html(data), "store": store, "workbook": workbook}


def _by(table, column: str) -> dict:
    return {r[column]: r for r in table.dicts()}


def test_utc_0300_is_1900_or_2000_in_los_angeles_and_unknown_zones_apart(hours: dict) -> None:
    data = hours["data"]
    local = _by(data.searches_by_local_hour, "local_hour")
    assert list(local) == [f"{h:02d}" for h in range(24)] + ["zone unknown"]
    assert local["20"]["searches"] == 3 and local["20"]["immigration_searches"] == 0  # July: PDT, UTC-7
    assert local["19"]["searches"] == 2 and local["19"]["immigration_searches"] == 1  # January: PST, UTC-8
    assert local["zone unknown"]["searches"] == 4 and local["zone unknown"]["immigration_searches"] == 1
    assert local["03"]["searches"] == 0
    assert sum(r["searches"] for r in local.values()) == data.headline["searches"] == 9
    utc = _by(data.searches_by_hour, "hour")
    assert utc["03"]["searches"] == 9 and utc["03"]["immigration_searches"] == 2  # UTC kept, every search in it
    assert utc["19"]["searches"] == utc["20"]["searches"] == 0


def test_the_page_draws_local_hours_and_says_what_it_leaves_out(hours: dict) -> None:
    html = hours["html"]
    assert "Immigration-related searches by hour of day, in the local time of the cameras&#39; agency" in html
    assert ("Not shown: 4 searches whose producer&#39;s time zone is not known (1 stating an immigration purpose, "
            "0 naming an immigration agency): the table below has them") in html
    assert "<title>19: 1 immigration purpose stated</title>" in html
    assert "<title>20: 3 " not in html  # no immigration search at 20:00
    table = html[html.index('id="hours-table"'):]
    table = table[:table.index("</details>")]
    # local 19:00: 1 purpose stated, 0 agency named, 2 searches; UTC 19:00: none
    assert ('<td class="when">19:00</td><td class="n">1</td><td class="n">0</td><td class="n">2</td>'
            '<td class="n">0</td><td class="n">0</td><td class="n">0</td>') in table
    assert ('<td class="when">03:00</td><td class="n">0</td><td class="n">0</td><td class="n">0</td>'
            '<td class="n">2</td><td class="n">0</td><td class="n">9</td>') in table
    assert ('<td class="when">zone unknown</td><td class="n">1</td><td class="n">0</td><td class="n">4</td>'
            '<td class="n">–</td>') in table


@pytest.mark.slow
def test_the_report_file_run_alone_gives_the_same_hours(hours: dict, run_cli) -> None:
    import csv
    import io

    from lprlogs.engine import queries_dir

    sql = queries_dir() / "reports" / "immigration_by_time.sql"
    result = run_cli("query", str(sql), "--format", "csv", "--store", str(hours["store"]))
    assert result.exit_code == 0, result.output
    rows = [r for r in csv.DictReader(io.StringIO(result.output)) if r["per"] == "local_hour"]
    alone = {r["period"]: (int(r["immigration_searches"]), int(r["searches"])) for r in rows}
    report = {r["local_hour"]: (r["immigration_searches"], r["searches"])
              for r in hours["data"].searches_by_local_hour.dicts()}
    assert alone == report and alone["19"] == (1, 2) and alone["zone unknown"] == (1, 4)


def test_the_workbook_sheet_says_local(hours: dict) -> None:
    import openpyxl

    book = openpyxl.load_workbook(hours["workbook"], read_only=True)
    assert "Immigration by hour (UTC)" not in book.sheetnames
    rows = list(book["Immigration by hour (local)"].iter_rows(values_only=True))
    assert rows[0][0].startswith("Hours of the day in the local time")
    assert rows[1][0] == "Hour (local time of the cameras' agency)" and "Searches that hour in UTC" in rows[1]
    nineteen = next(r for r in rows if r[0] == "19")
    assert nineteen[1:4] == (1, 0, 2)


@pytest.mark.slow
def test_local_times_written_without_a_zone_are_at_the_hour_written(run_cli, tmp_path) -> None:
    """A Vigilant audit of a producer whose zone is unknown holds local times as written: its searches are in the
    local-hour chart at those hours (the same hours as the table's UTC column, where they are as written too), none
    under 'zone unknown', and the page says so."""
    import shutil

    from helpers import SAMPLES

    from lprlogs.engine import Engine
    from lprlogs.engine.report_tables import prepare
    from lprlogs.report.data import collect, finish
    from lprlogs.store import Store

    release = tmp_path / "release"
    release.mkdir()
    shutil.copy(next((SAMPLES / "vigilant").glob("*.xlsx")), release / "alpr-audits-irvine-police-department-1_doc5.xlsx")
    store = tmp_path / "store"
    assert run_cli("ingest", "-q", "--store", str(store), str(release)).exit_code == 0
    engine = Engine(Store.open(store))
    prepare(engine, None)
    try:
        data = collect(engine)
    finally:
        finish(engine)
    local = {r["local_hour"]: int(r["searches"]) for r in data.searches_by_local_hour.dicts()}
    utc = {r["hour"]: int(r["searches"]) for r in data.searches_by_hour.dicts()}
    assert local.pop("zone unknown") == 0
    assert sum(local.values()) == 300 and local == utc
    out = tmp_path / "report"
    assert run_cli("report", "--store", str(store), "-o", str(out)).exit_code == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "300 rows of local time written without a zone are at the hour written" in page
