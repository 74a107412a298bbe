"""billing-config explain RULE-ID: why a rule exists, an example of the mistake, and its fix."""

from __future__ import annotations

import argparse

from billing_config.commands.output import show
from billing_config.commands import COMMANDS
from billing_config.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "explain",
        help=COMMANDS["explain"],
        description="Print the lesson behind a rule id that validate, plan or apply reported.",
    )
    parser.add_argument("rule", metavar="RULE-ID", help="a rule id, as validate prints it after error or warning")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from billing_config.findings import did_you_mean
    from billing_config.render.explain import render_explanation
    from billing_config.render.rule_catalogue import full_catalogue

    catalogue = full_catalogue()
    wanted = args.rule.strip()
    rule = catalogue.get(wanted) or catalogue.get(wanted.lower())
    if rule is None:
        raise UserError(
            f"there is no rule '{wanted}'{did_you_mean(wanted, catalogue)}; "
            "`billing-config docs` lists every rule in docs/reference.md"
        )
    show(render_explanation(rule))
    return 0
