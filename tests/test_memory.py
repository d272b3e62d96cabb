"""DuckDB's memory limit: one setting (`--memory`, `LPRLOGS_MEMORY`, else a share of the machine), read the
way DuckDB reads sizes, refused in one line when it is not a size or too small, set on every connection
lprlogs opens; a small store under the smallest limit gives the same answers as under the default."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import flock_row, write_flock_csv, write_release

from lprlogs import memory
from lprlogs.cli import cli
from lprlogs.diff import diff_since
from lprlogs.engine import Engine, connect
from lprlogs.errors import LprlogsError
from lprlogs.export import export_sqlite
from lprlogs.flags import flag_counts
from lprlogs.formats import flock
from lprlogs.ingest import ingest
from lprlogs.store import Store

GIB = 1 << 30
SMALLEST = "256MB"


@pytest.fixture(autouse=True)
def _forget_the_choice(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in (memory.ENV, memory.OLD_ENV):
        monkeypatch.delenv(name, raising=False)
    yield
    memory.choose(None)


def _limit(con) -> str:  # noqa: ANN001
    return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


@pytest.mark.parametrize(("text", "size"), [
    ("2GB", 2 * 10**9), ("2gb", 2 * 10**9), ("512MB", 512 * 10**6), ("512 MiB", 512 << 20), ("1.5GiB", 3 * GIB // 2),
    ("1TB", 10**12), ("3000000000", 3 * 10**9), ("300000000B", 3 * 10**8), (" 1GiB ", GIB),
])
def test_sizes_are_read_as_duckdb_reads_them(text: str, size: int) -> None:
    assert memory.parse(text) == size


def test_a_percentage_is_a_share_of_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "physical_memory", lambda: 16 * GIB)
    assert memory.parse("40%") == int(16 * GIB * 0.4)
    assert memory.parse("100%") == 16 * GIB
    monkeypatch.setattr(memory, "physical_memory", lambda: None)
    with pytest.raises(LprlogsError, match="cannot be read"):
        memory.parse("40%")


@pytest.mark.parametrize(("text", "says"), [
    ("2x", "is not a size"), ("lots", "is not a size"), ("", "is not a size"), ("-1GB", "is not a size"),
    ("2 GB extra", "is not a size"), ("0%", "between 1% and 100%"), ("150%", "between 1% and 100%"),
    ("64MB", "below the 256MB"), ("0", "below the 256MB"), ("1000", "below the 256MB"),
])
def test_a_bad_size_is_refused_in_one_line_naming_it_with_an_example(text: str, says: str) -> None:
    with pytest.raises(LprlogsError) as caught:
        memory.parse(text)
    line = caught.value.one_line()
    assert says in line and repr(text) in line and "e.g. --memory 2GB" in line and "\n" not in line


@pytest.mark.parametrize(("machine", "default"), [
    (24 * GIB, 3 * GIB),   # this machine: a quarter would be 6 GiB, the cap is 3 GiB
    (16 * GIB, 3 * GIB),
    (8 * GIB, 2 * GIB),
    (512 << 20, memory.FLOOR),  # a quarter would be below the floor
    (None, memory.UNKNOWN_MACHINE),
])
def test_the_default_is_a_quarter_of_the_machine_at_most_3_gib(monkeypatch: pytest.MonkeyPatch, machine: int | None,
                                                             default: int) -> None:
    monkeypatch.setattr(memory, "physical_memory", lambda: machine)
    assert memory.limit_bytes() == memory.default_bytes() == default


def test_the_machine_memory_is_read() -> None:
    assert memory.physical_memory() > 256 << 20


def test_without_windows_calls_the_windows_reading_gives_up_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows the memory comes from GlobalMemoryStatusEx; where that call is missing, the fixed default."""
    monkeypatch.setattr(memory.sys, "platform", "win32")
    assert memory.physical_memory.__wrapped__() is None  # no ctypes.windll here


def test_the_option_beats_the_environment_which_beats_its_old_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(memory.OLD_ENV, "700MB")
    assert memory.limit_bytes() == 700 * 10**6
    monkeypatch.setenv(memory.ENV, "600MB")
    assert memory.limit_bytes() == 600 * 10**6
    memory.choose("500MB")
    assert memory.limit_bytes() == 500 * 10**6
    memory.choose(None)
    assert memory.limit_bytes() == 600 * 10**6


def test_the_limit_reaches_every_connection_and_stays_after_a_csv_is_read() -> None:
    memory.choose("512MiB")
    con = connect(threads=2)
    assert _limit(con) == "512.0 MiB"
    with flock.single_thread(con):
        assert _limit(con) == "512.0 MiB"  # the reader's own cap (1 GB) is larger
    assert _limit(con) == "512.0 MiB"
    memory.choose("4GiB")
    con = connect(threads=2)
    with flock.single_thread(con):
        assert _limit(con) == "953.6 MiB"  # 1 GB: the reader's cap, below --memory
    assert _limit(con) == "4.0 GiB"


@pytest.mark.slow
def test_the_cli_sets_the_limit_and_the_next_command_forgets_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    ingest([str(write_flock_csv(tmp_path, "1_1_2025-1_31_2025-Houston TX PD-Network-Audit.csv", [flock_row()]))], store)
    runner = CliRunner()

    def limit(*extra: str) -> str:
        result = runner.invoke(cli, ["query", "SELECT current_setting('memory_limit') AS m", "--store", str(store),
                                     "--csv", *extra], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output.splitlines()[1]

    assert limit("--memory", "768MiB") == "768.0 MiB"
    monkeypatch.setenv(memory.ENV, "40%")  # the --memory of the command before is not kept
    assert limit() == memory.describe(memory.parse("40%"))


@pytest.mark.parametrize(("args", "env", "code", "says"), [
    (["--memory", "2x"], {}, 2, "--memory '2x' is not a size"),
    (["--memory", "10MB"], {}, 2, "--memory '10MB' is below the 256MB"),
    ([], {memory.ENV: "plenty"}, 1, "LPRLOGS_MEMORY 'plenty' is not a size"),
    ([], {memory.OLD_ENV: "lots"}, 1, "LPRLOGS_MEMORY_LIMIT 'lots' is not a size"),
])
def test_a_bad_value_is_one_line_without_a_traceback(tmp_path: Path, args: list[str], env: dict[str, str], code: int,
                                                     says: str) -> None:
    result = CliRunner().invoke(cli, ["flags", "--store", str(tmp_path / "none"), *args], env=env)
    assert result.exit_code == code
    error = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and says in error[0] and "e.g. --memory 2GB" in error[0]
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def two_batches(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of two batches: a police department's audit, then a school district's."""
    base = tmp_path_factory.mktemp("memory")
    write_release(base / "police", base / "school")
    store = base / "store"
    ingest([str(base / "police")], store)
    ingest([str(base / "school")], store)
    return store


def _answers(engine: Engine, out: Path) -> dict[str, object]:
    """What flags, query, diff and export answer over ``engine``'s store (the export written under ``out``)."""
    out.mkdir()
    export_sqlite(engine, out / "logs.db", None)
    with sqlite3.connect(out / "logs.db") as db:
        exported = db.execute("SELECT * FROM flags ORDER BY 1, 2").fetchall()
    diff = diff_since(engine, 1, ())
    return {"flags": flag_counts(engine), "export": exported, "diff": (diff.counts(), diff.sections),
            "query": engine.query("SELECT search_key, flag, evidence FROM flags ORDER BY ALL")}


@pytest.mark.slow
def test_flags_query_diff_and_export_give_the_same_answers_under_the_smallest_limit(two_batches: Path,
                                                                                    tmp_path: Path) -> None:
    engine = Engine(Store.open(two_batches))
    try:
        default = _answers(engine, tmp_path / "default")
        engine.con.execute(f"SET memory_limit = '{memory.parse(SMALLEST)}B'")
        small = _answers(engine, tmp_path / "small")
    finally:
        engine.close()
    assert small == default
    assert dict((r[0], r[1]) for r in small["flags"][1])["immigration"] > 0
    assert small["diff"][0]["new_flagged_searches"] and small["export"]


@pytest.mark.slow
def test_the_report_under_the_smallest_limit_is_the_same(two_batches: Path, tmp_path: Path) -> None:
    def report(out: Path, *extra: str) -> dict[str, bytes]:
        result = CliRunner().invoke(cli, ["report", "--store", str(two_batches), "-o", str(out), *extra],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        # index.html and the workbook carry the time they were made
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
                if p.is_file() and p.suffix in (".csv", ".md")}

    small = report(tmp_path / "small", "--memory", SMALLEST)
    assert small == report(tmp_path / "default")
    assert "brief.md" in small and any(name.startswith("csv/") for name in small)


def test_running_out_of_memory_is_one_line_naming_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB fails rather than spills in a few operators; that is the user's limit, not a bug in lprlogs."""
    import duckdb

    import lprlogs.flags

    def out_of_memory(engine: Engine) -> None:
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256.0 KiB")

    store = tmp_path / "store"
    ingest([str(write_flock_csv(tmp_path, "1_1_2025-1_31_2025-Houston TX PD-Network-Audit.csv", [flock_row()]))], store)
    monkeypatch.setattr(lprlogs.flags, "flag_counts", out_of_memory)
    result = CliRunner().invoke(cli, ["flags", "--store", str(store), "--memory", "300MB"])
    assert result.exit_code == 1 and "internal error" not in result.output
    assert result.output.startswith("Error: DuckDB ran out of memory within its limit of 286 MiB (hint: give it more "
                                    "with --memory") and len(result.output.splitlines()) == 1
