"""billing-config docs: write the configuration reference generated from the schemas."""

from __future__ import annotations

import argparse
from pathlib import Path

from billing_config.commands.output import say
from billing_config.commands import COMMANDS
from billing_config.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "docs",
        help=COMMANDS["docs"],
        description="Write the reference of every kind, field and validation rule, generated from the schemas and the rule catalogue.",
    )
    parser.add_argument("--out", type=Path, default=Path("docs/reference.md"), metavar="FILE", help="where to write (default: docs/reference.md)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the file is out of date")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from billing_config.render.reference import reference_markdown

    text = reference_markdown()
    current = args.out.read_text(encoding="utf-8") if args.out.is_file() else None
    if args.check:
        if current == text:
            say(f"{args.out} is up to date", err=True)
            return 0
        say(f"{args.out} is out of date with the schemas or the rule catalogue; run `billing-config docs` and commit it")
        return 1
    if current != text:
        try:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text, encoding="utf-8")
        except OSError as error:
            raise UserError(f"cannot write {args.out}: {error.strerror or error}") from None
        say(f"wrote {args.out}")
    else:
        say(f"{args.out} is up to date", err=True)
    return 0
