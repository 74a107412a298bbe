"""Helpers the database commands share: reading a valid config tree, printing to stderr."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from billing_config.errors import UserError
from billing_config.loader import Document

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from billing_config.plan import Plan, Thresholds


def require_config_dir(config_dir: Path) -> None:
    """Every command that reads the tree says the same thing when it is not there."""
    if config_dir.is_dir():
        return
    if config_dir.exists():
        raise UserError(
            f"config directory '{config_dir}' is a file, not a folder; pass the folder that holds statuses/, groups/ ..."
        )
    raise UserError(f"config directory '{config_dir}' does not exist; run from the repository root or pass --config-dir")


def load_valid_config(config_dir: Path) -> list[Document]:
    """The documents of a config tree that validates; otherwise print the findings and refuse.

    An invalid config never reaches the database: the findings are printed exactly as
    ``validate`` prints them (to stderr, so a JSON plan on stdout stays clean).
    """
    from billing_config.findings import has_failures
    from billing_config.render import findings as render
    from billing_config.rules.tree import validate_tree

    require_config_dir(config_dir)
    result = validate_tree(config_dir)
    if has_failures(result.findings, strict=False):
        sys.stderr.write(render.render_text(result.findings))
        raise UserError(
            f"the configuration has {result.errors} error(s); fix them (see `billing-config validate`) "
            "before planning or applying: an invalid config never produces a plan"
        )
    return result.documents


@contextmanager
def documents_frozen() -> Iterator[None]:
    """Keep the garbage collector off the validated documents while the database work runs.

    On a 16,000-entry tree every gen-2 collection that the live read's allocations trigger
    would walk the millions of objects the documents are made of, costing more than the read
    itself. Frozen objects are still freed normally when no longer referenced.
    """
    import gc

    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def add_plan_options(parser: argparse.ArgumentParser) -> None:
    """What decides a plan: the config tree, --prune and the safety thresholds."""
    from billing_config.plan.model import Thresholds

    defaults = Thresholds()
    parser.add_argument("--config-dir", type=Path, default=Path("config"), help="the config tree (default: ./config)")
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


def thresholds_from(args: argparse.Namespace) -> Thresholds:
    from billing_config.plan.model import Thresholds

    for name in ("max_update_percent", "max_delete_percent", "max_deletes"):
        if getattr(args, name) < 0:
            raise UserError(f"--{name.replace('_', '-')} must not be negative")
    return Thresholds(
        max_update_percent=args.max_update_percent,
        max_delete_percent=args.max_delete_percent,
        max_deletes=args.max_deletes,
    )


def make_plan(args: argparse.Namespace, engine: Engine, url: str, documents: list[Document]) -> Plan:
    """Read the live state (one short read-only transaction) and diff the documents against it."""
    from billing_config.db.connect import run_guarded, safe_url
    from billing_config.db.live import read_live_explained
    from billing_config.plan.diff import compute_plan
    from billing_config.plan.source import git_info

    live = run_guarded(url, lambda: read_live_explained(engine))
    return compute_plan(
        documents, live, prune=args.prune, thresholds=thresholds_from(args),
        database=safe_url(url), git=git_info(args.config_dir),
    )
