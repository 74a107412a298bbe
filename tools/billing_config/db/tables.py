"""SQLAlchemy Core metadata of the reference billing schema, derived from the kinds registry.

Every kind becomes a table with an integer ``id``, a unique ``code``, one column per field of
its JSON Schema (a reference field ``x`` becomes ``x_id``, a foreign key to the target kind's
table) and the platform's ``created``/``last_modified`` timestamps. Adding a kind or a field to
the registry and its schema adds the table or column here without touching this module.

One definition serves SQLite, PostgreSQL and MariaDB. On MariaDB every table uses utf8mb4 with
the binary no-pad collation, so codes and names compare exactly as written (case, accents and
trailing spaces count: ``utf8mb4_bin`` is PAD SPACE on MariaDB, so ``'billing '`` would equal
``'billing'``) and any text, emoji included, round-trips literally. Tables made before keep
theirs; plan compares codes under the live column's collation (db/collation.py).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from billing_config.db.tool.tables import AUDIT_LOG as AUDIT_LOG
from billing_config.db.tool.tables import MARIADB_COLLATION as MARIADB_COLLATION
from billing_config.db.tool.tables import add_tool_tables, exact_collation_on_mariadb
from billing_config.kinds import CODE_MAX_LENGTH, KINDS, Field, Kind, get_kind

# Text columns without a maxLength in the schema (enums) get this length.
DEFAULT_STRING_LENGTH = 64
MYSQL_TABLE_OPTIONS: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
    "mariadb_engine": "InnoDB",
    "mariadb_charset": "utf8mb4",
    "mariadb_collate": "utf8mb4_bin",
}

CUSTOMERS = "customers"
GROUP_MEMBERS = "customer_group_members"
TICKETS = "tickets"
NUMBERS = "numbers"
SERVICES = "services"
FEATURES = "features"


def column_name(field: Field) -> str:
    """A reference field holds a code in the config and an id in the database."""
    return f"{field.name}_id" if field.references else field.name


def _string_length(field: Field) -> int:
    if field.max_length:
        return field.max_length
    if field.enum:
        return max(DEFAULT_STRING_LENGTH, *(len(value) for value in field.enum))
    return DEFAULT_STRING_LENGTH


def _server_default(field: Field) -> Any:
    """The schema's default, so rows the platform inserts itself get the same values."""
    if field.default is None:
        return None
    if field.type == "boolean":
        return sa.true() if field.default else sa.false()
    return str(field.default) if field.type == "string" else sa.text(str(int(field.default)))


def _field_column(kind: Kind, field: Field) -> sa.Column[Any]:
    if field.references:
        target = get_kind(field.references)
        return sa.Column(column_name(field), sa.Integer, sa.ForeignKey(f"{target.table}.id"), nullable=True)
    nullable = field.nullable or (not field.required and field.default is None)
    column_type: sa.types.TypeEngine[Any]
    if field.type == "boolean":
        column_type = sa.Boolean(create_constraint=False)
    elif field.type == "integer":
        column_type = sa.Integer()
    else:
        column_type = sa.String(_string_length(field))
    return sa.Column(field.name, column_type, nullable=nullable, server_default=_server_default(field))


def _timestamps() -> list[sa.Column[Any]]:
    return [
        sa.Column("created", sa.DateTime(), nullable=False, server_default=sa.func.current_timestamp()),
        sa.Column("last_modified", sa.DateTime(), nullable=False, server_default=sa.func.current_timestamp()),
    ]


def _kind_table(metadata: sa.MetaData, kind: Kind) -> sa.Table:
    return sa.Table(
        kind.table,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(CODE_MAX_LENGTH), nullable=False, unique=True),
        *(_field_column(kind, field) for field in kind.fields),
        *_timestamps(),
        **MYSQL_TABLE_OPTIONS,
    )


def _usage_columns(table_name: str, optional: tuple[str, ...] = ()) -> list[sa.Column[Any]]:
    """The columns of a platform table that hold config entries' ids: one per registry Usage
    naming that table, a foreign key to the kind's table (NOT NULL unless listed as optional)."""
    return [
        sa.Column(
            kind.usage.column, sa.Integer, sa.ForeignKey(f"{kind.table}.id"),
            nullable=kind.usage.column in optional, index=True,
        )
        for kind in KINDS
        if kind.usage is not None and kind.usage.table == table_name
    ]


def monthly_charge() -> sa.Column[Any]:
    """What a service costs its customer each month, in pounds: what plans add up as the money a
    status change moves (the default mapping's measure)."""
    return sa.Column("monthly_charge", sa.Numeric(10, 2), nullable=False, server_default=sa.text("0"))


def _usage_tables(metadata: sa.MetaData) -> None:
    """The platform's tables that point at config entries; the registry's Usage names their columns.

    ``customers.customer_class_id`` may be NULL: every customer has a class on the platform,
    but a database seeded before its classes were keeps working.
    """
    groups = get_kind("groups").table
    sa.Table(
        CUSTOMERS, metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        *_usage_columns(CUSTOMERS, optional=("customer_class_id",)),
        **MYSQL_TABLE_OPTIONS,
    )
    sa.Table(
        GROUP_MEMBERS, metadata,
        sa.Column("customer_id", sa.Integer, sa.ForeignKey(f"{CUSTOMERS}.id"), primary_key=True),
        sa.Column("customer_group_id", sa.Integer, sa.ForeignKey(f"{groups}.id"), primary_key=True, index=True),
        **MYSQL_TABLE_OPTIONS,
    )
    sa.Table(
        TICKETS, metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(200), nullable=False),
        *_usage_columns(TICKETS),
        **MYSQL_TABLE_OPTIONS,
    )
    # A customer's telephone numbers and services, and the features on a number, each holding
    # the status it is in (the related status of its customer's status, as the platform sets it).
    sa.Table(
        NUMBERS, metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey(f"{CUSTOMERS}.id"), nullable=True, index=True),
        *_usage_columns(NUMBERS),
        **MYSQL_TABLE_OPTIONS,
    )
    sa.Table(
        SERVICES, metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey(f"{CUSTOMERS}.id"), nullable=True, index=True),
        *_usage_columns(SERVICES),
        monthly_charge(),
        **MYSQL_TABLE_OPTIONS,
    )
    sa.Table(
        FEATURES, metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("number_id", sa.Integer, sa.ForeignKey(f"{NUMBERS}.id"), nullable=True, index=True),
        *_usage_columns(FEATURES),
        **MYSQL_TABLE_OPTIONS,
    )


@lru_cache(maxsize=1)
def metadata() -> sa.MetaData:
    result = sa.MetaData()
    for kind in KINDS:
        _kind_table(result, kind)
    _usage_tables(result)
    add_tool_tables(result)  # the audit log, bindings, doctor and applied-state tables
    exact_collation_on_mariadb(result)
    return result


def kind_table(kind: Kind) -> sa.Table:
    return metadata().tables[kind.table]


def table(name: str) -> sa.Table:
    return metadata().tables[name]


def id_map(connection: sa.Connection, kind: Kind) -> dict[str, int]:
    """code -> id of every row of a kind's table, in one query."""
    table = kind_table(kind)
    return {code: id_ for id_, code in connection.execute(sa.select(table.c.id, table.c.code))}
