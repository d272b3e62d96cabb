"""Property tests of the one spreadsheet-neutralising rule: for any text, the Python function and its
SQL twin agree, nothing dangerous survives, and safe text is left exactly as it was."""

from __future__ import annotations

import re

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lprlogs.report.escape import FORMULA_START, NEUTRALIZE_PREFIX, neutralize, neutralize_sql

DANGEROUS = re.compile(FORMULA_START)
# text weighted towards the characters that matter; no lone surrogates (no decoded file holds one, and
# DuckDB refuses them: the property test failed on '\ud800' now and then)
texts = st.text(alphabet=st.sampled_from(list("=+-@\t\r'aZ1 (),\"é")) | st.characters(exclude_categories=("Cs",)),
                max_size=12)


@given(texts)
def test_neutralized_text_never_starts_a_formula(text: str) -> None:
    out = neutralize(text)
    assert not DANGEROUS.match(out)
    if DANGEROUS.match(text):
        assert out == NEUTRALIZE_PREFIX + text  # nothing lost: the original follows the prefix
    else:
        assert out == text  # safe text is untouched


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=1, max_size=20))
def test_sql_twin_agrees_with_python(values: list[str]) -> None:
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT v, {neutralize_sql('v')} FROM (SELECT unnest($values) AS v)", {"values": values}
    ).fetchall()
    assert [out for _, out in rows] == [neutralize(v) for v, _ in rows]


def test_non_text_values_pass_through() -> None:
    assert neutralize(None) is None
    assert neutralize(-5) == -5
    assert neutralize(2.5) == 2.5


def test_owasp_injection_forms_are_neutralised() -> None:
    # the payloads of OWASP's CSV-injection page and their full-width forms; a minus followed by a digit
    # was missed before (the rule then asked for a letter after it)
    payloads = ["-2+3+cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "+1+1", "@SUM(1+1)", "\t=1", "\r=1",
                " =1", "\n-1+1", "\uff1dSUM(A1)", "\uff0b1", "\uff0d1", "\uff20x", "-"]
    for payload in payloads:
        assert neutralize(payload) == NEUTRALIZE_PREFIX + payload, payload
    assert neutralize("ICE - assist") == "ICE - assist"
    assert neutralize("'=already quoted") == "'=already quoted"
