"""The documentation stays true: every command and flag is documented, docs/commands.md is the live
--help, links point to files that exist, and the README stays a short first screen with its two commands."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from lprlogs.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"

# The README's two commands; .ci/run runs the second. They must stay exactly as users copy them.
README_COMMANDS = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install . && lprlogs analyze samples/ -o report/",
    "python3 -m venv .venv && . .venv/bin/activate && pip install '.[test]' && python -m pytest -q",
)
README_MAX_LINES = 160
# [text](target): the target up to a space, a closing parenthesis or an anchor
LINK = re.compile(r"\[[^\]]*\]\(([^)\s#]*)(#[^)\s]*)?\)")


def _commands() -> list[tuple[str, ...]]:
    """Every command path, from click's own description of the group (not the generator's walk)."""

    def paths(node: dict, prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
        found = []
        for name, sub in node.get("commands", {}).items():
            found += [(*prefix, name), *paths(sub, (*prefix, name))]
        return found

    return paths(cli.to_info_dict(click.Context(cli, **cli.context_settings)), ())


def _doc_pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


@pytest.mark.slow
def test_commands_md_is_the_live_help() -> None:
    # a fresh process, as a person runs it: click caches each command's help option per process
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    expected = subprocess.run([sys.executable, str(DOCS / "gen_commands.py")], cwd=ROOT, env=env,
                              capture_output=True, text=True, encoding="utf-8", check=True).stdout
    actual = (DOCS / "commands.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/commands.md is out of date: python docs/gen_commands.py > docs/commands.md"


def test_commands_are_found_in_nested_groups() -> None:
    # the walk must reach subcommands, or the test above would pass on a partial page
    assert ("agencies", "classify") in _commands()


@pytest.mark.parametrize("path", _commands(), ids=" ".join)
def test_every_command_is_in_commands_md(path: tuple[str, ...]) -> None:
    text = (DOCS / "commands.md").read_text(encoding="utf-8")
    assert f"## lprlogs {' '.join(path)}\n" in text


def test_every_flag_is_documented() -> None:
    flags = sorted(p.stem for p in (ROOT / "queries" / "flags").glob("*.sql") if not p.name.startswith("_"))
    assert len(flags) >= 14, flags
    generated = DOCS / "flags.md"
    pages = [generated] if generated.exists() else sorted(DOCS.glob("*.md"))
    text = "\n".join(p.read_text(encoding="utf-8") for p in pages)
    missing = [flag for flag in flags if f"`{flag}`" not in text]
    assert not missing, f"flags not named in {', '.join(p.name for p in pages)}: {missing}"


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail into docs/"


@pytest.mark.parametrize("command", README_COMMANDS)
def test_readme_commands_verbatim(command: str) -> None:
    assert command in README.read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "'.[test]'" in ci and "python -m pytest -q" in ci


@pytest.mark.parametrize("page", _doc_pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_point_to_files(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    targets = [m.group(1) for m in LINK.finditer(text)]
    relative = [t for t in targets if t and not re.match(r"[a-z]+:", t)]
    broken = [t for t in relative if not (page.parent / t).exists()]
    assert not broken, f"{page.name}: links to missing files: {broken}"


def test_link_pattern_finds_links() -> None:
    # guard against a pattern that matches nothing and lets every page pass
    found = [m.group(1) for m in LINK.finditer("see [a](docs/x.md#y), [b](https://e.org) and [c](../z.md)")]
    assert found == ["docs/x.md", "https://e.org", "../z.md"]
    readme_links = [m.group(1) for m in LINK.finditer(README.read_text(encoding="utf-8"))]
    assert "docs/commands.md" in readme_links
