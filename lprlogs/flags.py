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


def _searcher_key(engine: Engine) -> tuple[str, str]:
    """A join and expression giving one key per searching agency (agency_key when agencies exist)."""
    if "agencies" in engine.views():
        return ("LEFT JOIN agencies a ON a.name = s.searcher_org",
                "coalesce(a.agency_key, s.searcher_org)")
    return "", "s.searcher_org"


def flag_counts(engine: Engine) -> tuple[list[str], list[tuple[Any, ...]]]:
    """One row per flag (including flags that matched nothing): rows, distinct searches, agencies."""
    names = ", ".join(f"({sql_literal(n)}, {i})" for i, n in enumerate(flag_names())) or "(NULL, 0)"
    join, agency = _searcher_key(engine)
    # the flags without their evidence (a text per row, not counted), and searches counted by a 64-bit hash
    # of search_uid, as the report counts them (two of ten million searches share one with a chance of about
    # 1 in 200,000): a hash table of numbers, not of ids
    flagged = engine.flag_union("search_key, CAST(flag AS VARCHAR) AS flag")
    sql = f"""
        WITH flag_list AS (SELECT * FROM (VALUES {names}) AS v(flag, position) WHERE flag IS NOT NULL),
        counted AS (
            SELECT f.flag, count(*) AS rows, count(DISTINCT hash(s.search_uid)) AS searches,
                   count(DISTINCT {agency}) AS searching_agencies
            FROM ({flagged}) AS f JOIN searches s USING (search_key) {join}
            GROUP BY f.flag
        )
        SELECT l.flag, coalesce(c.rows, 0) AS rows, coalesce(c.searches, 0) AS searches,
               coalesce(c.searching_agencies, 0) AS searching_agencies
        FROM flag_list l LEFT JOIN counted c USING (flag)
        ORDER BY l.position
    """
    return engine.query(sql)


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
