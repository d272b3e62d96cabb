"""A damaged store is explained, not reported as a bug (issue 18, item 16): a manifest of the wrong shape,
a stored Parquet file deleted or truncated. The message names the file and what to do; commands that do
not need the damaged part still work (`sources` always)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import copy_store, flock_row, write_flock_csv

from lprlogs.engine.derived import DerivedState
from lprlogs.ingest import ingest
from lprlogs.store import Store

CONWAY = "11_1_2025-11_30_2025-Conway AR PD-Network-Audit.csv"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two audits (in/) ingested once (store/); every test damages its own copy."""
    base = tmp_path_factory.mktemp("damaged")
    write_flock_csv(base / "in", CONWAY, [flock_row(reason="ICE detainer"), flock_row(reason="stolen car")])
    write_flock_csv(base / "in", "11_1_2025-11_30_2025-Lowell AR PD-Network-Audit.csv",
                    [flock_row(reason="burglary", org="Lowell AR PD")])
    ingest([str(base / "in")], base / "store")
    return base


@pytest.fixture
def ingested(built: Path, tmp_path: Path, store_dir: Path) -> Path:
    """A copy of the built store at ``store_dir``, its audits beside it in ``tmp_path / "in"``."""
    shutil.copytree(built / "in", tmp_path / "in")
    return copy_store(built / "store", store_dir)


def _conway_file(store_dir: Path) -> Path:
    entry = next(s for s in Store.open(store_dir).ingested() if s["path"].endswith(CONWAY))
    return store_dir / entry["files"]["searches"][0]


@pytest.mark.parametrize("text", ["[]", "{}", '{"sources": 5, "batches": []}', '{"sources": [1], "batches": []}',
                                  '{"sources": [], "batches": {}}', "\xff\xfe", '{"sources": ['])
def test_a_manifest_of_the_wrong_shape_is_named(run_cli, ingested: Path, text: str) -> None:
    (ingested / "manifest.json").write_bytes(text.encode("latin-1"))
    for args in (["sources"], ["query", "SELECT 1"], ["flags"], ["ingest", str(ingested.parent / "in")]):
        result = run_cli(*args)
        assert result.exit_code == 1, args
        assert "manifest" in result.output and "internal error" not in result.output
        assert "manifest.json" in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["deleted", "truncated", "emptied"])
def test_a_damaged_stored_file_is_named_and_the_rest_still_works(run_cli, ingested: Path, tmp_path: Path,
                                                                 damage: str) -> None:
    target = _conway_file(ingested)
    name = target.relative_to(ingested).as_posix()
    if damage == "deleted":
        target.unlink()
    else:
        with open(target, "r+b") as fh:
            fh.truncate(0 if damage == "emptied" else target.stat().st_size // 2)
    sources = run_cli("sources", "--format", "csv")
    assert sources.exit_code == 0 and CONWAY in sources.output and "Lowell" in sources.output
    assert run_cli("batches").exit_code == 0
    problem = "missing" if damage == "deleted" else "truncated"
    for args in (["query", "SELECT count(*) FROM searches"], ["flags"], ["report", "-o", str(tmp_path / "r")],
                 ["rebuild"]):
        result = run_cli(*args)
        assert result.exit_code == 1, (args, result.output)
        error = result.output.strip().splitlines()[-1]
        assert "internal error" not in result.output
        assert f"{name} is {problem}" in error and CONWAY in error and "--force" in error, error
    # the advice works: the source read again, every command answers again
    assert run_cli("ingest", str(tmp_path / "in" / CONWAY), "--force", "-q").exit_code == 0
    result = run_cli("query", "SELECT count(*) FROM searches", "--format", "csv")
    assert result.exit_code == 0 and result.output.splitlines()[-1] == "3"


def test_a_lost_derived_file_is_computed_again_not_an_error(run_cli, ingested: Path) -> None:
    stamp = json.loads((ingested / "derived" / "stamp.json").read_text())
    for name in stamp["sizes"]:
        (ingested / name).write_bytes(b"not parquet")
    result = run_cli("query", "SELECT count(*) FROM agencies", "--format", "csv")
    assert result.exit_code == 0 and int(result.output.splitlines()[-1]) >= 2
    assert run_cli("rebuild").exit_code == 0
    assert {"duplicates", "agencies", "agreements"} <= set(DerivedState.load(Store.open(ingested)).tables)
