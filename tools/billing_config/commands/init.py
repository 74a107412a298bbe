"""billing-config init DIR: scaffold a config repository pinned to this version of the tool."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from billing_config.commands import COMMANDS


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "init",
        help=COMMANDS["init"],
        description=(
            "Write what a config repository needs beside its entries: config/<kind>/ folders, billing-config.toml "
            "with the test and live targets, the schemas, .pre-commit-config.yaml and (with --ci) the CI files, "
            "all pinned to this version of billing-config. Existing files are kept; the schemas are refreshed."
        ),
    )
    parser.add_argument("directory", type=Path, metavar="DIR", help="the config repository (created when missing)")
    parser.add_argument("--ci", choices=("github", "gitlab"), default=None, help="also write the CI files of this service")
    parser.add_argument(
        "--package", default=None, metavar="SPEC",
        help="the pip requirement the hooks and CI install (default: this installation: its git commit, "
        "else billing-config==VERSION)",
    )
    parser.add_argument(
        "--check", action="store_true",
        help="write nothing; exit 1 when DIR's schemas/ differ from this version's (run init again to refresh them)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from billing_config import __version__
    from billing_config.files.repository import installed_package_spec, scaffold_repository, stale_schemas

    if args.check:
        stale = stale_schemas(args.directory)
        if stale:
            print(
                f"{args.directory}: {len(stale)} schema file(s) differ from billing-config {__version__}'s: "
                f"{', '.join(stale)}; run `billing-config init {args.directory}` to refresh them and commit the result"
            )
            return 1
        print(f"{args.directory}: the schemas match billing-config {__version__}", file=sys.stderr)
        return 0
    package = args.package or installed_package_spec()
    report = scaffold_repository(args.directory, args.ci, package)
    for path in report.written:
        print(f"wrote {path}")
    for path in report.kept:
        print(f"kept {path} (already there)")
    print(
        f"Initialised {args.directory} for billing-config {__version__}; hooks{' and CI' if args.ci else ''} install "
        f"{package}.\nNext: set the secrets the targets name (BILLING_*_URL), run `pre-commit install`, and commit.",
        file=sys.stderr,
    )
    return 0
