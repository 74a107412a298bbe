"""billing-config doctor: does the target's database fit its mapping? Read-only checks."""

from __future__ import annotations

import argparse

from billing_config.commands import COMMANDS
from billing_config.commands.options import add_config_dir, add_database_options, add_format_option
from billing_config.commands.output import say, show
from billing_config.render import FINDING_FORMATS


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "doctor",
        help=COMMANDS["doctor"],
        description=(
            "Check that every mapped table and column exists, that column types hold what the mapping writes, "
            "that NOT NULL columns are covered, keys, sequences, engines, unique constraints, scopes under each "
            "column's collation, that every live value decodes, and the server's settings and privileges; state "
            "the target's limits (notes). Writes nothing, through any user: a SELECT-only user is enough. Each "
            "finding names the line of the mapping that names the table or column. apply runs the same schema "
            "checks itself before writing."
        ),
    )
    add_database_options(parser)
    add_config_dir(parser)
    add_format_option(parser, FINDING_FORMATS)
    parser.add_argument("--strict", action="store_true", help="fail on warnings too (notes never fail)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from billing_config.commands.options import database_from, mapping_from, wants_colour
    from billing_config.db.connect import open_engine, run_guarded, safe_url
    from billing_config.db.doctor import DoctorReport, read_only_transaction, run_doctor
    from billing_config.findings import Severity, has_failures, sorted_findings
    from billing_config.render import findings as render

    choice = database_from(args)
    mapping = mapping_from(args)
    engine = open_engine(choice, purpose="billing-config doctor")

    def check() -> DoctorReport:
        with read_only_transaction(engine) as connection:
            return run_doctor(connection, mapping)

    try:
        report = run_guarded(choice.url, check)
    finally:
        engine.dispose()
    findings = sorted_findings(report.findings)
    failed = has_failures(findings, args.strict)
    if args.format == "json":
        show(render.render_json(findings))
    elif args.format == "github":
        show(render.render_github(findings))
    else:
        show(render.render_text(findings, colour=wants_colour()))
        count = {severity: sum(1 for f in findings if f.severity is severity) for severity in Severity}
        verdict = "fails" if failed else "fits"
        say(
            f"{safe_url(choice.url)} {verdict} the mapping {mapping.source}: {report.tables} table(s) checked, "
            f"{count[Severity.ERROR]} error(s), {count[Severity.WARNING]} warning(s), {count[Severity.NOTE]} note(s)",
            err=True,
        )
    return 1 if failed else 0
