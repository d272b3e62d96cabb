"""Where lprlogs' own files are: the queries/ folder (SQL files and the data tables beside them).

A leaf module (no lprlogs imports), so that code which only reads data tables, such as the
classification of organisation names, needs neither the engine nor the store."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def queries_dir() -> Path:
    """The queries/ folder: top level in a source checkout, lprlogs/queries inside an installed wheel."""
    top = Path(__file__).resolve().parents[1]
    checkout = top / "queries"
    if checkout.is_dir() and (top / "pyproject.toml").exists():
        return checkout
    return Path(str(resources.files("lprlogs") / "queries"))
