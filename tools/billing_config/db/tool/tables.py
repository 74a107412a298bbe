"""The tool's own tables: audit log, code bindings and the applied state (read and written by
db/tool/state.py). Defined once here.

They live beside the mapped tables (or in the mapping's ``[tool] schema``) so they commit in
the same transaction as the writes they describe. They hold no foreign keys into the vendor's
tables: a vendor upgrade must never fail because of us, and keys are stored as text so any
key type fits.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from billing_config.kinds import CODE_MAX_LENGTH

AUDIT_LOG = "config_audit_log"
BINDINGS = "billing_config_bindings"
STATE = "config_applied_state"

MYSQL_TABLE_OPTIONS: dict[str, Any] = {
    "mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin",
    "mariadb_engine": "InnoDB", "mariadb_charset": "utf8mb4", "mariadb_collate": "utf8mb4_bin",
}


MARIADB_COLLATION = "utf8mb4_nopad_bin"


def _exact_collation(table: sa.Table, connection: sa.Connection, **_: Any) -> None:
    """On MariaDB (reached through the mysql dialect, so the mysql_ options apply) use the
    binary NO PAD collation: MariaDB's utf8mb4_bin pads, so 'billing ' = 'billing'."""
    if getattr(connection.dialect, "is_mariadb", False):
        table.dialect_options["mysql"]["collate"] = MARIADB_COLLATION


def exact_collation_on_mariadb(metadata: sa.MetaData) -> None:
    """Every table this metadata creates compares text exactly on MariaDB too."""
    for each in metadata.tables.values():
        sa.event.listen(each, "before_create", _exact_collation)


def add_tool_tables(metadata: sa.MetaData, schema: str | None = None) -> None:
    sa.Table(
        AUDIT_LOG, metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False, index=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("code", sa.String(CODE_MAX_LENGTH), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("before", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("after", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("git_commit", sa.String(64), nullable=True),
        sa.Column("git_author", sa.String(255), nullable=True),
        sa.Column("tool_version", sa.String(32), nullable=False),
        sa.Column("applied_by", sa.String(255), nullable=True),
        schema=schema, **MYSQL_TABLE_OPTIONS,
    )
    # code -> key of rows whose table has no code column (or a legacy one). ``created`` is the
    # row's own created value when the mapping names one: a key the vendor re-used for another
    # row then reads as unbound, never as the old entry.
    sa.Table(
        BINDINGS, metadata,
        sa.Column("kind", sa.String(64), primary_key=True),
        sa.Column("code", sa.String(CODE_MAX_LENGTH), primary_key=True),
        sa.Column("key_value", sa.String(255), nullable=False),
        sa.Column("created", sa.String(64), nullable=True),
        sa.Column("bound_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("kind", "key_value", name=f"{BINDINGS}_key"),
        schema=schema, **MYSQL_TABLE_OPTIONS,
    )
    # The recorded applied state: one row per entry, replaced by each apply (db/tool/state.py).
    sa.Table(
        STATE, metadata,
        sa.Column("kind", sa.String(64), primary_key=True),
        sa.Column("code", sa.String(CODE_MAX_LENGTH), primary_key=True),
        sa.Column("managed", sa.Boolean(create_constraint=False), nullable=False),
        sa.Column("values", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("git_commit", sa.String(64), nullable=True),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        schema=schema, **MYSQL_TABLE_OPTIONS,
    )


@lru_cache(maxsize=8)
def tool_metadata(schema: str | None) -> sa.MetaData:
    metadata = sa.MetaData()
    add_tool_tables(metadata, schema)
    exact_collation_on_mariadb(metadata)
    return metadata


def tool_table(name: str, schema: str | None) -> sa.Table:
    key = f"{schema}.{name}" if schema else name
    return tool_metadata(schema).tables[key]


def ensure_tool_tables(connection: sa.Connection, schema: str | None) -> list[str]:
    """Create the tool's tables where missing (in their own transaction: DDL commits on MariaDB)."""
    present = set(sa.inspect(connection).get_table_names(schema=schema))
    metadata = tool_metadata(schema)
    missing = [table.name for table in metadata.tables.values() if table.name not in present]
    if missing:
        metadata.create_all(connection, checkfirst=True)
    return missing
