"""The live database as values: every entry of every kind by code, and how much uses it.

One query per kind table and one grouped count per kind with a usage, whatever the number of
entries, so reading costs the same number of round trips for seven statuses or ten thousand.
References are read as ids and translated to codes here, after every table is read, so the
planner compares codes with codes exactly as the config holds them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from billing_config.db import tables
from billing_config.errors import SchemaMissing
from billing_config.kinds import KINDS, Kind


@dataclass(slots=True)
class LiveRow:
    id: int
    code: str
    values: dict[str, Any]  # every field of the kind, references as codes


@dataclass(slots=True)
class LiveState:
    rows: dict[str, dict[str, LiveRow]]  # kind name -> code -> row
    usage: dict[str, dict[str, int]] = field(default_factory=dict)  # kind name -> code -> count
    fingerprint: str = ""
    # kind name -> codes an apply has seen a file for (db/state.py): their missing file is a delete
    managed: dict[str, set[str]] = field(default_factory=dict)

    def ids(self, kind: Kind) -> dict[str, int]:
        return {code: row.id for code, row in self.rows[kind.name].items()}

    def count(self, kind: Kind) -> int:
        return len(self.rows[kind.name])


def read_kind(connection: sa.Connection, kind: Kind) -> dict[str, LiveRow]:
    """One query: the kind's rows, with reference columns still as ids (resolved by read_live).

    Only id, code and the fields are selected: timestamps are not compared, and parsing them
    (SQLite stores text) would cost more than the rest of the read.
    """
    table = tables.kind_table(kind)
    names = [spec.name for spec in kind.fields]
    columns = [table.c.id, table.c.code, *(table.c[tables.column_name(spec)] for spec in kind.fields)]
    rows: dict[str, LiveRow] = {}
    # The column types already hand back Python bool/int/str on every backend (SQLAlchemy's
    # Boolean turns MariaDB's and SQLite's 0/1 into bool), so values are taken as they come.
    for id_, code, *raw in connection.execute(sa.select(*columns)).all():
        rows[code] = LiveRow(id=id_, code=code, values=dict(zip(names, raw, strict=True)))
    return rows


def read_usage(connection: sa.Connection, kind: Kind) -> dict[int, int]:
    """One grouped query: how many rows of the usage table point at each entry (by id)."""
    if kind.usage is None:
        return {}
    table = tables.table(kind.usage.table)
    column = table.c[kind.usage.column]
    statement = sa.select(column, sa.func.count()).group_by(column)
    return {int(id_): int(count) for id_, count in connection.execute(statement) if id_ is not None}


def require_schema(connection: sa.Connection) -> None:
    """One catalogue query, so a database without the schema gets advice, not a driver error."""
    present = set(sa.inspect(connection).get_table_names())
    missing = [name for name in tables.metadata().tables if name not in present]
    if missing:
        from billing_config.db.connect import safe_url

        raise SchemaMissing(safe_url(connection.engine.url), missing)


def read_live_explained(engine: sa.Engine, *, with_usage: bool = True) -> LiveState:
    """read_live in its own short transaction; if it fails because tables are missing, say so.

    The catalogue is only consulted after a failure, so a normal plan pays nothing for it.
    """
    try:
        with engine.connect() as connection, connection.begin():
            return read_live(connection, with_usage=with_usage)
    except sa.exc.SQLAlchemyError:
        with engine.connect() as connection:
            require_schema(connection)
        raise


def read_live(connection: sa.Connection, *, with_usage: bool = True) -> LiveState:
    rows_by_kind: dict[str, dict[str, LiveRow]] = {}
    for kind in KINDS:
        rows_by_kind[kind.name] = read_kind(connection, kind)
    codes_by_id = {name: {row.id: row.code for row in rows.values()} for name, rows in rows_by_kind.items()}
    for kind in KINDS:
        if not kind.reference_fields:
            continue
        for row in rows_by_kind[kind.name].values():
            for spec in kind.reference_fields:
                target_id = row.values[spec.name]
                row.values[spec.name] = None if target_id is None else codes_by_id[spec.references or ""].get(target_id)
    usage: dict[str, dict[str, int]] = {}
    if with_usage:
        for kind in KINDS:
            if kind.usage is None:
                continue
            counts = read_usage(connection, kind)
            usage[kind.name] = {code: counts.get(id_, 0) for id_, code in codes_by_id[kind.name].items()}
    from billing_config.db.state import read_managed

    state = LiveState(rows=rows_by_kind, usage=usage, managed=read_managed(connection))
    state.fingerprint = fingerprint(state)
    return state


def fingerprint(state: LiveState) -> str:
    """A digest of every row read (ids, codes, values), to notice any change between plan and apply.

    Usage counts and timestamps are left out: customers move between statuses all day, and
    the apply re-checks usage itself under the lock.
    """
    everything = [
        (kind.name, row.id, code, *(row.values[name] for name in kind.field_names))
        for kind in KINDS
        for code, row in sorted(state.rows[kind.name].items())
    ]
    # Which entries are managed decides which missing files are deletes, so it counts too.
    everything.extend(("managed", kind, *sorted(codes)) for kind, codes in sorted(state.managed.items()))
    # repr of tuples of str/int/bool/None is exact and unambiguous, and one C-level call over
    # the whole list costs a fraction of per-row serialisation.
    digest = hashlib.sha256(repr(everything).encode("utf-8", "surrogatepass"))
    return "sha256:" + digest.hexdigest()

