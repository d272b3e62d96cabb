"""The test suite's own conventions: one import style for the shared builders, markers declared."""

from __future__ import annotations

import re
import tomllib

from helpers import ROOT

TESTS = ROOT / "tests"


def test_builders_come_from_helpers_only() -> None:
    """`from helpers import ...` only: `tests.helpers` would load a second copy of the module (its engine
    cache never closed), and a test module importing another runs that module's fixtures' imports twice."""
    files = sorted(TESTS.glob("*.py"))
    assert len(files) > 20
    pattern = re.compile(r"^\s*(?:from|import) (?:tests\b|test_\w+|conftest\b).*$", re.M)
    offenders = {p.name: m.group(0).strip() for p in files for m in [pattern.search(p.read_text("utf-8"))] if m}
    assert not offenders, f"import shared builders with `from helpers import ...`: {offenders}"


def test_markers_are_declared() -> None:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["pytest"]["ini_options"]
    assert "--strict-markers" in options["addopts"]
    assert {m.split(":")[0] for m in options["markers"]} >= {"slow", "realdata", "browser"}
