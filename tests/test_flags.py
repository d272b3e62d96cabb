"""Flags other than the immigration tiers, pinned on tiny hand-made stores; the `flags` command;
parameters; and the real portal releases in ../shared/realdata.

Stores are written through the store API (``write_searches``) so each test says exactly which
columns a row has; the immigration reason table lives in test_flags_immigration.py.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from helpers import flags_of, write_searches

from lprlogs.engine import Engine
from lprlogs.store import Store

UTC = dt.UTC
def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


PRODUCER = "Mountain View CA PD"
FLAG_NAMES = ("immigration", "immigration_agency", "immigration_review", "outside_agency", "federal_searcher", "out_of_state_searcher",
              "wide_lookup", "287g_searcher", "school_camera", "school_searcher", "blank_reason", "vague_reason",
              "long_lookback", "moderated", "freeform_prompt", "state_law_retention", "state_law_out_of_state",
              "state_law_federal", "state_law_immigration", "state_law_no_purpose")


def test_every_contract_flag_has_its_sql_file_with_a_header() -> None:
    from lprlogs.engine import sql_files

    files = {f.name: f for f in sql_files("flags")}
    assert set(FLAG_NAMES) <= set(files)
    for name, sql_file in files.items():
        assert "answers:" in sql_file.header and "limits:" in sql_file.header, name


@pytest.mark.slow
def test_cross_agency_flags(store_dir: Path) -> None:
    searchers = [PRODUCER, "Houston TX PD", "[Federal] Federal Bureau of Investigation (FBI)", "Federal Way WA PD",
                 "Cypress Fairbanks ISD (TX) PD", None, "Los Altos CA PD"]
    keys = write_searches(store_dir, [{"searcher_org": s, "reason": "stolen vehicle"} for s in searchers])
    org_keys = write_searches(store_dir, [{"searcher_org": "Houston TX PD", "reason": "stolen vehicle"}],
                              producer=PRODUCER, log_kind="org_audit",
                              name="11_1_2025-11_30_2025-Mountain View CA PD-Audit.csv")
    flags = flags_of(store_dir)
    own, houston, fbi, federal_way, school, unknown, los_altos = (flags.get(k, {}) for k in keys)
    assert own == {} and unknown == {}
    assert set(houston) == {"outside_agency", "out_of_state_searcher"}
    assert houston["outside_agency"] == ('searcher "Houston TX PD" (tx:police:houston) is not the producer '
                                         '"Mountain View CA PD" (ca:police:mountain view)')
    assert houston["out_of_state_searcher"] == ('searcher "Houston TX PD" (TX) is in another state than the '
                                                'producer "Mountain View CA PD" (CA)')
    assert set(fbi) == {"outside_agency", "federal_searcher"}  # no state: out_of_state says nothing
    assert set(federal_way) == {"outside_agency", "out_of_state_searcher"}  # Federal Way is not federal
    assert set(school) == {"outside_agency", "out_of_state_searcher", "school_searcher"}
    assert set(los_altos) == {"outside_agency"}
    # an Organization Audit's searchers are the producer's own users: outside_agency does not apply
    assert set(flags[org_keys[0]]) == {"out_of_state_searcher"}


@pytest.mark.slow
def test_school_camera_only_for_network_audits_of_a_school(store_dir: Path) -> None:
    school = "Beverly Hills Unified School District CA"
    keys = write_searches(store_dir, [{"searcher_org": "Los Angeles CA PD", "reason": "robbery"},
                                      {"searcher_org": school, "reason": "robbery"}],
                          producer=school, name=f"11_1_2025-11_30_2025-{school}-Network-Audit.csv")
    org_keys = write_searches(store_dir, [{"searcher_org": school, "reason": "robbery"}], producer=school,
                              log_kind="org_audit", name=f"11_1_2025-11_30_2025-{school}-Audit.csv")
    flags = flags_of(store_dir)
    assert flags[keys[0]]["school_camera"] == (f'producer "{school}" is a school or campus (kind school): '
                                               "its cameras were searched")
    assert "school_camera" in flags[keys[1]] and "school_searcher" in flags[keys[1]]
    assert set(flags[org_keys[0]]) == {"school_searcher"}


@pytest.mark.slow
def test_287g_searcher_after_loading_the_list(store_dir: Path, realdata: Path, run_cli: Any) -> None:
    keys = write_searches(store_dir, [{"searcher_org": "Cherokee County AL SO", "reason": "theft"},
                                      {"searcher_org": "Houston TX PD", "reason": "theft"}])
    assert not any("287g_searcher" in f for f in flags_of(store_dir).values())  # no list loaded yet
    result = run_cli("agencies", "load-287g", str(realdata / "ice-287g" / "participatingAgencies07182025pm.xlsx"))
    assert result.exit_code == 0, result.output
    flags = flags_of(store_dir)
    assert flags[keys[0]]["287g_searcher"].startswith(
        'searcher "Cherokee County AL SO" is on ICE\'s 287(g) list: participating')
    assert "287g_searcher" not in flags.get(keys[1], {})


@pytest.mark.slow
def test_wide_lookup_and_its_parameter(store_dir: Path) -> None:
    keys = write_searches(store_dir, [{"networks_searched": n, "reason": "theft"} for n in (0, 99, 100, 5000)])
    flags = flags_of(store_dir)
    assert [("wide_lookup" in flags.get(k, {})) for k in keys] == [False, False, True, True]
    assert flags[keys[2]]["wide_lookup"] == "networks_searched 100 >= 100"
    wider = flags_of(store_dir, {"wide_lookup_networks": "1000"})
    assert [("wide_lookup" in wider.get(k, {})) for k in keys] == [False, False, False, True]


@pytest.mark.slow
def test_long_lookback_is_exact_to_the_second(store_dir: Path) -> None:
    searched = at("2025-11-15T12:00:00")
    starts = [searched - dt.timedelta(days=30), searched - dt.timedelta(days=30, seconds=1),
              searched - dt.timedelta(days=45, hours=12), None, searched - dt.timedelta(days=100)]
    rows = [{"search_time": searched, "time_frame_start": s, "reason": "theft"} for s in starts]
    rows.append({"search_time": None, "time_frame_start": at("2020-01-01T00:00:00"), "reason": "theft"})
    keys = write_searches(store_dir, rows)
    flags = flags_of(store_dir)
    assert [("long_lookback" in flags.get(k, {})) for k in keys] == [False, True, True, False, True, False]
    assert flags[keys[2]]["long_lookback"] == ("reached back 45.50 days (time frame from 2025-10-01 00:00:00 UTC, "
                                               "searched 2025-11-15 12:00:00 UTC); over 30 days")
    longer = flags_of(store_dir, {"retention_days": "90"})
    assert [("long_lookback" in longer.get(k, {})) for k in keys] == [False, False, False, False, True, False]


@pytest.mark.slow
def test_blank_and_vague_reasons(store_dir: Path) -> None:
    reasons = ["", "   ", None, "***", "inv", ".", "d", "Other - Not Applicable", "n/a", "Investigation", "TEST",
               "see case", "stolen vehicle", "inv 25-1234", "Person+Crime"]
    rows = [{"reason": r, "redacted": ["reason"] if r == "***" else None} for r in reasons]
    keys = write_searches(store_dir, rows)
    flags = flags_of(store_dir)
    blank = [("blank_reason" in flags.get(k, {})) for k in keys]
    vague = [flags.get(k, {}).get("vague_reason") for k in keys]
    assert blank == [True, True, True] + [False] * 12
    assert vague[:4] == [None] * 4
    assert vague[4] == 'reason: "inv" (term: inv)'
    assert vague[5] == 'reason: "." (rule: punctuation only)'
    assert vague[6] == 'reason: "d" (rule: one character)'
    assert vague[7] == 'reason: "Other - Not Applicable" (term: Other; detail: term: not applicable)'
    assert all(v is not None for v in vague[8:12])
    assert vague[12:] == [None, None, None]
    fewer = flags_of(store_dir, {"drop_vague_terms": "inv,test"})
    assert "vague_reason" not in fewer.get(keys[4], {}) and "vague_reason" not in fewer.get(keys[10], {})


@pytest.mark.slow
def test_blank_reason_with_unicode_spaces(store_dir: Path) -> None:
    """DuckDB's trim() also removes Unicode spaces (no-break, ideographic): a reason of those is blank, and
    one that is a vague term behind them is vague. The flags test a reason's first byte before trim()."""
    reasons = ["\u00a0", "\u3000 \u2003", " \u00a0 ", "\u00a0inv", "\tinv", "inv\u00a0", "x"]
    keys = write_searches(store_dir, [{"reason": r} for r in reasons])
    flags = flags_of(store_dir)
    assert [("blank_reason" in flags.get(k, {})) for k in keys] == [True, True, True, False, False, False, False]
    assert [flags.get(k, {}).get("vague_reason", "")[:14] for k in keys] == [
        "", "", "", 'reason: "\u00a0inv"', 'reason: "\tinv"', 'reason: "inv\u00a0"', 'reason: "x" (r']


def test_first_byte_test_keeps_every_reason_trim_leaves_empty() -> None:
    """The cheap test in _blank_reasons.sql and _vague_reasons.sql, over every code point alone, doubled and
    after a space: every text trim() empties passes it."""
    con = duckdb.connect()
    missed, blank = con.execute("""
        WITH chars AS (SELECT chr(i::INTEGER) AS c FROM range(1, 196608) AS t(i) WHERE i NOT BETWEEN 55296 AND 57343),
        texts AS (SELECT c AS r FROM chars UNION ALL SELECT c || c FROM chars UNION ALL SELECT ' ' || c FROM chars
                  UNION ALL SELECT '')
        SELECT count(*) FILTER (WHERE trim(r) = '' AND NOT (r < '!' OR r >= chr(128))),
               count(*) FILTER (WHERE trim(r) = '')
        FROM texts""").fetchall()[0]
    assert missed == 0 and blank > 20
    for path in ("_blank_reasons.sql", "_vague_reasons.sql"):
        assert "< '!' OR" in (Path(__file__).parent.parent / "queries" / "flags" / path).read_text()


@pytest.mark.slow
def test_blank_reason_ignores_files_without_a_reason_column(store_dir: Path) -> None:
    """Also in a redacted engine, whose searches view has no raw: a file's columns come from source_columns."""
    keys = write_searches(store_dir, [{"searcher_org": PRODUCER}, {"searcher_org": PRODUCER}])
    assert all("blank_reason" not in f for k, f in flags_of(store_dir).items() if k in keys)
    redacted = Engine(Store.open(store_dir), redact=True)
    try:
        assert redacted.query("SELECT count(*) FROM flags WHERE flag = 'blank_reason'")[1] == [(0,)]
        assert redacted.query("SELECT count(*) FROM searches WHERE raw IS NOT NULL")[1] == [(0,)]
    finally:
        redacted.close()


@pytest.mark.slow
def test_moderated_and_freeform(store_dir: Path) -> None:
    rows = [{"moderation": "block", "reason": "theft"}, {"moderation": "Warn", "reason": "theft"},
            {"moderation": "allow", "reason": "theft"},
            {"text_prompt": "white pickup with ladder rack", "search_type": "freeform", "reason": "theft"},
            {"search_type": "freeform - Mobile", "reason": "theft"}, {"search_type": "lookup", "reason": "theft"}]
    keys = write_searches(store_dir, rows)
    flags = flags_of(store_dir)
    assert [flags.get(k, {}).get("moderated") for k in keys[:3]] == ["moderation: block", "moderation: warn", None]
    assert flags[keys[3]]["freeform_prompt"] == 'text_prompt: "white pickup with ladder rack"'
    assert flags[keys[4]]["freeform_prompt"] == "search_type: freeform - Mobile"
    assert "freeform_prompt" not in flags.get(keys[5], {})


@pytest.mark.slow
def test_flags_command_counts_terms_and_parameters(store_dir: Path, run_cli: Any) -> None:
    searched = at("2025-11-15T12:00:00")
    rows = [
        {"search_id": "a", "searcher_org": "Houston TX PD", "reason": "assist ICE", "search_time": searched,
         "time_frame_start": searched - dt.timedelta(days=40)},
        {"search_id": "a", "searcher_org": "Houston TX PD", "reason": "assist ICE"},  # same search, twice
        {"search_id": "b", "searcher_org": "Dallas TX PD", "reason": "ICE detainer"},
        {"search_id": "c", "searcher_org": PRODUCER, "reason": "inv"},
    ]
    write_searches(store_dir, rows)
    result = run_cli("flags", "--format", "csv")
    assert result.exit_code == 0, result.output
    counts = {line.split(",")[0]: line.split(",")[1:] for line in result.output.strip().splitlines()[1:]}
    assert set(FLAG_NAMES) <= set(counts)
    assert counts["immigration"] == ["3", "2", "2"]  # rows, distinct searches, searching agencies
    assert counts["vague_reason"] == ["1", "1", "1"]
    assert counts["long_lookback"] == ["1", "1", "1"]
    assert counts["287g_searcher"] == ["0", "0", "0"]
    longer = run_cli("flags", "--format", "csv", "-p", "retention_days=60")
    assert "long_lookback,0,0,0" in longer.output
    terms = run_cli("flags", "--terms", "--format", "json")
    assert terms.exit_code == 0, terms.output
    by_term = {(t["flag"], t["term"]): t for t in json.loads(terms.output)}
    assert by_term[("immigration", "ice")]["rows"] == 2 and by_term[("immigration", "ice")]["searches"] == 1
    assert by_term[("immigration", "ice detainer")]["rows"] == 1
    assert by_term[("immigration", "deportee")]["rows"] == 0  # every listed term appears, with its why
    assert by_term[("vague_reason", "inv")]["rows"] == 1 and by_term[("vague_reason", "inv")]["why"]
    table = run_cli("flags")
    assert "retention_days=30" in table.output
    typo = run_cli("flags", "-p", "retension_days=90")
    assert typo.exit_code != 0 and "unknown parameter retension_days" in typo.output


@pytest.mark.slow
def test_no_portal_reason_is_immigration_related(store_dir: Path, realdata: Path, run_cli: Any) -> None:
    paths = [realdata / "flock-transparency-portal", realdata / "smpd-pra-W012541-attachments"]
    result = run_cli("ingest", "-q", *map(str, paths))
    assert result.exit_code == 0, result.output
    engine = Engine(Store.open(store_dir))
    try:
        _, rows = engine.query("SELECT count(*), count(reason) FROM searches")
        assert rows[0][0] > 3000 and rows[0][1] > 300  # the portal files were read, reasons included
        _, flagged = engine.query("SELECT flag, evidence FROM flags WHERE flag IN ('immigration', 'immigration_agency')")
        assert flagged == []
        _, vague = engine.query("SELECT count(*) FROM flags WHERE flag = 'vague_reason'")
        assert vague[0][0] > 0
    finally:
        engine.close()


@pytest.mark.slow
def test_okaloosa_pdf_long_lookback_and_blank_reason_match_a_count_from_the_pages(
        store_dir: Path, realdata: Path, run_cli: Any) -> None:
    """Count the 30 printed pages independently of the PDF reader (page text, one regular expression per
    printed row: ID, org, networks, devices, time-frame start and end, reason, search time) and compare."""
    import re

    import pypdfium2

    pdf_path = next((realdata / "okaloosa-fl-so").glob("*.pdf"))
    document = pypdfium2.PdfDocument(pdf_path)
    text = re.sub(r"\s+", " ", " ".join(document[i].get_textpage().get_text_range() for i in range(len(document))))
    document.close()
    stamp = r"(\d\d/\d\d/\d{4}, \d\d:\d\d:\d\d [AP]M) UTC"
    printed_row = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12} ?.*? \d+ \d+ "
                             + stamp + " " + stamp + " ?(.*?) ?" + stamp)

    def when(value: str) -> dt.datetime:
        return dt.datetime.strptime(value, "%m/%d/%Y, %I:%M:%S %p")

    printed = printed_row.findall(text)
    by_hand_long = sum((when(searched) - when(start)).total_seconds() > 30 * 86400
                       for start, _, _, searched in printed)
    by_hand_blank = sum(reason.strip() == "" for _, _, reason, _ in printed)
    assert len(printed) == 269 and by_hand_long == 11 and by_hand_blank == 0

    result = run_cli("ingest", "-q", str(pdf_path))
    assert result.exit_code == 0, result.output
    counts = run_cli("flags", "--format", "csv")
    rows = {line.split(",")[0]: int(line.split(",")[1]) for line in counts.output.strip().splitlines()[1:]}
    assert rows["long_lookback"] == by_hand_long
    assert rows["blank_reason"] == by_hand_blank
    assert rows["immigration"] == 0 and rows["immigration_agency"] == 0


@pytest.mark.slow
def test_flags_view_matches_each_flag_view_and_flags_duplicate_rows_like_their_original(store_dir: Path) -> None:
    # `flags` is one plan (flags read the stored rows; the shared immigration pass runs once): it must
    # give exactly what the per-flag views give, and a row marked as a duplicate is still flagged
    rows = [{"searcher_org": "Houston TX PD", "reason": "ICE detainer", "networks_searched": 500},
            {"searcher_org": "Houston TX PD", "reason": "ICE detainer", "networks_searched": 500},
            {"searcher_org": "Houston TX PD", "reason": "HSI narcs"}]
    keys = write_searches(store_dir, rows)
    engine = Engine(Store.open(store_dir))
    try:
        _, marked = engine.query("SELECT search_key, duplicate_of FROM searches WHERE duplicate_of IS NOT NULL")
        assert marked == [(keys[1], keys[0])]
        _, union = engine.query("SELECT flag, search_key, evidence FROM flags ORDER BY ALL")
        per_view = []
        for (name,) in engine.con.execute("SELECT table_name FROM information_schema.tables "
                                          "WHERE table_name LIKE 'flag\\_%' ESCAPE '\\'").fetchall():
            per_view += engine.con.execute(f'SELECT flag, search_key, evidence FROM "{name}"').fetchall()
        assert union == sorted(per_view)
    finally:
        engine.close()
    immigration = {k for flag, k, _ in union if flag == "immigration"}
    assert immigration == {keys[0], keys[1]}
    assert {k for flag, k, _ in union if flag == "immigration_agency"} == {keys[2]}
    assert {k for flag, k, _ in union if flag == "wide_lookup"} == {keys[0], keys[1]}


def test_flag_helpers_come_after_the_helpers_they_read_and_are_materialized_when_shared(
        tmp_path: Path, monkeypatch: Any) -> None:
    """A helper (queries/flags/_name.sql) may read another: the WITH clause puts it after the one it reads, a
    helper read by two readers (flags or helpers) is MATERIALIZED (computed once), a name in a comment is
    not a read, and helpers reading each other in a circle are a clear error."""
    import pytest

    from lprlogs.engine import catalog as engine_module
    from lprlogs.errors import LprlogsError

    flags = tmp_path / "flags"
    flags.mkdir()
    (flags / "_a_words.sql").write_text("-- reads _z_texts only, not _a_words\nSELECT text FROM _z_texts\n")
    (flags / "_z_texts.sql").write_text("-- shared by _a_words\nSELECT DISTINCT reason AS text FROM searches\n")
    monkeypatch.setattr(engine_module, "queries_dir", lambda: tmp_path)
    assert [h.name for h in engine_module._flag_helpers()] == ["_z_texts", "_a_words"]
    one_reader = engine_module._helpers_read_by(["SELECT * FROM _a_words"])
    assert [(h.name, n) for h, n in one_reader] == [("_z_texts", 1), ("_a_words", 1)]
    two_readers = engine_module._helpers_read_by(["SELECT * FROM _a_words", "SELECT * FROM _z_texts"])
    assert [(h.name, n) for h, n in two_readers] == [("_z_texts", 2), ("_a_words", 1)]
    assert engine_module._helpers_read_by(["SELECT 1 -- not _a_words"]) == []
    (flags / "_z_texts.sql").write_text("SELECT text FROM _a_words\n")
    with pytest.raises(LprlogsError, match="circle"):
        engine_module._flag_helpers()


def test_flag_columns_are_the_columns_the_flag_files_name(tmp_path: Path, monkeypatch: Any) -> None:
    """What the report's printed rows keep of ``searches`` (the flags run again over them): the columns named in
    the flag files and helpers, comments aside; None (keep every column) when a file cannot be parsed alone."""
    from lprlogs.engine import catalog as engine_module

    shipped = engine_module.flag_columns()
    assert shipped is not None and {"reason", "moderation", "networks_searched", "searcher_org"} <= shipped
    assert not {"raw", "search_id", "license_plate", "searcher_user"} & shipped
    flags = tmp_path / "flags"
    flags.mkdir()
    header = "-- flag: {}\n-- title: T\n-- section: accountability\n-- answers: A\n-- evidence: E\n-- limits: L\n"
    (flags / "plates.sql").write_text(header.format("plates") + "SELECT s.search_key, 'plates' AS flag,\n-- reason, raw\n"
                                      "s.license_plate AS evidence FROM searches AS s JOIN agencies AS a ON a.name = s.producer\n")
    monkeypatch.setattr(engine_module, "queries_dir", lambda: tmp_path)
    assert engine_module.flag_columns() == {"search_key", "license_plate", "producer"}
    (flags / "broken.sql").write_text(header.format("broken") + "SELEC search_key FROM searches\n")
    assert engine_module.flag_columns() is None


@pytest.mark.slow
def test_vague_reason_reads_truncations_of_its_own_terms(store_dir: Path) -> None:
    reasons = ["tes", "inve", "Investig.", "te", "theft", "invoice fraud"]
    keys = write_searches(store_dir, [{"reason": r} for r in reasons])
    vague = [flags_of(store_dir).get(k, {}).get("vague_reason") for k in keys]
    assert vague[0] == 'reason: "tes" (truncation of term: test)'
    assert vague[1] is not None and "truncation of term: invest" in vague[1]
    assert vague[2] is not None and "truncation of term" in vague[2]
    assert vague[3:] == [None, None, None]  # two letters are too few; real words are not truncations
