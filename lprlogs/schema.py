"""The canonical columns every format reader produces, and the columns the store adds.

This module is the contract between ``formats/`` (readers) and ``store`` (writer). A reader hands
over a table with any subset of STAGED_COLUMNS; the store fills the rest with NULL, casts to the
types below and adds the provenance columns.
"""

from __future__ import annotations

LOG_KINDS = (
    "network_audit",
    "org_audit",
    "federal_audit",
    "portal_audit",
    "event_log",
    "sharing",
    "vigilant_audit",
)

# Columns a reader may supply, with their DuckDB types. Timestamps are UTC instants.
STAGED_COLUMNS: dict[str, str] = {
    "search_id": "VARCHAR",  # the export's own ID (a UUID in Flock exports) or NULL
    "producer": "VARCHAR",  # per-row producer; NULL means the source's producer
    "log_kind": "VARCHAR",  # per-row kind; NULL means the source's kind
    "searcher_org": "VARCHAR",  # Org Name: the organisation that ran the search
    "searcher_user": "VARCHAR",  # Name: the user who ran it
    "networks_searched": "BIGINT",
    "devices_searched": "BIGINT",
    "time_frame_start": "TIMESTAMPTZ",
    "time_frame_end": "TIMESTAMPTZ",
    "search_time": "TIMESTAMPTZ",
    "search_type": "VARCHAR",
    "reason": "VARCHAR",
    "offense_type": "VARCHAR",
    "case_number": "VARCHAR",
    "license_plate": "VARCHAR",
    "filters": "VARCHAR",
    "text_prompt": "VARCHAR",
    "moderation": "VARCHAR",
    "source_sheet": "VARCHAR",  # sheet name for workbooks, NULL otherwise
    "source_row": "BIGINT",  # row as a spreadsheet user counts it (header row = 1); line for text files
    "source_page": "INTEGER",  # PDF page, 1-based
    "variant": "VARCHAR",  # per-row variant (e.g. per sheet); NULL means the source's variant
    "raw": "VARCHAR",  # JSON object: original header -> cell text, exactly as read (stored compact: raw_layout)
    "raw_layout": "VARCHAR",  # NULL, or how `raw` is stored compact: see store.raw_json_sql (not in the views)
    "redacted": "VARCHAR[]",  # canonical fields whose cell held a redaction marker
    # how the row's times were read: 'utc' (written as UTC), 'local, converted from <zone> (<how chosen>)' or
    # 'local, zone unknown' (stored as written); NULL means the source's (the writer fills it: lprlogs/timezones.py)
    "time_basis": "VARCHAR",
    "local_zone": "VARCHAR",  # the producer's zone when known (for local hours), whatever the basis
}

# time_basis values (lprlogs/timezones.py chooses the zone): written as UTC; or local, converted from a zone
# ('local, converted from America/Chicago (state IL keeps one zone)'); or local with no zone known.
UTC_BASIS = "utc"
UNKNOWN_BASIS = "local, zone unknown"

# Columns the store adds to every stored row.
PROVENANCE_COLUMNS: dict[str, str] = {
    "search_key": "VARCHAR",  # sha256[:16] ':' sheet ':' row  -- unique, stable across re-ingests
    "source_file": "VARCHAR",  # path as given; 'archive.zip!/member.csv' for archive members
    "source_sha256": "VARCHAR",
    "source_seq": "INTEGER",  # order in which sources entered the store (first seen wins for duplicates)
    "batch_id": "INTEGER",  # the ingest run that stored the row
    "row_hash": "UBIGINT",  # hash of (producer, log_kind, raw as stored): candidates for exact duplicate rows
}

STORED_COLUMNS: dict[str, str] = {**PROVENANCE_COLUMNS, **STAGED_COLUMNS}

# Columns of the `searches` view, in the order users see them.
SEARCHES_VIEW_COLUMNS: tuple[str, ...] = (
    "search_key",
    "search_id",
    "producer",
    "log_kind",
    "searcher_org",
    "searcher_user",
    "networks_searched",
    "devices_searched",
    "time_frame_start",
    "time_frame_end",
    "search_time",
    "search_type",
    "reason",
    "offense_type",
    "case_number",
    "license_plate",
    "filters",
    "text_prompt",
    "moderation",
    "source_file",
    "source_sha256",
    "source_sheet",
    "source_row",
    "source_page",
    "variant",
    "duplicate_of",
    "redacted",
    "raw",
    "batch_id",
    "reason_category",  # the dropdown's two parts (queries/macros.sql), NULL for free text
    "reason_detail",
    "time_basis",  # how the row's times were read (lprlogs/timezones.py); never 'utc' unless written so
    "local_zone",
)

QUARANTINE_COLUMNS: dict[str, str] = {
    "source_sheet": "VARCHAR",
    "source_row": "BIGINT",  # row or line number
    "source_page": "INTEGER",
    "raw": "VARCHAR",  # the raw line or cells as text
    "reason": "VARCHAR",  # why it could not be read
}

# Values that mean "masked before release". Compared after trimming, case-insensitively.
REDACTION_MARKERS = ("***", "REDACTED", "[REDACTED]", "###", "* * *", "(REDACTED)", "<REDACTED>", "XXX")
