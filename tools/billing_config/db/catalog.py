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

    def code_collations(self, mapping: Mapping) -> dict[str, str]:
        """kind name -> the collation of its code column, where it has one (MariaDB/MySQL):
        codes compare as that column compares them (db/collation.py)."""
        found: dict[str, str] = {}
        for kmap in mapping.kinds.values():
            info = self.tables.get(kmap.table_name)
            column = info.columns.get(kmap.code.column) if info is not None and kmap.code is not None else None
            if column is not None and column.collation:
                found[kmap.name] = column.collation
        return found

    def padded_columns(self, mapping: Mapping) -> dict[str, frozenset[str]]:
        """kind name -> its table's CHAR(n) columns. PostgreSQL hands such a value back padded to
        n characters ('Active    '), and the reader strips the spaces so that what was written
        reads back the same (MariaDB strips them itself; SQLite does not pad)."""
        found: dict[str, frozenset[str]] = {}
        for kmap in mapping.kinds.values():
            info = self.tables.get(kmap.table_name)
            fixed = frozenset(name for name, column in (info.columns.items() if info else ()) if column.fixed)
            if fixed:
                found[kmap.name] = fixed
        return found

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
        names = mapped_tables(mapping)
        if connection.dialect.name == "postgresql":
            reflected = _reflect_many(inspector, names)  # four queries per schema, whatever the tables
        else:
            reflected = {name: _reflect_one(inspector, name) for name in names}
    triggers = _triggers(connection, [name for name, found in reflected.items() if found is not None])
    tables = {
        name: None if found is None else _info(connection, name, found, triggers.get(name, []))
        for name, found in reflected.items()
    }
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


@dataclass(slots=True)
class _Reflected:
    """What SQLAlchemy's inspector says about one table, before it is turned into facts."""

    columns: list[dict[str, Any]]
    primary_key: dict[str, Any]
    uniques: list[dict[str, Any]]
    indexes: list[dict[str, Any]]


def _reflect_one(inspector: Any, name: TableName) -> _Reflected | None:
    """SQLite and MariaDB: per table (MariaDB's four answers come from one SHOW CREATE TABLE)."""
    try:
        columns = inspector.get_columns(name.name, schema=name.schema)
    except sa.exc.NoSuchTableError:
        return None
    return _Reflected(
        columns, inspector.get_pk_constraint(name.name, schema=name.schema),
        inspector.get_unique_constraints(name.name, schema=name.schema), inspector.get_indexes(name.name, schema=name.schema),
    )


def _reflect_many(inspector: Any, names: list[TableName]) -> dict[TableName, _Reflected | None]:
    """PostgreSQL: every table of a schema in one query per question."""
    from sqlalchemy.engine.reflection import ObjectKind

    found: dict[TableName, _Reflected | None] = {}
    for schema in dict.fromkeys(name.schema for name in names):
        wanted = [name for name in names if name.schema == schema]
        options = {"schema": schema, "filter_names": [name.name for name in wanted], "kind": ObjectKind.ANY}
        columns = inspector.get_multi_columns(**options)
        keys = inspector.get_multi_pk_constraint(**options)
        uniques = inspector.get_multi_unique_constraints(**options)
        indexes = inspector.get_multi_indexes(**options)
        for name in wanted:
            key = (schema, name.name)
            found[name] = None if key not in columns else _Reflected(
                columns[key], keys.get(key) or {}, uniques.get(key) or [], indexes.get(key) or []
            )
    return found


def _info(connection: sa.Connection, name: TableName, reflected: _Reflected, triggers: list[str]) -> TableInfo:
    columns = {c["name"]: _column(c) for c in reflected.columns}
    primary_key = tuple(reflected.primary_key.get("constrained_columns") or ())
    uniques: list[UniqueInfo] = [UniqueInfo("PRIMARY KEY", primary_key)] if primary_key else []
    for constraint in reflected.uniques:
        uniques.append(UniqueInfo(str(constraint.get("name") or "unique"), tuple(constraint["column_names"])))
    for index in reflected.indexes:
        columns_of = tuple(c for c in index.get("column_names") or () if c is not None)
        if index.get("unique") and columns_of and len(columns_of) == len(index.get("column_names") or ()):
            uniques.append(UniqueInfo(str(index.get("name") or "unique index"), columns_of))
    seen: set[tuple[str, ...]] = set()
    distinct = []
    for unique in uniques:
        if unique.columns not in seen:
            seen.add(unique.columns)
            distinct.append(unique)
    info = TableInfo(name, columns, primary_key, distinct, triggers)
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


def _triggers(connection: sa.Connection, names: list[TableName]) -> dict[TableName, list[str]]:
    """The triggers of every table, one query per schema."""
    dialect = connection.dialect.name
    found: dict[TableName, list[str]] = {}
    for schema in dict.fromkeys(name.schema for name in names):
        wanted = {name.name: name for name in names if name.schema == schema}
        if dialect == "sqlite":
            query = "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN :t"
        elif dialect == "postgresql":
            query = (
                "SELECT DISTINCT event_object_table, trigger_name FROM information_schema.triggers "
                "WHERE event_object_table IN :t AND event_object_schema = COALESCE(:s, current_schema())"
            )
        else:
            query = (
                "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME FROM information_schema.TRIGGERS "
                "WHERE EVENT_OBJECT_TABLE IN :t AND EVENT_OBJECT_SCHEMA = COALESCE(:s, DATABASE())"
            )
        statement = sa.text(query).bindparams(sa.bindparam("t", expanding=True))
        parameters: dict[str, Any] = {"t": list(wanted)} if dialect == "sqlite" else {"t": list(wanted), "s": schema}
        for table, trigger in connection.execute(statement, parameters):
            if str(table) in wanted:
                found.setdefault(wanted[str(table)], []).append(str(trigger))
    return {name: sorted(triggers) for name, triggers in found.items()}


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
    """One query for every table, each name resolved as PostgreSQL resolves it (search_path, quoting)."""
    present = [name for name, info in catalog.tables.items() if info is not None]
    if not present:
        return
    query = sa.text(
        "SELECT n, has_table_privilege(r, 'SELECT'), has_table_privilege(r, 'INSERT'), has_table_privilege(r, 'UPDATE'), "
        "has_table_privilege(r, 'DELETE') FROM (SELECT n, to_regclass(CASE WHEN s IS NULL THEN format('%I', t) "
        "ELSE format('%I.%I', s, t) END) AS r FROM unnest(CAST(:s AS text[]), CAST(:t AS text[])) "
        "WITH ORDINALITY AS x(s, t, n)) AS found"
    )
    rows = connection.execute(query, {"s": [name.schema for name in present], "t": [name.name for name in present]})
    for number, *held in rows:
        info = catalog.tables[present[int(number) - 1]]
        if info is not None and held[0] is not None:
            info.privileges = frozenset(p for p, has in zip(_WRITES, held) if has)


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
