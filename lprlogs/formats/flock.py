"""Flock Safety audit exports (Network Audit, Organization Audit, federal-user export), CSV.

MINIMAL FIRST VERSION: UTF-8 CSV with a header row. The complete reader (Excel, every variant and
quirk in FORMATS.md section 1, encodings) replaces this.
"""

from __future__ import annotations

import re

import polars as pl

from ..errors import SourceRejected
from ..sources import Source
from ..store import SourceWriter
from . import Match

HEADER_TO_FIELD = {
    "id": "search_id",
    "name": "searcher_user",
    "org name": "searcher_org",
    "total networks searched": "networks_searched",
    "total devices searched": "devices_searched",
    "time frame": "time_frame",
    "license plate": "license_plate",
    "reason": "reason",
    "case #": "case_number",
    "filters": "filters",
    "search time": "search_time",
    "search type": "search_type",
    "text prompt": "text_prompt",
    "moderation": "moderation",
    "offense type": "offense_type",
}
REQUIRED = {"search time"}


def _norm(header: str) -> str:
    return re.sub(r"\s+", " ", header.replace("\ufeff", "")).strip().lower()


class FlockCsv:
    name = "flock_csv"

    def sniff(self, source: Source) -> Match | None:
        head = source.head(4096)
        try:
            first = head.decode("utf-8-sig").splitlines()[0]
        except (UnicodeDecodeError, IndexError):
            return None
        headers = [_norm(h.strip('"')) for h in first.split(",")]
        known = [h for h in headers if h in HEADER_TO_FIELD]
        if REQUIRED <= set(headers) and len(known) >= 3:
            return Match(format=self.name, variant=f"{len(headers)} columns", confidence=0.9)
        return None

    def read(self, source: Source, match: Match, out: SourceWriter) -> None:
        try:
            frame = pl.read_csv(source.path, infer_schema=False, encoding="utf8-lossy")
        except pl.exceptions.PolarsError as exc:
            raise SourceRejected(f"CSV could not be parsed ({str(exc).splitlines()[0]})") from exc
        out.encoding = "utf-8"
        renames = {c: HEADER_TO_FIELD[_norm(c)] for c in frame.columns if _norm(c) in HEADER_TO_FIELD}
        raw = pl.struct([pl.col(c) for c in frame.columns]).struct.json_encode().alias("raw")
        staged = frame.with_row_index("source_row", offset=2).with_columns(raw).rename(renames)
        staged = staged.with_columns(
            pl.col("search_time").str.strptime(pl.Datetime("us", "UTC"), "%m/%d/%Y, %I:%M:%S %p UTC", strict=False)
        )
        out.add_searches(staged)


READERS = [FlockCsv()]
