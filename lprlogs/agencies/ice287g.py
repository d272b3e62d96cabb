"""ICE 287(g) agreements: read the participating and pending lists as ICE publishes them, keep them in
the store, and match each agreement to the organisation names seen in the logs.

ICE's workbooks have the columns ``STATE, LAW ENFORCEMENT AGENCY, TYPE, COUNTY, SUPPORT TYPE, SIGNED,
MOA, ADDENDUM`` (the pending list stops after SUPPORT TYPE), states spelled out in capitals,
``Sheriff's Office`` / ``Police Department`` spelled out, and support types with stray spaces. One
row is one agreement (an agency with two support types has two rows).

Matching: each ICE row is classified like any other name, with ICE's STATE column as its state, and
gets an ``agency_key`` (state : kind : place). A log name matches when it has the same key: same
state, same kind (a city police department never matches its county sheriff) and the same place.
Confidence is ``high`` when the log name carries the state itself, ``medium`` when its state was
inferred from other spellings of the same agency in the store. Nothing else ever matches.

Loaded lists are kept under ``<store>/reference/287g/`` (one Parquet file per list, written to a
temporary file and renamed) and survive re-ingests; ``derived/agreements.parquet`` is rebuilt from
them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import LprlogsError
from .classification import classify
from .registry import reference_dir, stored_registry
from .rules import Rules

if TYPE_CHECKING:
    import polars as pl

    from ..store import Store
else:
    from ..lazy import pl

STATUSES = ("participating", "pending")
LIST_SCHEMA = pa.schema([
    ("status", pa.string()), ("state", pa.string()), ("ice_state", pa.string()), ("agency", pa.string()),
    ("type", pa.string()), ("county", pa.string()), ("support_type", pa.string()), ("signed", pa.date32()), ("signed_text", pa.string()),
    ("moa", pa.string()), ("addendum", pa.string()), ("source_file", pa.string()), ("source_sha256", pa.string()),
    ("source_row", pa.int64()), ("loaded_at", pa.string()),
])
AGREEMENT_SCHEMA = pa.schema(list(LIST_SCHEMA) + [
    ("agency_key", pa.string()), ("matched_name", pa.string()), ("confidence", pa.string()),
    ("evidence", pa.string()),
])
_COLUMNS = {"STATE": "state", "LAW ENFORCEMENT AGENCY": "agency", "TYPE": "type", "COUNTY": "county",
            "SUPPORT TYPE": "support_type", "SIGNED": "signed", "MOA": "moa", "ADDENDUM": "addendum"}


def lists_dir(store_root: Path) -> Path:
    return reference_dir(store_root) / "287g"


def list_fingerprint(store_root: Path) -> str:
    folder = lists_dir(store_root)
    names = sorted(p.name for p in folder.glob("*.parquet")) if folder.is_dir() else []
    return hashlib.sha256("|".join(names).encode()).hexdigest()[:16] if names else ""


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _date(value: Any, path: Path, row: int) -> dt.date | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", text)
    if m:
        return dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    if re.fullmatch(r"\d+(\.0+)?", text):  # an Excel serial day number
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(float(text)))
    return None  # kept as written in signed_text (ICE's list has typos such as '7/72025')


def _read_grid(path: Path) -> list[list[Any]]:
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
            frame = pl.read_excel(path, engine="calamine", has_header=False, infer_schema_length=0)
        elif suffix in (".csv", ".txt"):
            text = path.read_bytes().decode("utf-8-sig", errors="replace")
            return [list(r) for r in csv.reader(io.StringIO(text))]  # a few hundred rows, ragged
        else:
            raise LprlogsError("not a spreadsheet or CSV", path=str(path),
                               hint="give ICE's .xlsx as downloaded (or a CSV saved from it)")
    except LprlogsError:
        raise
    except FileNotFoundError as exc:
        raise LprlogsError("file not found", path=str(path)) from exc
    except Exception as exc:  # noqa: BLE001 - any reader failure is the user's file, explained in one line
        raise LprlogsError(f"cannot read this file ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})",
                           path=str(path)) from exc
    return [list(r) for r in frame.iter_rows()]


def read_list(path: Path | str, status: str | None = None) -> pa.Table:
    """One row per agreement in an ICE 287(g) list, values as ICE wrote them (spaces trimmed)."""
    path = Path(path)
    grid = _read_grid(path)
    header_index = next((i for i, row in enumerate(grid[:20])
                         if any(_clean(v) and _clean(v).upper() == "LAW ENFORCEMENT AGENCY" for v in row)), None)
    if header_index is None:
        raise LprlogsError("no 'LAW ENFORCEMENT AGENCY' header in the first 20 rows", path=str(path),
                           hint="this does not look like ICE's 287(g) list")
    positions = {}
    for j, value in enumerate(grid[header_index]):
        name = (_clean(value) or "").upper()
        if name in _COLUMNS and _COLUMNS[name] not in positions:
            positions[_COLUMNS[name]] = j
    if "state" not in positions:
        raise LprlogsError("no STATE column", path=str(path), line=header_index + 1)
    if status is None:
        lowered = path.name.lower()
        status = ("pending" if "pending" in lowered else "participating" if "particip" in lowered
                  else "participating" if "signed" in positions else "pending")
    if status not in STATUSES:
        raise LprlogsError(f"unknown status {status!r}", hint="participating or pending")
    rules = Rules.load()
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    loaded_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    rows = []
    for offset, row in enumerate(grid[header_index + 1:], start=header_index + 2):
        cells = {name: _clean(row[j]) if j < len(row) else None for name, j in positions.items()}
        if not any(cells.values()):
            continue  # blank row
        if not cells.get("agency"):
            raise LprlogsError("row has no LAW ENFORCEMENT AGENCY", path=str(path), line=offset)
        rows.append({
            "status": status, "state": rules.state_code(cells.get("state")), "ice_state": cells.get("state"),
            "agency": cells["agency"], "type": cells.get("type"), "county": cells.get("county"),
            "support_type": cells.get("support_type"), "signed": _date(cells.get("signed"), path, offset),
            "signed_text": cells.get("signed"),
            "moa": cells.get("moa"), "addendum": cells.get("addendum"), "source_file": str(path),
            "source_sha256": sha, "source_row": offset, "loaded_at": loaded_at,
        })
    return pa.Table.from_pylist(rows, schema=LIST_SCHEMA)


def load_list(store: Store, path: Path | str, status: str | None = None, replace_older: bool = False
              ) -> dict[str, Any]:
    """Read an ICE list and keep it in ``store`` (reference/287g/<sha16>.parquet), under its writer lock."""
    table = read_list(path, status)
    if table.num_rows == 0:
        raise LprlogsError("the list has no agreements", path=str(path))
    with store.lock():
        if not (store.root / "manifest.json").exists():
            store.save_manifest()
        folder = lists_dir(store.root)
        folder.mkdir(parents=True, exist_ok=True)
        sha16 = table.column("source_sha256")[0].as_py()[:16]
        list_status = table.column("status")[0].as_py()
        removed = []
        if replace_older:
            for other in folder.glob("*.parquet"):
                if other.stem != sha16 and pq.read_table(other, columns=["status"]).column(0)[0].as_py() == list_status:
                    other.unlink()
                    removed.append(other.name)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        store.write_file(folder / f"{sha16}.parquet", sink.getvalue().to_pybytes())
    states = table.column("state").to_pylist()
    return {"file": str(path), "status": list_status, "rows": table.num_rows,
            "rows_without_state": sum(1 for s in states if s is None), "replaced": removed}


def stored_lists(store_root: Path) -> pa.Table:
    folder = lists_dir(store_root)
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        return LIST_SCHEMA.empty_table()
    tables = []
    for path in files:  # lists kept by an older lprlogs may lack newer columns: those are NULL
        table = pq.read_table(path)
        columns = [table.column(f.name).cast(f.type) if f.name in table.column_names
                   else pa.nulls(table.num_rows, f.type) for f in LIST_SCHEMA]
        tables.append(pa.Table.from_arrays(columns, schema=LIST_SCHEMA))
    return pa.concat_tables(tables)


def agreements_table(store_root: Path, agencies: pa.Table) -> pa.Table:
    """Each stored agreement with its agency_key and the log name it matches (if any)."""
    lists = stored_lists(store_root)
    registry = stored_registry(store_root)
    by_key: dict[str, list[dict[str, Any]]] = {}
    for agency in agencies.to_pylist():
        by_key.setdefault(agency["agency_key"], []).append(agency)
    out = []
    for row in lists.to_pylist():
        found = classify(row["agency"], registry, state_hint=row["state"])
        key = found.agency_key if row["state"] and found.place else None
        ice_row = (f"ICE {row['status']} list {Path(row['source_file']).name} row {row['source_row']}: "
                   f"{row['ice_state']} | {row['agency']} | {row['type'] or ''} | {row['county'] or ''} | "
                   f"{row['support_type'] or ''}")
        candidates = sorted(by_key.get(key, []) if key else [],
                            key=lambda a: (-(a["rows_as_producer"] + a["rows_as_searcher"]), a["name"]))
        matched = candidates[0] if candidates else None
        if matched is None:
            confidence = None
            evidence = f"no name in the logs with key {key}; {ice_row}" if key else f"no state or place; {ice_row}"
        else:
            inferred = matched["state_from"].startswith("same place")
            confidence = "medium" if inferred else "high"
            how = (f"state {found.state} ({matched['state_from']}), kind {found.kind}, place '{found.place}'")
            others = f"; {len(candidates) - 1} other spelling(s)" if len(candidates) > 1 else ""
            evidence = f"'{matched['name']}' matches on {how}{others}; {ice_row}"
        out.append({**row, "agency_key": key, "matched_name": matched["name"] if matched else None,
                    "confidence": confidence, "evidence": evidence})
    return pa.Table.from_pylist(out, schema=AGREEMENT_SCHEMA)


def ice_names(agreements: pa.Table) -> dict[str, str]:
    """agency_key -> ICE's name for that agency (the name its rows use most, participating lists first),
    for every agreement with a key: the display name of the log names with that key."""
    counts: dict[str, Counter[tuple[int, str]]] = {}
    for row in agreements.select(["agency_key", "agency", "status"]).to_pylist():
        if row["agency_key"] and row["agency"]:
            rank = 0 if row["status"] == "participating" else 1
            counts.setdefault(row["agency_key"], Counter())[(rank, row["agency"])] += 1
    return {key: min(c, key=lambda k: (k[0], -c[k], k[1]))[1] for key, c in counts.items()}
