"""The state-law table (queries/law/state_alpr_laws.csv) as the flags see it: the rules in force for the
store's producers (``lprlogs law``), and the check of the ``law_confidence`` parameter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import LprlogsError
from .paths import queries_dir

if TYPE_CHECKING:
    from .engine import Engine

LAW_CONFIDENCE_LEVELS = ("high", "medium", "low")
# what `lprlogs law` prints in a terminal table; --format csv/json gives every column
TABLE_COLUMNS = ("producer", "state", "law", "effective_from", "confidence", "reviewed", "flags_at_this_level")


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


# what to ask a producer for, per state_law_* flag: the records that would show an exception or compliance
LETTER_REQUESTS = {
    "state_law_out_of_state": "Every sharing agreement, access grant or network setting (including national and "
                              "statewide lookup) that let out-of-state agencies search the agency's ALPR data, with "
                              "the dates each began and was revoked, and every written declaration, certification "
                              "or request the law requires from an out-of-state agency before sharing.",
    "state_law_federal": "Every agreement, access grant, vendor pilot or request under which federal agencies could "
                         "search the agency's ALPR data, with the dates each began and was revoked, and any warrant "
                         "or court order relied on.",
    "state_law_immigration": "Records of the searches listed above made for, or on behalf of, immigration "
                             "authorities: the requests, the case files they cite, and any warrant or declaration "
                             "relied on.",
    "state_law_retention": "The agency's retention setting for ALPR data that matched no hotlist, with the date of "
                           "each change, and the purge or deletion logs, preservation requests and warrants under "
                           "which older data was kept.",
    "state_law_no_purpose": "The access records the law requires (with the purpose of each access) for the searches "
                            "listed above, and the audits of ALPR use the law or the agency's policy requires.",
}

