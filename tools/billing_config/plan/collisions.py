"""Unique constraints kept at plan, not discovered by apply.

A vendor's unique index is often wider than the rows a mapping selects: Dolibarr's
``uk_c_typent(code)`` also covers Argentina's rows outside the scope, and a soft-deleted row
keeps its code. A create, update or revive whose stored values (after the code transform and
the encodings, under each column's collation) equal another row's under one of the table's
unique constraints would pass a naive plan and fail half-way through apply. Such a change is
a blocker (``code-collision``) that names the other row and whether it is in scope, out of
scope, soft-deleted, or created by the same plan.

The rows compared: every live row in scope (its stored unique columns are read with it),
the rows outside the scope that db/live reads for this (only their key, code, unique, where and
delete columns), and the rows the plan itself creates. A NULL in a constraint's columns makes
it no match, as every database treats it. Writes run creates, then updates, then deletes, so a
change clashing with a row this plan deletes is refused too (it would fail before the delete).
The code column counts as unique within the scope even where no constraint says so: two rows
reading as one code cannot both be the entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from billing_config.kinds import get_kind
from billing_config.mapping import KEY_CODE, KindMap
from billing_config.plan.model import CREATE, DELETE, REVIVE, UPDATE, Blocker, Change
from billing_config.plan.refusals import CODE_COLLISION

if TYPE_CHECKING:
    from billing_config.db.live import LiveState

_NEW = "created by this plan"


@dataclass(slots=True)
class _Row:
    key: Any
    state: str  # in scope | out of scope | soft-deleted | created by this plan
    stored: dict[str, Any]  # column -> stored value after the plan
    label: str  # how a message names it
    code: str | None = None
    changed: set[str] = field(default_factory=set)  # columns the plan writes (all for a new row)
    before: dict[str, Any] = field(default_factory=dict)  # stored values before the plan
    action: str = ""
    deleted: bool = False


def collision_blockers(changes: Sequence[Change], live: LiveState) -> list[Blocker]:
    blockers: list[Blocker] = []
    by_kind: dict[str, list[Change]] = {}
    for change in changes:
        by_kind.setdefault(change.kind, []).append(change)
    for name, kind_changes in by_kind.items():
        kmap = live.mapping.kinds.get(name)
        if kmap is None:
            continue
        if any(c.action in (CREATE, UPDATE, REVIVE) for c in kind_changes):
            blockers.extend(_kind_blockers(kmap, kind_changes, live))
    return blockers


def _constraints(kmap: KindMap, live: LiveState) -> list[tuple[str, tuple[str, ...], bool]]:
    """(name, columns, whole table?) of every unique constraint that can clash, the code
    column's own uniqueness within the scope included."""
    info = live.catalog.table(kmap.table_name) if live.catalog is not None else None
    result: list[tuple[str, tuple[str, ...], bool]] = []
    generated_key = kmap.key_source != KEY_CODE
    for unique in info.uniques if info is not None else ():
        if generated_key and kmap.key in unique.columns:
            continue  # a new key never equals an existing one
        result.append((unique.name, unique.columns, True))
    if kmap.code is not None and not any(columns == (kmap.code.column,) for _, columns, _ in result):
        result.append(("the code column", (kmap.code.column,), False))
    return result


def _kind_blockers(kmap: KindMap, changes: list[Change], live: LiveState) -> list[Blocker]:
    constraints = _constraints(kmap, live)
    if not constraints:
        return []
    rows = _final_rows(kmap, changes, live, {column for _, columns, _ in constraints for column in columns})
    collations = _collations(kmap, live)
    blockers: list[Blocker] = []
    reported: set[tuple[Any, str]] = set()
    for name, columns, whole_table in constraints:
        index: dict[tuple[Any, ...], list[_Row]] = {}
        for row in rows:
            if not whole_table and row.state not in ("in scope", _NEW):
                continue
            key = _key(row.stored, columns, collations)
            if key is not None:  # a row this plan deletes still holds it while creates run
                index.setdefault(key, []).append(row)
        giving_up = _giving_up(rows, columns, collations)
        for row in rows:
            if not row.action or not (row.changed & set(columns)) or (row.code, name) in reported:
                continue
            if not whole_table and row.state not in ("in scope", _NEW):
                continue
            key = _key(row.stored, columns, collations)
            if key is None:
                continue
            others = [other for other in index.get(key, ()) if other is not row]
            others += [other for other in giving_up.get(key, ()) if other is not row]
            if others:
                reported.add((row.code, name))
                blockers.append(_blocker(kmap, row, others[0], name, columns, collations))
    return blockers


def _giving_up(rows: list[_Row], columns: tuple[str, ...], collations: dict[str, str]) -> dict[tuple[Any, ...], list[_Row]]:
    """Rows that hold values now and give them up in this plan, by those values: the batched
    updates run in no guaranteed order, so a row taking them would meet this one half-way."""
    found: dict[tuple[Any, ...], list[_Row]] = {}
    wanted = set(columns)
    for row in rows:
        if row.action == UPDATE and row.changed & wanted:
            key = _key(row.before, columns, collations)
            if key is not None:
                found.setdefault(key, []).append(row)
    return found


def _key(stored: dict[str, Any], columns: tuple[str, ...], collations: dict[str, str]) -> tuple[Any, ...] | None:
    from billing_config.db.collation import collation_key

    values = []
    for column in columns:
        if column not in stored:
            return None  # a column the plan does not know for this row: the database decides
        value = stored[column]
        if value is None:
            return None  # NULLs never clash
        if isinstance(value, str):
            value = collation_key(value, collations.get(column))
        values.append(value)
    return tuple(values)


def _collations(kmap: KindMap, live: LiveState) -> dict[str, str]:
    info = live.catalog.table(kmap.table_name) if live.catalog is not None else None
    result = {name: column.collation for name, column in (info.columns.items() if info else ()) if column.collation}
    if kmap.code is not None and kmap.name in live.collations:
        result.setdefault(kmap.code.column, live.collations[kmap.name])
    return result


def stored_fields(
    kmap: KindMap, values: dict[str, Any], names: Sequence[str] | None = None, columns: set[str] | None = None,
) -> dict[str, Any]:
    """The columns a config entry's values are stored in (references and lookups aside: their
    stored form is a key the plan may not know yet); only ``columns`` when given."""
    result: dict[str, Any] = {}
    for fmap in kmap.mapped_fields:
        if fmap.field.references or fmap.lookup is not None or (names is not None and fmap.name not in names):
            continue
        if columns is not None and fmap.column not in columns:
            continue
        value = values.get(fmap.name)
        if fmap.encode is not None and value is not None:
            if value not in fmap.encode:
                continue
            value = fmap.encode[value]
        result[fmap.column or ""] = value
    return result


def _final_rows(kmap: KindMap, changes: list[Change], live: LiveState, needed: set[str]) -> list[_Row]:
    by_code = {change.code: change for change in changes}
    rows: list[_Row] = []
    for code, live_row in live.rows.get(kmap.name, {}).items():
        stored = dict(live_row.raw)
        if kmap.code is not None:
            stored.setdefault(kmap.code.column, kmap.code.stored(code))
        row = _Row(live_row.id, "in scope", stored, f"row {live_row.id!r} ({live_row.name}, in scope)", code, before=dict(stored))
        change = by_code.get(code)
        if change is not None and change.action == UPDATE and change.after is not None:
            written = stored_fields(kmap, change.after, [f.field for f in change.fields], needed)
            row.stored.update(written)
            row.changed = set(written)
            row.action = UPDATE
        elif change is not None and change.action == DELETE:
            row.deleted = True
            row.label = f"row {live_row.id!r} ({live_row.name}), which this plan deletes (deletes run last)"
        rows.append(row)
    for live_row in live.unbound.get(kmap.name, ()):
        stored = dict(live_row.raw)
        if kmap.code is not None and live_row.legacy is not None:
            stored.setdefault(kmap.code.column, live_row.legacy)
        rows.append(_Row(live_row.id, "in scope", stored, f"row {live_row.id!r} ({live_row.name}, in scope, no code yet)"))
    revived = {change.revive_key for change in changes if change.action == REVIVE}
    for other in live.others.get(kmap.name, ()):
        state = other.state
        row = _Row(other.key, state, dict(other.stored), f"row {other.key!r} ({state})", other.code, before=dict(other.stored))
        if other.key in revived:
            continue  # it becomes the revived entry below
        rows.append(row)
    for change in changes:
        if change.action not in (CREATE, REVIVE) or change.after is None:
            continue
        stored = {c.column: c.plain for c in kmap.where}
        stored.update({column: value.literal for column, value in kmap.insert_set.items()
                       if value.now is None and value.increment is None and not value.uuid})
        if change.action == REVIVE:
            previous = next((o for o in live.others.get(kmap.name, ()) if o.key == change.revive_key), None)
            base = dict(previous.stored) if previous is not None else {}
            base.update({c.column: c.plain for c in kmap.where})
            stored = base
        if kmap.code is not None:
            stored[kmap.code.column] = kmap.code.stored(change.code)
        if kmap.key_source == KEY_CODE and kmap.code is not None:
            stored[kmap.key] = stored[kmap.code.column]
        stored.update(stored_fields(kmap, change.after, columns=needed))
        label = f"the entry '{change.code}' this plan {'revives' if change.action == REVIVE else 'creates'}"
        rows.append(_Row(change.revive_key, _NEW, stored, label, change.code, set(stored), action=change.action))
    return rows


def _blocker(kmap: KindMap, row: _Row, other: _Row, name: str, columns: tuple[str, ...], collations: dict[str, str]) -> Blocker:
    kind = get_kind(kmap.name)
    verb = {CREATE: "created", UPDATE: "updated", REVIVE: "revived"}.get(row.action, "written")
    values = ", ".join(f"{column} = {row.stored.get(column)!r}" for column in columns)
    code_only = kmap.code is not None and columns == (kmap.code.column,)
    exact = all(row.stored.get(c) == other.stored.get(c) for c in columns)
    if code_only and not exact and other.state == "in scope":
        collation = collations.get(columns[0], "")
        held = other.stored.get(columns[0])
        message = (
            f"{kind.singular} '{row.code}' can't be {verb}: the live row {ascii(held)} counts as the same code under "
            f"the column's collation {collation}"
        )
    else:
        how = "" if exact else f" under the column collation ({', '.join(sorted({collations.get(c, '') for c in columns} - {''}))})"
        constraint = name if name == "the code column" else f"the unique constraint {name} ({', '.join(columns)})"
        message = (
            f"{kind.singular} '{row.code}' can't be {verb}: {values} in {kmap.qualified} would equal {other.label}{how} "
            f"under {constraint}"
        )
    return Blocker(rule=CODE_COLLISION, kind=kmap.name, code=row.code, message=message, hint=_hint(kmap, other))


def _hint(kmap: KindMap, other: _Row) -> str:
    if other.state == "soft-deleted":
        if kmap.revive:
            return "that row is a deleted entry under another code; choose another code, or restore it under its own"
        return (
            f"that row was deleted (soft) and keeps its values; set revive = true in [kinds.{kmap.name}] of the mapping "
            "to restore it instead, or choose another code"
        )
    if other.state == "out of scope":
        return (
            "that row is outside this mapping's where (another tenant, country or type), so the tool cannot change it; "
            "choose another code (rename the file) or name"
        )
    if other.deleted:
        return "deletes run after creates and updates: remove the old entry in one pull request and add this one in the next"
    if other.state == _NEW:
        return "two entries of this plan would hold the same stored values; rename one of them"
    return "rename or remove that live row on the platform (or name the file after it), then plan again"


def rename_collision(kmap: KindMap, live: LiveState, old: str, new: str) -> str | None:
    """Why moving a code column from ``old`` to ``new`` would break a unique constraint (another
    row, in scope or not, holding the new stored code under the column's collation), or None.
    A rename through the tool's bindings writes no vendor column and cannot clash."""
    if kmap.code is None:
        return None
    column = kmap.code.column
    collations = _collations(kmap, live)
    moved = live.rows.get(kmap.name, {}).get(old)
    stored = {column: kmap.code.stored(new)}
    for name, columns, whole_table in _constraints(kmap, live):
        if column not in columns:
            continue
        if moved is not None:
            stored.update({c: moved.raw[c] for c in columns if c != column and c in moved.raw})
        key = _key(stored, columns, collations)
        if key is None:
            continue
        for row in _final_rows(kmap, [], live, set(columns)):
            if row.key == (moved.id if moved is not None else None):
                continue
            if (whole_table or row.state == "in scope") and _key(row.stored, columns, collations) == key:
                constraint = name if name == "the code column" else f"the unique constraint {name} ({', '.join(columns)})"
                return (
                    f"{kmap.kind.singular} '{old}' can't become '{new}': {column} = {stored[column]!r} in {kmap.qualified} "
                    f"would equal {row.label} under {constraint}; {_hint(kmap, row)}"
                )
    return None
