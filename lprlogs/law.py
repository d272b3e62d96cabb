"""The state-law table (queries/law/state_alpr_laws.csv) as the flags see it: the rules in force for the
store's producers (``lprlogs law``), and the check of the ``law_confidence`` parameter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .engine import queries_dir
from .errors import LprlogsError

if TYPE_CHECKING:
    from .engine import Engine

LAW_CONFIDENCE_LEVELS = ("high", "medium", "low")


def check_params(params: dict[str, str]) -> None:
    """A mistyped ``law_confidence`` must be a one-line error before any SQL runs (the SQL checks it too)."""
    value = params.get("law_confidence")
    if value is not None and value.strip().lower() not in LAW_CONFIDENCE_LEVELS:
        raise LprlogsError(f"law_confidence must be high, medium or low, not {value!r}",
                           hint="-p law_confidence=low also counts the law table's unreviewed and low-confidence rules")


def rules_in_force(engine: Engine) -> tuple[list[str], list[tuple[Any, ...]]]:
    """One row per producer and law-table version in force during its searches (queries/law/producer_rules.sql),
    with the rules' confidence, review status and which of them flag at the ``law_confidence`` in force."""
    sql = (queries_dir() / "law" / "producer_rules.sql").read_text(encoding="utf-8")
    return engine.query(sql)
