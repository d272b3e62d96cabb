"""DuckDB connections as lprlogs opens them: UTC, no progress printing, a private spill folder."""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from pathlib import Path

import duckdb

from ..store import sql_literal

SPILL_PREFIX = "lprlogs-spill-"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, but another user's
        return True
    return True


def spill_folder() -> str:
    """A new private folder (in the system's temporary folder) for what DuckDB spills to disk, named
    with this process's id. Folders left by lprlogs processes that are gone (killed, or out of memory
    while spilling, when nothing could clean up) are removed first: they can hold gigabytes."""
    temp = Path(tempfile.gettempdir())
    for folder in temp.glob(f"{SPILL_PREFIX}*-*"):
        pid = folder.name[len(SPILL_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{os.getpid()}-")


def connect(threads: int) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection as lprlogs uses one: times in UTC, and a private folder for what DuckDB spills
    to disk. DuckDB's own default is `.tmp` in the current folder: a reporter's release folder (or one they
    cannot write to) would get DuckDB's temporary files. The folder is removed with the connection, or at
    exit (or, after a kill, by the next lprlogs run: ``spill_folder``)."""
    con = duckdb.connect(config={"threads": threads})
    con.execute("SET TimeZone = 'UTC'").fetchall()
    # DuckDB's own progress bar printed on stdout during long statements (into `lprlogs query --csv > file`,
    # and under -q); lprlogs shows its own (progress.py reads query_progress(), which still works)
    con.execute("SET enable_progress_bar_print = false").fetchall()
    spill = spill_folder()
    con.execute(f"SET temp_directory = {sql_literal(spill)}").fetchall()
    weakref.finalize(con, shutil.rmtree, spill, True)
    return con
