"""Inputs -> sources: file names, folders, nested zips, and refusing unsafe archives."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from helpers import FLOCK_14, flock_row, write_flock_csv

from lprlogs import sources
from lprlogs.engine import Engine
from lprlogs.ingest import ingest
from lprlogs.sources import Expander, name_facts
from lprlogs.store import Store

NAME = "11_1_2025-11_30_2025-Conway AR PD-Network-Audit.csv"


@pytest.mark.parametrize(("file_name", "producer", "kind"), [
    ("11_1_2025-11_30_2025-Conway AR PD-Audit.csv", "Conway AR PD", "org_audit"),
    ("REDACTED - 11_1_2025-11_30_2025-Conway AR PD-Audit.csv", "Conway AR PD", "org_audit"),
    ("11_1_2025-11_30_2025-Conway AR PD-Audit (2) - Redacted.csv", "Conway AR PD", "org_audit"),
    ("12_1_2025-12_17_2025-Conway AR PD-Audit (1) - Redacted.csv", "Conway AR PD", "org_audit"),
    ("4_1_2025-4_30_2025-Conway AR PD-Audit - Redacted.csv", "Conway AR PD", "org_audit"),
    ("1_1_2026-1_31_2026-Mountain View Police Department-Network-Audit .csv", "Mountain View Police Department",
     "network_audit"),
    ("4-1-2025 to 5-1-2025-Cobb County GA SO-Network-Audit.xlsx", "Cobb County GA SO", "network_audit"),
    ("11_1_2025-12_8_2025-Okaloosa_County_FL_SO-Audit.pages-1-30.pdf", "Okaloosa County FL SO", "org_audit"),
    ("santa-clara-ca-pd_2026-04-22_search_audit.csv", "Santa Clara CA PD", "portal_audit"),
    ("belmont-ca-pd_2026-04-10_search_audit.a871b2fc.csv", "Belmont CA PD", "portal_audit"),
    ("yuba-county-ca-so_2026-04-22_search_audit.csv", "Yuba County CA SO", "portal_audit"),
    ("export.csv", None, None),
])
def test_producer_and_kind_from_file_name(file_name: str, producer: str | None, kind: str | None) -> None:
    facts = name_facts(file_name)
    assert facts["producer"] == producer
    assert facts["log_kind"] == kind


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _csv_bytes(reason: str) -> bytes:
    return (FLOCK_14 + "\n" + flock_row(reason=reason) + "\n").encode()


@pytest.mark.slow
def test_nested_zip_members_are_read_with_member_paths(tmp_path: Path, store_dir: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("inner/" + NAME, _csv_bytes("inner row"))
    outer = _zip(tmp_path / "release.zip", {
        "a/" + NAME.replace("Conway", "Searcy"): _csv_bytes("outer row"),
        "nested.zip": inner.getvalue(),
        "__MACOSX/._junk": b"x",
    })
    report = ingest([str(outer)], store_dir)
    paths = sorted(f.path for f in report.files if f.status == "ingested")
    assert paths == [
        f"{outer.name}!/a/{NAME.replace('Conway', 'Searcy')}",
        f"{outer.name}!/nested.zip!/inner/{NAME}",
    ]
    engine = Engine(Store.open(store_dir))
    assert engine.query("select producer, reason from searches order by 1")[1] == [
        ("Conway AR PD", "inner row"), ("Searcy AR PD", "outer row")]


@pytest.mark.slow
def test_zip_of_same_files_as_folder_is_already_ingested(tmp_path: Path, store_dir: Path) -> None:
    path = write_flock_csv(tmp_path / "in", NAME, [flock_row()])
    archive = _zip(tmp_path / "r.zip", {NAME: path.read_bytes()})
    ingest([str(tmp_path / "in")], store_dir)
    report = ingest([str(archive)], store_dir)
    assert [f.status for f in report.files] == ["already"]


def test_path_traversal_member_is_refused(tmp_path: Path, store_dir: Path) -> None:
    archive = _zip(tmp_path / "evil.zip", {"../../escape.csv": _csv_bytes("x"), "/abs.csv": _csv_bytes("y"),
                                            NAME: _csv_bytes("good")})
    report = ingest([str(archive)], store_dir)
    by_status = {f.path.split("!/")[-1]: (f.status, f.reason) for f in report.files}
    assert by_status["../../escape.csv"][0] == "rejected"
    assert "escapes" in by_status["../../escape.csv"][1]
    assert by_status["/abs.csv"][0] == "rejected"
    assert by_status[NAME][0] == "ingested"
    assert not (tmp_path.parent / "escape.csv").exists()


@pytest.mark.slow
def test_zip_bomb_stand_in_is_refused(tmp_path: Path, store_dir: Path) -> None:
    archive = _zip(tmp_path / "bomb.zip", {"zeros.csv": b"\0" * (60 * 1024 * 1024)})
    report = ingest([str(archive)], store_dir)
    assert [f.status for f in report.files] == ["rejected"]
    assert "zip bomb" in report.files[0].reason


def test_member_count_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_ZIP_MEMBERS", 3)
    archive = _zip(tmp_path / "many.zip", {f"{i}.txt": b"x" for i in range(5)})
    with Expander() as expander:
        found = list(expander.expand([str(archive)]))
    assert len(found) == 1 and "more than the cap" in (found[0].skip_reason or "")


@pytest.mark.slow
def test_store_and_output_folders_are_never_reingested(tmp_path: Path) -> None:
    release = tmp_path / "release"
    write_flock_csv(release, NAME, [flock_row()])
    store_dir = release / "lprlogs-store"
    ingest([str(release)], store_dir)
    (release / "report").mkdir()
    (release / "report" / sources.OUTPUT_MARKER).write_text("")
    write_flock_csv(release / "report", "copy.csv", [flock_row(reason="in the output folder")])
    again = ingest([str(release)], store_dir)
    assert [f.status for f in again.files] == ["already"]


def test_missing_path_is_reported_and_others_still_read(tmp_path: Path, store_dir: Path) -> None:
    path = write_flock_csv(tmp_path, NAME, [flock_row()])
    report = ingest([str(tmp_path / "nope.csv"), str(path)], store_dir)
    assert [f.status for f in report.files] == ["rejected", "ingested"]
    assert report.files[0].reason == "no such file or folder"


def test_a_link_inside_a_folder_is_not_followed_and_is_said(tmp_path: Path, store_dir: Path) -> None:
    """A symbolic link inside a release folder could point anywhere: it is not followed, and it is listed as
    rejected with the way to read it (before, it was left out without a word)."""
    outside = write_flock_csv(tmp_path / "elsewhere", NAME, [flock_row()])
    release = tmp_path / "release"
    write_flock_csv(release, NAME.replace("Conway", "Dover"), [flock_row()])
    (release / "linked.csv").symlink_to(outside)
    report = ingest([str(release)], store_dir)
    outcomes = {Path(f.path).name: f for f in report.files}
    assert outcomes["linked.csv"].status == "rejected"
    assert "symbolic link" in outcomes["linked.csv"].reason and "path of its own" in outcomes["linked.csv"].reason
    assert report.rows_stored == 1
