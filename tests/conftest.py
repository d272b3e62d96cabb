"""Shared fixtures (a temporary store, the CLI runner, the real files in ../shared/realdata) and the
automatic `realdata` marker. Builders live in helpers.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import REALDATA, close_engines


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that reads the real files (through the `realdata` fixture, even via a module fixture) is
    marked `realdata`, so `-m "not realdata"` leaves them out."""
    for item in items:
        if "realdata" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.realdata)


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not here (a user's fresh clone); CI always has it")
    return REALDATA


@pytest.fixture(autouse=True)
def _close_cached_engines() -> Iterator[None]:
    """helpers.query keeps one engine per store; close them after each test."""
    yield
    close_engines()


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
