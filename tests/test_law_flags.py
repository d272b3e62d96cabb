"""The state_law_* flags on synthetic releases: a California producer searched from other states and by federal
agencies before and after SB 34 took effect, a Virginia producer whose searches reach back 20, 21 and 22 days
around 2025-07-01 (its law's text was not read, so it flags only with -p law_confidence=low), an Illinois
producer searched for immigration from Texas, a Texas producer (no state law), and an Oregon producer whose law
nobody reviewed in a copy of the table (flags only with -p law_confidence=low)."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from helpers import flags_of, write_searches

STATE_LAW_FLAGS = ("state_law_retention", "state_law_out_of_state", "state_law_federal", "state_law_immigration",
                   "state_law_no_purpose")
FBI = "[Federal] Federal Bureau of Investigation (FBI)"
UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def law_flags(store_dir: Path, keys: list[str], params: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Per key, its state_law_* flags and their evidence."""
    flags = flags_of(store_dir, params)
    return [{f: e for f, e in flags.get(k, {}).items() if f.startswith("state_law_")} for k in keys]


def store_file(store_dir: Path, producer: str, rows: list[dict]) -> list[str]:
    return write_searches(store_dir, rows, producer=producer,
                          name=f"1_1_2015-12_31_2026-{producer}-Network-Audit.csv")


@pytest.mark.slow
def test_california_sharing_rules_start_at_local_midnight_of_2016_01_01(store_dir: Path) -> None:
    before, first, later = at("2016-01-01T07:59:59"), at("2016-01-01T08:00:00"), at("2025-11-14T09:53:36")
    rows = [{"searcher_org": org, "search_time": when, "time_frame_start": when - dt.timedelta(days=3),
             "reason": "stolen vehicle"}
            for when in (before, first, later)
            for org in ("Houston TX PD", FBI, "Los Altos CA PD", "Federal Way WA PD", "Mountain View CA PD")]
    keys = store_file(store_dir, "Mountain View CA PD", rows)
    found = law_flags(store_dir, keys)
    names = [sorted(f) for f in found]
    out, fed = ["state_law_out_of_state"], ["state_law_federal"]
    assert names == [[], [], [], [], []] + [out, fed, [], out, []] * 2
    assert found[5]["state_law_out_of_state"] == (
        'searcher "Houston TX PD" (TX) is outside the producer\'s state (CA); Cal. Civ. Code §§ 1798.90.5-.55 '
        "(SB 34, 2015): out-of-state sharing banned (CA rule in effect from 2016-01-01, confidence high). A possible "
        "conflict, not a finding of one.")
    assert found[6]["state_law_federal"] == (
        f'searcher "{FBI}" is federal; Cal. Civ. Code §§ 1798.90.5-.55 (SB 34, 2015): federal sharing banned (CA '
        "rule in effect from 2016-01-01, confidence high). A possible conflict, not a finding of one.")
    assert found[11]["state_law_federal"].startswith('searcher "[Federal] Federal Bureau of Investigation (FBI)" '
                                                     "is federal; Cal. Civ. Code §§ 1798.90.5-.55 (SB 34, 2015); "
                                                     "Gov. Code § 7284.6")
    # the rule is the version in force: the 2018 version names the Values Act too
    assert "Gov. Code § 7284.6" not in found[6]["state_law_federal"]
    assert not any(word in e.lower() for f in found for e in f.values() for word in ("illegal", "violat"))


@pytest.mark.slow
def test_california_purpose_and_immigration(store_dir: Path) -> None:
    rows = [
        {"searcher_org": "Los Altos CA PD", "search_time": at("2015-06-01T12:00:00"), "reason": ""},
        {"searcher_org": "Los Altos CA PD", "search_time": at("2016-06-01T12:00:00"), "reason": ""},
        {"searcher_org": "Los Altos CA PD", "search_time": at("2016-06-01T12:00:00"), "reason": "inv"},
        {"searcher_org": "Los Altos CA PD", "search_time": at("2016-06-01T12:00:00"), "reason": "burglary"},
        {"searcher_org": "Houston TX PD", "search_time": at("2017-12-31T12:00:00"), "reason": "ICE detainer"},
        {"searcher_org": "Houston TX PD", "search_time": at("2018-01-01T08:00:00"), "reason": "ICE detainer"},
        {"searcher_org": "Los Altos CA PD", "search_time": at("2025-03-01T12:00:00"), "reason": "HSI drug lead"},
    ]
    keys = store_file(store_dir, "Mountain View CA PD", rows)
    found = law_flags(store_dir, keys)
    assert [sorted(f) for f in found] == [
        [], ["state_law_no_purpose"], ["state_law_no_purpose"], [],
        ["state_law_out_of_state"], ["state_law_immigration", "state_law_out_of_state"], []]
    assert found[1]["state_law_no_purpose"] == (
        "reason is blank; Cal. Civ. Code §§ 1798.90.5-.55 (SB 34, 2015): a purpose must be recorded for each access "
        "(CA rule in effect from 2016-01-01, confidence high). A possible conflict, not a finding of one.")
    assert found[2]["state_law_no_purpose"].startswith('reason: "inv" (term: inv); Cal. Civ. Code')
    assert found[5]["state_law_immigration"] == (
        'immigration purpose stated (reason: "ICE detainer" (term: ice detainer)); cameras in CA: Cal. Civ. Code '
        "§§ 1798.90.5-.55 (SB 34, 2015); Gov. Code § 7284.6 (SB 54, California Values Act): immigration use banned "
        "(CA rule in effect from 2018-01-01, confidence medium). A possible conflict, not a finding of one.")
    # at high confidence the Values Act reading (medium) no longer flags; SB 34's sharing ban (high) still does
    high = law_flags(store_dir, keys, {"law_confidence": "high"})
    assert sorted(high[5]) == ["state_law_out_of_state"]


@pytest.mark.slow
def test_virginia_retention_is_exact_and_starts_on_2025_07_01(store_dir: Path) -> None:
    day = dt.timedelta(days=1)
    rows = []
    for searched in (at("2025-06-30T12:00:00"), at("2025-07-01T03:59:59"), at("2025-07-01T04:00:00"),
                     at("2025-07-02T12:00:00")):
        for back in (20 * day, 21 * day, 21 * day + dt.timedelta(seconds=1), 22 * day):
            rows.append({"searcher_org": "Richmond VA PD", "search_time": searched,
                         "time_frame_start": searched - back, "reason": "robbery 25-1234"})
    rows.append({"searcher_org": "Richmond VA PD", "search_time": at("2025-07-02T12:00:00"),
                 "time_frame_start": None, "reason": "robbery 25-1234"})
    keys = store_file(store_dir, "Fairfax County VA PD", rows)
    # the statute text was not read (the table says so), so the rule is low: it flags only when asked for
    assert not any(law_flags(store_dir, keys))
    found = law_flags(store_dir, keys, {"law_confidence": "low"})
    over = [bool(f.get("state_law_retention")) for f in found]
    assert over == [False] * 4 + [False] * 4 + [False, False, True, True] * 2 + [False]
    assert found[11]["state_law_retention"] == (
        "reached back 22.00 days (time frame from 2025-06-09 04:00:00 UTC, searched 2025-07-01 04:00:00 UTC); "
        "Va. Code § 2.2-5517 (HB 2724, 2025 Acts ch. 720): data that matched no hotlist kept at most 21 days "
        "(VA rule in effect from 2025-07-01, confidence low). A possible conflict, not a finding of one.")


@pytest.mark.slow
def test_illinois_immigration_by_an_out_of_state_agency_and_by_an_illinois_agency(store_dir: Path) -> None:
    when = at("2025-03-03T15:00:00")
    il = store_file(store_dir, "Mount Prospect IL PD", [
        {"searcher_org": "Johnson County TX SO", "search_time": when, "reason": "immigration"},
        {"searcher_org": "Johnson County TX SO", "search_time": when, "reason": "stolen vehicle"},
        {"searcher_org": "Chicago IL PD", "search_time": when, "reason": "stolen vehicle"},
        {"searcher_org": "US Customs and Border Protection", "search_time": when, "reason": "narcotics"},
        {"searcher_org": "Johnson County TX SO", "search_time": at("2023-12-31T12:00:00"), "reason": "immigration"},
    ])
    tx = store_file(store_dir, "Houston TX PD", [
        {"searcher_org": "Chicago IL PD", "search_time": when, "reason": "ICE detainer"},
        {"searcher_org": "Austin TX PD", "search_time": when, "reason": "ICE detainer",
         "time_frame_start": when - dt.timedelta(days=400)},
        {"searcher_org": FBI, "search_time": when, "reason": ""},
    ])
    found = law_flags(store_dir, il + tx)
    assert [sorted(f) for f in found] == [
        ["state_law_immigration", "state_law_out_of_state"], ["state_law_out_of_state"], [], [], [],
        ["state_law_immigration"], [], []]
    assert "restricted: no sharing with an out-of-state law enforcement agency without first obtaining its " \
           "written declaration" in found[1]["state_law_out_of_state"]
    assert found[0]["state_law_immigration"].startswith(
        'immigration purpose stated (reason: "immigration" (term: immigration)); cameras in IL: 625 ILCS 5/2-130 '
        "(P.A. 103-0540, HB 3326): immigration use banned (IL rule in effect from 2024-01-01, confidence high)")
    assert found[5]["state_law_immigration"].startswith(
        'immigration purpose stated (reason: "ICE detainer" (term: ice detainer)); searcher "Chicago IL PD" is an '
        "agency of IL: 625 ILCS 5/2-130")


def unreviewed_oregon(tmp_path: Path, monkeypatch: Any) -> None:
    """Point the engine at a copy of queries/ where Oregon's row is medium and nobody reviewed it (every row of
    the shipped table has been reviewed, but the gate must keep working for rows added later)."""
    import lprlogs.engine
    import lprlogs.engine.catalog
    from lprlogs.paths import queries_dir

    copy = tmp_path / "queries"
    shutil.copytree(queries_dir(), copy)
    table = copy / "law" / "state_alpr_laws.csv"
    with table.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["state"] == "OR":
            row.update(confidence="medium", confidence_by_rule="", reviewed="")
    with table.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    for module in (lprlogs.engine, lprlogs.engine.catalog):
        monkeypatch.setattr(module, "queries_dir", lambda: copy)


@pytest.mark.slow
def test_unreviewed_rules_flag_only_at_low_confidence_and_a_bad_level_is_an_error(
        store_dir: Path, run_cli: Any, tmp_path: Path, monkeypatch: Any) -> None:
    unreviewed_oregon(tmp_path, monkeypatch)
    when = at("2026-04-15T12:00:00")
    keys = store_file(store_dir, "Portland OR PD", [
        {"searcher_org": "Seattle WA PD", "search_time": when, "reason": "theft",
         "time_frame_start": when - dt.timedelta(days=31)},
        {"searcher_org": "Seattle WA PD", "search_time": at("2026-03-30T12:00:00"), "reason": "theft",
         "time_frame_start": when - dt.timedelta(days=31)},
    ])
    assert law_flags(store_dir, keys) == [{}, {}]  # medium, but nobody reviewed the row
    low = law_flags(store_dir, keys, {"law_confidence": "low"})
    assert sorted(low[0]) == ["state_law_out_of_state", "state_law_retention"]
    assert low[1] == {}  # before SB 1516 took effect
    assert "(OR rule in effect from 2026-03-31, confidence medium)" in low[0]["state_law_retention"]
    with pytest.raises(duckdb.InvalidInputException, match="law_confidence must be high, medium or low"):
        flags_of(store_dir, {"law_confidence": "certain"})  # the SQL's own check, for a library caller
    result = run_cli("flags", "-p", "law_confidence=certain")
    assert result.exit_code != 0
    assert result.output.strip().splitlines()[-1].startswith("Error: law_confidence must be high, medium or low")


@pytest.mark.slow
def test_sharing_rules_not_read_in_the_statute_flag_only_at_low_confidence(store_dir: Path) -> None:
    """Virginia, Washington and Connecticut rest on reports of their laws, not on the text: a federal or out-of-state
    searcher on their cameras is flagged only when asked for, and the evidence then says the confidence is low."""
    when = at("2026-10-15T16:00:00")
    keys = []
    for producer, searcher in (("Fairfax County VA PD", FBI), ("Seattle WA PD", FBI),
                               ("Hartford CT PD", "Houston TX PD")):
        keys += store_file(store_dir, producer, [{"searcher_org": searcher, "search_time": when,
                                                  "reason": "robbery 26-1234"}])
    assert law_flags(store_dir, keys) == [{}, {}, {}]
    low = law_flags(store_dir, keys, {"law_confidence": "low"})
    assert [sorted(f) for f in low] == [["state_law_federal"], ["state_law_federal"], ["state_law_out_of_state"]]
    assert "(VA rule in effect from 2025-07-01, confidence low)" in low[0]["state_law_federal"]
    assert "(WA rule in effect from 2026-03-30, confidence low)" in low[1]["state_law_federal"]
    assert "(CT rule in effect from 2026-10-01, confidence low)" in low[2]["state_law_out_of_state"]


@pytest.mark.slow
def test_a_limit_in_years_is_its_longest_span_so_three_years_over_a_leap_day_is_not_over(store_dir: Path) -> None:
    """Colorado's passive-surveillance records go after the third anniversary: 1096 days when the span holds
    29 February. A search reaching back exactly three years is not over; a minute more is (rule low: asked for)."""
    when = at("2024-03-01T19:00:00")
    keys = store_file(store_dir, "Denver CO PD", [
        {"searcher_org": "Aurora CO PD", "search_time": when, "time_frame_start": at("2021-03-01T19:00:00"),
         "reason": "burglary 21-0042"},
        {"searcher_org": "Aurora CO PD", "search_time": when, "time_frame_start": at("2021-03-01T18:59:00"),
         "reason": "burglary 21-0042"},
    ])
    found = law_flags(store_dir, keys, {"law_confidence": "low"})
    assert [bool(f.get("state_law_retention")) for f in found] == [False, True]
    assert "kept at most 1096 days (CO rule in effect from 2015-01-01, confidence low)" in \
        found[1]["state_law_retention"]


def test_every_state_law_flag_has_its_file_and_header() -> None:
    from lprlogs.engine import sql_files

    files = {f.name: f for f in sql_files("flags")}
    for name in STATE_LAW_FLAGS:
        header = files[name].header
        assert f"flag: {name}" in header and "section: state_law" in header and "title:" in header
        assert files[name].params == {"law_confidence": "medium"}
