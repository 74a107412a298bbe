"""billing-config new KIND NAME: scaffold an entry file with every field at its default."""

from __future__ import annotations

import argparse

from billing_config.commands import COMMANDS
from billing_config.commands.options import add_config_dir
from billing_config.commands.output import say
from billing_config.files.scaffold import kind_aliases


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    aliases = kind_aliases()
    parser = subparsers.add_parser(
        "new",
        help=COMMANDS["new"],
        description="Scaffold a valid, formatted entry file whose code is derived from its name.",
    )
    parser.add_argument("kind", choices=sorted(aliases), metavar="KIND", help=f"one of: {', '.join(sorted(aliases))}")
    parser.add_argument("name", metavar="NAME", help="the entry's name, as staff will see it")
    parser.add_argument("--code", help="the code (file name) to use instead of the one derived from NAME")
    add_config_dir(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from billing_config.files.scaffold import scaffold_entry
    from billing_config.loader.tree import display_path

    path = scaffold_entry(args.config_dir, kind_aliases()[args.kind], args.name, args.code)
    say(f"created {display_path(path)}")
    return 0
