"""Organisation names: hard cases, false friends, agency keys, the registry, the real names in
../shared/realdata, the `agencies` view and the `lprlogs agencies` commands."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from helpers import network_audit

from lprlogs.agencies import Rules, classify, display_name, read_registry, resolve_keys
from lprlogs.errors import LprlogsError

# name, state, kind, federal, school, inactive
CASES = [
    ("Houston TX PD", "TX", "police", False, False, False),
    ("Cobb County GA SO", "GA", "sheriff", False, False, False),
    ("Cypress Fairbanks ISD (TX) PD", "TX", "school", False, True, False),
    ("Beverly Hills Unified School District CA", "CA", "school", False, True, False),
    ("Katy CISD TX PD", "TX", "school", False, True, False),
    ("Kern High USD CA", "CA", "school", False, True, False),
    ("Tulsa Public Schools OK PD", "OK", "school", False, True, False),
    ("Dayton City Schools OH PD", "OH", "school", False, True, False),
    ("[Federal] Federal Bureau of Investigation (FBI)", None, "federal", True, False, False),
    ("US Postal Inspection Service", None, "federal", True, False, False),
    ("Lake Travis ISD TX PD [Inactive]", "TX", "school", False, True, True),
    ("DNU - Austin TX PD", "TX", "police", False, False, True),
    ("Greenfield CA PD - Condor Cameras", "CA", "police", False, False, False),
    ("Mountain View CA PD (Santa Clara County)", "CA", "police", False, False, False),
    ("ALAMEDA COUNTY SHERIFFS OFFICE (CA)", "CA", "sheriff", False, False, False),
    ("ALACHUA FL PD (FLEX)", "FL", "police", False, False, False),
    ("WINNEBAGO POLICE DEPARTMENT (IL)", "IL", "police", False, False, False),
    # codes that are English words, only where a state code sits
    ("Terre Haute PD IN", "IN", "police", False, False, False),
    ("Carmel IN PD", "IN", "police", False, False, False),
    ("Portland OR PD", "OR", "police", False, False, False),
    ("Portland ME PD", "ME", "police", False, False, False),
    ("Tulsa OK PD", "OK", "police", False, False, False),
    ("Honolulu HI PD", "HI", "police", False, False, False),
    ("Dover DE PD", "DE", "police", False, False, False),
    ("Boise ID PD", "ID", "police", False, False, False),
    ("Walk In Clinic Security", None, "other", False, False, False),
    ("Rancho de Taos Community", None, "other", False, False, False),
    ("LA County Sheriff", None, "sheriff", False, False, False),
    ("Baton Rouge LA PD", "LA", "police", False, False, False),
    # state names inside place names
    ("Kansas City MO PD", "MO", "police", False, False, False),
    ("Kansas City KS PD", "KS", "police", False, False, False),
    ("Indiana PA PD", "PA", "police", False, False, False),
    ("Nevada City CA PD", "CA", "police", False, False, False),
    ("Nevada County CA SO", "CA", "sheriff", False, False, False),
    ("Washington County OR SO", "OR", "sheriff", False, False, False),
    ("Washington County OR", "OR", "other", False, False, False),
    ("Texas City TX PD", "TX", "police", False, False, False),
    ("Virginia Beach VA PD", "VA", "police", False, False, False),
    ("Missouri City TX PD", "TX", "police", False, False, False),
    ("Washington PD", None, "police", False, False, False),
    # state names that are the state
    ("Florida Highway Patrol", "FL", "state", False, False, False),
    ("Texas DPS", "TX", "state", False, False, False),
    ("Virginia Department of State Police", "VA", "state", False, False, False),
    ("CALIFORNIA HIGHWAY PATROL", "CA", "state", False, False, False),
    ("New York State Police", "NY", "state", False, False, False),
    ("CA DOJ", "CA", "state", False, False, False),
    ("University of Florida PD", "FL", "campus", False, True, False),
    ("George Washington University PD", None, "campus", False, True, False),
    # false friends
    ("University City MO PD", "MO", "police", False, False, False),
    ("College Place WA PD", "WA", "police", False, False, False),
    ("College Station TX PD", "TX", "police", False, False, False),
    ("State College PA PD", "PA", "police", False, False, False),
    ("Federal Way WA PD", "WA", "police", False, False, False),
    ("Justice IL PD", "IL", "police", False, False, False),
    ("National City CA PD", "CA", "police", False, False, False),
    ("Fort Lauderdale FL PD", "FL", "police", False, False, False),
    # federal without the prefix
    ("FBI", None, "federal", True, False, False),
    ("DEA Los Angeles Field Division", None, "federal", True, False, False),
    ("ATF", None, "federal", True, False, False),
    ("US Marshals Service", None, "federal", True, False, False),
    ("HSI Los Angeles", None, "federal", True, False, False),
    ("ICE ERO", None, "federal", True, False, False),
    ("US Customs and Border Protection", None, "federal", True, False, False),
    ("US Border Patrol", None, "federal", True, False, False),
    ("SAN DIEGO SECTOR BORDER PATROL (CA)", "CA", "federal", True, False, False),
    ("National Park Service", None, "federal", True, False, False),
    ("VA Police", None, "federal", True, False, False),
    ("Hampton VA PD", "VA", "police", False, False, False),
    ("CA DOJ - Bureau of Firearms", "CA", "state", False, False, False),
    # campus
    ("Stanford University CA PD", "CA", "campus", False, True, False),
    ("Sequoias Community College District CA PD", "CA", "campus", False, True, False),
    ("San Jose - Evergreen Community College Campus PD CA", "CA", "campus", False, True, False),
    ("CSU Long Beach PD (CA)", "CA", "campus", False, True, False),
    # tribal, prosecutor, corrections
    ("Navajo Nation AZ PD", "AZ", "tribal", False, False, False),
    ("PUEBLO OF POJOAQUE TRIBAL POLICE DEPARTMENT (NM)", "NM", "tribal", False, False, False),
    ("Marin County CA DA", "CA", "prosecutor", False, False, False),
    ("FRESNO COUNTY DISTRICT ATTORNEY (CA)", "CA", "prosecutor", False, False, False),
    ("ARIZONA ATTORNEY GENERAL (AZ)", "AZ", "prosecutor", False, False, False),
    ("California Department of Corrections", "CA", "corrections", False, False, False),
    ("SONOMA COUNTY PROBATION DEPARTMENT (CA)", "CA", "corrections", False, False, False),
    # private
    ("Rocking Horse Ln (CA)", "CA", "private", False, False, False),
    ("Palm Court (CA)", "CA", "private", False, False, False),
    ("Cobblestone HOA (CA)", "CA", "private", False, False, False),
    ("Herron Bay Spyglass Hills Homeowners Association (CA)", "CA", "private", False, False, False),
    ("Oliva Maintenance Corporation (CA)", "CA", "private", False, False, False),
    ("MUSCLE SHOALS AL WALMART", "AL", "private", False, False, False),
    ("5588 Ozawa Circle", None, "private", False, False, False),
    # sheriff spellings
    ("Yuba County Sheriffs Office", None, "sheriff", False, False, False),
    ("San Luis Obispo County (CA) Sheriff", "CA", "sheriff", False, False, False),
    ("Harris County Sheriff's Office TX", "TX", "sheriff", False, False, False),
    ("CA - Wasco PD", "CA", "police", False, False, False),
    ("MORA COUNTY SO: WAGON MOUND NM", "NM", "sheriff", False, False, False),
    ("LOS ANGELES COUNTY CA SD", "CA", "sheriff", False, False, False),
    ("SC - SUMTER CO SHERIFF'S OFFICE", "SC", "sheriff", False, False, False),
    ("Harris Co SO", None, "sheriff", False, False, False),
    ("Weld County CO SO", "CO", "sheriff", False, False, False),
    ("REEVE COUNTY SHERRIFFS OFFICE", None, "sheriff", False, False, False),
    ("SACRAMENTO PROBATIONS DEPARTMENT", None, "corrections", False, False, False),
    # federal agencies with police forces: federal, never the state their name starts with
    ("Tennessee Valley Authority Police", None, "federal", True, False, False),
    ("TVA Police", None, "federal", True, False, False),
    ("Tennessee Valley Authority Police (TN)", "TN", "federal", True, False, False),
    ("Amtrak Police", None, "federal", True, False, False),
    ("Pentagon Force Protection Agency", None, "federal", True, False, False),
    ("US Park Police", None, "federal", True, False, False),
    ("Federal Reserve Police", None, "federal", True, False, False),
    ("Hoover Dam Police", None, "federal", True, False, False),
    ("Bureau of Reclamation Police", None, "federal", True, False, False),
    ("NIH Police", None, "federal", True, False, False),
    ("US Mint Police", None, "federal", True, False, False),
    ("Smithsonian Police", None, "federal", True, False, False),
    ("US Capitol Police", None, "federal", True, False, False),
    ("Library of Congress Police", None, "federal", True, False, False),
    ("NASA Protective Services", None, "federal", True, False, False),
    ("US Department of Agriculture OIG", None, "federal", True, False, False),
    # ... and the state bodies with the same words stay state
    ("Texas Department of Agriculture", "TX", "state", False, False, False),
    ("Texas Capitol Police", "TX", "state", False, False, False),
    # a state code in each position Flock and agencies put it, including codes that are English words
    ("Indianapolis IN Metro PD", "IN", "police", False, False, False),
    ("Indianapolis IN Metro Police Department", "IN", "police", False, False, False),
    ("IN - Indianapolis Metro PD", "IN", "police", False, False, False),
    ("Indianapolis Metro PD IN", "IN", "police", False, False, False),
    ("Indianapolis Metropolitan Police Department (IN)", "IN", "police", False, False, False),
    ("Metro Nashville TN PD", "TN", "police", False, False, False),
    ("Las Vegas NV Metro PD", "NV", "police", False, False, False),
    ("LAS VEGAS METRO NV PD", "NV", "police", False, False, False),
    ("Louisville KY Metro PD", "KY", "police", False, False, False),
    ("Tulsa OK Metro PD", "OK", "police", False, False, False),
    ("Gary IN Metropolitan Police", "IN", "police", False, False, False),
    ("Portland OR Transit Police", "OR", "police", False, False, False),
    ("Boise ID Airport Police", "ID", "police", False, False, False),
    ("Indiana State Police", "IN", "state", False, False, False),
    ("Oklahoma City OK PD", "OK", "police", False, False, False),
    ("Walk In Metro Clinic", None, "other", False, False, False),  # IN the word, before no agency word
    ("Stop In City Market", None, "other", False, False, False),
    # closed accounts, however marked
    ("AZ - TOLLESON PD RAVEN (DEACTIVATED)", "AZ", "police", False, False, True),
    ("Do Not Use - Marietta GA PD", "GA", "police", False, False, True),
]


@pytest.mark.parametrize(("name", "state", "kind", "federal", "school", "inactive"), CASES,
                         ids=[c[0] for c in CASES])
def test_hard_cases(name: str, state: str | None, kind: str, federal: bool, school: bool, inactive: bool) -> None:
    got = classify(name)
    assert (got.state, got.kind, got.federal, got.school, got.inactive) == (state, kind, federal, school, inactive)


def test_normalized_drops_decorations() -> None:
    assert classify("[Federal] Federal Bureau of Investigation (FBI)").normalized == "FEDERAL BUREAU OF INVESTIGATION"
    assert classify("Lake Travis ISD TX PD [Inactive]").normalized == "LAKE TRAVIS ISD TX PD"
    assert classify("DNU - Austin TX PD").normalized == "AUSTIN TX PD"
    assert classify("Greenfield CA PD - Condor Cameras").normalized == "GREENFIELD CA PD"
    assert classify("Mountain View CA PD (Santa Clara County)").normalized == "MOUNTAIN VIEW CA PD"
    assert classify("Mountain View Police Department").normalized == "MOUNTAIN VIEW PD"
    assert classify("ALAMEDA COUNTY SHERIFFS OFFICE (CA)").normalized == "ALAMEDA COUNTY SO"


DISPLAY = [
    ("Cobb County GA SO", "Cobb County Sheriff's Office"),
    ("Houston TX PD", "Houston Police Department"),
    ("DNU - Austin TX PD", "Austin Police Department"),
    ("Do Not Use - Marietta GA PD", "Marietta Police Department"),
    ("Lake Travis ISD TX PD [Inactive]", "Lake Travis ISD Police Department"),
    ("[Federal] Federal Bureau of Investigation (FBI)", "Federal Bureau of Investigation (FBI)"),
    ("Greenfield CA PD - Condor Cameras", "Greenfield Police Department"),
    ("Mountain View CA PD (Santa Clara County)", "Mountain View Police Department (Santa Clara County)"),
    ("Houston TX PD (1)", "Houston Police Department"),
    ("Houston TX PD (REDACTED)", "Houston Police Department"),
    ("Indianapolis IN Metro PD", "Indianapolis Metro Police Department"),
    ("CA - Wasco PD", "Wasco Police Department"),
    ("Terre Haute PD IN", "Terre Haute Police Department"),
    ("Kern County CA DA", "Kern County District Attorney's Office"),
    ("Los Angeles County CA SD", "Los Angeles County Sheriff's Department"),
    ("Texas DPS", "Texas Department of Public Safety"),
    ("CA DOJ", "CA DOJ"),  # a code that is part of the name stays
    ("ALACHUA FL PD (FLEX)", "ALACHUA POLICE DEPARTMENT"),  # capitals stay capitals
    ("GLENDORA (CA) PD", "GLENDORA POLICE DEPARTMENT"),
    ("CARSON CITY SO NV (FLEX)", "CARSON CITY SHERIFF'S OFFICE"),
    ("CITY OF EDGEWATER FL - (CONDOR)", "CITY OF EDGEWATER"),
    ("BEXLEY OH PD (CONDOR)", "BEXLEY POLICE DEPARTMENT"),
    ("Kern High USD CA", "Kern High USD"),  # a school district's SD is never a sheriff
    ("REDACTED", "(name redacted)"),
    ("[REDACTED]", "(name redacted)"),
    ("***", "(name redacted)"),
]


@pytest.mark.parametrize(("name", "expected"), DISPLAY, ids=[d[0] for d in DISPLAY])
def test_display_name_cleans_flock_labels(name: str, expected: str) -> None:
    assert classify(name).display_name == expected
    assert display_name(name) == expected


def test_display_name_order_registry_then_ice_then_label(tmp_path: Path) -> None:
    ice = {classify("Cobb County Sheriff's Office", state_hint="GA").agency_key: "Cobb County Sheriff's Office"}
    assert display_name("DNU - Cobb County GA SO", None, ice) == "Cobb County Sheriff's Office"
    assert display_name("Cobb County GA SO [Inactive]", None, ice) == "Cobb County Sheriff's Office"
    assert display_name("Cobb County AL SO", None, ice) == "Cobb County Sheriff's Office"  # the label: no match
    assert classify("Cobb County AL SO").display_from == "label"
    registry = read_registry(write(tmp_path / "r.csv", (
        "name_or_pattern,state,kind,same_as,display_name\n"
        "*Cobb County GA SO*,,,,Cobb County Sheriff's Office (Georgia)\n"
        "NCRIC,CA,state,,Northern California Regional Intelligence Center\n")))
    assert display_name("DNU - Cobb County GA SO", registry, ice) == "Cobb County Sheriff's Office (Georgia)"
    # a display-only row changes nothing else
    got, plain = classify("DNU - Cobb County GA SO", registry), classify("DNU - Cobb County GA SO")
    assert (got.state, got.kind, got.agency_key, got.classified_by) == (plain.state, plain.kind, plain.agency_key,
                                                                        "rules")
    got = classify("NCRIC", registry)
    assert (got.state, got.kind, got.display_name, got.display_from) == (
        "CA", "state", "Northern California Regional Intelligence Center", "registry")


def test_keys_same_agency_different_spellings() -> None:
    assert classify("Cobb County GA SO").agency_key == classify("Cobb County Sheriff's Office (GA)").agency_key
    assert classify("Houston TX PD").agency_key == classify("HOUSTON POLICE DEPARTMENT (TX)").agency_key
    assert classify("FBI").agency_key == classify("[Federal] Federal Bureau of Investigation (FBI)").agency_key
    assert classify("SCOTT CO KY SO").agency_key == classify("Scott County Sheriff's Office (KY)").agency_key
    assert classify("***").agency_key != classify("###").agency_key  # redacted names are not one agency
    # city police and county sheriff never share a key, nor two states
    assert classify("Orange CA PD").agency_key != classify("Orange County CA SO").agency_key
    assert classify("Mountain View CA PD").agency_key != classify("Mountain View MO PD").agency_key


def test_resolve_keys_needs_one_state() -> None:
    names = ["Mountain View Police Department", "Mountain View CA PD (Santa Clara County)"]
    keys = [c.agency_key for c in resolve_keys([classify(n) for n in names])]
    assert keys[0] == keys[1] == "ca:police:mountain view"
    # a second state makes the bare name ambiguous: it keeps its own key
    names.append("Mountain View MO PD")
    keys = [c.agency_key for c in resolve_keys([classify(n) for n in names])]
    assert keys[0] == "?:police:mountain view" and keys[1] != keys[2]
    # a sheriff with the place's name is not the city police
    keys = [c.agency_key for c in resolve_keys([classify(n) for n in ("Santa Clara Police Department",
                                                                       "Santa Clara County CA SO")])]
    assert keys[0] == "?:police:santa clara"


def test_rule_tables_say_why() -> None:
    from lprlogs.agencies import rules_dir

    paths = sorted(rules_dir().glob("*.csv"))
    assert paths, "no rule tables"
    for path in paths:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert rows and "why" in rows[0], path.name
        assert all(r["why"].strip() for r in rows), path.name


# --- registry --------------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_registry_overrides_rules(tmp_path: Path) -> None:
    registry = read_registry(write(tmp_path / "r.csv", (
        "name_or_pattern,state,kind,same_as\n"
        "Cal Fire*,CA,state,\n"
        "WAKEMED CAMPUS PD*,,private,\n"
        "MV Police,,,Mountain View CA PD\n")))
    got = classify("Cal Fire ", registry)
    assert (got.state, got.kind, got.classified_by) == ("CA", "state", "registry: Cal Fire*")
    assert classify("WAKEMED CAMPUS PD & PUBLIC SAFETY (NC)", registry).school is False
    assert classify("MV Police", registry).agency_key == "ca:police:mountain view"
    assert classify("Houston TX PD", registry).classified_by == "rules"


def test_registry_time_zone(tmp_path: Path) -> None:
    """A registry row may give a producer's time zone (``tz``), alone or with other corrections."""
    registry = read_registry(write(tmp_path / "r.csv", (
        "name_or_pattern,state,kind,same_as,display_name,tz\n"
        "Nashville TN PD,,,,,America/Chicago\n"
        "Irvine Police Department,CA,,,,America/Los_Angeles\n")))
    got, plain = classify("Nashville TN PD", registry), classify("Nashville TN PD")
    assert got.tz == "America/Chicago" and plain.tz is None
    assert (got.state, got.kind, got.agency_key, got.classified_by) == ("TN", "police", plain.agency_key, "rules")
    got = classify("Irvine Police Department", registry)
    assert (got.state, got.tz) == ("CA", "America/Los_Angeles")


@pytest.mark.parametrize(("text", "message"), [
    ("name_or_pattern,tz\nFoo,Mars/Olympus\n", "line 2: unknown time zone 'Mars/Olympus'"),
    ("name,kind\nFoo,bogus\n", "line 2: unknown kind 'bogus'"),
    ("name_or_pattern,state\nFoo,Atlantis\n", "line 2: unknown state 'Atlantis'"),
    ("organisation,kind\nFoo,police\n", "no name_or_pattern column"),
    ("name_or_pattern,state,kind,same_as\nFoo,,,\n", "changes nothing"),
])
def test_registry_mistakes_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(LprlogsError, match=re.escape(message)):
        read_registry(write(tmp_path / "r.csv", text))


# --- the real names in ../shared/realdata -----------------------------------------------------------


def real_names(realdata: Path) -> list[str]:
    import polars as pl

    names: list[str] = []
    vigilant = realdata / "irvine-ca-pd-vigilant" / "alpr-audits-irvine-police-department-181267_doc5.xlsx"
    for sheet in ("A1", "A2", "A3", "A4"):
        frame = pl.read_excel(vigilant, sheet_name=sheet, engine="calamine")
        names += frame[frame.columns[0]].drop_nulls().to_list()
    sharing = pl.read_excel(realdata / "ocsd-flock-sharednetworks" / "SharedNetworks_2025_December.xlsx",
                            engine="calamine")
    names += sharing["Organization Name"].drop_nulls().to_list()
    return names


def expected_state(name: str, rules: Rules) -> str | None:
    """An independent, narrow reading: a state code in parentheses, or right before PD / SO."""
    upper = name.upper()
    m = re.search(r"\(([A-Z]{2})\)", upper) or re.search(r"\b([A-Z]{2})\s+(?:PD|SO)\b", upper)
    if m and m.group(1) in rules.code_to_name:
        return m.group(1)
    return None


def test_state_right_on_real_names(realdata: Path) -> None:
    rules = Rules.load()
    names = real_names(realdata)
    assert len(names) > 3000
    checked = wrong = 0
    invented = []
    mismatches = []
    for name in names:
        got = classify(name)
        expected = expected_state(name, rules)
        if expected is not None:
            checked += 1
            if got.state != expected:
                wrong += 1
                mismatches.append((name, expected, got.state))
        if got.state is not None:
            # a state must come from a code or a state name written in the name
            upper = re.sub(r"[^A-Z ]", " ", name.upper())
            if got.state not in upper.split() and rules.code_to_name[got.state] not in upper:
                invented.append((name, got.state))
    assert checked > 2500
    assert wrong / checked < 0.002, mismatches[:20]
    assert not invented


def test_kinds_of_real_names(realdata: Path) -> None:
    """Names whose only agency words are PD / Police Department are police (or a more specific
    kind the name also says); names that say sheriff are sheriffs; nothing else is federal."""
    names = sorted(set(real_names(realdata)))
    specific = re.compile(r"UNIVERSITY|COLLEGE|CAMPUS|ISD|SCHOOL|TRIBAL|NATION|STATE|DA\b|CSU|UC |HARBOR|"
                          r"PROBATION|CORRECTION|COUNTY|SHERIFF|FIRE|TASK FORCE|PARKS|AIRPORT")
    police = [n for n in names if re.search(r"\b(PD|POLICE DEPARTMENT)\b", n.upper())
              and not specific.search(n.upper())]
    assert len(police) > 1500
    wrong = [(n, classify(n).kind) for n in police if classify(n).kind != "police"]
    assert not wrong, wrong[:20]
    sheriffs = [n for n in names if re.search(r"\bSHERIFF", n.upper()) and "DISTRICT ATTORNEY" not in n.upper()]
    assert sheriffs and all(classify(n).kind == "sheriff" for n in sheriffs), [
        n for n in sheriffs if classify(n).kind != "sheriff"][:20]
    federal = sorted(n for n in names if classify(n).federal)
    assert federal == sorted(["ATF NATIONAL ACCOUNT", "DRUG ENFORCEMENT ADMINISTRATION (NATL)", "HSI MASTER",
                              "SAN DIEGO SECTOR BORDER PATROL (CA)", "US POSTAL INSPECTION SERVICE",
                              "[Federal] Loma Linda Healthcare System CA Veterans Affairs PD"])


def test_state_of_287g_names_never_contradicts_ice(realdata: Path) -> None:
    import polars as pl

    rules = Rules.load()
    frame = pl.read_excel(realdata / "ice-287g" / "participatingAgencies07182025pm.xlsx", engine="calamine")
    rows = frame.select("STATE", "LAW ENFORCEMENT AGENCY").rows()
    found = contradicted = 0
    for state, agency in rows:
        got = classify(agency)
        if got.state:
            found += 1
            contradicted += got.state != rules.state_code(state)
    assert found >= 55  # the state agencies: 'Florida Highway Patrol', 'Virginia Department of State Police'
    assert contradicted == 0


def test_kinds_of_287g_names(realdata: Path) -> None:
    import polars as pl

    frame = pl.read_excel(realdata / "ice-287g" / "participatingAgencies07182025pm.xlsx", engine="calamine")
    rows = frame.select("LAW ENFORCEMENT AGENCY", "TYPE").rows()
    sheriffs = [a for a, t in rows if "sheriff" in a.lower()]
    assert len(sheriffs) > 500 and all(classify(a).kind == "sheriff" for a in sheriffs)
    police = [a for a, t in rows if t == "Municipality" and "police department" in a.lower() and "state" not in
              a.lower()]
    assert len(police) > 150 and all(classify(a).kind == "police" for a in police)


# --- store: view and commands ----------------------------------------------------------------------

@pytest.mark.slow
def test_views_exist_on_empty_store(run_cli, store_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    run_cli("ingest", str(empty))  # creates the store with nothing in it
    result = run_cli("query", "select count(*) as n from agencies", "--format", "json")
    assert json.loads(result.output) == [{"n": 0}]
    result = run_cli("query", "select count(*) as n, count(agency_key) as k from agreements", "--format", "json")
    assert json.loads(result.output) == [{"n": 0, "k": 0}]


@pytest.mark.slow
def test_agencies_view_and_list(run_cli, store_dir: Path, tmp_path: Path) -> None:
    result = run_cli("ingest", str(network_audit(tmp_path / "release")))
    assert result.exit_code == 0, result.output
    result = run_cli("agencies", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.output)}
    producer = rows["Mountain View Police Department"]
    assert (producer["rows_as_producer"], producer["rows_as_searcher"]) == (13, 2)
    assert producer["agency_key"] == rows["Mountain View CA PD (Santa Clara County)"]["agency_key"]
    # the producer's state is inferred from the other spelling, and says so
    result = run_cli("query", "select state, state_from from agencies where name = 'Mountain View Police Department'",
                     "--format", "json")
    assert json.loads(result.output) == [{"state": "CA", "state_from": "same place and kind as a name in CA"}]
    assert rows["Colbert County AL SO"]["agency_key"] != rows["Colbert County GA SO"]["agency_key"]
    assert rows["[Federal] Federal Bureau of Investigation (FBI)"]["federal"] is True
    assert rows["Cypress Fairbanks ISD (TX) PD"]["school"] is True
    # the display name a letter uses: the label without Flock's decorations
    result = run_cli("query", "select name, display_name from agencies where name in "
                     "('[Federal] Federal Bureau of Investigation (FBI)', 'Colbert County AL SO') order by 1",
                     "--format", "json")
    assert json.loads(result.output) == [
        {"name": "Colbert County AL SO", "display_name": "Colbert County Sheriff's Office"},
        {"name": "[Federal] Federal Bureau of Investigation (FBI)",
         "display_name": "Federal Bureau of Investigation (FBI)"}]
    # flags join on the verbatim name
    result = run_cli("query", "select count(*) as n from searches s join agencies a on a.name = s.searcher_org",
                     "--format", "json")
    assert json.loads(result.output) == [{"n": 13}]


@pytest.mark.slow
def test_load_registry_changes_classify_and_list(run_cli, store_dir: Path, tmp_path: Path) -> None:
    run_cli("ingest", str(network_audit(tmp_path / "release")))
    registry = write(tmp_path / "registry.csv", "name_or_pattern,state,kind,same_as\nNCRIC,CA,state,\n")
    before = json.loads(run_cli("agencies", "classify", "NCRIC", "--format", "json").output)[0]
    assert (before["state"], before["kind"]) == (None, "other")
    result = run_cli("agencies", "load-registry", str(registry), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["names_in_store_changed"] == 1
    after = json.loads(run_cli("agencies", "classify", "NCRIC", "--format", "json").output)[0]
    assert (after["state"], after["kind"], after["classified_by"]) == ("CA", "state", "registry: NCRIC")
    listed = {r["name"]: r for r in json.loads(run_cli("agencies", "list", "--format", "json").output)}
    assert (listed["NCRIC"]["kind"], listed["NCRIC"]["classified_by"]) == ("state", "registry: NCRIC")
    # the registry survives a later ingest
    run_cli("ingest", str(network_audit(tmp_path / "more", producer="Sunnyvale CA PD",
                                        searchers=[("NCRIC", 1)])))
    listed = {r["name"]: r for r in json.loads(run_cli("agencies", "list", "--format", "json").output)}
    assert listed["NCRIC"]["rows_as_searcher"] == 2 and listed["NCRIC"]["kind"] == "state"
    # a registry that only names an agency for display counts as a change, and shows in the view
    names_only = write(tmp_path / "names.csv", "name_or_pattern,display_name\nMarianna FL PD,City of Marianna Police\n")
    result = run_cli("agencies", "load-registry", str(names_only), "--format", "json")
    assert json.loads(result.output)[0]["names_in_store_changed"] == 1
    result = run_cli("query", "select display_name, kind from agencies where name = 'Marianna FL PD'", "--format", "json")
    assert json.loads(result.output) == [{"display_name": "City of Marianna Police", "kind": "police"}]


def test_load_registry_rejects_bad_file(run_cli, tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.csv", "name_or_pattern,kind\nFoo,cops\n")
    result = run_cli("agencies", "load-registry", str(bad))
    assert result.exit_code != 0 and "line 2: unknown kind 'cops'" in result.output


def test_classify_command(run_cli, tmp_path: Path) -> None:
    result = run_cli("agencies", "classify", "Federal Way WA PD", "Cypress Fairbanks ISD (TX) PD", "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "name,normalized,state,kind,federal,school,inactive,agency_key,classified_by,display_name"
    assert lines[1].endswith(",Federal Way Police Department")
    assert lines[1].startswith("Federal Way WA PD,FEDERAL WAY WA PD,WA,police,false,false,false")
    assert lines[2].startswith("Cypress Fairbanks ISD (TX) PD,CYPRESS FAIRBANKS ISD PD,TX,school,false,true,false")
    result = run_cli("agencies", "classify", "-", "--format", "json", input="Justice IL PD\n\nDNU - Austin TX PD\n")
    rows = json.loads(result.output)
    assert [(r["name"], r["kind"], r["inactive"]) for r in rows] == [("Justice IL PD", "police", False),
                                                                      ("DNU - Austin TX PD", "police", True)]
    names = write(tmp_path / "names.csv", 'Org Name,other\n"University City MO PD",x\nUS Border Patrol,y\n')
    rows = json.loads(run_cli("agencies", "classify", "--file", str(names), "--format", "json").output)
    assert [(r["state"], r["kind"]) for r in rows] == [("MO", "police"), (None, "federal")]
    registry = write(tmp_path / "r.csv", "name_or_pattern,kind\n*Ozawa*,other\n")
    rows = json.loads(run_cli("agencies", "classify", "5588 Ozawa Circle", "--registry", str(registry),
                              "--format", "json").output)
    assert rows[0]["kind"] == "other"
    result = run_cli("agencies", "classify")
    assert result.exit_code != 0 and "no names to classify" in result.output
