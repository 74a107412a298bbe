"""billing-config validate: schema, cross-reference and lint rules over the whole tree."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from billing_config.commands import COMMANDS
from billing_config.commands.options import add_config_dir, add_format_option
from billing_config.commands.output import show
from billing_config.render import FINDING_FORMATS

if TYPE_CHECKING:
    from billing_config.rules.tree import TreeResult

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
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--target", metavar="NAME", default=None,
        help="also check the values against what this target can store, as its mapping states it (limits, encodings, "
        "fields it lacks); reads no database",
    )
    target.add_argument("--mapping", metavar="FILE", type=Path, default=None, help="as --target, with this mapping file")
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
    if args.target or args.mapping:
        result = _with_target(args, result)
    if args.format == "json":
        show(render.render_json(result.findings))
    elif args.format == "github":
        show(render.render_github(result.findings))
    else:
        colour = wants_colour()
        show(render.render_text(result.findings, colour=colour))
        show(render.render_summary(result.files, result.errors, result.warnings), err=True)
    return 1 if has_failures(result.findings, args.strict) else 0


def _with_target(args: argparse.Namespace, result: TreeResult) -> TreeResult:
    """The tree's findings plus what the target's mapping says it cannot store (target-limit,
    target-value), without a database: the limits the mapping states."""
    from billing_config.findings import sorted_findings
    from billing_config.mapping.limits import target_findings
    from billing_config.mapping.targets import choose_mapping

    start = args.config_dir if args.config_dir.is_dir() else Path.cwd()
    mapping = choose_mapping(args.mapping, args.target, start, strict=True)
    found = target_findings(result.documents, mapping)
    if found:
        result.findings = sorted_findings(result.findings + found)
    return result
