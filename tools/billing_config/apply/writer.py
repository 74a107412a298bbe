"""The writes of a plan, batched: a fixed number of statements per kind, whatever the entry count.

Order matters for foreign keys:
1. creates, with references to rows that do not exist yet left NULL;
2. updates (whole rows, so one statement shape serves every updated entry of a kind), now that
   every created row has an id;
3. the references left NULL in step 1 (forward references, chains of new statuses);
4. deletes last: references from the doomed rows cleared first, so they may point at each other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from billing_config.db import tables
from billing_config.db.rows import Entry, insert_entries, reference_id, set_references
from billing_config.kinds import KINDS
from billing_config.db.live import LiveState
from billing_config.plan.model import CREATE, DELETE, UPDATE, Change, Plan


def write_changes(connection: sa.Connection, plan: Plan, live: LiveState, stamp: datetime) -> None:
    ids: dict[str, dict[str, int]] = {kind.name: live.ids(kind) for kind in KINDS}
    by_kind: dict[tuple[str, str], list[Change]] = {}
    for change in plan.changes:
        by_kind.setdefault((change.kind, change.action), []).append(change)
    managed = [kind for kind in KINDS if kind.managed]

    deferred: dict[str, list[Entry]] = {}
    for kind in managed:
        creates = [(change.code, change.after) for change in by_kind.get((kind.name, CREATE), []) if change.after is not None]
        if creates:
            deferred[kind.name] = insert_entries(connection, kind, creates, ids, stamp)

    for kind in managed:
        updates = by_kind.get((kind.name, UPDATE), [])
        if not updates:
            continue
        table = tables.kind_table(kind)
        columns = [tables.column_name(spec) for spec in kind.fields]
        statement = (
            table.update()
            .where(table.c.id == sa.bindparam("b_id"))
            .values({name: sa.bindparam(f"b_{name}") for name in [*columns, "last_modified"]})
        )
        rows = []
        for change in updates:
            assert change.after is not None
            row: dict[str, Any] = {"b_id": ids[kind.name][change.code], "b_last_modified": stamp}
            for spec in kind.fields:
                value = change.after[spec.name]
                row[f"b_{tables.column_name(spec)}"] = reference_id(spec, value, ids) if spec.references else value
            rows.append(row)
        connection.execute(statement, rows)

    for kind in managed:
        set_references(connection, kind, deferred.get(kind.name, []), ids)

    for kind in reversed(managed):
        deletes = by_kind.get((kind.name, DELETE), [])
        if not deletes:
            continue
        table = tables.kind_table(kind)
        doomed = [{"b_id": ids[kind.name][change.code]} for change in deletes if change.code in ids[kind.name]]
        if kind.reference_fields and doomed:
            connection.execute(
                table.update().where(table.c.id == sa.bindparam("b_id")).values({tables.column_name(s): None for s in kind.reference_fields}),
                doomed,
            )
        if doomed:
            connection.execute(table.delete().where(table.c.id == sa.bindparam("b_id")), doomed)
