"""billing-config doctor: does the target's database fit its mapping? Read-only checks."""

from __future__ import annotations

import argparse
import sys

from billing_config.commands import COMMANDS
from billing_config.commands.options import add_config_dir, add_database_options, add_format_option
from billing_config.render import FINDING_FORMATS


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "doctor",
        help=COMMANDS["doctor"],
        description=(
            "Check that every mapped table and column exists, that column types and lengths hold every value "
            "the kinds' schemas allow, that NOT NULL columns are covered, that every live value decodes, and the "
            "server's settings and privileges. Changes nothing but its own record of a passing run, which apply "
            "on a mapped target requires."
        ),
    )
    add_database_options(parser)
    add_config_dir(parser)
    add_format_option(parser, FINDING_FORMATS)
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from billing_config.commands.options import database_from, mapping_from, wants_colour
    from billing_config.db.connect import open_engine, run_guarded, safe_url
    from billing_config.db.doctor import DoctorReport, record_passing, run_doctor
    from billing_config.db.tool_tables import ensure_tool_tables
    from billing_config.findings import Severity, has_failures, sorted_findings
    from billing_config.render import findings as render

    choice = database_from(args)
    mapping = mapping_from(args)
    engine = open_engine(choice, purpose="billing-config doctor")

    def check() -> DoctorReport:
        with engine.connect() as connection, connection.begin():
            return run_doctor(connection, mapping)

    try:
        report = run_guarded(choice.url, check)
        fingerprint, tables = report.fingerprint, report.tables
        findings = sorted_findings(report.findings)
        failed = has_failures(findings, args.strict)
        if not failed:
            def record() -> None:
                with engine.begin() as connection:
                    ensure_tool_tables(connection, mapping.tool_schema)
                with engine.begin() as connection:
                    record_passing(connection, mapping, fingerprint)

            run_guarded(choice.url, record)
    finally:
        engine.dispose()
    if args.format == "json":
        sys.stdout.write(render.render_json(findings))
    elif args.format == "github":
        sys.stdout.write(render.render_github(findings))
    else:
        sys.stdout.write(render.render_text(findings, colour=wants_colour()))
        errors = sum(1 for f in findings if f.severity is Severity.ERROR)
        warnings = len(findings) - errors
        verdict = "fails" if failed else "fits"
        print(
            f"{safe_url(choice.url)} {verdict} the mapping {mapping.source}: {tables} table(s) checked, "
            f"{errors} error(s), {warnings} warning(s)",
            file=sys.stderr,
        )
    return 1 if failed else 0
