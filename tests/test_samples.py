"""Golden tests on the bundled samples: every file under samples/ is read (or skipped with a reason) the
way tests/golden/samples_sources.json says, row counts are the ones the generator wrote, regenerating
from the seed gives the same files, and the samples demonstrate every finding.

Regenerate the golden file after a deliberate change with ``LPRLOGS_UPDATE_GOLDEN=1 python -m pytest -q
tests/test_samples.py`` and review the diff: it must stay what is *right*, not merely what a reader does.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import json
import os
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from helpers import ROOT, SAMPLES

from lprlogs.engine import Engine
from lprlogs.ingest import IngestReport, ingest
from lprlogs.store import Store

GOLDEN = Path(__file__).resolve().parent / "golden" / "samples_sources.json"
FIELDS = ("status", "format", "variant", "rows_read", "rows_stored", "rows_quarantined")
UPDATE = os.environ.get("LPRLOGS_UPDATE_GOLDEN") == "1"

# Files left out of the golden comparison, each naming the reader that has not landed yet (or the
# reader bug that keeps it from being read right). Remove an entry once that reader reads it right.
PENDING: dict[str, str] = {}

# Files in samples/ that are not audits and must be skipped with a reason.
NOT_AUDITS = (
    "samples/README.md",
    "samples/generate.py",
    "samples/release-2026-001.zip!/Release 2026-001/00 Cover letter.txt",
    "samples/release-2026-001.zip!/Release 2026-001/01 Exemption log.docx",
)

CONTRACT_FLAGS = (
    "immigration",
    "immigration_agency",
    "outside_agency",
    "federal_searcher",
    "out_of_state_searcher",
    "wide_lookup",
    "287g_searcher",
    "school_camera",
    "school_searcher",
    "blank_reason",
    "vague_reason",
    "long_lookback",
    "moderated",
    "freeform_prompt",
)


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lprlogs_samples_generate", SAMPLES / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    writes_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # no samples/__pycache__: ingest of samples/ would list it
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = writes_bytecode
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], dict, dict, dict]:
    """The samples written afresh from the seed into a temp folder, with the canonical values of every
    audit row the generator wrote (its own record, independent of any reader)."""
    pytest.importorskip("fpdf", reason="fpdf2 (test extra) writes the PDF sample")
    target = tmp_path_factory.mktemp("generated")
    generator = _load_generator()
    written = generator.generate(target)
    expected = {f"samples/{path}": rows for path, rows in generator.EXPECTED.items()}
    expected_side = {f"samples/{path}": tables for path, tables in generator.EXPECTED_SIDE.items()}
    quarantined = {f"samples/{path}": count for path, count in generator.EXPECTED_QUARANTINE.items()}
    return target, written, expected, expected_side, quarantined


def _relative(path: str) -> str:
    prefix = str(ROOT) + os.sep
    return path[len(prefix) :] if path.startswith(prefix) else path


@pytest.fixture(scope="module")
def samples_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, IngestReport]:
    """samples/ ingested once, then the sample 287(g) list loaded (when that command exists)."""
    from click.testing import CliRunner

    from lprlogs.cli import cli

    store_dir = tmp_path_factory.mktemp("samples") / "store"
    report = ingest([str(SAMPLES)], store_dir)
    list_287g = SAMPLES / "reference" / "ice-287g-participating-sample.xlsx"
    CliRunner().invoke(cli, ["agencies", "load-287g", str(list_287g), "--store", str(store_dir)])
    return store_dir, report


@pytest.fixture(scope="module")
def engine(samples_store: tuple[Path, IngestReport]) -> Iterator[Engine]:
    """One DuckDB engine over the samples store, shared by the tests that query it."""
    opened = Engine(Store.open(samples_store[0]))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def outcomes(samples_store: tuple[Path, IngestReport]) -> dict[str, dict[str, object]]:
    _, report = samples_store
    return {
        _relative(f.path): {k: getattr(f, k) for k in FIELDS} | {"reason": f.reason} for f in report.files
    }


def test_samples_match_golden(outcomes: dict[str, dict[str, object]]) -> None:
    observed = {
        path: {k: facts[k] for k in FIELDS} for path, facts in sorted(outcomes.items()) if path not in PENDING
    }
    if UPDATE:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(observed, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(observed) == sorted(golden), "files under samples/ differ from the golden list"
    differences = {
        path: {"golden": golden[path], "now": observed[path]}
        for path in golden
        if golden[path] != observed[path]
    }
    assert not differences, json.dumps(differences, indent=1, ensure_ascii=False)


def test_golden_row_counts_are_the_generated_ones(
    generated: tuple[Path, list[Path], dict, dict, dict],
) -> None:
    """The golden file itself must hold the rows the generator wrote (so it cannot drift to a reader bug)."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    generated_rows = {path: len(rows) + generated[4].get(path, 0) for path, rows in generated[2].items()}
    wrong = {
        path: (golden[path]["rows_read"], rows)
        for path, rows in generated_rows.items()
        if path in golden and golden[path]["rows_read"] != rows
    }
    assert not wrong, f"rows_read in golden vs generated: {wrong}"
    missing = [path for path in generated_rows if path not in golden and path not in PENDING]
    assert not missing, f"audit files neither in the golden file nor pending: {missing}"


def test_every_audit_row_is_read_and_accounted_for(
    outcomes: dict[str, dict[str, object]], generated: tuple[Path, list[Path], dict, dict, dict]
) -> None:
    assert set(generated[2]) - set(PENDING), "no generated audit file to check"
    for path, rows in generated[2].items():
        if path in PENDING:
            continue
        facts = outcomes[path]
        quarantined = generated[4].get(path, 0)
        assert facts["status"] == "ingested", (path, facts)
        assert facts["rows_read"] == len(rows) + quarantined, (path, facts)
        assert facts["rows_quarantined"] == quarantined, (path, facts)
        assert facts["rows_stored"] == len(rows), (path, facts)


def test_non_audit_files_are_skipped_with_a_reason(outcomes: dict[str, dict[str, object]]) -> None:
    for path in NOT_AUDITS:
        facts = outcomes[path]
        assert facts["status"] == "skipped", (path, facts)
        assert facts["reason"], path
        assert facts["rows_stored"] == 0
    # the ICE 287(g) list beside the audits is loaded as a reference list, not stored as searches
    ice = outcomes["samples/reference/ice-287g-participating-sample.xlsx"]
    assert (ice["status"], ice["format"], ice["rows_stored"]) == ("ingested", "ice_287g", 0)


def _xlsx_cells(data: bytes) -> list[tuple[str, list[tuple[object, ...]]]]:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [
        (sheet.title, [tuple(row) for row in sheet.iter_rows(values_only=True)])
        for sheet in workbook.worksheets
    ]


def _zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _pdf_text(data: bytes) -> list[str]:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    return [document[i].get_textpage().get_text_range() for i in range(len(document))]


@pytest.mark.slow
def test_regenerating_from_the_seed_gives_the_committed_files(
    generated: tuple[Path, list[Path], dict, dict, dict], tmp_path: Path
) -> None:
    first, written = generated[0], generated[1]
    names = sorted(p.relative_to(first).as_posix() for p in written)
    committed = sorted(
        p.relative_to(SAMPLES).as_posix()
        for p in SAMPLES.rglob("*")
        if p.is_file() and p.name not in ("generate.py", "README.md") and "__pycache__" not in p.parts
    )
    assert names == committed, "samples/ holds files the generator does not write, or lacks some"
    for name in names:
        fresh, kept = (first / name).read_bytes(), (SAMPLES / name).read_bytes()
        if name.endswith((".csv", ".txt")):
            assert fresh == kept, f"{name} is not byte-identical when regenerated"
        elif name.endswith(".xlsx"):
            assert _xlsx_cells(fresh) == _xlsx_cells(kept), name
        elif name.endswith(".zip"):
            assert _zip_members(fresh) == _zip_members(kept), name
        elif name.endswith(".pdf"):
            assert _pdf_text(fresh) == _pdf_text(kept), name
        else:
            assert fresh == kept, name
    # and twice in a row gives exactly the same bytes, binary formats included
    again = tmp_path / "again"
    _load_generator().generate(again)
    for name in names:
        assert (again / name).read_bytes() == (first / name).read_bytes(), f"{name} differs between two runs"


COMPARED = (
    "search_id",
    "searcher_org",
    "networks_searched",
    "time_frame_start",
    "time_frame_end",
    "reason",
    "search_time",
)


def _canonical(field: str, value: object) -> object:
    if field == "reason":
        return (str(value).strip() or None) if value is not None else None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    return value


@pytest.mark.slow
def test_stored_values_are_the_generated_ones(
    engine: Engine, generated: tuple[Path, list[Path], dict, dict, dict]
) -> None:
    """Per audit file, the stored rows carry exactly the IDs, organisations, networks, time frames, reasons
    and search times the generator wrote (compared as multisets, so row order does not matter)."""
    problems: dict[str, object] = {}
    for path, expected_rows in generated[2].items():
        if path in PENDING or not expected_rows:
            continue
        fields = [f for f in COMPARED if f in {"search_time", *expected_rows[0]}]
        quoted = path.replace("'", "''")
        # the generator writes zone-less files in local wall time: a row read in its producer's zone is
        # compared by the wall time it was written in
        listing = ", ".join(f if f != "search_time" else
                            "CASE WHEN time_basis LIKE 'local, converted from %' THEN "
                            "timezone(local_zone, search_time) ELSE timezone('UTC', search_time) END AT TIME ZONE 'UTC'"
                            for f in fields)
        _, rows = engine.query(f"select {listing} from searches where source_file = '{quoted}'")
        stored = Counter(tuple(_canonical(f, v) for f, v in zip(fields, row, strict=True)) for row in rows)
        wanted = Counter(tuple(_canonical(f, record.get(f)) for f in fields) for record in expected_rows)
        if stored != wanted:
            problems[path] = {
                "fields": fields,
                "missing": list((wanted - stored).elements())[:3],
                "unexpected": list((stored - wanted).elements())[:3],
            }
    assert not problems, "\n".join(f"{path}: {facts}" for path, facts in problems.items())


def test_side_tables_hold_the_generated_rows(
    engine: Engine, generated: tuple[Path, list[Path], dict, dict, dict]
) -> None:
    """The event log's rows (blanked ones kept as redacted) and the sharing list's (organisation, network,
    direction) rows are exactly the ones the generator wrote."""
    assert set(generated[3]) - set(PENDING), "no generated side table to check"
    for path, tables in generated[3].items():
        if path in PENDING:
            continue
        quoted = path.replace("'", "''")
        for key, expected_rows in tables.items():
            view, columns = key.split(":")
            _, rows = engine.query(f"select {columns} from {view} where source_file = '{quoted}'")
            assert Counter(map(tuple, rows)) == Counter(expected_rows), (path, view)


def test_samples_stay_small() -> None:
    total = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    assert total < 3 * 1024 * 1024
    assert sum(1 for _ in SAMPLES.rglob("*")) < 100


OFFICER = re.compile(r"^[A-Z]\. [A-Z][a-zé]+$")
MARKERS = {"***", "REDACTED", "[REDACTED]", "###", "* * *", "7923.600 GC"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_no_real_person_names(engine: Engine) -> None:
    """Officers are made-up initials plus an invented surname; anything else is a mask or a user ID."""
    _, rows = engine.query(
        "select distinct raw ->> '$.Name' from searches where raw ->> '$.Name' is not null"
    )
    names = {row[0].strip() for row in rows if row[0] and row[0].strip()}
    odd = sorted(n for n in names if not OFFICER.match(n) and n not in MARKERS and not UUID.match(n))
    assert not odd, odd


def test_samples_demonstrate_every_finding(engine: Engine) -> None:
    """Each contract flag has its SQL file and fires on the samples; 287g_searcher (the sample 287(g) list
    is loaded) on exactly the searchers that list names (and none of its false friends)."""
    flags_dir = ROOT / "queries" / "flags"
    no_file = [flag for flag in CONTRACT_FLAGS if not (flags_dir / f"{flag}.sql").exists()]
    assert not no_file, f"contract flags without a SQL file under queries/flags: {no_file}"
    _, rows = engine.query("select flag, count(*) from flags group by flag")
    _, listed = engine.query(
        "select distinct s.searcher_org from flags f join searches s using (search_key) "
        "where f.flag = '287g_searcher' order by 1"
    )
    counts = dict(rows)
    loaded = engine.query("select count(*) from agreements")[1][0][0]
    assert loaded == 16, "the sample 287(g) list has 16 agreements; the fixture's load-287g failed?"
    missing = [flag for flag in CONTRACT_FLAGS if not counts.get(flag)]
    assert not missing, f"flags with no row on the samples: {missing} (counts: {counts})"
    assert [row[0] for row in listed] == [
        "Brookhaven GA PD",
        "Cobb County GA SO",
        "Colbert County AL SO",
        "Collier County FL SO",
        "Fort Wayne IN PD",
        "Marianna FL PD",
    ]


def test_immigration_traps_do_not_flag(engine: Engine) -> None:
    traps = (
        "police assist",
        "notice of violation",
        "possession of ice",
        "case E287021",
        "vehicle removal",
        "office burglary",
        "Federal Way assist",
        "crystal ice",
        "ice sales investigation",
        "device theft",
        "service of warrant",
        "justice dept request",
        "price gouging complaint",
    )
    _, rows = engine.query(
        "select s.reason, f.flag, count(*) from searches s join flags f using (search_key) "
        "where f.flag in ('immigration', 'immigration_agency') and s.reason in "
        f"({', '.join(repr(t) for t in traps)}) group by all"
    )
    _, hits = engine.query(
        "select count(*) from searches s join flags f using (search_key) where f.flag = 'immigration' "
        "and s.reason in ('ICE detainer', 'assist ICE', 'Immigration (civil/administrative) -', "
        "'Immigration (civil/administrative) - ', 'apoyo inmigración')"
    )
    assert not rows, f"traps flagged as immigration-related: {rows}"
    assert hits[0][0] > 0


def test_own_searches_spelled_differently_are_not_outside(engine: Engine) -> None:
    """'Mountain View Police Department' (file name) and 'Mountain View CA PD (Santa Clara County)' (its users'
    Org Name) are one agency: its own searches are not outside-agency searches; the others' are."""
    _, rows = engine.query(
        "select s.searcher_org = 'Mountain View CA PD (Santa Clara County)' as own, count(f.flag) "
        "from searches s left join flags f on f.search_key = s.search_key and f.flag = 'outside_agency' "
        "where s.source_file like '%Mountain View Police Department-Network-Audit.csv' group by all order by 1"
    )
    assert rows == [(False, rows[0][1]), (True, 0)] and rows[0][1] > 0, rows


def test_source_columns_lists_each_files_original_header(engine: Engine) -> None:
    """The source_columns view (what blank_reason reads to skip files without a Reason column)."""
    columns = engine.con.execute(
        "SELECT list(c.column_name ORDER BY c.column_name) FROM source_columns AS c "
        "JOIN sources AS s ON s.sha256 = c.source_sha256 WHERE s.path LIKE '%Dover DE PD-Network-Audit.csv'"
    ).fetchall()[0][0]
    assert columns == sorted(["ID", "Name", "Org Name", "Total Networks Searched", "Total Devices Searched",
                              "Time Frame", "License Plate", "Reason", "Case #", "Filters", "Search Time",
                              "Search Type", "Text Prompt", "Moderation"])


@pytest.mark.slow
@pytest.mark.parametrize("pick", ["named columns", "every column", "a named column missing"])
def test_printed_rows_evidence_is_the_flags_views(engine: Engine, pick: str, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    """Every flagged row of the samples printed (-p csv_rows_per_flag=0): the evidence the report finds by
    running the flags again over the printed rows alone is the flags view's, whether the printed rows were
    picked with the columns the flag files name (the default), with every column, or with a column a flag
    reads left out (the flags then fail to bind, and the rows are picked again with every column)."""
    from lprlogs.engine import report_tables as data

    if pick == "every column":
        monkeypatch.setattr(data, "_printed_columns", lambda: None)
    elif pick == "a named column missing":
        named = data._printed_columns()
        assert named is not None and "moderation" in named and "raw" not in named
        monkeypatch.setattr(data, "_printed_columns",
                            lambda: tuple(c for c in named if c != "moderation"))
    engine.params["csv_rows_per_flag"] = "0"
    try:
        data.prepare(engine, None)
        printed = engine.con.execute("SELECT flag, search_key, evidence FROM report_rows ORDER BY ALL").fetchall()
    finally:
        data.drop_report_objects(engine.con)
        del engine.params["csv_rows_per_flag"]
    flagged = engine.con.execute("SELECT flag, search_key, evidence FROM flags ORDER BY ALL").fetchall()
    assert printed == flagged and len(flagged) > 100
