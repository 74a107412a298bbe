"""Codes compared the way the live code column compares them.

Config codes are compared exactly, but a MariaDB column with a PAD SPACE or case- or
accent-insensitive collation holds ``'billing '`` or ``'Billing'`` as *equal* to ``'billing'``:
plan would show a clean create and apply would die on "Duplicate entry". So the plan asks each
code column for its collation (one catalogue query, MariaDB/MySQL only; SQLite's and
PostgreSQL's default collations compare exactly) and reports such collisions as blockers.
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa

from billing_config.mapping import Mapping


def code_collations(connection: sa.Connection, mapping: Mapping) -> dict[str, str]:
    """kind name -> collation of its code column, where the mapping has one (MariaDB only).

    One catalogue query for every mapped table, in whichever database each lives."""
    if connection.dialect.name not in ("mysql", "mariadb"):
        return {}
    wanted = {
        (kmap.schema, kmap.table, kmap.code.column): kmap.name
        for kmap in mapping.kinds.values()
        if kmap.code is not None
    }
    if not wanted:
        return {}
    current = str(connection.execute(sa.text("SELECT DATABASE()")).scalar() or "")
    schemas = sorted({schema or current for schema, _, _ in wanted})
    rows = connection.execute(
        sa.text(
            "SELECT table_schema, table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_schema IN :schemas"
        ).bindparams(sa.bindparam("schemas", expanding=True)),
        {"schemas": schemas},
    ).all()
    found: dict[str, str] = {}
    for schema, table, column, collation in rows:
        if not collation:
            continue
        for key in ((str(schema), str(table), str(column)), (None, str(table), str(column)) if str(schema) == current else None):
            if key is not None and key in wanted:
                found[wanted[key]] = str(collation)
    return found


def padded_columns(connection: sa.Connection, mapping: Mapping) -> dict[str, frozenset[str]]:
    """kind name -> its table's CHAR(n) columns, on PostgreSQL (one catalogue query).

    PostgreSQL hands a CHAR(10) value back padded to 10 characters ('Active    '), and the
    reader strips those spaces so that what was written reads back the same. MariaDB strips
    them itself, and SQLite does not pad."""
    if connection.dialect.name != "postgresql" or not mapping.kinds:
        return {}
    rows = connection.execute(
        sa.text(
            "SELECT n.nspname, c.relname, a.attname, current_schema() FROM pg_catalog.pg_attribute a "
            "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE a.atttypid = 'pg_catalog.bpchar'::regtype AND a.attnum > 0 AND NOT a.attisdropped AND c.relname IN :tables"
        ).bindparams(sa.bindparam("tables", expanding=True)),
        {"tables": sorted({kmap.table for kmap in mapping.kinds.values()})},
    ).all()
    found: dict[str, set[str]] = {}
    for kmap in mapping.kinds.values():
        for table_schema, table, column, current in rows:
            schema = kmap.schema or current
            if str(table_schema) == schema and str(table) == kmap.table:
                found.setdefault(kmap.name, set()).add(str(column))
    return {name: frozenset(columns) for name, columns in found.items()}


def collation_key(text: str, collation: str | None) -> str:
    """What the collation sees of the text: a near enough model of MariaDB's rules.

    ``_bin`` without ``nopad``: trailing spaces ignored (PAD SPACE); ``_ci``: case ignored;
    ``general``/``unicode``/``_ai`` collations without ``_as``: accents ignored too.
    """
    if not collation:
        return text
    name = collation.lower()
    key = text
    if "nopad" not in name:
        key = key.rstrip(" ")
    if name.endswith("_bin"):
        return key
    if "_ci" in name:
        key = key.casefold()
    if "_as" not in name:
        key = "".join(ch for ch in unicodedata.normalize("NFD", key) if not unicodedata.combining(ch))
    return key
