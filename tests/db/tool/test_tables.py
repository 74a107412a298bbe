"""The tool's own tables and its ``[tool] schema``: created by the first command that writes
(adopt, apply), the schema too when missing and the user may; otherwise a message naming it
and what to grant, and nothing created."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.scenarios.vendor_schemas import seed_vendor_b, vendor_b_mapping, write_mapping
from tests.testing.databases import execute, scalar
from tests.testing.files import edit, write_entry

TOOL_TABLES = {"billing_config_bindings", "config_applied_state", "config_audit_log"}


def with_tool_schema(name: str) -> str:
    """Vendor B's mapping, its tool tables in the named schema (a TOML basic string)."""
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return vendor_b_mapping(None).replace("[tool]\n", f'[tool]\nschema = "{quoted}"\n', 1)


@pytest.fixture
def odd_schema(postgres_url: str, engine_for: Callable[[str], sa.Engine]) -> Iterator[tuple[sa.Engine, str]]:
    """A schema name that only works quoted; dropped afterwards (a reset only empties public)."""
    engine = engine_for(postgres_url)
    name = 'Billing "Tool" h'
    drop = 'DROP SCHEMA IF EXISTS "Billing ""Tool"" h" CASCADE'
    execute(engine, drop)
    yield engine, name
    execute(engine, drop)


def test_adopt_and_apply_create_a_missing_tool_schema_quoted(
    postgres_url: str, odd_schema: tuple[sa.Engine, str], tmp_path: Path, cli: Callable[..., Any]
) -> None:
    engine, name = odd_schema
    seed_vendor_b(engine, None)
    config = tmp_path / "config"
    target = ["--database", postgres_url, "--mapping", str(write_mapping(tmp_path, with_tool_schema(name))), "--config-dir", str(config)]
    assert scalar(engine, "SELECT COUNT(*) FROM pg_namespace WHERE nspname = :n", {"n": name}) == 0
    result = cli("adopt", "--yes", *target)
    assert result.code == 0, result.text
    with engine.connect() as connection:
        assert set(sa.inspect(connection).get_table_names(schema=name)) == TOOL_TABLES
        assert not TOOL_TABLES & set(sa.inspect(connection).get_table_names())
    assert scalar(engine, f'SELECT COUNT(*) FROM "Billing ""Tool"" h".billing_config_bindings') == 1  # LondonRegion
    edit(config / "groups" / "residential.yaml", "name: Residential", "name: Homes")
    result = cli("apply", "--yes", *target)
    assert result.code == 0, result.text
    assert scalar(engine, 'SELECT COUNT(*) FROM "Billing ""Tool"" h".config_audit_log') == 1


def test_a_postgres_user_who_may_not_create_the_schema_is_told_what_to_grant(
    postgres_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(postgres_url)
    seed_vendor_b(engine, None)
    role = f"{engine.url.database}_writer"
    if scalar(engine, "SELECT 1 FROM pg_roles WHERE rolname = :r", {"r": role}):
        execute(engine, f"DROP OWNED BY {role}")
        execute(engine, f"DROP ROLE {role}")
    execute(engine, f"CREATE ROLE {role} LOGIN")
    execute(engine, f"GRANT USAGE ON SCHEMA public TO {role}")
    execute(engine, f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    writer = sa.engine.make_url(postgres_url).set(username=role, password=None).render_as_string(hide_password=False)
    schema = f"{engine.url.database}_tool"
    target = ["--database", writer, "--mapping", str(write_mapping(tmp_path, with_tool_schema(schema))), "--config-dir", str(tmp_path / "config")]
    write_entry(tmp_path / "config", "groups", "key-accounts", "name: Key Accounts\n")  # something for apply to write
    try:
        for command in (("adopt", "--yes"), ("apply", "--yes")):
            result = cli(*command, *target)
            text = result.text
            assert result.code == 1, text
            assert f"'{schema}'" in text and f"GRANT CREATE ON DATABASE {engine.url.database} TO {role}" in text
            assert "CREATE SCHEMA" not in text and "LINE 1" not in text and "Traceback" not in text
        assert scalar(engine, "SELECT COUNT(*) FROM pg_namespace WHERE nspname = :n", {"n": schema}) == 0
        assert [p.name for p in (tmp_path / "config").rglob("*.yaml")] == ["key-accounts.yaml"]
        assert scalar(engine, "SELECT COUNT(*) FROM grp") == 3
        # Beside the vendor's tables, where the user may not create tables either: what to grant.
        target[3] = str(write_mapping(tmp_path, vendor_b_mapping(None)))
        result = cli("adopt", "--yes", *target)
        assert result.code == 1 and f"GRANT USAGE, CREATE ON SCHEMA public TO {role}" in result.err, result.text
        assert "config_audit_log" in result.err and "CREATE TABLE" not in result.text
    finally:
        execute(engine, f"DROP OWNED BY {role}")
        execute(engine, f"DROP ROLE {role}")


def test_a_mariadb_user_who_may_not_create_the_database_is_told_what_to_grant(
    mariadb_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(mariadb_url)
    seed_vendor_b(engine, None)
    database = engine.url.database
    user = f"{database}_rw"
    execute(engine, f"DROP USER IF EXISTS '{user}'@'%'")
    execute(engine, f"CREATE USER '{user}'@'%' IDENTIFIED BY 'writer-pass'")
    execute(engine, f"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE ON `{database}`.* TO '{user}'@'%'")
    writer = sa.engine.make_url(mariadb_url).set(username=user, password="writer-pass").render_as_string(hide_password=False)
    schema = f"{database}_tool"
    target = ["--database", writer, "--mapping", str(write_mapping(tmp_path, with_tool_schema(schema))), "--config-dir", str(tmp_path / "config")]
    try:
        result = cli("adopt", "--yes", *target)
        text = result.text
        assert result.code == 1, text
        assert f"'{schema}'" in text and f"ON {schema}.* TO '{user}'@'%'" in text and "GRANT CREATE" in text
        assert "CREATE DATABASE" not in text and "writer-pass" not in text and "Traceback" not in text
        assert scalar(engine, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = :n", {"n": schema}) == 0
    finally:
        execute(engine, f"DROP USER IF EXISTS '{user}'@'%'")
