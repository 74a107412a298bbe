"""The command line: parses arguments and wires stages together, nothing more."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from billing_config import __version__
from billing_config.commands import COMMAND_MODULES
from billing_config.errors import ConfigInvalid, UserError

PROG = "billing-config"


def build_parser() -> argparse.ArgumentParser:
    from billing_config.commands.output import Parser

    parser = Parser(
        prog=PROG,
        description="Customer statuses, groups and departments of the billing platform, kept as code.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"billing_config.commands.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
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
