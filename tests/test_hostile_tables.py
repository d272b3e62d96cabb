"""Hostile and damaged tables: a NUL byte, a bare CR, \\x1a, UTF-16 and BOMs, blank lines, a table
10,000 columns wide, a password-protected workbook. Every row is read (or that one row quarantined),
source_row is the spreadsheet row, and what cannot be read is refused with a one-line reason."""

from __future__ import annotations

import struct
import uuid
from pathlib import Path

import pytest
from helpers import FLOCK_14, first_fast, flock_row, query, write_flock_csv

from lprlogs.ingest import ingest

PORTAL_HEADER = '"id","userId","searchDate","networkCount","reason"'


def _rows(count: int, **cells: str) -> list[str]:
    return [flock_row(search_id=str(uuid.UUID(int=i)), reason=cells.get(str(i), f"reason {i}"))
            for i in range(1, count + 1)]


def _stored(store_dir: Path) -> list[tuple[int, str]]:
    return query(store_dir, "SELECT source_row, reason FROM searches ORDER BY source_row")


@pytest.mark.parametrize("cell", first_fast("stolen\x00 vehicle", "stolen\r vehicle", "stolen\x1a vehicle"))
def test_a_control_character_in_one_cell_loses_no_row(tmp_path: Path, store_dir: Path, cell: str) -> None:
    path = write_flock_csv(tmp_path / "in", "audit.csv", _rows(10, **{"5": cell}))
    outcome = ingest([str(path)], store_dir).files[0]
    assert (outcome.status, outcome.format, outcome.rows_stored, outcome.rows_quarantined) == \
        ("ingested", "flock_csv", 10, 0)
    stored = dict(_stored(store_dir))
    assert sorted(stored) == list(range(2, 12))  # header is row 1; each record (two lines) is one row
    assert stored[6] == cell.replace("\x00", "\ufffd")
    if "\x00" in cell:
        assert any("NUL byte" in n for n in outcome.notes)


@pytest.mark.parametrize("encoding", first_fast("utf-16", "utf-16-le", "utf-8-sig"))
def test_utf16_and_boms(tmp_path: Path, store_dir: Path, encoding: str) -> None:
    path = tmp_path / "audit.csv"
    path.write_text(FLOCK_14 + "\n" + "\n".join(_rows(4)) + "\n", encoding=encoding)
    outcome = ingest([str(path)], store_dir).files[0]
    assert (outcome.format, outcome.rows_stored) == ("flock_csv", 4)
    assert [r[0] for r in _stored(store_dir)] == [2, 3, 4, 5]


def test_nul_in_portal_and_sharing_csv(tmp_path: Path, store_dir: Path) -> None:
    portal = tmp_path / "in" / "menlo-park-ca-pd_2026-04-25_search_audit.csv"
    portal.parent.mkdir()
    portal.write_text("\n".join([PORTAL_HEADER] + [
        f'"p{i}","***","2026-03-10T04:31:52.901Z","4","theft{chr(0) if i == 2 else ""}"' for i in range(1, 5)]))
    sharing = tmp_path / "in" / "sharing.csv"
    sharing.write_text("Organization Name,Networks Shared With Me,Networks I'm Sharing\n"
                       "Marina CA PD,\"A PD,B\x00 PD\",C PD\nCasa Grande AZ PD,D PD,\n")
    outcomes = {Path(o.path).name: o for o in ingest([str(tmp_path / "in")], store_dir).files}
    assert outcomes[portal.name].rows_stored == 4
    assert query(store_dir, "SELECT reason FROM searches WHERE search_id = 'p2'") == [("theft\ufffd",)]
    assert outcomes["sharing.csv"].status == "ingested"
    assert query(store_dir, "SELECT network FROM sharing WHERE network LIKE 'B%'") == [("B\ufffd PD",)]


@pytest.mark.slow
def test_blank_lines_and_multi_line_records_keep_spreadsheet_rows(tmp_path: Path, store_dir: Path) -> None:
    rows = _rows(4, **{"2": "two\nlines"})
    path = tmp_path / "audit.csv"
    path.write_text(FLOCK_14 + "\n" + rows[0] + "\n" + rows[1] + "\n\n" + rows[2] + "\n" + rows[3] + "\n\n\n")
    outcome = ingest([str(path)], store_dir).files[0]
    assert (outcome.rows_stored, outcome.rows_quarantined) == (4, 0)
    # rows 2 and 3 are records, row 4 is the blank line a spreadsheet shows, then rows 5 and 6
    assert [r[0] for r in _stored(store_dir)] == [2, 3, 5, 6]
    assert not any("mismatch" in n for n in outcome.notes)


@pytest.mark.slow
def test_workbook_rows_count_blank_rows_above_the_table(tmp_path: Path, store_dir: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for column, header in enumerate(FLOCK_14.split(","), start=1):
        sheet.cell(row=3, column=column, value=header)
    for r in range(2):
        values = ["id" + str(r), "J. Okafor", "Houston TX PD", 12, 340,
                  "11/01/2025, 12:00:00 AM UTC\n11/14/2025, 09:53:36 AM UTC", "7ABC123", f"reason {r}", "", "",
                  "11/14/2025, 09:53:36 AM UTC", "lookup", "", "allow"]
        for column, value in enumerate(values, start=1):
            sheet.cell(row=4 + r, column=column, value=value)
    path = tmp_path / "audit.xlsx"
    book.save(path)
    ingest([str(path)], store_dir)
    assert _stored(store_dir) == [(4, "reason 0"), (5, "reason 1")]


def test_ten_thousand_columns_is_refused_in_one_line(tmp_path: Path, store_dir: Path) -> None:
    extra = [f"x{i}" for i in range(10_000 - 14)]
    path = tmp_path / "wide.csv"
    path.write_text(",".join([*FLOCK_14.split(","), *extra]) + "\n"
                    + "\n".join(r + "," * len(extra) for r in _rows(3)) + "\n")
    portal = tmp_path / "portal_search_audit.csv"
    portal_extra = [f"x{i}" for i in range(10_000 - 5)]
    portal.write_text(PORTAL_HEADER + "," + ",".join(portal_extra) + "\n"
                      + '"p1","***","2026-03-10T04:31:52.901Z","4","theft"' + "," * len(portal_extra) + "\n")
    for outcome in ingest([str(path), str(portal)], store_dir).files:
        assert outcome.status == "rejected"
        assert "has 10,000 columns, more than the 500 lprlogs reads" in outcome.reason
        assert "\n" not in outcome.reason and "report" not in outcome.reason


@pytest.mark.slow
def test_a_few_hundred_extra_columns_are_kept_in_raw(tmp_path: Path, store_dir: Path) -> None:
    extra = [f"x{i}" for i in range(300)]
    path = tmp_path / "wide.csv"
    path.write_text(",".join([*FLOCK_14.split(","), *extra]) + "\n"
                    + "\n".join(r + ",v" * len(extra) for r in _rows(2)) + "\n")
    outcome = ingest([str(path)], store_dir).files[0]
    assert outcome.rows_stored == 2
    assert any(n.endswith("x18, x19 and 280 more") for n in outcome.notes)
    assert query(store_dir, "SELECT raw->>'x299' FROM searches LIMIT 1") == [("v",)]


def _compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (version 3) holding the given streams, each 4,096 bytes or more so
    they live in regular sectors: the container an encrypted .xlsx is."""
    sector = 512
    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    data, fat, starts = b"", [fat_sector, end], []
    next_sector = 2
    for body in streams.values():
        body = body + b"\0" * (-len(body) % sector)
        count = len(body) // sector
        starts.append(next_sector)
        fat += [next_sector + k + 1 for k in range(count - 1)] + [end]
        next_sector += count
        data += body
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", free, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<IQ", start, size))

    names = list(streams)
    directory = entry("Root Entry", 5, 1, free, end, 0)
    for k, name in enumerate(names):
        directory += entry(name, 2, free, k + 2 if k + 1 < len(names) else free, starts[k], len(streams[name]))
    directory = directory.ljust(sector, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    return header + struct.pack(f"<{sector // 4}I", *fat) + directory + data


def test_password_protected_workbook_says_so(tmp_path: Path, store_dir: Path) -> None:
    path = tmp_path / "Audit January.xlsx"
    path.write_bytes(_compound_file({"EncryptionInfo": b"\x04\x00\x04\x00" + b"\x01" * 4092,
                                     "EncryptedPackage": b"\x07" * 8192}))
    outcome = ingest([str(path)], store_dir).files[0]
    assert outcome.status == "rejected"
    assert outcome.reason.startswith("workbook is password protected")
    assert "not a format lprlogs reads" not in outcome.reason


@pytest.mark.parametrize(("encoding", "reason"), first_fast(("utf-16", "theft"), ("utf-8-sig", "theft"),
                                                            ("utf-8", "theft\rof a car"), ("utf-8", "theft\x1a")))
def test_portal_encodings_and_control_characters(tmp_path: Path, store_dir: Path, encoding: str,
                                                 reason: str) -> None:
    path = tmp_path / "menlo-park-ca-pd_2026-04-25_search_audit.csv"
    lines = [PORTAL_HEADER] + [f'"p{i}","***","2026-03-10T04:31:52.901Z","4","{reason if i == 2 else "x"}"'
                               for i in range(1, 5)]
    path.write_bytes("\n".join(lines).encode(encoding))
    outcome = ingest([str(path)], store_dir).files[0]
    assert (outcome.format, outcome.rows_stored, outcome.rows_quarantined) == ("portal_csv", 4, 0)
    assert query(store_dir, "SELECT source_row, reason FROM searches WHERE search_id = 'p2'") == [(3, reason)]
