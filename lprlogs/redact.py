"""Publishable outputs: officer names and plates replaced by stable pseudonyms, personal data in text masked.

``apply(engine)`` replaces, on the engine's DuckDB connection, every view that carries people or plates
with a redacted version of itself (the original is renamed ``_unredacted_<view>``; the stored data is not
changed; writers keep a redacted copy of ``searches`` in ``derived/redacted/`` (engine/derived.py) so that a
report's many queries do not hash and mask every row again; a reader without a current copy masks live). It runs before the ``flags`` view is created, so flags compute on the redacted views: the
terms flags look for (immigration words, agency names) are never masked, only plates, phone numbers and
dates of birth are.

- License plates become ``PLATE-xxxxxxxx`` and people (``searcher_user``, ``user`` columns of side
  tables) ``PERSON-xxxxxxxx``: the first 8 hex digits of sha256(secret || kind || normalised value).
  The secret is generated once per store (``<store>/secret.key``, mode 0600, by the first --redact run: the
  one file a reader may write), so a plate or person keeps
  the same code across outputs and runs, and nobody without the key can recompute or reverse a code.
  Redaction markers (``***``, ``REDACTED``) and blanks are kept as they are: they reveal nothing.
- ``raw`` and any other copy of the original cells (``details_raw``, JSON ``details`` of event logs), which
  hold names and plates, are NULL.
- Free text (reason, text prompt, filters, case number, offense type, event details) is kept, with
  plate-like tokens (5 to 8 letters and digits mixed, e.g. ``7ABC123``), phone numbers and dates of birth
  (``DOB 01/02/1990``, dates with a year before 2020 written d/m/y) replaced by ``[PLATE]``, ``[PHONE]``,
  ``[DOB]``.

Limits (said in the README): a name typed into a reason, an all-letter vanity plate, or a plate written
with a space inside is not recognised as such; the codes are 32 bits, so two of millions of plates can
share one.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import LprlogsError
from .store import Store, sql_literal

if TYPE_CHECKING:
    from .engine import Engine

PLATE_PREFIX = "PLATE-"
PERSON_PREFIX = "PERSON-"
CODE_LENGTH = 8
UNREDACTED_PREFIX = "_unredacted_"

_PLATE_COLUMN = re.compile(r"^(license_)?plates?$|^(.*_)?plate(_number|_text)?$", re.IGNORECASE)
_PERSON_COLUMN = re.compile(r"^(searcher_user|user|users|user_name|username|user_id|userid|officer|officer_name|"
                            r"person|operator|created_by|modified_by)$", re.IGNORECASE)
_RAW_COLUMN = re.compile(r"(^|_)raw($|_)", re.IGNORECASE)
_TEXT_COLUMN = re.compile(r"(reason|prompt|filter|case|offense|detail|comment|note|description|entity|"
                          r"hotlist|text)", re.IGNORECASE)
# Views whose columns are about files, agencies or counts, never people: left alone.
_NOT_PERSONAL = {"sources", "source_columns", "batches", "flags", "searches_first_seen", "agencies",
                 "agreements"}


def load_secret(store: Store) -> str:
    """The store's pseudonym key, created on first use (atomically: two processes agree on one key)."""
    if not store.root.is_dir():
        raise LprlogsError("no lprlogs store here to keep the redaction key in", path=str(store.root),
                           hint="ingest something first; --redact needs an existing store")
    path = store.layout.secret
    if not path.exists():
        try:
            _create_secret(path)
        except OSError as exc:
            raise LprlogsError(f"cannot create the redaction key ({exc.strerror})", path=str(path),
                               hint="--redact needs to write secret.key once into a store you can write to") from exc
    try:
        key = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise LprlogsError(f"redaction key is unreadable ({exc})", path=str(path)) from exc
    if not re.fullmatch(r"[0-9a-f]{32,}", key):
        raise LprlogsError("redaction key is not a hex string", path=str(path),
                           hint="restore it from a backup; deleting it changes every pseudonym")
    return key


def _create_secret(path: Path) -> None:
    """Write a new random key next to ``path`` and link it into place: if another process linked its key
    first, the link fails and theirs is kept, so every process ends up reading the same key."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


# --- SQL expressions ----------------------------------------------------------------------------------

_MARKER_SQL = ("upper(trim({x})) IN ('***', 'REDACTED', '[REDACTED]', '###', '* * *', '(REDACTED)', '<REDACTED>', "
               "'XXX', '')")


def pseudonym_sql(expression: str, kind: str, secret: str) -> str:
    """``PLATE-xxxxxxxx`` / ``PERSON-xxxxxxxx`` for a VARCHAR expression; NULL, blanks and masks unchanged.
    Plates are compared upper-case without spaces or dashes, people lower-case and trimmed."""
    x = f"CAST({expression} AS VARCHAR)"
    if kind == "plate":
        prefix, normalised = PLATE_PREFIX, f"upper(replace(replace(replace({x}, ' ', ''), '-', ''), '.', ''))"
    else:
        prefix, normalised = PERSON_PREFIX, f"lower(trim({x}))"
    code = f"left(sha256({sql_literal(secret)} || '|{kind}|' || {normalised}), {CODE_LENGTH})"
    return (f"CASE WHEN {x} IS NULL THEN NULL WHEN {_MARKER_SQL.format(x=x)} THEN {x} "
            f"ELSE '{prefix}' || {code} END")


def mask_text_sql(expression: str) -> str:
    """Free text with plates, phone numbers and dates of birth masked. Every pattern needs a digit, so text
    without one is returned as it is (cheap). RE2 has no look-ahead, so a plate is found in two passes: wrap
    every 5-8 character alphanumeric token in \\x01..\\x02, then mask the wrapped tokens mixing letters and
    digits (a letter next to a digit somewhere inside), then drop the remaining wrappers."""
    x = f"CAST({expression} AS VARCHAR)"
    clean = f"replace(replace({x}, chr(1), ''), chr(2), '')"
    dob = (f"regexp_replace({clean}, '(?i)\\b(DOB|D\\.O\\.B\\.?|date of birth|born|birth ?date|b\\.)[\\s:#-]*"
           f"\\d{{1,4}}[/.-]\\d{{1,2}}[/.-]\\d{{1,4}}', '\\1 [DOB]', 'g')")
    old_date = (f"regexp_replace({dob}, '\\b\\d{{1,2}}[/.-]\\d{{1,2}}[/.-](19\\d\\d|20[01]\\d)\\b', "
                "'[DOB]', 'g')")
    phone = (f"regexp_replace({old_date}, '(\\+?1[\\s.-]?)?(\\(\\d{{3}}\\)\\s?|\\b\\d{{3}}[\\s.-]?)"
             f"\\d{{3}}[\\s.-]?\\d{{4}}\\b', '[PHONE]', 'g')")
    wrapped = f"regexp_replace({phone}, '\\b[A-Za-z0-9]{{5,8}}\\b', chr(1) || '\\0' || chr(2), 'g')"
    plates = (f"regexp_replace({wrapped}, '\\x01[A-Za-z0-9]*([A-Za-z][0-9]|[0-9][A-Za-z])[A-Za-z0-9]*\\x02', "
              "'[PLATE]', 'g')")
    return f"CASE WHEN regexp_matches({x}, '[0-9]') THEN replace(replace({plates}, chr(1), ''), chr(2), '') ELSE {x} END"


def column_rule(column: str, dtype: str) -> str | None:
    """How a column of a view is redacted: 'plate', 'person', 'raw', 'text' or None (kept)."""
    if dtype.upper() == "JSON" or (_RAW_COLUMN.search(column) and not dtype.upper().endswith("[]")):
        return "raw"  # structured copies of the original cells (event details): names and plates inside
    if dtype.upper().endswith("[]") or not dtype.upper().startswith("VARCHAR"):
        return None
    if column == "searcher_org" or column == "producer" or column.startswith("source_"):
        return None
    if _PLATE_COLUMN.match(column):
        return "plate"
    if _PERSON_COLUMN.match(column):
        return "person"
    if _TEXT_COLUMN.search(column) and column not in ("search_type", "log_kind", "search_key", "search_id"):
        return "text"
    return None


def redacted_select(source: str, columns: list[tuple[str, str]], secret: str) -> tuple[str, int]:
    """SELECT over ``source`` with each column redacted by its rule; returns (sql, number of columns changed)."""
    parts, changed = [], 0
    for column, dtype in columns:
        quoted = '"' + column.replace('"', '""') + '"'
        rule = column_rule(column, dtype)
        if rule == "plate":
            expression = pseudonym_sql(quoted, "plate", secret)
        elif rule == "person":
            expression = pseudonym_sql(quoted, "person", secret)
        elif rule == "raw":
            expression = f"CAST(NULL AS {dtype})"
        elif rule == "text":
            expression = mask_text_sql(quoted)
        else:
            parts.append(quoted)
            continue
        changed += 1
        parts.append(f"{expression} AS {quoted}")
    return f"SELECT {', '.join(parts)} FROM {source}", changed


def apply(engine: Engine) -> list[str]:
    """Replace every view carrying people or plates with its redacted version. Returns the views redacted."""
    secret = load_secret(engine.store)
    con = engine.con
    redacted: list[str] = []
    for view, columns in engine.views().items():
        if view in _NOT_PERSONAL or view.startswith("flag_"):
            continue
        select, changed = redacted_select(f'"{UNREDACTED_PREFIX}{view}"', columns, secret)
        if not changed:
            continue
        is_view = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND NOT internal",
                              [view]).fetchall()[0][0]
        if not is_view:
            continue
        con.execute(f'DROP VIEW IF EXISTS "{UNREDACTED_PREFIX}{view}"').fetchall()
        con.execute(f'ALTER VIEW "{view}" RENAME TO "{UNREDACTED_PREFIX}{view}"').fetchall()
        cached = _cached_copy(engine, view, select) if view == "searches" else None
        con.execute(f'CREATE VIEW "{view}" AS {cached or select}').fetchall()
        redacted.append(view)
    return redacted


def _cached_copy(engine: Engine, view: str, select: str) -> str | None:
    """The redacted ``searches`` from derived/ when a writer wrote it for this store state and these rules
    (the stamp keeps a hash of the redaction SQL, which covers the key and the rules); else None (the live
    view)."""
    key = hashlib.sha256(select.encode("utf-8")).hexdigest()
    engine.redacted_searches = (key, select)
    copy = engine.derived.redacted
    if view != "searches" or not copy or copy.get("key") != key:
        return None
    return f"SELECT * FROM read_parquet({sql_literal(str(copy['path']))})"
