"""Files in a release that are not audit data: recognised by content and skipped with a reason.

Word documents (.docx, .doc), RTF, e-mails (.eml, Outlook .msg), web pages, images, ICE's 287(g)
lists (loaded with ``lprlogs agencies load-287g``, not ingested), plain-text letters and notes, and
anything else, named by what it looks like. Every match here is a skip at low confidence, so any
reader that recognises a file as data wins. PDFs are left to the PDF reader and CSV/XLSX tables that
are not audits to the Flock reader, which describes them better; the catch-all only answers when no
one else does.

This module must stay last in ``READER_MODULES``.
"""

from __future__ import annotations

import re
import zipfile

from .. import textio
from ..agencies import ice287g
from ..sources import Source
from ..store import SourceWriter
from . import Match
from .workbook import OLE_MAGIC, ZIP_MAGIC, norm_header, sheet_heads

ICE_287G_HEADERS = ("state", "law enforcement agency")
# confidences: below every data reader; the Flock reader's "not an audit" table guess is 0.05
NAMED_DOCUMENT = 0.08  # a document type recognised for sure (Word, RTF, e-mail, image, web page)
ICE_LIST = 0.6  # a positive identification of a list another command loads
PLAIN_TEXT = 0.04  # prose: the Flock reader's table description wins when the text looks tabular
LETTER = 0.06  # prose that reads as a letter and not as a table: named here rather than as "not an audit"
UNKNOWN = 0.01

_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image (a photo or a scanned page)"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image (often a scanned document)"),
    (b"MM\x00*", "a TIFF image (often a scanned document)"),
    (b"BM", "a BMP image"),
)
_EMAIL_HEADERS = re.compile(r"^(From|To|Subject|Date|Received|Message-ID|MIME-Version|Return-Path|Cc):", re.I | re.M)
_SKIP_HINT = "it holds no audit rows; nothing was read from it"
_CODE_SUFFIXES = (".py", ".sh", ".js", ".json", ".yml", ".yaml", ".toml", ".ini", ".cfg", ".sql", ".r", ".ipynb")


def _skip(variant: str, reason: str, confidence: float) -> Match:
    return Match(format="other", variant=variant, confidence=confidence,
                 details={"skip": True, "reason": reason})


def _zip_names(source: Source) -> set[str]:
    try:
        with zipfile.ZipFile(source.path) as archive:
            return set(archive.namelist()[:200])
    except (zipfile.BadZipFile, OSError):
        return set()


def _ole_kind(source: Source) -> str | None:
    """Word, Excel, Outlook or PowerPoint, told by the stream names in an OLE2 compound file."""
    if source.size > 50 * 1024**2:
        data = source.head(1 << 20)
    else:
        data = source.path.read_bytes()
    for stream, kind in (("__substg1.0_", "an Outlook e-mail (.msg)"), ("WordDocument", "a Word document (.doc)"),
                         ("PowerPoint Document", "a PowerPoint file (.ppt)"), ("Workbook", "an Excel workbook (.xls)"),
                         ("Book", "an Excel workbook (.xls)")):
        if stream.encode("utf-16-le") in data:
            return kind
    return None


class OtherFiles:
    """Recognises what is not audit data, to skip it with a reason."""

    name = "other"
    kinds: tuple[str, ...] = ()  # not a log

    def sniff(self, source: Source) -> Match | None:
        head = source.head(8192)
        if head.startswith(b"%PDF-"):
            return None  # the PDF reader's
        if ice_287g_sheet(source) is not None:
            return None  # Ice287gList's
        if head.startswith(ZIP_MAGIC):
            return self._office_zip(source)
        if head.startswith(OLE_MAGIC):
            kind = _ole_kind(source)
            if kind is None or "Excel" in kind:
                return None  # workbooks are the table readers'
            return _skip("document", f"{kind}: a letter or document, not an audit log; {_SKIP_HINT}", NAMED_DOCUMENT)
        for magic, kind in _IMAGE_MAGIC:
            if head.startswith(magic):
                return _skip("image", f"{kind}: not text; if it shows an audit log, transcribe or OCR it first",
                             NAMED_DOCUMENT)
        if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1") or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
            return _skip("image", "an image (HEIC/WEBP): not text; if it shows an audit log, transcribe it first",
                         NAMED_DOCUMENT)
        return self._text(source, head)

    def read(self, source: Source, match: Match, out: SourceWriter) -> None:  # never called: every match is a skip
        raise NotImplementedError("other files are skipped, never read")


    @staticmethod
    def _office_zip(source: Source) -> Match | None:
        names = _zip_names(source)
        if "word/document.xml" in names:
            return _skip("document", f"a Word document (.docx), e.g. a cover letter; {_SKIP_HINT}", NAMED_DOCUMENT)
        if any(n.startswith("ppt/") for n in names):
            return _skip("document", f"a PowerPoint presentation (.pptx); {_SKIP_HINT}", NAMED_DOCUMENT)
        if "content.xml" in names and "mimetype" in names:
            return _skip("document", f"an OpenDocument file; {_SKIP_HINT}", NAMED_DOCUMENT)
        return None  # workbooks (xl/) are the table readers'; archives were expanded before sniffing

    @staticmethod
    def _text(source: Source, head: bytes) -> Match:
        if textio.looks_binary(head):
            shown = head[:8].hex(" ")
            return _skip("unknown", f"a binary file of a type lprlogs does not know (first bytes {shown}); "
                         f"{_SKIP_HINT}", UNKNOWN)
        text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
        start = text.lstrip()[:200].lower()
        if start.startswith("{\\rtf"):
            return _skip("document", f"an RTF document, e.g. a cover letter; {_SKIP_HINT}", NAMED_DOCUMENT)
        if start.startswith(("<!doctype html", "<html")) or "<html" in start:
            return _skip("web page", "a web page (HTML), not an audit export; if it is a transparency-portal page, "
                         "download the page's CSV and ingest that", NAMED_DOCUMENT)
        if start.startswith("<?xml"):
            return _skip("xml", f"an XML file, not an audit export; {_SKIP_HINT}", NAMED_DOCUMENT)
        first_lines = "\n".join(text.splitlines()[:30])
        if len(_EMAIL_HEADERS.findall(first_lines)) >= 3:
            return _skip("e-mail", f"an e-mail message (.eml); {_SKIP_HINT}", NAMED_DOCUMENT)
        lines = [line for line in text.splitlines() if line.strip()]
        words = len(text.split())
        if source.path.suffix.lower() in _CODE_SUFFIXES:
            return _skip("code", f"source code or a settings file ({source.path.suffix}), not an audit export; "
                         f"{_SKIP_HINT}", NAMED_DOCUMENT)
        if source.path.suffix.lower() in (".md", ".markdown") or (lines and lines[0].startswith("# ")):
            return _skip("text", f"a Markdown note: {len(lines):,} lines, {words:,} words of prose; {_SKIP_HINT}",
                         NAMED_DOCUMENT)
        if re.search(r"\b(dear|sincerely|public records|records request|cpra|foia)\b", text, re.I):
            tabular = sum(1 for line in lines if line.count(",") >= 2)
            kind = "a letter (e.g. a records-request cover letter)"
            confidence = LETTER if tabular * 4 < len(lines) else PLAIN_TEXT
            return _skip("letter", f"{kind}: {len(lines):,} lines, {words:,} words of prose, no audit table found; "
                         f"{_SKIP_HINT}", confidence)
        else:
            kind = "plain text (a note or letter)"
        return _skip("text", f"{kind}: {len(lines):,} lines, {words:,} words of prose, no audit table found; "
                     f"{_SKIP_HINT}", PLAIN_TEXT)


def ice_287g_sheet(source: Source) -> str | None:
    """The sheet holding ICE's published 287(g) list (STATE, LAW ENFORCEMENT AGENCY, ...), if this is one."""
    for sheet, rows in sheet_heads(source).items():
        if rows and tuple(norm_header(v) for v in rows[0][:2]) == ICE_287G_HEADERS:
            return sheet
    return None


class Ice287gList:
    """ICE's 287(g) participating or pending list found among the inputs: loaded into the store's
    reference lists exactly as `lprlogs agencies load-287g FILE` does (it is not an audit log)."""

    name = "ice_287g"
    kinds: tuple[str, ...] = ()  # not a log

    def sniff(self, source: Source) -> Match | None:
        sheet = ice_287g_sheet(source)
        if sheet is None:
            return None
        return Match(format=self.name, variant=f"ice-287g list (sheet {sheet!r})", confidence=ICE_LIST)

    def read(self, source: Source, match: Match, out: SourceWriter) -> None:
        summary = ice287g.load_list(out.store, source.path)
        out.side_rows["agreements"] = int(summary["rows"])
        out.variant = f"ice-287g {summary['status']} list"
        out.note(f"loaded as ICE's 287(g) {summary['status']} list: {summary['rows']:,} agreements, matched to the "
                 "logs in the `agreements` view (the list changes often: it is as of the file you gave; "
                 "`lprlogs agencies load-287g FILE --status pending|participating` sets the status explicitly)")


READERS = [Ice287gList(), OtherFiles()]
