"""The `lprlogs` command line: one click group, one function per command, thin over the library.

User mistakes are raised as ``LprlogsError`` and shown as one line with a hint, never a traceback.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import Interrupted, LprlogsError, is_disk_full
from .output import emit, output_options, terminal_safe
from .schema import LOG_KINDS
from .store import Store, default_store_dir
from .timezones import check_zone

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def user_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one-line click errors."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Interrupted as exc:
            click.echo(f"lprlogs: {terminal_safe(exc.one_line())}", err=True)
            raise click.exceptions.Exit(Interrupted.exit_code) from exc
        except LprlogsError as exc:
            raise click.ClickException(terminal_safe(exc.one_line())) from exc

    return wrapper


def store_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--store``, and ``--memory`` with it: every command that opens a store opens DuckDB."""
    return click.option(
        "--store", "store_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Store folder (default: $LPRLOGS_STORE, else ./lprlogs-store).",
    )(memory_option(func))


def _choose_memory(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    from .memory import choose

    try:
        choose(value)  # also when not given: a value chosen by an earlier command of this process is forgotten
    except LprlogsError as exc:
        if value is not None:
            raise click.UsageError(exc.one_line(), ctx=ctx) from exc
        raise click.ClickException(exc.one_line()) from exc


def memory_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--memory``: how much memory DuckDB may use before it spills to the temporary folder (memory.py)."""
    return click.option(
        "--memory", metavar="SIZE", default=None, expose_value=False, callback=_choose_memory,
        help="Memory DuckDB may use before it spills to the temporary folder (TMPDIR), e.g. 2GB, 512MB, 40% "
             "(default: $LPRLOGS_MEMORY, else a quarter of this machine's memory, at most 3 GiB).",
    )(func)


def params_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
        help="Set a query parameter, e.g. -p retention_days=90 (repeatable).",
    )(func)


def quiet_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``-q``: no progress bar (ingest's, the report's)."""
    return click.option("-q", "--quiet", is_flag=True, help="No progress bar; print only the summary line.")(func)


def redact_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--redact``: outputs with plates and officer names pseudonymised and personal data in text masked."""
    return click.option(
        "--redact", is_flag=True,
        help="Pseudonymise plates and officer names (stable codes), mask plates, phones and birth dates in text.",
    )(func)


def parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise LprlogsError(f"parameter {pair!r} is not NAME=VALUE", hint="e.g. -p retention_days=90")
        params[name.strip()] = value.strip()
    from .law import check_params

    check_params(params)
    return params


def resolve_store(store_dir: Path | None) -> Path:
    return store_dir if store_dir is not None else default_store_dir()


def open_engine(store_dir: Path | None, params: dict[str, str] | None = None, redact: bool = False):  # noqa: ANN201
    from .engine import Engine

    return Engine(Store.open(resolve_store(store_dir)), params or {}, redact=redact)


class LprlogsGroup(click.Group):
    """Turns an unexpected error (a bug, not a user's mistake) into one line asking for a report.
    Set LPRLOGS_DEBUG=1 to see the traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt as exc:  # Ctrl-C outside ingest's own handling (or pressed twice)
            click.echo("lprlogs: interrupted", err=True)
            raise click.exceptions.Exit(Interrupted.exit_code) from exc
        except Exception as exc:
            if is_disk_full(exc):
                raise click.ClickException(
                    "no space left on a disk lprlogs was writing to (the store, the output folder or the temporary "
                    "folder); free some space, or set TMPDIR to a bigger disk, and run the command again") from exc
            from .engine import damage_error

            damaged = damage_error(exc)  # a view over a missing or truncated store file, read outside `query`
            if damaged is not None:
                raise click.ClickException(damaged.one_line()) from exc
            if os.environ.get("LPRLOGS_DEBUG"):
                raise
            import duckdb

            if isinstance(exc, duckdb.OutOfMemoryException):
                from .memory import out_of_memory

                raise click.ClickException(out_of_memory().one_line()) from exc
            detail = terminal_safe(f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}")
            raise click.ClickException(
                f"internal error ({detail}); this is a bug in lprlogs, please report it "
                "(run again with LPRLOGS_DEBUG=1 to see the details)"
            ) from exc


@click.group(cls=LprlogsGroup, context_settings=CONTEXT_SETTINGS)
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
        click.option("--producers", "producers_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="A CSV naming the producer (and log_kind) of files by name or glob: columns "
                          "file,producer,log_kind. For releases of generically named files."),
        click.option("--log-type", "log_kind", type=click.Choice(LOG_KINDS), default=None,
                     help="The kind of log (overrides file names)."),
        click.option("--encoding", default=None,
                     help="Text encoding of CSV files (e.g. utf-8, cp1252, utf-16); detected when not given."),
        click.option("--tz", default=None,
                     help="Time zone of local, zone-less times (e.g. America/Los_Angeles), for Vigilant and event logs."),
        click.option("--force", is_flag=True, help="Read files again even if already in the store (same sha256)."),
        quiet_option,
        click.option("--debug", is_flag=True, help="Show tracebacks from readers (for bug reports)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def run_ingest(paths: tuple[str, ...], store_dir: Path | None, producer: str | None, log_kind: str | None,
               encoding: str | None, tz: str | None, force: bool, quiet: bool, debug: bool,
               as_json: bool, exclude: tuple[Path, ...] = (), producers_file: Path | None = None,
               attention: bool = True):  # noqa: ANN201
    from .ingest import ingest
    from .progress import IngestProgress
    from .sources import count_files, read_producers_file

    store_path = resolve_store(store_dir)
    if producer and producers_file:
        raise LprlogsError("give --producer or --producers, not both",
                           hint="--producer names one agency for every file; --producers maps files to agencies")
    rules = read_producers_file(producers_file) if producers_file else None
    if tz:
        check_zone(tz)
    if encoding:
        import codecs
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise LprlogsError(f"unknown encoding {encoding!r}", hint="try utf-8, cp1252, latin-1 or utf-16") from exc
    show_bar = not quiet and not as_json and sys.stderr.isatty()
    total = count_files(list(paths)) if show_bar else None
    with IngestProgress(enabled=show_bar, total=total) as progress:
        report = ingest(list(paths), store_path, producer=producer, log_kind=log_kind, encoding=encoding, tz=tz,
                        force=force, exclude=exclude, on_event=progress.event, debug=debug, producers=rules)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print_ingest_report(report, quiet=quiet)
        if attention:
            print_attention(report)
    return report


def print_attention(report: Any) -> None:
    """What needs the user's attention, once, after everything else: files whose searches were stored
    without a producer, local times of unknown zone, files skipped or rejected, --producers lines that
    matched no file."""
    unnamed = [f.path for f in report.files if f.status == "ingested" and f.rows_stored and not f.producer]
    if unnamed:
        shown = ", ".join(unnamed[:5]) + (f" and {len(unnamed) - 5} more" if len(unnamed) > 5 else "")
        click.echo(terminal_safe(
            f"attention: {len(unnamed)} file(s) stored without a producer (the agency whose log it is): {shown}. "
            "Each is kept apart in every output; name them with --producer, or list them in a CSV "
            "(file,producer,log_kind) given as --producers FILE, and ingest again with --force."))
    _attention_times(report)
    refused = [f for f in report.files if f.status in ("skipped", "rejected")]
    if refused:
        click.echo(f"attention: {len(refused)} file(s) not read ({sum(f.status == 'rejected' for f in refused)} "
                   "rejected, the rest skipped as not audit logs): each is listed above with its reason, and in "
                   "`lprlogs sources --all` and the report's data-quality section")
    for rule in report.producer_rules:
        if not rule.used:
            click.echo(terminal_safe(f"attention: --producers line {rule.line} ({rule.pattern}) matched no file"))


def _attention_times(report: Any) -> None:
    """Local times whose zone is unknown, and those read in a zone assumed from the producer's state."""
    unknown = [f for f in report.files if f.status == "ingested" and "zone unknown" in (f.variant or "")]
    if unknown:
        click.echo(terminal_safe(
            f"attention: {len(unknown)} file(s) hold local times whose zone is not known (stored as written, marked "
            f"'local, zone unknown' in every output, never called UTC): {', '.join(f.path for f in unknown[:3])}"
            f"{' ...' if len(unknown) > 3 else ''}. Give the zone with --tz (and --force), or in the registry."))
    assumed = [f for f in report.files if f.status == "ingested" and any("keeps one zone" in n for n in f.notes)]
    if assumed:
        click.echo(f"note: {len(assumed)} file(s) of local times were read in the zone of their producer's state "
                   "(time_basis says so); check it for agencies near a zone line")


def print_ingest_report(report: Any, quiet: bool) -> None:
    if not quiet:
        for f in report.files:
            if f.status == "ingested":
                who = f", producer {f.producer or '?'}, {f.log_kind}" if f.log_kind else ""
                line = (f"{f.path}: {f.format} ({f.variant}){who}: "
                        f"read {f.rows_read:,}, stored {f.rows_stored:,}, quarantined {f.rows_quarantined:,}")
                if f.other_tables:
                    line += "; other tables: " + ", ".join(f"{k} {v:,}" for k, v in sorted(f.other_tables.items()))
                click.echo(terminal_safe(line))
                for note in f.notes:
                    click.echo(terminal_safe(f"  note: {note}"))
            else:
                click.echo(terminal_safe(f"{f.path}: {f.status}: {f.reason}"), err=f.status == "rejected")
    d = report.as_dict()
    batch = f"batch {report.batch_id}" if report.batch_id is not None else "no batch recorded (nothing new stored)"
    click.echo(
        f"{batch}: {d['files_ingested']} file(s) ingested, {d['files_already']} already in the store, "
        f"{d['files_skipped']} skipped, {d['files_rejected']} rejected; {d['rows_stored']:,} rows stored, "
        f"{d['rows_quarantined']:,} quarantined -> {report.store}"
    )


@cli.command()
@ingest_options
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@user_errors
def ingest(paths: tuple[str, ...], store_dir: Path | None, producer: str | None, producers_file: Path | None,
           log_kind: str | None, encoding: str | None, tz: str | None, force: bool, quiet: bool, debug: bool,
           as_json: bool) -> None:
    """Read files, folders and .zip archives into the store.

    Every file is either ingested, found already in the store (same sha256), skipped as not an
    audit (cover letters, Word files) or rejected with its reason; every row is either stored or
    quarantined with its reason. Exit status is non-zero only when nothing at all could be read.
    """
    require_something_read(run_ingest(paths, store_dir, producer, log_kind, encoding, tz, force, quiet, debug,
                                      as_json, producers_file=producers_file))


def require_something_read(report: Any) -> None:
    """Exit non-zero when no file at all could be read (the contract's rule for ingest and analyze)."""
    if not report.files:
        raise click.ClickException("no files found under the given paths (hidden files and links are not read)")
    if not report.anything_usable:
        raise click.ClickException("nothing could be read from the given paths (see the reasons above)")


# --- query ---------------------------------------------------------------------------------------

class QueryCommand(click.Command):
    """`lprlogs query`, whose help ends with the views and their columns (as in an empty store)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write("\nViews and their columns (`lprlogs query --schema` lists those of your store, with the "
                        "tables its files add):\n")
        for line in describe_empty_store_views().splitlines():
            formatter.write(f"{line}\n")


def describe_empty_store_views() -> str:
    """The views of an empty store with their columns: the same on every machine (docs/commands.md)."""
    import tempfile

    from .engine import Engine

    with tempfile.TemporaryDirectory(prefix="lprlogs-help-") as folder:
        engine = Engine(Store.open(Path(folder) / "store", create=True))
        try:
            return engine.describe_views()
        finally:
            engine.close()


def read_sql_argument(sql: str) -> str:
    """The SQL to run: the text itself, a .sql file's content, or standard input for ``-``."""
    if sql == "-":
        return sys.stdin.read()
    path = Path(sql)
    if "\n" not in sql and sql.strip().lower().endswith(".sql"):
        if not path.is_file():
            raise LprlogsError("no such SQL file", path=sql, hint="give a .sql file, SQL text, or - for standard input")
        return path.read_text(encoding="utf-8")
    return sql


def query_params(sql: str, values: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """-p values split into those the SQL files declare (typed, checked by the engine) and the ones this query
    names itself as $name or getvariable('name'); any other is an unknown parameter."""
    from .engine import check_params, parameters

    declared = parameters()
    named = set(re.findall(r"\$([A-Za-z_]\w*)", sql)) | set(re.findall(r"getvariable\(\s*'(\w+)'", sql))
    check_params(values, declared, extra=named)
    return ({k: v for k, v in values.items() if k in declared},
            {k: v for k, v in values.items() if k not in declared})


@cli.command(cls=QueryCommand)
@click.argument("sql", required=False)
@store_option
@params_option
@output_options
@click.option("--limit", type=int, default=None, help="Print at most this many rows.")
@click.option("--schema", is_flag=True, help="List the views and their columns, then exit.")
@redact_option
@click.option("--allow-files", "allow_files", multiple=True, metavar="DIR",
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Let the SQL read files under DIR (read_csv, read_parquet...); by default it reads only the store.")
@user_errors
def query(sql: str | None, store_dir: Path | None, params: tuple[str, ...], fmt: str, limit: int | None,
          schema: bool, redact: bool, allow_files: tuple[Path, ...]) -> None:
    """Run read-only SQL over the store's views: SQL text, a .sql file, or - for standard input.

    Every file under queries/ runs alone, e.g. lprlogs query queries/reports/headline.sql (the
    report's objects, report_searches, report_flags..., are defined when a query names them).
    Parameters: -p name=value, used in SQL as $name or getvariable('name').

    Queries cannot change anything: they cannot write files, attach databases or install or load
    extensions, and they read only the store (and files under --allow-files DIR).

    Example: lprlogs query "select producer, log_kind, count(*) from searches group by all"
    """
    import duckdb

    if schema:
        click.echo(open_engine(store_dir, redact=redact).describe_views())
        return
    if sql is None:
        raise click.UsageError("give SQL, a .sql file or - (standard input); --schema lists the views")
    text = read_sql_argument(sql)
    declared, own = query_params(text, parse_params(params))
    engine = open_engine(store_dir, declared, redact=redact)
    engine.lock_down(allow_files)
    relation = engine.relation(text, own)
    try:
        rows = (relation.limit(limit) if limit is not None else relation).fetchall()
    except duckdb.Error as exc:
        raise engine._sql_error(exc) from exc
    emit(relation.columns, rows, fmt)


@cli.command()
@store_option
@click.option("--force", is_flag=True, help="Build everything again, even what is current.")
@user_errors
def rebuild(store_dir: Path | None, force: bool) -> None:
    """Build the store's derived tables (duplicate marks, agencies, packs, report tables) again from the stored rows.

    Ingest does this itself; run it for a store copied without derived/, or after a derived file was
    lost. Readers never write: without it they compute what they need in memory, each time.
    """
    from .engine import rebuild as rebuild_derived

    store = Store.open(resolve_store(store_dir))
    try:
        built = rebuild_derived(store, force=force)
    except OSError as exc:
        raise LprlogsError(f"cannot write the derived tables ({exc.strerror or exc})", path=str(store.root),
                           hint="rebuild needs a store you can write to; queries work without it") from exc
    click.echo(f"derived tables {'rebuilt' if built else 'already current'} in {store.layout.derived}", err=True)


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
               "rows_duplicate, other_tables, encoding, reason" if fmt == "table" else "*")
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


# --- follow-up: records requests, batches diff ------------------------------------------------------

@cli.command()
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the letters, their search lists, tracking.csv and appeal drafts.")
@click.option("--flag", "flag_names", multiple=True, metavar="NAME",
              help="Flags that call for a letter (repeatable; replaces the default set: the flags whose file "
                   "says `followup: default`, see `lprlogs flags --list`).")
@click.option("--agency", "agency_names", multiple=True, metavar="NAME",
              help="Only these agencies: a display name, an Org Name as in the log, or an agency key (repeatable).")
@store_option
@params_option
@redact_option
@output_options
@user_errors
def followup(out_dir: Path, flag_names: tuple[str, ...], agency_names: tuple[str, ...], store_dir: Path | None,
             params: tuple[str, ...], redact: bool, fmt: str) -> None:
    """Draft one records request per searching agency with findings, plus tracking.csv.

    Each letter (.md and .txt) names the agency's state public-records law (or federal FOIA) and lists
    its flagged searches with where each was found; all of them are also in <agency>-searches.csv.
    Over-redacted releases get an appeal draft, and producers whose searches may conflict with their
    state's ALPR law (state_law_* flags; by default, or when such a --flag is given) a state-law draft
    asking for the records that would show an exception. Letters are drafts: a reporter checks each one.
    """
    from .followup import write_followup

    engine = open_engine(store_dir, parse_params(params), redact=redact)
    result = write_followup(engine, out_dir, flags=flag_names, agencies=agency_names)
    for name in result.unmatched_agencies:
        click.echo(f"note: no flagged searches by {name!r} (check the spelling against `lprlogs agencies list`: "
                   "a display name, a name as in the log, or an agency key)", err=True)
    if result.skipped_rows_without_agency:
        click.echo(f"note: {result.skipped_rows_without_agency:,} flagged row(s) name no searching agency "
                   "and got no letter", err=True)
    if not result.letters:
        click.echo("note: no searching agency has rows with these flags (see `lprlogs flags`; choose others "
                   "with --flag NAME)", err=True)
    columns, rows = result.summary_rows()
    emit(columns, rows, fmt)
    click.echo(f"{len(result.letters)} letter(s), {len(result.appeals)} appeal draft(s), tracking sheet "
               f"{result.tracking} (drafts: check every one before sending)", err=True)


@cli.command()
@click.option("--since", "since", required=True, type=int, metavar="BATCH",
              help="Batch id (see `lprlogs batches`): show what later batches added.")
@click.option("--flag", "flag_names", multiple=True, metavar="NAME",
              help="Count only searches with these flags (repeatable; default: any flag).")
@store_option
@params_option
@redact_option
@output_options
@user_errors
def diff(since: int, flag_names: tuple[str, ...], store_dir: Path | None, params: tuple[str, ...], redact: bool,
         fmt: str) -> None:
    """What the batches after BATCH added: new files, new agencies, new flagged searches (by search).

    Exit status for scripts: 0 nothing new, 3 new flagged searches, 4 new files or agencies but no
    new flagged searches, 1 error (e.g. unknown batch id), 2 usage error. --json prints one object.
    """
    from .diff import diff_since

    engine = open_engine(store_dir, parse_params(params), redact=redact)
    result = diff_since(engine, since, flag_names)
    if fmt == "json":
        from .output import jsonable

        payload = {"since": result.since, "latest_batch": result.latest_batch, "counts": result.counts(),
                   "exit_code": result.exit_code}
        for name, (cols, rows) in result.sections.items():
            payload[name] = [dict(zip(cols, map(jsonable, row), strict=True)) for row in rows]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    elif fmt in ("csv", "ndjson"):
        emit(*result.long_form(), fmt)
    else:
        counts = result.counts()
        click.echo(f"since batch {since} (latest {result.latest_batch}): {counts['new_sources']} new file(s), "
                   f"{counts['new_agencies']} new agency name(s), {counts['new_flagged_searches']} new flagged "
                   "search(es)")
        for name, (cols, rows) in result.sections.items():
            if rows:  # on screen, leave out the long hashes (--json and --csv keep them)
                keep = [i for i, c in enumerate(cols) if c not in ("sha256", "search_uid")]
                click.echo(f"\n{name.replace('_', ' ')}:")
                emit([cols[i] for i in keep], [tuple(r[i] for i in keep) for r in rows], fmt)
    sys.exit(result.exit_code)


# --- report / analyze / export -------------------------------------------------------------------

def report_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
                     help="Folder for index.html, lprlogs-report.xlsx, csv/ and brief.md."),
        params_option,
        click.option("--since", "since", type=int, default=None, metavar="BATCH",
                     help="Count only searches first seen after this ingest batch (see `lprlogs batches`)."),
        redact_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def run_report(store_dir: Path | None, out_dir: Path, params: tuple[str, ...], since: int | None,
               redact: bool, quiet: bool = False) -> None:
    from .progress import ReportProgress
    from .report import build_report

    engine = open_engine(store_dir, parse_params(params), redact=redact)
    with ReportProgress(enabled=not quiet and sys.stderr.isatty()) as progress:
        files = build_report(engine, out_dir, since=since, on_event=progress.event if progress.enabled else None)
    headline = files.data.headline
    click.echo(f"report: {headline['rows']:,} rows, {headline['searches']:,} distinct searches, "
               f"{len(files.data.findings)} findings -> {files.html}, {files.workbook.name}, "
               f"{files.brief.name}, csv/ ({len(files.csvs)} files)")


@cli.command()
@store_option
@report_options
@quiet_option
@user_errors
def report(store_dir: Path | None, out_dir: Path, params: tuple[str, ...], since: int | None, redact: bool,
           quiet: bool) -> None:
    """Write the reporter's report: index.html (offline), lprlogs-report.xlsx, csv/<flag>.csv, brief.md.

    Every flagged row is cited to its file, sheet and row (or PDF page). A progress bar on stderr shows
    its steps (none with -q or when stderr is not a terminal). Example:
    lprlogs report -o report/ -p retention_days=90
    """
    run_report(store_dir, out_dir, params, since, redact, quiet)


@cli.command()
@ingest_options
@report_options
@user_errors
def analyze(paths: tuple[str, ...], store_dir: Path | None, producer: str | None, producers_file: Path | None,
            log_kind: str | None,
            encoding: str | None, tz: str | None, force: bool, quiet: bool, debug: bool, out_dir: Path,
            params: tuple[str, ...], since: int | None, redact: bool) -> None:
    """Ingest PATH... into the store, then write the report into -o DIR (the one-command main job).

    Example: lprlogs analyze release/ -o report/   then open report/index.html
    """
    report = run_ingest(paths, store_dir, producer, log_kind, encoding, tz, force, quiet, debug, False,
                        exclude=(out_dir,), producers_file=producers_file, attention=False)
    require_something_read(report)
    run_report(store_dir, out_dir, params, since, redact, quiet)
    print_attention(report)  # last, where it is seen: not buried among the per-file lines


@cli.command()
@click.option("--sqlite", "sqlite_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite file to write (replaced if it exists).")
@click.option("--metadata", "metadata_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write Datasette's metadata (default: FILE's name with .metadata.json).")
@store_option
@params_option
@redact_option
@user_errors
def export(sqlite_file: Path, metadata_file: Path | None, store_dir: Path | None, params: tuple[str, ...],
           redact: bool) -> None:
    """Write every view (searches, flags, sources, quarantine, agencies...) as tables of a SQLite file,
    to open in Datasette, DB Browser or a spreadsheet tool, with keys, indexes, full-text search over
    reasons and prompts, and a metadata file describing each table and column.

    Example: lprlogs export --sqlite logs.db && datasette logs.db -m logs.metadata.json
    """
    from .export import export_sqlite

    engine = open_engine(store_dir, parse_params(params), redact=redact)
    counts = export_sqlite(engine, sqlite_file, metadata_file)
    for name, rows in counts.items():
        click.echo(f"{name}: {rows:,} rows")
    metadata = metadata_file or sqlite_file.with_name(sqlite_file.stem + ".metadata.json")
    click.echo(f"{len(counts)} tables -> {sqlite_file} (Datasette: datasette {sqlite_file} -m {metadata})")


class FlagsCommand(click.Command):
    """`lprlogs flags`, whose help ends with the flags and their parameters, read from the flag files."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from .flags import flags_help

        try:
            text = flags_help()
        except LprlogsError as exc:  # a damaged flag file: say which, in the help too
            text = f"Flags: cannot be listed: {exc.one_line()}"
        formatter.write("\n")
        for line in text.splitlines():
            formatter.write(f"{line}\n" if line else "\n")


@cli.command("flags", cls=FlagsCommand)
@store_option
@params_option
@output_options
@click.option("--terms", is_flag=True,
              help="List every term instead: which flag it drives, how many rows it matched, and why it is listed.")
@click.option("--list", "list_flags", is_flag=True,
              help="List the flags (section, title, parameters, follow-up default, what each answers); no store needed.")
@user_errors
def flags_command(store_dir: Path | None, params: tuple[str, ...], fmt: str, terms: bool, list_flags: bool) -> None:
    """Count each flag: rows, distinct searches, distinct searching agencies (by agency key).

    With --terms, count each term of the term tables, so you can see which term drives a number
    and drop one that misfires, e.g. -p drop_terms=ice or -p drop_vague_terms=test. Parameters
    (e.g. -p retention_days=90 -p wide_lookup_networks=500) reach every flag.
    """
    from .flags import flag_counts, flag_list, parameter_line, term_counts

    if list_flags:
        emit(*flag_list(), fmt)
        return
    engine = open_engine(store_dir, parse_params(params))
    columns, rows = term_counts(engine) if terms else flag_counts(engine)
    emit(columns, rows, fmt)
    if fmt == "table" and parameter_line(engine):
        click.echo(parameter_line(engine))


@cli.command("law")
@store_option
@params_option
@output_options
@user_errors
def law_command(store_dir: Path | None, params: tuple[str, ...], fmt: str) -> None:
    """The state-law rules in force for the store's producers: the law, its dates, the rules, their
    confidence and review status, and which state_law_* flags they drive at -p law_confidence (default
    medium; low also counts rules nobody reviewed). Possible conflicts, never findings of a violation."""
    from .law import TABLE_COLUMNS, rules_in_force

    engine = open_engine(store_dir, parse_params(params))
    columns, rows = rules_in_force(engine)
    if fmt == "table":  # the rules and long texts go to csv/json; the table shows what a reporter checks first
        keep = [columns.index(c) for c in TABLE_COLUMNS]
        columns, rows = list(TABLE_COLUMNS), [tuple(r[i] for i in keep) for r in rows]
    emit(columns, rows, fmt)


# --- agencies ------------------------------------------------------------------------------------

@cli.group()
def agencies() -> None:
    """Organisation names: classify them, list those in the store, load a registry of corrections
    and ICE's 287(g) lists."""


@agencies.command("classify")
@click.argument("names", nargs=-1)
@click.option("--file", "names_file", default=None, metavar="FILE",
              help="Read names from FILE (one per line, or a CSV with a name column); - reads standard input.")
@click.option("--registry", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A registry CSV (name_or_pattern, state, kind, same_as, display_name) overriding the rules.")
@store_option
@output_options
@user_errors
def agencies_classify(names: tuple[str, ...], names_file: str | None, registry: Path | None,
                      store_dir: Path | None, fmt: str) -> None:
    """Classify organisation names: normalised name, state, kind, federal, school, inactive.

    Names come from the arguments, --file, or standard input (`-`). Without --registry, the
    registry saved in the store (load-registry) is used when there is one.

    Example: lprlogs agencies classify "Cypress Fairbanks ISD (TX) PD" "Federal Way WA PD"
    """
    from .agencies.commands import classify_command

    columns, rows = classify_command(list(names), names_file, registry, resolve_store(store_dir),
                                     sys.stdin)
    emit(columns, rows, fmt)


@agencies.command("list")
@store_option
@output_options
@user_errors
def agencies_list(store_dir: Path | None, fmt: str) -> None:
    """Every organisation seen in the store, as producer or searcher, with row counts in each role."""
    from .agencies.commands import list_agencies

    columns, rows = list_agencies(open_engine(store_dir))
    emit(columns, rows, fmt)


@agencies.command("load-287g")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--status", type=click.Choice(["participating", "pending"]), default=None,
              help="Which list this is (default: from the file name, else from its columns).")
@click.option("--replace", "replace_older", is_flag=True,
              help="Drop lists loaded before with the same status (keep only this one).")
@store_option
@output_options
@user_errors
def agencies_load_287g(file: Path, status: str | None, replace_older: bool, store_dir: Path | None,
                       fmt: str) -> None:
    """Load ICE's 287(g) participating or pending list (.xlsx as ICE publishes it) into the store
    and match each agreement to the organisation names in the logs (view: agreements)."""
    from .agencies.commands import load_287g_command

    columns, rows = load_287g_command(resolve_store(store_dir), file, status, replace_older)
    emit(columns, rows, fmt)


@agencies.command("load-registry")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_option
@output_options
@user_errors
def agencies_load_registry(file: Path, store_dir: Path | None, fmt: str) -> None:
    """Save a registry CSV (name_or_pattern, state, kind, same_as, display_name) in the store: it overrides the
    rules for every later command and report."""
    from .agencies.commands import load_registry_command

    columns, rows = load_registry_command(resolve_store(store_dir), file)
    emit(columns, rows, fmt)


def main() -> None:  # pragma: no cover
    cli()
