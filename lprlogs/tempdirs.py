"""Private temporary folders named with the owning process's id, so that folders left by a killed lprlogs
run (a zip's extracted members, DuckDB's spill files: they can hold gigabytes) are removed by the next run."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, but another user's
        return True
    return True


def remove_stale(prefix: str) -> None:
    """Remove ``<tmp>/<prefix><pid>-*`` folders whose process is gone."""
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
        pid = folder.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def private_temp_dir(prefix: str) -> str:
    """A new folder ``<tmp>/<prefix><pid>-XXXX``, after removing those of processes that are gone."""
    remove_stale(prefix)
    return tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-")
