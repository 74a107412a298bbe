"""billing-config init DIR: scaffold a config repository pinned to this version of the tool."""

from __future__ import annotations

import argparse
from pathlib import Path

from billing_config.commands.output import say, say_each
from billing_config.commands import COMMANDS


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "init",
        help=COMMANDS["init"],
        description=(
            "Write what a config repository needs beside its entries: config/<kind>/ folders, billing-config.toml "
            "with the test and live targets, the schemas, .pre-commit-config.yaml and (with --ci) the CI files, "
            "all pinned to this installation as it can be verified (its git commit, or its archive's sha256; otherwise "
            "pass --package). Existing files are kept; the schemas are refreshed."
        ),
    )
    parser.add_argument("directory", type=Path, metavar="DIR", help="the config repository (created when missing)")
    parser.add_argument("--ci", choices=("github", "gitlab"), default=None, help="also write the CI files of this service")
    parser.add_argument(
        "--package", default=None, metavar="SPEC",
        help="the pip requirement the hooks and CI install (default: this installation's git commit, or its "
        "archive URL with its sha256; init refuses to guess billing-config==VERSION): a git commit, or a version "
        "with --hash=sha256:...",
    )
    parser.add_argument(
        "--check", action="store_true",
        help="write nothing; exit 1 when DIR's schemas/ differ from this version's (run init again to refresh them)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from billing_config import __version__
    from billing_config.files.repository import is_verifiable, package_pin, scaffold_repository, stale_schemas

    if args.check:
        stale = stale_schemas(args.directory)
        if stale:
            say(
                f"{args.directory}: {len(stale)} schema file(s) differ from billing-config {__version__}'s: "
                f"{', '.join(stale)}; run `billing-config init {args.directory}` to refresh them and commit the result"
            )
            return 1
        say(f"{args.directory}: the schemas match billing-config {__version__}", err=True)
        return 0
    package = package_pin(args.package)
    if not is_verifiable(package):
        say(
            f"warning: {package} pins no git commit and no hash, so CI cannot check what it installs; "
            "prefer a commit (@ git+URL@<commit-sha>) or a version with --hash=sha256:...",
            err=True,
        )
    report = scaffold_repository(args.directory, args.ci, package)
    for path in report.written:
        say(f"wrote {path}")
    for path in report.kept:
        say(f"kept {path} (already there)")
    say(f"Initialised {args.directory} for billing-config {__version__}; hooks{' and CI' if args.ci else ''} install {package}.", err=True)
    say_each(next_commands(args.directory).splitlines())
    return 0


def next_commands(directory: Path) -> str:
    """The three commands that come after init: hooks, start from the platform, first commit.

    A new repository starts from the platform (export through the read-only target), never
    empty: planned empty, it would be refused as deleting everything (rule config-empty).
    """
    import shlex

    from billing_config.files.repository import TARGETS

    name, variable, _ = next(target for target in TARGETS if target[0] == "test-readonly")
    repository = "" if (directory / ".git").exists() else "git init -b main && "
    return (
        "Next: the hooks, then start from the platform (its entries become your files), then commit:\n"
        f"  cd {shlex.quote(str(directory))} && {repository}pre-commit install\n"
        f"  billing-config export --target {name}   # reads ${variable}: a read-only database user\n"
        '  git add -A && git commit -m "Start from the platform"\n'
        "Then change an entry on a branch and open the first pull request: its plan shows only that change."
    )
