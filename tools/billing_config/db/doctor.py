"""``doctor``: does this database fit its mapping? Read-only checks before the first write.

Every fact comes from the catalogue (db/catalog.py: columns, keys, unique constraints,
engines, collations, triggers, sequences, privileges); the checks are plain functions of those
facts and the mapping, one per question, so ``apply`` runs the very same ones on the catalogue
it reads inside its own transaction (:func:`check_schema`), before any write. Only ``doctor``
also reads the rows (:func:`live_findings`): every live value must decode, and no two codes may
be one value under the code column's collation.

Each problem is a finding located in the mapping file: the line of the key that names the
table, column or value (``mapping.toml:14:1``). For the default mapping (the reference schema)
there is no file, so a finding names the schema and line 1. Three severities: errors (the
schema cannot be written safely: apply refuses it), warnings, and notes, which state a fact
about the target (its limits, its unique constraints) and never fail a run.

doctor writes nothing, whatever the user may do: it runs in a read-only transaction, creates
no table and records nothing (:func:`read_only_transaction`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from billing_config.db import doctor_rules as _declared  # noqa: F401  (the rules this module checks)
from billing_config.db.catalog import (
    Catalog, ColumnInfo, TableInfo, mapped_columns, missing_columns, read_catalog, table_paths,
)
from billing_config.db.collation import collation_key
from billing_config.findings import Finding, Severity, did_you_mean, shorten
from billing_config.findings.catalogue import finding
from billing_config.kinds import CODE_MAX_LENGTH, Field
from billing_config.mapping import KEY_DEFAULT, KEY_MAX_PLUS_ONE, KEY_SEQUENCE, Condition, KindMap, Mapping, SetValue
from billing_config.mapping.parse import conditions_disjoint, leaves_scope

# Problems that make reading the rows pointless: they would only come back as driver errors.
STRUCTURAL = ("doctor-missing-table", "doctor-missing-column", "doctor-privilege", "doctor-search-path")


@dataclass(slots=True)
class DoctorReport:
    findings: list[Finding] = field(default_factory=list)
    tables: int = 0
    fingerprint: str = ""  # of the catalogue facts read (db/catalog.py)


class Located:
    """Findings located in the mapping: the line and column of the key that names the thing."""

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.items: list[Finding] = []

    def add(self, rule: str, at: str, message: str, kind: str | None = None) -> None:
        line, column = self.mapping.where_is(at) if at else (1, 1)
        text = f"{at}: {message}" if at and not self.mapping.is_default else message
        self.items.append(finding(rule, self.mapping.source, line, column, text, kind=kind))

    def has(self, *rules: str) -> bool:
        return any(f.rule in rules for f in self.items)


# -- entry points -----------------------------------------------------------------------------

def run_doctor(connection: sa.Connection, mapping: Mapping) -> DoctorReport:
    """Every check, read-only: the schema's, then (when the tables can be read) the rows'."""
    catalog = read_catalog(connection, mapping)
    found = Located(mapping)
    schema_checks(found, catalog, mapping)
    if not found.has(*STRUCTURAL):
        live_findings(found, connection, mapping, catalog)
    return DoctorReport(found.items, len(catalog.tables), catalog.fingerprint())


def check_schema(connection: sa.Connection, mapping: Mapping, catalog: Catalog | None = None) -> list[Finding]:
    """The schema checks alone, on the catalogue read in the caller's transaction (apply, rename):
    a handful of catalogue queries per mapped table, no rows."""
    found = Located(mapping)
    schema_checks(found, catalog if catalog is not None else read_catalog(connection, mapping), mapping)
    return found.items


def errors_of(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


@contextmanager
def read_only_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction the database itself keeps from writing (PostgreSQL and MariaDB READ ONLY,
    SQLite query_only), so doctor writes nothing even through a user who may."""
    with engine.connect() as connection:
        dialect = connection.dialect.name
        if dialect == "postgresql":
            connection = connection.execution_options(postgresql_readonly=True)
        else:
            connection.exec_driver_sql("PRAGMA query_only = ON" if dialect == "sqlite" else "SET SESSION TRANSACTION READ ONLY")
            connection.commit()
        try:
            with connection.begin():
                yield connection
        finally:
            if dialect != "postgresql":
                try:
                    connection.exec_driver_sql("PRAGMA query_only = OFF" if dialect == "sqlite" else "SET SESSION TRANSACTION READ WRITE")
                    connection.commit()
                except sa.exc.SQLAlchemyError:
                    connection.invalidate()  # never back to the pool read-only


def schema_checks(found: Located, catalog: Catalog, mapping: Mapping) -> None:
    _server(found, catalog, mapping)
    _tables(found, catalog, mapping)
    _columns(found, catalog, mapping)
    _privileges(found, catalog, mapping)
    for kmap in mapping.kinds.values():
        info = catalog.table(kmap.table_name)
        if info is None:
            continue
        for check in _KIND_CHECKS:
            check(found, catalog, kmap, info)
    _overlapping_scopes(found, catalog, mapping)
    _usage_sums(found, catalog, mapping)


def _usage_sums(found: Located, catalog: Catalog, mapping: Mapping) -> None:
    """A usage's sum column must be a number SQL can add up (the measure a plan states)."""
    for kmap in mapping.kinds.values():
        for number, usage in enumerate(kmap.usage):
            info = catalog.table(usage.table_name)
            column = info.columns.get(usage.sum) if info is not None and usage.sum else None
            if column is not None and column.kind not in ("integer", "decimal"):
                found.add(
                    "doctor-column-type", _first(mapping, f"kinds.{kmap.name}.usage[{number}].sum"),
                    f"the sum column {usage.qualified}.{column.name} is {column.type_text}, not a number; "
                    "name the column holding the amount",
                    kmap.name,
                )


# -- the database and its tables ---------------------------------------------------------------

def _server(found: Located, catalog: Catalog, mapping: Mapping) -> None:
    settings = catalog.settings
    if catalog.dialect in ("mysql", "mariadb"):
        modes = settings.get("sql_mode", "").split(",")
        if "STRICT_TRANS_TABLES" not in modes and "STRICT_ALL_TABLES" not in modes:
            found.add(
                "doctor-sql-mode", "",
                f"sql_mode is '{settings.get('sql_mode')}': without STRICT_TRANS_TABLES the server silently truncates "
                "over-long text and turns bad values into zeros; set it (SET GLOBAL sql_mode or the server's config)",
            )
    if catalog.dialect == "postgresql":
        unqualified = [k for k in mapping.kinds.values() if k.schema is None]
        if unqualified and settings.get("current_schema") in (None, "None", ""):
            found.add(
                "doctor-search-path", f"kinds.{unqualified[0].name}.table",
                f"search_path is '{settings.get('search_path')}', which names no existing schema, so unqualified "
                f"tables ({', '.join(k.table for k in unqualified)}) cannot be found; qualify them (\"schema.table\")",
                unqualified[0].name,
            )


def _tables(found: Located, catalog: Catalog, mapping: Mapping) -> None:
    for name, (at, kind) in table_paths(mapping).items():
        if catalog.table(name) is not None:
            continue
        hint = did_you_mean(name.name, catalog.names.get(name.schema, []))
        fix = "create the reference schema with `billing-config db init`" if mapping.is_default else "fix the table's name in the mapping"
        found.add("doctor-missing-table", at, f"table {name.qualified} does not exist{hint}; {fix}", kind)


def _columns(found: Located, catalog: Catalog, mapping: Mapping) -> None:
    for named in missing_columns(catalog, mapping):
        info = catalog.table(named.table)
        hint = did_you_mean(named.column, info.columns) if info is not None else ""
        if mapping.is_default:  # an older db init made the table: it adds what this version's schema has
            hint += "; run `billing-config db init`, which adds the columns a newer reference schema has and changes nothing else"
        found.add("doctor-missing-column", named.path, f"column {named.table.qualified}.{named.column} does not exist{hint}", named.kind)


def _privileges(found: Located, catalog: Catalog, mapping: Mapping) -> None:
    """SELECT on every mapped table is needed by every command; writes only by apply, which runs
    through the writing target, so their absence is a warning (a read-only user is fine)."""
    managed = {kmap.table_name: kmap for kmap in mapping.kinds.values() if kmap.managed}
    for name, (at, kind) in table_paths(mapping).items():
        info = catalog.table(name)
        if info is None or info.privileges is None:
            continue
        if "SELECT" not in info.privileges:
            found.add("doctor-privilege", at, f"the database user may not read {name.qualified}; GRANT SELECT ON {name.qualified} TO the tool's user", kind)
        kmap = managed.get(name)
        if kmap is None:
            continue
        needed = ["INSERT", "UPDATE"] + (["DELETE"] if kmap.delete == "hard" else [])
        missing = [p for p in needed if p not in info.privileges]
        if missing:
            found.add(
                "doctor-write-privilege", at,
                f"the database user lacks {', '.join(missing)} on {name.qualified}: fine for plan, drift and export through a "
                f"read-only user, but apply must run as a user with GRANT {', '.join(missing)} ON {name.qualified}",
                kmap.name,
            )


def _overlapping_scopes(found: Located, catalog: Catalog, mapping: Mapping) -> None:
    """Two kinds on one table whose where values differ only under the column's collation (the
    parser already refused scopes that overlap exactly)."""
    kinds = list(mapping.kinds.values())
    for index, first in enumerate(kinds):
        for second in kinds[index + 1:]:
            info = catalog.table(first.table_name)
            if second.table_name != first.table_name or info is None:
                continue
            theirs = {c.column: c for c in second.where}
            pairs = [(c, theirs[c.column]) for c in first.where if c.column in theirs]
            if any(conditions_disjoint(a, b, _compare(info, a.column)) for a, b in pairs):
                continue
            told_apart = [(a, b) for a, b in pairs if conditions_disjoint(a, b)]
            shown = "; ".join(
                f"{a.column}: {_values(a)} and {_values(b)} under {_collation(info, a.column)}" for a, b in told_apart
            )
            found.add(
                "doctor-scope-overlap", f"kinds.{second.name}.where",
                f"{second.name} and {first.name} both live in {first.qualified}, and the collation compares their where "
                f"values as equal ({shown}), so one row would be both; give them values that differ under it",
                second.name,
            )


# -- one kind's table -------------------------------------------------------------------------

def _key(found: Located, catalog: Catalog, kmap: KindMap, info: TableInfo) -> None:
    key = info.columns.get(kmap.key)
    if key is None or not kmap.managed:
        return
    at = f"kinds.{kmap.name}"
    where = f"{kmap.qualified}.{kmap.key}"
    if kmap.key_source == KEY_SEQUENCE and kmap.sequence is not None and not catalog.sequences.get(kmap.sequence):
        missing = (
            "SQLite has no sequences" if catalog.dialect == "sqlite" else f"the sequence {kmap.sequence.qualified} does not exist"
        )
        found.add(
            "doctor-sequence", _first(found.mapping, f"{at}.key_source.sequence", f"{at}.key_source"),
            f"{missing}, so new rows of {kmap.qualified} would get no key; "
            'name an existing sequence, or write key_source = "max+1" if the vendor\'s application assigns keys',
            kmap.name,
        )
    elif kmap.key_source == KEY_MAX_PLUS_ONE and key.kind != "integer":
        found.add("doctor-column-type", f"{at}.key_source", f'{where} is {key.type_text}; key_source = "max+1" needs a whole-number key', kmap.name)
    elif kmap.key_source == KEY_DEFAULT and not key.generates_key and not info.triggers:
        found.add(
            "doctor-key-default", f"{at}.key",
            f"{where} has no identity, auto-increment or default, so new rows would get no key; if the vendor's "
            'application assigns keys (one more than the largest), write key_source = "max+1"; otherwise '
            'key_source = { sequence = "NAME" }, or key_source = "code" when the key is the code',
            kmap.name,
        )


def _types(found: Located, catalog: Catalog, kmap: KindMap, info: TableInfo) -> None:
    """Each field's column can hold what the mapping writes there (a lookup field's column holds
    the lookup row's key, and a reference's the target's key: nothing to compare)."""
    for fmap in kmap.mapped_fields:
        column = info.columns.get(fmap.column or "")
        spec = fmap.field
        if column is None or spec.references or fmap.lookup is not None:
            continue
        at = _first(found.mapping, f"kinds.{kmap.name}.fields.{spec.name}.column", f"kinds.{kmap.name}.fields.{spec.name}")
        if fmap.encode is not None:
            for stored in dict.fromkeys(fmap.encode.values()):
                _literal(found, at, kmap, column, stored)
            continue
        wrong = {
            "string": column.kind != "string",
            "boolean": column.kind not in ("boolean", "integer"),
            "integer": column.kind != "integer",
        }[spec.type]
        if wrong:
            needs = {"string": "text", "boolean": "true/false: map its stored values with values = { true = ..., false = ... }", "integer": "a whole number"}
            found.add("doctor-column-type", at, f"{kmap.qualified}.{column.name} is {column.type_text}, but {spec.name} is {needs[spec.type]}", kmap.name)


def _limits(found: Located, catalog: Catalog, kmap: KindMap, info: TableInfo) -> None:
    """A column narrower than the schema allows is the target's limit: stated, not an error,
    unless the mapping itself states a longer one."""
    at = f"kinds.{kmap.name}"
    code = kmap.code
    column = info.columns.get(code.column) if code is not None else None
    if code is not None and column is not None:
        code_at = _first(found.mapping, f"{at}.code.max_length", f"{at}.code.column", f"{at}.code")
        if column.kind != "string":
            found.add("doctor-column-type", code_at, f"{kmap.qualified}.{column.name} is {column.type_text}, but codes are text", kmap.name)
        else:
            _text_limit(found, code_at, kmap, column, "codes", CODE_MAX_LENGTH, code.max_length)
    for fmap in kmap.mapped_fields:
        column = info.columns.get(fmap.column or "")
        spec = fmap.field
        if column is None or spec.references or fmap.encode is not None or fmap.lookup is not None:
            continue
        field_at = f"{at}.fields.{spec.name}"
        if spec.type == "string" and column.kind == "string":
            needed = spec.max_length or max((len(e) for e in spec.enum or ()), default=0)
            limit_at = _first(found.mapping, f"{field_at}.max_length", f"{field_at}.column", field_at)
            _text_limit(found, limit_at, kmap, column, _plural(spec), needed, fmap.max_length)
        elif spec.type == "integer" and column.kind == "integer" and column.range is not None:
            _range_limit(found, _first(found.mapping, f"{field_at}.column", field_at), kmap, column, spec)


def _literals(found: Located, catalog: Catalog, kmap: KindMap, info: TableInfo) -> None:
    """where, set and delete values are written as they are: each must fit its column."""
    at = f"kinds.{kmap.name}"
    written: list[tuple[str, str, Any]] = []
    for condition in kmap.where:
        written += [(f"{at}.where.{condition.column}", condition.column, v) for v in condition.values or () if v is not None]
    for part, values in (("insert", kmap.insert_set), ("update", kmap.update_set)):
        for column, value in values.items():
            written += [(_set_path(found.mapping, kmap, part, column), column, v) for v in _set_literals(value)]
    for column, value in (kmap.soft_delete or {}).items():
        written += [(f"{at}.delete.{column}", column, v) for v in _set_literals(value)]
    for path, name, value in written:
        holder = info.columns.get(name)
        if holder is not None:
            _literal(found, path, kmap, holder, value)


def _not_null(found: Located, catalog: Catalog, kmap: KindMap, info: TableInfo) -> None:
    if not kmap.managed:
        return
    covered = {kmap.key, *(f.column for f in kmap.mapped_fields), *(c.column for c in kmap.where), *kmap.insert_set}
    if kmap.code is not None:
        covered.add(kmap.code.column)
    for name, column in info.columns.items():
        if name in covered or column.nullable or column.default is not None or column.identity or column.autoincrement:
            continue
        found.add(
            "doctor-not-null", f"kinds.{kmap.name}.table",
            f"{kmap.qualified}.{name} is NOT NULL without a default and no field, where or set covers it, so inserts would "
            f"fail; map it, or add it to [kinds.{kmap.name}.set] insert = {{ {name} = ... }}",
            kmap.name,
        )


def _engine(found: Located, catalog: Catalog, kmap: KindMap, info: TableInfo) -> None:
    if info.transactional:
        return
    engine = info.engine or "?"
    if engine.upper() == "ARIA":
        engine = "Aria (without TRANSACTIONAL=1)"
    at = f"kinds.{kmap.name}.table"
    if kmap.managed:
        found.add(
            "doctor-engine", at,
            f"{kmap.qualified} uses the {engine} engine, which cannot roll back: a failed apply would leave half its writes "
            f"behind, so apply refuses this target; convert it (ALTER TABLE ... ENGINE=InnoDB) or map {kmap.name} with managed = false",
            kmap.name,
        )
    else:
        found.add("doctor-engine-unmanaged", at, f"{kmap.qualified} uses the {engine} engine, which cannot roll back; {kmap.name} is only read here (managed = false)", kmap.name)


def _uniques(found: Located, catalog: Catalog, kmap: KindMap, info: TableInfo) -> None:
    if not info.uniques:
        return
    listed = ", ".join(f"{u.name} ({', '.join(u.columns)})" for u in info.uniques)
    found.add("doctor-unique-constraints", f"kinds.{kmap.name}.table", f"unique constraints and indexes of {kmap.qualified}: {listed}", kmap.name)
    soft = kmap.soft_delete
    if soft is None or kmap.revive or not kmap.managed:
        return
    name = kmap.field_map["name"].column if "name" in kmap.field_map else None
    identities = [(kmap.code.column, "code")] if kmap.code is not None else []
    identities += [(name, "name")] if name else []
    for unique in info.uniques:
        held = [(column, what) for column, what in identities if column in unique.columns]
        if not held or set(soft) & set(unique.columns):
            continue
        column, what = held[0]
        found.add(
            "doctor-unique-soft-delete", _first(found.mapping, f"kinds.{kmap.name}.delete"),
            f"{unique.name} ({', '.join(unique.columns)}) of {kmap.qualified} covers the {what} column {column}: a soft-deleted "
            f"row keeps its {what}, so creating that {what} again would be refused; set revive = true",
            kmap.name,
        )


def _triggers(found: Located, catalog: Catalog, kmap: KindMap, info: TableInfo) -> None:
    if info.triggers:
        found.add(
            "doctor-trigger", f"kinds.{kmap.name}.table",
            f"{kmap.qualified} has trigger(s) {', '.join(info.triggers)}: they run on every write the tool makes; check what they do",
            kmap.name,
        )


def _padding(found: Located, catalog: Catalog, kmap: KindMap, info: TableInfo) -> None:
    if catalog.dialect != "postgresql":
        return
    at = f"kinds.{kmap.name}"
    named = [(kmap.code.column, _first(found.mapping, f"{at}.code.column", f"{at}.code"))] if kmap.code is not None else []
    named += [
        (f.column or "", _first(found.mapping, f"{at}.fields.{f.name}.column", f"{at}.fields.{f.name}"))
        for f in kmap.mapped_fields if f.field.type == "string" and not f.field.references
    ]
    for name, path in named:
        column = info.columns.get(name)
        if column is not None and column.kind == "string" and column.fixed:
            found.add(
                "doctor-char-padding", path,
                f"{kmap.qualified}.{name} is {column.type_text}: PostgreSQL pads its values with spaces; the tool reads them "
                "without the trailing spaces, so a value ending in spaces cannot be kept there",
                kmap.name,
            )


def _soft_delete_scope(found: Located, catalog: Catalog, kmap: KindMap, info: TableInfo) -> None:
    """The soft delete's values must fail where under the column's collation, not only exactly."""
    soft = kmap.soft_delete
    if not soft or any(leaves_scope({c: v}, kmap.where, _compare(info, c)) for c, v in soft.items()):
        return
    shown = ", ".join(f"{c} = {shorten(v.literal)} (collation {_collation(info, c)})" for c, v in soft.items() if v.literal is not None)
    found.add(
        "doctor-soft-delete-scope", f"kinds.{kmap.name}.delete",
        f"the soft delete writes {shown}, which the collation compares as equal to where's value, so a deleted row "
        "would never leave scope; write a value that differs under the collation",
        kmap.name,
    )


_KIND_CHECKS: tuple[Callable[[Located, Catalog, KindMap, TableInfo], None], ...] = (
    _key, _types, _limits, _literals, _not_null, _engine, _uniques, _triggers, _padding, _soft_delete_scope,
)


# -- the rows ---------------------------------------------------------------------------------

def live_findings(found: Located, connection: sa.Connection, mapping: Mapping, catalog: Catalog) -> None:
    """Every live value decodes, and no two codes in scope are one value under their collation."""
    from billing_config.db.connect import describe_error
    from billing_config.db.live import read_live

    paths = {(m.table, m.column): m.path for m in reversed(mapped_columns(mapping))}
    try:
        with connection.begin_nested():
            live = read_live(connection, mapping, with_usage=False, strict=False)
    except sa.exc.SQLAlchemyError as error:
        found.add("doctor-live-value", "", f"reading the mapped rows failed: {describe_error(error, connection.engine.url)}")
        return
    for problem in live.problems:
        kmap = mapping.kinds[problem.kind]
        at = paths.get((kmap.table_name, problem.column), f"kinds.{kmap.name}.table")
        found.add("doctor-live-value", at, problem.describe(), problem.kind)
    for kmap in mapping.kinds.values():
        _code_collisions(found, connection, kmap, catalog)
        _sequence_behind(found, connection, kmap, catalog)


def _sequence_behind(found: Located, connection: sa.Connection, kmap: KindMap, catalog: Catalog) -> None:
    """PostgreSQL: the sequence a serial key takes new keys from must be past the largest key
    (MariaDB's AUTO_INCREMENT moves past explicit inserts by itself)."""
    info = catalog.table(kmap.table_name)
    column = info.columns.get(kmap.key) if info is not None else None
    if connection.dialect.name != "postgresql" or not kmap.managed or kmap.key_source != KEY_DEFAULT or column is None:
        return
    if not (column.default or "").startswith("nextval("):
        return
    from billing_config.db.sql import kind_table, quoted_table

    largest = connection.execute(sa.select(sa.func.max(kind_table(kmap).c[kmap.key]))).scalar()
    row = connection.execute(
        sa.text(
            "SELECT start_value, last_value, increment_by FROM pg_sequences "
            "WHERE quote_ident(schemaname) || '.' || quote_ident(sequencename) = pg_get_serial_sequence(:table, :key) "
            # last_value reads NULL without a right to the sequence: nothing can be told then
            "AND has_sequence_privilege(pg_get_serial_sequence(:table, :key), 'SELECT,USAGE')"
        ),
        {"table": quoted_table(connection, kmap.table_name), "key": kmap.key},
    ).first()
    if row is None or not isinstance(largest, int):
        return
    start, last, step = row
    following = start if last is None else last + step  # never read yet: its start
    if following <= largest:
        found.add(
            "doctor-sequence-behind", _first(found.mapping, f"kinds.{kmap.name}.key"),
            f"the sequence behind {kmap.qualified}.{kmap.key} would give the next new row key {following}, but keys go up to "
            f"{largest}: the first create would fail on the primary key. Move it on (SELECT setval(pg_get_serial_sequence("
            f"'{kmap.qualified}', '{kmap.key}'), {largest})), or map key_source = \"max+1\" if the application assigns keys",
            kmap.name,
        )


def _code_collisions(found: Located, connection: sa.Connection, kmap: KindMap, catalog: Catalog) -> None:
    """One query per kind whose code column compares inexactly (MariaDB _ci, PAD SPACE, ...)."""
    from billing_config.db import sql as access

    info = catalog.table(kmap.table_name)
    column = info.columns.get(kmap.code.column) if info is not None and kmap.code is not None else None
    if column is None or column.collation is None or kmap.code is None:
        return
    table = access.kind_table(kmap)
    statement = sa.select(table.c[kmap.key], table.c[kmap.code.column]).where(*access.scope(table, kmap.where))
    groups: dict[str, list[tuple[Any, str]]] = {}
    for key, stored in connection.execute(statement):
        if isinstance(stored, str):
            groups.setdefault(collation_key(stored, column.collation), []).append((key, stored))
    for rows in groups.values():
        if len(rows) < 2 or len({stored for _key, stored in rows}) < 2:
            continue
        shown = " and ".join(f"row {key!r} ({shorten(stored)})" for key, stored in rows[:5])
        found.add(
            "doctor-code-collation", _first(found.mapping, f"kinds.{kmap.name}.code.column", f"kinds.{kmap.name}.code"),
            f"{kmap.qualified} {shown} hold codes that {kmap.code.column}'s collation {column.collation} compares as equal: "
            "one code to the database, two entries to the tool; change one of them on live",
            kmap.name,
        )


# -- helpers ----------------------------------------------------------------------------------

def _first(mapping: Mapping, *paths: str) -> str:
    """The first of the key paths the mapping file has (the last as a fallback)."""
    return next((path for path in paths if path in mapping.positions), paths[-1])


def _set_path(mapping: Mapping, kmap: KindMap, part: str, column: str) -> str:
    at = f"kinds.{kmap.name}.set"
    shorthand = f"{at}.created" if column == kmap.created else f"{at}.last_modified"
    return _first(mapping, f"{at}.{part}.{column}", shorthand, at)


def _set_literals(value: SetValue) -> list[Any]:
    """What a set value writes that can be checked against the column: a literal, or a UUID's text."""
    if value.uuid:
        return ["0" * 36]
    if value.now is None and value.increment is None and value.literal is not None:
        return [value.literal]
    return []


def _literal(found: Located, at: str, kmap: KindMap, column: ColumnInfo, value: Any) -> None:
    """A value the mapping writes as it is: text into text that holds it, numbers into numbers."""
    where = f"{kmap.qualified}.{column.name}"
    if isinstance(value, str):
        if column.kind in ("integer", "decimal", "boolean"):
            found.add("doctor-column-type", at, f"{where} is {column.type_text}, but the mapping writes the text {shorten(value)}", kmap.name)
        elif column.kind == "string" and column.length is not None and len(value) > column.length:
            what = "a new UUID (36 characters)" if value == "0" * 36 else f"{shorten(value)} ({len(value)} characters)"
            found.add("doctor-column-length", at, f"{where} holds {column.length} characters, but the mapping writes {what}", kmap.name)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if column.kind == "string":
            found.add("doctor-column-type", at, f"{where} is {column.type_text}, but the mapping writes the number {value!r}; write it as text", kmap.name)
        elif column.range is not None and isinstance(value, int) and not column.range[0] <= value <= column.range[1]:
            found.add("doctor-column-type", at, f"{where} is {column.type_text} ({column.range[0]} to {column.range[1]}), but the mapping writes {value}", kmap.name)


def _text_limit(found: Located, at: str, kmap: KindMap, column: ColumnInfo, what: str, allowed: int, stated: int | None) -> None:
    length = column.length
    if length is None or not allowed or length >= allowed:
        return
    where = f"{kmap.qualified}.{column.name}"
    if stated is not None and stated > length:
        found.add(
            "doctor-column-length", at,
            f"the mapping states max_length = {stated}, but {where} is {column.type_text} and holds {length} characters; "
            f"write max_length = {length}",
            kmap.name,
        )
        return
    found.add(
        "doctor-target-limit", at,
        f"{what} on this target: at most {length} characters ({where} is {column.type_text}; the schema allows {allowed}); "
        "a longer value is refused at plan (target-limit)",
        kmap.name,
    )


def _range_limit(found: Located, at: str, kmap: KindMap, column: ColumnInfo, spec: Field) -> None:
    low, high = column.range or (0, 0)
    over = spec.maximum is not None and spec.maximum > high
    under = spec.minimum is not None and spec.minimum < low
    if over or under:
        lowest = low if spec.minimum is None else max(low, spec.minimum)
        highest = high if spec.maximum is None else min(high, spec.maximum)
        allowed = f"{'any' if spec.minimum is None else spec.minimum} to {'any' if spec.maximum is None else spec.maximum}"
        found.add(
            "doctor-target-limit", at,
            f"{_plural(spec)} on this target: from {lowest} to {highest} ({kmap.qualified}.{column.name} is "
            f"{column.type_text}; the schema allows {allowed}); a value outside is refused at plan (target-limit)",
            kmap.name,
        )


def _plural(spec: Field) -> str:
    words = spec.name.replace("_", " ")
    if words.endswith(("s", "x", "ch", "sh")):
        return words + "es"
    if words.endswith("y") and not words.endswith(("ay", "ey", "oy")):
        return words[:-1] + "ies"
    return words + "s"


def _compare(info: TableInfo, column: str) -> Callable[[Any], Any]:
    """What a column's collation sees of a value (the value itself for exact columns)."""
    collation = info.columns[column].collation if column in info.columns else None
    return lambda value: collation_key(value, collation) if isinstance(value, str) else value


def _collation(info: TableInfo, column: str) -> str:
    return (info.columns[column].collation if column in info.columns else None) or "exact"


def _values(condition: Condition) -> str:
    values = condition.values
    return "any non-NULL value" if values is None else " | ".join(shorten(v) for v in values)
