"""The Markdown brief for an editor: the headline findings in sentences, with their numbers.

Data values pass through escape.md_text (names) and escape.md_code (reasons, verbatim); nothing
from the release can become a link, HTML or formatting.
"""

from __future__ import annotations

import re
from pathlib import Path

from .data import Finding, ReportData, time_basis_note, time_label
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


def _sentence(finding: Finding, params: dict[str, str], reasons: bool = False) -> str:
    """One finding as a line of the brief: its counts and its flag file's ``sentence`` ({param} -> value)."""
    what = re.sub(r"\{(\w+)\}", lambda m: md_text(params.get(m[1], m[0])), finding.sentence or "carry this flag")
    if not finding.rows:
        return f"- **{finding.title}** (`{finding.flag}`): none found."
    text = (f"- **{finding.title}** (`{finding.flag}`): {_plural(finding.searches, 'search', 'searches')} "
            f"({_plural(finding.rows, 'row')}) by {_plural(finding.searcher_orgs, 'organisation')}; {what}."
            + _top_orgs(finding))
    if reasons:
        text += _reasons(finding)
    return text


SECTION_HEADINGS = {"immigration": "Immigration", "cross_agency": "Cross-agency searches", "school": "Schools",
                    "accountability": "Accountability", "state_law": "State law"}


def _section_lines(data: ReportData, section: str) -> list[str]:
    """A section of the brief: a line per finding (with the top reasons for immigration), and what only the
    section says (no immigration flag installed; rows both school- and immigration-related)."""
    names = data.sections[section]
    if not names and section == "state_law":
        return []
    lines = ["", f"## {SECTION_HEADINGS[section]}", ""]
    lines += [_sentence(data.findings[n], data.params, reasons=section == "immigration") for n in names]
    if section == "immigration" and not names:
        lines.append("- No immigration flag query is installed.")
    if section == "school":
        both = len(data.school_immigration.rows)
        lines.append(f"- {_plural(both, 'row')} {'is' if both == 1 else 'are'} both school-related and "
                     "immigration-related.")
    return lines


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
        f"{format_day(h['last_search'])} ({time_label(data)}), from {_plural(h['files'], 'file')} of "
        f"{_plural(h['producers'], 'producer')}: {listed or 'none'}.",
    ]
    for section in SECTION_HEADINGS:
        lines += _section_lines(data, section)
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
