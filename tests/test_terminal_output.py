"""Data printed to a terminal is text: markup in a reason or a file name is shown as typed, and control
characters (ESC, OSC) are shown as escapes, never obeyed by the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import flock_row, write_flock_csv

from lprlogs.output import render, terminal_safe


@pytest.mark.slow
def test_markup_in_a_reason_is_printed_not_obeyed(run_cli, tmp_path: Path) -> None:
    write_flock_csv(tmp_path / "in", "11_1_2025-11_30_2025-Dover DE PD-Network-Audit.csv",
                    [flock_row(reason="[/bold] ICE [b]x[/b]"), flock_row(reason="stolen \x1b]0;owned\x07 car")])
    assert run_cli("ingest", str(tmp_path / "in"), "-q").exit_code == 0
    result = run_cli("query", "select reason from searches order by reason")
    assert result.exit_code == 0, result.output
    assert "[/bold] ICE [b]x[/b]" in result.output
    assert "\x1b" not in result.output and "\\x1b]0;owned\\x07" in result.output


def test_file_names_with_markup_and_escapes_are_shown_safely(run_cli, tmp_path: Path) -> None:
    name = "11_1_2025-11_30_2025-[b]Dover DE PD\x1b[2J-Network-Audit.csv"
    write_flock_csv(tmp_path / "in", name, [flock_row()])
    result = run_cli("ingest", str(tmp_path / "in"))
    assert result.exit_code == 0, result.output
    assert "[b]Dover DE PD\\x1b[2J" in result.output
    assert "\x1b" not in result.output


def test_tables_fit_the_terminal_and_right_align_numbers(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    text = render(["producer", "rows"], [("A very long producer name " * 4, 1234567), ("B", 5)], "table")
    lines = text.splitlines()
    assert lines and max(len(line) for line in lines) <= 80
    assert "1,234,567" in text
    row_b = next(line for line in lines if "│ B" in line)
    assert row_b.rstrip("│ ").endswith("5")  # right-aligned: the number sits at the column's right edge
    assert render(["rows"], [(1234567,)], "csv") == "rows\n1234567"  # machine formats stay exact


def test_terminal_safe_escapes_controls_and_bidi_overrides() -> None:
    assert terminal_safe("a\x1b[31mb\x07c\u202ed\te\nf") == "a\\x1b[31mb\\x07c\\u202ed\te\nf"
