"""A flag is defined in one place, its SQL file's header: the strict header parser, typed parameters checked
before any work, docs/flags.md generated from the headers, a new flag file reaching the report, the brief,
`lprlogs flags --list` and the docs, the shared macros, and the report's SQL files run alone."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from helpers import ROOT, flock_row, write_flock_csv

from lprlogs.docs_gen import FLAGS_MD, REGENERATE, render_flags_md
from lprlogs.engine import Engine, catalog
from lprlogs.engine.catalog import (
    FLAG_KEYS_REQUIRED,
    FLAG_SECTIONS,
    PARAM_TYPES,
    flag_specs,
    load_macros,
    parameters,
    parse_header,
    queries_dir,
)
from lprlogs.errors import LprlogsError
from lprlogs.store import Store

NAME = "11_1_2025-11_30_2025-Mountain View CA PD-Network-Audit.csv"
HEADER = """-- flag: {name}
-- title: Test flag
-- section: accountability
-- answers: which rows a test
--   flags.
-- evidence: producer "X"
-- param: test_days = 7 (integer) how many days
-- limits: none.
"""


def test_every_flag_file_has_the_header_keys_its_name_a_known_section_and_typed_params() -> None:
    files = sorted(p for p in (queries_dir() / "flags").glob("*.sql") if not p.name.startswith("_"))
    specs = {spec.name: spec for spec in flag_specs()}
    assert [p.stem for p in files] == sorted(specs) and len(files) >= 14
    for path in files:
        spec = specs[path.stem]
        assert spec.sql_file.keys["flag"] == path.stem
        assert all(spec.sql_file.keys.get(key) for key in FLAG_KEYS_REQUIRED), path.name
        assert spec.section in FLAG_SECTIONS and spec.title and spec.answers and spec.evidence and spec.limits
        for param in spec.params:
            assert param.type in PARAM_TYPES and param.doc, (path.name, param.name)
            param.literal(param.default)
    declared = parameters()
    assert {"retention_days", "wide_lookup_networks", "drop_terms", "drop_vague_terms", "csv_rows_per_flag"} <= set(
        declared)
    assert declared["retention_days"].type == "integer" and declared["drop_terms"].type == "terms"


@pytest.mark.parametrize(("text", "message", "line"), [
    (HEADER.replace("-- limits: none.", "-- color: red\n-- limits: none."), "unknown header key 'color'", 8),
    (HEADER.replace("-- limits: none.\n", ""), "header has no limits", None),
    (HEADER.replace("test_days = 7 (integer)", "test_days=7"), "malformed param line", 7),
    (HEADER.replace("(integer)", "(days)"), "malformed param line", 7),
    (HEADER.replace("test_days = 7 (integer)", "test_days = seven (integer)"), "must be a whole number", 7),
    (HEADER.replace("-- title: Test flag", "-- title: Test flag\n-- title: again"), "given twice", 3),
    (HEADER.replace("-- evidence:", "--evidence:"), "neither '-- key: value' nor a continuation", 6),
])
def test_the_header_parser_is_strict_and_names_the_file_and_line(text: str, message: str, line: int | None) -> None:
    path = Path("queries/flags/test_flag.sql")
    with pytest.raises(LprlogsError) as raised:
        parse_header(path, text.format(name="test_flag") + "SELECT 1\n", "flag")
    assert message in raised.value.message and raised.value.path == str(path)
    assert raised.value.line == line


def test_a_flag_header_naming_another_file_or_section_is_refused(tmp_path: Path, monkeypatch: Any) -> None:
    flags = tmp_path / "flags"
    flags.mkdir()
    monkeypatch.setattr(catalog, "queries_dir", lambda: tmp_path)
    (flags / "one.sql").write_text(HEADER.format(name="two") + "SELECT 1\n")
    with pytest.raises(LprlogsError, match=r"one\.sql: header says flag 'two' but the file is one\.sql"):
        flag_specs()
    (flags / "one.sql").write_text(HEADER.format(name="one").replace("accountability", "weather") + "SELECT 1\n")
    with pytest.raises(LprlogsError, match="unknown section 'weather'"):
        flag_specs()


def test_docs_flags_md_is_generated_from_the_headers() -> None:
    current = FLAGS_MD.read_text(encoding="utf-8") if FLAGS_MD.exists() else ""
    assert current == render_flags_md(), f"docs/flags.md is out of date: run `{REGENERATE}` and commit it"
    for spec in flag_specs():
        assert f"(`{spec.name}`)" in current and spec.limits in current


def _ingest(run_cli: Any, tmp_path: Path) -> None:
    rows = [flock_row(reason="ICE detainer"), flock_row(reason="inv", org="DNU - Houston TX PD"),
            flock_row(reason="stolen vehicle", org="Houston Police Department", networks=500)]
    write_flock_csv(tmp_path / "in", NAME, rows)
    assert run_cli("ingest", str(tmp_path / "in"), "-q").exit_code == 0


@pytest.mark.slow
def test_parameters_are_typed_and_checked_before_any_work(run_cli: Any, tmp_path: Path, store_dir: Path) -> None:
    _ingest(run_cli, tmp_path)
    out = tmp_path / "report"
    for command in (["report", "-o", str(out)], ["flags"], ["query", "select 1"], ["followup", "-o", str(out)]):
        wrong = run_cli(*command, "-p", "retention_days=thirty")
        assert wrong.exit_code == 1, wrong.output
        assert wrong.output.strip().splitlines() == [
            "Error: parameter retention_days must be a whole number, e.g. 30 (integer), got 'thirty' "
            "(hint: e.g. -p retention_days=30)"]
        unknown = run_cli(*command, "-p", "retension_days=90")
        assert unknown.exit_code == 1 and len(unknown.output.strip().splitlines()) == 1
        assert "unknown parameter retension_days; known parameters: " in unknown.output
        assert "retention_days (integer)" in unknown.output and "internal error" not in unknown.output
    assert not out.exists()  # refused before the output folder was made
    engine = Engine(Store.open(store_dir), {"retention_days": "45", "drop_terms": "ice,migra"})
    try:
        assert engine.query("SELECT typeof(getvariable('retention_days')), getvariable('retention_days'), "
                            "typeof(getvariable('drop_terms'))")[1] == [("INTEGER", 45, "VARCHAR")]
    finally:
        engine.close()
    own = run_cli("query", "select $r AS r, getvariable('retention_days') AS d", "-p", "r=x", "-p", "retention_days=9",
                  "--format", "csv")
    assert own.exit_code == 0 and own.output.splitlines()[1] == "x,9"


def test_param_types_other_than_integer() -> None:
    spec = parameters()["retention_days"]
    number = catalog.ParamSpec("share", "0.5", "number", "", spec.path, 1)
    date = catalog.ParamSpec("since", "2025-01-01", "date", "", spec.path, 1)
    assert number.literal("2.5") == "2.5" and number.literal("3") == "3"
    assert date.literal("2025-02-28") == "DATE '2025-02-28'"
    for bad, param in (("2,5", number), ("2025-02-30", date), ("yesterday", date)):
        with pytest.raises(LprlogsError, match=f"parameter {param.name} must be"):
            param.literal(bad)


@pytest.mark.slow
def test_a_new_flag_file_reaches_the_report_brief_list_docs_and_followup(
        run_cli: Any, tmp_path: Path, monkeypatch: Any) -> None:
    _ingest(run_cli, tmp_path)
    queries = tmp_path / "queries"
    shutil.copytree(ROOT / "queries", queries)
    (queries / "flags" / "state_law_test.sql").write_text(
        HEADER.format(name="state_law_test").replace("accountability", "state_law").replace(
            "-- limits: none.", "-- limits: none.\n-- sentence: the search broke a {test_days}-day rule\n"
                                "-- followup: default")
        + "SELECT search_key, 'state_law_test' AS flag, 'producer \"' || producer || '\"' AS evidence FROM searches\n")
    monkeypatch.setattr(catalog, "queries_dir", lambda: queries)
    listed = run_cli("flags", "--list", "--format", "csv")
    assert "state_law_test,state_law,Test flag,test_days=7 (integer),default" in listed.output
    assert "state_law_test (state_law): Test flag [-p test_days=7]" in run_cli("flags", "--help").output
    assert "### Test flag (`state_law_test`)" in render_flags_md()
    result = run_cli("report", "-o", str(tmp_path / "report"), "-p", "test_days=9")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    # the state_law section ends where the flagged rows begin (its findings are sections of their own)
    state_law = html[html.index('<section id="state-law">'):html.index('<section id="rows">')]
    assert '<h3>Test flag <code>state_law_test</code></h3>' in state_law
    brief = (tmp_path / "report" / "brief.md").read_text(encoding="utf-8")
    assert "## State law" in brief and "the search broke a 9-day rule." in brief
    from lprlogs.followup import default_flags

    assert default_flags() == ("immigration", "federal_searcher", "out_of_state_searcher", "287g_searcher",
                               "state_law_test")


MESSY = ["Inv.", " INV ", "&", "Search & Rescue", "inmigración", "ÉRO+ICE", "", "   ", "\u00a0", "\u3000x", "--",
         "287(g)", "a&b", "ICE\tdetainer", "x\u00a0", "Ümlaut-Straße", None]


def test_macros_equal_the_expressions_they_replace() -> None:
    """fold_text is vague_reason's folding, blank_text the blank test of blank_reason and vague_reason: a file
    may switch to a macro without a change in its results."""
    with duckdb.connect() as con:
        load_macros(con)
        con.execute("CREATE TABLE t (v VARCHAR)")
        con.executemany("INSERT INTO t VALUES (?)", [(v,) for v in MESSY])
        pairs = con.execute("""
            SELECT v,
                   fold_text(v) IS NOT DISTINCT FROM
                       trim(regexp_replace(lower(strip_accents(v)), '[^a-z0-9]+', ' ', 'g')),
                   blank_text(v) IS NOT DISTINCT FROM ((v < '!' OR v >= chr(128)) AND trim(v) = '')
            FROM t""").fetchall()
        assert all(all(row[1:]) for row in pairs), [row for row in pairs if not all(row[1:])]
        assert con.execute("SELECT fold_text(' Inv.&'), blank_text('\u3000'), blank_text('x')").fetchall() == [
            ("inv", True, False)]


@pytest.mark.slow
def test_every_report_file_runs_alone_and_answers_as_in_the_report(run_cli: Any, store_dir: Path) -> None:
    """`lprlogs query queries/reports/X.sql` on the samples (the plain report_* views) gives the rows the report
    computes from its materialised objects."""
    from lprlogs.engine.report_tables import prepare
    from lprlogs.report.data import _report_sql, finish

    assert run_cli("ingest", str(ROOT / "samples"), "-q").exit_code == 0
    headline = run_cli("query", "queries/reports/headline.sql", "--format", "json")
    assert headline.exit_code == 0, headline.output
    names = sorted(p.stem for p in (queries_dir() / "reports").glob("*.sql") if not p.name.startswith("_"))
    engine = Engine(Store.open(store_dir))
    try:
        alone = {name: sorted(map(repr, engine.query(_report_sql(name).body)[1])) for name in names}
        prepare(engine, None)
        try:
            in_report = {name: sorted(map(repr, engine.query(_report_sql(name).body)[1])) for name in names}
        finally:
            finish(engine)
    finally:
        engine.close()
    for name in names:
        assert alone[name] == in_report[name], name
    assert len(alone["flagged_rows"]) > 1000 and len(alone["flag_by_agency"]) > 100


@pytest.mark.slow
def test_flags_and_the_report_count_organisations_by_agency(run_cli: Any, tmp_path: Path) -> None:
    """`DNU - Houston TX PD`, `Houston TX PD` and `Houston Police Department` are one agency (one agency_key) in
    `lprlogs flags`, in the report's counts and in its by-agency table, which lists the other names."""
    rows = [flock_row(reason="inv", org=org)
            for org in ("Houston TX PD", "DNU - Houston TX PD", "Houston Police Department", "Dallas TX PD")]
    write_flock_csv(tmp_path / "in", NAME, rows)
    assert run_cli("ingest", str(tmp_path / "in"), "-q").exit_code == 0
    cli_counts = run_cli("flags", "--format", "json")
    vague = next(r for r in json.loads(cli_counts.output) if r["flag"] == "vague_reason")
    assert (vague["rows"], vague["searching_agencies"]) == (4, 2)
    report = run_cli("report", "-o", str(tmp_path / "report"))
    assert report.exit_code == 0, report.output
    brief = (tmp_path / "report" / "brief.md").read_text(encoding="utf-8")
    assert "4 rows: 4 distinct searches by 2 organisations" in brief
    assert "(`vague_reason`): 4 searches (4 rows) by 2 organisations" in brief
    with open(tmp_path / "report" / "csv" / "by_agency.csv", encoding="utf-8-sig", newline="") as fh:
        by_agency = [r for r in csv.DictReader(fh) if r["flag"] == "vague_reason"]
    # the organisation is named by its active name with the most rows, then the first in order
    assert sorted((r["searcher_org"], r["rows"], r["searches"], r["other_names"]) for r in by_agency) == [
        ("Dallas TX PD", "1", "1", ""),
        ("Houston Police Department", "3", "3", "DNU - Houston TX PD; Houston TX PD")]
