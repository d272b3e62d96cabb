"""--producers FILE names the agency of generically named files; ingest ends by saying which files still
have no producer; options are checked before any file is read."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import flock_row, write_flock_csv


def _release(tmp_path: Path) -> Path:
    folder = tmp_path / "release"
    write_flock_csv(folder / "eugene", "audit.csv", [flock_row(reason="eugene one"), flock_row(reason="eugene two")])
    write_flock_csv(folder / "dover", "search_audit.csv", [flock_row(reason="dover")])
    write_flock_csv(folder / "other", "export.csv", [flock_row(reason="unknown")])
    return folder


@pytest.mark.slow
def test_producers_file_names_generic_files_and_the_rest_are_listed(run_cli, tmp_path: Path) -> None:
    release = _release(tmp_path)
    mapping = tmp_path / "producers.csv"
    mapping.write_text("file,producer,log_kind\neugene/*.csv,Eugene OR PD,network_audit\n"
                       "search_audit.csv,Dover DE PD,org_audit\nnothing-*.xlsx,Nobody,\n", encoding="utf-8")
    result = run_cli("ingest", str(release), "--producers", str(mapping))
    assert result.exit_code == 0, result.output
    assert "attention: 1 file(s) stored without a producer" in result.output
    assert "other/export.csv" in result.output.split("attention:")[1]
    assert "--producers line 4 (nothing-*.xlsx) matched no file" in result.output
    rows = run_cli("query", "select producer, log_kind, count(*) from searches group by all order by all",
                   "--csv").output.strip().splitlines()
    assert rows[1:3] == ["Dover DE PD,org_audit,1", "Eugene OR PD,network_audit,2"]
    assert len(rows) == 4 and rows[3].startswith(",")  # the unnamed file: stored, producer unknown
    sources = run_cli("query", "select path, producer_from from sources where producer is not null order by path",
                      "--csv").output
    assert "producers file line 2" in sources and "producers file line 3" in sources


def test_a_bad_producers_file_is_one_line_naming_the_line(run_cli, tmp_path: Path) -> None:
    mapping = tmp_path / "producers.csv"
    mapping.write_text("file,producer,log_kind\na.csv,A PD,netwrk_audit\n", encoding="utf-8")
    result = run_cli("ingest", str(_release(tmp_path)), "--producers", str(mapping))
    assert result.exit_code != 0
    assert "producers.csv, line 2: unknown log_kind 'netwrk_audit'" in result.output
    assert "Traceback" not in result.output
    mapping.write_text("name,agency\nx,y\n", encoding="utf-8")
    result = run_cli("ingest", str(_release(tmp_path)), "--producers", str(mapping))
    assert "needs the columns file and producer" in result.output


def test_unknown_time_zone_is_refused_before_any_batch(run_cli, tmp_path: Path, store_dir: Path) -> None:
    result = run_cli("ingest", str(_release(tmp_path)), "--tz", "Mars/Olympus_Mons")
    assert result.exit_code != 0 and "unknown time zone 'Mars/Olympus_Mons'" in result.output
    assert not (store_dir / "manifest.json").exists()


def test_producer_and_producers_together_are_refused(run_cli, tmp_path: Path) -> None:
    mapping = tmp_path / "producers.csv"
    mapping.write_text("file,producer\n*.csv,A PD\n", encoding="utf-8")
    result = run_cli("ingest", str(_release(tmp_path)), "--producers", str(mapping), "--producer", "B PD")
    assert result.exit_code != 0 and "not both" in result.output


@pytest.mark.slow
def test_analyze_ends_with_what_needs_attention(run_cli, tmp_path: Path) -> None:
    release = _release(tmp_path)
    (release / "cover letter.txt").write_text("Dear requester, please find attached ...", encoding="utf-8")
    result = run_cli("analyze", str(release), "-o", str(tmp_path / "report"))
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    report_at = next(i for i, line in enumerate(lines) if line.startswith("report: "))
    tail = lines[report_at + 1:]
    assert any(line.startswith("attention: 3 file(s) stored without a producer") for line in tail)
    assert any(line.startswith("attention: 1 file(s) not read") for line in tail)
    assert not any(line.startswith("attention:") for line in lines[:report_at])  # not buried mid-stream
