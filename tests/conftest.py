"""Shared fixtures: a temporary store, the CLI runner, and the real files in ../shared/realdata."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REALDATA = Path(os.environ.get("LPRLOGS_REALDATA", ROOT.parent / "shared" / "realdata"))


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not here (a user's fresh clone); CI always has it")
    return REALDATA


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def run_cli(runner: CliRunner, store_dir: Path):
    """Invoke `lprlogs ARGS...` against the temporary store; returns click's Result."""
    from lprlogs.cli import cli

    def invoke(*args: str, input: str | None = None, store: bool = True):
        argv = list(args)
        if store and "--store" not in argv:
            argv += ["--store", str(store_dir)]
        return runner.invoke(cli, argv, input=input, catch_exceptions=False)

    return invoke
