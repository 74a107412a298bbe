"""billing-config drift: live against the state the last apply recorded; writes nothing."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from billing_config.commands import COMMANDS
from billing_config.commands.options import add_config_dir, add_database_options, add_format_option
from billing_config.commands.output import show
from billing_config.render import DRIFT_FORMATS

if TYPE_CHECKING:
    from billing_config.loader import Document
    from billing_config.plan.drift import DriftReport


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "drift",
        help=COMMANDS["drift"],
        description=(
            "Compare the live database with the state the last apply recorded on it, field by field: entries "
            "changed, added or removed out of band are drift (exit 2). Merged changes not yet applied are "
            "listed as pending, never as drift. Writes nothing."
        ),
    )
    add_database_options(parser)
    add_config_dir(parser)
    add_format_option(parser, DRIFT_FORMATS)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from billing_config.plan.pipeline import load_valid_config
    from billing_config.render.drift import render_drift_json, render_drift_markdown, render_drift_text

    documents = load_valid_config(args.config_dir)
    report = drift_report(args, documents)
    if args.format == "json":
        show(render_drift_json(report))
    elif args.format == "markdown":
        show(render_drift_markdown(report))
    else:
        show(render_drift_text(report))
    return 2 if report.has_drift else 0


def drift_report(args: argparse.Namespace, documents: list[Document]) -> DriftReport:
    """The drift of the database the options name (export --only-drift uses it too)."""
    from billing_config.commands.options import database_from, mapping_from
    from billing_config.db.connect import open_engine, run_guarded, safe_url
    from billing_config.db.live import read_live_and_recorded
    from billing_config.errors import UserError
    from billing_config.plan.drift import compute_drift

    choice = database_from(args)
    mapping = mapping_from(args)
    engine = open_engine(choice, purpose="billing-config drift")
    try:
        live, recorded = run_guarded(choice.url, lambda: read_live_and_recorded(engine, mapping))
    finally:
        engine.dispose()
    if recorded.empty:
        raise UserError(
            f"nothing has been applied to {safe_url(choice.url)} yet, so there is no recorded state to compare live "
            "with; run `billing-config apply` on it first (drift compares against what the last apply recorded)"
        )
    return compute_drift(documents, live, recorded, database=safe_url(choice.url))
