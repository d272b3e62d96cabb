"""Shared fixtures (a temporary store, the CLI runner, the real files in ../shared/realdata), the
automatic `realdata` marker, and two processes for plain `pytest`. Builders live in helpers.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import REALDATA, close_engines


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own, which turns -n into worker processes
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Plain `pytest` (the suite from pyproject's testpaths, whatever -m or -k selects) runs on two processes
    when pytest-xdist is installed and the machine has two cores or more: `pytest -m "not slow"` then takes
    about 45 s instead of about 85 s. A file's tests stay in one process (--dist loadscope), so its module
    fixtures are built once. Left alone: a run given files or folders (or started below the repository's
    root), -n (`-n 0` runs in one process), --dist, --tx, --pdb, --trace, -s, --stepwise, --collect-only,
    `-p no:xdist`, and xdist's own worker processes."""
    if (not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput")
            or config.args_source is not pytest.Config.ArgsSource.TESTPATHS
            or config.option.numprocesses is not None or config.option.dist != "no" or config.option.tx
            or config.getoption("capture", None) == "no" or (os.cpu_count() or 1) < 2
            or any(config.getoption(name, False) for name in ("usepdb", "trace", "stepwise", "collectonly"))):
        return
    config.option.numprocesses = 2
    config.option.dist = "loadscope"


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
