"""Config entries to rows of their kind's table: the one place values become columns.

Both ``apply`` (its creates) and ``db init`` (seeding empty tables from config/) insert entries
whose references may name rows that do not exist yet, such as a chain of new statuses. Both
insert with those references NULL and set them once every row has an id, in a fixed number of
batched statements per kind, whatever the number of entries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from billing_config.db import tables
from billing_config.kinds import Field, Kind

Entry = tuple[str, Mapping[str, Any]]  # code, every field's value (references as codes)
Ids = dict[str, dict[str, int]]  # kind name -> code -> id


class MissingReference(Exception):
    """Internal signal: a reference names a row the database lacks. Raised by
    :func:`reference_id` and caught by this package's callers (apply, db init), each of which
    says what it means for them; it never reaches the command line as it is."""


def now_stamp() -> datetime:
    """``created``/``last_modified`` values: naive UTC to the second, stored alike on every backend."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def reference_id(spec: Field, value: Any, ids: Ids) -> int | None:
    """The id a reference field's code stands for; MissingReference when no such row exists."""
    if value is None:
        return None
    target = ids[spec.references or ""].get(value)
    if target is None:
        raise MissingReference(f"{spec.name} names '{value}', which is not in the live database")
    return target


def insert_entries(connection: sa.Connection, kind: Kind, entries: Sequence[Entry], ids: Ids, stamp: datetime) -> list[Entry]:
    """Insert the entries in one batch and refresh ``ids[kind.name]``.

    References whose target has no row yet are left NULL; those entries are returned, for
    :func:`set_references` once every row of the run exists.
    """
    rows: list[dict[str, Any]] = []
    waiting: list[Entry] = []
    for code, values in entries:
        row: dict[str, Any] = {"code": code, "created": stamp, "last_modified": stamp}
        for spec in kind.fields:
            row[tables.column_name(spec)] = values[spec.name]
        pending = False
        for spec in kind.reference_fields:
            value = values[spec.name]
            target = ids[spec.references or ""].get(value) if value is not None else None
            pending = pending or (value is not None and target is None)
            row[tables.column_name(spec)] = target
        rows.append(row)
        if pending:
            waiting.append((code, values))
    if rows:
        connection.execute(tables.kind_table(kind).insert(), rows)
    ids[kind.name] = tables.id_map(connection, kind)
    return waiting


def set_references(connection: sa.Connection, kind: Kind, entries: Sequence[Entry], ids: Ids) -> None:
    """Fill in the references :func:`insert_entries` had to leave NULL, in one batch."""
    if not entries:
        return
    table = tables.kind_table(kind)
    statement = (
        table.update()
        .where(table.c.id == sa.bindparam("b_id"))
        .values({tables.column_name(spec): sa.bindparam(f"b_{spec.name}") for spec in kind.reference_fields})
    )
    connection.execute(
        statement,
        [
            {"b_id": ids[kind.name][code], **{f"b_{spec.name}": reference_id(spec, values[spec.name], ids) for spec in kind.reference_fields}}
            for code, values in entries
        ],
    )
