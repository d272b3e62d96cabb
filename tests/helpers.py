"""Small builders for tests: Flock-style CSV text in the 14-column export form, and a cached query helper."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from lprlogs.engine import Engine
from lprlogs.store import Store

FLOCK_14 = ("ID,Name,Org Name,Total Networks Searched,Total Devices Searched,Time Frame,License Plate,Reason,"
            "Case #,Filters,Search Time,Search Type,Text Prompt,Moderation")


def flock_row(reason: str = "stolen vehicle", org: str = "Houston TX PD", networks: int = 12,
              search_time: str = "11/14/2025, 09:53:36 AM UTC", start: str = "11/01/2025, 12:00:00 AM UTC",
              search_id: str | None = None, user: str = "J. Okafor", plate: str = "7ABC123",
              moderation: str = "allow", search_type: str = "lookup", prompt: str = "") -> str:
    sid = search_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"{reason}{org}{search_time}{networks}"))
    frame = f'"{start}\n{search_time}"'
    reason_cell = '"' + reason.replace('"', '""') + '"'
    return (f'{sid},{user},{org},{networks},340,{frame},{plate},{reason_cell},,,"{search_time}",{search_type},'
            f"{prompt},{moderation}")


def write_flock_csv(folder: Path, name: str, rows: list[str], header: str = FLOCK_14) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


_ENGINES: dict[Path, tuple[int, Engine]] = {}


def query(store_dir: Path, sql: str) -> list[tuple]:
    """Rows of ``sql`` over the store; one engine per store state (views and derived tables take a while)."""
    generation = Store.open(store_dir).manifest["generation"]
    cached = _ENGINES.get(store_dir)
    if cached is None or cached[0] != generation:
        if cached is not None:
            cached[1].close()
        _ENGINES[store_dir] = (generation, Engine(Store.open(store_dir)))
    return _ENGINES[store_dir][1].query(sql)[1]


@pytest.fixture(autouse=True)
def close_engines() -> Iterator[None]:
    yield
    for _, engine in _ENGINES.values():
        engine.close()
    _ENGINES.clear()
