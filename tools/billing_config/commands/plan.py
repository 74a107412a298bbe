"""billing-config plan: what apply would change in the live database; writes nothing."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from billing_config.commands import COMMANDS
from billing_config.commands.options import add_database_options, add_format_option, add_plan_options
from billing_config.commands.output import say, show
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
    from billing_config.commands.options import (
        database_from, mapping_from, plan_settings_from, wants_colour, writing_target_from,
    )
    from billing_config.db.connect import open_engine
    from billing_config.plan.pipeline import documents_frozen, load_valid_config, make_plan
    from billing_config.render.plan_json import render_plan_json

    documents = load_valid_config(args.config_dir)
    # Before any database work: a wrong apply_target is a mistake in the file, said at once.
    applier = writing_target_from(args) if args.out is not None else None
    with documents_frozen():
        choice = database_from(args)
        mapping = mapping_from(args)
        engine = open_engine(choice, purpose="billing-config plan")
        try:
            plan = make_plan(engine, choice.url, documents, plan_settings_from(args, choice.url), mapping)
        finally:
            engine.dispose()
    if args.format == "json":
        show(render_plan_json(plan))
    elif args.format == "markdown":
        from billing_config.render.mermaid import lifecycle_sections
        from billing_config.render.plan_markdown import render_plan_markdown

        changed = [(change.kind, change.code) for change in plan.changes]
        show(render_plan_markdown(plan, extra_sections=lifecycle_sections(documents, changed)))
    else:
        from billing_config.render.plan_text import render_plan_text

        show(render_plan_text(plan, colour=wants_colour()))
    if args.out is not None:
        try:
            args.out.write_text(render_plan_json(plan), encoding="utf-8")
        except OSError as error:
            raise UserError(f"cannot write the plan to {args.out}: {error.strerror or error}") from None
        say(f"Saved the plan to {args.out}; apply exactly this plan with `{apply_command(args, choice.url, applier)}`.", err=True)
    if args.detailed_exitcode:
        return detailed_exit_code(plan)
    return 0


def apply_command(args: argparse.Namespace, url: str, target: str | None = None) -> str:
    """The apply command for a saved plan, naming the same database, never its password:
    through ``target``, the writing twin of a read-only target (see writing_target_from)."""
    import shlex

    from billing_config.db.connect import safe_url

    words = ["billing-config", "apply"]
    if args.target:
        words += ["--target", target or args.target]
    elif args.database:
        shown = safe_url(url)
        words += ["--database", shown if shown == url else "URL"]  # URL: the same one, password and all
    words += plan_option_words(args)
    words += ["--plan", str(args.out)]
    return shlex.join(words)


def plan_option_words(args: argparse.Namespace) -> list[str]:
    """The options the plan was made with that apply must repeat (the plan is bound to them)."""
    from billing_config.plan.model import Thresholds

    words = ["--prune"] if args.prune else []
    defaults = Thresholds()
    for name in ("max_update_percent", "max_delete_percent", "max_deletes", "max_monthly_change"):
        value = getattr(args, name, None)
        if value != getattr(defaults, name):
            words += [f"--{name.replace('_', '-')}", f"{value:g}" if isinstance(value, float) else str(value)]
    return words


def detailed_exit_code(plan: Plan) -> int:
    """0 nothing to do, 2 changes apply would make, 3 changes apply would refuse: a refused
    plan must fail a required check, not pass it as "changes"."""
    if plan.blockers:
        return 3
    return 2 if plan.has_changes else 0
