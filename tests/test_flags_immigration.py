"""The immigration tiers on a table of reasons: what must match, and every trap that must not.

All reasons go into one hand-made store (one row each), the `flags` view is read once, and each
reason's tier is compared with the table: `immigration`, `immigration_agency` or None.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import flags_of, write_searches

IMM, AGENCY, REVIEW, NONE = "immigration", "immigration_agency", "immigration_review", None

REASON_TIERS: list[tuple[str, str | None]] = [
    # stated immigration purposes
    ("immigration", IMM),
    ("Immigration", IMM),
    ("IMMIGRATION VIOLATION", IMM),
    ("Immigration+", IMM),
    ("Immigration+investigation", IMM),
    ("Drugs/immigration violations", IMM),
    ("Immigration (civil/administrative) -", IMM),
    ("Immigration (criminal) - ", IMM),
    ("Immigration (criminal) - fugitive", IMM),
    ("USBP Immigration Investigation", IMM),
    ("imigration", IMM),
    ("immigation case", IMM),
    ("immagration", IMM),
    ("inmigración", IMM),
    ("inmigracion", IMM),
    ("Deportation Warrant", IMM),
    ("deportee", IMM),
    ("Deported subject re-entered", IMM),
    ("removal order", IMM),
    ("Removal proceedings - subject", IMM),
    ("ICE detainer", IMM),
    ("ice detainer", IMM),
    ("287(g)", IMM),
    ("287g task force", IMM),
    ("287 (g) operation", IMM),
    ("illegal alien", IMM),
    ("Criminal alien", IMM),
    ("undocumented", IMM),
    ("visa overstay", IMM),
    ("illegal re-entry", IMM),
    ("Illegal entry", IMM),
    ("alien smuggling", IMM),
    ("USCIS fraud", IMM),
    ("8 U.S.C. 1325", IMM),
    ("Violation of 8 U.S.C. § 1326(a)", IMM),
    ("8USC1325 investigation", IMM),
    ("8 usc 1326", IMM),
    # made for an immigration agency with nothing else stated
    ("ICE", IMM),
    ("I.C.E.", IMM),
    ("assist ICE", IMM),
    ("Assist+ICE", IMM),
    ("ICE+ERO", IMM),
    ("ICE WARRANT", IMM),
    ("ERO", IMM),
    ("Assist CBP Investigation", IMM),
    ("Customs & Border Patrol", IMM),
    ("US Border Patrol", IMM),
    ("USBP", IMM),
    ("w/ICE", IMM),
    ("Other - assist ICE", IMM),
    # an immigration-linked agency alongside another stated purpose
    ("HSI-Drug Lead", AGENCY),
    ("HSI narcs", AGENCY),
    ("HSI IRS", AGENCY),
    ("HSI Stolen", AGENCY),
    ("HSI", AGENCY),
    ("DHS", AGENCY),
    ("Homeland Security", AGENCY),
    ("CBP narcotics seizure", AGENCY),
    ("ICE homicide suspect vehicle", AGENCY),
    ("Border Patrol stolen vehicle", AGENCY),
    ("HSI child exploitation", AGENCY),
    # a stated purpose wins over the agency tier
    ("HSI immigration fraud", IMM),
    ("DHS deportation", IMM),
    # traps: ICE inside words
    ("police", NONE),
    ("notice", NONE),
    ("office", NONE),
    ("Service call", NONE),
    ("justice", NONE),
    ("device recovery", NONE),
    ("price gouging", NONE),
    ("Justice IL PD assist", NONE),
    ("Police Service", NONE),
    ("iced tea theft", NONE),
    ("Nice car", NONE),
    ("Officer safety", NONE),
    # traps: ice meaning methamphetamine or ordinary ice
    ("ice sales", NONE),
    ("possession of ice", NONE),
    ("crystal ice", NONE),
    ("Poss of ICE", NONE),
    ("selling ice", NONE),
    ("ice cream truck theft", NONE),
    ("Crystal+Ice", NONE),
    # traps: 287 inside case numbers, removal of vehicles, Federal Way
    ("E287021", NONE),
    ("case 25-287G1", NONE),
    ("287", NONE),
    ("vehicle removal", NONE),
    ("vehicle removal order", NONE),
    ("removal of vehicle - tow", NONE),
    ("Federal Way PD assist", NONE),
    ("federal warrant", NONE),
    ("18 U.S.C. 1325", NONE),
    ("case 8 1325", NONE),
    # ordinary reasons
    ("Person+Crime", NONE),
    ("stolen vehicle", NONE),
    ("inv", NONE),
    ("Auto Theft / VCD Investigation - Auto Theft / VCD Investigation", NONE),
    ("Other - Not Applicable", NONE),
    ("", NONE),
    ("Drug Lead", NONE),
    ("migrate", NONE),
    ("deportment", NONE),
]


@pytest.fixture(scope="module")
def reason_flags(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    store_dir = tmp_path_factory.mktemp("immigration") / "store"
    keys = write_searches(store_dir, [{"reason": reason} for reason, _ in REASON_TIERS])
    flags = flags_of(store_dir)
    return {reason: flags.get(key, {}) for key, (reason, _) in zip(keys, REASON_TIERS, strict=True)}


def test_table_is_big_enough_and_has_no_repeats() -> None:
    reasons = [r for r, _ in REASON_TIERS]
    assert len(reasons) >= 60
    assert len(set(reasons)) == len(reasons)


@pytest.mark.parametrize(("reason", "tier"), REASON_TIERS)
def test_reason_tier(reason_flags: dict[str, dict[str, str]], reason: str, tier: str | None) -> None:
    got = {f for f in reason_flags[reason] if f in (IMM, AGENCY)}
    assert got == ({tier} if tier else set()), reason_flags[reason]


def test_evidence_names_field_text_and_term(reason_flags: dict[str, dict[str, str]]) -> None:
    assert reason_flags["ICE detainer"][IMM] == 'reason: "ICE detainer" (term: ice detainer)'
    assert reason_flags["assist ICE"][IMM] == 'reason: "assist ICE" (term: ice; no other purpose stated)'
    assert reason_flags["HSI-Drug Lead"][AGENCY] == 'reason: "HSI-Drug Lead" (term: hsi; other purpose: narcotics (drug))'
    assert reason_flags["ICE homicide suspect vehicle"][AGENCY] == (
        'reason: "ICE homicide suspect vehicle" (term: ice; other purpose: homicide (homicide))')
    assert reason_flags["imigration"][IMM] == 'reason: "imigration" (term: imigration)'
    assert reason_flags["Immigration (criminal) - fugitive"][IMM] == (
        'reason: "Immigration (criminal) - fugitive" (term: immigration; dropdown category: Immigration (criminal))')
    assert reason_flags["HSI immigration fraud"][IMM] == 'reason: "HSI immigration fraud" (term: immigration)'


@pytest.mark.slow
def test_other_fields_are_read_and_named(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    rows = [
        {"reason": "stolen vehicle", "offense_type": "Immigration (criminal)"},
        {"reason": "inv", "case_number": "ICE-2025-0113"},
        {"reason": "inv", "case_number": "E287021"},
        {"reason": None, "text_prompt": "white van deportation"},
        {"reason": "HSI narcs", "offense_type": "Immigration"},
    ]
    keys = write_searches(store_dir, rows)
    flags = flags_of(store_dir)
    assert flags[keys[0]] == {IMM: 'offense_type: "Immigration (criminal)" (term: immigration)'}
    assert flags[keys[1]][IMM] == 'case_number: "ICE-2025-0113" (term: ice; no other purpose stated)'
    assert IMM not in flags.get(keys[2], {})
    assert flags[keys[3]][IMM] == 'text_prompt: "white van deportation" (term: deportation)'
    assert IMM in flags[keys[4]] and AGENCY not in flags[keys[4]]  # a stated purpose anywhere wins


@pytest.mark.slow
def test_drop_terms_parameter_removes_a_misfiring_term(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    keys = write_searches(store_dir, [{"reason": "assist ICE"}, {"reason": "ICE detainer"}, {"reason": "HSI"}])
    assert IMM in flags_of(store_dir)[keys[0]]
    dropped = flags_of(store_dir, {"drop_terms": "ice,hsi"})
    assert keys[0] not in dropped and keys[2] not in dropped
    assert IMM in dropped[keys[1]]  # "ice detainer" is its own term


def test_every_term_passes_the_prefilter() -> None:
    """The fast first pass (immigration_prefilter) must let every term through, or terms are lost."""
    import csv
    import re

    from lprlogs.engine import SqlFile, queries_dir

    flags_dir = queries_dir() / "flags"
    prefilter = SqlFile.load(flags_dir / "immigration.sql").params["immigration_prefilter"]
    pattern = re.compile(prefilter.removeprefix("(?i)"), re.IGNORECASE)
    with open(flags_dir / "immigration_terms.csv", encoding="utf-8") as fh:
        terms = [row for row in csv.DictReader(fh)]
    assert len(terms) > 50 and all(row["why"].strip() for row in terms)
    missed = [row["term"] for row in terms if row["tier"] != "other_meaning" and not pattern.search(row["term"])]
    assert missed == []


@pytest.mark.slow
def test_a_term_the_prefilter_misses_still_matches(tmp_path: Path) -> None:
    """With a prefilter that lets nothing through, the SQL notices and examines every text."""
    store_dir = tmp_path / "store"
    keys = write_searches(store_dir, [{"reason": "ICE detainer"}, {"reason": "police"}])
    flags = flags_of(store_dir, {"immigration_prefilter": "zzzz"})
    assert IMM in flags[keys[0]] and keys[1] not in flags


@pytest.mark.slow
def test_evidence_says_when_a_match_was_fuzzy_or_demoted(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    reasons = ["imigraton check", "ICE ERO Miami", "CBP - fentanyl", "undocumneted male", "departed area",
               "Drugs/Narcotics - buy ice", "alien", "CPB"]
    keys = write_searches(store_dir, [{"reason": r} for r in reasons])
    flags = flags_of(store_dir)
    assert flags[keys[0]] == {IMM: 'reason: "imigraton check" (term: immigration; fuzzy: "imigraton" ~ immigration)'}
    assert flags[keys[1]] == {IMM: 'reason: "ICE ERO Miami" (term: ero; term: ice; no other purpose stated)'}
    assert flags[keys[2]] == {AGENCY: 'reason: "CBP - fentanyl" (term: cbp; other purpose: narcotics (fentanyl))'}
    assert flags[keys[3]] == {
        IMM: 'reason: "undocumneted male" (term: undocumented; fuzzy: "undocumneted" ~ undocumented)'}
    assert keys[4] not in flags and keys[5] not in flags  # "departed" is no fuzzy "deported"; ice as meth
    assert flags[keys[6]] == {REVIEW: 'reason: "alien" (term: alien; for review: a possible immigration term)'}
    assert flags[keys[7]] == {
        REVIEW: 'reason: "CPB" (term: cbp; fuzzy: "cpb" ~ cbp; for review: a short word one swap away from an agency)'}


@pytest.mark.slow
def test_lower_case_ice_alone_is_for_review_only_in_a_file_whose_reasons_name_drugs(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    drugs = write_searches(store_dir, [{"reason": "ice"}, {"reason": "narcotics buy"}, {"reason": "ICE"}],
                           name="drug-file.csv")
    plain = write_searches(store_dir, [{"reason": "ice"}, {"reason": "stolen vehicle"}], name="plain-file.csv")
    flags = flags_of(store_dir)
    assert set(flags[drugs[0]]) == {REVIEW} and "reasons of the same file name drugs" in flags[drugs[0]][REVIEW]
    assert set(flags[drugs[2]]) == {IMM}  # ICE in capitals is the agency
    assert set(flags[plain[0]]) == {IMM}


@pytest.mark.slow
def test_a_one_mib_reason_is_classified_on_its_first_characters_and_said_so(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    pasted = "ICE detainer request. " + "lorem ipsum dolor sit amet " * 40_000  # about 1 MiB
    late = "stolen vehicle " * 1_000 + "deportation"  # the immigration word lies beyond the cap
    keys = write_searches(store_dir, [{"reason": pasted}, {"reason": late}, {"reason": "ICE"}])
    flags = flags_of(store_dir)
    evidence = flags[keys[0]][IMM]
    assert f"a text of {len(pasted)} characters: only the first 4096 read" in evidence
    assert len(evidence) < 600  # the text is quoted by its first 200 characters
    assert keys[1] not in flags
    assert IMM in flags_of(store_dir, {"immigration_text_cap": "20000"})[keys[1]]


@pytest.mark.slow
def test_searches_view_splits_dropdown_reasons_and_flags_use_the_category(tmp_path: Path) -> None:
    from lprlogs.engine import Engine
    from lprlogs.store import Store

    store_dir = tmp_path / "store"
    reasons = ["Immigration (civil/administrative) -", "Other - Not Applicable", "Other -", "Other - assist ICE",
               "Robbery - armed", "CPC 211 vehicle - county broadcast", "Other - n/a"]
    keys = write_searches(store_dir, [{"reason": r} for r in reasons])
    engine = Engine(Store.open(store_dir))
    try:
        _, rows = engine.query("SELECT reason, reason_category, reason_detail FROM searches ORDER BY source_row")
    finally:
        engine.close()
    assert rows == [("Immigration (civil/administrative) -", "Immigration (civil/administrative)", None),
                    ("Other - Not Applicable", "Other", "Not Applicable"), ("Other -", "Other", None),
                    ("Other - assist ICE", "Other", "assist ICE"), ("Robbery - armed", "Robbery", "armed"),
                    ("CPC 211 vehicle - county broadcast", None, None), ("Other - n/a", "Other", "n/a")]
    flags = flags_of(store_dir)
    assert flags[keys[0]][IMM].endswith("dropdown category: Immigration (civil/administrative))")
    assert IMM in flags[keys[3]] and "vague_reason" not in flags[keys[3]]
    assert "term: Other;" in flags[keys[1]]["vague_reason"]
    assert "term: Other;" in flags[keys[2]]["vague_reason"]
    assert "term: Other;" in flags[keys[6]]["vague_reason"]
    assert "vague_reason" not in flags.get(keys[4], {}) and "vague_reason" not in flags.get(keys[5], {})
