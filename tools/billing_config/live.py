"""The live database as values: every entry of every kind by code, and how much uses it.

One query per kind table and one grouped count per kind with a usage, whatever the number of
entries, so reading costs the same number of round trips for seven statuses or ten thousand.
References are read as ids and translated to codes here, after every table is read, so the
planner compares codes with codes exactly as the config holds them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from billing_config.db import schema
from billing_config.kinds import KINDS, Kind, get_kind


@dataclass(slots=True)
class LiveRow:
    id: int
    code: str
    values: dict[str, Any]  # every field of the kind, references as codes
    created: datetime | None = None
    last_modified: datetime | None = None


@dataclass(slots=True)
class LiveState:
    rows: dict[str, dict[str, LiveRow]]  # kind name -> code -> row
    usage: dict[str, dict[str, int]] = field(default_factory=dict)  # kind name -> code -> count
    fingerprint: str = ""

    def ids(self, kind: Kind) -> dict[str, int]:
        return {code: row.id for code, row in self.rows[kind.name].items()}

    def count(self, kind: Kind) -> int:
        return len(self.rows[kind.name])


def _normalise(spec_type: str, value: Any) -> Any:
    if value is None:
        return None
    if spec_type == "boolean":
        return bool(value)
    if spec_type == "integer":
        return int(value)
    return str(value)


def read_kind(connection: sa.Connection, kind: Kind) -> dict[str, LiveRow]:
    """One query: the kind's rows, with reference columns still as ids (resolved by read_live)."""
    table = schema.kind_table(kind)
    result = connection.execute(sa.select(table))
    rows: dict[str, LiveRow] = {}
    for mapping in result.mappings():
        values: dict[str, Any] = {}
        for spec in kind.fields:
            raw = mapping[schema.column_name(spec)]
            values[spec.name] = raw if spec.references else _normalise(spec.type, raw)
        code = str(mapping["code"])
        rows[code] = LiveRow(
            id=int(mapping["id"]), code=code, values=values,
            created=mapping["created"], last_modified=mapping["last_modified"],
        )
    return rows


def read_usage(connection: sa.Connection, kind: Kind) -> dict[int, int]:
    """One grouped query: how many rows of the usage table point at each entry (by id)."""
    if kind.usage is None:
        return {}
    table = schema.table(kind.usage.table)
    column = table.c[kind.usage.column]
    statement = sa.select(column, sa.func.count()).group_by(column)
    return {int(id_): int(count) for id_, count in connection.execute(statement) if id_ is not None}


def read_live(connection: sa.Connection, *, with_usage: bool = True) -> LiveState:
    rows_by_kind: dict[str, dict[str, LiveRow]] = {}
    for kind in KINDS:
        rows_by_kind[kind.name] = read_kind(connection, kind)
    codes_by_id = {name: {row.id: row.code for row in rows.values()} for name, rows in rows_by_kind.items()}
    for kind in KINDS:
        references = [spec for spec in kind.fields if spec.references]
        if not references:
            continue
        for row in rows_by_kind[kind.name].values():
            for spec in references:
                target_id = row.values[spec.name]
                row.values[spec.name] = None if target_id is None else codes_by_id[spec.references or ""].get(target_id)
    usage: dict[str, dict[str, int]] = {}
    if with_usage:
        for kind in KINDS:
            if kind.usage is None:
                continue
            counts = read_usage(connection, kind)
            usage[kind.name] = {code: counts.get(id_, 0) for id_, code in codes_by_id[kind.name].items()}
    state = LiveState(rows=rows_by_kind, usage=usage)
    state.fingerprint = fingerprint(state)
    return state


def fingerprint(state: LiveState) -> str:
    """A digest of every row read (ids, codes, values), to notice any change between plan and apply.

    Usage counts and timestamps are left out: customers move between statuses all day, and
    the apply re-checks usage itself under the lock.
    """
    digest = hashlib.sha256()
    for kind in KINDS:
        for code in sorted(state.rows[kind.name]):
            row = state.rows[kind.name][code]
            digest.update(
                json.dumps([kind.name, row.id, code, [row.values[n] for n in kind.field_names]],
                           ensure_ascii=False, separators=(",", ":"), default=str).encode()
            )
            digest.update(b"\n")
    return "sha256:" + digest.hexdigest()


def reference_target(kind: Kind, field_name: str) -> Kind:
    target = kind.field_map[field_name].references
    assert target is not None
    return get_kind(target)
