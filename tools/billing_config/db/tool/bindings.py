"""The tool's bindings: code -> key of live rows whose table has no code column, or whose
stored code is no valid code (``Field_Ops``).

A binding keeps the row's ``created`` value where the mapping names one, so a key the vendor
re-uses for another row reads as unbound, never as the old entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from billing_config.db.tool.tables import BINDINGS, tool_table
from billing_config.mapping import KindMap, Mapping
from billing_config.mapping.model import now_stamp


def bindings_table(mapping: Mapping) -> sa.Table:
    return tool_table(BINDINGS, mapping.tool_schema)


def key_text(key: Any) -> str:
    """Keys are stored as text in the bindings table, so any key type fits."""
    return str(key)


@dataclass(slots=True)
class Binding:
    code: str
    created: str | None


def read_bindings(connection: sa.Connection, mapping: Mapping) -> dict[str, dict[str, Binding]]:
    """kind -> key text -> binding; empty when the tool's tables do not exist yet."""
    table = bindings_table(mapping)
    result: dict[str, dict[str, Binding]] = {}
    try:
        with connection.begin_nested():
            rows = connection.execute(sa.select(table.c.kind, table.c.code, table.c.key_value, table.c.created)).all()
    except sa.exc.ProgrammingError:
        return result
    except sa.exc.OperationalError:
        return result
    for kind, code, key_value, created in rows:
        result.setdefault(kind, {})[key_value] = Binding(code, created)
    return result


def bind(connection: sa.Connection, mapping: Mapping, kmap: KindMap, bindings: list[tuple[str, Any, Any]]) -> None:
    """Record code -> key bindings (with the row's created value) in the tool's table."""
    if not bindings:
        return
    stamp = now_stamp()
    connection.execute(
        sa.insert(bindings_table(mapping)),
        [
            {"kind": kmap.name, "code": code, "key_value": key_text(key),
             "created": None if created is None else str(created), "bound_at": stamp}
            for code, key, created in bindings
        ],
    )


def unbind(connection: sa.Connection, mapping: Mapping, kmap: KindMap, codes: list[str]) -> None:
    if not codes:
        return
    table = bindings_table(mapping)
    connection.execute(sa.delete(table).where(table.c.kind == kmap.name, table.c.code.in_(codes)))
