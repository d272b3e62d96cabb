"""Sharing-list CSVs whose quotes do not pair up: the bad line is quarantined with its line number, every
other line is still read, and nothing is swallowed into a cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import query

HEADER = "Organization Name,Networks Shared With Me,Networks I'm Sharing"


def _write(tmp_path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / "in" / "SharedNetworks_2026_January.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _ingest(run_cli, path: Path) -> dict:
    result = run_cli("ingest", str(path), "--producer", "Orange County CA SO", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["files"][0]


@pytest.mark.slow
def test_unclosed_quote_quarantines_only_its_line(tmp_path: Path, run_cli, store_dir: Path) -> None:
    broken = 'Marina CA PD,Marina CA PD,"City of Dana Point CA (OCSD),City of Laguna Hills CA (OCSD)'
    path = _write(tmp_path, [
        HEADER,
        broken,  # line 2: the quote never closes; a CSV reader would read every later line into this cell
        "Seaside CA PD,Seaside CA PD,Marina CA PD",
        '"University of California, Berkeley","University of California, Berkeley",',
        "Lonely CA PD,,",
    ])
    outcome = _ingest(run_cli, path)
    assert (outcome["status"], outcome["format"]) == ("ingested", "flock_sharing")
    assert (outcome["rows_read"], outcome["rows_stored"], outcome["rows_quarantined"]) == (1, 0, 1)
    assert outcome["other_tables"] == {"sharing": 4}
    assert any(n.startswith("quotes do not pair up on line 2: 1 row(s) quarantined") for n in outcome["notes"])
    assert query(store_dir, "SELECT source_row, organization, network, direction FROM sharing ORDER BY ALL") == [
        (3, "Seaside CA PD", "Marina CA PD", "i_share"),
        (3, "Seaside CA PD", "Seaside CA PD", "shared_with_me"),
        (4, "University of California, Berkeley", "University of California, Berkeley", "shared_with_me"),
        (5, "Lonely CA PD", None, "none"),
    ]
    quarantined = query(store_dir, "SELECT regexp_extract(source_file, '[^/]+$'), source_row, raw, reason "
                                   "FROM quarantine")
    assert quarantined == [("SharedNetworks_2026_January.csv", 2, broken,
                            "unclosed quote: a quote opens on line 2 and is not closed on it; a sharing list keeps "
                            "each row on one line, so the row is quarantined, not guessed")]


@pytest.mark.slow
def test_two_stray_quotes_do_not_swallow_the_lines_between(tmp_path: Path, run_cli, store_dir: Path) -> None:
    """An even number of quotes: a CSV reader parses the file, but lines 2-4 end up in one cell."""
    path = _write(tmp_path, [
        HEADER,
        'A CA PD,"B CA PD,C CA PD',  # line 2: opens a quote
        "D CA PD,E CA PD,F CA PD",  # line 3: would be swallowed
        'G CA PD,H CA PD",I CA PD',  # line 4: a stray quote "closes" it
        "",
        "J CA PD,K CA PD,L CA PD",
    ])
    outcome = _ingest(run_cli, path)
    assert (outcome["rows_quarantined"], outcome["other_tables"]) == (2, {"sharing": 4})
    assert query(store_dir, "SELECT source_row, organization, network FROM sharing ORDER BY ALL") == [
        (3, "D CA PD", "E CA PD"), (3, "D CA PD", "F CA PD"), (6, "J CA PD", "K CA PD"), (6, "J CA PD", "L CA PD"),
    ]
    assert query(store_dir, "SELECT count(*) FROM sharing WHERE contains(network, chr(10))") == [(0,)]
    reasons = query(store_dir, "SELECT source_row, split_part(reason, ':', 1) FROM quarantine ORDER BY 1")
    assert reasons == [(2, "unclosed quote"), (4, "stray quote")]


@pytest.mark.slow
def test_unclosed_quote_in_utf16_file(tmp_path: Path, run_cli, store_dir: Path) -> None:
    path = _write(tmp_path, [HEADER, 'A CA PD,B CA PD,"C CA PD', "D CA PD,E CA PD,"], encoding="utf-16")
    outcome = _ingest(run_cli, path)
    assert outcome["rows_quarantined"] == 1
    assert query(store_dir, "SELECT source_row, network FROM sharing") == [(3, "E CA PD")]
    assert query(store_dir, "SELECT raw FROM quarantine") == [('A CA PD,B CA PD,"C CA PD',)]
    sources = json.loads(run_cli("sources", "--format", "json").output)
    assert sources[0]["encoding"].startswith("utf-16")


def test_unclosed_quote_in_the_header_rejects_naming_the_line(tmp_path: Path, run_cli) -> None:
    path = _write(tmp_path, ['"' + HEADER, "A CA PD,B CA PD,C CA PD"])
    result = run_cli("ingest", str(path), "--json")
    assert result.exit_code != 0  # the only file could not be read
    outcome = json.loads(result.stdout)["files"][0]
    assert (outcome["status"], outcome["format"]) == ("rejected", "flock_sharing")
    assert outcome["reason"] == ("sharing CSV: the header line has quotes that do not pair up (line 1); fix the "
                                 "quote in the file and ingest it again")


def test_clean_csv_keeps_the_usual_reader(tmp_path: Path, run_cli, store_dir: Path) -> None:
    """Quotes that pair up (a comma inside a quoted name): no quarantine, no note about quotes."""
    path = _write(tmp_path, [HEADER, '"University of California, Berkeley",X CA PD,"Y CA PD,Z CA PD"'])
    outcome = _ingest(run_cli, path)
    assert (outcome["rows_quarantined"], outcome["other_tables"]) == (0, {"sharing": 3})
    assert not any("quote" in n for n in outcome["notes"])
