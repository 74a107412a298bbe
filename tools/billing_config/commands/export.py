"""billing-config export: write the live state out as config files."""

from __future__ import annotations

import argparse
import sys

from billing_config.commands.options import add_config_dir, add_database_options


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "export",
        help="write the live database out as config files",
        description=(
            "Write every live entry as a config file in the canonical format and remove entry files "
            "whose code is not live, so the config tree mirrors the database and a following plan is empty."
        ),
    )
    add_database_options(parser)
    add_config_dir(parser, help="where to write (default: ./config)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from billing_config.commands.options import database_from, mapping_from
    from billing_config.db.connect import open_engine, run_guarded, safe_url
    from billing_config.db.live import read_live_explained
    from billing_config.files.export import export_tree

    choice = database_from(args)
    mapping = mapping_from(args)
    url = choice.url
    engine = open_engine(choice, purpose="billing-config export")

    try:
        live = run_guarded(url, lambda: read_live_explained(engine, mapping, with_usage=False))
    finally:
        engine.dispose()
    report = export_tree(live, args.config_dir)
    from billing_config.render.escape import log_line

    for skipped in report.skipped:
        print(log_line(f"skipped {skipped}"), file=sys.stderr)
    for path in report.written:
        print(log_line(f"wrote {path}"))
    for path in report.removed:
        print(log_line(f"removed {path} (not in the live database)"))
    print(log_line(
        f"Exported {safe_url(url)} to {args.config_dir}: {len(report.written)} written, "
        f"{report.unchanged} unchanged, {len(report.removed)} removed"
        + (f", {len(report.skipped)} live row(s) skipped for an invalid code." if report.skipped else ".")
    ))
    return 0

