"""The diff: config documents against live rows, matched by code, field by field.

A live entry without a file is deleted when it is *managed* (an apply has seen its file, so
the file was removed on purpose) and otherwise listed as unmanaged, deleted only with --prune.

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
from billing_config.errors import TargetInvalid, UserError
from billing_config.kinds import Kind
from billing_config.loader import Document
from billing_config.plan.collisions import collision_blockers
from billing_config.plan.model import (
    CREATE, DELETE, REVIVE, UPDATE, Blocker, Change, FieldChange, GitInfo, Plan, Thresholds, Unmanaged, show,
)
from billing_config.plan.refusals import PROTECTED_ROW
from billing_config.plan.allowances import Allowance, allowances_digest, apply_allowances
from billing_config.plan.config_empty import config_empty_blockers
from billing_config.plan.in_use import in_use_blocker, uses_of
from billing_config.plan.live_values import live_value_warnings
from billing_config.plan.shipped import shipped_warnings
from billing_config.plan.thresholds import check_thresholds

if TYPE_CHECKING:
    from billing_config.db.live import LiveState

SOFT_DELETED = "soft-deleted"  # db.live.SOFT_DELETED, without importing the database layer here


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
    allowances: Sequence[Allowance] = (),
) -> Plan:
    mapping = live.mapping
    # A kind the mapping does not list is not on this target: its files are left alone here.
    by_kind: dict[str, dict[str, Document]] = {name: {} for name in mapping.kinds}
    for document in documents:
        if document.kind in by_kind:
            by_kind[document.kind][document.code] = document
    _check_reference_kinds(by_kind, live)
    _check_target(documents, live)

    changes: list[Change] = []
    unmanaged: list[Unmanaged] = []
    for kmap in mapping.managed():
        kind_changes, kind_unmanaged = _diff_kind(kmap.kind, by_kind[kmap.name], live, prune)
        changes.extend(kind_changes)
        unmanaged.extend(kind_unmanaged)
    live_counts = {kmap.name: live.count(kmap.kind) for kmap in mapping.managed()}
    limits = thresholds or Thresholds()
    # Only the thresholds can be lifted by a reviewed [[allow]] table (plan/allowances.py).
    blockers, allowed = apply_allowances(
        collision_blockers(changes, live) + _protected(changes, live) + _in_use(changes) + _deletes_not_mapped(changes, live)
        + check_thresholds(changes, live_counts, limits),
        changes, live_counts, allowances, live.used_allowances,
    )
    # A kind the config holds no entry of would be emptied: refused first, pointing to export
    # (plan/config_empty.py).
    blockers = config_empty_blockers(changes, [name for name, documents in by_kind.items() if documents]) + blockers
    # The config's codes per managed kind of this target: what apply records as managed.
    entries = {kmap.name: sorted(by_kind[kmap.name]) for kmap in mapping.managed()}
    return Plan(
        changes=changes, unmanaged=unmanaged, blockers=blockers, fingerprint=live.fingerprint,
        live_counts=live_counts, prune=prune, thresholds=limits, database=database,
        created_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        tool_version=__version__, git=git or GitInfo(None, None), managed_kinds=list(live_counts),
        entries=entries, allowed=allowed,
        warnings=shipped_warnings(changes) + live_value_warnings(live), hooks=mapping.hooks(),
        allow_digest=allowances_digest(allowances),
    )


def _check_reference_kinds(by_kind: dict[str, dict[str, Document]], live: LiveState) -> None:
    problems: list[str] = []
    for kmap in live.mapping.kinds.values():
        if kmap.managed:
            continue
        kind = kmap.kind
        for code, document in sorted(by_kind[kind.name].items()):
            if code not in live.rows[kind.name]:
                problems.append(
                    f"{document.path}: {kind.singular} '{code}' does not exist in the live database "
                    f"(table {kmap.qualified}); the platform owns that list and the sync tool never writes it"
                )
    if problems:
        raise PlanError(
            "the configuration refers to reference entries the live database lacks (ask the platform team to add "
            "them, or remove the files and the fields that name them):",
            details=problems,
        )


def _check_target(documents: Sequence[Document], live: LiveState) -> None:
    """Config values this target cannot store (a name over its varchar(30), a value its encoding
    leaves out, a field it has no column for) are refused, located, before anything else."""
    from billing_config.mapping.limits import target_findings

    catalog = live.catalog
    found = target_findings(documents, live.mapping, catalog.facts if catalog is not None else None, live.lookups)
    if found:
        raise TargetInvalid(found, live.mapping.source)


def _diff_kind(kind: Kind, documents: dict[str, Document], live: LiveState, prune: bool) -> tuple[list[Change], list[Unmanaged]]:
    changes: list[Change] = []
    unmanaged: list[Unmanaged] = []
    live_rows = live.rows[kind.name]
    kmap = live.mapping.kinds[kind.name]
    # A soft-deleted row of a code to create is restored rather than duplicated (revive = true).
    revivable = {
        other.code: other for other in live.others.get(kind.name, ()) if kmap.revive and other.state == SOFT_DELETED and other.code
    }
    for code in sorted(documents):
        wanted = kind.with_defaults(documents[code].data)
        row = live_rows.get(code)
        if row is None:
            revived = revivable.get(code)
            if revived is not None:
                changes.append(Change(kind.name, code, REVIVE, str(wanted["name"]), None, wanted, revive_key=revived.key))
            else:
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
            changes.append(Change(
                kind.name, code, UPDATE, str(wanted["name"]), dict(row.values), wanted, differences,
                uses_of(live, kind.name, code),
            ))
    managed = live.managed.get(kind.name, set())
    for code in sorted(set(live_rows) - set(documents)):
        row = live_rows[code]
        impact = uses_of(live, kind.name, code)
        # An entry an apply has seen the file of is managed: removing its file is its delete,
        # reviewed like any change. Rows never managed are only deleted with --prune.
        if prune or code in managed:
            changes.append(Change(kind.name, code, DELETE, str(row.values["name"]), dict(row.values), None, [], impact))
        else:
            unmanaged.append(Unmanaged(kind.name, code, str(row.values["name"]), impact))
    for row in live.unbound.get(kind.name, ()):
        # No code yet (no code column, or a legacy one): `adopt` binds it; never deleted.
        unmanaged.append(Unmanaged(kind.name, f"#{row.id}", row.name, None))
    return changes, unmanaged


def _deletes_not_mapped(changes: list[Change], live: LiveState) -> list[Blocker]:
    result = []
    for change in changes:
        kmap = live.mapping.kinds[change.kind]
        if change.action == DELETE and kmap.delete is None:
            result.append(Blocker(
                rule="delete-not-mapped", kind=change.kind, code=change.code,
                message=f"{kmap.kind.singular} '{change.code}' ({change.name}) would be deleted, but the mapping "
                f"{live.mapping.source} says nothing about deleting {kmap.name}",
                hint=f'keep config/{change.kind}/{change.code}.yaml, or add delete = {{ COLUMN = value }} (soft) or delete = "hard" to [kinds.{change.kind}]',
            ))
    return result


def _same(old: object, new: object) -> bool:
    # bool is an int in Python: True == 1 must still count as a change of type.
    return type(old) is type(new) and old == new if old is not None and new is not None else old is new


def _protected(changes: list[Change], live: LiveState) -> list[Blocker]:
    """Rows the vendor's application relies on (the mapping's protect) are never written."""
    result = []
    for change in changes:
        if change.action not in (UPDATE, DELETE):
            continue
        row = live.rows.get(change.kind, {}).get(change.code)
        if row is None or not row.protected:
            continue
        kmap = live.mapping.kinds[change.kind]
        verb = "changed" if change.action == UPDATE else "deleted"
        result.append(Blocker(
            rule=PROTECTED_ROW, kind=change.kind, code=change.code,
            message=f"{kmap.kind.singular} '{change.code}' ({change.name}) would be {verb}, but the mapping "
            f"{live.mapping.source} protects row {row.id!r} of {kmap.qualified}: the vendor's application relies on it",
            hint=f"keep config/{change.kind}/{change.code}.yaml as live has it (`billing-config export` writes it), "
            "or ask the vendor whether the row may change and narrow protect",
        ))
    return result


def _in_use(changes: list[Change]) -> list[Blocker]:
    from billing_config.kinds import get_kind

    return [
        in_use_blocker(get_kind(change.kind), change.code, change.name, change.impact or ())
        for change in changes
        if change.action == DELETE and change.used
    ]
