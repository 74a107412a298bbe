"""Real databases in tests and benchmarks: wiping a throwaway database, whole-database
snapshots, SQL by hand, and faults injected by the server itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from billing_config.db import tables


def reset_database(url: str) -> None:
    """Empty a throwaway database completely, tables the schema does not know included."""
    engine = sa.create_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            Path(engine.url.database or "").unlink(missing_ok=True)
            return
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Every schema a test made (a vendor's own, the tool's, a hostile name), then public.
                schemas = connection.exec_driver_sql(
                    "SELECT nspname FROM pg_namespace WHERE left(nspname, 3) <> 'pg_' AND nspname <> 'information_schema'"
                ).scalars().all()
                for name in schemas:
                    quoted = '"' + str(name).replace('"', '""') + '"'
                    connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {quoted} CASCADE")
                connection.exec_driver_sql("CREATE SCHEMA public")
            else:
                connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
                for name in sa.inspect(connection).get_table_names():
                    connection.exec_driver_sql(f"DROP TABLE `{name}`")
                sequences = connection.exec_driver_sql(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'SEQUENCE'"
                ).scalars().all()
                for name in sequences:
                    quoted = str(name).replace("`", "``")
                    connection.exec_driver_sql(f"DROP SEQUENCE `{quoted}`")
                connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
    finally:
        engine.dispose()


def snapshot(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the reference schema, in primary-key order."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in tables.metadata().sorted_tables:
            order = list(table.primary_key.columns)
            result[table.name] = [tuple(row) for row in connection.execute(sa.select(table).order_by(*order))]
    return result


def execute(engine: sa.Engine, sql: str, params: dict[str, Any] | None = None) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text(sql), params or {})


def scalar(engine: sa.Engine, sql: str, params: dict[str, Any] | None = None) -> Any:
    with engine.connect() as connection:
        return connection.execute(sa.text(sql), params or {}).scalar()


def install_fault(engine: sa.Engine, table: str, column: str, value: str) -> None:
    """A trigger that makes the database itself reject writing `value` into table.column.

    The fault comes from the server, as a real failure would, in the middle of the apply's
    statements: rows before it have been written when it fires.
    """
    dialect = engine.dialect.name
    with engine.begin() as connection:
        for event in ("INSERT", "UPDATE"):
            name = f"fault_{event.lower()}_{table}"
            if dialect == "sqlite":
                connection.exec_driver_sql(
                    f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                    f"WHEN NEW.{column} = '{value}' BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
                )
            elif dialect == "postgresql":
                connection.exec_driver_sql(
                    f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    f"IF NEW.{column} = '{value}' THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$"
                )
                connection.exec_driver_sql(
                    f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()"
                )
            else:
                connection.exec_driver_sql(
                    f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW BEGIN "
                    f"IF NEW.{column} = '{value}' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected fault'; "
                    "END IF; END"
                )


def remove_fault(engine: sa.Engine, table: str) -> None:
    with engine.begin() as connection:
        for event in ("insert", "update"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS fault_{event}_{table}" + (f" ON {table}" if engine.dialect.name == "postgresql" else ""))
