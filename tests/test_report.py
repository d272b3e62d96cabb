"""`lprlogs report` and `lprlogs analyze`: the four outputs, read back as a reader would see them."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
from helpers import FORMULA_REASON, SCRIPT_REASON, chromium, write_release

GOLDEN = Path(__file__).resolve().parent / "golden"


def _lprlogs(store: Path, *args: str) -> str:
    """`lprlogs ARGS --store STORE` in-process; its output (the command must succeed)."""
    from click.testing import CliRunner

    from lprlogs.cli import cli

    result = CliRunner().invoke(cli, [*args, "--store", str(store)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A store of two batches (police log, then the school district's), and `analyze` of the second batch
    (the full report). The report's other two runs, `report --since 1` and `report --redact`, are made only
    for the tests that read them (``since``, ``redacted``)."""
    base = tmp_path_factory.mktemp("report")
    store = base / "store"
    write_release(base / "police", base / "school")
    _lprlogs(store, "ingest", str(base / "police"), "-q")
    output = _lprlogs(store, "analyze", str(base / "school"), "-o", str(base / "out"), "-q")
    return {"out": base / "out", "store": store, "output": output}


@pytest.fixture(scope="module")
def since(built: dict[str, Path]) -> Path:
    """`report --since 1` of the built store."""
    out = built["store"].parent / "since"
    _lprlogs(built["store"], "report", "-o", str(out), "--since", "1")
    return out


@pytest.fixture(scope="module")
def redacted(built: dict[str, Path]) -> Path:
    """`report --redact` of the built store (it writes the store's secret.key, which no other report reads)."""
    out = built["store"].parent / "redacted"
    _lprlogs(built["store"], "report", "-o", str(out), "--redact")
    return out


def test_analyze_writes_all_four_outputs(built: dict[str, Path]) -> None:
    out = built["out"]
    for name in ("index.html", "lprlogs-report.xlsx", "brief.md", ".lprlogs-output"):
        assert (out / name).is_file(), name
    assert sorted(p.name for p in (out / "csv").glob("*.csv"))
    assert "index.html" in built["output"]


def test_html_is_self_contained_and_inert(built: dict[str, Path]) -> None:
    html = (built["out"] / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<script" not in html.lower()  # no JS at all, and the hostile reason is escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<link" not in html.lower() and "@import" not in html
    assert re.search(r'id="n-rows">([^<]*)<', html).group(1).strip() == "12"


def test_output_folder_is_never_ingested(built: dict[str, Path], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lprlogs.cli import cli

    store = tmp_path / "store2"
    result = CliRunner().invoke(cli, ["ingest", str(built["out"]), "--store", str(store), "-q"])
    # the report's own folder is recognised and left out: nothing to read is an error, and nothing is stored
    assert result.exit_code == 1 and "no files found" in result.output
    assert ": 0 file(s) ingested," in result.output and "; 0 rows stored, 0 quarantined" in result.output


def test_report_refuses_foreign_nonempty_folder(built: dict[str, Path], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lprlogs.cli import cli

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("my notes")
    result = CliRunner().invoke(cli, ["report", "--store", str(built["store"]), "-o", str(folder)])
    assert result.exit_code != 0 and "not empty" in result.output
    assert "Traceback" not in result.output and (folder / "notes.txt").read_text() == "my notes"
    missing = CliRunner().invoke(cli, ["report", "--store", str(tmp_path / "nostore"), "-o", str(tmp_path / "o")])
    assert missing.exit_code != 0 and "no lprlogs store" in missing.output


def _page_requests(netlog: Path) -> list[str]:
    """Network URLs the PAGE asked for (the browser's own update pings have no origin as initiator)."""
    text = netlog.read_text(errors="replace")
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # a log cut short when the browser exits
        log = json.loads(text.rstrip().rstrip(",") + "]}")
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [e["params"]["url"] for e in log["events"]
            if e.get("type") == start_job and e.get("params", {}).get("initiator") != "not an origin"
            and re.match(r"(https?|wss?|ftp)://", e["params"].get("url", ""))]


@pytest.mark.slow
@pytest.mark.browser
def test_network_check_catches_a_page_request(tmp_path: Path) -> None:
    page = tmp_path / "control.html"
    page.write_text('<p>x</p><img src="http://example.invalid/pixel.png">', encoding="utf-8")
    netlog = tmp_path / "netlog.json"
    chromium([f"--log-net-log={netlog}", "--dump-dom", page.as_uri()], tmp_path)
    assert _page_requests(netlog) == ["http://example.invalid/pixel.png"]


@pytest.mark.slow
@pytest.mark.browser
def test_html_in_chromium_shows_headline_without_network_or_errors(built: dict[str, Path], tmp_path: Path) -> None:
    page = built["out"] / "index.html"
    netlog = tmp_path / "netlog.json"
    result = chromium(["--enable-logging=stderr", "--v=0", f"--log-net-log={netlog}", "--dump-dom",
                        page.as_uri()], tmp_path)
    dom = result.stdout
    assert re.search(r'id="n-rows">\s*12\s*<', dom), dom[:2000]
    assert re.search(r'id="n-searches">\s*10\s*<', dom)
    assert "2025-03-03" in dom and "Immigration-related searches" in dom
    assert "Uncaught" not in result.stderr and "CONSOLE" not in result.stderr
    assert netlog.is_file()
    assert _page_requests(netlog) == []


@pytest.mark.slow
@pytest.mark.browser
def test_html_readable_on_a_phone_and_printable(built: dict[str, Path], tmp_path: Path) -> None:
    shot = tmp_path / "phone.png"
    chromium(["--window-size=390,2000", f"--screenshot={shot}", (built["out"] / "index.html").as_uri()], tmp_path)
    assert shot.is_file() and shot.stat().st_size > 10_000
    html = (built["out"] / "index.html").read_text(encoding="utf-8")
    assert 'name="viewport"' in html and "@media print" in html


def test_workbook_typed_filterable_and_inert(built: dict[str, Path]) -> None:
    import openpyxl

    book = openpyxl.load_workbook(built["out"] / "lprlogs-report.xlsx")
    assert book.sheetnames[:2] == ["Summary", "Findings"]
    assert "immigration" in book.sheetnames
    seen_formula_text = False
    for sheet in book.worksheets:
        assert not sheet._hyperlinks, sheet.title
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert cell.hyperlink is None
                if isinstance(cell.value, str):
                    assert not re.match(r"[=+@\t\r]|-[A-Za-z]", cell.value), cell.value
                    seen_formula_text |= cell.value == "'" + FORMULA_REASON
    assert seen_formula_text
    sheet = book["immigration"]
    header = [c.value for c in sheet[1]]
    assert sheet.auto_filter.ref
    first = dict(zip(header, [c.value for c in sheet[2]], strict=False))
    assert isinstance(first["Search time (UTC unless the time basis says otherwise)"], dt.datetime)
    assert isinstance(first["Networks searched"], int | float)
    assert isinstance(first["Row (header = 1)"], int | float)
    column = header.index("Reason, as typed")
    assert SCRIPT_REASON in [row[column].value for row in sheet.iter_rows(min_row=2)]


def _flag_csvs(folder: Path) -> list[Path]:
    """The per-finding CSV files (not by_agency.csv, which counts rows by organisation)."""
    return [p for p in sorted((folder / "csv").glob("*.csv")) if p.name != "by_agency.csv"]


def test_csv_every_row_formula_safe(built: dict[str, Path]) -> None:
    rows = []
    for path in _flag_csvs(built["out"]):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows += list(csv.DictReader(fh))
    with open(built["out"] / "csv" / "by_agency.csv", encoding="utf-8-sig", newline="") as fh:
        by_agency = list(csv.DictReader(fh))
    assert by_agency
    for r in by_agency:
        for value in r.values():
            assert not re.match(r"[=+@\t\r]|-[A-Za-z]", value), value
    reasons = {r["reason"] for r in rows}
    assert "'" + FORMULA_REASON in reasons and FORMULA_REASON not in reasons
    assert SCRIPT_REASON in reasons  # a CSV cell is not markup: kept verbatim, it cannot run
    assert all(r["source_file"].endswith("Network-Audit.csv") and r["source_row"] for r in rows)
    for r in rows:
        for value in r.values():
            assert not re.match(r"[=+@\t\r]|-[A-Za-z]", value), value


def test_brief_golden(built: dict[str, Path]) -> None:
    brief = (built["out"] / "brief.md").read_text(encoding="utf-8")
    golden = GOLDEN / "report_brief.md"
    if os.environ.get("LPRLOGS_UPDATE_GOLDEN"):
        golden.write_text(brief, encoding="utf-8")
    assert brief == golden.read_text(encoding="utf-8")
    # hostile reasons are code spans: no raw HTML, no link
    assert "`ICE detainer <script>alert(1)</script>`" in brief
    assert "<script>" not in brief.replace("`ICE detainer <script>alert(1)</script>`", "")


@pytest.mark.slow
def test_since_restricts_to_newer_batches_and_says_so(built: dict[str, Path], since: Path, run_cli,
                                                       tmp_path: Path) -> None:
    html = (since / "index.html").read_text(encoding="utf-8")
    assert re.search(r'id="n-searches">\s*1\s*<', html)  # only the school log's new search
    assert re.search(r'id="n-rows">\s*1\s*<', html)
    assert 'id="since"' in html and "after ingest batch 1" in html
    assert "after batch 1" in (since / "brief.md").read_text(encoding="utf-8")
    result = run_cli("report", "--store", str(built["store"]), "-o", str(tmp_path / "x"), "--since", "7")
    assert result.exit_code != 0 and "no batch 7" in result.output


@pytest.mark.slow
def test_redact_banner(redacted: Path) -> None:
    html = (redacted / "index.html").read_text(encoding="utf-8")
    assert 'id="redacted"' in html and "This report is redacted" in html
    assert "This report is redacted" in (redacted / "brief.md").read_text(encoding="utf-8").replace("**", "")


def test_escape_rule_is_the_same_in_python_and_sql() -> None:
    import duckdb

    from lprlogs.report.escape import md_code, neutralize, neutralize_sql

    samples = ["=1+1", "+1", "-A1", "-5", "- note", "@SUM(A1)", "\tx", "\rx", "plain", "", "'=x", " =x",
               '=HYPERLINK("http://x","y")', "ICE detainer"]
    con = duckdb.connect()
    got = [con.execute(f"SELECT {neutralize_sql('$v')}", {"v": s}).fetchall()[0][0] for s in samples]
    assert got == [neutralize(s) for s in samples]
    assert [neutralize(s)[:2] for s in samples[:4]] == ["'=", "'+", "'-", "'-"]  # OWASP: any leading minus
    assert neutralize(5) == 5 and neutralize(None) is None
    from lprlogs.report.escape import _FORMULA_START, FORMULA_FIRST_CHARACTERS

    starts = {chr(i) for i in range(0x10000) if _FORMULA_START.match(chr(i) + "A1") or
              _FORMULA_START.match(chr(i) + "=A1")}
    assert starts == set(FORMULA_FIRST_CHARACTERS)  # the SQL prefilter never hides a match
    assert md_code("a`b") == "``a`b``" and md_code("") == "(blank)"


@pytest.mark.slow
def test_csv_rows_stay_in_time_order_through_the_parallel_writer(tmp_path: Path) -> None:
    """The flag CSVs are sorted at the top of their COPY: DuckDB's parallel CSV writer reordered rows
    read in stored order (or sorted in a subquery) under the neutralising projection."""
    import duckdb

    from lprlogs.report.spreadsheets import _write_csv

    con = duckdb.connect(config={"threads": 4})
    con.execute("SET TimeZone = 'UTC'")
    source = tmp_path / "rows.parquet"
    con.execute(
        "COPY (SELECT TIMESTAMPTZ '2025-11-01 00:00:00+00' + to_seconds(i) AS search_time, "
        "CASE WHEN i % 7 = 0 THEN '=HYPERLINK(\"x\")' ELSE 'reason ' || CAST(i AS VARCHAR) END AS reason, "
        "'key' || lpad(CAST(i AS VARCHAR), 8, '0') AS search_key, i AS source_row FROM range(300000) t(i)) "
        f"TO '{source}' (FORMAT parquet, ROW_GROUP_SIZE 20000)").fetchall()

    class _Engine:
        def relation(self, sql: str, params: object = None) -> duckdb.DuckDBPyRelation:
            return con.sql(sql)

    target = _write_csv(_Engine(), f"SELECT * FROM read_parquet('{source}')", None,  # type: ignore[arg-type]
                        tmp_path / "out.csv", order_by="src.search_time NULLS LAST, src.search_key")
    with open(target, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 300_000
    assert [int(r["source_row"]) for r in rows] == list(range(300_000))
    assert rows[0]["search_time"] == "2025-11-01 00:00:00"
    assert rows[7]["reason"] == "'=HYPERLINK(\"x\")" and rows[8]["reason"] == "reason 8"


def test_csv_and_workbook_rows_in_search_time_order(built: dict[str, Path]) -> None:
    """report_flags is grouped by flag only; every reader orders its own rows by search time."""
    import openpyxl

    paths = _flag_csvs(built["out"])
    assert paths
    for path in paths:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            times = [r["search_time"] for r in csv.DictReader(fh)]
        assert times == sorted(times), path.name
    book = openpyxl.load_workbook(built["out"] / "lprlogs-report.xlsx", read_only=True)
    checked = 0
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        if not rows or rows[0][:1] != ("Search time (UTC unless the time basis says otherwise)",):
            continue
        times = [r[0] for r in rows[1:] if isinstance(r[0], dt.datetime)]
        assert times == sorted(times), sheet.title
        checked += len(times) > 1
    assert checked


@pytest.mark.slow
def test_csv_cap_said_everywhere_and_zero_means_every_row(built: dict[str, Path], tmp_path: Path) -> None:
    """-p csv_rows_per_flag=1: each CSV keeps its first row by search time; the page, the workbook and the
    brief say how many rows the CSV holds; by_agency.csv still counts every row; 0 writes every row."""
    import openpyxl
    from click.testing import CliRunner

    from lprlogs.cli import cli

    def report(out: Path, cap: str) -> None:
        result = CliRunner().invoke(cli, ["report", "-o", str(out), "--store", str(built["store"]),
                                          "-p", f"csv_rows_per_flag={cap}"], catch_exceptions=False)
        assert result.exit_code == 0, result.output

    report(tmp_path / "capped", "1")
    report(tmp_path / "every", "0")
    with open(built["out"] / "csv" / "immigration.csv", encoding="utf-8-sig", newline="") as fh:
        uncapped = list(csv.DictReader(fh))  # the default cap (100,000) keeps all of this small release
    assert len(uncapped) > 1
    with open(tmp_path / "capped" / "csv" / "immigration.csv", encoding="utf-8-sig", newline="") as fh:
        capped = list(csv.DictReader(fh))
    assert capped == uncapped[:1]
    with open(tmp_path / "every" / "csv" / "immigration.csv", encoding="utf-8-sig", newline="") as fh:
        assert list(csv.DictReader(fh)) == uncapped
    with open(tmp_path / "capped" / "csv" / "by_agency.csv", encoding="utf-8-sig", newline="") as fh:
        by_agency = [r for r in csv.DictReader(fh) if r["flag"] == "immigration"]
    assert sum(int(r["rows"]) for r in by_agency) == len(uncapped)

    html = (tmp_path / "capped" / "index.html").read_text(encoding="utf-8")
    assert "the first 1 are in <code>csv/immigration.csv</code>" in html
    assert "csv_rows_per_flag=0" in html
    assert "the first 1 rows of each finding by search time" in (tmp_path / "capped" / "brief.md").read_text("utf-8")
    sheet = openpyxl.load_workbook(tmp_path / "capped" / "lprlogs-report.xlsx", read_only=True)["Findings"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    immigration = next(r for r in rows[1:] if r[0] == "immigration")
    assert immigration[header.index("rows in csv")] == 1 and immigration[header.index("rows")] == len(uncapped)


@pytest.mark.slow
def test_workbook_school_and_immigration_sheet_capped_like_a_finding(built: dict[str, Path], tmp_path: Path) -> None:
    """-p xlsx_rows_per_flag=1: the School and immigration sheet holds its first row by search time and says how
    many there are; csv/school_and_immigration.csv keeps every one."""
    import openpyxl
    from click.testing import CliRunner

    from lprlogs.cli import cli

    result = CliRunner().invoke(cli, ["report", "-o", str(tmp_path / "out"), "--store", str(built["store"]),
                                      "-p", "xlsx_rows_per_flag=1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with open(tmp_path / "out" / "csv" / "school_and_immigration.csv", encoding="utf-8-sig", newline="") as fh:
        every = list(csv.DictReader(fh))
    assert len(every) == 2
    sheet = openpyxl.load_workbook(tmp_path / "out" / "lprlogs-report.xlsx", read_only=True)["School and immigration"]
    rows = [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]
    assert rows[0][0] == "1 of 2 rows shown (the first by search time); csv/school_and_immigration.csv has every one"
    assert rows[1][0] == "Search time (UTC)"  # every row of this store was written in UTC
    assert rows[2][rows[1].index("search_key (lprlogs)")] == every[0]["search_key"]
    assert len(rows) == 3


def test_csvs_open_in_excel_as_utf8(built: dict[str, Path], tmp_path: Path) -> None:
    """Every CSV file starts with a byte-order mark (Excel reads UTF-8 only then: `inmigración` stayed
    `inmigraciÃ³n`); the names scripts read stay the same."""
    from lprlogs.report.data import Table
    from lprlogs.report.spreadsheets import write_table_csv

    for path in sorted((built["out"] / "csv").glob("*.csv")):
        head = path.read_bytes()[:40]
        assert head.startswith(b"\xef\xbb\xbf") and head.count(b"\xef\xbb\xbf") == 1, path.name
    with open(built["out"] / "csv" / "immigration.csv", encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh))
    assert header[:3] == ["search_time", "producer", "log_kind"] and "search_id" in header
    table = write_table_csv(Table(["reason"], [("apoyo a inmigración",)]), tmp_path / "t.csv")
    assert table.read_bytes() == "\ufeffreason\r\napoyo a inmigración\r\n".encode()


def test_workbook_headers_frozen_sized_and_cited(built: dict[str, Path]) -> None:
    import openpyxl

    book = openpyxl.load_workbook(built["out"] / "lprlogs-report.xlsx")
    for sheet in book.worksheets:
        assert sheet.freeze_panes, sheet.title
        assert sheet.print_title_rows, sheet.title
    sheet = book["immigration"]
    header = [c.value for c in sheet[1]]
    assert "Search ID (Flock)" in header and "Row (header = 1)" in header and "search_time" not in header
    ids = [row[header.index("Search ID (Flock)")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ids and all(ids)
    when = chr(ord("A") + header.index("Search time (UTC unless the time basis says otherwise)"))
    assert sheet.column_dimensions[when].width >= 19  # yyyy-mm-dd hh:mm:ss, not #####
    both = book["School and immigration"]
    assert "Search ID (Flock)" in [c.value for c in both[1]]
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r[0] and r[1] is not None}
    html = (built["out"] / "index.html").read_text(encoding="utf-8")
    assert re.search(r'id="n-files">([^<]*)<', html).group(1) == f"{summary['files with searches']:,}"
    assert f"of {summary['files read (with reference and sharing lists, and files without rows)']:,} read" in html
    notes = " ".join(str(r[0]) for r in book["Summary"].iter_rows(values_only=True) if r[0])
    assert "the header being row 1" in notes and "Times are UTC" in notes


@pytest.mark.slow
def test_workbook_links_a_citation_to_the_file_beside_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the folder that holds the release, the workbook's File cells link to the files, relatively."""
    from urllib.parse import unquote

    import openpyxl
    from click.testing import CliRunner

    from lprlogs.cli import cli

    write_release(tmp_path / "release")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["analyze", "release", "-o", "out", "--store", "store", "-q"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(tmp_path / "out" / "lprlogs-report.xlsx")["immigration"]
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("File")] for row in sheet.iter_rows(min_row=2)]
    assert cells and all(c.hyperlink for c in cells)
    for cell in cells:
        target = unquote(cell.hyperlink.target.replace("\\", "/"))
        assert not Path(target).is_absolute() and (tmp_path / "out" / target).resolve().is_file()
        assert (tmp_path / "out" / target).resolve() == (tmp_path / cell.value).resolve()
    others = [c for row in sheet.iter_rows(min_row=2) for c in row if c.hyperlink and c.column != header.index("File") + 1]
    assert others == []


@pytest.mark.slow
def test_redacted_report_names_only_the_store_folder(built: dict[str, Path], redacted: Path) -> None:
    html = (redacted / "index.html").read_text(encoding="utf-8")
    assert str(built["store"]) not in html and str(built["store"].parent) not in html
    assert f"from the store <code>{built['store'].name}</code>" in html
