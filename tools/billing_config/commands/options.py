"""The command-line options several commands share, and their translation into typed values.

Library functions never see an ``argparse.Namespace``: a command calls the ``*_from(args)``
helpers here and passes the typed results on. Option definitions live here once, so ``plan``
and ``apply`` cannot drift apart in what ``--max-deletes`` means.
"""

from __future__ import annotations

import argparse
import os
import sys
from decimal import Decimal, InvalidOperation
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from billing_config.errors import UserError

if TYPE_CHECKING:
    from billing_config.db.connect import DatabaseChoice
    from billing_config.mapping import Mapping
    from billing_config.plan import Thresholds
    from billing_config.plan.pipeline import PlanSettings


def add_config_dir(parser: argparse.ArgumentParser, help: str = "the config tree (default: ./config)") -> None:
    parser.add_argument("--config-dir", type=Path, default=Path("config"), help=help)


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """--database and --target, shared by every command that talks to the database."""
    from billing_config.db.connect import DEFAULT_URL, URL_ENV

    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--database", metavar="URL", default=None,
        help=f"SQLAlchemy database URL (default: ${URL_ENV}, else {DEFAULT_URL})",
    )
    group.add_argument(
        "--target", metavar="NAME", default=None,
        help="a target named in billing-config.toml; its URL is read from the environment variable the target names",
    )
    parser.add_argument(
        "--mapping", metavar="FILE", type=Path, default=None,
        help="a mapping file saying where each kind lives in this database (default: the target's mapping, else the reference schema)",
    )


def add_format_option(parser: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    """--format with the choices a renderer registry offers, so the two cannot disagree."""
    parser.add_argument("--format", choices=tuple(formats), default=formats[0], help=f"output format (default: {formats[0]})")


def add_plan_options(parser: argparse.ArgumentParser) -> None:
    """What decides a plan: the config tree, --prune and the safety thresholds."""
    from billing_config.plan.model import Thresholds

    defaults = Thresholds()
    add_config_dir(parser)
    parser.add_argument("--prune", action="store_true", help="delete live entries that have no config file (otherwise listed as unmanaged)")
    parser.add_argument(
        "--max-update-percent", type=float, default=defaults.max_update_percent, metavar="PCT",
        help=f"refuse to update more than PCT%% of a kind's live entries when it has more than {defaults.min_entries} (default: {defaults.max_update_percent:g})",
    )
    parser.add_argument(
        "--max-delete-percent", type=float, default=defaults.max_delete_percent, metavar="PCT",
        help=f"refuse to delete more than PCT%% of a kind's live entries when it has more than {defaults.min_entries} (default: {defaults.max_delete_percent:g})",
    )
    parser.add_argument(
        "--max-deletes", type=int, default=defaults.max_deletes, metavar="N",
        help=f"refuse to delete more than N entries of a kind in one run (default: {defaults.max_deletes})",
    )
    parser.add_argument(
        "--max-monthly-change", default=None, metavar="AMOUNT",
        help="refuse changes that move more than AMOUNT of a kind's charges, in the usage measure's own unit "
        "(is_billable off on a status whose customers pay GBP 1,234.50 a month moves 1234.50) (default: off)",
    )


def add_lock_timeout(parser: argparse.ArgumentParser) -> None:
    from billing_config.db.connect import DEFAULT_LOCK_TIMEOUT

    parser.add_argument(
        "--lock-timeout", type=float, default=DEFAULT_LOCK_TIMEOUT, metavar="SECONDS",
        help=f"how long to wait for any lock: another apply, or rows another session holds (default: {DEFAULT_LOCK_TIMEOUT:g})",
    )


def thresholds_from(args: argparse.Namespace) -> Thresholds:
    from billing_config.plan.model import Thresholds

    for name in ("max_update_percent", "max_delete_percent", "max_deletes"):
        if getattr(args, name) < 0:
            raise UserError(f"--{name.replace('_', '-')} must not be negative")
    return Thresholds(
        max_update_percent=args.max_update_percent,
        max_delete_percent=args.max_delete_percent,
        max_deletes=args.max_deletes,
        max_monthly_change=amount_option("--max-monthly-change", getattr(args, "max_monthly_change", None)),
    )


def amount_option(option: str, text: str | None) -> Decimal | None:
    """An amount of money from the command line, exactly as written (a Decimal, never a float)."""
    if text is None:
        return None
    try:
        amount = Decimal(text.replace(",", "").replace("_", ""))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise UserError(f"{option} takes an amount such as 1000 or 1234.50 (at least 0, at most two decimals), not {text!r}")
    return amount


def database_from(args: argparse.Namespace) -> DatabaseChoice:
    """The database the options name. A target is looked up in the billing-config.toml found
    beside the config directory or above it, so a command run from elsewhere finds it too."""
    from billing_config.db.connect import choose_database

    config_dir: Path = getattr(args, "config_dir", None) or Path("config")
    start = config_dir if config_dir.is_dir() else Path.cwd()
    return choose_database(getattr(args, "database", None), getattr(args, "target", None), start=start)


def mapping_from(args: argparse.Namespace) -> Mapping:
    """The mapping the options name: --mapping, else the target's, else the reference schema."""
    from billing_config.mapping.targets import choose_mapping

    config_dir: Path = getattr(args, "config_dir", None) or Path("config")
    start = config_dir if config_dir.is_dir() else Path.cwd()
    return choose_mapping(getattr(args, "mapping", None), getattr(args, "target", None), start)


def wants_colour(stream: TextIO | None = None) -> bool:
    """The one colour rule: a terminal (or FORCE_COLOR), unless NO_COLOR is set to anything
    non-empty (no-color.org) or the terminal declares itself dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(os.environ.get("FORCE_COLOR")) or (stream.isatty() if stream is not None else sys.stdout.isatty())


def targets_file_from(args: argparse.Namespace) -> Path | None:
    """The billing-config.toml beside the config directory or above it (else above the cwd)."""
    from billing_config.mapping.targets import find_targets_file

    config_dir: Path = getattr(args, "config_dir", None) or Path("config")
    return find_targets_file(config_dir if config_dir.is_dir() else Path.cwd())


def writing_target_from(args: argparse.Namespace) -> str | None:
    """The target that applies a plan saved through ``--target NAME``: the one NAME names with
    ``apply_target = "OTHER"`` in its table of billing-config.toml, else its writing twin (the
    target of the same name without ``-readonly``), else NAME itself. None without --target.

    A plan's identity is the database, not its user: planned through a user that may only
    read, it is applied through the one that may write, and `plan --out` must say so.
    """
    import tomllib

    name: str | None = getattr(args, "target", None)
    if not name:
        return None
    path = targets_file_from(args)
    if path is None:
        return name
    try:
        with open(path, "rb") as handle:
            targets = tomllib.load(handle).get("targets", {})
    except (OSError, tomllib.TOMLDecodeError):
        return name  # choose_database has already said what is wrong with the file
    if not isinstance(targets, dict):
        return name
    spec = targets.get(name)
    named = spec.get("apply_target") if isinstance(spec, dict) else None
    if named is not None:
        if not isinstance(named, str) or named not in targets:
            known = ", ".join(sorted(str(t) for t in targets))
            raise UserError(
                f"{path}: [targets.{name}] apply_target = {ascii(named)} names no target of that file (targets: {known}); "
                "name the target whose database user may write, e.g. apply_target = \"test\""
            )
        return named
    twin = name.removesuffix("-readonly")
    return twin if twin != name and twin in targets else name


def plan_settings_from(args: argparse.Namespace, url: str) -> PlanSettings:
    from billing_config.db.connect import safe_url
    from billing_config.plan.allowances import read_allowances
    from billing_config.plan.pipeline import PlanSettings
    from billing_config.plan.source import git_info

    return PlanSettings(
        prune=args.prune, thresholds=thresholds_from(args), database=safe_url(url), git=git_info(args.config_dir),
        allowances=read_allowances(targets_file_from(args)),
    )
