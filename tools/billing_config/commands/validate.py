"""billing-config validate: schema, cross-reference and lint rules over the whole tree."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path



def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "validate",
        help="check every config file against its schema and the cross-reference rules",
        description="Check the whole config tree and report every problem at once.",
    )
    parser.add_argument("--config-dir", type=Path, default=Path("config"), help="the config tree (default: ./config)")
    parser.add_argument("--format", choices=("text", "json", "github"), default="text", help="output format (default: text)")
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    parser.add_argument("--jobs", type=int, default=None, help=argparse.SUPPRESS)
    parser.set_defaults(run=run)


def _wants_colour() -> bool:
    """Colour for a person at a terminal: not in pipes or files, not with NO_COLOR set to
    anything non-empty (no-color.org), not on a terminal that declares itself dumb."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def run(args: argparse.Namespace) -> int:
    from billing_config.commands._shared import require_config_dir
    from billing_config.findings import has_failures
    from billing_config.render import findings as render
    from billing_config.rules.tree import validate_tree

    require_config_dir(args.config_dir)
    result = validate_tree(args.config_dir, jobs=args.jobs)
    if args.format == "json":
        sys.stdout.write(render.render_json(result.findings))
    elif args.format == "github":
        sys.stdout.write(render.render_github(result.findings))
    else:
        colour = _wants_colour()
        sys.stdout.write(render.render_text(result.findings, colour=colour))
        print(render.render_summary(result.files, result.errors, result.warnings), file=sys.stderr)
    return 1 if has_failures(result.findings, args.strict) else 0
