"""The state-law table (queries/law/state_alpr_laws.csv): its shape, its values, and that every rule a flag can
act on says where it comes from."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from lprlogs.paths import queries_dir

COLUMNS = ["state", "effective_from", "effective_to", "zone", "citation", "retention_days", "out_of_state_sharing",
           "out_of_state_rule", "federal_sharing", "federal_rule", "immigration_use", "immigration_rule",
           "other_banned_uses", "purpose_required", "purpose_rule", "confidence", "confidence_by_rule", "reviewed",
           "source", "why"]
SHARING = {"banned", "restricted", "allowed", "unknown"}
RULES = {"retention", "out_of_state", "federal", "immigration", "purpose"}
LEVELS = {"high", "medium", "low"}


def law_rows() -> list[dict[str, str]]:
    path = Path(queries_dir()) / "law" / "state_alpr_laws.csv"
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def test_every_row_has_allowed_values() -> None:
    states = {r["code"] for r in csv.DictReader((Path(queries_dir()) / "agencies" / "states.csv").open())}
    rows = law_rows()
    assert len(rows) > 40
    for row in rows:
        where = f"{row['state']} {row['effective_from']}"
        assert row["state"] in states, where
        for column in ("out_of_state_sharing", "federal_sharing", "immigration_use"):
            assert row[column] in SHARING, where
        assert row["purpose_required"] in {"yes", "no", "unknown"}, where
        assert row["confidence"] in LEVELS, where
        for part in filter(None, row["confidence_by_rule"].split(";")):
            rule, _, level = part.partition("=")
            assert rule in RULES and level in LEVELS, where
        if row["retention_days"]:
            assert float(row["retention_days"]) > 0, where
        assert row["why"].strip(), where
        if row["citation"] == "none":  # a state with no law found: nothing a flag could act on
            assert not row["retention_days"] and row["purpose_required"] == "unknown", where
            assert {row["out_of_state_sharing"], row["federal_sharing"], row["immigration_use"]} == {"unknown"}
            assert not row["effective_from"] and row["confidence"] == "low", where
        else:
            dt.date.fromisoformat(row["effective_from"])
            ZoneInfo(row["zone"])
            if row["effective_to"]:
                assert dt.date.fromisoformat(row["effective_to"]) > dt.date.fromisoformat(row["effective_from"])


def test_every_banned_or_restricted_rule_names_its_law_source_and_wording() -> None:
    acting = 0
    for row in law_rows():
        for column, text in (("out_of_state_sharing", "out_of_state_rule"), ("federal_sharing", "federal_rule"),
                             ("immigration_use", "immigration_rule")):
            if row[column] in {"banned", "restricted"}:
                acting += 1
                assert row["citation"] not in {"", "none"} and row["source"].startswith("http"), row["state"]
                assert row[text].strip(), f"{row['state']} {column}: the evidence quotes this rule"
        if row["purpose_required"] == "yes":
            assert row["purpose_rule"].strip() and row["source"].startswith("http"), row["state"]
        if row["retention_days"]:
            assert row["citation"] not in {"", "none"} and row["source"].startswith("http"), row["state"]
    assert acting > 20


def test_versions_of_a_state_do_not_overlap_and_a_state_with_no_law_has_one_row() -> None:
    by_state: dict[str, list[dict[str, str]]] = {}
    for row in law_rows():
        by_state.setdefault(row["state"], []).append(row)
    for state, rows in by_state.items():
        if any(r["citation"] == "none" for r in rows):
            assert len(rows) == 1, state
            continue
        spans = sorted((dt.date.fromisoformat(r["effective_from"]),
                        dt.date.fromisoformat(r["effective_to"]) if r["effective_to"] else dt.date.max) for r in rows)
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            assert start >= end, f"{state}: versions overlap"
        assert sum(1 for r in rows if not r["effective_to"]) == 1, f"{state}: one open-ended version"


def test_reviewed_rows_say_what_was_checked_and_the_issue_states_are_reviewed() -> None:
    rows = law_rows()
    for row in rows:
        if row["reviewed"]:
            assert "checked" in row["reviewed"] and re.search(r"\(.+\)", row["reviewed"]), row["state"]
    reviewed = {r["state"] for r in rows if r["reviewed"]}
    assert {"CA", "IL", "VA", "WA"} <= reviewed
    # the California rule the tests and the AG's suit rest on
    ca = [r for r in rows if r["state"] == "CA"]
    assert {r["out_of_state_sharing"] for r in ca} == {"banned"} and ca[0]["effective_from"] == "2016-01-01"
    va = next(r for r in rows if r["state"] == "VA")
    assert (va["retention_days"], va["effective_from"]) == ("21", "2025-07-01")


def test_a_rules_zone_is_its_states_zone_or_for_a_state_of_two_zones_the_western_one() -> None:
    """A rule starts at midnight in ``zone``: the state's one zone (queries/agencies/state_zones.csv), or for a
    state of two zones (blank there) the western one, whose midnight comes last, so no search is flagged early."""
    zones = {r["state"]: r["zone"] for r in csv.DictReader((Path(queries_dir()) / "agencies" / "state_zones.csv")
                                                            .open(encoding="utf-8"))}
    western = {"FL": "America/Chicago", "ID": "America/Los_Angeles", "KY": "America/Chicago",
               "NE": "America/Denver", "OR": "America/Los_Angeles", "TN": "America/Chicago"}
    for row in law_rows():
        if row["zone"]:
            assert row["zone"] == (zones[row["state"]] or western[row["state"]]), row["state"]
