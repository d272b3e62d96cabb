"""Workbook helpers shared by the readers of tables that sit in a workbook sheet or a CSV (Vigilant,
event logs, sharing lists, ICE lists): what a workbook is, the first rows of each sheet, where a
sheet's used range starts, loading a sheet, and finding a header among title rows."""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .. import textio
from ..errors import SourceRejected
from ..sources import Source
from ..store import SourceWriter

if TYPE_CHECKING:
    import polars as pl
else:
    from ..lazy import pl

HEAD_ROWS = 6  # rows looked at for a header: exports put title rows above it
ZIP_MAGIC = b"PK\x03\x04"  # .xlsx, .xlsm, .xlsb (and any zip)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and any OLE2 compound file: .doc, .msg)


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb")


def is_workbook(source: Source) -> bool:
    """A workbook by its content: an OLE2 file (.xls), or a zip holding ``xl/`` (.xlsx, .xlsm, .xlsb), or
    a file named like one that is no zip any more (cut short: a failed download or copy)."""
    head = source.head(8)
    if head == OLE_MAGIC:
        return True
    if head[:4] != ZIP_MAGIC:
        return False
    import zipfile

    try:
        with zipfile.ZipFile(source.path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return source.name.lower().endswith(WORKBOOK_SUFFIXES)
    return any(n.startswith("xl/") for n in names)


PASSWORD_HINT = "ask the agency for a copy without a password (or for the password)"


def password_protected(source: Source, error: str = "") -> bool:
    """True for a workbook saved with a password to open: an encrypted .xlsx is an OLE2 compound file
    holding an ``EncryptedPackage`` stream (its name is in the directory, in UTF-16); an encrypted .xls
    is told by the reader's error."""
    if any(word in error.lower() for word in ("password", "encrypt")):
        return True
    if source.head(8) != OLE_MAGIC:
        return False
    name = "EncryptedPackage".encode("utf-16-le")
    with open(source.path, "rb") as fh:
        if source.size <= 64 << 20:
            return name in fh.read()
        head = fh.read(4 << 20)
        fh.seek(-(4 << 20), 2)
        return name in head or name in fh.read()


def norm_header(value: object) -> str:
    return re.sub(r"\s+", " ", str(value if value is not None else "").replace("\ufeff", "")).strip().lower()


@functools.lru_cache(maxsize=16)
def _first_rows(path: str, sha256: str) -> dict[str, list[list[str | None]]]:
    """The first HEAD_ROWS rows (as text) of every sheet of a workbook; {} when it is not a workbook."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
    except Exception:  # noqa: BLE001 - not a workbook fastexcel can open (a .doc, a broken file)
        return {}
    heads: dict[str, list[list[str | None]]] = {}
    for sheet in reader.sheet_names:
        try:
            frame = reader.load_sheet(sheet, header_row=None, n_rows=HEAD_ROWS, dtypes="string").to_polars()
        except Exception:  # noqa: BLE001 - an empty or unreadable sheet has no head
            heads[sheet] = []
            continue
        heads[sheet] = [list(row) for row in frame.rows()]
    return heads


def sheet_heads(source: Source) -> dict[str, list[list[str | None]]]:
    """{sheet name: its first HEAD_ROWS rows as text} (cached per file)."""
    if not is_workbook(source):
        return {}
    return _first_rows(str(source.path), source.sha256)


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@functools.lru_cache(maxsize=16)
def _first_used_rows(path: str, sha256: str) -> dict[str, int]:
    """{sheet name: 1-based row where its used range starts}, read from the xlsx XML (no cell parsing
    beyond the first row holding a value); {} when the file is not an xlsx (.xls starts at row 1)."""
    import xml.etree.ElementTree as ET
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return {}
    rows: dict[str, int] = {}
    with archive:
        try:
            book = ET.fromstring(archive.read("xl/workbook.xml"))
            rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        except (KeyError, ET.ParseError):
            return {}
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        for sheet in book.iter(f"{_MAIN_NS}sheet"):
            target = targets.get(sheet.get(f"{_REL_NS}id"), "")
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            rows[sheet.get("name", "")] = _first_row_with_value(archive, member)
    return rows


def _first_row_with_value(archive: object, member: str) -> int:
    import xml.etree.ElementTree as ET

    try:
        stream = archive.open(member)  # type: ignore[attr-defined]
    except KeyError:
        return 1
    with stream:
        for _, element in ET.iterparse(stream, events=("end",)):
            if element.tag == f"{_MAIN_NS}row":
                has_value = any(
                    (child.find(f"{_MAIN_NS}v") is not None and (child.find(f"{_MAIN_NS}v").text or "") != "")
                    or child.find(f"{_MAIN_NS}is") is not None
                    for child in element
                )
                if has_value:
                    return int(element.get("r", "1"))
                element.clear()
    return 1


def first_used_row(source: Source, sheet: str) -> int:
    """The 1-based spreadsheet row where a sheet's used range starts (fastexcel drops leading blank rows)."""
    return _first_used_rows(str(source.path), source.sha256).get(sheet, 1)


def load_sheet(source: Source, sheet: str, dtypes: object = "string", skip: int = 0) -> tuple[pl.DataFrame, int]:
    """A whole sheet without header handling, from its ``skip``-th used row on, and the spreadsheet row
    number of the frame's first row."""
    import fastexcel

    reader = fastexcel.read_excel(str(source.path))
    frame = reader.load_sheet(sheet, header_row=None, dtypes=dtypes).to_polars()  # type: ignore[arg-type]
    return frame.slice(skip), first_used_row(source, sheet) + skip


def header_index(rows: list[list[str | None]], is_header: Callable[[list[str | None]], bool]) -> int | None:
    """Where the header is among a sheet's first rows (title rows may sit above it), or None."""
    for index, row in enumerate(rows[:HEAD_ROWS]):
        if is_header(row):
            return index
    return None



def csv_text(source: Source, out: SourceWriter) -> str:
    """A CSV's whole text, its encoding detected (or --encoding) and recorded in ``out.encoding``: a file
    that is not valid UTF-8 past its head is read as cp1252; NUL bytes (a damaged file) become U+FFFD,
    said in a note, so the rows around them are read."""
    encoding = textio.for_file(source.path, source.encoding)
    data = source.path.read_bytes()[encoding.bom_length:]
    out.encoding = encoding.label
    try:
        text = data.decode(encoding.codec)
    except UnicodeDecodeError:
        if encoding.how == "given":
            text = data.decode(encoding.codec, errors="replace")
        else:
            text = data.decode("cp1252", errors="replace")
            out.encoding = "cp1252"
    nuls = text.count("\x00")
    if nuls:
        out.note(f"{nuls:,} NUL byte(s) (\\x00, a damaged file) replaced with U+FFFD; the rows were read")
        text = text.replace("\x00", "\ufffd")
    return text.lstrip("\ufeff")


def read_csv_cells(source: Source, what: str, out: SourceWriter) -> pl.DataFrame:
    """A small CSV side file (event log, sharing list) as text cells, no header, for the header finders;
    ``what`` names it in the one-line error."""
    text = csv_text(source, out)
    try:
        return pl.read_csv(io.BytesIO(text.encode("utf-8")), has_header=False, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise SourceRejected(f"{what} CSV could not be parsed ({str(exc).splitlines()[0]})") from exc


def find_head(source: Source, is_header: Callable[[list[str | None]], bool]) -> tuple[str, dict[str, int]] | None:
    """Where a table whose header ``is_header`` recognises starts: ("workbook", {sheet: header row index})
    for a workbook with such sheets, ("CSV", {}) when a text file's first line is that header, else None.
    Shared by the readers that sniff by their header (event logs, sharing lists)."""
    heads = sheet_heads(source)
    if heads:
        sheets = {s: i for s, rows in heads.items() if (i := header_index(rows, is_header)) is not None}
        return ("workbook", sheets) if sheets else None
    first = textio.decode_head(source.path, textio.for_file(source.path, source.encoding), 4096).split("\n", 1)[0]
    if is_header([h.strip().strip('"') for h in first.split(",")]):
        return ("CSV", {})
    return None

def note_title_rows(out: SourceWriter, sheet: str, rows: list[list[str | None]], header_at: int) -> None:
    titles = [" ".join(str(v) for v in row if v is not None) for row in rows[:header_at]]
    titles = [t for t in titles if t.strip()]
    if titles:
        out.note(f"sheet {sheet}: {len(titles)} title row(s) above the header, not data: {' / '.join(titles)[:200]}")
