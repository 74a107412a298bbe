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
from billing_config.mapping.limits import ColumnFacts

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

    def table(self, name: TableName) -> TableInfo | None:
        return self.tables.get(name)

    def facts(self, table: TableName, column: str) -> ColumnFacts | None:
        """What the target's limits need to know of a column (mapping.limits)."""
        info = self.tables.get(table)
        found = info.columns.get(column) if info is not None else None
        if found is None:
            return None
        return ColumnFacts(found.type_text, found.length if found.kind == "string" else None, found.range, found.fixed)

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
    for kmap in mapping.kinds.values():
        if kmap.sequence is not None:
            catalog.sequences[kmap.sequence] = _has_sequence(inspector, connection, kmap.sequence)
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


def server_settings(connection: sa.Connection) -> dict[str, str]:
    dialect = connection.dialect.name
    if dialect in ("mysql", "mariadb"):
        row = connection.execute(sa.text("SELECT @@SESSION.sql_mode, @@collation_database, VERSION()")).one()
        return {"sql_mode": str(row[0]), "collation": str(row[1]), "version": str(row[2])}
    if dialect == "postgresql":
        row = connection.execute(sa.text("SELECT current_setting('search_path'), current_schema()")).one()
        return {"search_path": str(row[0]), "current_schema": str(row[1])}
    return {}
