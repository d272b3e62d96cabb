"""Follow-up letters: one per searching agency with findings, the right law, every search cited, tracking.csv,
appeal drafts for over-redacted releases, formula-safe cells, template injection refused."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
from helpers import FLOCK_HEADER, flock_time, write_csv

from lprlogs.engine import Engine
from lprlogs.followup import law_for, public_records_laws, slugify, write_followup
from lprlogs.store import Store


def flock_row(search_id: str, user: str, org: str, when: dt.datetime, plate: str, reason: str,
              case: str = "", networks: int = 12) -> list[str]:
    frame = f"{flock_time(when - dt.timedelta(days=2))}\n{flock_time(when)}"
    return [search_id, user, org, str(networks), "300", frame, plate, reason, case, "", flock_time(when), "lookup", "",
            "allow"]


T0 = dt.datetime(2025, 11, 3, 15, 4, 5, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def release_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The release below, ingested once for the tests of this module (they only read the store)."""
    from click.testing import CliRunner

    from lprlogs.cli import cli

    folder = tmp_path_factory.mktemp("release")
    store = folder.parent / f"{folder.name}-store"
    rows = [
        flock_row("a0000000-0000-4000-8000-000000000001", "J. Quill", "Mountain View CA PD", T0, "8XYZ001", "stolen vehicle"),
        flock_row("a0000000-0000-4000-8000-000000000002", "P. Marlow", "Houston TX PD", T0 + dt.timedelta(days=1),
                  "7ABC123", "ICE detainer", networks=1200),
        flock_row("a0000000-0000-4000-8000-000000000003", "P. Marlow", "Houston TX PD", T0 + dt.timedelta(days=2),
                  "ABC1234", "Immigration (civil/administrative) - =HYPERLINK(\"x\")"),
        flock_row("a0000000-0000-4000-8000-000000000004", "T. Ibsen",
                  "[Federal] Homeland Security Investigations (HSI)", T0 + dt.timedelta(days=3), "5KLM777",
                  "HSI narcs {{ 7*7 }} {% raw %}"),
        flock_row("a0000000-0000-4000-8000-000000000005", "R. Okafor", "Cobb County GA SO", T0 + dt.timedelta(days=4),
                  "6QRS555", "Deportation Warrant"),
        flock_row("a0000000-0000-4000-8000-000000000006", "L. Varga", "Los Altos CA PD", T0 + dt.timedelta(days=5),
                  "4TUV444", "burglary"),
    ]
    # an over-redacted organisation audit: every name and case number masked
    rows.append(flock_row("a0000000-0000-4000-8000-000000000007", "P. Marlow", "Houston TX PD",
                          T0 + dt.timedelta(days=6), "3XYZ333", '=HYPERLINK("http://x","ICE detainer") | deport'))
    write_csv(folder / "11_1_2025-11_30_2025-Mountain View CA PD-Network-Audit.csv", FLOCK_HEADER, rows)
    masked = [flock_row(f"b0000000-0000-4000-8000-00000000001{i}", "***", "Tulsa OK PD",
                        T0 + dt.timedelta(hours=i), "***", "theft", case="***") for i in range(10)]
    masked.append(flock_row("b0000000-0000-4000-8000-000000000020", "A. Kemp", "Tulsa OK PD", T0, "1AAA111",
                            "theft", case="25-1"))
    write_csv(folder / "10_1_2025-10_31_2025-Tulsa OK PD-Audit.csv", FLOCK_HEADER, masked)
    assert CliRunner().invoke(cli, ["ingest", str(folder), "-q", "--store", str(store)]).exit_code == 0
    return store


def test_law_table_covers_every_state_dc_and_federal() -> None:
    laws = public_records_laws()
    assert len(laws) == 52 and {"US", "DC", "CA", "TX", "WY"} <= set(laws)
    for row in laws.values():
        assert row["law_name"] and row["citation"], row
    assert law_for("TX", False)["law_name"] == "Texas Public Information Act"
    assert law_for("CA", True)["citation"] == "5 U.S.C. § 552"
    unknown = law_for(None, False)
    assert unknown["needs_review"] and "fill in" in unknown["citation"]


def test_slugs_are_unique_and_safe() -> None:
    taken: set[str] = set()
    assert slugify("[Federal] Homeland Security Investigations (HSI)", taken) == (
        "federal-homeland-security-investigations-hsi")
    assert slugify("../../etc", taken) == "etc"
    assert slugify("ETC", taken) == "etc-2"


@pytest.mark.slow
def test_followup_writes_one_letter_per_agency_with_findings(run_cli, release_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "letters"
    result = run_cli("followup", "-o", str(out), "--format", "csv", "--store", str(release_store))
    assert result.exit_code == 0, result.output
    letters = sorted(p.name for p in out.glob("*.md") if not p.name.startswith(("appeal-", "state-law-")))
    assert [p.name for p in out.glob("state-law-*.md")] == ["state-law-mountain-view-police-department-ca.md"]
    assert letters == ["cobb-county-sheriffs-office-ga.md", "homeland-security-investigations-hsi.md",
                       "houston-police-department-tx.md"]
    assert sorted(p.name for p in out.glob("*.txt")) == [n.replace(".md", ".txt") for n in letters]

    houston = (out / "houston-police-department-tx.md").read_text()
    assert "Texas Public Information Act" in houston and "Tex. Gov't Code ch. 552" in houston
    assert "`a0000000-0000-4000-8000-000000000002`" in houston  # search IDs cited verbatim
    assert "`ICE detainer`" in houston  # reason verbatim, as a code span
    assert "11_1_2025-11_30_2025-Mountain View CA PD-Network-Audit.csv, row 3" in houston  # as named
    assert "1200" in houston and "2025-11-04 15:04" in houston
    assert "Organization Audit" in houston and "287(g)" in houston and "sharing" in houston
    assert "DRAFT" in houston
    txt = (out / "houston-police-department-tx.txt").read_text()
    assert "Search ID a0000000-0000-4000-8000-000000000003" in txt
    assert "found in: 11_1_2025-11_30_2025-Mountain View CA PD-Network-Audit.csv, row 4".lower() in txt.lower()

    federal = (out / "homeland-security-investigations-hsi.md").read_text()
    assert "Freedom of Information Act" in federal and "5 U.S.C. § 552" in federal and "FOIA Officer" in federal
    # user data is never run as template code
    assert "{{ 7*7 }}" in federal and "49" not in federal.split("Reason as entered")[1].split("\n")[2]
    cobb = (out / "cobb-county-sheriffs-office-ga.txt").read_text()
    assert "Georgia Open Records Act" in cobb and "Deportation Warrant" in cobb
    assert not (out / "los-altos-ca-pd.md").exists() and not (out / "mountain-view-ca-pd.md").exists()

    with open(out / "tracking.csv", newline="") as fh:
        tracking = list(csv.DictReader(fh))
    assert {r["agency"]: int(r["searches_cited"]) for r in tracking} == {
        "Houston Police Department": 3, "Homeland Security Investigations (HSI)": 1, "Cobb County Sheriff's Office": 1}
    assert all(r["status"] == "" and r["due_date"] == "" and r["drafted"] for r in tracking)
    assert {r["state"] for r in tracking} >= {"TX", "GA"}
    with open(out / "houston-police-department-tx-searches.csv", newline="") as fh:
        attached = list(csv.DictReader(fh))
    assert len(attached) == 3
    # formula-looking text is neutralised in CSV cells, the rest is kept verbatim
    reasons = {r["search_id"]: r["reason"] for r in attached}
    assert reasons["a0000000-0000-4000-8000-000000000007"] == "'=HYPERLINK(\"http://x\",\"ICE detainer\") | deport"
    assert reasons["a0000000-0000-4000-8000-000000000002"] == "ICE detainer"
    # a pipe inside a reason does not split the Markdown table row
    line = next(x for x in houston.splitlines() if "000000000007" in x)
    assert len(re.findall(r"(?<!\\)\|", line)) == 8 and "\\| deport" in line  # 7 cells: 8 unescaped pipes


@pytest.mark.slow
def test_over_redacted_producer_gets_an_appeal_citing_the_share(run_cli, release_store: Path,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "letters"
    assert run_cli("followup", "-o", str(out), "--store", str(release_store)).exit_code == 0
    appeals = sorted(p.name for p in out.glob("appeal-*.md"))
    assert appeals == ["appeal-tulsa-police-department-ok.md"]
    text = (out / "appeal-tulsa-police-department-ok.md").read_text()
    assert "Oklahoma Open Records Act" in text
    assert "was masked in 10 of 11 rows (91%)" in text
    assert "10_1_2025-10_31_2025-Tulsa OK PD-Audit" in text.replace("\\", "")
    assert "Officer / user names" in text and "Case numbers" in text


@pytest.mark.slow
def test_flag_and_agency_options_limit_the_letters(run_cli, release_store: Path, tmp_path: Path) -> None:
    store = ("--store", str(release_store))
    out = tmp_path / "only-federal"
    result = run_cli("followup", "-o", str(out), "--flag", "federal_searcher", *store)
    assert result.exit_code == 0
    assert [p.name for p in out.glob("*.md") if not p.name.startswith("appeal")] == [
        "homeland-security-investigations-hsi.md"]
    out2 = tmp_path / "only-cobb"
    result = run_cli("followup", "-o", str(out2), "--agency", "cobb county ga so", "--agency", "Nowhere PD", *store)
    assert result.exit_code == 0
    assert [p.name for p in out2.glob("*.md")] == ["cobb-county-sheriffs-office-ga.md"]
    assert "Nowhere PD" in result.output  # told that this name had no findings
    bad = run_cli("followup", "-o", str(out2), "--flag", "no_such_flag", *store)
    assert bad.exit_code == 1 and "unknown flag" in bad.output


@pytest.mark.slow
def test_long_lists_are_capped_in_the_letter_and_complete_in_the_attachment(store_dir: Path, tmp_path: Path,
                                                                            run_cli) -> None:
    rows = [flock_row(f"c0000000-0000-4000-8000-{i:012d}", "Q. Ames", "Houston TX PD",
                      T0 + dt.timedelta(minutes=i), f"{i % 9 + 1}ABC{i:03d}", "ICE") for i in range(40)]
    src = write_csv(tmp_path / "11_1_2025-11_30_2025-Mountain View CA PD-Network-Audit.csv", FLOCK_HEADER, rows)
    run_cli("ingest", str(src), "-q")
    engine = Engine(Store.open(store_dir))
    result = write_followup(engine, tmp_path / "out", cap=10, drafted=dt.date(2026, 1, 2))
    assert [x.searches for x in result.letters] == [40]
    text = result.letters[0].letter_md.read_text()
    assert "shows 10 of the 40 searches" in text and "2026-01-02" in text
    assert text.count("| `c0000000") == 10
    with open(result.letters[0].attachment, newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 40


@pytest.mark.slow
def test_redacted_letters_carry_no_plate_or_name(run_cli, release_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "letters"
    assert run_cli("followup", "-o", str(out), "--redact", "--store", str(release_store)).exit_code == 0
    text = "".join(p.read_text() for p in out.iterdir())
    for secret in ("7ABC123", "ABC1234", "5KLM777", "P. Marlow", "T. Ibsen", "R. Okafor"):
        assert secret not in text
    assert "pseudonymised" in text


@pytest.mark.slow
def test_samples_one_letter_per_agency_with_findings_naming_its_law(run_cli, store_dir: Path,
                                                                    tmp_path: Path) -> None:
    samples = Path(__file__).resolve().parent.parent / "samples" / "flock"
    files = [samples / "1_1_2026-1_31_2026-Oak Ridge Park IL PD-Network-Audit.csv",
             samples / "10_1_2025-10_31_2025-Dover DE PD-Network-Audit.csv"]
    assert all(f.exists() for f in files), "samples/ is bundled: a missing sample is an error, not a skip"
    run_cli("ingest", *map(str, files), "-q")
    out = tmp_path / "letters"
    assert run_cli("followup", "-o", str(out)).exit_code == 0
    engine = Engine(Store.open(store_dir))
    expected = engine.con.execute(
        "SELECT searcher_org, list(DISTINCT search_uid) FROM searches JOIN flags USING (search_key) "
        "WHERE flag IN ('immigration', 'federal_searcher', 'out_of_state_searcher', '287g_searcher') "
        "AND searcher_org IS NOT NULL GROUP BY ALL").fetchall()
    assert expected
    with open(out / "tracking.csv", newline="") as fh:
        tracking = list(csv.DictReader(fh))
    by_label = {label: row for row in tracking for label in row["audit_log_names"].split("; ")}
    assert set(by_label) == {name for name, _ in expected}
    classified = {name: (state, federal) for name, state, federal in engine.con.execute(
        "SELECT name, state, federal FROM agencies").fetchall()}
    uids = {name: set(found) for name, found in expected}
    for row in tracking:
        labels = row["audit_log_names"].split("; ")
        cited = set().union(*(uids[label] for label in labels))
        assert int(row["searches_cited"]) == len(cited)
        letter = (out / row["letter"]).read_text()
        state, federal = classified[labels[0]]
        law = law_for(state, bool(federal))
        assert law["citation"] in letter and row["citation"] == law["citation"]
        assert (law["jurisdiction"] == "US") == bool(federal)
        plain = (out / row["letter"]).with_suffix(".txt").read_text()
        assert row["agency"] in plain.split("Dear ")[0]  # addressed by its display name
        with open(out / row["attachment"], newline="") as fh:
            attached = list(csv.DictReader(fh))
        assert {r["search_uid"] for r in attached} == cited
        assert all(r["found_in"].endswith(tuple(f", row {n}" for n in range(2, 2000))) for r in attached)


def test_law_marked_for_review_is_flagged_in_the_letter_and_unknown_state_gets_a_placeholder() -> None:
    from lprlogs.followup import _line, render, route_for
    from lprlogs.report.escape import md_text

    findings = [{"key": "immigration_purpose", "title": "a stated immigration-enforcement purpose", "count": 1,
                 "flags": ["immigration (1)"]}]
    context = {"drafted": "2026-01-02", "agency": {"name": "Honolulu Police Department", "state": "HI",
                                                   "kind": "police", "federal": False, "labels": ["Honolulu HI PD"]},
               "route": route_for("HI", False), "findings": findings, "finding": {f["key"]: f for f in findings},
               "per_search": 1,
               "custodian": "Custodian of Records", "period_start": "2025-07-01", "period_end": "2025-07-31",
               "total": 1, "attachment": "honolulu-hi-pd-searches.csv", "redacted": False,
               "producers": ["Honolulu HI PD"], "flag_counts": ["immigration (1)"], "agreements": [],
               "shown": [{"search_id": "x", "date": "2025-07-02 10:00", "zone": "UTC", "reason": "ICE", "networks": 3,
                          "flags": "immigration", "locations": "f.csv, row 2"}]}
    for template, esc in (("letter.md.j2", md_text), ("letter.txt.j2", _line)):
        hawaii = render(template, law=law_for("HI", False), esc=esc, **context)
        assert "Haw. Rev. Stat. ch. 92F" in hawaii and "check before sending:" in hawaii.lower()
        nowhere = render(template, law=law_for(None, False), esc=esc, **context)
        assert "[citation: state not known, fill in]" in nowhere
        california = render(template, law=law_for("CA", False), esc=esc, **context)
        assert "check before sending:" not in california.lower() and "10 days" in california


@pytest.mark.slow
def test_rerun_keeps_what_the_newsroom_typed_into_tracking(run_cli, release_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "letters"
    store = ("--store", str(release_store))
    run_cli("followup", "-o", str(out), *store)
    path = out / "tracking.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["agency"] == "Houston Police Department":
            row.update(sent="2026-01-05", status="acknowledged", due_date="2026-01-19", notes="=call back")
    rows.append({**rows[0], "agency": "Old Town KS PD", "status": "records received"})
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    run_cli("followup", "-o", str(out), *store)
    with open(path, newline="") as fh:
        again = {r["agency"]: r for r in csv.DictReader(fh)}
    houston = again["Houston Police Department"]
    assert (houston["sent"], houston["status"], houston["due_date"]) == ("2026-01-05", "acknowledged", "2026-01-19")
    assert houston["notes"] == "'=call back"  # still formula-safe
    assert again["Old Town KS PD"]["status"] == "records received"  # not drafted this time: kept
    assert again["Cobb County Sheriff's Office"]["status"] == ""


@pytest.mark.slow
def test_letters_name_the_agencys_287g_agreement_from_a_loaded_list(run_cli, tmp_path: Path) -> None:
    ice_list = Path(__file__).resolve().parent.parent / "samples" / "reference" / "ice-287g-participating-sample.xlsx"
    assert ice_list.exists(), "samples/reference is bundled: a missing list is an error, not a skip"
    src = write_csv(tmp_path / "11_1_2025-11_30_2025-Mountain View CA PD-Network-Audit.csv", FLOCK_HEADER, [
        flock_row("e0000000-0000-4000-8000-000000000001", "Q. Ames", "Marianna FL PD", T0, "1ABC111", "ICE hold")])
    run_cli("ingest", str(src), "-q")
    assert run_cli("agencies", "load-287g", str(ice_list)).exit_code == 0
    out = tmp_path / "letters"
    assert run_cli("followup", "-o", str(out)).exit_code == 0
    for suffix in (".md", ".txt"):
        text = (out / f"marianna-police-department-fl{suffix}").read_text()
        assert "287(g) list names Marianna Police Department" in text and "Task Force Model" in text
        assert "Florida Public Records Act" in text
