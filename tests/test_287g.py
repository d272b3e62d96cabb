"""ICE 287(g) lists: read both real lists as ICE publishes them, keep them in the store, and match
them to Flock-style names without false matches (same county name in another state, a city's
police department versus its county's sheriff)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import network_audit

from lprlogs.agencies import agencies_from_counts, build_tables
from lprlogs.agencies.ice287g import agreements_table, load_list, read_list
from lprlogs.errors import LprlogsError
from lprlogs.store import Store

PARTICIPATING = "ice-287g/participatingAgencies07182025pm.xlsx"
PENDING = "ice-287g/pendingAgencies07182025pm.xlsx"

# Flock-style name -> the ICE agency it must match (None: must match nothing)
FLOCK_NAMES = [
    ("Colbert County AL SO", "Colbert County Sheriff's Office"),
    ("Marianna FL PD", "Marianna Police Department"),
    ("Okaloosa County FL SO", "Okaloosa County Sheriff's Office"),
    ("Fort Walton Beach FL PD", "Fort Walton Beach Police Department"),
    ("Cherokee County AL SO", "Cherokee County Sheriff's Office"),
    ("Cherokee County NC SO", "Cherokee County Sheriff's Office"),
    ("Orange County FL SO", "Orange County Sheriff's Office"),
    ("Orange City FL PD", "Orange City Police Department"),
    ("Polk County TX SO", "Polk County Sheriff's Office"),
    ("Washington County UT SO", "Washington County Sheriff's Office"),
    ("Jackson County FL SO", "Jackson County Sheriff's Office"),
    ("Mesa AZ PD", "Mesa Police Department"),
    ("Kodiak AK PD", "Kodiak Police Department"),
    ("Hampton AR PD", "Hampton Police Department"),
    ("Florida Department of Law Enforcement", "Florida Department of Law Enforcement"),
    ("Virginia State Police", "Virginia Department of State Police"),
    ("Texas County OK SO", "Texas County's Sheriff's Office"),  # pending list, a county named after a state
    ("Largo FL PD", "Largo Police Department"),  # pending list
    ("Denton County TX SO", "Denton County Sheriff's Office"),  # pending list
    # traps: the same county name in another state
    ("Cherokee County GA SO", None),
    ("Orange County CA SO", None),
    ("Polk County IA SO", None),
    ("Washington County OR SO", None),
    ("Jackson County MO SO", None),
    ("Colbert County GA SO", None),
    # traps: a city police department versus its county's sheriff, and the reverse
    ("Okaloosa FL PD", None),
    ("Colbert AL PD", None),
    ("Jacksonville FL PD", None),
    ("Mesa County CO SO", None),
    ("Hampton VA PD", None),
    ("Orange County FL PD", None),
    # no state in the name: never guessed
    ("Colbert County Sheriff's Office", None),
    ("Marianna Police Department", None),
]


@pytest.fixture(scope="module")
def lists(tmp_path_factory: pytest.TempPathFactory, realdata: Path) -> Path:
    root = tmp_path_factory.mktemp("store287g")
    store = Store.open(root, create=True)
    load_list(store, realdata / PARTICIPATING)
    load_list(store, realdata / PENDING)
    return root


def test_reads_both_real_lists(realdata: Path) -> None:
    participating = read_list(realdata / PARTICIPATING)
    pending = read_list(realdata / PENDING)
    assert participating.num_rows == 832 and pending.num_rows == 26
    assert set(participating.column("status").to_pylist()) == {"participating"}
    assert set(pending.column("status").to_pylist()) == {"pending"}
    assert None not in participating.column("state").to_pylist() + pending.column("state").to_pylist()
    support = set(participating.column("support_type").to_pylist())
    assert support == {"Warrant Service Officer", "Jail Enforcement Model", "Task Force Model"}
    rows = participating.to_pylist()
    first = rows[0]
    assert (first["ice_state"], first["state"], first["source_row"]) == ("ALABAMA", "AL", 2)
    assert str(first["signed"]) == "2025-06-25"
    # ICE's own typos in SIGNED are kept as written, not guessed
    typo = next(r for r in rows if r["signed_text"] == "7/72025")
    assert typo["signed"] is None and typo["source_row"] == 775


def test_matches_flock_names_without_false_matches(lists: Path) -> None:
    agencies = agencies_from_counts([(name, 0, 1) for name, _ in FLOCK_NAMES], None)
    table = agreements_table(lists, agencies).to_pylist()
    assert len(table) == 832 + 26
    matched: dict[str, set[str]] = {}
    for row in table:
        if row["matched_name"]:
            matched.setdefault(row["matched_name"], set()).add(row["agency"].strip())
            assert row["confidence"] == "high"
            assert row["agency"] in row["evidence"] and f"row {row['source_row']}" in row["evidence"]
    for name, ice_agency in FLOCK_NAMES:
        if ice_agency is None:
            assert name not in matched, (name, matched.get(name))
        else:
            assert matched.get(name) == {ice_agency}, name
    # every agreement has a key, matched or not, so the 287g_searcher flag can join on it
    assert all(row["agency_key"] for row in table)


def test_match_through_inferred_state_is_medium(lists: Path) -> None:
    agencies = agencies_from_counts([("Colbert County Sheriff's Office", 5, 0), ("Colbert County AL SO", 0, 1)],
                                    None)
    rows = [r for r in agreements_table(lists, agencies).to_pylist() if r["matched_name"]]
    assert {r["matched_name"] for r in rows} == {"Colbert County Sheriff's Office"}  # the most rows wins
    assert {r["confidence"] for r in rows} == {"medium"}
    assert all("1 other spelling" in r["evidence"] for r in rows)


def test_not_an_ice_list(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(LprlogsError, match="LAW ENFORCEMENT AGENCY"):
        read_list(path)


def test_csv_list_and_status_from_columns(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("Title row\nSTATE,LAW ENFORCEMENT AGENCY,TYPE,COUNTY,SUPPORT TYPE\n"
                    "TEXAS , Example County Sheriff's Office ,County,Example County,Task Force Model  \n\n")
    table = read_list(path).to_pylist()
    assert len(table) == 1
    row = table[0]
    assert (row["status"], row["state"], row["agency"], row["support_type"], row["source_row"]) == (
        "pending", "TX", "Example County Sheriff's Office", "Task Force Model", 3)


def test_display_names_from_ice_list(tmp_path: Path) -> None:
    """Every log name of an agency in ICE's list (one key) shows ICE's name; the registry's name wins."""
    path = tmp_path / "participating.csv"
    path.write_text("STATE,LAW ENFORCEMENT AGENCY,TYPE,COUNTY,SUPPORT TYPE,SIGNED\n"
                    "GEORGIA,Cobb County Sheriff's Office,County,Cobb,Jail Enforcement Model,1/2/2025\n"
                    "GEORGIA,Cobb County Sheriff's Office,County,Cobb,Task Force Model,1/2/2025\n"
                    "FLORIDA,Marianna Police Department,Municipality,Jackson,Task Force Model,3/4/2025\n")
    store = Store.open(tmp_path / "store", create=True)
    load_list(store, path)
    rows = [("DNU - Cobb County GA SO", 0, 2), ("Cobb County GA SO [Inactive]", 0, 1), ("Cobb County AL SO", 0, 1),
            ("Marianna FL PD", 0, 1), ("Marianna Police Department", 3, 0), ("Houston TX PD", 0, 1)]
    agencies, agreements = build_tables(rows, store.root)
    shown = {r["name"]: (r["display_name"], r["display_from"]) for r in agencies.to_pylist()}
    assert shown == {
        "DNU - Cobb County GA SO": ("Cobb County Sheriff's Office", "ICE 287(g) list"),
        "Cobb County GA SO [Inactive]": ("Cobb County Sheriff's Office", "ICE 287(g) list"),
        "Cobb County AL SO": ("Cobb County Sheriff's Office", "label"),  # another state: cleaned label
        "Marianna FL PD": ("Marianna Police Department", "ICE 287(g) list"),
        "Marianna Police Department": ("Marianna Police Department", "ICE 287(g) list"),  # state inferred
        "Houston TX PD": ("Houston Police Department", "label"),
    }
    assert agreements.num_rows == 3
    (store.root / "reference" / "registry.csv").write_text(
        "name_or_pattern,display_name\nDNU - Cobb County GA SO,Cobb County (GA) Sheriff\n")
    agencies, _ = build_tables(rows, store.root)
    shown = {r["name"]: r["display_name"] for r in agencies.to_pylist()}
    assert shown["DNU - Cobb County GA SO"] == "Cobb County (GA) Sheriff"
    assert shown["Cobb County GA SO [Inactive]"] == "Cobb County Sheriff's Office"


@pytest.mark.slow
def test_cli_load_287g_and_flag(run_cli, store_dir: Path, tmp_path: Path, realdata: Path) -> None:
    result = run_cli("agencies", "load-287g", str(realdata / PARTICIPATING), "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)[0]
    assert (summary["status"], summary["agreements"], summary["agreements_matched"]) == ("participating", 832, 0)
    # the list is kept in the store and survives ingests; matches appear once names are seen
    run_cli("ingest", str(network_audit(tmp_path / "release", producer="Okaloosa County FL SO",
                                        searchers=[("Colbert County AL SO", 2), ("Colbert County GA SO", 1),
                                                   ("Marianna FL PD", 1)])))
    result = run_cli("agencies", "load-287g", str(realdata / PENDING), "--format", "json")
    assert json.loads(result.output)[0]["agreements"] == 26
    result = run_cli("query", "select status, count(*) as n, count(matched_name) as m from agreements "
                     "group by all order by 1", "--format", "json")
    counts = {r["status"]: (r["n"], r["m"]) for r in json.loads(result.output)}
    assert counts["participating"][0] == 832 and counts["pending"] == (26, 0)
    result = run_cli("query", "select distinct matched_name from agreements where matched_name is not null "
                     "order by 1", "--format", "json")
    assert [r["matched_name"] for r in json.loads(result.output)] == [
        "Colbert County AL SO", "Marianna FL PD", "Okaloosa County FL SO"]
    # loading the same file again replaces it instead of doubling it
    run_cli("agencies", "load-287g", str(realdata / PENDING))
    result = run_cli("query", "select count(*) as n from agreements", "--format", "json")
    assert json.loads(result.output) == [{"n": 858}]
    # the flags helper's join: searches by an agency with an agreement
    result = run_cli("query", "select count(*) as n from searches s join agencies a on a.name = s.searcher_org "
                     "where a.agency_key in (select agency_key from agreements where agency_key is not null)",
                     "--format", "json")
    assert json.loads(result.output) == [{"n": 3}]


def test_cli_load_287g_rejects_other_files(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("hello,world\n")
    result = run_cli("agencies", "load-287g", str(path))
    assert result.exit_code != 0 and "LAW ENFORCEMENT AGENCY" in result.output
