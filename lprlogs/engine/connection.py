"""DuckDB connections as lprlogs opens them: UTC, no progress printing, a private spill folder, the memory
limit of lprlogs/memory.py."""

from __future__ import annotations

import shutil
import weakref

import duckdb

from ..memory import duckdb_limit
from ..store import sql_literal
from ..tempdirs import private_temp_dir

SPILL_PREFIX = "lprlogs-spill-"


def spill_folder() -> str:
    """A new private folder (in the system's temporary folder) for what DuckDB spills to disk, named
    with this process's id. Folders left by lprlogs processes that are gone (killed, or out of memory
    while spilling, when nothing could clean up) are removed first: they can hold gigabytes."""
    return private_temp_dir(SPILL_PREFIX)


def connect(threads: int) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection as lprlogs uses one: times in UTC, at most ``--memory`` of memory (memory.py), and a
    private folder for what DuckDB spills to disk past it. DuckDB's own default is `.tmp` in the current
    folder: a reporter's release folder (or one they cannot write to) would get DuckDB's temporary files. The folder is removed with the connection, or at
    exit (or, after a kill, by the next lprlogs run: ``spill_folder``)."""
    con = duckdb.connect(config={"threads": threads, "memory_limit": duckdb_limit()})
    con.execute("SET TimeZone = 'UTC'").fetchall()
    # DuckDB's own progress bar printed on stdout during long statements (into `lprlogs query --csv > file`,
    # and under -q); lprlogs shows its own (progress.py reads query_progress(), which still works)
    con.execute("SET enable_progress_bar_print = false").fetchall()
    spill = spill_folder()
    con.execute(f"SET temp_directory = {sql_literal(spill)}").fetchall()
    weakref.finalize(con, shutil.rmtree, spill, True)
    return con
