"""What the database says about the tables a mapping names: columns, keys, unique constraints,
engines, collations, triggers and sequences, read from its catalogue, never written.

``doctor`` checks a mapping against these facts, ``plan`` takes the target's limits (column
lengths, integer ranges) and unique constraints from them, and ``apply`` reads them again in
its own transaction, so a schema that changed since the plan is checked before any write.
Reading costs a handful of catalogue queries per mapped table, whatever the number of rows.

Only the mapped tables are read. A column type SQLAlchemy does not know (PostGIS ``point``,
say) is taken as "other" without a warning on standard error: the tool reads and writes only
the columns the mapping names.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from billing_config.mapping import Mapping, TableName

# Engines that cannot roll back: a failed apply would leave half its writes behind.
NON_TRANSACTIONAL = ("MYISAM", "MEMORY", "HEAP", "CSV", "ARCHIVE", "BLACKHOLE", "MRG_MYISAM", "MERGE", "FEDERATED")

# The range of each integer type, so a display position can be checked against a smallint.
_INTEGER_RANGES = {
    "TINYINT": (-128, 127), "SMALLINT": (-32768, 32767), "MEDIUMINT": (-8388608, 8388607),
    "INTEGER": (-2147483648, 2147483647), "INT": (-2147483648, 2147483647),
    "BIGINT": (-(2**63), 2**63 - 1),
}


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    name: str
    type_text: str  # as the database names it: VARCHAR(30), SMALLINT, CHAR(1)
    kind: str  # "string" | "integer" | "boolean" | "decimal" | "other"
    length: int | None = None  # characters, for text
    fixed: bool = False  # CHAR(n): the database pads to n characters
    nullable: bool = True
    default: str | None = None
    autoincrement: bool = False
    identity: bool = False
    collation: str | None = None  # MariaDB/MySQL; None compares exactly
    range: tuple[int, int] | None = None  # for integers

    @property
    def generates_key(self) -> bool:
        return self.autoincrement or self.identity or bool(self.default)


@dataclass(frozen=True, slots=True)
class UniqueInfo:
    name: str
    columns: tuple[str, ...]


@dataclass(slots=True)
class TableInfo:
    table: TableName
    columns: dict[str, ColumnInfo]
    primary_key: tuple[str, ...] = ()
    uniques: list[UniqueInfo] = field(default_factory=list)  # the primary key included
    triggers: list[str] = field(default_factory=list)
    engine: str | None = None  # MariaDB/MySQL
    create_options: str = ""
    # What the connected user may do to it (SELECT, INSERT, UPDATE, DELETE); None: unknown (SQLite)
    privileges: frozenset[str] | None = None

    @property
    def transactional(self) -> bool:
        """Whether a rollback undoes writes to it (MariaDB's Aria only with TRANSACTIONAL=1)."""
        if self.engine is None:
            return True
        engine = self.engine.upper()
        if engine == "ARIA":
            return "transactional=1" in self.create_options.lower().replace(" ", "")
        return engine not in NON_TRANSACTIONAL


@dataclass(slots=True)
class Catalog:
    dialect: str
    tables: dict[TableName, TableInfo | None]  # None: the table does not exist
    sequences: dict[TableName, bool] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    # schema -> the tables it holds, read only when a mapped table is missing (for did-you-mean)
    names: dict[str | None, list[str]] = field(default_factory=dict)

    def table(self, name: TableName) -> TableInfo | None:
        return self.tables.get(name)

    def fingerprint(self) -> str:
        """A digest of every fact read: a change to any of them is a changed schema."""
        parts: list[Any] = [self.dialect, sorted(self.settings.items())]
        for name in sorted(self.tables, key=lambda t: (t.schema or "", t.name)):
            info = self.tables[name]
            parts.append((name.schema, name.name, None if info is None else (
                sorted((c.name, c.type_text, c.nullable, c.default, c.autoincrement, c.identity, c.collation) for c in info.columns.values()),
                info.primary_key, sorted((u.name, u.columns) for u in info.uniques), info.triggers, info.engine,
                info.create_options,
            )))
        parts.append(sorted((s.schema or "", s.name, present) for s, present in self.sequences.items()))
        return "sha256:" + hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


def mapped_tables(mapping: Mapping) -> list[TableName]:
    """Every table a mapping names: kinds, usage and through tables, lookups."""
    names: list[TableName] = []
    for kmap in mapping.kinds.values():
        names.append(kmap.table_name)
        for usage in kmap.usage:
            names.append(usage.table_name)
            if usage.through is not None:
                names.append(usage.through.table)
        names.extend(f.lookup.table for f in kmap.fields if f.lookup is not None)
    return list(dict.fromkeys(names))


@dataclass(frozen=True, slots=True)
class MappedColumn:
    """A column the mapping names, and the key of the mapping that names it (for its line)."""

    table: TableName
    column: str
    path: str
    kind: str


def mapped_columns(mapping: Mapping) -> list[MappedColumn]:
    """Every column every mapped table must have, each with the mapping key naming it."""
    found: list[MappedColumn] = []
    for kmap in mapping.kinds.values():
        at = f"kinds.{kmap.name}"

        def add(table: TableName, column: str, *paths: str) -> None:
            path = next((p for p in paths if p in mapping.positions), paths[-1])
            found.append(MappedColumn(table, column, path, kmap.name))

        own = kmap.table_name
        add(own, kmap.key, f"{at}.key")
        if kmap.code is not None:
            add(own, kmap.code.column, f"{at}.code.column", f"{at}.code")
        for fmap in kmap.mapped_fields:
            add(own, fmap.column or "", f"{at}.fields.{fmap.name}.column", f"{at}.fields.{fmap.name}")
            target = mapping.get(fmap.field.references or "")
            if fmap.via and target is not None:
                add(target.table_name, fmap.via, f"{at}.fields.{fmap.name}.via")
            if fmap.lookup is not None:
                lookup = f"{at}.fields.{fmap.name}.lookup"
                add(fmap.lookup.table, fmap.lookup.key, f"{lookup}.key", lookup)
                add(fmap.lookup.table, fmap.lookup.value, f"{lookup}.value", lookup)
        for condition in kmap.where:
            add(own, condition.column, f"{at}.where.{condition.column}", f"{at}.where")
        for column in dict.fromkeys([*kmap.insert_set, *kmap.update_set]):
            shorthand = f"{at}.set.created" if column == kmap.created else f"{at}.set.last_modified"
            add(own, column, f"{at}.set.insert.{column}", f"{at}.set.update.{column}", shorthand, f"{at}.set")
        for column in kmap.soft_delete or {}:
            add(own, column, f"{at}.delete.{column}", f"{at}.delete")
        for index, group in enumerate(kmap.protect):
            for condition in group:
                add(own, condition.column, f"{at}.protect.{condition.column}", f"{at}.protect[{index}].{condition.column}", f"{at}.protect")
        for number, usage in enumerate(kmap.usage):
            used = f"{at}.usage[{number}]"
            add(usage.table_name, usage.column, f"{used}.column", used)
            for condition in usage.where:
                add(usage.table_name, condition.column, f"{used}.where.{condition.column}", f"{used}.where")
            if usage.sum:
                add(usage.table_name, usage.sum, f"{used}.sum", used)
            if usage.via:
                add(own, usage.via, f"{used}.via", used)
            if usage.through is not None:
                add(usage.through.table, usage.through.key, f"{used}.through.key", f"{used}.through")
                add(usage.through.table, usage.through.column, f"{used}.through.column", f"{used}.through")
    return found


def missing_columns(catalog: Catalog, mapping: Mapping) -> list[MappedColumn]:
    """The columns the mapping names that their (existing) table lacks, each once."""
    missing: dict[tuple[TableName, str], MappedColumn] = {}
    for named in mapped_columns(mapping):
        info = catalog.table(named.table)
        if info is not None and named.column not in info.columns:
            missing.setdefault((named.table, named.column), named)
    return list(missing.values())


def table_paths(mapping: Mapping) -> dict[TableName, tuple[str, str]]:
    """Every mapped table -> (the mapping key naming it, the kind), the first that does."""
    found: dict[TableName, tuple[str, str]] = {}
    for kmap in mapping.kinds.values():
        at = f"kinds.{kmap.name}"
        found.setdefault(kmap.table_name, (f"{at}.table", kmap.name))
        for number, usage in enumerate(kmap.usage):
            found.setdefault(usage.table_name, (f"{at}.usage[{number}].table", kmap.name))
            if usage.through is not None:
                found.setdefault(usage.through.table, (f"{at}.usage[{number}].through.table", kmap.name))
        for fmap in kmap.fields:
            if fmap.lookup is not None:
                found.setdefault(fmap.lookup.table, (f"{at}.fields.{fmap.name}.lookup.table", kmap.name))
    return found


def read_catalog(connection: sa.Connection, mapping: Mapping) -> Catalog:
    """The facts of every table the mapping names (and its sequences), in this transaction."""
    with warnings.catch_warnings():
        # "Did not recognize type 'point' of column ...": a column the mapping does not use.
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        inspector = sa.inspect(connection)
        tables = {name: _table(inspector, connection, name) for name in mapped_tables(mapping)}
    catalog = Catalog(connection.dialect.name, tables, settings=server_settings(connection))
    if connection.dialect.name in ("mysql", "mariadb"):
        _mysql_details(connection, catalog)
        _mysql_privileges(connection, catalog)
    elif connection.dialect.name == "postgresql":
        _postgres_privileges(connection, catalog)
    for kmap in mapping.kinds.values():
        if kmap.sequence is not None:
            catalog.sequences[kmap.sequence] = _has_sequence(inspector, connection, kmap.sequence)
    for schema in sorted({name.schema for name, info in tables.items() if info is None}, key=lambda s: s or ""):
        try:
            catalog.names[schema] = list(inspector.get_table_names(schema=schema))
        except sa.exc.SQLAlchemyError:
            catalog.names[schema] = []
    return catalog


def _has_sequence(inspector: Any, connection: sa.Connection, name: TableName) -> bool:
    if connection.dialect.name == "sqlite":
        return False
    try:
        return bool(inspector.has_sequence(name.name, schema=name.schema))
    except (NotImplementedError, sa.exc.SQLAlchemyError):
        return False


def _table(inspector: Any, connection: sa.Connection, name: TableName) -> TableInfo | None:
    try:
        reflected = inspector.get_columns(name.name, schema=name.schema)
    except sa.exc.NoSuchTableError:
        return None
    columns = {c["name"]: _column(c) for c in reflected}
    primary_key = tuple(inspector.get_pk_constraint(name.name, schema=name.schema).get("constrained_columns") or ())
    uniques: list[UniqueInfo] = [UniqueInfo("PRIMARY KEY", primary_key)] if primary_key else []
    for constraint in inspector.get_unique_constraints(name.name, schema=name.schema):
        uniques.append(UniqueInfo(str(constraint.get("name") or "unique"), tuple(constraint["column_names"])))
    for index in inspector.get_indexes(name.name, schema=name.schema):
        columns_of = tuple(c for c in index.get("column_names") or () if c is not None)
        if index.get("unique") and columns_of and len(columns_of) == len(index.get("column_names") or ()):
            uniques.append(UniqueInfo(str(index.get("name") or "unique index"), columns_of))
    seen: set[tuple[str, ...]] = set()
    distinct = []
    for unique in uniques:
        if unique.columns not in seen:
            seen.add(unique.columns)
            distinct.append(unique)
    info = TableInfo(name, columns, primary_key, distinct, _triggers(connection, name))
    if connection.dialect.name == "sqlite" and primary_key and len(primary_key) == 1:
        key = columns.get(primary_key[0])
        if key is not None and key.type_text.upper() == "INTEGER":
            columns[key.name] = _replace(key, autoincrement=True)  # INTEGER PRIMARY KEY is the rowid
    return info


def _replace(column: ColumnInfo, **changes: Any) -> ColumnInfo:
    from dataclasses import replace

    return replace(column, **changes)


def _column(reflected: dict[str, Any]) -> ColumnInfo:
    kind_of = reflected["type"]
    type_text = _type_text(kind_of)
    length = getattr(kind_of, "length", None)
    name = type(kind_of).__name__.upper()
    if isinstance(kind_of, sa.Boolean):
        kind = "boolean"
    elif isinstance(kind_of, sa.Integer):
        kind = "boolean" if name == "TINYINT" and getattr(kind_of, "display_width", None) == 1 else "integer"
    elif isinstance(kind_of, (sa.String, sa.Text)):
        kind = "string"
    elif isinstance(kind_of, sa.Numeric):
        kind = "integer" if getattr(kind_of, "scale", None) == 0 else "decimal"
    else:
        kind = "other"
    default = reflected.get("default")
    integer_range = None
    if kind == "integer":
        integer_range = _INTEGER_RANGES.get(name.replace("UNSIGNED", "").strip())
        if getattr(kind_of, "unsigned", False) and integer_range:
            integer_range = (0, integer_range[1] * 2 + 1)
    return ColumnInfo(
        name=str(reflected["name"]), type_text=type_text, kind=kind,
        length=length if isinstance(length, int) else None,
        fixed=name in ("CHAR", "NCHAR") or (kind == "string" and type_text.upper().startswith(("CHAR(", "CHARACTER(", "BPCHAR"))),
        nullable=bool(reflected.get("nullable", True)),
        default=None if default is None else str(default),
        autoincrement=reflected.get("autoincrement") is True,
        identity=bool(reflected.get("identity")),
        range=integer_range,
    )


def _type_text(kind_of: Any) -> str:
    try:
        return str(kind_of)
    except Exception:  # some types can't render without a dialect
        return type(kind_of).__name__.upper()


def _triggers(connection: sa.Connection, name: TableName) -> list[str]:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        query = sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t")
        return sorted(str(r[0]) for r in connection.execute(query, {"t": name.name}))
    if dialect == "postgresql":
        query = sa.text(
            "SELECT DISTINCT trigger_name FROM information_schema.triggers WHERE event_object_table = :t "
            "AND event_object_schema = COALESCE(:s, current_schema())"
        )
    else:
        query = sa.text(
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_TABLE = :t "
            "AND EVENT_OBJECT_SCHEMA = COALESCE(:s, DATABASE())"
        )
    return sorted(str(r[0]) for r in connection.execute(query, {"t": name.name, "s": name.schema}))


def _mysql_details(connection: sa.Connection, catalog: Catalog) -> None:
    """Engines, table options and column collations: two catalogue queries for every table."""
    current = str(connection.execute(sa.text("SELECT DATABASE()")).scalar() or "")
    wanted = {(t.schema or current, t.name): t for t, info in catalog.tables.items() if info is not None}
    if not wanted:
        return
    schemas = sorted({schema for schema, _ in wanted})
    tables = connection.execute(
        sa.text(
            "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE, CREATE_OPTIONS FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA IN :schemas"
        ).bindparams(sa.bindparam("schemas", expanding=True)),
        {"schemas": schemas},
    ).all()
    for schema, table, engine, options in tables:
        name = wanted.get((str(schema), str(table)))
        info = catalog.tables.get(name) if name else None
        if info is not None:
            info.engine = None if engine is None else str(engine)
            info.create_options = str(options or "")
    columns = connection.execute(
        sa.text(
            "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLLATION_NAME FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA IN :schemas AND COLLATION_NAME IS NOT NULL"
        ).bindparams(sa.bindparam("schemas", expanding=True)),
        {"schemas": schemas},
    ).all()
    for schema, table, column, collation in columns:
        name = wanted.get((str(schema), str(table)))
        info = catalog.tables.get(name) if name else None
        if info is not None and str(column) in info.columns:
            info.columns[str(column)] = _replace(info.columns[str(column)], collation=str(collation))


_WRITES = ("SELECT", "INSERT", "UPDATE", "DELETE")


def _postgres_privileges(connection: sa.Connection, catalog: Catalog) -> None:
    """One query per table; the name is resolved as PostgreSQL resolves it (search_path, quoting)."""
    query = sa.text(
        "SELECT has_table_privilege(r, 'SELECT'), has_table_privilege(r, 'INSERT'), has_table_privilege(r, 'UPDATE'), "
        "has_table_privilege(r, 'DELETE') FROM (SELECT to_regclass(CASE WHEN CAST(:s AS text) IS NULL "
        "THEN format('%I', CAST(:t AS text)) ELSE format('%I.%I', CAST(:s AS text), CAST(:t AS text)) END) AS r) AS found"
    )
    for name, info in catalog.tables.items():
        if info is None:
            continue
        row = connection.execute(query, {"s": name.schema, "t": name.name}).one()
        if row[0] is not None:
            info.privileges = frozenset(p for p, held in zip(_WRITES, row) if held)


def _mysql_privileges(connection: sa.Connection, catalog: Catalog) -> None:
    """The connected user's global, database and table privileges (three queries in all).

    information_schema shows a privileged user everyone's grants, so only the current user's
    (and its current role's) rows count."""
    user, _, host = str(connection.execute(sa.text("SELECT CURRENT_USER()")).scalar() or "").rpartition("@")
    role = connection.execute(sa.text("SELECT CURRENT_ROLE()")).scalar()
    grantees = [f"'{user}'@'{host}'"] + ([f"'{role}'", f"'{role}'@''"] if role else [])
    current = str(connection.execute(sa.text("SELECT DATABASE()")).scalar() or "")
    select = {
        "user": "SELECT '', '', PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE IN :g",
        "schema": "SELECT TABLE_SCHEMA, '', PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE IN :g",
        "table": "SELECT TABLE_SCHEMA, TABLE_NAME, PRIVILEGE_TYPE FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE IN :g",
    }
    grants: list[tuple[str, str, str, str]] = []
    for level, sql in select.items():
        statement = sa.text(sql).bindparams(sa.bindparam("g", expanding=True))
        grants += [(level, str(a), str(b), str(c).upper()) for a, b, c in connection.execute(statement, {"g": grantees})]
    for name, info in catalog.tables.items():
        if info is None:
            continue
        schema = name.schema or current
        held = {
            privilege for level, db, table, privilege in grants
            if level == "user" or (_like(db, schema) and (level == "schema" or table == name.name))
        }
        if "ALL PRIVILEGES" in held:
            held |= set(_WRITES)
        info.privileges = frozenset(held & set(_WRITES))


def _like(pattern: str, text: str) -> bool:
    r"""MariaDB keeps a grant's database name as a LIKE pattern: ``_`` and ``%`` match, ``\_`` is literal."""
    import re

    parts: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            parts.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        parts.append("." if char == "_" else ".*" if char == "%" else re.escape(char))
        index += 1
    return re.fullmatch("".join(parts), text, re.DOTALL) is not None


def server_settings(connection: sa.Connection) -> dict[str, str]:
    dialect = connection.dialect.name
    if dialect in ("mysql", "mariadb"):
        row = connection.execute(sa.text("SELECT @@SESSION.sql_mode, @@collation_database, VERSION()")).one()
        return {"sql_mode": str(row[0]), "collation": str(row[1]), "version": str(row[2])}
    if dialect == "postgresql":
        row = connection.execute(sa.text("SELECT current_setting('search_path'), current_schema()")).one()
        return {"search_path": str(row[0]), "current_schema": str(row[1])}
    return {}
