"""billing-config validate: schema, cross-reference and lint rules over the whole tree."""

from __future__ import annotations

import argparse
import sys

from billing_config.commands import COMMANDS
from billing_config.commands.options import add_config_dir, add_format_option
from billing_config.render import FINDING_FORMATS

def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "validate",
        help=COMMANDS["validate"],
        description="Check the whole config tree and report every problem at once.",
    )
    add_config_dir(parser)
    add_format_option(parser, FINDING_FORMATS)
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    parser.add_argument(
        "--base", metavar="REF", default=None,
        help="the git revision this change is judged against (default: HEAD; in CI the target branch): "
        "where two entries clash, the one changed since REF is reported",
    )
    parser.add_argument("--jobs", type=int, default=None, help=argparse.SUPPRESS)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from billing_config.commands.options import wants_colour
    from billing_config.findings import has_failures
    from billing_config.loader import require_config_dir
    from billing_config.render import findings as render
    from billing_config.rules import validate_tree

    require_config_dir(args.config_dir)
    result = validate_tree(args.config_dir, jobs=args.jobs, base=args.base)
    if args.format == "json":
        sys.stdout.write(render.render_json(result.findings))
    elif args.format == "github":
        sys.stdout.write(render.render_github(result.findings))
    else:
        colour = wants_colour()
        sys.stdout.write(render.render_text(result.findings, colour=colour))
        print(render.render_summary(result.files, result.errors, result.warnings), file=sys.stderr)
    return 1 if has_failures(result.findings, args.strict) else 0
