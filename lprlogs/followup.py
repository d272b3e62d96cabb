"""Follow-up records requests drafted from the findings: one letter per searching agency, a tracking sheet,
and appeal drafts for over-redacted releases.

For every agency (one ``agency_key``, however many account labels it has in the logs) that ran flagged
searches (by default with the flags whose SQL file says ``followup: default``: immigration,
federal_searcher, out_of_state_searcher, 287g_searcher), ``write_followup`` writes ``<slug>.md`` and
``<slug>.txt`` (a draft request addressed to the agency's display name, quoting its audit-log labels once,
naming the state's public-records law from ``queries/followup/public_records_laws.csv`` or federal FOIA,
with asks scaled to its findings from ``finding_asks.csv``), ``<slug>-searches.csv`` (every cited search
with where it was found), ``tracking.csv`` (one row per letter, with empty status and due-date columns for
the newsroom), and ``appeal-<slug>.md`` for a producer whose release masked names, case numbers or plates
in most rows, following the state's appeal route from ``appeal_routes.csv`` (which also says which states
limit requests to their residents). The letters are rendered from Jinja2 templates in
``queries/followup/``; data values are passed as variables, never as template code. Every letter is a
draft for a reporter to check.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from .engine import flag_specs, queries_dir, sql_files
from .errors import LprlogsError
from .law import LETTER_REQUESTS
from .report.escape import md_code, md_text, neutralize
from .schema import UNKNOWN_BASIS
from .store import sql_literal

if TYPE_CHECKING:
    from .engine import Engine

LETTER_CAP = 25  # searches listed in a letter's body; all of them are in the attachment CSV
CONTEXT_CAP = 10  # searches listed when the letter asks for no per-search records (context only)
APPEAL_THRESHOLD = 0.9  # share of rows with a field masked that triggers an appeal draft
APPEAL_FIELDS = {"searcher_user": "Officer / user names (Name)", "case_number": "Case numbers (Case #)",
                 "license_plate": "License plates (License Plate)"}
FEDERAL = "US"
PER_SEARCH_FINDINGS = ("immigration_purpose", "immigration_agency")  # letters ask for records of each search
TRACKING_COLUMNS = ("agency", "agency_key", "audit_log_names", "state", "law", "citation", "law_needs_review",
                    "residents_only", "searches_cited", "findings", "flags", "letter", "attachment", "drafted",
                    "sent", "status", "due_date", "notes")
ATTACHMENT_COLUMNS = ("search_id", "search_time", "searcher_org", "reason", "networks_searched", "flags",
                      "producers", "found_in", "search_uid", "findings", "search_time_zone")

@dataclass
class Agency:
    """One searching or producing agency: every account label that shares its ``agency_key``."""

    key: str
    name: str  # what letters call it: the display name (registry, ICE's list, or the label cleaned)
    labels: list[str]  # the names in the audit logs, as written
    state: str | None
    federal: bool
    kind: str | None


@dataclass
class Letter:
    agency: str
    state: str | None
    federal: bool
    law: dict[str, Any]
    searches: int
    flags: str
    letter_md: Path
    letter_txt: Path
    attachment: Path
    agency_key: str = ""
    labels: list[str] = field(default_factory=list)
    findings: dict[str, int] = field(default_factory=dict)
    route: dict[str, Any] = field(default_factory=dict)


@dataclass
class Appeal:
    producer: str
    state: str | None
    path: Path
    rows: int
    shares: dict[str, float]
    route: dict[str, Any] = field(default_factory=dict)


@dataclass
class FollowupResult:
    out_dir: Path
    letters: list[Letter] = field(default_factory=list)
    appeals: list[Appeal] = field(default_factory=list)
    tracking: Path | None = None
    unmatched_agencies: list[str] = field(default_factory=list)
    skipped_rows_without_agency: int = 0
    law_letters: list[tuple[str, str, str, Path, int]] = field(default_factory=list)  # write_law_letters

    def summary_rows(self) -> tuple[list[str], list[tuple[Any, ...]]]:
        columns = ["kind", "agency", "state", "law", "searches", "file"]
        rows = [("letter", x.agency, x.state or "", x.law["citation"], x.searches, x.letter_md.name) for x in self.letters]
        rows += [("appeal", a.producer, a.state or "", a.route.get("appeal_citation", ""), a.rows, a.path.name)
                 for a in self.appeals]
        rows += [("state_law", name, state, citation, n, path.name) for name, state, citation, path, n in self.law_letters]
        return columns, rows


# --- the law table ---------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def public_records_laws() -> dict[str, dict[str, Any]]:
    """jurisdiction code (two-letter state, DC, or US for federal) -> law row."""
    laws = {}
    for row in _read_table("public_records_laws.csv"):
        laws[row["jurisdiction"]] = {
            "jurisdiction": row["jurisdiction"], "jurisdiction_name": row["name"], "law_name": row["law_name"],
            "citation": row["citation"], "response_deadline": row["response_deadline"],
            "needs_review": _yes(row["needs_review"]), "notes": row["notes"],
        }
    return laws


def law_for(state: str | None, federal: bool) -> dict[str, Any]:
    laws = public_records_laws()
    if federal:
        return laws[FEDERAL]
    if state and state.upper() in laws:
        return laws[state.upper()]
    return {"jurisdiction": state or "", "jurisdiction_name": state or "an unknown state",
            "law_name": "[state public-records law]", "citation": "[citation: state not known, fill in]",
            "response_deadline": "", "needs_review": True,
            "notes": "the agency's state could not be told from its name; fill in the law"}


def _read_table(name: str) -> list[dict[str, str]]:
    with open(queries_dir() / "followup" / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _yes(value: str | None) -> bool:
    return (value or "").strip().lower() in ("yes", "true", "1")


@lru_cache(maxsize=1)
def appeal_routes() -> dict[str, dict[str, Any]]:
    """jurisdiction code -> where an appeal goes (``appeal_kind``: agency_head, review_body, court or
    attorney_general_ruling), its citation and deadline, whether the row is unchecked (``needs_review``), and
    whether the state's law is for its residents only (``residents_only``: yes, unclear or no)."""
    routes = {}
    for row in _read_table("appeal_routes.csv"):
        routes[row["jurisdiction"]] = {**row, "needs_review": _yes(row["appeal_needs_review"]),
                                       "residents_only": (row["residents_only"] or "no").strip().lower()}
    return routes


def route_for(state: str | None, federal: bool) -> dict[str, Any]:
    routes = appeal_routes()
    code = FEDERAL if federal else (state or "").upper()
    if code in routes:
        return routes[code]
    return {"jurisdiction": code, "appeal_kind": "agency_head", "appeal_to": "[appeal body: state not known]",
            "appeal_citation": "[citation: state not known, fill in]", "appeal_deadline": "",
            "appeal_notes": "the agency's state could not be told from its name", "needs_review": True,
            "residents_only": "no", "residents_citation": "", "why": ""}


@lru_cache(maxsize=1)
def finding_asks() -> dict[str, dict[str, str]]:
    """flag -> its finding (the group of asks a letter makes for it) and the finding's title, in the table's
    order; a flag not in the table is its own finding."""
    return {row["flag"]: {"finding": row["finding"], "title": row["finding_title"]}
            for row in _read_table("finding_asks.csv")}


def finding_of(flag: str) -> dict[str, str]:
    return finding_asks().get(flag) or {"finding": flag, "title": f"the flag {flag}"}


def slugify(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", re.sub(r"['\u2019]", "", (name or "").lower())).strip("-")[:60].strip("-") or "agency"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


# --- templates -----------------------------------------------------------------------------------

def _line(value: Any) -> str:
    return " ".join(str("" if value is None else value).split())


@lru_cache(maxsize=1)
def template_environment() -> jinja2.Environment:
    """Letters are Markdown and plain text: autoescape off; Markdown values go through md/code filters.
    Data is only ever passed as variables, so nothing in a reason or a name is run as template code."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(queries_dir() / "followup")),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_text
    env.filters["code"] = md_code
    env.filters["code_cell"] = lambda value: md_code(value).replace("|", "\\|")  # a pipe would split a table cell
    env.filters["line"] = _line
    env.filters["upfirst"] = lambda value: str(value)[:1].upper() + str(value)[1:]
    return env


def render(template: str, **context: Any) -> str:
    return template_environment().get_template(template).render(**context)


# --- data ----------------------------------------------------------------------------------------

_DISPLAY_RANK = {"registry": 0, "ICE 287(g) list": 1}


def _classified(engine: Engine, names: list[str]) -> list[dict[str, Any]]:
    """One dict per name from the agencies view (missing columns as NULL), or from ``classify`` without it."""
    columns = {c for c, _ in engine.views().get("agencies", [])}
    if not {"name", "state"} <= columns:
        return [_classified_fallback(n) for n in names]
    wanted = ("agency_key", "state", "federal", "kind", "display_name", "display_from", "inactive")
    picks = ", ".join(f"any_value({c}) AS {c}" if c in columns else f"NULL AS {c}" for c in wanted)
    rows_expr = "sum(rows_as_searcher)" if "rows_as_searcher" in columns else "0"
    listing = ", ".join(sql_literal(n) for n in names)
    relation = engine.con.sql(f"SELECT name, {picks}, {rows_expr} AS rows FROM agencies "
                              f"WHERE name IN ({listing}) GROUP BY name")
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def agencies_for(engine: Engine, names: list[str]) -> dict[str, Agency]:
    """label -> its Agency: labels with one ``agency_key`` share one Agency, addressed by the display name of
    its best label (a registry's name first, then ICE's, then an active label with the most searches).
    Labels the agencies view does not know get their own Agency, classified from the name."""
    if not names:
        return {}
    rows = {r["name"]: r for r in _classified(engine, names)}
    groups: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        row = rows.get(name) or _classified_fallback(name)
        groups.setdefault(row["agency_key"] or f"name:{name.lower()}", []).append(row)
    found: dict[str, Agency] = {}
    for key, members in groups.items():
        best = min(members, key=lambda r: (_DISPLAY_RANK.get(r["display_from"] or "", 2), bool(r["inactive"]),
                                           -(r["rows"] or 0), r["name"]))
        display = best["display_name"] or ""
        agency = Agency(
            key=key, name=display if display and not display.startswith("(") else best["name"],
            labels=sorted(r["name"] for r in members), state=next((r["state"] for r in members if r["state"]), None),
            federal=any(bool(r["federal"]) or r["kind"] == "federal" for r in members), kind=best["kind"])
        for r in members:
            found[r["name"]] = agency
    return found


def _classified_fallback(name: str) -> dict[str, Any]:
    from .agencies import classify

    c = classify(name)
    return {"name": name, "agency_key": c.agency_key, "state": c.state, "federal": c.federal, "kind": c.kind,
            "display_name": c.display_name, "display_from": c.display_from, "inactive": c.inactive, "rows": 0}


def agreements_287g(engine: Engine, names: list[str]) -> dict[str, list[dict[str, Any]]]:
    """name -> the 287(g) agreements ICE lists for that agency (from a loaded list), matched through the
    agencies view's agency_key; empty when no list is loaded."""
    views = engine.views()
    agreement_columns = {c for c, _ in views.get("agreements", [])}
    agency_columns = {c for c, _ in views.get("agencies", [])}
    needed = {"agency_key", "status", "support_type", "signed", "agency"}
    if not names or not needed <= agreement_columns or not {"name", "agency_key"} <= agency_columns:
        return {}
    listing = ", ".join(sql_literal(n) for n in names)
    rows = engine.con.execute(
        "SELECT DISTINCT a.name, g.agency, g.status, g.support_type, CAST(g.signed AS VARCHAR) "
        "FROM agencies a JOIN agreements g ON g.agency_key = a.agency_key "
        f"WHERE a.name IN ({listing}) AND a.agency_key IS NOT NULL ORDER BY 1, 5 NULLS LAST, 4").fetchall()
    found: dict[str, list[dict[str, Any]]] = {}
    for name, listed_as, status, support_type, signed in rows:
        found.setdefault(name, []).append({"listed_as": listed_as, "status": status,
                                           "support_type": (support_type or "").strip(), "signed": signed or ""})
    return found


def flagged_searches(engine: Engine, flags: tuple[str, ...], agencies: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """One row per (searching agency, search): the search's first-seen values, its flags, every place found.
    Organisation audits without an Org Name column count as searches by their producer."""
    flag_list = ", ".join(sql_literal(f) for f in flags)
    agency_filter = ""
    if agencies:
        agency_filter = "AND lower(agency) IN (" + ", ".join(sql_literal(a.lower().strip()) for a in agencies) + ")"
    sql = f"""
        WITH hits AS (
            SELECT s.*, f.flag, CASE WHEN s.searcher_org IS NULL AND s.log_kind = 'org_audit' THEN s.producer
                        ELSE s.searcher_org END AS agency,
                   regexp_replace(s.source_file, '^.*[/\\\\]', '')
                   || CASE WHEN s.source_sheet IS NOT NULL THEN ', sheet ' || s.source_sheet ELSE '' END
                   || CASE WHEN s.source_page IS NOT NULL THEN ', page ' || s.source_page ELSE '' END
                   || CASE WHEN s.source_row IS NOT NULL THEN ', row ' || s.source_row ELSE '' END AS found_in
            FROM searches s JOIN (SELECT search_key, flag FROM flags WHERE flag IN ({flag_list})) f
              USING (search_key)
        )
        SELECT agency, search_uid,
               max(search_id) AS search_id,
               min(search_time) AS search_time,
               arg_min(reason, batch_id * 1e12 + coalesce(source_row, 0)) AS reason,
               max(networks_searched) AS networks_searched,
               bool_or(time_basis = {sql_literal(UNKNOWN_BASIS)}) AS zone_unknown,
               string_agg(DISTINCT flag, ', ' ORDER BY flag) AS flags,
               string_agg(DISTINCT producer, '; ' ORDER BY producer) AS producers,
               string_agg(DISTINCT found_in, '; ' ORDER BY found_in) AS found_in
        FROM hits WHERE agency IS NOT NULL {agency_filter}
        GROUP BY agency, search_uid
        ORDER BY agency, search_time NULLS LAST, search_uid
    """
    relation = engine.con.sql(sql)
    columns = relation.columns
    return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]


def rows_without_agency(engine: Engine, flags: tuple[str, ...]) -> int:
    flag_list = ", ".join(sql_literal(f) for f in flags)
    return engine.con.execute(
        "SELECT count(*) FROM searches WHERE searcher_org IS NULL AND log_kind IS DISTINCT FROM 'org_audit' "
        f"AND search_key IN (SELECT search_key FROM flags WHERE flag IN ({flag_list}))").fetchall()[0][0]


def over_redacted_producers(engine: Engine, threshold: float = APPEAL_THRESHOLD) -> list[dict[str, Any]]:
    """Producers with a release (one log kind) whose rows have a field masked (the `redacted` list) in at least
    ``threshold`` of its rows; per producer, the list of such releases with their shares.
    Transparency-portal downloads are not records releases (Flock masks their users by design): left out."""
    shares = ", ".join(
        f"count(*) FILTER (WHERE list_contains(redacted, {sql_literal(f)})) AS {f}" for f in APPEAL_FIELDS)
    rows = engine.con.execute(
        f"SELECT producer, log_kind, count(*) AS rows, {shares}, "
        "list(DISTINCT regexp_replace(source_file, '^.*[/\\\\]', '') ORDER BY 1) AS files "
        "FROM searches WHERE producer IS NOT NULL AND log_kind IS DISTINCT FROM 'portal_audit' "
        "GROUP BY ALL ORDER BY producer, log_kind").fetchall()
    by_producer: dict[str, list[dict[str, Any]]] = {}
    for producer, log_kind, total, *counts, files in rows:
        masked = dict(zip(APPEAL_FIELDS, counts, strict=True))
        if total and any(m / total >= threshold for m in masked.values()):
            by_producer.setdefault(producer, []).append(
                {"log_kind": log_kind, "rows": total, "masked": masked, "files": files})
    return [{"producer": p, "releases": releases} for p, releases in by_producer.items()]


# --- writing -------------------------------------------------------------------------------------

def _fmt_time(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[list[Any]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows([["" if v is None else neutralize(v if isinstance(v, str) else str(v)) for v in row]
                          for row in rows])


NEWSROOM_COLUMNS = ("sent", "status", "due_date", "notes")


def _read_tracking(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise LprlogsError(f"existing tracking sheet is unreadable ({exc})", path=str(path),
                           hint="move it away or write the letters to another folder") from exc


def _same_agency(old: dict[str, str], row: dict[str, Any]) -> bool:
    """An old tracking row is the new row's agency: same agency_key, or (sheets written before agency keys)
    its agency is the new display name or one of the agency's audit-log names."""
    if old.get("agency_key"):
        return old["agency_key"] == row["agency_key"]
    return old.get("agency", "") in {row["agency"], *row["audit_log_names"].split("; ")}


def _merge_tracking(path: Path, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep what the newsroom typed into an existing tracking.csv: its sent/status/due-date/notes cells carry
    over to the new row of the same agency, and rows of agencies not drafted this time are kept as they were."""
    if not path.exists():
        return rows
    old_rows = _read_tracking(path)
    used: set[int] = set()
    for row in rows:
        match = next((i for i, old in enumerate(old_rows) if i not in used and _same_agency(old, row)), None)
        if match is not None:
            used.add(match)
            row.update({c: old_rows[match].get(c) or "" for c in NEWSROOM_COLUMNS})
    return rows + [{c: old.get(c) or "" for c in TRACKING_COLUMNS} for i, old in enumerate(old_rows) if i not in used]


def _merge_duplicates(cited: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per search when two labels of one agency carry the same search: flags, producers and places
    joined."""
    merged: dict[Any, dict[str, Any]] = {}
    for s in cited:
        first = merged.get(s["search_uid"])
        if first is None:
            merged[s["search_uid"]] = dict(s)
        else:
            for column, sep in (("flags", ", "), ("producers", "; "), ("found_in", "; ")):
                parts = {*(first[column] or "").split(sep), *(s[column] or "").split(sep)} - {""}
                first[column] = sep.join(sorted(parts))
    return list(merged.values())


def _findings(cited: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The letter's findings in the table's order, each with its count of searches and of each flag; every
    search gets its ``findings`` (keys, most specific first)."""
    order = list(dict.fromkeys([v["finding"] for v in finding_asks().values()]))
    found: dict[str, dict[str, Any]] = {}
    for s in cited:
        keys = set()
        for flag in s["flags"].split(", "):
            info = finding_of(flag)
            entry = found.setdefault(info["finding"], {"key": info["finding"], "title": info["title"], "count": 0,
                                                       "flag_totals": {}})
            entry["flag_totals"][flag] = entry["flag_totals"].get(flag, 0) + 1
            keys.add(info["finding"])
        for key in keys:
            found[key]["count"] += 1
        s["findings"] = sorted(keys, key=lambda k: order.index(k) if k in order else len(order))
    ranked = sorted(found.values(), key=lambda f: order.index(f["key"]) if f["key"] in order else len(order))
    for f in ranked:
        f["flags"] = [f"{name} ({n})" for name, n in sorted(f.pop("flag_totals").items())]
    return ranked


def _shown(cited: list[dict[str, Any]], cap: int) -> list[dict[str, Any]]:
    """The searches listed in the body: those the letter asks records of, one by one (up to ``cap``), by time;
    then, as context only, other searches by time up to ``CONTEXT_CAP`` in all."""
    def by_time(s: dict[str, Any]) -> tuple[Any, ...]:
        return s["search_time"] is None, str(s["search_time"] or ""), s["search_uid"]

    per_search = sorted([s for s in cited if set(s["findings"]) & set(PER_SEARCH_FINDINGS)], key=by_time)[:cap]
    rest = sorted([s for s in cited if not set(s["findings"]) & set(PER_SEARCH_FINDINGS)], key=by_time)
    listed = per_search + rest[:max(0, min(cap, CONTEXT_CAP) - len(per_search))]
    return [{"search_id": s["search_id"] or "(no ID)", "date": _fmt_time(s["search_time"]) or "(no time)",
             "zone": "local time, zone unknown" if s.get("zone_unknown") else "UTC",
             "reason": s["reason"] or "", "networks": s["networks_searched"] if s["networks_searched"] is not None
             else "?", "flags": s["flags"], "locations": s["found_in"], "label": s["agency"],
             "findings": s["findings"]} for s in listed]


def _letter_context(engine: Engine, agency: Agency, cited: list[dict[str, Any]], attachment: Path,
                    agreements: list[dict[str, Any]], drafted: dt.date, cap: int) -> dict[str, Any]:
    findings = _findings(cited)
    times = [s["search_time"] for s in cited if s["search_time"] is not None]
    flag_totals: dict[str, int] = {}
    for s in cited:
        for f in s["flags"].split(", "):
            flag_totals[f] = flag_totals.get(f, 0) + 1
    return {
        "drafted": drafted.isoformat(), "law": law_for(agency.state, agency.federal),
        "route": route_for(agency.state, agency.federal),
        "agency": {"name": agency.name, "labels": agency.labels, "key": agency.key, "state": agency.state,
                   "kind": agency.kind, "federal": agency.federal},
        "custodian": "FOIA Officer" if agency.federal else "Custodian of Records",
        "period_start": min(times).date().isoformat() if times else "[start date]",
        "period_end": max(times).date().isoformat() if times else "[end date]",
        "total": len(cited), "attachment": attachment.name, "redacted": engine.redact,
        "producers": sorted({p for s in cited for p in (s["producers"] or "").split("; ") if p}),
        "flag_counts": [f"{name} ({count})" for name, count in sorted(flag_totals.items())],
        "findings": findings, "finding": {f["key"]: f for f in findings}, "agreements": agreements,
        "per_search": sum(1 for s in cited if set(s["findings"]) & set(PER_SEARCH_FINDINGS)),
        "shown": _shown(cited, cap),
    }


def _write_letter(engine: Engine, out_dir: Path, slug: str, agency: Agency, cited: list[dict[str, Any]],
                  agreements: list[dict[str, Any]], drafted: dt.date, cap: int) -> Letter:
    attachment = out_dir / f"{slug}-searches.csv"
    context = _letter_context(engine, agency, cited, attachment, agreements, drafted, cap)
    _write_csv(attachment, ATTACHMENT_COLUMNS, [
        [s["search_id"], _fmt_time(s["search_time"]), s["agency"], s["reason"], s["networks_searched"], s["flags"],
         s["producers"], s["found_in"], s["search_uid"], ", ".join(s["findings"]),
         "local time, zone unknown" if s.get("zone_unknown") else "UTC"] for s in cited])
    letter_md = out_dir / f"{slug}.md"
    letter_txt = out_dir / f"{slug}.txt"
    letter_md.write_text(render("letter.md.j2", esc=md_text, **context), encoding="utf-8")
    letter_txt.write_text(render("letter.txt.j2", esc=_line, **context), encoding="utf-8")
    return Letter(agency=agency.name, state=agency.state, federal=agency.federal, law=context["law"],
                  searches=len(cited), flags=", ".join(sorted({f for s in cited for f in s["flags"].split(", ")})),
                  letter_md=letter_md, letter_txt=letter_txt, attachment=attachment, agency_key=agency.key,
                  labels=agency.labels, findings={f["key"]: f["count"] for f in context["findings"]},
                  route=context["route"])


def _tracking_row(letter: Letter, drafted: dt.date) -> dict[str, Any]:
    return {"agency": letter.agency, "agency_key": letter.agency_key, "audit_log_names": "; ".join(letter.labels),
            "state": letter.state or "", "law": letter.law["law_name"], "citation": letter.law["citation"],
            "law_needs_review": "yes" if letter.law["needs_review"] else "no",
            "residents_only": letter.route.get("residents_only", ""), "searches_cited": letter.searches,
            "findings": ", ".join(f"{k} ({n})" for k, n in letter.findings.items()), "flags": letter.flags,
            "letter": letter.letter_md.name, "attachment": letter.attachment.name, "drafted": drafted.isoformat(),
            "sent": "", "status": "", "due_date": "", "notes": ""}


def _slug_name(agency: Agency) -> str:
    """File names say the agency and, for a state or local one, its state (two Portland Police Departments)."""
    if agency.federal or not agency.state or agency.state.lower() in agency.name.lower().split():
        return agency.name
    return f"{agency.name} {agency.state}"


def _wanted(agency: Agency, wanted: set[str]) -> set[str]:
    """The ``--agency`` names that pick this agency: a label, the display name or the agency key."""
    return wanted & {n.lower().strip() for n in (*agency.labels, agency.name, agency.key)}


def _by_agency(engine: Engine, searches: list[dict[str, Any]],
               agencies: tuple[str, ...]) -> tuple[dict[str, tuple[Agency, list[dict[str, Any]]]], list[str]]:
    """agency_key -> (Agency, its searches), limited to ``agencies`` when given; and the names that picked none."""
    info = agencies_for(engine, list(dict.fromkeys(s["agency"] for s in searches)))
    wanted = {a.lower().strip() for a in agencies}
    grouped: dict[str, tuple[Agency, list[dict[str, Any]]]] = {}
    picked: set[str] = set()
    for s in searches:
        agency = info[s["agency"]]
        hits = _wanted(agency, wanted)
        if wanted and not hits:
            continue
        picked |= hits
        grouped.setdefault(agency.key, (agency, []))[1].append(s)
    return grouped, [a for a in agencies if a.lower().strip() not in picked]


def default_flags() -> tuple[str, ...]:
    """The flags that call for a letter unless --flag says otherwise: those whose file says `followup: default`."""
    return tuple(spec.name for spec in flag_specs() if spec.followup)


def _checked_flags(engine: Engine, flags: tuple[str, ...]) -> tuple[str, ...]:
    """The flags asked for (or the default ones), each a flag file's or one the ``flags`` view gives."""
    known = [spec.name for spec in flag_specs()]
    flags = tuple(dict.fromkeys(flags or default_flags()))
    present = {r[0] for r in engine.con.execute("SELECT DISTINCT flag FROM flags").fetchall()}
    unknown = [f for f in flags if f not in known and f not in present]
    if unknown:
        raise LprlogsError(f"unknown flag {unknown[0]!r}", hint="flags: " + ", ".join(known))
    return flags


def write_followup(engine: Engine, out_dir: Path, *, flags: tuple[str, ...] = (), agencies: tuple[str, ...] = (),
                   drafted: dt.date | None = None, cap: int = LETTER_CAP,
                   appeal_threshold: float = APPEAL_THRESHOLD) -> FollowupResult:
    """Write the letters, their attachments, tracking.csv and appeal drafts into ``out_dir``."""
    # producers' state-law letters: in a default run, or for the state_law_* flags asked for
    law_flags = tuple(f for f in flags if f.startswith("state_law_")) if flags else ("state_law_",)
    flags = _checked_flags(engine, flags)
    drafted = drafted or dt.date.today()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = FollowupResult(out_dir=out_dir)

    grouped, result.unmatched_agencies = _by_agency(engine, flagged_searches(engine, flags), agencies)
    result.skipped_rows_without_agency = rows_without_agency(engine, flags)
    agreements = agreements_287g(engine, [label for agency, _ in grouped.values() for label in agency.labels])
    taken: set[str] = set()
    for agency, cited in sorted(grouped.values(), key=lambda pair: (pair[0].name.lower(), pair[0].key)):
        found = [a for label in agency.labels for a in agreements.get(label, [])]
        result.letters.append(_write_letter(engine, out_dir, slugify(_slug_name(agency), taken), agency,
                                            _merge_duplicates(cited), list({str(a): a for a in found}.values()),
                                            drafted, cap))
    result.tracking = out_dir / "tracking.csv"
    rows = _merge_tracking(result.tracking, [_tracking_row(x, drafted) for x in result.letters])
    _write_csv(result.tracking, TRACKING_COLUMNS, [[r.get(c, "") for c in TRACKING_COLUMNS] for r in rows])
    result.appeals = _write_appeals(engine, out_dir, agencies, drafted, appeal_threshold)
    if law_flags:
        result.law_letters = write_law_letters(engine, out_dir, drafted.isoformat(),
                                               {a.lower().strip() for a in agencies}, law_flags)
    return result


def _release_lines(releases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    lines = []
    for release in releases:
        fields = [{"label": APPEAL_FIELDS[f], "masked": f"{m:,}", "share": f"{m / release['rows']:.0%}"}
                  for f, m in release["masked"].items() if m]
        lines.append({"log_kind": (release["log_kind"] or "audit log").replace("_", " "),
                      "files": release["files"], "rows": f"{release['rows']:,}", "fields": fields})
    return lines


def _write_appeals(engine: Engine, out_dir: Path, agencies: tuple[str, ...], drafted: dt.date,
                   threshold: float) -> list[Appeal]:
    """An appeal draft per over-redacted producer, addressed along its state's route (appeal_routes.csv)."""
    producers = over_redacted_producers(engine, threshold)
    info = agencies_for(engine, [p["producer"] for p in producers])
    wanted = {a.lower().strip() for a in agencies}
    appeals: list[Appeal] = []
    taken: set[str] = set()
    for p in producers:
        agency = info[p["producer"]]
        if wanted and not _wanted(agency, wanted):
            continue
        law, route = law_for(agency.state, agency.federal), route_for(agency.state, agency.federal)
        releases = _release_lines(p["releases"])
        labels = sorted({f["label"].split(" (")[0].lower() for r in releases for f in r["fields"]})
        path = out_dir / f"appeal-{slugify(_slug_name(agency), taken)}.md"
        path.write_text(render(
            "appeal.md.j2", esc=md_text, drafted=drafted.isoformat(), law=law, route=route,
            custodian="FOIA Officer" if agency.federal else "Custodian of Records",
            agency={"name": agency.name, "labels": [p["producer"]], "state": agency.state, "kind": agency.kind,
                    "federal": agency.federal}, releases=releases, field_labels=labels), encoding="utf-8")
        appeals.append(Appeal(producer=agency.name, state=agency.state, path=path,
                              rows=sum(r["rows"] for r in p["releases"]), route=route, shares={
                                  f"{r['log_kind']}:{f}": m / r["rows"] for r in p["releases"]
                                  for f, m in r["masked"].items()}))
    return appeals


def write_law_letters(engine: Engine, out_dir: Any, drafted: str, wanted: set[str],
                      flags: tuple[str, ...] = ("state_law_",)) -> list[tuple[str, str, str, Any, int]]:
    """One draft per producer (``wanted``: these names only, when given: a display name, a name as in the log
    or an agency key) with possible conflicts under the ``flags`` (names or prefixes) in
    queries/reports/state_law.sql, asking for the records that would show an exception or compliance and
    citing the law; addressed by the producer's display name. Returns (name, state, citation, path, searches)."""
    columns, rows = engine.query(next(f for f in sql_files("reports") if f.name == "state_law").body)
    by_producer: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        item = dict(zip(columns, row, strict=True))
        if item["flag"] and item["flag"].startswith(flags):
            by_producer.setdefault(item["producer"], []).append(item)
    info = agencies_for(engine, list(by_producer))
    written, slugs = [], set()
    for producer, items in by_producer.items():
        agency = info[producer]
        if wanted and not _wanted(agency, wanted):
            continue
        law = law_for(agency.state, agency.federal)
        requests = [LETTER_REQUESTS[f] for f in LETTER_REQUESTS if any(i["flag"] == f for i in items)]
        requests.append("The audits of ALPR use and sharing that the state law or the agency's policy requires, "
                        "for the period of these searches.")
        path = out_dir / f"state-law-{slugify(_slug_name(agency), slugs)}.md"
        path.write_text(render("state_law.md.j2", drafted=drafted, law=law, rules=items, esc=md_text,
                               route=route_for(agency.state, agency.federal), requests=requests,
                               agency={"name": agency.name, "labels": [producer], "state": agency.state or "state",
                                       "kind": agency.kind}), encoding="utf-8")
        written.append((agency.name, agency.state or "", law["citation"], path,
                        sum(int(i["searches"]) for i in items)))
    return written
