"""`lprlogs ingest ../shared/realdata/` reads every real file with the right counts, explains every skip,
loses and merges nothing; a zip of the same files gives the same store contents.

Expected counts are literals, counted independently of lprlogs: CSV records with Python's csv module,
workbook rows with openpyxl (blank rows told apart), PDF rows as the search UUIDs in pypdfium2's text.
"""

from __future__ import annotations

import csv
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from helpers import query

from lprlogs.engine import Engine
from lprlogs.ingest import IngestReport, ingest
from lprlogs.store import Store

# portal file -> records (all stored)
PORTAL = {
    "flock-transparency-portal/antioch-ca-pd_2026-04-29_search_audit.csv": 309,
    "flock-transparency-portal/chula-vista-ca-pd_2026-04-26_search_audit.csv": 1174,
    "flock-transparency-portal/menlo-park-ca-pd_2026-04-25_search_audit.csv": 103,
    "flock-transparency-portal/santa-clara-ca-pd_2026-04-22_search_audit.csv": 1241,
    "flock-transparency-portal/south-gate-ca-pd_2026-04-23_search_audit.csv": 132,
    "flock-transparency-portal/yuba-county-ca-so_2026-04-22_search_audit.csv": 38,  # last quote repaired
    "smpd-pra-W012541-attachments/belmont-ca-pd_2026-04-10_search_audit.a871b2fc.csv": 91,
    "smpd-pra-W012541-attachments/foster-city-ca-pd_2026-04-10_search_audit.f5f2e2bb.csv": 36,
}
PASADENA = "flock-transparency-portal/pasadena-ca-pd_2026-04-28_search_audit.csv"  # 145 records, last one cut
IRVINE = "irvine-ca-pd-vigilant/alpr-audits-irvine-police-department-181267_doc5.xlsx"  # Audit: 44,659 rows
EVENTS = "flock-event-log-cpra-c001586/CPRA_C001586_Hotlist.xlsx"  # 3,753 rows, 1,722 blank
SHARING = "ocsd-flock-sharednetworks/SharedNetworks_2025_December.xlsx"  # 3,192 + 487 names
NAME_LIST = "ocsd-flock-sharednetworks/automated-license-plate-readers-orange-county-sheriffs-office-136291_doc2.dat"
ICE = ("ice-287g/participatingAgencies07182025pm.xlsx", "ice-287g/pendingAgencies07182025pm.xlsx")
PDF = "okaloosa-fl-so/11_1_2025-12_8_2025-Okaloosa_County_FL_SO-Audit.pages-1-30.pdf"  # 269 search UUIDs
NOTES = ("README.md", "page-excerpts/conway-ar-pd_audit-file-inventory.txt",
         "page-excerpts/conway-ar-pd_federal-searches_sample-row.txt")


def _by_file(report: IngestReport, base: str) -> dict[str, object]:
    return {f.path.split(base, 1)[1].lstrip("/"): f for f in report.files}


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, realdata: Path) -> tuple[Path, dict[str, object], Path]:
    store_dir = tmp_path_factory.mktemp("real") / "store"
    report = ingest([str(realdata)], store_dir)
    return store_dir, _by_file(report, realdata.name), realdata


def test_every_file_is_accounted_for(ingested: tuple[Path, dict[str, object], Path]) -> None:
    _, files, realdata = ingested
    on_disk = {str(p.relative_to(realdata)) for p in realdata.rglob("*") if p.is_file()}
    assert set(files) == on_disk


def test_portal_counts(ingested: tuple[Path, dict[str, object], Path]) -> None:
    store_dir, files, realdata = ingested
    for name, rows in PORTAL.items():
        outcome = files[name]
        with open(realdata / name, newline="", encoding="utf-8") as fh:
            assert sum(1 for _ in csv.reader(fh)) - 1 == rows  # the literal is right
        assert (outcome.status, outcome.format, outcome.log_kind) == ("ingested", "portal_csv", "portal_audit"), name
        assert (outcome.rows_read, outcome.rows_stored, outcome.rows_quarantined) == (rows, rows, 0), name
    pasadena = files[PASADENA]
    assert (pasadena.rows_read, pasadena.rows_stored, pasadena.rows_quarantined) == (145, 144, 1)


def test_pasadena_nothing_lost_or_merged(ingested: tuple[Path, dict[str, object], Path]) -> None:
    store_dir, _, realdata = ingested
    with open(realdata / PASADENA, newline="", encoding="utf-8") as fh:
        ids = [row[0] for row in csv.reader(fh)][1:]
    stored = [r[0] for r in query(store_dir, f"SELECT search_id FROM searches WHERE source_file LIKE '%{PASADENA}'")]
    quarantined = query(store_dir, f"SELECT raw FROM quarantine WHERE source_file LIKE '%{PASADENA}'")
    assert len(stored) == len(set(stored)) == 144
    assert sorted(stored + [q[0].split('"')[1] for q in quarantined]) == sorted(ids)


def test_workbooks_and_lists(ingested: tuple[Path, dict[str, object], Path]) -> None:
    store_dir, files, _ = ingested
    irvine = files[IRVINE]
    assert (irvine.status, irvine.format, irvine.producer) == ("ingested", "vigilant_xlsx", "Irvine Police Department")
    assert (irvine.rows_stored, irvine.rows_quarantined) == (44659, 0)
    assert "zone unknown" in irvine.variant  # "Irvine Police Department" names no state
    entries = {Path(e["path"]).name: e for e in Store.open(store_dir).sources}
    events = entries[Path(EVENTS).name]
    assert (files[EVENTS].format, events["rows_blanked"], events["other_tables"]) == ("flock_event_log", 1722,
                                                                                    {"events": 3753})
    assert events["parts_skipped"] == [{"part": "Sheet1", "reason": "empty sheet"}]
    assert entries[Path(SHARING).name]["other_tables"] == {"sharing": 3192 + 487}
    assert entries[Path(NAME_LIST).name]["other_tables"] == {"sharing": 91}
    assert files[NAME_LIST].producer == "Orange County Sheriffs Office"
    vigilant = entries[Path(IRVINE).name]["other_tables"]
    assert vigilant == {"vigilant_orgs": 316 + 1553 + 156 + 1065, "vigilant_users": 199, "vigilant_counts": 26}


def test_skips_are_explained(ingested: tuple[Path, dict[str, object], Path]) -> None:
    _, files, _ = ingested
    for name, agreements in zip(ICE, (832, 26), strict=True):  # ICE lists are loaded as reference lists
        assert (files[name].status, files[name].format) == ("ingested", "ice_287g")
        assert files[name].other_tables == {"agreements": agreements}
    for name in NOTES:  # notes beside the data: skipped, or at least nothing stored as searches
        outcome = files[name]
        assert outcome.rows_stored == 0, name
        if outcome.status == "skipped":
            assert outcome.reason, name
    for outcome in files.values():
        assert outcome.status in ("ingested", "skipped"), (outcome.path, outcome.reason)
        assert outcome.rows_read == outcome.rows_stored + outcome.rows_quarantined


def test_pdf(ingested: tuple[Path, dict[str, object], Path]) -> None:
    _, files, _ = ingested
    outcome = files[PDF]
    assert outcome.status == "ingested"
    assert outcome.rows_stored + outcome.rows_quarantined == 269


def _contents(store_dir: Path) -> tuple[Counter, Counter, Counter, Counter]:
    name = "regexp_extract(source_file, '[^/!]+$')"
    engine = Engine(Store.open(store_dir))
    try:
        def rows(sql: str) -> list[tuple]:
            return engine.query(sql)[1]

        searches = Counter(rows(f"SELECT {name}, search_id, reason, search_time, source_sheet, source_row, "
                                "producer, log_kind, variant FROM searches"))
        quarantine = Counter(rows(f"SELECT {name}, source_row, raw, reason FROM quarantine"))
        side: Counter = Counter()
        for view in ("events", "sharing", "vigilant_orgs", "vigilant_users", "vigilant_counts"):
            side.update({(view, *k): n for *k, n in rows(f"SELECT {name}, count(*) FROM {view} GROUP BY 1")})
        sources = Counter(rows("SELECT regexp_extract(path, '[^/!]+$'), status, format, variant, producer, "
                               "rows_stored, rows_quarantined FROM sources"))
    finally:
        engine.close()
    return searches, quarantine, side, sources


@pytest.mark.slow
def test_zip_of_the_same_files_gives_the_same_store(ingested: tuple[Path, dict[str, object], Path],
                                                    tmp_path: Path) -> None:
    store_dir, _, realdata = ingested
    archive = tmp_path / "release.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(realdata.rglob("*")):
            if path.is_file():
                zf.write(path, str(path.relative_to(realdata)))
    zip_store = tmp_path / "zip-store"
    report = ingest([str(archive)], zip_store)
    assert len(report.files) == len(ingested[1])
    assert all(f.path.startswith(f"{archive.name}!/") and f.status in ("ingested", "skipped") for f in report.files)
    from_folder, from_zip = _contents(store_dir), _contents(zip_store)
    for folder_part, zip_part in zip(from_folder, from_zip, strict=True):
        assert folder_part == zip_part
    assert sum(from_zip[0].values()) > 48000
