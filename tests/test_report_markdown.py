"""brief.md and the letters: names read as typed when pasted (no backslash before a bracket or a parenthesis),
and nothing from the data renders as anything but its text, checked with a CommonMark renderer (markdown-it,
with GitHub's tables and strikethrough) at the start of a line, inside one and in a table cell."""

from __future__ import annotations

import html
import re

import pytest

from lprlogs.report.escape import md_text

HOSTILE = [
    "[Federal] Homeland Security Investigations (HSI)", "DNU - Cobb County GA SO", "Acme PD [Inactive]",
    "# Heading", "## Two", "- item", "+ item", "* item", "1. first", "2) second", "> quote", "a | b | c",
    "*emphasis* and _under_", "**bold**", "`code`", "<script>alert(1)</script>", "<http://x.example>",
    "[link](http://x.example)", "![img](http://x.example/i.png)", "[ref]: http://x.example", "&amp; &#38; & plain",
    "~~struck~~", "back\\slash\\", "http://x.example/path", "www.x.example", "mail@x.example", "=== heading?",
    "---", "a_b_c _d_ e", "x__y__z", "word_ _word", "_x_y", "Texas City TX PD", "inmigración & aduanas", "O'Brien County IA SO", "St. Louis County MO PD",
]

ESCAPED_FOR_NOTHING = ["[Federal] Homeland Security Investigations (HSI)", "DNU - Cobb County GA SO",
                       "Acme PD [Inactive]", "Texas City TX PD", "St. Louis County MO PD", "O'Brien County IA SO",
                       "inmigración & aduanas", "2024-11-01 (UTC)", "Mesa AZ PD (Maricopa County)",
                       "11_1_2025-11_30_2025-Mountain View CA PD-Network-Audit.csv"]


@pytest.fixture(scope="module")
def render():
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return md.render


def _text(rendered: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


@pytest.mark.parametrize("value", ESCAPED_FOR_NOTHING)
def test_plain_names_are_not_escaped(value: str) -> None:
    assert md_text(value) == value


@pytest.mark.parametrize("value", HOSTILE)
def test_text_renders_as_itself_wherever_it_stands(render, value: str) -> None:
    escaped = md_text(value)
    for source, expected_tags in ((escaped, {"p"}), (f"Most came from {escaped} (3).", {"p"}),
                                  (f"- **Title**: {escaped}", {"ul", "li", "strong"})):
        rendered = render(source)
        tags = set(re.findall(r"<(\w+)", rendered))
        assert tags <= expected_tags, (value, source, rendered)
        assert value in _text(rendered), (value, rendered)
    table = render(f"| name | n |\n|---|---|\n| {escaped} | 3 |\n")
    assert re.findall(r"<td>", table) == ["<td>", "<td>"], table
    assert value in _text(table)
