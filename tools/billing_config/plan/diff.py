"""The diff: config documents against live rows, matched by code, field by field.

Omitted fields compare at their schema default (``Kind.with_defaults``), so a file that leaves
out ``is_billable: false`` matches a live row holding false. A kind the target does not manage
is only checked: an entry declared in config must exist live, because the sync tool never
writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from billing_config import __version__
from billing_config.errors import UserError
from billing_config.kinds import KINDS, Kind
from billing_config.loader import Document
from billing_config.plan.model import (
    CREATE, DELETE, UPDATE, Blocker, Change, FieldChange, GitInfo, Plan, Thresholds, Unmanaged,
)
from billing_config.plan.in_use import in_use_blocker
from billing_config.plan.shipped import shipped_warnings
from billing_config.plan.thresholds import check_thresholds

if TYPE_CHECKING:
    from billing_config.db.live import LiveState


class PlanError(UserError):
    """The config cannot be planned against this database (exit 1)."""


def compute_plan(
    documents: Sequence[Document],
    live: LiveState,
    *,
    prune: bool = False,
    thresholds: Thresholds | None = None,
    database: str = "",
    git: GitInfo | None = None,
) -> Plan:
    by_kind: dict[str, dict[str, Document]] = {kind.name: {} for kind in KINDS}
    for document in documents:
        by_kind[document.kind][document.code] = document
    _check_reference_kinds(by_kind, live)

    changes: list[Change] = []
    unmanaged: list[Unmanaged] = []
    for kind in KINDS:
        if kind.managed:
            kind_changes, kind_unmanaged = _diff_kind(kind, by_kind[kind.name], live, prune)
            changes.extend(kind_changes)
            unmanaged.extend(kind_unmanaged)
    live_counts = {kind.name: live.count(kind) for kind in KINDS if kind.managed}
    limits = thresholds or Thresholds()
    blockers = _in_use(changes) + check_thresholds(changes, live_counts, limits)
    return Plan(
        changes=changes, unmanaged=unmanaged, blockers=blockers, fingerprint=live.fingerprint,
        live_counts=live_counts, prune=prune, thresholds=limits, database=database,
        created_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        tool_version=__version__, git=git or GitInfo(None, None), warnings=shipped_warnings(changes),
    )


def _check_reference_kinds(by_kind: dict[str, dict[str, Document]], live: LiveState) -> None:
    problems: list[str] = []
    for kind in KINDS:
        if kind.managed:
            continue
        for code, document in sorted(by_kind[kind.name].items()):
            if code not in live.rows[kind.name]:
                problems.append(
                    f"{document.path}: {kind.singular} '{code}' does not exist in the live database "
                    f"(table {kind.table}); the platform owns that list and the sync tool never writes it"
                )
    if problems:
        raise PlanError(
            "the configuration refers to reference entries the live database lacks:\n  "
            + "\n  ".join(problems)
            + "\nAsk the platform team to add them, or remove the files and the fields that name them."
        )


def _impact(kind: Kind, live: LiveState, code: str) -> tuple[int | None, str | None]:
    if kind.usage is None:
        return None, None
    return live.usage.get(kind.name, {}).get(code, 0), kind.usage.noun


def _diff_kind(kind: Kind, documents: dict[str, Document], live: LiveState, prune: bool) -> tuple[list[Change], list[Unmanaged]]:
    changes: list[Change] = []
    unmanaged: list[Unmanaged] = []
    live_rows = live.rows[kind.name]
    for code in sorted(documents):
        wanted = kind.with_defaults(documents[code].data)
        row = live_rows.get(code)
        if row is None:
            changes.append(Change(kind.name, code, CREATE, str(wanted["name"]), None, wanted))
            continue
        if row.values == wanted:
            # Fast path: a valid config has the schema's types and the live values are converted
            # to them, so plain equality cannot confuse True with 1 here.
            continue
        differences = [
            FieldChange(name, row.values[name], wanted[name])
            for name in kind.field_names
            if not _same(row.values[name], wanted[name])
        ]
        if differences:
            impact, noun = _impact(kind, live, code)
            changes.append(
                Change(kind.name, code, UPDATE, str(wanted["name"]), dict(row.values), wanted, differences, impact, noun)
            )
    for code in sorted(set(live_rows) - set(documents)):
        row = live_rows[code]
        impact, noun = _impact(kind, live, code)
        if prune:
            changes.append(Change(kind.name, code, DELETE, str(row.values["name"]), dict(row.values), None, [], impact, noun))
        else:
            unmanaged.append(Unmanaged(kind.name, code, str(row.values["name"]), impact, noun))
    return changes, unmanaged


def _same(old: object, new: object) -> bool:
    # bool is an int in Python: True == 1 must still count as a change of type.
    return type(old) is type(new) and old == new if old is not None and new is not None else old is new


def _in_use(changes: list[Change]) -> list[Blocker]:
    from billing_config.kinds import get_kind

    return [
        in_use_blocker(get_kind(change.kind), change.code, change.name, change.impact)
        for change in changes
        if change.action == DELETE and change.impact
    ]
