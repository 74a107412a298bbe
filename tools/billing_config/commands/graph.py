"""billing-config graph: the status lifecycle as a Mermaid diagram."""

from __future__ import annotations

import argparse

from billing_config.commands import COMMANDS
from billing_config.commands.options import add_config_dir, add_format_option
from billing_config.commands.output import say, show
from billing_config.render import GRAPH_FORMATS


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "graph",
        help=COMMANDS["graph"],
        description=(
            "Print the whole status lifecycle as a Mermaid flowchart: which customer status follows "
            "which, the number, service and feature status each one applies, and the feature status "
            "each number and service status applies."
        ),
    )
    add_config_dir(parser)
    parser.add_argument("--highlight", nargs="+", default=[], metavar="CODE", help="codes of customer statuses to highlight as changed, or KIND/CODE for an entry of another list (number-statuses/suspended)")
    add_format_option(parser, GRAPH_FORMATS)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from billing_config.loader import require_config_dir
    from billing_config.render.mermaid import fenced, lifecycle_chain
    from billing_config.rules import validate_tree

    require_config_dir(args.config_dir)
    result = validate_tree(args.config_dir)
    if result.errors:
        say(
            f"warning: the config has {result.errors} error(s) (see 'billing-config validate'); "
            "the diagram shows what could be read",
            err=True,
        )
    known = {d.code for d in result.documents if d.kind == "statuses"} | {f"{d.kind}/{d.code}" for d in result.documents}
    unknown = sorted(set(args.highlight) - known)
    if unknown:
        from billing_config.errors import UserError
        from billing_config.render.escape import terminal

        raise UserError(
            f"--highlight: nothing has the code {', '.join(terminal(repr(code)) for code in unknown)}; give the code "
            f"of a customer status (a file under {args.config_dir}/statuses/), or KIND/CODE for another list, "
            "such as number-statuses/suspended"
        )
    source = lifecycle_chain(result.documents, set(args.highlight))
    show(fenced(source) if args.format == "markdown" else source)
    return 0
