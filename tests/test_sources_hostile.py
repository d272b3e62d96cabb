"""Hostile and damaged inputs at the expansion step: each bad file, folder or zip member becomes one
rejected source with its reason, and every other file of the batch is still read."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import pytest
from helpers import flock_row, write_flock_csv

from lprlogs import sources
from lprlogs.sources import UNZIP_PREFIX, Expander

NAME = "11_1_2025-11_30_2025-Dover DE PD-Network-Audit.csv"


def _csv_bytes(reason: str, rows: int = 2) -> bytes:
    folder = Path(tempfile.mkdtemp())
    path = write_flock_csv(folder, NAME, [flock_row(reason=f"{reason} {i}") for i in range(rows)])
    return path.read_bytes()


def _expand(*paths: Path) -> list[sources.Source]:
    with Expander() as expander:
        return list(expander.expand([str(p) for p in paths]))


def test_unreadable_file_is_one_rejected_source_and_the_batch_goes_on(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "release"
    bad = write_flock_csv(folder, "a-" + NAME, [flock_row()])
    write_flock_csv(folder, "b-" + NAME, [flock_row(reason="later file")])
    real = sources.sha256_file

    def denied(path: Path) -> str:
        if path == bad:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(sources, "sha256_file", denied)
    found = _expand(folder)
    assert [s.name for s in found] == ["a-" + NAME, "b-" + NAME]
    assert "permission denied" in (found[0].skip_reason or "")
    assert found[1].skip_reason is None and found[1].sha256


@pytest.mark.slow
def test_a_folder_nested_1100_deep_is_walked_without_recursion(tmp_path: Path) -> None:
    deep = tmp_path / "top"
    folder = str(deep)
    os.mkdir(folder)
    for _ in range(1100):  # pathlib's mkdir(parents=True) itself recurses this deep
        folder += "/d"
        os.mkdir(folder)
    (Path(folder) / NAME).write_bytes(_csv_bytes("deep"))
    write_flock_csv(tmp_path / "top", "z-" + NAME, [flock_row()])
    found = _expand(deep)
    assert sorted(s.name for s in found) == sorted([NAME, "z-" + NAME])
    assert all(s.skip_reason is None for s in found)
    os.remove(Path(folder) / NAME)
    while folder != str(deep):  # shutil.rmtree would recurse as deep as the tree
        os.rmdir(folder)
        folder = os.path.dirname(folder)


def _zip(path: Path, members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


@pytest.mark.slow
def test_members_sharing_a_name_are_both_read(tmp_path: Path, run_cli) -> None:
    with pytest.warns(UserWarning):  # zipfile warns about the duplicate name; releases have them anyway
        archive = _zip(tmp_path / "release.zip", [(NAME, _csv_bytes("first")), (NAME, _csv_bytes("second", 3))])
    found = _expand(archive)
    assert len(found) == 2 and len({s.sha256 for s in found}) == 2
    assert len({s.path for s in found}) == 2
    assert run_cli("ingest", str(archive), "-q").exit_code == 0
    result = run_cli("query", "select count(*) as n, count(distinct source_sha256) as files from searches", "--csv")
    assert result.output.strip().splitlines()[-1] == "5,2"


def test_a_member_with_a_bad_crc_is_rejected_and_the_others_read(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "release.zip", [("a.csv", _csv_bytes("x", 50)), ("b-" + NAME, _csv_bytes("y"))],
                   method=zipfile.ZIP_STORED)
    data = bytearray(archive.read_bytes())
    at = data.index(b"x 10")
    data[at] = ord("Q")  # the stored bytes no longer match the member's CRC
    archive.write_bytes(bytes(data))
    found = _expand(archive)
    assert len(found) == 2
    assert "damaged" in (found[0].skip_reason or "") and found[1].skip_reason is None


def test_a_member_larger_than_its_header_says_is_refused(tmp_path: Path) -> None:
    payload = _csv_bytes("x", 200)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a-" + NAME, payload)
        archive.writestr("b-" + NAME, _csv_bytes("y"))
    data = bytearray(buffer.getvalue())
    size = len(payload).to_bytes(4, "little")
    small = (100).to_bytes(4, "little")
    data = bytearray(bytes(data).replace(size, small))  # local and central headers both lie
    path = tmp_path / "lying.zip"
    path.write_bytes(bytes(data))
    found = _expand(path)
    assert len(found) == 2
    assert found[0].skip_reason and found[1].skip_reason is None


def test_zip_of_zips_expanding_past_the_input_budget_is_refused(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.csv", b"0" * (40 * 1024**2))
    outer = _zip(tmp_path / "bomb.zip", [("inner.zip", inner.getvalue()), ("z-" + NAME, _csv_bytes("ok"))])
    assert outer.stat().st_size < 200_000
    found = _expand(outer)
    reasons = [s.skip_reason or "" for s in found]
    assert any("zip bomb" in r for r in reasons), reasons
    assert any(s.name == "z-" + NAME and s.skip_reason is None for s in found)


def test_a_cut_short_zip_is_named_a_damaged_archive(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "release.zip", [("a-" + NAME, _csv_bytes("x", 400)), ("b-" + NAME, _csv_bytes("y"))])
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    (found,) = _expand(archive)
    assert "damaged zip archive" in (found.skip_reason or "")


def test_unzip_folders_of_killed_runs_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = tmp_path / f"{UNZIP_PREFIX}999999999-abc"
    stale.mkdir()
    (stale / "left.csv").write_text("x")
    mine = tmp_path / f"{UNZIP_PREFIX}{os.getpid()}-keep"
    mine.mkdir()
    archive = _zip(tmp_path / "release.zip", [(NAME, _csv_bytes("x"))])
    with Expander() as expander:
        assert len(list(expander.expand([str(archive)]))) == 1
        assert not stale.exists() and mine.exists()
    assert not any(p.name.startswith(f"{UNZIP_PREFIX}{os.getpid()}-") and p != mine for p in tmp_path.iterdir())


@pytest.mark.slow
def test_absolute_paths_are_cited_from_the_folder_given(run_cli, tmp_path: Path) -> None:
    home = tmp_path / "Users" / "ann" / "Documents" / "release"
    write_flock_csv(home / "may", NAME, [flock_row()])
    assert run_cli("ingest", str(home), "-q").exit_code == 0
    cited = run_cli("query", "select distinct source_file from searches", "--csv").output.strip().splitlines()
    assert cited[1:] == [f"release/may/{NAME}"]
    paths = run_cli("query", "select paths from batches", "--csv").output
    assert "Users" not in paths and "release" in paths
