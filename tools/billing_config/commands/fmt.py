"""billing-config fmt: rewrite entry files in the canonical style, keeping their comments."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from billing_config.commands import COMMANDS
from billing_config.commands.options import add_config_dir
from billing_config.commands.output import say, show
from billing_config.findings import Finding

if TYPE_CHECKING:
    from billing_config.kinds import Kind


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "fmt",
        help=COMMANDS["fmt"],
        description=(
            "Rewrite entry files in the canonical style: the schema modeline first, keys in schema "
            "order (unknown keys after them), one quoting style. Comments and blank lines are kept. "
            "With no FILES, formats every entry under the config directory."
        ),
    )
    parser.add_argument("files", nargs="*", type=Path, metavar="FILES", help="entry files (config/<kind>/<code>.yaml)")
    parser.add_argument("--check", action="store_true", help="change nothing; list the files that need formatting and exit 1 if any do")
    add_config_dir(parser, help="the config tree used when no FILES are given (default: ./config)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from billing_config.files.formatter import format_file, write_atomically
    from billing_config.render.findings import render_text

    targets = _targets(args.files, args.config_dir)
    changed: list[str] = []
    failed = 0
    for path, display, kind, code, problems in targets:
        if kind is None:
            failed += 1
            show(render_text(problems))
            continue
        outcome = format_file(path, display, kind, code)
        if outcome.problems:
            failed += 1
            show(render_text(outcome.problems))
            continue
        if outcome.changed:
            changed.append(display)
            if args.check:
                say(f"would reformat {display}")
            else:
                write_atomically(path, outcome.formatted)
                say(f"reformatted {display}")
    say(_summary(len(targets), len(changed), failed, args.check), err=True)
    if failed:
        return 1
    return 1 if args.check and changed else 0


def _targets(files: list[Path], config_dir: Path) -> list[tuple[Path, str, Kind | None, str, list[Finding]]]:
    """The files to format: those named, judged by the loader's layout rules, or every entry."""
    from billing_config.kinds import KINDS_BY_NAME
    from billing_config.loader import discover
    from billing_config.loader.tree import entry_file
    from billing_config.loader import require_config_dir

    if not files:
        require_config_dir(config_dir)
        entries, _layout_problems = discover(config_dir)  # validate reports the layout
        return [(e.path, e.display, KINDS_BY_NAME[e.kind], e.code, []) for e in entries]
    targets: list[tuple[Path, str, Kind | None, str, list[Finding]]] = []
    for path in files:
        entry, problems = entry_file(path)
        blocking = [p for p in problems if p.rule != "invalid-code"]
        if entry is None or blocking:
            targets.append((path, problems[0].path if problems else str(path), None, path.stem, problems))
        else:
            targets.append((path, entry.display, KINDS_BY_NAME[entry.kind], entry.code, []))
    return targets


def _summary(total: int, changed: int, failed: int, check: bool) -> str:
    verb = "would be reformatted" if check else "reformatted"
    text = f"{total} file(s) checked: {changed} {verb}"
    return f"{text}, {failed} could not be formatted" if failed else text
