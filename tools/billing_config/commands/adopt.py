"""billing-config adopt: give live rows without a code one, record it, write their files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from billing_config.commands import COMMANDS
from billing_config.commands.options import add_config_dir, add_database_options
from billing_config.commands.output import ask, say
from billing_config.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "adopt",
        help=COMMANDS["adopt"],
        description=(
            "For live rows with no code (no code column, or a legacy code that is no valid file name): bind "
            "them to existing config files (by name, then by every field) or to codes proposed from their "
            "names, show the proposal, and after confirmation record the bindings and write the missing entry "
            "files. Afterwards plan shows no changes; running it again changes nothing. The live rows are "
            "never changed."
        ),
    )
    add_database_options(parser)
    add_config_dir(parser, help="where to write (default: ./config; created when missing)")
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--propose", type=Path, metavar="FILE", default=None, help="write the proposal to FILE to review and edit; changes nothing")
    parser.add_argument("--codes", type=Path, metavar="FILE", default=None, help="adopt with the codes of an edited proposal file")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from billing_config.commands.options import database_from, mapping_from
    from billing_config.db.connect import open_engine, run_guarded, safe_url
    from billing_config.db.live import read_live_explained
    from billing_config.db.tool.tables import prepare_tool_tables
    from billing_config.files.adopt import AdoptReport, adopt
    from billing_config.plan.adopt import propose, read_codes, render_proposal
    from billing_config.plan.model import show

    documents = []
    if args.config_dir.is_dir():
        from billing_config.rules import validate_tree

        documents = validate_tree(args.config_dir).documents
    choice = database_from(args)
    mapping = mapping_from(args)
    engine = open_engine(choice, purpose="billing-config adopt")
    try:
        live = run_guarded(choice.url, lambda: read_live_explained(engine, mapping, with_usage=False))
        proposal = propose(documents, live)
        if args.codes is not None:
            try:
                text = args.codes.read_text(encoding="utf-8")
            except OSError as error:
                raise UserError(f"cannot read {args.codes}: {error.strerror or error}") from None
            proposal = read_codes(text, str(args.codes), proposal)
        if args.propose is not None:
            try:
                args.propose.write_text(render_proposal(proposal), encoding="utf-8")
            except OSError as error:
                raise UserError(f"cannot write {args.propose}: {error.strerror or error}") from None
            say(f"Wrote the proposal for {len(proposal)} row(s) to {args.propose}; edit it and run `billing-config adopt --codes {args.propose}`.")
            return 0
        missing_files = sum(
            1 for kmap in mapping.kinds.values() for code in live.rows[kmap.name]
            if not (args.config_dir / kmap.name / f"{code}.yaml").exists()
        )
        if not proposal and not missing_files:
            say("Nothing to adopt: every live row in scope has a code and a file.")
            return 0
        for item in proposal:
            origin = {"file": "existing file", "legacy": "legacy code", "name": "from its name"}.get(item.source, item.source)
            say(f"  {item.kind}: row {item.key!r} ({show(item.name)}) -> {item.code} ({origin})")
        if missing_files:
            say(f"  and {missing_files} file(s) for live rows that already have a code")
        if not args.yes:
            if not sys.stdin.isatty():
                raise UserError("adopt needs confirmation and there is no terminal to ask at: pass --yes. Nothing was changed")
            if ask(f"Bind these rows on {safe_url(choice.url)} and write their files? Only 'yes' will be accepted:") != "yes":
                say("Adopt cancelled; nothing changed.")
                return 1

        def carry_out() -> AdoptReport:
            # adopt writes (bindings, the recorded state): the tool's tables, and its [tool]
            # schema, are made here when missing
            prepare_tool_tables(engine, mapping.tool_schema)
            return adopt(engine, live, proposal, args.config_dir)

        report = run_guarded(choice.url, carry_out)
    finally:
        engine.dispose()
    for skipped in report.skipped:
        say(f"skipped {skipped}", err=True)
    say(
        f"Adopted: {report.bound} binding(s) recorded, {len(report.written)} file(s) written under {args.config_dir}"
        + (f", {len(report.skipped)} row(s) skipped (see above)." if report.skipped else ".")
    )
    return 0
