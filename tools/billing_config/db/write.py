"""Config entries to rows of a mapped table: the one place values become columns.

Both ``apply`` and ``db init`` insert entries whose references may name rows that do not exist
yet (a chain of new statuses). Both insert with those references empty and set them once
every row has a key, in a fixed number of batched statements per kind. A table without a code
column gets a binding (code -> key) per new row in the tool's own table, in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingType, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from billing_config.db import sql as access
from billing_config.db.tool.bindings import bind
from billing_config.mapping.model import now_stamp
from billing_config.db.live import LiveState
from billing_config.errors import UserError
from billing_config.mapping import KEY_MAX_PLUS_ONE, KEY_SEQUENCE, FieldMap, KindMap, Mapping, SetValue

Entry = tuple[str, MappingType[str, Any]]  # code, every field's value (references as codes)


class MissingReference(Exception):
    """Internal signal: a reference names a row the database lacks. Raised by
    :func:`reference_value` and caught by this package's callers (apply, db init), each of which
    says what it means for them; it never reaches the command line as it is."""


@dataclass(slots=True)
class KeyBook:
    """What references are written as: kind -> code -> key, and kind -> via column -> code -> value."""

    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    vias: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    known: dict[str, set[Any]] = field(default_factory=dict)  # every visible key, bound or not
    # (kind, field) -> the value a lookup row holds -> that row's key, for fields stored by lookup
    lookups: dict[tuple[str, str], dict[Any, Any]] = field(default_factory=dict)


def book_from(live: LiveState) -> KeyBook:
    """The keys (and via values) of every live row, as references are written."""
    book = KeyBook()
    for name, rows in live.rows.items():
        book.keys[name] = {code: row.id for code, row in rows.items()}
        book.known[name] = {row.id for row in rows.values()} | {row.id for row in live.unbound.get(name, ())}
        for row in rows.values():
            for via, value in row.via.items():
                book.vias.setdefault(name, {}).setdefault(via, {})[row.code] = value
    for where, pairs in live.lookups.items():
        reverse: dict[Any, Any] = {}
        for key, value in sorted(pairs.items(), key=lambda item: repr(item[0]), reverse=True):
            reverse[value] = key  # several rows holding one value: the smallest key, every time
        book.lookups[where] = reverse
    return book


def encode(fmap: FieldMap, value: Any, lookup: dict[Any, Any] | None = None) -> Any:
    """A config value as its column stores it: the first stored value of its encoding, and for a
    lookup field the key of the lookup row holding that (plan refused values it lacks)."""
    stored = fmap.encode[value] if fmap.encode is not None and value is not None else value
    if fmap.lookup is not None and stored is not None:
        if lookup is None or stored not in lookup:
            raise MissingReference(f"{fmap.name}: the lookup table {fmap.lookup.table.qualified} has no row holding {stored!r}")
        return lookup[stored]
    return stored


def reference_value(fmap: FieldMap, code: Any, book: KeyBook) -> Any:
    """The key (or via value) a reference's code stands for; MissingReference when no such row."""
    if code is None:
        return fmap.none
    target = fmap.field.references or ""
    if fmap.via:
        found = book.vias.get(target, {}).get(fmap.via, {}).get(code)
    else:
        found = book.keys.get(target, {}).get(code)
    if found is None:
        raise MissingReference(f"{fmap.name} names '{code}', which is not in the live database")
    return found


def set_values(spec: dict[str, SetValue], table: sa.TableClause, stamp: datetime) -> dict[str, Any]:
    """The columns a ``set`` writes, for one statement (a new UUID is per row: :func:`row_values`)."""
    result: dict[str, Any] = {}
    for column, value in spec.items():
        if value.increment is not None:
            result[column] = table.c[column] + value.increment
        elif not value.uuid:
            result[column] = value.value(stamp)
    return result


def row_values(spec: dict[str, SetValue], stamp: datetime) -> dict[str, Any]:
    """The ``set`` columns that differ for every row: a new random UUID each."""
    return {column: value.value(stamp) for column, value in spec.items() if value.uuid}


def _key_expression(connection: sa.Connection, kmap: KindMap) -> Any:
    """The key of a new row taken from a named sequence, quoted as an identifier by the
    dialect (never pasted into the statement)."""
    if kmap.key_source != KEY_SEQUENCE or kmap.sequence is None:
        return None
    if not getattr(connection.dialect, "supports_sequences", False):
        raise UnsupportedKeySource(
            f"{kmap.qualified}: key_source = {{ sequence = ... }} needs a database with sequences "
            f"({connection.dialect.name} has none); use \"default\" or \"max+1\" there"
        )
    return sa.Sequence(kmap.sequence.name, schema=kmap.sequence.schema).next_value()


class UnsupportedKeySource(UserError):
    """The mapping's key source cannot work on this database; nothing was written."""


def next_keys(connection: sa.Connection, kmap: KindMap, count: int) -> list[int]:
    """``max+1``: the keys the vendor's application would give the next ``count`` rows, one
    more than the largest key in the whole table (every row, in scope or not), read with the
    table locked against concurrent inserts until the transaction ends (PostgreSQL: SHARE ROW
    EXCLUSIVE; MariaDB: the key index's end locked by SELECT ... FOR UPDATE under REPEATABLE
    READ; SQLite: the database's write lock that BEGIN IMMEDIATE took)."""
    table = access.kind_table(kmap)
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"LOCK TABLE {access.quoted_table(connection, kmap.table_name)} IN SHARE ROW EXCLUSIVE MODE")
    statement = sa.select(sa.func.max(table.c[kmap.key]))
    if connection.dialect.name in ("mysql", "mariadb"):
        statement = statement.with_for_update()
    largest = connection.execute(statement).scalar()
    if largest is not None and (isinstance(largest, bool) or not isinstance(largest, int)):
        raise UnsupportedKeySource(
            f"{kmap.qualified}.{kmap.key}: key_source = \"max+1\" needs a whole-number key; its largest is {largest!r}"
        )
    start = (largest or 0) + 1
    return list(range(start, start + count))


def insert_entries(
    connection: sa.Connection, mapping: Mapping, kmap: KindMap, entries: Sequence[Entry], book: KeyBook, stamp: datetime,
) -> list[Entry]:
    """Insert the entries in one batch and learn their keys (one more query, and one batch of
    bindings for a table without a code column).

    References whose target has no row yet are left empty; those entries are returned, for
    :func:`set_references` once every row of the run exists.
    """
    if not entries:
        return []
    table = access.kind_table(kmap)
    fixed: dict[str, Any] = {c.column: c.plain for c in kmap.where}
    fixed.update(set_values(kmap.insert_set, table, stamp))
    key_expression = _key_expression(connection, kmap)
    if key_expression is not None:
        fixed[kmap.key] = key_expression
    literal = {k: v for k, v in fixed.items() if not isinstance(v, sa.ColumnElement)}
    expressions = {k: v for k, v in fixed.items() if isinstance(v, sa.ColumnElement)}
    keys = next_keys(connection, kmap, len(entries)) if kmap.key_source == KEY_MAX_PLUS_ONE else None
    rows: list[dict[str, Any]] = []
    waiting: list[Entry] = []
    for number, (code, values) in enumerate(entries):
        row: dict[str, Any] = dict(literal)
        row.update(row_values(kmap.insert_set, stamp))
        if keys is not None:
            row[kmap.key] = keys[number]
        if kmap.code is not None:
            row[kmap.code.column] = kmap.code.stored(code)
        pending = False
        for fmap in kmap.mapped_fields:
            column = fmap.column or ""
            if fmap.field.references:
                try:
                    row[column] = reference_value(fmap, values[fmap.name], book)
                except MissingReference:
                    row[column] = fmap.none
                    pending = True
            else:
                row[column] = encode(fmap, values[fmap.name], book.lookups.get((kmap.name, fmap.name)))
        rows.append(row)
        if pending:
            waiting.append((code, values))
    statement = sa.insert(table)
    if expressions:
        statement = statement.values(expressions)
    connection.execute(statement, rows)
    _learn_keys(connection, mapping, kmap, entries, rows, book)
    return waiting


def _learn_keys(
    connection: sa.Connection, mapping: Mapping, kmap: KindMap, entries: Sequence[Entry], rows: list[dict[str, Any]], book: KeyBook,
) -> None:
    """Find the new rows' keys: rows in scope whose key was not seen before, matched by code
    (or, without a code column, by the name just written), then bind them where needed."""
    from billing_config.db.live import via_columns

    vias = via_columns(mapping).get(kmap.name, ())
    table = access.kind_table(kmap, vias)
    name_column = next(f.column for f in kmap.mapped_fields if f.name == "name")
    match_column = kmap.code.column if kmap.code is not None else name_column
    wanted = {row[match_column or ""]: code for (code, _v), row in zip(entries, rows, strict=True)}
    columns = [table.c[kmap.key], table.c[match_column or ""], table.c[kmap.created] if kmap.created else sa.null(), *(table.c[v] for v in vias)]
    known = book.known.setdefault(kmap.name, set())
    keys = book.keys.setdefault(kmap.name, {})
    found: dict[str, tuple[Any, Any]] = {}
    for key, matched, created, *via_values in connection.execute(sa.select(*columns).where(*access.scope(table, kmap.where))):
        if key in known:
            continue
        if isinstance(matched, str) and matched not in wanted:
            matched = matched.rstrip(" ")
        code = wanted.get(matched)
        if code is None:
            continue
        if code in found:
            raise MissingReference(f"two new rows of {kmap.qualified} read as '{code}'; their names must differ")
        found[code] = (key, created)
        for via, value in zip(vias, via_values, strict=True):
            book.vias.setdefault(kmap.name, {}).setdefault(via, {})[code] = value
    for code, (key, _created) in found.items():
        keys[code] = key
        known.add(key)
    if kmap.code is None and found:
        bind(connection, mapping, kmap, [(code, key, created) for code, (key, created) in found.items()])


def set_references(connection: sa.Connection, kmap: KindMap, entries: Sequence[Entry], book: KeyBook) -> None:
    """Fill in the references :func:`insert_entries` had to leave empty, in one batch."""
    if not entries:
        return
    references = [f for f in kmap.mapped_fields if f.field.references]
    table = access.kind_table(kmap)
    statement = (
        sa.update(table)
        .where(table.c[kmap.key] == sa.bindparam("b_key"), *access.scope(table, kmap.where))
        .values({f.column or "": sa.bindparam(f"b_{f.column}") for f in references})
    )
    connection.execute(
        statement,
        [
            {"b_key": book.keys[kmap.name][code], **{f"b_{f.column}": reference_value(f, values[f.name], book) for f in references}}
            for code, values in entries
        ],
    )


def learn_vias(connection: sa.Connection, kmap: KindMap, vias: tuple[str, ...], keys: dict[str, Any], book: KeyBook) -> None:
    """The via values (columns other kinds' references hold) of rows whose keys are known."""
    if not vias or not keys:
        return
    table = access.kind_table(kmap, vias)
    codes = {key: code for code, key in keys.items()}
    statement = sa.select(table.c[kmap.key], *(table.c[v] for v in vias)).where(table.c[kmap.key].in_(list(codes)))
    for key, *values in connection.execute(statement):
        for via, value in zip(vias, values, strict=True):
            book.vias.setdefault(kmap.name, {}).setdefault(via, {})[codes[key]] = value
