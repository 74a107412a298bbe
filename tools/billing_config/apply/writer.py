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

from billing_config.db import schema
from billing_config.kinds import KINDS, Field, Kind
from billing_config.live import LiveState
from billing_config.plan.model import CREATE, DELETE, UPDATE, Change, Plan


def _refs(kind: Kind) -> list[Field]:
    return [spec for spec in kind.fields if spec.references]


def _resolve(spec: Field, value: Any, ids: dict[str, dict[str, int]]) -> int | None:
    if value is None:
        return None
    target = ids[spec.references or ""].get(value)
    if target is None:
        raise LookupError(f"{spec.name} names '{value}', which is not in the live database")
    return target


def write_changes(connection: sa.Connection, plan: Plan, live: LiveState, stamp: datetime) -> None:
    ids: dict[str, dict[str, int]] = {kind.name: live.ids(kind) for kind in KINDS}
    by_kind: dict[tuple[str, str], list[Change]] = {}
    for change in plan.changes:
        by_kind.setdefault((change.kind, change.action), []).append(change)
    managed = [kind for kind in KINDS if kind.managed]

    deferred: dict[str, list[Change]] = {}
    for kind in managed:
        creates = by_kind.get((kind.name, CREATE), [])
        if not creates:
            continue
        table = schema.kind_table(kind)
        rows = []
        for change in creates:
            assert change.after is not None
            row: dict[str, Any] = {"code": change.code, "created": stamp, "last_modified": stamp}
            waiting = False
            for spec in kind.fields:
                value = change.after[spec.name]
                if spec.references:
                    target = ids[spec.references].get(value) if value is not None else None
                    if value is not None and target is None:
                        waiting = True
                    row[schema.column_name(spec)] = target
                else:
                    row[spec.name] = value
            if waiting:
                deferred.setdefault(kind.name, []).append(change)
            rows.append(row)
        connection.execute(table.insert(), rows)
        ids[kind.name] = schema.id_map(connection, kind)

    for kind in managed:
        updates = by_kind.get((kind.name, UPDATE), [])
        if not updates:
            continue
        table = schema.kind_table(kind)
        columns = [schema.column_name(spec) for spec in kind.fields]
        statement = (
            table.update()
            .where(table.c.id == sa.bindparam("b_id"))
            .values({name: sa.bindparam(f"b_{name}") for name in [*columns, "last_modified"]})
        )
        rows = []
        for change in updates:
            assert change.after is not None
            row = {"b_id": ids[kind.name][change.code], "b_last_modified": stamp}
            for spec in kind.fields:
                value = change.after[spec.name]
                row[f"b_{schema.column_name(spec)}"] = _resolve(spec, value, ids) if spec.references else value
            rows.append(row)
        connection.execute(statement, rows)

    for kind_name, changes in deferred.items():
        kind = next(k for k in managed if k.name == kind_name)
        table = schema.kind_table(kind)
        references = _refs(kind)
        statement = (
            table.update()
            .where(table.c.id == sa.bindparam("b_id"))
            .values({schema.column_name(spec): sa.bindparam(f"b_{spec.name}") for spec in references})
        )
        rows = []
        for change in changes:
            assert change.after is not None
            row = {"b_id": ids[kind.name][change.code]}
            row.update({f"b_{spec.name}": _resolve(spec, change.after[spec.name], ids) for spec in references})
            rows.append(row)
        connection.execute(statement, rows)

    for kind in reversed(managed):
        deletes = by_kind.get((kind.name, DELETE), [])
        if not deletes:
            continue
        table = schema.kind_table(kind)
        doomed = [{"b_id": ids[kind.name][change.code]} for change in deletes if change.code in ids[kind.name]]
        references = _refs(kind)
        if references and doomed:
            connection.execute(
                table.update().where(table.c.id == sa.bindparam("b_id")).values({schema.column_name(s): None for s in references}),
                doomed,
            )
        if doomed:
            connection.execute(table.delete().where(table.c.id == sa.bindparam("b_id")), doomed)
