"""billing-config apply: carry out the plan in one transaction, after confirmation."""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from billing_config.commands import COMMANDS
from billing_config.commands.options import add_database_options, add_lock_timeout, add_plan_options
from billing_config.commands.output import ask, say, show
from billing_config.errors import UserError

if TYPE_CHECKING:  # importing it for real would slow down every command
    from billing_config.apply import ApplyResult
    from billing_config.loader import Document
    from billing_config.plan import Plan


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "apply",
        help=COMMANDS["apply"],
        description=(
            "Apply the diff between the configuration and the live database in one transaction, all or "
            "nothing. Confirm at the prompt, with --yes, or by passing a reviewed plan file (--plan)."
        ),
    )
    add_database_options(parser)
    add_plan_options(parser)
    parser.add_argument("--plan", type=Path, default=None, metavar="FILE", help="apply exactly this saved plan (from `plan --out FILE`)")
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    add_lock_timeout(parser)
    parser.set_defaults(run=run)


def _load_saved_plan(path: Path) -> Plan:
    """The plan file, checked field by field against plan-format.schema.json before use."""
    from billing_config.plan import Plan
    from billing_config.plan.saved import check_plan_file

    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)  # amounts stay exact
    except OSError as error:
        raise UserError(f"cannot read the plan file {path}: {error.strerror or error}") from None
    except ValueError as error:
        raise UserError(f"{path} is not a plan saved by `billing-config plan --out` (not JSON: {error})") from None
    check_plan_file(data, str(path))
    try:
        return Plan.from_dict(data)
    except (ValueError, KeyError, TypeError) as error:
        raise UserError(f"{path} is not a plan this billing-config can apply: {error}") from None


def _show(plan: Plan) -> None:
    from billing_config.render.plan_text import render_plan_text

    from billing_config.commands.options import wants_colour

    show(render_plan_text(plan, colour=wants_colour()))


def _confirm(plan: Plan) -> bool:
    return ask(f"Apply these changes to {plan.database}? Only 'yes' will be accepted:") == "yes"


def run(args: argparse.Namespace) -> int:
    from billing_config.plan.pipeline import documents_frozen, load_valid_config

    saved = _load_saved_plan(args.plan) if args.plan is not None else None
    if saved is None and not args.yes and not sys.stdin.isatty():
        raise UserError(
            "apply needs confirmation and there is no terminal to ask at: pass --yes, or a reviewed plan "
            "with --plan FILE (from `billing-config plan --out FILE`). Nothing was changed"
        )
    documents = load_valid_config(args.config_dir)
    with documents_frozen():
        result = _apply(args, documents, saved)
    if result is None:
        return 1
    if result.changes:
        say(f"Applied {result.changes} change(s) in one transaction (run {result.run_id}); {result.audit_rows} audit row(s) written.")
    else:
        say("Nothing to do.")
    return 0


def _apply(args: argparse.Namespace, documents: list[Document], saved: Plan | None) -> ApplyResult | None:
    """Connect, then apply the saved plan, or a fresh one (with --yes, or once confirmed).
    None: declined at the prompt."""
    from billing_config.apply import run_apply
    from billing_config.apply.transaction import refusal
    from billing_config.commands.options import database_from, mapping_from, plan_settings_from
    from billing_config.db.connect import open_engine
    from billing_config.plan.pipeline import make_plan, planner

    choice = database_from(args)
    mapping = mapping_from(args)
    url = choice.url
    settings = plan_settings_from(args, url)
    if saved is not None:
        from billing_config.plan.saved import check_binding

        # apply's own options, never the file's: a plan made with others is refused.
        check_binding(saved, str(args.plan), documents, settings)
    engine = open_engine(choice, purpose="billing-config apply", lock_timeout=args.lock_timeout)
    try:
        replan = planner(documents, settings)
        if saved is not None or args.yes:
            return run_apply(
                engine, url, mapping=mapping, replan=replan, reviewed=saved, lock_timeout=args.lock_timeout, show=_show
            )
        plan = make_plan(engine, url, documents, settings, mapping)
        _show(plan)
        if plan.blockers:
            raise refusal(plan.blockers)
        if not plan.has_changes:
            # Nothing to confirm, but the run still records the state it saw (db/state.py).
            return run_apply(engine, url, mapping=mapping, replan=replan, reviewed=plan, lock_timeout=args.lock_timeout)
        if not _confirm(plan):
            say("Apply cancelled; nothing changed.")
            return None
        return run_apply(engine, url, mapping=mapping, replan=replan, reviewed=plan, lock_timeout=args.lock_timeout)
    finally:
        engine.dispose()
