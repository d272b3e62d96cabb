"""The HTML report: one self-contained index.html (inline CSS and SVG charts, no scripts, no network)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import __version__
from .charts import bar_chart, column_chart
from .data import ReportData
from .escape import NEUTRALIZE_RULE, html_environment

TIER_NAMES = ["immigration purpose stated", "immigration agency named"]
TIER_COLUMNS = ["immigration_searches", "immigration_agency_searches"]


def data_quality_summary(data: ReportData) -> dict[str, Any]:
    rows = data.data_quality.dicts()
    notes = []
    for r in rows:
        for note in (r.get("notes") or "").split(" | "):
            if note.strip():
                notes.append({"path": r["path"], "note": note.strip()})
    return {
        "files": len(rows),
        "read": sum(int(r["rows_read"] or 0) for r in rows),
        "stored": sum(int(r["rows_stored"] or 0) for r in rows),
        "quarantined": sum(int(r["rows_quarantined"] or 0) for r in rows),
        "duplicates": sum(int(r["rows_duplicate"] or 0) for r in rows),
        "blanked": sum(int(r["rows_blanked"] or 0) for r in rows),
        "notes": notes,
    }


def render_html(data: ReportData) -> str:
    charts = {
        "imm_agency": bar_chart("Immigration-related searches by searching organisation",
                                data.immigration_by_agency.dicts(), "searcher_org", TIER_COLUMNS, names=TIER_NAMES),
        "imm_state": bar_chart("Immigration-related searches by the searching organisation's state",
                               data.immigration_by_state.dicts(), "state", TIER_COLUMNS, names=TIER_NAMES),
        "imm_month": column_chart("Immigration-related searches by month (UTC)",
                                  data.immigration_by_month.dicts(), "month", TIER_COLUMNS, names=TIER_NAMES),
    }
    template = html_environment().get_template("index.html")
    return template.render(data=data, charts_data=charts, sections=data.sections, dq=data_quality_summary(data),
                           neutralize_rule=NEUTRALIZE_RULE, version=__version__)


def write_html(data: ReportData, path: Path) -> Path:
    path.write_text(render_html(data), encoding="utf-8")
    return path
