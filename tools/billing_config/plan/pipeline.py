"""The one way a plan is made: a valid config tree, a read of the live database, the diff.

``plan`` and every path of ``apply`` (confirmed at the prompt, ``--yes``, under the lock) call
this module, so the plan a reviewer saw and the plan apply recomputes are built the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from billing_config.errors import ConfigInvalid
from billing_config.loader import Document, require_config_dir
from billing_config.plan.allowances import Allowance
from billing_config.plan.model import GitInfo, Plan, Thresholds

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from billing_config.db.live import LiveState
    from billing_config.mapping import Mapping


@dataclass(frozen=True, slots=True)
class PlanSettings:
    """Everything besides the documents and the live rows that decides a plan."""

    prune: bool = False
    thresholds: Thresholds = Thresholds()
    database: str = ""  # the database as it may be shown (no password)
    git: GitInfo = GitInfo(None, None)
    allowances: tuple[Allowance, ...] = ()  # the reviewed [[allow]] tables of billing-config.toml


def load_valid_config(config_dir: Path) -> list[Document]:
    """The documents of a config tree that validates; otherwise :class:`ConfigInvalid`,
    carrying the findings for the command to print as ``validate`` does."""
    from billing_config.findings import has_failures
    from billing_config.rules import validate_tree

    require_config_dir(config_dir)
    result = validate_tree(config_dir)
    if has_failures(result.findings, strict=False):
        raise ConfigInvalid(result.findings, result.errors)
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


def planner(documents: list[Document], settings: PlanSettings) -> Callable[[LiveState], Plan]:
    """The diff of these documents against any live state, for apply to run under its lock."""
    from billing_config.plan.diff import compute_plan

    from billing_config.plan.source import config_digest

    digest = config_digest(documents)

    def plan_against(live: LiveState) -> Plan:
        plan = compute_plan(
            documents, live, prune=settings.prune, thresholds=settings.thresholds,
            database=settings.database, git=settings.git, allowances=settings.allowances,
        )
        plan.config_digest = digest
        return plan

    return plan_against


def make_plan(engine: Engine, url: str, documents: list[Document], settings: PlanSettings, mapping: Mapping | None = None) -> Plan:
    """Read the live state (one short read-only transaction) and diff the documents against it."""
    from billing_config.db.connect import run_guarded
    from billing_config.db.live import read_live_explained

    live = run_guarded(url, lambda: read_live_explained(engine, mapping))
    return planner(documents, settings)(live)
