"""The tool's own tables: audit log, code bindings and the applied state (read and written by
db/tool/state.py). Defined once here.

They live beside the mapped tables (or in the mapping's ``[tool] schema``) so they commit in
the same transaction as the writes they describe. They hold no foreign keys into the vendor's
tables: a vendor upgrade must never fail because of us, and keys are stored as text so any
key type fits. Only the commands that write create them (apply, adopt, rename, db init), with
the ``[tool] schema`` itself when it is missing and the user may create it; ``doctor`` and
everything else that only reads never do.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from billing_config.errors import DatabaseError, UserError
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


def prepare_tool_tables(engine: sa.Engine, schema: str | None) -> list[str]:
    """The ``[tool] schema`` (when named and missing) and the tool's tables, created in their
    own transaction before any command writes (DDL commits implicitly on MariaDB, so it never
    runs inside a command's transaction). A user who may not create them gets a message naming
    the schema and what to grant, never the server's SQL."""
    with engine.connect() as connection:
        if schema is not None:
            _ensure_schema(connection, schema)
        try:
            with connection.begin():
                return ensure_tool_tables(connection, schema)
        except sa.exc.SQLAlchemyError as error:
            raise DatabaseError(_cannot_create_tables(connection, schema, error)) from None


def _ensure_schema(connection: sa.Connection, schema: str) -> None:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        attached = {str(row[1]) for row in connection.exec_driver_sql("PRAGMA database_list")}
        connection.rollback()
        if schema not in attached:
            raise UserError(
                f"the mapping's [tool] schema names {schema!r}, but SQLite has no schemas (only attached databases); "
                "remove [tool] schema from the mapping to keep the tool's tables in the database file itself"
            )
        return
    quoted = connection.dialect.identifier_preparer.quote_identifier(schema)
    if dialect == "postgresql":
        exists = sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :s")
        create = f"CREATE SCHEMA IF NOT EXISTS {quoted}"
    else:
        exists = sa.text("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = :s")
        create = f"CREATE DATABASE IF NOT EXISTS {quoted} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
    try:
        with connection.begin():
            if connection.execute(exists, {"s": schema}).first() is not None:
                return
            connection.exec_driver_sql(create)
    except sa.exc.SQLAlchemyError as error:
        raise DatabaseError(_cannot_create_schema(connection, schema, error)) from None


def _user(connection: sa.Connection) -> str:
    """The connected user as a GRANT names it (no password: only the user part of the URL)."""
    preparer = connection.dialect.identifier_preparer
    name = connection.engine.url.username or "the tool's user"
    if connection.dialect.name == "postgresql":
        return preparer.quote(name)
    try:
        user, _, host = str(connection.execute(sa.text("SELECT CURRENT_USER()")).scalar() or "").rpartition("@")
        connection.rollback()
    except sa.exc.SQLAlchemyError:
        user, host = name, "%"
    return f"'{user or name}'@'{host or '%'}'"


def _reason(connection: sa.Connection, error: sa.exc.SQLAlchemyError) -> str:
    """The server's reason in a few words: its first line, never the statement it refused."""
    from billing_config.db.connect import describe_error, scrub

    original = getattr(error, "orig", None)
    arguments: tuple[Any, ...] = tuple(getattr(original, "args", ()))
    if len(arguments) == 2 and isinstance(arguments[0], int):  # PyMySQL: (code, message)
        return scrub(f"{arguments[1]} ({arguments[0]})", connection.engine.url)[:200]
    text = describe_error(error, connection.engine.url)
    return text.split("; ")[0].split("\n")[0][:200]


def _cannot_create_schema(connection: sa.Connection, schema: str, error: sa.exc.SQLAlchemyError) -> str:
    from billing_config.db.connect import safe_url

    preparer = connection.dialect.identifier_preparer
    quoted = preparer.quote(schema)
    where = safe_url(connection.engine.url)
    if connection.dialect.name == "postgresql":
        database = preparer.quote(connection.engine.url.database or "the database")
        grant = (
            f"create that schema for the user (GRANT USAGE, CREATE ON SCHEMA {quoted} TO {_user(connection)}), "
            f"or GRANT CREATE ON DATABASE {database} TO {_user(connection)} so the tool creates it"
        )
        state = f"the schema {schema!r}, which does not exist on {where}"
    else:
        grant = (
            f"create that database, or let the user do it: GRANT CREATE, SELECT, INSERT, UPDATE, DELETE ON {quoted}.* "
            f"TO {_user(connection)}"
        )
        state = f"the database {schema!r}, which {where} does not show this user (missing, or not granted to it)"
    return (
        f"the mapping's [tool] schema names {state}, and the user may not create it ({_reason(connection, error)}); "
        f"{grant}. Nothing was changed"
    )


def _cannot_create_tables(connection: sa.Connection, schema: str | None, error: sa.exc.SQLAlchemyError) -> str:
    from billing_config.db.connect import safe_url

    preparer = connection.dialect.identifier_preparer
    where = safe_url(connection.engine.url)
    place = f"the schema {schema!r}" if schema else "the database"
    if connection.dialect.name == "postgresql":
        target = preparer.quote(schema or _current_schema(connection))
        grant = f"GRANT USAGE, CREATE ON SCHEMA {target} TO {_user(connection)}"
    elif connection.dialect.name in ("mysql", "mariadb"):
        target = preparer.quote(schema or connection.engine.url.database or "the database")
        grant = f"GRANT CREATE, SELECT, INSERT, UPDATE, DELETE ON {target}.* TO {_user(connection)}"
    else:
        grant = "make the database file writable"
    return (
        f"cannot create the tool's own tables ({', '.join(sorted(t.name for t in tool_metadata(schema).tables.values()))}) "
        f"in {place} on {where} ({_reason(connection, error)}); {grant}, or name a schema the tool may use with "
        "[tool] schema in the mapping. Nothing was changed"
    )


def _current_schema(connection: sa.Connection) -> str:
    try:
        name = str(connection.execute(sa.text("SELECT current_schema()")).scalar() or "public")
        connection.rollback()
        return name
    except sa.exc.SQLAlchemyError:
        return "public"
