"""The Markdown brief for an editor: the headline findings in sentences, with their numbers.

Data values pass through escape.md_text (names) and escape.md_code (reasons, verbatim); nothing
from the release can become a link, HTML or formatting.
"""

from __future__ import annotations

from pathlib import Path

from .data import ACCOUNTABILITY_FLAGS, CROSS_AGENCY_FLAGS, Finding, ReportData, time_basis_note
from .escape import format_day, md_code, md_text


def _n(value: int) -> str:
    return f"{int(value):,}"


def _plural(value: int, word: str, plural: str | None = None) -> str:
    return f"{_n(value)} {word if int(value) == 1 else (plural or word + 's')}"


def _top_orgs(finding: Finding, count: int = 3) -> str:
    rows = finding.by_agency.dicts()[:count]
    if not rows:
        return ""
    listed = ", ".join(f"{md_text(r['searcher_org'])} ({_n(r['searches'])})" for r in rows)
    more = len(finding.by_agency.rows) - len(rows)
    return f" Most came from {listed}" + (f", and {_plural(more, 'other organisation')}." if more > 0 else ".")


def _reasons(finding: Finding, count: int = 3) -> str:
    rows = finding.top_reasons.dicts()[:count]
    if not rows:
        return ""
    return " Most frequent reasons: " + "; ".join(f"{md_code(r['reason'])} ({_n(r['searches'])})" for r in rows) + "."


def _sentence(finding: Finding, what: str, reasons: bool = False, params: dict[str, str] | None = None) -> str:
    if params is not None:
        what = what.format(wide_lookup_networks=md_text(params.get("wide_lookup_networks", "100")),
                           retention_days=md_text(params.get("retention_days", "30")))
    if not finding.rows:
        return f"- **{finding.title}** (`{finding.flag}`): none found."
    text = (f"- **{finding.title}** (`{finding.flag}`): {_plural(finding.searches, 'search', 'searches')} "
            f"({_plural(finding.rows, 'row')}) by {_plural(finding.searcher_orgs, 'organisation')}; {what}."
            + _top_orgs(finding))
    if reasons:
        text += _reasons(finding)
    return text


WHAT = {
    "immigration": "the reason states an immigration-enforcement purpose",
    "immigration_agency": "the reason names an immigration agency alongside another purpose",
    "outside_agency": "an organisation other than the camera owner searched",
    "federal_searcher": "a federal agency searched",
    "out_of_state_searcher": "an agency in another state searched",
    "wide_lookup": "at least {wide_lookup_networks} networks were searched at once",
    "287g_searcher": "an agency with a 287(g) agreement searched",
    "school_camera": "the cameras searched belong to a school or campus",
    "school_searcher": "a school or campus searched",
    "blank_reason": "no reason was given",
    "vague_reason": "only a vague reason was given",
    "long_lookback": "the search reached back more than {retention_days} days",
    "moderated": "Flock's moderation blocked or warned",
    "freeform_prompt": "a free-form text prompt was used",
}


def render_brief(data: ReportData) -> str:
    h = data.headline
    lines = ["# Brief: ALPR audit logs", ""]
    if data.redacted:
        lines += ["**This report is redacted**: personal data were removed or masked.", ""]
    for note in data.notes:
        lines += [f"**Note**: {md_text(note)}", ""]
    producers = data.producers.dicts()
    listed = "; ".join(f"{md_text(p['producer'])} ({md_text(p['log_kind'])}, {_plural(p['rows'], 'row')})"
                       for p in producers[:10])
    if len(producers) > 10:
        listed += f"; and {_n(len(producers) - 10)} more"
    lines += [
        "## The data",
        "",
        f"The logs hold {_plural(h['rows'], 'row')}: {_plural(h['searches'], 'distinct search', 'distinct searches')} "
        f"by {_plural(h['searcher_orgs'], 'organisation')}, run between {format_day(h['first_search'])} and "
        f"{format_day(h['last_search'])} (UTC), from {_plural(h['files'], 'file')} of "
        f"{_plural(h['producers'], 'producer')}: {listed or 'none'}.",
        "",
        "## Immigration",
        "",
    ]
    for name in ("immigration", "immigration_agency"):
        if name in data.findings:
            lines.append(_sentence(data.findings[name], WHAT[name], reasons=True))
    if "immigration" not in data.findings and "immigration_agency" not in data.findings:
        lines.append("- No immigration flag query is installed.")
    lines += ["", "## Cross-agency searches", ""]
    lines += [_sentence(data.findings[n], WHAT[n], params=data.params)
              for n in CROSS_AGENCY_FLAGS if n in data.findings]
    lines += ["", "## Schools", ""]
    for name in ("school_camera", "school_searcher"):
        if name in data.findings:
            lines.append(_sentence(data.findings[name], WHAT[name]))
    both = len(data.school_immigration.rows)
    lines.append(f"- {_plural(both, 'row')} {'is' if both == 1 else 'are'} both school-related and "
                 "immigration-related.")
    lines += ["", "## Accountability", ""]
    lines += [_sentence(data.findings[n], WHAT[n], params=data.params)
              for n in ACCOUNTABILITY_FLAGS if n in data.findings]
    others = [f for f in data.findings.values() if f.flag not in WHAT]
    lines += [_sentence(f, "carry this flag") for f in others]
    quarantined = sum(int(r["rows_quarantined"] or 0) for r in data.data_quality.dicts())
    lines += [
        "",
        "## Caveats",
        "",
        "- Reasons are what officers typed: they state a purpose, they do not prove intent.",
        f"- {md_text(time_basis_note(data))}",
        "- Searches are counted once each (by the export's ID, or once for exact duplicate rows); "
        "rows count every line of every log, so one search seen by several agencies is several rows.",
        f"- {_plural(h['duplicate_rows'], 'exact duplicate row')} marked; {_plural(quarantined, 'row')} could not "
        f"be read and {'was' if quarantined == 1 else 'were'} quarantined with the reason (see the report's "
        "data-quality section).",
        "- Every number is traceable: `index.html` (flagged rows with file and row), `lprlogs-report.xlsx`, "
        + ("and `csv/<flag>.csv` (every flagged row)." if data.csv_rows_per_flag is None else
           f"`csv/<flag>.csv` (the first {_n(data.csv_rows_per_flag)} rows of each finding by search time) and "
           "`csv/by_agency.csv` (every flagged row counted by organisation)."),
        "",
    ]
    return "\n".join(lines)


def write_brief(data: ReportData, path: Path) -> Path:
    path.write_text(render_brief(data), encoding="utf-8")
    return path
