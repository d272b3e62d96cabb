"""Precision and recall of the immigration tiers on the labelled set tests/data/immigration_reasons.csv.

Every reason of the set goes into one hand-made store (one row each, as the reason of a search), the
`flags` view is read once, and each row's tier (`immigration`, `immigration_agency`,
`immigration_review` or none) is compared with its label. `ambiguous` rows are left out of every
figure. The dev and holdout splits are reported separately; the bar applies to each: for
`immigration` precision >= 0.98 and recall >= 0.97, for `immigration_agency` recall >= 0.95. Every
miss and false flag is printed (run with -s to see them when the test passes).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from helpers import flags_of, write_searches

DATA = Path(__file__).parent / "data" / "immigration_reasons.csv"
TIERS = ("immigration", "immigration_agency", "immigration_review")
BAR = {("immigration", "precision"): 0.98, ("immigration", "recall"): 0.97, ("immigration_agency", "recall"): 0.95}


def load_set() -> list[dict[str, str]]:
    with open(DATA, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def tier_of(flags: dict[str, str]) -> str:
    found = [t for t in TIERS if t in flags]
    assert len(found) <= 1, f"more than one immigration tier: {flags}"
    return found[0] if found else "none"


def scores(rows: list[dict[str, str]], got: dict[str, str]) -> dict[tuple[str, str], tuple[float, int, int]]:
    """(tier, precision|recall) -> (figure, hits, total), ambiguous rows left out."""
    result: dict[tuple[str, str], tuple[float, int, int]] = {}
    scored = [r for r in rows if r["label"] != "ambiguous"]
    for tier in TIERS:
        flagged = [r for r in scored if got[r["reason"]] == tier]
        labelled = [r for r in scored if r["label"] == tier]
        right = sum(r["label"] == tier for r in flagged)
        found = sum(got[r["reason"]] == tier for r in labelled)
        result[(tier, "precision")] = (right / len(flagged) if flagged else 1.0, right, len(flagged))
        result[(tier, "recall")] = (found / len(labelled) if labelled else 1.0, found, len(labelled))
    return result


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, str]], dict[str, str]]:
    rows = load_set()
    store_dir = tmp_path_factory.mktemp("immigration_set") / "store"
    keys = write_searches(store_dir, [{"reason": r["reason"]} for r in rows])
    flags = flags_of(store_dir)
    return rows, {r["reason"]: tier_of(flags.get(k, {})) for k, r in zip(keys, rows, strict=True)}


def test_the_set_is_big_enough_and_well_formed() -> None:
    rows = load_set()
    reasons = [r["reason"] for r in rows]
    assert len(set(reasons)) == len(reasons) >= 800
    assert {r["label"] for r in rows} <= {*TIERS, "none", "ambiguous"}
    assert {r["split"] for r in rows} == {"dev", "holdout"}
    assert sum(r["label"] in TIERS for r in rows) >= 250
    assert sum(r["label"] == "none" for r in rows) >= 500
    assert all(r["source"].strip() for r in rows)
    assert 0.15 <= sum(r["split"] == "holdout" for r in rows) / len(rows) <= 0.25


@pytest.mark.slow
@pytest.mark.parametrize("split", ["dev", "holdout"])
def test_precision_and_recall(measured: tuple[list[dict[str, str]], dict[str, str]], split: str) -> None:
    rows, got = measured
    part = [r for r in rows if r["split"] == split]
    wrong = [r for r in part if r["label"] != "ambiguous" and got[r["reason"]] != r["label"]]
    figures = scores(part, got)
    print(f"\n{split}: {len(part)} reasons")
    for (tier, kind), (value, hits, total) in figures.items():
        print(f"  {tier:20} {kind:9} {value:.3f} ({hits}/{total})")
    for r in wrong:
        print(f"  label {r['label']:20} got {got[r['reason']]:20} {r['reason']!r}")
    failed = [f"{t} {k} {figures[(t, k)][0]:.3f} < {bar}" for (t, k), bar in BAR.items() if figures[(t, k)][0] < bar]
    assert not failed, failed
