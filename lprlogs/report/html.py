"""The HTML report: one self-contained index.html (inline CSS, HTML and SVG charts, no scripts, no network).

The page opens with the findings in sentences (the lede), then the findings, then their context
(producers, method, data quality)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from .. import __version__
from ..sources import name_facts
from .charts import PHONE_WIDTH, BarChart, ColumnChart, bar_chart, column_chart
from .data import UNKNOWN_HOUR, ReportData, hours_table, time_label, unknown_zone_rows
from .escape import NEUTRALIZE_RULE, html_environment

TIER_NAMES = ["immigration purpose stated", "immigration agency named"]
TIER_COLUMNS = ["immigration_searches", "immigration_agency_searches"]
UNKNOWN_STATE = "(unknown)"
IMMIGRATION_FLAGS = ("immigration", "immigration_agency")


def data_quality_summary(data: ReportData) -> dict[str, Any]:
    rows = data.data_quality.dicts()
    notes = []
    for r in rows:
        for note in (r.get("notes") or "").split(" | "):
            if note.strip():
                notes.append({"path": r["path"], "note": note.strip()})
    return {
        "files": len(rows),
        "files_with_searches": sum(1 for r in rows if int(r["rows_stored"] or 0) > 0),
        "read": sum(int(r["rows_read"] or 0) for r in rows),
        "stored": sum(int(r["rows_stored"] or 0) for r in rows),
        "quarantined": sum(int(r["rows_quarantined"] or 0) for r in rows),
        "duplicates": sum(int(r["rows_duplicate"] or 0) for r in rows),
        "blanked": sum(int(r["rows_blanked"] or 0) for r in rows),
        "notes": notes,
    }


def _period(source_file: str, first: Any, last: Any) -> tuple[dt.date, dt.date] | None:
    """The days a file covers: the period its name gives (Flock's M_D_YYYY-M_D_YYYY), else its first and
    last search."""
    named = name_facts(source_file).get("period")
    if named:
        try:
            start, end = (dt.datetime.strptime(re.sub(r"[/.-]", "_", d), "%m_%d_%Y").date() for d in named)
            if start <= end:
                return start, end
        except ValueError:
            pass
    if isinstance(first, dt.datetime) and isinstance(last, dt.datetime):
        return first.date(), last.date()
    return None


def file_periods(data: ReportData) -> list[tuple[dt.date, dt.date]]:
    """The days each file with searches covers: the period its name gives, else the first and last search of
    its producer's log of that kind (the producers table; no second pass over the rows)."""
    spans = {(r["producer"], r["log_kind"]): (r["first_search"], r["last_search"]) for r in data.producers.dicts()}
    periods = []
    for r in data.data_quality.dicts():
        if not int(r["rows_stored"] or 0):
            continue
        first, last = spans.get((r["producer"] or "(unknown producer)", r["log_kind"] or "(unknown kind)"),
                                (None, None))
        period = _period(str(r["path"]), first, last)
        if period:
            periods.append(period)
    return periods


def month_coverage(data: ReportData, months: list[str]) -> dict[str, tuple[str, str]]:
    """For each month (YYYY-MM): "full", "partial" or "none", by how many of its days the files' periods
    cover, and a note saying so."""
    periods = file_periods(data)
    result = {}
    for month in months:
        year, number = int(month[:4]), int(month[5:7])
        days = calendar.monthrange(year, number)[1]
        first, last = dt.date(year, number, 1), dt.date(year, number, days)
        covered: set[int] = set()
        for start, end in periods:
            lo, hi = max(start, first), min(end, last)
            if lo <= hi:
                covered.update(range(lo.day, hi.day + 1))
        if len(covered) == days:
            result[month] = ("full", "")
        elif covered:
            result[month] = ("partial", f"the files cover {len(covered)} of its {days} days")
        else:
            result[month] = ("none", "no file covers this month")
    return result


def _source(data: ReportData, queries: list[str], flags: list[str] | None = None) -> str:
    files = int(data.headline.get("files") or 0)
    text = f"Source: the {files:,} log file{'s' if files != 1 else ''} listed under Data quality; "
    text += ", ".join(f"queries/reports/{q}.sql" for q in queries)
    if flags:
        text += "; flags: " + ", ".join(f"queries/flags/{f}.sql" for f in flags)
    return text


def _state_notes(rows: list[dict[str, Any]]) -> list[str]:
    unknown = next((r for r in rows if r["state"] == UNKNOWN_STATE), None)
    if not unknown:
        return []
    orgs = int(unknown.get("organisations") or 0)
    searches = int(unknown["immigration_searches"] or 0) + int(unknown["immigration_agency_searches"] or 0)
    return [f"{UNKNOWN_STATE}: {orgs:,} organisation{'s' if orgs != 1 else ''} whose name carries no readable "
            f"state, with {searches:,} of these searches; federal agencies are counted as Federal."]


def _by_state(data: ReportData, flag: str) -> list[dict[str, Any]]:
    """A finding's searches summed by the searching organisation's state (each search has one searcher)."""
    totals: dict[str, int] = {}
    for r in data.flag_by_agency.for_flag(flag).dicts():
        state = r["state"] or UNKNOWN_STATE
        totals[state] = totals.get(state, 0) + int(r["searches"] or 0)
    return [{"state": s, "searches": n} for s, n in totals.items()]


def _state_title(lead: dict[str, Any]) -> str:
    total = int(lead["immigration_searches"] or 0) + int(lead["immigration_agency_searches"] or 0)
    who = {"Federal": "Federal agencies", UNKNOWN_STATE: "Organisations with no readable state"}.get(
        lead["state"], f"Organisations in {lead['state']}")
    return f"{who} ran the most immigration-related searches ({total:,})"


def _accountability_rows(data: ReportData) -> tuple[list[dict[str, Any]], list[str]]:
    flags = [f for f in ("blank_reason", "vague_reason", "long_lookback") if f in data.findings]
    orgs: dict[str, dict[str, Any]] = {}
    for flag in flags:
        for r in data.flag_by_agency.for_flag(flag).dicts():
            orgs.setdefault(r["searcher_org"], {"searcher_org": r["searcher_org"]})[flag] = int(r["searches"] or 0)
    return list(orgs.values()), flags


def build_charts(data: ReportData) -> dict[str, BarChart | ColumnChart]:
    imm = data.findings.get("immigration")
    by_agency = data.immigration_by_agency.dicts()
    top = max(by_agency, key=lambda r: int(r["immigration_searches"] or 0), default=None)
    charts: dict[str, BarChart | ColumnChart] = {
        "imm_agency": bar_chart(
            f"{top['searcher_org']} ran the most searches stating an immigration purpose ({int(top['immigration_searches']):,})"
            if top and imm and imm.searches else "Immigration-related searches by searching organisation",
            by_agency, "searcher_org", TIER_COLUMNS, names=TIER_NAMES,
            source=_source(data, ["immigration_by_agency"], list(IMMIGRATION_FLAGS)),
            rest="the table below and the workbook (sheet Immigration by agency) list them all"),
    }
    states = data.immigration_by_state.dicts()
    lead = max(states, key=lambda r: int(r["immigration_searches"] or 0) + int(r["immigration_agency_searches"] or 0),
               default=None)
    charts["imm_state"] = bar_chart(
        _state_title(lead) if lead else "Immigration-related searches by the searching organisation's state",
        states, "state", TIER_COLUMNS, names=TIER_NAMES, notes=_state_notes(states),
        source=_source(data, ["immigration_by_state"], list(IMMIGRATION_FLAGS)),
        rest="the workbook (sheet Immigration by state) lists them all")
    charts["imm_month"] = _month_chart(data)
    charts["hours"] = _hour_chart(data)
    for name, flag, title in (("cross_from", "outside_agency", "Where the outside agencies that searched are"),
                              ("federal_who", "federal_searcher", "Which federal agencies searched")):
        finding = data.findings.get(flag)
        if finding and finding.rows:
            rows = _by_state(data, flag) if name == "cross_from" else finding.by_agency.dicts()
            label = "state" if name == "cross_from" else "searcher_org"
            charts[name] = bar_chart(f"{title}: {finding.searches:,} searches by {finding.searcher_orgs:,} organisations",
                                     rows, label, ["searches"], names=["searches"],
                                     source=_source(data, ["flag_by_agency"], [flag]),
                                     rest="the workbook (sheet Findings by agency) and csv/by_agency.csv list every "
                                          "organisation")
    if data.school_cameras.rows:
        pairs = [{"label": f"{r['searcher_org']} → {r['school_producer']}", "searches": r["searches"]}
                 for r in data.school_cameras.dicts()]
        charts["schools"] = bar_chart("Who searched school-owned cameras (searching organisation → school)", pairs,
                                      "label", ["searches"], names=["searches"],
                                      source=_source(data, ["school_cameras"], ["school_camera"]),
                                      rest="the table below and the workbook (sheet School cameras) list them all")
    rows, flags = _accountability_rows(data)
    if rows:
        charts["accountability"] = bar_chart(
            "Organisations whose searches most often gave no reason, a vague one, or reached back far",
            rows, "searcher_org", flags, names=[data.findings[f].title for f in flags],
            source=_source(data, ["flag_by_agency"], flags),
            rest="the workbook (sheet Findings by agency) and csv/by_agency.csv list every organisation")
    return charts


def _month_chart(data: ReportData) -> ColumnChart:
    rows = data.immigration_by_month.dicts()
    coverage = month_coverage(data, [r["month"] for r in rows])
    notes = []
    for state, what in (("partial", "the files cover only in part"), ("none", "no file covers (no logs, not no searches)")):
        months = [m for m, (s, _) in coverage.items() if s == state]
        if months:
            notes.append(f"Shaded: {len(months)} month{'s' if len(months) != 1 else ''} {what} "
                         f"({', '.join(months[:6])}{', ...' if len(months) > 6 else ''}).")
    if notes:
        notes.append("Counts in shaded months are not comparable with full months; the rate per 1,000 searches is.")
    peak = max(rows, key=lambda r: int(r["immigration_searches"] or 0), default=None)
    title = "Immigration-related searches by month"
    if peak and int(peak["immigration_searches"] or 0):
        title = (f"Searches stating an immigration purpose peaked in {peak['month']} "
                 f"({int(peak['immigration_searches']):,}; {peak['immigration_per_1000_searches'] or 0:,.1f} "
                 "per 1,000 searches that month)")
    return column_chart(title + f" ({time_label(data)})", rows, "month", TIER_COLUMNS, names=TIER_NAMES,
                        rate="immigration_per_1000_searches",
                        rate_name="Immigration purpose per 1,000 searches in the logs that month",
                        coverage=coverage, notes=notes, source=_source(data, ["immigration_by_time", "producers", "data_quality"],
                                                                        list(IMMIGRATION_FLAGS)))


def _hour_labels(count: int, clock: str) -> list[tuple[str, str]]:
    """Every third hour labelled (24 columns fit a phone; two-digit labels side by side would touch), the clock
    under the first."""
    return [(f"{h:02d}" if h % 3 == 0 else "", clock if h == 0 else "") for h in range(count)]


def _hour_chart(data: ReportData) -> ColumnChart:
    """Searches by hour of day in the producers' local time; the searches whose zone is unknown are counted in
    a note. When no producer's zone is known, the UTC hours, said so."""
    local = data.searches_by_local_hour.dicts()
    rows = [r for r in local if r["local_hour"] != UNKNOWN_HOUR]
    unknown = next((r for r in local if r["local_hour"] == UNKNOWN_HOUR), None)
    source = _source(data, ["immigration_by_time"], list(IMMIGRATION_FLAGS))
    shape: dict[str, Any] = {"names": TIER_NAMES, "rate": "immigration_per_1000_searches", "source": source,
                             "rate_name": "Immigration purpose per 1,000 searches that hour", "width": PHONE_WIDTH}
    if not any(int(r["searches"] or 0) for r in rows):
        utc = data.searches_by_hour.dicts()
        return column_chart("Immigration-related searches by hour of day, in UTC: no producer's time zone is known "
                            "(ingest --tz or the registry gives it), so these are not local hours",
                            utc, "hour", TIER_COLUMNS, labels=_hour_labels(len(utc), "UTC"), **shape)
    notes = []
    if unknown and int(unknown["searches"] or 0):
        tiers = int(unknown["immigration_searches"] or 0), int(unknown["immigration_agency_searches"] or 0)
        notes.append(f"Not shown: {int(unknown['searches']):,} searches whose producer's time zone is not known "
                     f"({tiers[0]:,} stating an immigration purpose, {tiers[1]:,} naming an immigration agency): "
                     "the table below has them by the hour in UTC. Giving the zone at ingest (--tz with --force, or "
                     "the registry) places them.")
    written = unknown_zone_rows(data)
    if written:
        notes.append(f"{written:,} rows of local time written without a zone are at the hour written, which is their "
                     "local hour (their zone, and so their hour in UTC, is not known).")
    notes.append("Each search at its hour in the zone of the producer, the agency whose cameras were searched (not "
                 "necessarily the searcher's); the table below gives the UTC hours beside.")
    return column_chart("Immigration-related searches by hour of day, in the local time of the cameras' agency",
                        rows, "local_hour", TIER_COLUMNS, labels=_hour_labels(len(rows), "local"), notes=notes,
                        **shape)


def _n(value: Any) -> Markup:
    return Markup("<strong>{}</strong>").format(f"{int(value or 0):,}")


def _top(data: ReportData, flag: str, count: int = 3) -> Markup:
    rows = data.findings[flag].by_agency.dicts()[:count]
    parts = [Markup("{} ({})").format(r["searcher_org"], f"{int(r['searches']):,}") for r in rows]
    if not parts:
        return Markup("")
    listed = parts[0] if len(parts) == 1 else Markup(", ").join(parts[:-1]) + Markup(" and ") + parts[-1]
    return Markup("; the most came from ") + listed


def _searches(data: ReportData, flag: str) -> int:
    finding = data.findings.get(flag)
    return finding.searches if finding else 0


def _listed(data: ReportData, parts: tuple[tuple[str, str], ...]) -> list[Markup]:
    """'N searches <words>', then 'N <words>', for each flag of ``parts`` with searches."""
    found = [(name, words) for name, words in parts if _searches(data, name)]
    return [Markup("{} {}{}").format(_n(_searches(data, name)), "" if i else "searches ", words)
            for i, (name, words) in enumerate(found)]


def lede(data: ReportData) -> list[Markup]:
    """The main findings in a few sentences, each with its numbers (plain values, escaped); a finding with no
    searches is said in words, not as a zero."""
    h, f = data.headline, data.findings
    sentences = [Markup("The logs of {} producers hold {} distinct searches ({} rows) by {} organisations, run "
                        "between {} and {} ({}).").format(
        _n(h["producers"]), _n(h["searches"]), _n(h["rows"]), _n(h["searcher_orgs"]),
        _nowrap(_day(h["first_search"])), _nowrap(_day(h["last_search"])), time_label(data))]
    if _searches(data, "immigration"):
        imm = f["immigration"]
        rate = 1000.0 * imm.searches / max(int(h["searches"] or 0), 1)
        sentences.append(Markup("{} searches stated an immigration-enforcement purpose ({} per 1,000 searches), by "
                                "{} organisations{}.").format(_n(imm.searches), f"{rate:,.1f}",
                                                            _n(imm.searcher_orgs), _top(data, "immigration")))
    elif "immigration" in f:
        sentences.append(Markup("No search states an immigration-enforcement purpose."))
    if _searches(data, "immigration_agency"):
        sentences.append(Markup("{} named an immigration agency alongside another purpose, such as a drug case "
                                "(counted apart).").format(_n(f["immigration_agency"].searches)))
    cross = _listed(data, (("outside_agency", "by outside agencies"), ("federal_searcher", "by federal agencies"),
                           ("out_of_state_searcher", "by agencies in other states"),
                           ("287g_searcher", "by agencies with a 287(g) agreement with ICE"),
                           ("wide_lookup", "over many networks at once")))
    if cross:
        sentences.append(Markup("Cross-agency: ") + Markup("; ").join(cross) + Markup("."))
    if _searches(data, "school_camera"):
        sentences.append(Markup("School-owned cameras were searched {} times by {} organisations; {} rows are both "
                                "school- and immigration-related.").format(
            _n(f["school_camera"].searches), _n(f["school_camera"].searcher_orgs), _n(len(data.school_immigration.rows))))
    acc = _listed(data, (("blank_reason", "gave no reason"), ("vague_reason", "gave only a vague one"),
                         ("long_lookback", "reached back beyond the retention period")))
    if acc:
        sentences.append(Markup("Accountability: ") + Markup("; ").join(acc) + Markup("."))
    return sentences


def _nowrap(text: str) -> Markup:
    return Markup('<span class="nowrap">{}</span>').format(text)


def _day(value: Any) -> str:
    from .escape import format_day
    return format_day(value)


def breakable(value: Any) -> Markup:
    """Text (a file name) that may wrap after / _ - . and spaces, never inside a word."""
    text = "" if value is None else str(value)
    return Markup("<wbr>").join(escape(part) for part in re.split(r"(?<=[/_\-.])", text))


def render_html(data: ReportData) -> str:
    env = html_environment()
    env.filters.setdefault("breakable", breakable)
    template = env.get_template("index.html")
    store = Path(data.store).name if data.redacted else data.store
    return template.render(data=data, charts_data=build_charts(data), sections=data.sections, dq=data_quality_summary(data),
                           neutralize_rule=NEUTRALIZE_RULE, version=__version__, lede=lede(data), store_shown=store,
                           time_label=time_label(data), hours_table=hours_table(data), source=lambda *q, flags=None: _source(data, list(q), flags),
                           law=data.state_law)


def write_html(data: ReportData, path: Path) -> Path:
    path.write_text(render_html(data), encoding="utf-8")
    return path
