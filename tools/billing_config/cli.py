"""The command line: parses arguments and wires stages together, nothing more."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Collection, Sequence

from billing_config import __version__
from billing_config.commands import COMMANDS
from billing_config.errors import ConfigInvalid, UserError

PROG = "billing-config"


def build_parser(commands: Collection[str] | None = None, *, list_the_rest: bool = False) -> argparse.ArgumentParser:
    """The command line's parser, with the parsers of the commands named (by default every
    command's). Building a command's parser imports what its options need, so the command line
    builds only the one it runs. list_the_rest adds every other command by its line of help
    alone, which is all `billing-config --help` and the message about an unknown command show."""
    from billing_config.commands.output import Parser

    parser = Parser(
        prog=PROG,
        description="Customer statuses, groups and departments of the billing platform, kept as code.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, summary in COMMANDS.items():
        if commands is None or name in commands:
            module = importlib.import_module(f"billing_config.commands.{name}")
            module.register(subparsers)
        elif list_the_rest:
            subparsers.add_parser(name, help=summary)
    return parser


def parser_for(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The parser an argument list needs: its command's alone when it starts with one (the
    parser itself has only --help and --version); else every command listed, for the help or
    the error, and the first command named, if any, in full, for its error message."""
    if argv and argv[0] in COMMANDS:
        return build_parser((argv[0],))
    return build_parser([argument for argument in argv if argument in COMMANDS][:1], list_the_rest=True)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = parser_for(arguments)
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exit_:  # argparse has already printed the usage message
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        code: int = args.run(args)
        return code
    except UserError as error:
        from billing_config.commands import output

        if isinstance(error, ConfigInvalid):
            from billing_config.render.findings import render_text

            output.show(render_text(error.findings), err=True)
        output.error(f"{PROG}: error: ", error)
        return error.exit_code
    except KeyboardInterrupt:
        from billing_config.commands.output import say

        say(f"{PROG}: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as error:  # the last line of defence: a user never sees a traceback
        if os.environ.get("BILLING_CONFIG_DEBUG"):
            raise
        from billing_config.commands.output import say

        say(f"{PROG}: internal error: {type(error).__name__}: {_one_line(error)}", err=True)
        say(f"This is a bug in {PROG}; rerun with BILLING_CONFIG_DEBUG=1 for the details and report it.", err=True)
        return 1


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else ""


if __name__ == "__main__":
    sys.exit(main())
