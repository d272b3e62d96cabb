"""What newer ingest runs (batches) added since a given batch: new sources, new agencies, new flagged searches.

A search counts as new when its ``search_uid`` (the export's ID, else its first identical row) was first
stored in a batch after ``since`` (view ``searches_first_seen``): a search repeated in an overlapping
monthly file, or re-released with different masking, is not new. An agency is new when its name (as a
searcher or a producer) first appears in a later batch.

Exit codes of ``lprlogs diff`` (for a newsroom's cron job): 0 nothing new, 3 new flagged searches,
4 new files or agencies but no new flagged searches, 1 an error (e.g. unknown batch), 2 a usage error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import LprlogsError
from .store import sql_literal

if TYPE_CHECKING:
    from .engine import Engine

EXIT_NOTHING_NEW = 0
EXIT_NEW_FLAGGED = 3
EXIT_NEW_DATA = 4
SECTIONS = ("new_sources", "new_agencies", "new_flagged_searches")


def check_batch(engine: Engine, since: int) -> list[int]:
    """Raise a one-line error naming the known batch ids when ``since`` is not one of them."""
    known = [r[0] for r in engine.con.execute("SELECT batch_id FROM batches ORDER BY batch_id").fetchall()]
    if since not in known:
        listing = ", ".join(str(b) for b in known) if known else "none yet"
        raise LprlogsError(f"no batch {since} in this store; known batch ids: {listing}",
                           hint="`lprlogs batches` lists them")
    return known


def new_flagged_searches_sql(since: int, flags: tuple[str, ...] = ()) -> str:
    """SQL for the flagged searches first seen after batch ``since``: one row per search, its flags, where found
    (only the given flags when some are given). Usable by other outputs (the report's --since) as a subquery."""
    since_int = int(since)
    only = ("AND f.flag IN (" + ", ".join(sql_literal(f) for f in flags) + ")") if flags else ""
    return f"""
        WITH new_uids AS (SELECT search_uid FROM searches_first_seen WHERE first_batch_id > {since_int}),
        hits AS (
            SELECT s.*, f.flag,
                   regexp_replace(s.source_file, '^.*[/\\\\]', '')
                   || CASE WHEN s.source_sheet IS NOT NULL THEN ', sheet ' || s.source_sheet ELSE '' END
                   || CASE WHEN s.source_page IS NOT NULL THEN ', page ' || s.source_page ELSE '' END
                   || CASE WHEN s.source_row IS NOT NULL THEN ', row ' || s.source_row ELSE '' END AS found_in
            FROM searches s JOIN flags f USING (search_key)
            WHERE s.search_uid IN (SELECT search_uid FROM new_uids) {only}
        )
        SELECT search_uid, max(search_id) AS search_id, min(search_time) AS search_time,
               arg_min(searcher_org, batch_id * 1e12 + coalesce(source_row, 0)) AS searcher_org,
               arg_min(reason, batch_id * 1e12 + coalesce(source_row, 0)) AS reason,
               max(networks_searched) AS networks_searched,
               string_agg(DISTINCT flag, ', ' ORDER BY flag) AS flags,
               string_agg(DISTINCT producer, '; ' ORDER BY producer) AS producers,
               min(batch_id) AS first_batch_id,
               string_agg(DISTINCT found_in, '; ' ORDER BY found_in) AS found_in
        FROM hits GROUP BY search_uid ORDER BY search_time NULLS LAST, search_uid
    """


def new_sources_sql(since: int) -> str:
    return (f"SELECT batch_id, path, sha256, format, producer, log_kind, rows_stored, rows_quarantined "
            f"FROM sources WHERE status = 'ingested' AND batch_id > {int(since)} ORDER BY batch_id, path")


def new_agencies_sql(since: int, with_classification: bool) -> str:
    names = ("WITH seen AS (SELECT searcher_org AS name, 'searcher' AS role, batch_id FROM searches "
             "WHERE searcher_org IS NOT NULL UNION ALL SELECT producer, 'producer', batch_id FROM searches "
             "WHERE producer IS NOT NULL), "
             "firsts AS (SELECT name, min(batch_id) AS first_batch_id, "
             "string_agg(DISTINCT role, ', ' ORDER BY role) AS roles FROM seen GROUP BY name) ")
    if with_classification:
        return (names + "SELECT f.name, f.roles, f.first_batch_id, a.state, a.kind FROM firsts f "
                "LEFT JOIN (SELECT name, any_value(state) AS state, any_value(kind) AS kind FROM agencies "
                "GROUP BY name) a USING (name) "
                f"WHERE f.first_batch_id > {int(since)} ORDER BY f.first_batch_id, f.name")
    return (names + "SELECT name, roles, first_batch_id, NULL AS state, NULL AS kind FROM firsts "
            f"WHERE first_batch_id > {int(since)} ORDER BY first_batch_id, name")


@dataclass
class DiffResult:
    since: int
    latest_batch: int
    sections: dict[str, tuple[list[str], list[tuple[Any, ...]]]]

    @property
    def exit_code(self) -> int:
        if self.sections["new_flagged_searches"][1]:
            return EXIT_NEW_FLAGGED
        if self.sections["new_sources"][1] or self.sections["new_agencies"][1]:
            return EXIT_NEW_DATA
        return EXIT_NOTHING_NEW

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, (_, rows) in self.sections.items()}

    def long_form(self) -> tuple[list[str], list[tuple[Any, ...]]]:
        """All sections as one table with a ``section`` column (for CSV and NDJSON)."""
        columns: list[str] = ["section"]
        for cols, _ in self.sections.values():
            columns += [c for c in cols if c not in columns]
        rows = []
        for name, (cols, section_rows) in self.sections.items():
            for row in section_rows:
                values = dict(zip(cols, row, strict=True))
                rows.append((name, *(values.get(c) for c in columns[1:])))
        return columns, rows


def diff_since(engine: Engine, since: int, flags: tuple[str, ...] = ()) -> DiffResult:
    known = check_batch(engine, since)
    has_agencies = {"name", "state", "kind"} <= {c for c, _ in engine.views().get("agencies", [])}
    sections = {}
    for name, sql in (("new_sources", new_sources_sql(since)),
                      ("new_agencies", new_agencies_sql(since, has_agencies)),
                      ("new_flagged_searches", new_flagged_searches_sql(since, flags))):
        relation = engine.con.sql(sql)
        sections[name] = (relation.columns, relation.fetchall())
    return DiffResult(since=since, latest_batch=max(known), sections=sections)
