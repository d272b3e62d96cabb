"""Files that are not audit data are listed in `sources` as skipped with a reason naming what they are;
side views exist even when no such file was ingested."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from lprlogs.engine import Engine
from lprlogs.formats import detect
from lprlogs.ingest import ingest
from lprlogs.sources import Expander
from lprlogs.store import Store

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def docx(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>Dear requester</w:document>")


def ice_list(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE"])
    sheet.write_row(1, 0, ["ALABAMA", "Sample County Sheriff's Office", "County", "Sample County", "Task Force Model "])
    book.close()


WRITERS = {
    "cover.docx": (docx, "Word document (.docx)"),
    "letter.doc": (lambda p: p.write_bytes(OLE + b"\x00" * 504 + "WordDocument".encode("utf-16-le")),
                   "Word document (.doc)"),
    "mail.msg": (lambda p: p.write_bytes(OLE + b"\x00" * 504 + "__substg1.0_0037001F".encode("utf-16-le")),
                 "Outlook e-mail"),
    "letter.rtf": (lambda p: p.write_text("{\\rtf1\\ansi Dear requester,\\par}"), "RTF document"),
    "mail.eml": (lambda p: p.write_text("From: clerk@city.example\nTo: reporter@news.example\nSubject: Records\n"
                                        "Date: Mon, 1 Dec 2025 10:00:00 -0800\n\nAttached."), "e-mail message"),
    "scan.png": (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40), "PNG image"),
    "scan.jpg": (lambda p: p.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 40), "JPEG image"),
    "page.html": (lambda p: p.write_text("<!DOCTYPE html><html><body>portal</body></html>"), "web page (HTML)"),
    "cover.txt": (lambda p: p.write_text("Dear requester\n\nPlease find the records you asked for under the "
                                         "California Public Records Act.\n\nSincerely\nThe Clerk\n"), "letter"),
    "00 Cover letter.txt": (lambda p: p.write_text(
        "SAMPLE CITY POLICE DEPARTMENT\nRecords Unit\n\nApril 30, 2026\n\nRe: Public Records Act request 1\n\n"
        "Dear Requester,\n\nEnclosed are the audit logs, as requested, for January, February, March.\n\n"
        "Sincerely,\nRecords Unit\n"), "a letter (e.g. a records-request cover letter)"),
    "blob.bin": (lambda p: p.write_bytes(b"\x01\x02\x00\x03" * 20), "binary file of a type lprlogs does not know"),
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_non_audit_files_are_skipped_with_a_reason(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    writer, expected = WRITERS[name]
    writer(path)
    with Expander() as expander:
        source = next(expander.expand([str(path)]))
    found = detect(source)
    assert found is not None
    reader, match = found
    assert match.details.get("skip") is True
    assert expected in str(match.details["reason"])
    assert match.confidence < 0.9


def test_release_folder_lists_every_skip(tmp_path: Path, store_dir: Path) -> None:
    release = tmp_path / "release"
    release.mkdir()
    for name in ("cover.docx", "letter.rtf", "scan.png"):
        WRITERS[name][0](release / name)
    ice_list(release / "participatingAgencies.xlsx")
    (release / "audit.csv").write_bytes(
        b'"id","userId","searchDate","networkCount","reason"\n"f1","***","2026-03-10T04:31:52.901Z","3","dv"')
    report = ingest([str(release)], store_dir, producer="Sample CA PD")
    status = {Path(f.path).name: (f.status, f.reason) for f in report.files}
    assert status["audit.csv"][0] == "ingested"
    for name in ("cover.docx", "letter.rtf", "scan.png"):
        assert status[name][0] == "skipped" and status[name][1]
    assert status["participatingAgencies.xlsx"][0] == "ingested"  # loaded as a 287(g) reference list
    engine = Engine(Store.open(store_dir))
    try:
        skipped = dict(engine.query("SELECT regexp_extract(path, '[^/]+$'), reason FROM sources "
                                    "WHERE status = 'skipped'")[1])
        assert "participatingAgencies.xlsx" not in skipped
        assert engine.query("SELECT count(*) FROM agreements")[1][0][0] > 0
        # side views exist, empty, although no event log, sharing list or Vigilant workbook was ingested
        for view in ("events", "sharing", "vigilant_orgs", "vigilant_users", "vigilant_counts"):
            assert engine.query(f"SELECT count(*) FROM {view}")[1] == [(0,)]
        columns = [c for c, _ in engine.views()["events"]]
        assert {"event_time", "plate", "hotlist_name", "expiry", "redacted", "source_row"} <= set(columns)
    finally:
        engine.close()
