"""Flock sharing lists (FORMATS.md section 3) into the ``sharing`` view.

Workbook or CSV with ``Organization Name, Networks Shared With Me, Networks I'm Sharing``: each list
cell is a comma-joined list of network names, exploded into one row per (organization, network,
direction), direction ``shared_with_me`` or ``i_share`` (seen from the producer, the agency whose
list it is). Flock joins the names with a bare comma; a comma followed by a space belongs to a name
(``University of California, Berkeley``), so only bare commas split.

Older releases hold a bare list of network names in one plain-text line (the Orange County SO
``.dat``): read as direction ``listed`` (the file does not say which way the data flows), with the
producer as organization when known.
"""

from __future__ import annotations

import re

import polars as pl

from ..errors import SourceRejected
from ..sources import Source
from ..store import SourceWriter
from . import Match
from .vigilant import find_head, load_sheet, norm_header, note_title_rows, read_csv_cells, sheet_heads

SIDE_TABLES: dict[str, dict[str, str]] = {
    "sharing": {"producer": "VARCHAR", "organization": "VARCHAR", "network": "VARCHAR", "direction": "VARCHAR",
                "position": "INTEGER", "source_sheet": "VARCHAR", "source_row": "BIGINT", "raw": "VARCHAR"},
}

ORG_HEADERS = ("organization name", "organisation name", "organization")
WITH_ME_HEADERS = ("networks shared with me",)
I_SHARE_HEADERS = ("networks i'm sharing", "networks i’m sharing", "networks i am sharing")
_KEEP = "\x1f"  # stands for ', ' (a comma inside a name) while splitting on bare commas
_AGENCY_WORDS = re.compile(
    r"\b(PD|SO|SD|DA|Police|Sheriff'?s?|County|City of|Department|Office|Station|HOA|Association|University"
    r"|Homeowners|Task Force)\b", re.IGNORECASE,
)
_STATE_CODE = re.compile(r"\b[A-Z]{2}\b|\([A-Z]{2,6}\)")  # 'CA', '(OCSD)': upper case only
_LIST_FILE_NAME = re.compile(r"^automated-license-plate-readers-(?P<slug>[a-z][a-z0-9-]*?)-\d+(?:_doc\d+)?$")


def _head_kind(cells: list[object]) -> dict[str, int] | None:
    headers = [norm_header(v) for v in cells]
    positions: dict[str, int] = {}
    for i, h in enumerate(headers):
        if h in ORG_HEADERS:
            positions["organization"] = i
        elif h in WITH_ME_HEADERS:
            positions["shared_with_me"] = i
        elif h in I_SHARE_HEADERS:
            positions["i_share"] = i
    if "organization" in positions and ("shared_with_me" in positions or "i_share" in positions):
        return positions
    return None


def plain_list_items(source: Source) -> list[str] | None:
    """The names of a plain comma-separated list of network names, or None when the file is not one."""
    head = source.head(65536)
    if source.size > 65536 or b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = head.decode("cp1252", errors="replace")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or len(lines) > 3:
        return None
    items = [i.strip() for i in re.split(r"\s*,\s*", " ".join(lines)) if i.strip()]
    if len(items) < 5 or any(len(i) > 120 for i in items):
        return None
    agency_like = sum(1 for i in items if _AGENCY_WORDS.search(i) or _STATE_CODE.search(i))
    return items if agency_like >= 0.6 * len(items) else None


def producer_from_list_name(name: str) -> str | None:
    """'automated-license-plate-readers-orange-county-sheriffs-office-136291_doc2.dat' -> 'Orange County
    Sheriffs Office' (MuckRock-style names of records-request attachments)."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", name)
    match = _LIST_FILE_NAME.match(stem)
    if not match:
        return None
    return " ".join(w.upper() if w in ("pd", "so", "sd") else w.capitalize() for w in match.group("slug").split("-"))


class SharingList:
    """Reader of Flock sharing lists and plain lists of network names."""

    name = "flock_sharing"

    def sniff(self, source: Source) -> Match | None:
        found = find_head(source, lambda row: _head_kind(row) is not None)
        if found is not None:
            kind, sheets = found
            return Match(format=self.name, variant=f"sharing-list ({kind})", confidence=0.95,
                         details={"sheets": sheets})
        if sheet_heads(source):
            return None  # a workbook without a sharing sheet
        if plain_list_items(source) is not None:
            return Match(format=self.name, variant="network-name list (plain text, direction unknown)",
                         confidence=0.5, details={"plain": True})
        return None

    def read(self, source: Source, match: Match, out: SourceWriter) -> None:
        out.log_kind = "sharing" if out.log_kind in (None, "org_audit", "network_audit") else out.log_kind
        if match.details.get("plain"):
            self._read_plain(source, out)
            return
        sheets = dict(match.details.get("sheets", {}))  # type: ignore[call-overload]
        total = 0
        if sheets:
            for sheet, rows in sheet_heads(source).items():
                if sheet not in sheets:
                    out.skip_part(sheet, "empty sheet" if not rows else "not a sharing table")
                    continue
                note_title_rows(out, sheet, rows, sheets[sheet])
                frame, first_row = load_sheet(source, sheet, skip=sheets[sheet])
                total += self._read_table(out, sheet, frame, first_row)
        else:
            frame = read_csv_cells(source, "sharing", out)
            total += self._read_table(out, None, frame, 1)
        out.note(f"{total:,} (organization, network, direction) rows in the `sharing` view")
        if out.producer is None:
            out.note("the agency whose sharing list this is (the 'me' in the column names) is not named in the "
                     "file; re-run with --force --producer 'Agency Name' to record it")
        out.extra["sharing_rows"] = total

    def _read_table(self, out: SourceWriter, sheet: str | None, frame: pl.DataFrame, first_row: int) -> int:
        positions = _head_kind(list(frame.row(0)))
        assert positions is not None
        headers = [str(v) if v is not None else f"column {i + 1}" for i, v in enumerate(frame.row(0))]
        body = frame.slice(1).with_columns(
            pl.int_range(first_row + 1, first_row + frame.height, dtype=pl.Int64).alias("source_row"))
        raw = pl.struct([pl.col(frame.columns[i]).alias(h) for i, h in enumerate(headers)]).struct.json_encode()
        org = pl.col(frame.columns[positions["organization"]]).str.strip_chars()
        parts = []
        for direction in ("shared_with_me", "i_share"):
            if direction not in positions:
                continue
            cell = pl.col(frame.columns[positions[direction]])
            parts.append(
                body.select(
                    org.alias("organization"), pl.col("source_row"), raw.alias("raw"),
                    cell.str.replace_all(", ", _KEEP, literal=True).str.split(",").alias("network"),
                ).with_columns(pl.lit(direction).alias("direction"))
                .explode("network")
                .with_columns(pl.col("network").str.replace_all(_KEEP, ", ", literal=True).str.strip_chars())
                .with_columns((pl.int_range(pl.len()).over("source_row") + 1).cast(pl.Int32).alias("position"))
                .filter(pl.col("network").is_not_null() & (pl.col("network") != ""))
            )
        table = pl.concat(parts) if parts else pl.DataFrame()
        listed = set(table["source_row"].to_list()) if table.height else set()
        bare = body.filter(~pl.col("source_row").is_in(list(listed)) & org.is_not_null() & (org != ""))
        if bare.height:  # an organisation listed with both cells empty: keep it, so nothing is lost
            table = pl.concat([table, bare.select(
                org.alias("organization"), pl.col("source_row"), raw.alias("raw"),
                pl.lit(None, pl.String).alias("network"), pl.lit("none").alias("direction"),
                pl.lit(None, pl.Int32).alias("position"))], how="diagonal")
        table = table.with_columns(pl.lit(out.producer, pl.String).alias("producer"),
                                   pl.lit(sheet, pl.String).alias("source_sheet"))
        return out.add_side("sharing", table.sort("source_row", "direction", "position"))

    def _read_plain(self, source: Source, out: SourceWriter) -> None:
        items = plain_list_items(source)
        if items is None:
            raise SourceRejected("not a list of network names")
        if out.producer is None:
            named = producer_from_list_name(source.name)
            if named:
                out.producer = named
                out.note(f"producer {named!r} taken from the file name; use --force --producer to correct it")
        text = source.path.read_bytes().decode("utf-8-sig", errors="replace")
        rows = [(line_no, item) for line_no, line in enumerate(text.splitlines(), start=1)
                for item in (i.strip() for i in re.split(r"\s*,\s*", line)) if item]
        table = pl.DataFrame({
            "organization": [out.producer] * len(rows), "network": [item for _, item in rows],
            "direction": ["listed"] * len(rows), "position": list(range(1, len(rows) + 1)),
            "source_row": [line_no for line_no, _ in rows], "raw": [item for _, item in rows],
        }, schema_overrides={"organization": pl.String, "position": pl.Int32, "source_row": pl.Int64})
        table = table.with_columns(pl.lit(out.producer, pl.String).alias("producer"),
                                   pl.lit(None, pl.String).alias("source_sheet"))
        count = out.add_side("sharing", table)
        out.note(f"a plain list of {count:,} network names, separated by commas: stored in `sharing` with "
                 "direction 'listed' (the file does not say whether these networks share with the producer "
                 "or receive its data); source_row is the line, position the place in the list")
        out.extra["sharing_rows"] = count


READERS = [SharingList()]
