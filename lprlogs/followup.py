"""Follow-up records requests drafted from the findings: one letter per searching agency, a tracking sheet,
and appeal drafts for over-redacted releases.

For every agency that ran flagged searches (by default with the flags whose SQL file says
``followup: default``: immigration, federal_searcher, out_of_state_searcher, 287g_searcher), ``write_followup`` writes ``<slug>.md`` and ``<slug>.txt`` (a draft
request naming the state's public-records law from ``queries/followup/public_records_laws.csv``, or
federal FOIA), ``<slug>-searches.csv`` (every cited search with where it was found), ``tracking.csv`` (one
row per letter, with empty status and due-date columns for the newsroom), and ``appeal-<slug>.md`` for a
producer whose release masked names, case numbers or plates in most rows. The letters are rendered from
Jinja2 templates in ``queries/followup/``; data values are passed as variables, never as template code.
Every letter is a draft for a reporter to check.
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

from .engine import flag_specs, queries_dir
from .errors import LprlogsError
from .report.escape import md_code, md_text, neutralize
from .store import sql_literal

if TYPE_CHECKING:
    from .engine import Engine

LETTER_CAP = 25  # searches listed in a letter's body; all of them are in the attachment CSV
APPEAL_THRESHOLD = 0.9  # share of rows with a field masked that triggers an appeal draft
APPEAL_FIELDS = {"searcher_user": "Officer / user names (Name)", "case_number": "Case numbers (Case #)",
                 "license_plate": "License plates (License Plate)"}
FEDERAL = "US"
TRACKING_COLUMNS = ("agency", "state", "law", "citation", "law_needs_review", "searches_cited", "flags", "letter",
                    "attachment", "drafted", "sent", "status", "due_date", "notes")
ATTACHMENT_COLUMNS = ("search_id", "search_time", "searcher_org", "reason", "networks_searched", "flags",
                      "producers", "found_in", "search_uid")

_STATE_CODES = ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM "
                "NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY").split()
_FEDERAL_NAME = re.compile(r"^\s*\[federal\]|\b(FBI|DEA|ATF|HSI|ICE|CBP|USBP|USMS|DHS|U\.?S\.? (Marshals?|Postal|"
                           r"Customs|Border|Immigration|Secret Service|Department|Dept))\b|^US |^United States ",
                           re.IGNORECASE)


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


@dataclass
class Appeal:
    producer: str
    state: str | None
    path: Path
    rows: int
    shares: dict[str, float]


@dataclass
class FollowupResult:
    out_dir: Path
    letters: list[Letter] = field(default_factory=list)
    appeals: list[Appeal] = field(default_factory=list)
    tracking: Path | None = None
    unmatched_agencies: list[str] = field(default_factory=list)
    skipped_rows_without_agency: int = 0

    def summary_rows(self) -> tuple[list[str], list[tuple[Any, ...]]]:
        columns = ["kind", "agency", "state", "law", "searches", "file"]
        rows = [("letter", x.agency, x.state or "", x.law["citation"], x.searches, x.letter_md.name) for x in self.letters]
        rows += [("appeal", a.producer, a.state or "", "", a.rows, a.path.name) for a in self.appeals]
        return columns, rows


# --- the law table ---------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def public_records_laws() -> dict[str, dict[str, Any]]:
    """jurisdiction code (two-letter state, DC, or US for federal) -> law row."""
    path = queries_dir() / "followup" / "public_records_laws.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    laws = {}
    for row in rows:
        laws[row["jurisdiction"]] = {
            "jurisdiction": row["jurisdiction"], "jurisdiction_name": row["name"], "law_name": row["law_name"],
            "citation": row["citation"], "response_deadline": row["response_deadline"],
            "needs_review": row["needs_review"].strip().lower() in ("yes", "true", "1"), "notes": row["notes"],
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


def guess_state(name: str) -> str | None:
    """Fallback when the agencies view is missing: the last two-letter state code in the name."""
    codes = [c for c in re.findall(r"(?<![A-Za-z])([A-Z]{2})(?![A-Za-z])", name or "") if c in _STATE_CODES]
    return codes[-1] if codes else None


def guess_federal(name: str) -> bool:
    return bool(_FEDERAL_NAME.search(name or "")) and not re.search(r"federal way", name or "", re.IGNORECASE)


def slugify(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", (name or "").lower()).strip("-")[:60].strip("-") or "agency"
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
    return env


def render(template: str, **context: Any) -> str:
    return template_environment().get_template(template).render(**context)


# --- data ----------------------------------------------------------------------------------------

def _agency_info(engine: Engine, names: list[str]) -> dict[str, tuple[str | None, bool, str | None]]:
    """name -> (state, federal, kind), from the agencies view when it exists, else guessed from the name."""
    info = {n: (guess_state(n), guess_federal(n), None) for n in names}
    columns = {c for c, _ in engine.views().get("agencies", [])}
    if not names or not {"name", "state"} <= columns:
        return info
    federal = "federal" if "federal" in columns else "NULL"
    kind = "kind" if "kind" in columns else "NULL"
    listing = ", ".join(sql_literal(n) for n in names)
    rows = engine.con.execute(
        f"SELECT name, any_value(state), bool_or(coalesce(CAST({federal} AS BOOLEAN), false)), any_value({kind}) "
        f"FROM agencies WHERE name IN ({listing}) GROUP BY name").fetchall()
    for name, state, is_federal, agency_kind in rows:
        guessed_state, guessed_federal, _ = info[name]
        info[name] = (state or guessed_state, bool(is_federal) or agency_kind == "federal", agency_kind)
    return info


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


def _merge_tracking(path: Path, rows: list[list[Any]]) -> list[list[Any]]:
    """Keep what the newsroom typed into an existing tracking.csv: its sent/status/due-date/notes cells carry
    over to the new row of the same agency, and rows of agencies not drafted this time are kept as they were."""
    if not path.exists():
        return rows
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            old_rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise LprlogsError(f"existing tracking sheet is unreadable ({exc})", path=str(path),
                           hint="move it away or write the letters to another folder") from exc
    old = {r.get("agency", ""): r for r in old_rows}
    agency_at = TRACKING_COLUMNS.index("agency")
    merged = []
    for row in rows:
        previous = old.get(row[agency_at])
        if previous:
            for column in NEWSROOM_COLUMNS:
                row[TRACKING_COLUMNS.index(column)] = previous.get(column) or ""
        merged.append(row)
    drafted_now = {row[agency_at] for row in rows}
    merged += [[r.get(c) or "" for c in TRACKING_COLUMNS] for r in old_rows if r.get("agency") not in drafted_now]
    return merged


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
    flags = _checked_flags(engine, flags)
    drafted = drafted or dt.date.today()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = FollowupResult(out_dir=out_dir)

    searches = flagged_searches(engine, flags, agencies)
    result.skipped_rows_without_agency = rows_without_agency(engine, flags)
    found = {s["agency"].lower().strip() for s in searches}
    result.unmatched_agencies = [a for a in agencies if a.lower().strip() not in found]
    by_agency: dict[str, list[dict[str, Any]]] = {}
    for s in searches:
        by_agency.setdefault(s["agency"], []).append(s)

    taken: set[str] = set()
    info = _agency_info(engine, list(by_agency))
    agreements = agreements_287g(engine, list(by_agency))
    tracking_rows: list[list[Any]] = []
    for agency, cited in by_agency.items():
        state, federal, kind = info[agency]
        law = law_for(state, federal)
        slug = slugify(agency, taken)
        attachment = out_dir / f"{slug}-searches.csv"
        _write_csv(attachment, ATTACHMENT_COLUMNS, [
            [s["search_id"], _fmt_time(s["search_time"]), agency, s["reason"], s["networks_searched"], s["flags"],
             s["producers"], s["found_in"], s["search_uid"]] for s in cited])
        flag_totals: dict[str, int] = {}
        for s in cited:
            for f in s["flags"].split(", "):
                flag_totals[f] = flag_totals.get(f, 0) + 1
        times = [s["search_time"] for s in cited if s["search_time"] is not None]
        context = {
            "drafted": drafted.isoformat(), "agency": {"name": agency, "state": state, "kind": kind, "federal": federal},
            "custodian": "FOIA Officer" if federal else "Custodian of Records", "law": law,
            "period_start": min(times).date().isoformat() if times else "[start date]",
            "period_end": max(times).date().isoformat() if times else "[end date]",
            "total": len(cited), "attachment": attachment.name, "redacted": engine.redact,
            "producers": sorted({p for s in cited for p in (s["producers"] or "").split("; ") if p}),
            "flag_counts": [f"{name} ({count})" for name, count in sorted(flag_totals.items())],
            "agreements": agreements.get(agency, []),
            "shown": [{"search_id": s["search_id"] or "(no ID)", "date": _fmt_time(s["search_time"]) or "(no time)",
                       "reason": s["reason"] or "", "networks": s["networks_searched"] if s["networks_searched"]
                       is not None else "?", "flags": s["flags"], "locations": s["found_in"]} for s in cited[:cap]],
        }
        letter_md = out_dir / f"{slug}.md"
        letter_txt = out_dir / f"{slug}.txt"
        letter_md.write_text(render("letter.md.j2", **context), encoding="utf-8")
        letter_txt.write_text(render("letter.txt.j2", **context), encoding="utf-8")
        letter = Letter(agency=agency, state=state, federal=federal, law=law, searches=len(cited),
                        flags=", ".join(sorted(flag_totals)), letter_md=letter_md, letter_txt=letter_txt,
                        attachment=attachment)
        result.letters.append(letter)
        tracking_rows.append([agency, state or "", law["law_name"], law["citation"],
                              "yes" if law["needs_review"] else "no", len(cited), letter.flags, letter_md.name,
                              attachment.name, drafted.isoformat(), "", "", "", ""])

    result.tracking = out_dir / "tracking.csv"
    _write_csv(result.tracking, TRACKING_COLUMNS, _merge_tracking(result.tracking, tracking_rows))

    wanted = {a.lower().strip() for a in agencies}
    producers = [p for p in over_redacted_producers(engine, appeal_threshold)
                 if not wanted or p["producer"].lower().strip() in wanted]
    producer_info = _agency_info(engine, [p["producer"] for p in producers])
    appeal_slugs: set[str] = set()
    for p in producers:
        state, federal, kind = producer_info[p["producer"]]
        law = law_for(state, federal)
        releases = []
        for release in p["releases"]:
            fields = [{"label": APPEAL_FIELDS[f], "masked": f"{m:,}", "share": f"{m / release['rows']:.0%}"}
                      for f, m in release["masked"].items() if m]
            releases.append({"log_kind": (release["log_kind"] or "audit log").replace("_", " "),
                             "files": release["files"], "rows": f"{release['rows']:,}", "fields": fields})
        labels = sorted({f["label"].split(" (")[0].lower() for r in releases for f in r["fields"]})
        path = out_dir / f"appeal-{slugify(p['producer'], appeal_slugs)}.md"
        path.write_text(render(
            "appeal.md.j2", drafted=drafted.isoformat(), custodian="FOIA Officer" if federal else "Custodian of Records",
            agency={"name": p["producer"], "state": state, "kind": kind, "federal": federal}, law=law,
            releases=releases, field_labels=labels), encoding="utf-8")
        total = sum(r["rows"] for r in p["releases"])
        result.appeals.append(Appeal(producer=p["producer"], state=state, path=path, rows=total, shares={
            f"{r['log_kind']}:{f}": m / r["rows"] for r in p["releases"] for f, m in r["masked"].items()}))
    return result
