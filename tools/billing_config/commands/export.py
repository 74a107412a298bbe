"""billing-config export: write the live state out as config files."""

from __future__ import annotations

from typing import TYPE_CHECKING

import argparse

from billing_config.commands import COMMANDS
from billing_config.commands.options import add_config_dir, add_database_options
from billing_config.commands.output import say


if TYPE_CHECKING:
    from billing_config.files.export import ExportReport


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "export",
        help=COMMANDS["export"],
        description=(
            "Write every live entry as a config file in the canonical format and remove entry files "
            "whose code is not live, so the config tree mirrors the database and a following plan is empty."
        ),
    )
    add_database_options(parser)
    add_config_dir(parser, help="where to write (default: ./config)")
    parser.add_argument(
        "--only-drift", action="store_true",
        help="write only the entries changed, added or removed on live since the last apply (see `drift`); "
        "refuses when one of them also has a merged change waiting to be applied",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.only_drift:
        return run_only_drift(args)
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
    _print_files(report, "not in the live database")
    say(
        f"Exported {safe_url(url)} to {args.config_dir}: {len(report.written)} written, "
        f"{report.unchanged} unchanged, {len(report.removed)} removed"
        + (f", {len(report.skipped)} live row(s) skipped (see above)." if report.skipped else ".")
    )
    return 0


def run_only_drift(args: argparse.Namespace) -> int:
    """Write back exactly what changed on live out of band, and nothing a merge is waiting for."""
    from billing_config.commands.drift import drift_report
    from billing_config.commands.options import mapping_from
    from billing_config.db.live import LiveRow, LiveState
    from billing_config.errors import Refused
    from billing_config.files.export import export_tree
    from billing_config.plan.pipeline import load_valid_config

    documents = load_valid_config(args.config_dir)
    report = drift_report(args, documents)
    if report.conflicts:
        names = ", ".join(f"{kind}/{code}" for kind, code in report.conflicts)
        raise Refused(
            f"export --only-drift refused, nothing written: {names} changed on live while a merged change to it waits "
            "to be applied. Decide which wins: apply the merged change (it overwrites the live edit), or edit the "
            "file to the live values in a pull request"
        )
    if not report.drift:
        say(f"No drift on {report.database}; nothing written.")
        return 0
    # The drifted entries as live holds them now (the drift read them); removed ones have no row.
    rows: dict[str, dict[str, LiveRow]] = {}
    for item in report.drift:
        if not item.code:  # a row no code is bound to yet: adopt gives it one, then its file
            say(f"skipped {item.address} ({item.name}): no code yet; run `billing-config adopt` to bind it and write its file", err=True)
            continue
        kind_rows = rows.setdefault(item.kind, {})
        if item.live is not None:
            kind_rows[item.code] = LiveRow(0, item.code, dict(item.live))
    # Only the kinds on this target's mapping: the others are left alone, as export leaves them.
    mapping = mapping_from(args)
    live = LiveState(rows={name: rows.get(name, {}) for name in mapping.kinds}, mapping=mapping)
    written = export_tree(live, args.config_dir, only={(item.kind, item.code) for item in report.drift if item.code})
    _print_files(written, "removed from the live database")
    say(
        f"Exported the drift of {report.database} to {args.config_dir}: {len(written.written)} written, "
        f"{len(written.removed)} removed, {written.unchanged} unchanged"
        + (f", {len(written.skipped)} skipped (see above)." if written.skipped else ".")
    )
    return 0


def _print_files(report: ExportReport, why_removed: str) -> None:
    """Each file export touched, one line each, escaped for a terminal or a CI log (the paths
    hold live codes)."""
    for skipped in report.skipped:
        say(f"skipped {skipped}", err=True)
    for path in report.written:
        say(f"wrote {path}")
    for path in report.removed:
        say(f"removed {path} ({why_removed})")
