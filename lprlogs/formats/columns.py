"""The columns of a table, the same for every reader: how many a table may have, and how the columns a
reader does not know are reported (kept in ``raw``, named in a note)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import SourceRejected

if TYPE_CHECKING:
    from ..store import SourceWriter

# An audit export has 4 to 20 columns; agencies add a few derived ones. A table far wider is not an
# export (and its SQL would grow past what DuckDB plans in reasonable time): refused, said why.
MAX_COLUMNS = 500
LISTED = 20  # extra columns named in a note; the rest counted


def refuse_wide(count: int, where: str) -> None:
    """Raise SourceRejected when a table has more columns than lprlogs reads."""
    if count > MAX_COLUMNS:
        raise SourceRejected(f"{where} has {count:,} columns, more than the {MAX_COLUMNS:,} lprlogs reads (an audit "
                             "export has 4 to 20): is it an export? If so, delete the columns that are not "
                             "part of it and ingest it again")


def note_extra_columns(out: SourceWriter, names: list[str], what: str, part: str | None = None) -> None:
    """Say which columns are not part of ``what`` (e.g. 'a Flock audit'): their cells are in raw only."""
    if not names:
        return
    listed = ", ".join(names[:LISTED]) + (f" and {len(names) - LISTED:,} more" if len(names) > LISTED else "")
    where = f" of {part}" if part else ""
    out.note(f"columns{where} not part of {what} kept in raw only: {listed}")


def unique_headers(headers: list[str], key: Callable[[str], str] = str.lower) -> list[str]:
    """Header cells as column names: an empty one becomes 'column N', a repeated one 'Reason (2)'."""
    seen: dict[str, int] = {}
    names = []
    for position, header in enumerate(headers, start=1):
        name = header if header.strip() else f"column {position}"
        k = key(name)
        seen[k] = seen.get(k, 0) + 1
        names.append(name if seen[k] == 1 else f"{name} ({seen[k]})")
    return names
