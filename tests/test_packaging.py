"""What the wheel ships: every file under queries/ and the report templates must match the package
data patterns in pyproject.toml (tests run from the source tree, so a missing pattern hides there)."""

from __future__ import annotations

import tomllib
from pathlib import PurePosixPath

from helpers import ROOT


def _covered(relative: str, patterns: list[str]) -> bool:
    path = PurePosixPath(relative)
    for pattern in patterns:
        if pattern.startswith("**/"):
            if path.match(pattern[3:]):
                return True
        elif "/" not in relative and path.match(pattern):
            return True
        elif "/" in pattern and path.match(pattern):
            return True
    return False


def test_every_query_file_and_template_ships_in_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    package_data = config["package-data"]
    for package, folder in (("lprlogs.queries", ROOT / "queries"), ("lprlogs.report", ROOT / "lprlogs" / "report")):
        patterns = package_data[package]
        files = [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py"]
        missing = [str(p.relative_to(folder)) for p in files if not _covered(str(p.relative_to(folder)), patterns)]
        assert not missing, f"{package}: not in package-data {patterns}: {missing}"
