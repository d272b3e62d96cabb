"""The command line: help everywhere, read-only queries, one-line errors (documentation: test_docs.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from helpers import flock_row, write_flock_csv

from lprlogs.cli import cli

NAME = "11_1_2025-11_30_2025-Conway AR PD-Network-Audit.csv"


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(_all_commands(command, (*prefix, name)))
    return found


COMMANDS = _all_commands(cli)
# `query --help` lists the views and their columns, so it opens an engine (about 1 s): slow
HELP_CASES = [pytest.param(p, marks=pytest.mark.slow) if p == ("query",) else p for p in COMMANDS]


@pytest.mark.parametrize("path", HELP_CASES, ids=" ".join)
def test_every_command_has_help(runner, path: tuple[str, ...]) -> None:
    for flag in ("-h", "--help"):
        result = runner.invoke(cli, [*path, flag])
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.output
        command = cli
        for part in path:
            command = command.commands[part]  # type: ignore[attr-defined]
        assert command.help, f"{' '.join(path)} has no help text"


def test_version(runner) -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and re.search(r"\d+\.\d+", result.output)


@pytest.mark.slow
def test_ingest_query_and_formats(run_cli, tmp_path: Path) -> None:
    write_flock_csv(tmp_path / "in", NAME, [flock_row(reason="a|b"), flock_row(reason="c")])
    result = run_cli("ingest", str(tmp_path / "in"), "-q")
    assert result.exit_code == 0
    assert "2 rows stored" in result.output
    sql = "select reason from searches order by reason"
    assert run_cli("query", sql, "--format", "csv").output.splitlines() == ["reason", "a|b", "c"]
    assert json.loads(run_cli("query", sql, "--json").output) == [{"reason": "a|b"}, {"reason": "c"}]
    assert run_cli("query", sql, "--format", "ndjson").output.splitlines() == ['{"reason": "a|b"}',
                                                                                '{"reason": "c"}']
    markdown = run_cli("query", sql, "--format", "markdown").output.splitlines()
    assert markdown[0] == "| reason |" and markdown[2] == "| a\\|b |"
    assert "c" in run_cli("query", sql).output
    params = run_cli("query", "select count(*) as n from searches where reason = $r", "-p", "r=c", "--csv")
    assert params.output.splitlines() == ["n", "1"]


def test_ingest_json_summary(run_cli, tmp_path: Path) -> None:
    write_flock_csv(tmp_path / "in", NAME, [flock_row()])
    summary = json.loads(run_cli("ingest", str(tmp_path / "in"), "--json").output)
    assert summary["files_ingested"] == 1 and summary["rows_stored"] == 1
    assert summary["files"][0]["producer"] == "Conway AR PD"


@pytest.mark.slow
def test_query_is_read_only(run_cli, tmp_path: Path) -> None:
    write_flock_csv(tmp_path / "in", NAME, [flock_row()])
    run_cli("ingest", str(tmp_path / "in"), "-q")
    for sql in ("delete from searches", "create table x as select 1",
                f"copy (select 1) to '{tmp_path / 'x.csv'}'", "select 1; select 2"):
        result = run_cli("query", sql)
        assert result.exit_code == 1, sql
        assert "Traceback" not in result.output
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.slow
def test_sql_error_is_one_line_and_schema_lists_views_and_columns(run_cli, tmp_path: Path) -> None:
    write_flock_csv(tmp_path / "in", NAME, [flock_row()])
    run_cli("ingest", str(tmp_path / "in"), "-q")
    typo = run_cli("query", "select reasn from searches")
    assert typo.exit_code == 1
    assert typo.output.strip().splitlines() == [
        'Error: SQL error: no column "reasn": did you mean reason? (hint: `lprlogs query --schema` lists the views '
        "and their columns)"]
    nothing_close = run_cli("query", "select nope from searches")
    assert nothing_close.exit_code == 1 and 'no column "nope"' in nothing_close.output
    assert "did you mean" not in nothing_close.output and "searches(" not in nothing_close.output
    view = run_cli("query", "select * from serches")
    assert 'no view "serches": did you mean searches?' in view.output
    function = run_cli("query", "select lowr(reason) from searches")
    assert 'no function "lowr": did you mean lower?' in function.output
    syntax = run_cli("query", "selec 1")
    assert syntax.exit_code == 1 and len(syntax.output.strip().splitlines()) == 1 and "syntax error" in syntax.output
    schema = run_cli("query", "--schema")
    assert schema.exit_code == 0 and re.search(r"searches\(search_key, search_id, producer", schema.output)
    helped = run_cli("query", "--help")
    assert re.search(r"searches\(search_key, search_id, producer", helped.output)


def test_user_mistakes_are_one_line_errors(run_cli, tmp_path: Path) -> None:
    missing_store = run_cli("query", "select 1", "--store", str(tmp_path / "none"), store=False)
    assert missing_store.exit_code == 1
    assert "no lprlogs store here" in missing_store.output and "hint" in missing_store.output
    nothing = run_cli("ingest", str(tmp_path / "nope.csv"))
    assert nothing.exit_code == 1 and "nothing could be read" in nothing.output
    bad_param = run_cli("query", "select 1", "-p", "novalue")
    assert bad_param.exit_code == 1 and "NAME=VALUE" in bad_param.output
    bad_encoding = run_cli("ingest", str(tmp_path), "--encoding", "klingon")
    assert bad_encoding.exit_code == 1 and "unknown encoding" in bad_encoding.output


@pytest.mark.slow
def test_sources_and_batches_listings(run_cli, tmp_path: Path) -> None:
    write_flock_csv(tmp_path / "in", NAME, [flock_row()])
    (tmp_path / "in" / "empty.csv").write_text("")
    run_cli("ingest", str(tmp_path / "in"), "-q")
    listed = json.loads(run_cli("sources", "--json").output)
    assert [s["path"].split("/")[-1] for s in listed] == [NAME]
    everything = json.loads(run_cli("sources", "--all", "--json").output)
    reasons = {Path(s["path"]).name: s["reason"] for s in everything}
    assert reasons["empty.csv"] == "empty file (0 bytes)"
    batches = json.loads(run_cli("batches", "--json").output)
    assert batches[0]["batch_id"] == 1 and batches[0]["files_ingested"] == 1


@pytest.mark.slow
def test_every_duckdb_type_prints_in_every_format(run_cli, tmp_path: Path) -> None:
    write_flock_csv(tmp_path / "in", NAME, [flock_row()])
    run_cli("ingest", str(tmp_path / "in"), "-q")
    sql = ("select search_time - time_frame_start as reach, uuid() is not null as ok, 1.5::decimal(4,2) as d, "
           "date '2025-01-02' as day, [1, 2] as l, {'a': 1} as s, gen_random_uuid() as u from searches")
    for fmt in ("table", "csv", "json", "ndjson", "markdown"):
        result = run_cli("query", sql, "--format", fmt)
        assert result.exit_code == 0, (fmt, result.output)
    row = json.loads(run_cli("query", sql, "--json").output)[0]
    assert row["reach"] == "13 days 09:53:36" and row["d"] == 1.5 and row["day"] == "2025-01-02"


@pytest.mark.slow
def test_query_limit(run_cli, tmp_path: Path) -> None:
    write_flock_csv(tmp_path / "in", NAME, [flock_row(reason=f"r{i}") for i in range(5)])
    run_cli("ingest", str(tmp_path / "in"), "-q")
    result = run_cli("query", "select reason from searches order by 1", "--limit", "2", "--csv")
    assert result.output.splitlines() == ["reason", "r0", "r1"]


def test_a_bug_is_one_line_not_a_traceback(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lprlogs.output

    write_flock_csv(tmp_path / "in", NAME, [flock_row()])
    run_cli("ingest", str(tmp_path / "in"), "-q")
    monkeypatch.delenv("LPRLOGS_DEBUG", raising=False)

    def broken(*args: object) -> str:
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(lprlogs.output, "render", broken)
    result = run_cli("query", "select 1")
    assert result.exit_code == 1
    assert "internal error (ZeroDivisionError: simulated bug)" in result.output
    assert "Traceback" not in result.output


def test_empty_folder_says_no_files_found(run_cli, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for command in (["ingest"], ["analyze", "-o", str(tmp_path / "out")]):
        result = run_cli(*command, str(tmp_path / "empty"))
        assert result.exit_code == 1 and "no files found" in result.output, command
