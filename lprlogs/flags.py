"""What drives each flag's numbers: counts per flag and per term, for the `lprlogs flags` command.

Every flag is a SQL file under ``queries/flags/`` (a view ``flag_<name>``; the ``flags`` view is their
union). Flags that match terms write them into their evidence as ``term: <term>``; the per-term
listing counts those, and lists every term of the term tables (``*_terms.csv``) even when it matched
nothing, so a reporter sees which term drives a count and can drop one that misfires
(``-p drop_terms=ice`` / ``-p drop_vague_terms=test``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .engine import flag_specs, queries_dir
from .engine.report_tables import prepare_flags
from .report.data import finish, run_named
from .store import sql_literal

if TYPE_CHECKING:
    from .engine import Engine

# term table -> the flags its terms can drive (by the table's tier column when it has one)
TERM_TABLES: dict[str, dict[str, list[str]]] = {
    "immigration_terms.csv": {
        "purpose": ["immigration"],
        "agency_only": ["immigration", "immigration_agency"],
        "agency": ["immigration_agency"],
        "review": ["immigration_review"],
    },
    "vague_reason_terms.csv": {"": ["vague_reason"]},
    "reason_categories.csv": {"vague": ["vague_reason"]},
}


# `term: X` inside evidence ends at "; ", at a ")" closing the evidence, or at "); " before the next field
TERM_IN_EVIDENCE = r"term: (.+?)(?:; |\)$|\); )"


def flag_names() -> list[str]:
    """The flags this installation computes: one per SQL file under queries/flags/, in the report's order."""
    return [spec.name for spec in flag_specs()]


def flag_list() -> tuple[list[str], list[tuple[Any, ...]]]:
    """One row per flag, from its file's header: what `lprlogs flags --list` prints (no store needed)."""
    columns = ["flag", "section", "title", "parameters", "followup", "answers"]
    rows = [(s.name, s.section, s.title,
             ", ".join(f"{p.name}={p.default} ({p.type})" for p in s.params),
             "default" if s.followup else "", s.answers)
            for s in flag_specs()]
    return columns, rows


def flags_help() -> str:
    """The flags and their parameters, for `lprlogs flags --help`."""
    lines = ["Flags (from the headers of queries/flags/*.sql; docs/flags.md explains each):", ""]
    for spec in flag_specs():
        params = "".join(f" [-p {p.name}={p.default if len(p.default) <= 20 else '...'}]" for p in spec.params)
        lines.append(f"  {spec.name} ({spec.section}): {spec.title}{params}")
    return "\n".join(lines)


def flag_counts(engine: Engine) -> tuple[list[str], list[tuple[Any, ...]]]:
    """One row per flag (including flags that matched nothing): rows, distinct searches, agencies; counted
    as the report counts them (queries/reports/flag_counts.sql over the report's flagged rows), so the two
    agree, and in tables DuckDB spills to disk when they outgrow the memory limit (counting distinct
    values over the flags view held every search id in memory: a store of 100M rows ran out of 3 GiB)."""
    prepare_flags(engine)
    try:
        counted = {row["flag"]: row for row in run_named(engine, "flag_counts").dicts()}
    finally:
        finish(engine)
    files = flag_names()  # parses every flag file: once
    names = [*files, *sorted(n for n in counted if n not in files)]
    rows = [(name, *(int(counted.get(name, {}).get(c) or 0) for c in ("rows", "searches", "searcher_orgs")))
            for name in names]
    return ["flag", "rows", "searches", "searching_agencies"], rows


def term_counts(engine: Engine) -> tuple[list[str], list[tuple[Any, ...]]]:
    """One row per (flag, term): rows and distinct searches whose evidence names the term, plus every
    term of the term tables with the flags it can drive, and why it is listed."""
    table_rows = []
    for table, tiers in TERM_TABLES.items():
        path = queries_dir() / "flags" / table
        if not path.exists():
            continue
        for tier, flags in tiers.items():
            for flag in flags or [None]:
                tier_filter = f"WHERE tier = {sql_literal(tier)}" if tier else ""
                tier_value = sql_literal(tier or None)
                table_rows.append(
                    f"SELECT {sql_literal(flag)} AS flag, term, CAST({tier_value} AS VARCHAR) AS tier, why "
                    f"FROM read_csv({sql_literal(str(path))}, header = true, all_varchar = true) {tier_filter}"
                )
    listed = " UNION ALL ".join(table_rows) or "SELECT NULL AS flag, NULL AS term, NULL AS tier, NULL AS why"
    sql = f"""
        WITH listed_terms AS ({listed}),
        evidence_terms AS (
            SELECT f.flag, trim(unnest(regexp_extract_all(f.evidence, {sql_literal(TERM_IN_EVIDENCE)}, 1))) AS term,
                   s.search_uid
            FROM flags f JOIN searches s USING (search_key)
            WHERE f.evidence LIKE '%term: %'
        ),
        counted AS (
            SELECT flag, term, count(*) AS rows, count(DISTINCT search_uid) AS searches
            FROM evidence_terms GROUP BY flag, term
        )
        SELECT coalesce(l.flag, c.flag) AS flag, coalesce(l.term, c.term) AS term, l.tier,
               coalesce(c.rows, 0) AS rows, coalesce(c.searches, 0) AS searches, l.why
        FROM listed_terms l FULL JOIN counted c ON c.flag IS NOT DISTINCT FROM l.flag AND c.term = l.term
        ORDER BY flag NULLS LAST, rows DESC, term
    """
    return engine.query(sql)


def parameter_line(engine: Engine) -> str:
    """The parameters in force, e.g. for a footer under the counts."""
    shown = {n: engine.params[n] for n in sorted(engine.param_docs) if n in engine.params}
    return "parameters: " + ", ".join(f"{n}={v}" for n, v in shown.items()) if shown else ""
