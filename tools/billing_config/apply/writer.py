"""The writes of a plan, batched through the mapping: a fixed number of statements per kind
(one per distinct set of changed columns for updates), whatever the entry count.

Order matters for foreign keys:
1. creates, with references to rows that do not exist yet left empty;
2. updates, only the changed columns (a vendor's triggers and history see only real changes);
3. the references left empty in step 1 (forward references, chains of new statuses);
4. deletes last: hard deletes clear the doomed rows' references first so they may point at
   each other; soft deletes write the mapping's delete values, which take the row out of scope.
Every statement is limited to the mapping's ``where`` scope, so rows outside it are never
written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from billing_config.db import sql as access
from billing_config.db.live import LiveState, via_columns
from billing_config.mapping import HARD_DELETE, KindMap, Mapping
from billing_config.db.tool.bindings import unbind
from billing_config.db.write import (
    Entry, KeyBook, MissingReference, book_from, encode, insert_entries, learn_vias, reference_value, set_references, set_values,
)
from billing_config.plan.model import CREATE, DELETE, REVIVE, UPDATE, Change, Plan


def write_changes(connection: sa.Connection, plan: Plan, live: LiveState, stamp: datetime) -> dict[tuple[str, str], Any]:
    """Every write of the plan; returns the key of each row written, (kind, code) -> key, for
    the mapping's on_change statements."""
    mapping = live.mapping
    book = book_from(live)
    by_kind: dict[tuple[str, str], list[Change]] = {}
    for change in plan.changes:
        by_kind.setdefault((change.kind, change.action), []).append(change)
    managed = mapping.managed()
    vias = via_columns(mapping)
    keys = {(change.kind, change.code): book.keys.get(change.kind, {}).get(change.code) for change in plan.changes}

    deferred: dict[str, list[Entry]] = {}
    for kmap in managed:
        deferred[kmap.name] = _revive(connection, kmap, by_kind.get((kmap.name, REVIVE), []), book, stamp, vias.get(kmap.name, ()))
        creates = [(change.code, change.after) for change in by_kind.get((kmap.name, CREATE), []) if change.after is not None]
        if creates:
            deferred[kmap.name] += insert_entries(connection, mapping, kmap, creates, book, stamp)

    for kmap in managed:
        _update(connection, kmap, by_kind.get((kmap.name, UPDATE), []), book, stamp)

    for kmap in managed:
        set_references(connection, kmap, deferred.get(kmap.name, []), book)

    for kmap in reversed(managed):
        _delete(connection, mapping, kmap, by_kind.get((kmap.name, DELETE), []), book.keys.get(kmap.name, {}), stamp)
    for change in plan.changes:
        if change.action in (CREATE, REVIVE):
            keys[(change.kind, change.code)] = book.keys.get(change.kind, {}).get(change.code)
    return keys


def _revive(
    connection: sa.Connection, kmap: KindMap, revives: list[Change], book: KeyBook, stamp: datetime, vias: tuple[str, ...],
) -> list[Entry]:
    """Restore soft-deleted rows in place: same key, the where values written back (the row
    comes back into scope), every mapped field and the update set written. References to rows
    this run has not created yet are left for set_references, as for creates."""
    if not revives:
        return []
    table = access.kind_table(kmap)
    waiting: list[Entry] = []
    rows: list[dict[str, Any]] = []
    columns: list[str] = [c.column for c in kmap.where] + [f.column or "" for f in kmap.mapped_fields]
    for change in revives:
        assert change.after is not None
        row: dict[str, Any] = {"b_key": change.revive_key}
        row.update({f"b_{c.column}": c.plain for c in kmap.where})
        pending = False
        for fmap in kmap.mapped_fields:
            value = change.after[fmap.name]
            if fmap.field.references:
                try:
                    row[f"b_{fmap.column}"] = reference_value(fmap, value, book)
                except MissingReference:
                    row[f"b_{fmap.column}"], pending = fmap.none, True
            else:
                row[f"b_{fmap.column}"] = encode(fmap, value, book.lookups.get((kmap.name, fmap.name)))
        rows.append(row)
        book.keys.setdefault(kmap.name, {})[change.code] = change.revive_key
        book.known.setdefault(kmap.name, set()).add(change.revive_key)
        if pending:
            waiting.append((change.code, change.after))
    statement = (
        sa.update(table).where(table.c[kmap.key] == sa.bindparam("b_key"))
        .values({**set_values(kmap.update_set, table, stamp), **{c: sa.bindparam(f"b_{c}") for c in dict.fromkeys(columns)}})
    )
    connection.execute(statement, rows)
    learn_vias(connection, kmap, vias, {c.code: c.revive_key for c in revives}, book)
    return waiting


def _update(connection: sa.Connection, kmap: KindMap, updates: list[Change], book: KeyBook, stamp: datetime) -> None:
    if not updates:
        return
    table = access.kind_table(kmap)
    fields = kmap.field_map
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in updates:
        assert change.after is not None
        changed = tuple(f.field for f in change.fields if fields[f.field].column is not None)
        if not changed:
            continue
        row: dict[str, Any] = {"b_key": book.keys[kmap.name][change.code]}
        for name in changed:
            fmap = fields[name]
            value = change.after[name]
            row[f"b_{fmap.column}"] = (
                reference_value(fmap, value, book) if fmap.field.references
                else encode(fmap, value, book.lookups.get((kmap.name, fmap.name)))
            )
        groups.setdefault(changed, []).append(row)
    extra = set_values(kmap.update_set, table, stamp)
    for changed, rows in groups.items():
        columns = [fields[name].column or "" for name in changed]
        statement = (
            sa.update(table)
            .where(table.c[kmap.key] == sa.bindparam("b_key"), *access.scope(table, kmap.where))
            .values({**extra, **{column: sa.bindparam(f"b_{column}") for column in columns}})
        )
        connection.execute(statement, rows)


def _delete(connection: sa.Connection, mapping: Mapping, kmap: KindMap, deletes: list[Change], keys: dict[str, Any], stamp: datetime) -> None:
    doomed = [{"b_key": keys[change.code]} for change in deletes if change.code in keys]
    if not doomed:
        return
    table = access.kind_table(kmap)
    where = [table.c[kmap.key] == sa.bindparam("b_key"), *access.scope(table, kmap.where)]
    if kmap.delete == HARD_DELETE:
        references = [f for f in kmap.mapped_fields if f.field.references]
        if references:
            connection.execute(sa.update(table).where(*where).values({f.column or "": f.none for f in references}), doomed)
        connection.execute(sa.delete(table).where(*where), doomed)
    elif isinstance(kmap.delete, dict):
        values = {**set_values(kmap.update_set, table, stamp), **set_values(kmap.delete, table, stamp)}
        connection.execute(sa.update(table).where(*where).values(values), doomed)
    else:  # the planner refuses deletes a mapping does not allow; never reached
        raise AssertionError(f"delete of {kmap.name} without a delete mapping")
    if not (kmap.revive and isinstance(kmap.delete, dict)):
        # A soft-deleted row that may be revived keeps its binding: creating its code again
        # finds it (its table has no code column to find it by).
        unbind(connection, mapping, kmap, [change.code for change in deletes])
