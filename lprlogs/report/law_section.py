"""The report's section "Searches that may conflict with state law": queries/reports/state_law.sql per
producer and rule, and the law table's rows the flags used (for the methodology), from ``lprlogs law``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..engine import sql_files
from ..law import rules_in_force

if TYPE_CHECKING:
    from ..engine import Engine

CAVEAT = ("These are possible conflicts, not findings of a violation. Every law has exceptions: data kept or shared "
          "as evidence, under a warrant, court order or preservation request, for an active investigation, data that "
          "matched a hotlist, or sharing covered by a declaration or written request the log does not show. A "
          "violation would need the search to fall under the rule on its date and no exception to apply; ask the "
          "agency which exception it relies on, and for the records that show it.")


# in a report, state_law.sql's flagged rows come from the flags the report computed once (report_flags),
# not from the flag views (which would compute the five flags again)
REPORT_FLAGGED = """    SELECT CAST(f.flag AS VARCHAR) AS flag, CAST(f.producer AS VARCHAR) AS producer,
           CAST(f.searcher_org AS VARCHAR) AS searcher_org, f.search_hash AS search_uid, f.search_time,
           s.source_file, s.source_row
    FROM report_flags AS f
    JOIN report_searches AS s USING (rid)
    WHERE CAST(f.flag AS VARCHAR) LIKE 'state_law_%'"""


def state_law_sql(engine: Engine) -> str:
    """queries/reports/state_law.sql, reading the report's flagged rows when the report has computed them."""
    sql = next(f for f in sql_files("reports") if f.name == "state_law").body
    in_report = engine.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'report_flags'").fetchall()[0][0]
    if not in_report:
        return sql
    start = sql.index("flagged AS (\n") + len("flagged AS (\n")
    return sql[:start] + REPORT_FLAGGED + sql[sql.index("\n),\n", start):]


def collect(engine: Engine) -> dict[str, Any]:
    """What the section prints: per producer its rows of state_law.sql, and the law-table rows in force."""
    columns, rows = engine.query(state_law_sql(engine))
    by_producer: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        item = dict(zip(columns, row, strict=True))
        by_producer.setdefault(item["producer"], []).append(item)
    law_columns, law_rows = rules_in_force(engine)
    return {"producers": by_producer, "laws": [dict(zip(law_columns, r, strict=True)) for r in law_rows],
            "caveat": CAVEAT, "law_confidence": engine.params.get("law_confidence", "medium")}
