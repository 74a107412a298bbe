"""billing-config db init: the reference billing schema, reference lists and sample data."""

from __future__ import annotations

import argparse

from billing_config.commands import COMMANDS
from billing_config.commands.options import add_config_dir, add_database_options
from billing_config.commands.output import say


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("db", help=COMMANDS["db"], description="Set up a billing database.")
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help="create the reference billing schema (idempotent)",
        description=(
            "Create the tables of the reference billing schema where missing and fill the number, "
            "service and feature status tables from config/ where they are empty. Running it again "
            "changes nothing."
        ),
    )
    add_database_options(init)
    add_config_dir(init)
    init.add_argument(
        "--sample-data", action="store_true",
        help="also add a few hundred sample customers and tickets (and the config's statuses, groups and "
        "departments where their tables are empty), only while there are no customers",
    )
    init.set_defaults(run=run_init)


def run_init(args: argparse.Namespace) -> int:
    from billing_config.commands.options import database_from
    from billing_config.db.connect import open_engine, run_guarded, safe_url
    from billing_config.db.init import init_database
    from billing_config.plan.pipeline import load_valid_config

    documents = load_valid_config(args.config_dir) if args.config_dir.is_dir() else []
    choice = database_from(args)
    url = choice.url
    engine = open_engine(choice, purpose="billing-config db init", create=True)
    try:
        report = run_guarded(url, lambda: init_database(engine, documents, args.sample_data))
    finally:
        engine.dispose()
    where = safe_url(url)
    if report.created_tables:
        say(f"Created {len(report.created_tables)} table(s) in {where}: {', '.join(report.created_tables)}")
    else:
        say(f"All tables already exist in {where}.")
    for column in report.added_columns:
        say(f"Added the column {column} (this version's reference schema has it; existing rows take its default).")
    for table, count in report.filled.items():
        say(f"Filled {table} with {count} row(s) from {args.config_dir}.")
    if report.sample:
        say("Added sample data: " + ", ".join(f"{count} {table}" for table, count in report.sample.items()) + ".")
    elif args.sample_data:
        say("Sample data skipped: the database already has customers.", err=True)
    if report.recorded:
        say(f"Recorded {report.recorded} entries as this database's applied state (what drift compares with).")
    return 0
