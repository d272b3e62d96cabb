"""Writing a file so that a reader sees the old file or the whole new one, never part of one, and a crash
leaves no half-written file under the final name: write a temporary file beside it, fsync it, rename it
over the target, fsync the folder."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (ignored where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        _fsync(path)


def fsync_file(path: Path) -> None:
    _fsync(path)


def temp_name(path: Path) -> Path:
    """A temporary name beside ``path`` (hidden, ``.tmp``: never read as a store file)."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write ``path``'s new content to (by any means: DuckDB COPY, pyarrow); on
    success it is fsynced and renamed over ``path``; on an error it is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(path)
    try:
        yield tmp
        fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write(path: Path, data: bytes | str) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8) atomically and durably."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(payload)


def move_into_place(tmp: Path, path: Path) -> None:
    """Rename a finished file (already fsynced or written by DuckDB) to ``path`` and make the rename durable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fsync_file(tmp)
    os.replace(tmp, path)
    fsync_dir(path.parent)
