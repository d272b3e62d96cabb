"""Follow-up letters name the agency as a reader knows it, follow each state's appeal route, warn the
reporter where only residents may ask, and keep each letter's asks proportionate to its findings."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
from helpers import flock_row, write_flock_csv

from lprlogs.engine import Engine
from lprlogs.followup import CONTEXT_CAP, FollowupResult, appeal_routes, route_for, write_followup
from lprlogs.store import Store

T0 = dt.datetime(2025, 11, 3, 15, 4, 5, tzinfo=dt.UTC)


def when(minutes: int) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).strftime("%m/%d/%Y, %I:%M:%S %p UTC")


def sid(prefix: str, i: int) -> str:
    return f"{prefix}0000000-0000-4000-8000-{i:012d}"


@pytest.fixture(scope="module")
def scope_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One release (a California network audit and an over-redacted Illinois org audit), ingested once."""
    from click.testing import CliRunner

    from lprlogs.cli import cli

    folder = tmp_path_factory.mktemp("scope")
    store = folder.parent / f"{folder.name}-store"
    rows = [flock_row("ICE detainer", "DNU - Houston TX PD", search_time=when(1), search_id=sid("a", 1)),
            flock_row("assist ICE", "Houston TX PD", search_time=when(2), search_id=sid("a", 2)),
            flock_row("ICE warrant", "Fairfax County VA PD", search_time=when(3), search_id=sid("b", 3))]
    # 120 searches by an Oklahoma agency of California cameras, none with an immigration reason
    rows += [flock_row("stolen vehicle", "Tulsa OK PD", search_time=when(10 + i), search_id=sid("c", i))
             for i in range(120)]
    write_flock_csv(folder, "11_1_2025-11_30_2025-Mountain View CA PD-Network-Audit.csv", rows)
    masked = [flock_row("theft", "Oak Lawn IL PD", search_time=when(i), search_id=sid("d", i), user="***",
                        plate="***") for i in range(12)]
    write_flock_csv(folder, "10_1_2025-10_31_2025-Oak Lawn IL PD-Audit.csv", masked)
    result = CliRunner().invoke(cli, ["ingest", str(folder), "-q", "--store", str(store)])
    assert result.exit_code == 0, result.output
    return store


def draft(store: Path, out: Path, **options) -> FollowupResult:
    engine = Engine(Store.open(store))
    try:
        return write_followup(engine, out, drafted=dt.date(2026, 1, 2), **options)
    finally:
        engine.close()


@pytest.fixture(scope="module")
def letters(scope_store: Path) -> FollowupResult:
    """The letters drafted from that release with the default flags."""
    return draft(scope_store, scope_store.parent / "letters")


def letter_of(result: FollowupResult, agency: str):
    found = [x for x in result.letters if x.agency == agency]
    assert len(found) == 1, [x.agency for x in result.letters]
    return found[0]


def test_two_labels_of_one_agency_get_one_letter_addressed_by_its_display_name(letters: FollowupResult) -> None:
    houston = letter_of(letters, "Houston Police Department")
    assert houston.labels == ["DNU - Houston TX PD", "Houston TX PD"] and houston.searches == 2
    assert houston.letter_md.name == "houston-police-department-tx.md"
    assert not any("dnu" in p.name for p in letters.out_dir.iterdir())
    for path in (houston.letter_md, houston.letter_txt):
        text = path.read_text()
        addressed = text.split("Dear ")[0]
        assert "Houston Police Department" in addressed and "DNU" not in addressed and "TX PD" not in addressed
        # the audit-log labels are quoted once, so the agency can find its searches
        assert text.count("Houston TX PD") == 2 and "shown in the audit logs as" in text
    with open(letters.tracking, newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["agency_key"] == houston.agency_key]
    assert len(rows) == 1 and rows[0]["agency"] == "Houston Police Department"
    assert rows[0]["audit_log_names"] == "DNU - Houston TX PD; Houston TX PD" and rows[0]["searches_cited"] == "2"


def test_illinois_appeal_goes_to_the_public_access_counselor(letters: FollowupResult) -> None:
    (appeal,) = [a for a in letters.appeals if a.state == "IL"]
    assert appeal.producer == "Oak Lawn Police Department"
    text = appeal.path.read_text()
    head = text.split("**Re:")[0]
    assert "Public Access Counselor, Office of the Illinois Attorney General" in head
    assert "Custodian of Records" not in head and "5 ILCS 140/9.5(a)" in text and "60 days" in text
    assert "Check this route" not in text  # a checked row
    assert "masked in 12 of 12 rows (100%)" in text


def test_unchecked_route_says_check_before_sending() -> None:
    unchecked = route_for("DE", False)
    assert unchecked["needs_review"] and unchecked["appeal_citation"]
    from lprlogs.followup import law_for, render
    from lprlogs.report.escape import md_text

    text = render("appeal.md.j2", esc=md_text, drafted="2026-01-02", law=law_for("DE", False), route=unchecked,
                  custodian="Custodian of Records", agency={"name": "Dover Police Department", "labels": ["Dover DE PD"],
                                                            "federal": False}, releases=[], field_labels=["plates"])
    assert "Check this route before sending" in text and "29 Del. C. § 10005(e)" in text
    assert "FOR THE REPORTER" not in text  # residency matters for the request, not for appealing a release


def test_route_table_covers_every_jurisdiction_with_a_citation_and_a_review_mark() -> None:
    routes = appeal_routes()
    assert len(routes) == 52 and {"US", "DC", "IL", "VA", "TX"} <= set(routes)
    for code, route in routes.items():
        assert route["appeal_to"] and route["appeal_citation"] and route["why"], code
        assert route["appeal_needs_review"] in ("yes", "no") and route["residents_only"] in ("yes", "no", "unclear")
        assert (route["residents_only"] == "no") == (not route["residents_citation"]), code
    assert {c for c, r in routes.items() if r["residents_only"] == "yes"} >= {"VA", "TN", "AR"}
    assert routes["VA"]["residents_citation"].startswith("Va. Code § 2.2-3704(A)")


def test_virginia_letter_warns_the_reporter_to_find_a_resident(letters: FollowupResult) -> None:
    fairfax = letter_of(letters, "Fairfax County Police Department")
    for path in (fairfax.letter_md, fairfax.letter_txt):
        text = path.read_text()
        top = text.split("Dear ")[0]
        assert "FOR THE REPORTER" in top and "2.2-3704(A)" in top and "local resident" in top
    houston = letter_of(letters, "Houston Police Department").letter_md.read_text()
    assert "FOR THE REPORTER" not in houston and "resident" not in houston


def test_out_of_state_only_letter_asks_for_sharing_records_not_every_communication(letters: FollowupResult) -> None:
    tulsa = letter_of(letters, "Tulsa Police Department")
    assert tulsa.searches == 120 and tulsa.findings == {"cross_agency": 120}
    for path in (tulsa.letter_md, tulsa.letter_txt):
        text = path.read_text()
        assert "communications" not in text.lower() and "287(g)" not in text
        assert "sharing settings" in text and "120 searches" in text
        assert len(set(re.findall(r"c0000000-0000-4000-8000-\d{12}", text))) == CONTEXT_CAP
        assert f"shows {CONTEXT_CAP} of the 120 searches" in text
    with open(tulsa.attachment, newline="") as fh:
        attached = list(csv.DictReader(fh))
    assert len(attached) == 120 and {r["findings"] for r in attached} == {"cross_agency"}


def test_immigration_searches_get_per_search_asks_listed_first(letters: FollowupResult) -> None:
    houston = letter_of(letters, "Houston Police Department").letter_md.read_text()
    asks = houston.split("These records concern")[0]
    assert "For each of the 2 searches whose log entry states an immigration-enforcement purpose" in asks
    assert "communications" in asks and "287(g)" in asks
    fairfax = letter_of(letters, "Fairfax County Police Department").letter_txt.read_text()
    assert "For the one search whose log entry states" in fairfax


@pytest.mark.slow
def test_older_tracking_sheet_keyed_by_label_keeps_the_newsroom_cells(scope_store: Path, tmp_path: Path) -> None:
    """A tracking.csv written before agency keys (agency = the Flock label) still carries over."""
    out = tmp_path / "letters"
    out.mkdir()
    (out / "tracking.csv").write_text("agency,state,sent,status,due_date,notes\n"
                                      "Houston TX PD,TX,2026-01-05,acknowledged,2026-01-19,call back\n"
                                      "Old Town KS PD,KS,,records received,,\n", encoding="utf-8")
    draft(scope_store, out)
    with open(out / "tracking.csv", newline="") as fh:
        rows = {r["agency"]: r for r in csv.DictReader(fh)}
    houston = rows["Houston Police Department"]
    assert (houston["sent"], houston["status"], houston["notes"]) == ("2026-01-05", "acknowledged", "call back")
    assert "Houston TX PD" not in rows and rows["Old Town KS PD"]["status"] == "records received"


@pytest.mark.slow
def test_registry_display_name_and_agency_option(run_cli, scope_store: Path, tmp_path: Path) -> None:
    registry = tmp_path / "registry.csv"
    registry.write_text("name_or_pattern,state,kind,same_as,display_name\n"
                        "Tulsa OK PD,OK,police,,Tulsa Police Department (Records Unit)\n", encoding="utf-8")
    store = ("--store", str(scope_store))
    assert run_cli("agencies", "load-registry", str(registry), *store).exit_code == 0
    try:
        out = tmp_path / "letters"
        result = run_cli("followup", "-o", str(out), "--agency", "Tulsa Police Department (Records Unit)", *store)
        assert result.exit_code == 0, result.output
        (letter,) = [p for p in out.glob("*.txt")]
        assert letter.name == "tulsa-police-department-records-unit-ok.txt"
        assert "Tulsa Police Department (Records Unit)\n" in letter.read_text().split("Dear ")[0]
        # the Flock label picks the same agency
        again = run_cli("followup", "-o", str(tmp_path / "by-label"), "--agency", "tulsa ok pd", *store)
        assert [p.name for p in (tmp_path / "by-label").glob("*.txt")] == [letter.name], again.output
    finally:
        registry.write_text("name_or_pattern,state,kind,same_as,display_name\n", encoding="utf-8")
        run_cli("agencies", "load-registry", str(registry), *store)


def test_every_flag_belongs_to_one_finding_with_one_title() -> None:
    from lprlogs.followup import finding_asks, finding_of

    asks = finding_asks()
    today = {"immigration", "immigration_agency", "immigration_review", "287g_searcher", "federal_searcher", "out_of_state_searcher",
             "outside_agency", "wide_lookup", "school_camera", "school_searcher", "blank_reason", "vague_reason",
             "long_lookback", "moderated", "freeform_prompt"}
    assert today <= set(asks)
    assert finding_of("a_new_flag") == {"finding": "a_new_flag", "title": "the flag a_new_flag"}  # general asks only
    titles: dict[str, set[str]] = {}
    for row in asks.values():
        titles.setdefault(row["finding"], set()).add(row["title"])
    assert all(len(t) == 1 for t in titles.values()), titles


@pytest.mark.slow
def test_a_time_whose_zone_is_unknown_is_not_called_utc(store_dir: Path, tmp_path: Path) -> None:
    from helpers import write_searches

    from lprlogs.schema import UNKNOWN_BASIS

    when_local = dt.datetime(2025, 11, 3, 23, 30, tzinfo=dt.UTC)  # 23:30 as written, zone unknown
    write_searches(store_dir, [
        {"search_id": sid("e", 1), "searcher_org": "Houston TX PD", "reason": "ICE detainer",
         "search_time": when_local, "time_basis": UNKNOWN_BASIS},
        {"search_id": sid("e", 2), "searcher_org": "Houston TX PD", "reason": "assist ICE",
         "search_time": when_local + dt.timedelta(days=1), "time_basis": "utc"}])
    (letter,) = draft(store_dir, tmp_path / "letters").letters
    md, txt = letter.letter_md.read_text(), letter.letter_txt.read_text()
    assert "Date (UTC unless marked)" in md and "2025-11-03 23:30 (local time, zone unknown)" in md
    assert "2025-11-03 23:30 local time, zone unknown" in txt and "2025-11-04 23:30 UTC" in txt
    with open(letter.attachment, newline="") as fh:
        zones = {r["search_id"]: r["search_time_zone"] for r in csv.DictReader(fh)}
    assert zones == {sid("e", 1): "local time, zone unknown", sid("e", 2): "UTC"}
