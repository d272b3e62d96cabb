"""How much memory DuckDB may use: one setting for every connection lprlogs opens.

Given as ``--memory`` (every command that opens a store), else ``LPRLOGS_MEMORY`` (``LPRLOGS_MEMORY_LIMIT`` is
an older name for it), else a share of the machine's memory (``default_bytes``). Past it DuckDB spills to its
temporary folder (engine/connection.py) instead of growing. Sizes are read as DuckDB reads them: KB, MB, GB and
TB are powers of 1000, KiB, MiB, GiB and TiB powers of 1024; a plain number is bytes; ``40%`` is a share of
the machine's memory.
"""

from __future__ import annotations

import ctypes
import functools
import os
import re
import sys

from .errors import LprlogsError

ENV = "LPRLOGS_MEMORY"
OLD_ENV = "LPRLOGS_MEMORY_LIMIT"  # the name this had when it capped only the duplicate search
GIB = 1 << 30
# A quarter of the machine, at most 3 GiB: DuckDB's own default (80% of the machine) let a report over 100M
# rows take 18 GiB. What lprlogs holds beside DuckDB's buffers adds about a fifth (measured: a 1 GB limit
# peaked at 1.19 GiB over 10M rows), so 3 GiB keeps a run under 4 GiB and leaves a 16 GiB laptop three
# quarters of its memory; on an 8 GiB one the quarter (2 GiB) applies. docs/memory.md has the figures.
DEFAULT_SHARE = 0.25
DEFAULT_MAX = 3 * GIB
UNKNOWN_MACHINE = 2 * GIB  # when the machine's memory cannot be read
# The least lprlogs accepts: whatever the store's size, DuckDB holds some blocks per operator and thread that
# it cannot spill (measured: the report over the samples fails below 160 MB on 2 threads, 256 MB on 16)
FLOOR = 256 * 10**6
UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
         "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}
EXAMPLE = "e.g. --memory 2GB, 512MB, or 40% of this machine's memory"

_chosen: str | None = None  # --memory as given on the command line


@functools.cache
def physical_memory() -> int | None:
    """The machine's memory in bytes, or None when it cannot be read."""
    if sys.platform == "win32":
        return _windows_memory()
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return pages * size if pages > 0 and size > 0 else None


def _windows_memory() -> int | None:
    class MemoryStatus(ctypes.Structure):
        _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                    ("ullTotalPhys", ctypes.c_ulonglong), ("ullAvailPhys", ctypes.c_ulonglong),
                    ("ullTotalPageFile", ctypes.c_ulonglong), ("ullAvailPageFile", ctypes.c_ulonglong),
                    ("ullTotalVirtual", ctypes.c_ulonglong), ("ullAvailVirtual", ctypes.c_ulonglong),
                    ("ullAvailExtendedVirtual", ctypes.c_ulonglong)]

    status = MemoryStatus()
    status.dwLength = ctypes.sizeof(MemoryStatus)
    try:
        ok = ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return None
    return int(status.ullTotalPhys) if ok else None


def default_bytes() -> int:
    """The limit when none is given: a quarter of the machine's memory, at most ``DEFAULT_MAX``."""
    machine = physical_memory()
    if machine is None:
        return UNKNOWN_MACHINE
    return max(FLOOR, min(int(machine * DEFAULT_SHARE), DEFAULT_MAX))


def parse(text: str, source: str = "--memory") -> int:
    """Bytes for a size such as ``2GB``, ``512 MiB``, ``1500000000`` or ``40%``; ``source`` names where it was
    given, for the error."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*|%)\s*", text or "")
    unit = match.group(2).lower() if match else ""
    if match is None or (unit != "%" and unit not in UNITS):
        raise LprlogsError(f"{source} {text!r} is not a size", hint=EXAMPLE)
    number = float(match.group(1))
    if unit == "%":
        if not 0 < number <= 100:
            raise LprlogsError(f"{source} {text!r}: a share of the machine's memory is between 1% and 100%",
                               hint=EXAMPLE)
        machine = physical_memory()
        if machine is None:
            raise LprlogsError(f"{source} {text!r}: this machine's memory cannot be read, so a share of it "
                               "cannot be taken", hint="give a size, e.g. --memory 2GB")
        size = int(machine * number / 100)
    else:
        size = int(number * UNITS[unit])
    if size < FLOOR:
        raise LprlogsError(f"{source} {text!r} is below the {FLOOR // 10**6}MB lprlogs needs at least",
                           hint=EXAMPLE)
    return size


def choose(text: str | None) -> None:
    """Use ``text`` (``--memory`` as given; None: the environment or the default) for every connection opened
    from now on; checks it, and the environment's value, at once."""
    global _chosen
    if text is not None:
        parse(text)
    _chosen = text
    limit_bytes()


def limit_bytes() -> int:
    """The limit in force: ``--memory``, else ``LPRLOGS_MEMORY`` (or its old name), else ``default_bytes``."""
    if _chosen is not None:
        return parse(_chosen)
    for name in (ENV, OLD_ENV):
        value = os.environ.get(name)
        if value is not None and value.strip():
            return parse(value, source=name)
    return default_bytes()


def duckdb_limit(cap: int | None = None) -> str:
    """The limit in force (or ``cap`` when that is smaller) as DuckDB's ``memory_limit`` takes it."""
    size = limit_bytes()
    return f"{min(size, cap) if cap is not None else size}B"


def describe(size: int) -> str:
    """``size`` as a person reads it: 2.0 GiB, 512 MiB."""
    return f"{size / GIB:.1f} GiB" if size >= GIB else f"{size / (1 << 20):.0f} MiB"


def out_of_memory() -> LprlogsError:
    """What to say when DuckDB failed within the limit (a few operators cannot spill)."""
    return LprlogsError(f"DuckDB ran out of memory within its limit of {describe(limit_bytes())}",
                        hint="give it more with --memory (e.g. --memory 4GB) or LPRLOGS_MEMORY, or close other "
                             "programs, and run the command again")
