"""Print docs/commands.md: every lprlogs command's --help, walked from the click group.

Run by hand after changing a command (``python docs/gen_commands.py > docs/commands.md``);
tests/test_docs.py fails when the checked-in file differs from what this prints.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import click

HEADER = """\
# Commands

Generated from `lprlogs --help` by `python docs/gen_commands.py > docs/commands.md`; do not edit by
hand. Every command takes `-h/--help`. `--store DIR` defaults to `$LPRLOGS_STORE`, else
`./lprlogs-store`. Listing commands take `--format table|csv|json|ndjson|markdown` (and `--csv`,
`--json`); tables take the terminal's width (`COLUMNS` or the window), while csv and json stay
exact. A mistake in what you typed or gave (a missing file, a store that does not exist, bad
SQL) is one line with a hint, never a traceback.
"""

# Help is wrapped at this width whatever the terminal, so the file does not depend on who ran it.
WIDTH = 100


def context(command: click.Command, name: str, parent: click.Context | None) -> click.Context:
    settings = {**command.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
    return click.Context(command, info_name=name, parent=parent, **settings)


def walk(command: click.Command, ctx: click.Context) -> Iterator[click.Context]:
    """The context of ``command`` and of every subcommand under it, groups before their members."""
    yield ctx
    if isinstance(command, click.Group):
        for name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, context(sub, name, ctx))


def render(group: click.Group, prog: str = "lprlogs") -> str:
    root = context(group, prog, None)
    contexts = list(walk(group, root))
    lines = [HEADER, "## Contents", ""]
    for ctx in contexts:
        anchor = ctx.command_path.replace(" ", "-")
        lines.append(f"- [`{ctx.command_path}`](#{anchor})")
    for ctx in contexts:
        help_text = ctx.command.get_help(ctx).rstrip()
        lines += ["", f"## {ctx.command_path}", "", "```text", help_text, "```"]
    return "\n".join(lines) + "\n"


def main() -> None:
    from lprlogs.cli import cli

    sys.stdout.write(render(cli))


if __name__ == "__main__":
    main()
