"""Sharing lists: one `sharing` row per (organization, network, direction); plain lists of names."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import query

from lprlogs.formats.sharing import producer_from_list_name
from lprlogs.ingest import ingest
from lprlogs.store import Store


@pytest.mark.slow
def test_sharing_csv_directions_commas_and_empty_rows(tmp_path: Path, store_dir: Path) -> None:
    path = tmp_path / "in" / "shared.csv"
    path.parent.mkdir(parents=True)
    path.write_text(
        "Organization Name,Networks Shared With Me,Networks I'm Sharing\n"
        '"Marina CA PD ","Marina CA PD","City of Dana Point CA (OCSD),City of Laguna Hills CA (OCSD) "\n'
        '"University of California, Berkeley","University of California, Berkeley",\n'
        'Lonely CA PD,,\n', encoding="utf-8")
    outcome = ingest([str(path)], store_dir, producer="Orange County CA SO").files[0]
    assert (outcome.status, outcome.format, outcome.log_kind) == ("ingested", "flock_sharing", "sharing")
    rows = query(store_dir, "SELECT source_row, organization, network, direction, position, producer FROM sharing "
                            "ORDER BY source_row, direction, position")
    assert rows == [
        (2, "Marina CA PD", "City of Dana Point CA (OCSD)", "i_share", 1, "Orange County CA SO"),
        (2, "Marina CA PD", "City of Laguna Hills CA (OCSD)", "i_share", 2, "Orange County CA SO"),
        (2, "Marina CA PD", "Marina CA PD", "shared_with_me", 1, "Orange County CA SO"),
        (3, "University of California, Berkeley", "University of California, Berkeley", "shared_with_me", 1,
         "Orange County CA SO"),
        (4, "Lonely CA PD", None, "none", None, "Orange County CA SO"),
    ]
    assert Store.open(store_dir).sources[0]["other_tables"] == {"sharing": 5}


@pytest.mark.slow
def test_plain_list_of_network_names(tmp_path: Path, store_dir: Path) -> None:
    path = tmp_path / "in" / "automated-license-plate-readers-sample-county-sheriffs-office-1234_doc2.dat"
    path.parent.mkdir(parents=True)
    names = ["Arcadia CA PD", "San Bruno CA PD", "Cobblestone Homeowners Association (CA)", "NCRIC",
             "City of Stanton CA (OCSD)", "Murrieta CA PD"]
    path.write_text(", ".join(names), encoding="ascii")
    outcome = ingest([str(path)], store_dir).files[0]
    assert outcome.format == "flock_sharing" and "direction unknown" in outcome.variant
    assert outcome.producer == "Sample County Sheriffs Office"
    rows = query(store_dir, "SELECT organization, network, direction, position, source_row FROM sharing "
                            "ORDER BY position")
    assert [r[1] for r in rows] == names
    assert {(r[0], r[2], r[4]) for r in rows} == {("Sample County Sheriffs Office", "listed", 1)}


def test_prose_is_not_a_name_list(tmp_path: Path, store_dir: Path) -> None:
    path = tmp_path / "in" / "letter.dat"
    path.parent.mkdir(parents=True)
    path.write_text("Dear requester, please find attached, as promised, the records, which we hope, help you.\n")
    outcome = ingest([str(path)], store_dir).files[0]
    assert outcome.format != "flock_sharing"


def test_producer_from_list_name() -> None:
    name = "automated-license-plate-readers-orange-county-sheriffs-office-136291_doc2.dat"
    assert producer_from_list_name(name) == "Orange County Sheriffs Office"
    assert producer_from_list_name("SharedNetworks_2025_December.xlsx") is None


@pytest.mark.slow
def test_real_sharing_files(realdata: Path, store_dir: Path) -> None:
    ingest([str(realdata / "ocsd-flock-sharednetworks")], store_dir)
    counts = query(store_dir, "SELECT regexp_extract(source_file, '[^/]+$'), direction, count(*), "
                              "count(DISTINCT source_row) FROM sharing GROUP BY ALL ORDER BY ALL")
    assert counts == [
        ("SharedNetworks_2025_December.xlsx", "i_share", 3192, 308),
        ("SharedNetworks_2025_December.xlsx", "shared_with_me", 487, 330),
        ("automated-license-plate-readers-orange-county-sheriffs-office-136291_doc2.dat", "listed", 91, 1),
    ]
    kept = query(store_dir, "SELECT count(*) FROM sharing WHERE network IN "
                            "('University of California, Berkeley', 'Danville, CA PD Ravens')")
    assert kept[0][0] >= 2
    assert query(store_dir, "SELECT count(*) FROM sharing WHERE network <> trim(network) "
                            "OR organization <> trim(organization)") == [(0,)]
    assert query(store_dir, "SELECT min(source_row), max(source_row) FROM sharing WHERE source_sheet IS NOT NULL") \
        == [(2, 392)]
