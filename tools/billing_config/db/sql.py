"""SQL for a mapped kind: its table as a lightweight construct, its scope.

Tables are built untyped from the mapping (``sa.table``/``sa.column``), so a vendor's column
types are read as the driver hands them over and decoded by the mapping, exactly the same way
for the reference schema and for any other.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from billing_config.mapping import Condition, KindMap, TableName, UsageMap


def kind_table(kmap: KindMap, extra: tuple[str, ...] = ()) -> sa.TableClause:
    return sa.table(kmap.table, *(sa.column(name) for name in dict.fromkeys([*kmap.columns(), *extra])), schema=kmap.schema)


def condition_clause(table: sa.TableClause, condition: Condition) -> sa.ColumnElement[bool]:
    column: sa.ColumnClause[Any] = table.c[condition.column]
    if condition.null is not None:
        return column.is_(None) if condition.null else column.is_not(None)
    if condition.choices is not None:
        return column.in_(condition.choices)
    clause: sa.ColumnElement[bool] = column == condition.value
    return clause


def scope(table: sa.TableClause, conditions: tuple[Condition, ...]) -> list[sa.ColumnElement[bool]]:
    return [condition_clause(table, c) for c in conditions]


def usage_table(usage: UsageMap) -> sa.TableClause:
    columns = dict.fromkeys([usage.column, *(c.column for c in usage.where)])
    return sa.table(usage.table, *(sa.column(name) for name in columns), schema=usage.schema)


def quoted_table(connection: sa.Connection, name: TableName) -> str:
    """A table's name for the few statements SQLAlchemy has no construct for (``LOCK TABLE``),
    quoted by the dialect's own identifier rules: a mapping's text is never SQL."""
    preparer = connection.dialect.identifier_preparer
    table = preparer.quote(name.name)
    return f"{preparer.quote_schema(name.schema)}.{table}" if name.schema else table
