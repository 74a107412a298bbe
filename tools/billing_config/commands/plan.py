"""billing-config plan: what apply would change in the live database; writes nothing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from billing_config.commands import COMMANDS
from billing_config.commands.options import add_database_options, add_format_option, add_plan_options
from billing_config.errors import UserError
from billing_config.render import PLAN_FORMATS

if TYPE_CHECKING:
    from billing_config.plan import Plan


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "plan",
        help=COMMANDS["plan"],
        description="Diff the configuration against the live database and show every change and its impact. Writes nothing.",
    )
    add_database_options(parser)
    add_plan_options(parser)
    add_format_option(parser, PLAN_FORMATS)
    parser.add_argument("--out", type=Path, default=None, metavar="FILE", help="also save the plan (JSON) for `apply --plan FILE`")
    parser.add_argument(
        "--detailed-exitcode", action="store_true",
        help="exit 0 when there are no changes, 2 when there are, 3 when apply would refuse them, 1 on error",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from billing_config.commands.options import database_from, mapping_from, plan_settings_from, wants_colour
    from billing_config.db.connect import open_engine
    from billing_config.plan.pipeline import documents_frozen, load_valid_config, make_plan
    from billing_config.render.plan_json import render_plan_json

    documents = load_valid_config(args.config_dir)
    with documents_frozen():
        choice = database_from(args)
        mapping = mapping_from(args)
        engine = open_engine(choice, purpose="billing-config plan")
        try:
            plan = make_plan(engine, choice.url, documents, plan_settings_from(args, choice.url), mapping)
        finally:
            engine.dispose()
    if args.format == "json":
        sys.stdout.write(render_plan_json(plan))
    elif args.format == "markdown":
        from billing_config.render.mermaid import lifecycle_sections
        from billing_config.render.plan_markdown import render_plan_markdown

        changed = [(change.kind, change.code) for change in plan.changes]
        sys.stdout.write(render_plan_markdown(plan, extra_sections=lifecycle_sections(documents, changed)))
    else:
        from billing_config.render.plan_text import render_plan_text

        sys.stdout.write(render_plan_text(plan, colour=wants_colour()))
    if args.out is not None:
        try:
            args.out.write_text(render_plan_json(plan), encoding="utf-8")
        except OSError as error:
            raise UserError(f"cannot write the plan to {args.out}: {error.strerror or error}") from None
        from billing_config.render.escape import log_line

        print(
            log_line(f"Saved the plan to {args.out}; apply exactly this plan with `{apply_command(args, choice.url)}`."),
            file=sys.stderr,
        )
    if args.detailed_exitcode:
        return detailed_exit_code(plan)
    return 0


def apply_command(args: argparse.Namespace, url: str) -> str:
    """The apply command for a saved plan, naming the same database, never its password."""
    import shlex

    from billing_config.db.connect import safe_url

    words = ["billing-config", "apply"]
    if args.target:
        words += ["--target", args.target]
    elif args.database:
        shown = safe_url(url)
        words += ["--database", shown if shown == url else "URL"]  # URL: the same one, password and all
    words += ["--plan", str(args.out)]
    return shlex.join(words)


def detailed_exit_code(plan: Plan) -> int:
    """0 nothing to do, 2 changes apply would make, 3 changes apply would refuse: a refused
    plan must fail a required check, not pass it as "changes"."""
    if plan.blockers:
        return 3
    return 2 if plan.has_changes else 0
