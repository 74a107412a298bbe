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


def condition_clause(table: sa.FromClause, condition: Condition) -> sa.ColumnElement[bool]:
    column: sa.ColumnElement[Any] = table.c[condition.column]
    if condition.null is not None:
        return column.is_(None) if condition.null else column.is_not(None)
    if condition.choices is not None:
        return column.in_(condition.choices)
    clause: sa.ColumnElement[bool] = column == condition.value
    return clause


def scope(table: sa.FromClause, conditions: tuple[Condition, ...]) -> list[sa.ColumnElement[bool]]:
    return [condition_clause(table, c) for c in conditions]


def usage_table(usage: UsageMap) -> sa.TableClause:
    columns = dict.fromkeys([usage.column, *(c.column for c in usage.where), *([usage.sum] if usage.sum else [])])
    return sa.table(usage.table, *(sa.column(name) for name in columns), schema=usage.schema)


def usage_statement(usage: UsageMap) -> sa.Select[Any]:
    """One grouped statement for a usage table, whatever the number of entries: per value
    pointing at the kind (its key, or its ``via`` column), how many rows and, with a measure,
    the sum of it. With ``through`` the using column holds the key of a row of the table in
    between, so the rows are joined to it and grouped by its column that holds the kind's key."""
    table: sa.FromClause = usage_table(usage)
    source: sa.FromClause = table
    group: sa.ColumnElement[Any] = table.c[usage.column]
    if usage.through is not None:
        # Aliased, so a usage table that is also the table in between (a parent row) still works.
        table = table.alias("used")
        middle = sa.table(
            usage.through.table.name, sa.column(usage.through.key), sa.column(usage.through.column),
            schema=usage.through.table.schema,
        ).alias("through")
        source = table.join(middle, table.c[usage.column] == middle.c[usage.through.key])
        group = middle.c[usage.through.column]
    columns: list[sa.ColumnElement[Any]] = [group, sa.func.count()]
    if usage.sum:
        columns.append(sa.func.sum(table.c[usage.sum]))
    return sa.select(*columns).select_from(source).where(*scope(table, usage.where)).group_by(group)


def quoted_table(connection: sa.Connection, name: TableName) -> str:
    """A table's name for the few statements SQLAlchemy has no construct for (``LOCK TABLE``),
    quoted by the dialect's own identifier rules: a mapping's text is never SQL."""
    preparer = connection.dialect.identifier_preparer
    table = preparer.quote(name.name)
    return f"{preparer.quote_schema(name.schema)}.{table}" if name.schema else table
