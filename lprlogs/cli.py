"""The `lprlogs` command line: one click group, one function per command, thin over the library.

User mistakes are raised as ``LprlogsError`` and shown as one line with a hint, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import LprlogsError
from .output import emit, output_options
from .schema import LOG_KINDS
from .store import Store, default_store_dir

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def user_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one-line click errors."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LprlogsError as exc:
            raise click.ClickException(exc.one_line()) from exc

    return wrapper


def store_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--store", "store_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Store folder (default: $LPRLOGS_STORE, else ./lprlogs-store).",
    )(func)


def params_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
        help="Set a query parameter, e.g. -p retention_days=90 (repeatable).",
    )(func)


def parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise LprlogsError(f"parameter {pair!r} is not NAME=VALUE", hint="e.g. -p retention_days=90")
        params[name.strip()] = value.strip()
    return params


def resolve_store(store_dir: Path | None) -> Path:
    return store_dir if store_dir is not None else default_store_dir()


def open_engine(store_dir: Path | None, params: dict[str, str] | None = None):  # noqa: ANN201
    from .engine import Engine

    return Engine(Store.open(resolve_store(store_dir)), params or {})


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="lprlogs")
def cli() -> None:
    """Turn ALPR audit-log releases (Flock, Vigilant) into a cited Parquet store and answer
    reporters' questions with readable SQL.

    Start with:  lprlogs analyze RELEASE_FOLDER -o report/
    """


# --- ingest --------------------------------------------------------------------------------------

def ingest_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str)),
        store_option,
        click.option("--producer", default=None, help="The agency whose log these files are (overrides file names)."),
        click.option("--log-type", "log_kind", type=click.Choice(LOG_KINDS), default=None,
                     help="The kind of log (overrides file names)."),
        click.option("--encoding", default=None,
                     help="Text encoding of CSV files (e.g. utf-8, cp1252, utf-16); detected when not given."),
        click.option("--tz", default=None,
                     help="Time zone of local, zone-less times (e.g. America/Los_Angeles), for Vigilant and event logs."),
        click.option("--force", is_flag=True, help="Read files again even if already in the store (same sha256)."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar; print only the summary line."),
        click.option("--debug", is_flag=True, help="Show tracebacks from readers (for bug reports)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def run_ingest(paths: tuple[str, ...], store_dir: Path | None, producer: str | None, log_kind: str | None,
               encoding: str | None, tz: str | None, force: bool, quiet: bool, debug: bool,
               as_json: bool, exclude: tuple[Path, ...] = ()):  # noqa: ANN201
    from .ingest import ingest
    from .progress import IngestProgress

    store_path = resolve_store(store_dir)
    if encoding:
        import codecs
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise LprlogsError(f"unknown encoding {encoding!r}", hint="try utf-8, cp1252, latin-1 or utf-16") from exc
    show_bar = not quiet and not as_json and sys.stderr.isatty()
    with IngestProgress(enabled=show_bar) as progress:
        report = ingest(list(paths), store_path, producer=producer, log_kind=log_kind, encoding=encoding, tz=tz,
                        force=force, exclude=exclude, on_event=progress.event, debug=debug)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print_ingest_report(report, quiet=quiet)
    return report


def print_ingest_report(report: Any, quiet: bool) -> None:
    if not quiet:
        for f in report.files:
            if f.status == "ingested":
                line = (f"{f.path}: {f.format} ({f.variant}), producer {f.producer or '?'}, {f.log_kind or '?'}: "
                        f"read {f.rows_read:,}, stored {f.rows_stored:,}, quarantined {f.rows_quarantined:,}")
                click.echo(line)
                for note in f.notes:
                    click.echo(f"  note: {note}")
            else:
                click.echo(f"{f.path}: {f.status}: {f.reason}", err=f.status == "rejected")
    d = report.as_dict()
    click.echo(
        f"batch {report.batch_id}: {d['files_ingested']} file(s) ingested, {d['files_already']} already in the store, "
        f"{d['files_skipped']} skipped, {d['files_rejected']} rejected; {d['rows_stored']:,} rows stored, "
        f"{d['rows_quarantined']:,} quarantined -> {report.store}"
    )


@cli.command()
@ingest_options
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@user_errors
def ingest(paths: tuple[str, ...], store_dir: Path | None, producer: str | None, log_kind: str | None,
           encoding: str | None, tz: str | None, force: bool, quiet: bool, debug: bool, as_json: bool) -> None:
    """Read files, folders and .zip archives into the store.

    Every file is either ingested, found already in the store (same sha256), skipped as not an
    audit (cover letters, Word files) or rejected with its reason; every row is either stored or
    quarantined with its reason. Exit status is non-zero only when nothing at all could be read.
    """
    report = run_ingest(paths, store_dir, producer, log_kind, encoding, tz, force, quiet, debug, as_json)
    if not report.anything_usable:
        raise click.ClickException("nothing could be read from the given paths (see the reasons above)")


# --- query ---------------------------------------------------------------------------------------

@cli.command()
@click.argument("sql")
@store_option
@params_option
@output_options
@click.option("--limit", type=int, default=None, help="Print at most this many rows.")
@user_errors
def query(sql: str, store_dir: Path | None, params: tuple[str, ...], fmt: str, limit: int | None) -> None:
    """Run read-only SQL over the store's views.

    Views: searches, flags, sources, quarantine, batches, agencies, events, sharing and more; a
    SQL error lists them with their columns. Parameters: -p name=value, used in SQL as $name or
    getvariable('name').

    Example: lprlogs query "select producer, log_kind, count(*) from searches group by all"
    """
    if sql == "-":
        sql = sys.stdin.read()
    values = parse_params(params)
    engine = open_engine(store_dir, values)
    relation = engine.relation(sql, values)
    rows = relation.fetchmany(limit) if limit is not None else relation.fetchall()
    emit(relation.columns, rows, fmt)


# --- sources / batches ---------------------------------------------------------------------------

@cli.command()
@store_option
@output_options
@click.option("--all", "show_all", is_flag=True, help="Include skipped and rejected files.")
@user_errors
def sources(store_dir: Path | None, fmt: str, show_all: bool) -> None:
    """What was ingested: one row per file with its format, variant and row counts."""
    engine = open_engine(store_dir)
    where = "" if show_all else "WHERE status = 'ingested'"
    columns = ("path, status, format, variant, producer, log_kind, rows_read, rows_stored, rows_quarantined, "
               "rows_duplicate, encoding, reason" if fmt == "table" else "*")
    cols, rows = engine.query(f"SELECT {columns} FROM sources {where} ORDER BY batch_id, path")
    emit(cols, rows, fmt)


@cli.command()
@store_option
@output_options
@user_errors
def batches(store_dir: Path | None, fmt: str) -> None:
    """Ingest runs (batches): when, which paths, how many files and rows each added."""
    engine = open_engine(store_dir)
    cols, rows = engine.query("SELECT * FROM batches ORDER BY batch_id")
    emit(cols, rows, fmt)


def main() -> None:  # pragma: no cover
    cli()
