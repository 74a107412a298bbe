"""``doctor``: does this database fit its mapping? Read-only checks before the first write.

Each problem is a finding (rule id from the catalogue, the mapping file as its path) that names
the table and column and says what to do. A passing run records a fingerprint of what it
checked (mapped tables' columns, keys, triggers, engine and server settings) in the tool's own
table; ``apply`` on a mapped target refuses until a passing doctor has seen the schema as it is
now, so a vendor upgrade that changes a column is checked before anything is written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from billing_config import __version__
from billing_config.db.live import read_live
from billing_config.mapping import KindMap, Mapping, UsageMap
from billing_config.db.tool.tables import DOCTOR, tool_table
from billing_config.findings import Finding
from billing_config.db import doctor_rules as _declared  # noqa: F401  (the rules this module checks)
from billing_config.findings.catalogue import finding


@dataclass(slots=True)
class DoctorReport:
    findings: list[Finding] = field(default_factory=list)
    fingerprint: str = ""
    tables: int = 0


@dataclass(slots=True)
class _Table:
    columns: dict[str, dict[str, Any]]
    primary_key: list[str]
    triggers: list[str]


def _type_info(column: dict[str, Any]) -> tuple[str, int | None]:
    """('string'|'integer'|'boolean'|'other', length) of a reflected column type."""
    kind = column["type"]
    length = getattr(kind, "length", None)
    if isinstance(kind, sa.Boolean):
        return "boolean", None
    if isinstance(kind, sa.Integer):
        name = type(kind).__name__.upper()
        return ("boolean" if name == "TINYINT" and getattr(kind, "display_width", None) == 1 else "integer"), None
    if isinstance(kind, (sa.String, sa.Text)):
        return "string", length
    if isinstance(kind, sa.Numeric) and getattr(kind, "scale", None) in (0, None):
        return "integer", None
    return "other", length


def _is_number(column: dict[str, Any]) -> bool:
    """Whether SQL can add the column's values up (what a usage's ``sum`` needs)."""
    return isinstance(column["type"], (sa.Numeric, sa.Integer, sa.Float)) and not isinstance(column["type"], sa.Boolean)


def _reflect(inspector: Any, connection: sa.Connection, schema: str | None, name: str) -> _Table | None:
    try:
        columns = {c["name"]: c for c in inspector.get_columns(name, schema=schema)}
    except sa.exc.NoSuchTableError:
        return None
    primary_key = list(inspector.get_pk_constraint(name, schema=schema).get("constrained_columns") or [])
    return _Table(columns, primary_key, _triggers(connection, schema, name))


def _triggers(connection: sa.Connection, schema: str | None, name: str) -> list[str]:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        query = sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t")
        return sorted(r[0] for r in connection.execute(query, {"t": name}))
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
    return sorted(r[0] for r in connection.execute(query, {"t": name, "s": schema}))


def _server_settings(connection: sa.Connection) -> dict[str, str]:
    dialect = connection.dialect.name
    if dialect in ("mysql", "mariadb"):
        row = connection.execute(sa.text("SELECT @@SESSION.sql_mode, @@collation_database, VERSION()")).one()
        return {"sql_mode": str(row[0]), "collation": str(row[1]), "version": str(row[2])}
    if dialect == "postgresql":
        row = connection.execute(sa.text("SELECT current_setting('search_path'), current_schema()")).one()
        return {"search_path": str(row[0]), "current_schema": str(row[1])}
    return {}


def _tables_of(mapping: Mapping) -> list[tuple[str | None, str]]:
    result: list[tuple[str | None, str]] = []
    for kmap in mapping.kinds.values():
        result.append((kmap.schema, kmap.table))
        result.extend((u.schema, u.table) for u in kmap.usage)
        result.extend((u.through.table.schema, u.through.table.name) for u in kmap.usage if u.through is not None)
    return list(dict.fromkeys(result))


def schema_fingerprint(connection: sa.Connection, mapping: Mapping) -> str:
    """What doctor checked, as one digest: a change to any of it needs a new doctor run."""
    inspector = sa.inspect(connection)
    parts: list[Any] = [connection.dialect.name, mapping.digest, sorted(_server_settings(connection).items())]
    for schema, name in _tables_of(mapping):
        table = _reflect(inspector, connection, schema, name)
        if table is None:
            parts.append((schema, name, None))
            continue
        columns = [
            (c["name"], str(c["type"]), c["nullable"], str(c.get("default")), str(c.get("identity") or ""))
            for c in table.columns.values()
        ]
        parts.append((schema, name, columns, table.primary_key, table.triggers))
    return "sha256:" + hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def last_passing_fingerprint(connection: sa.Connection, mapping: Mapping) -> str | None:
    table = tool_table(DOCTOR, mapping.tool_schema)
    try:
        with connection.begin_nested():
            row = connection.execute(
                sa.select(table.c.fingerprint).where(table.c.mapping == mapping.digest).order_by(table.c.id.desc()).limit(1)
            ).first()
    except (sa.exc.ProgrammingError, sa.exc.OperationalError):
        return None
    return None if row is None else str(row[0])


def record_passing(connection: sa.Connection, mapping: Mapping, fingerprint: str) -> None:
    from billing_config.mapping.model import now_stamp

    connection.execute(
        sa.insert(tool_table(DOCTOR, mapping.tool_schema)),
        {"checked_at": now_stamp(), "mapping": mapping.digest, "fingerprint": fingerprint, "tool_version": __version__},
    )


class _Checker:
    def __init__(self, connection: sa.Connection, mapping: Mapping) -> None:
        self.connection = connection
        self.mapping = mapping
        self.path = mapping.source
        self.findings: list[Finding] = []

    def add(self, rule: str, message: str, kind: str | None = None) -> None:
        self.findings.append(finding(rule, self.path, 1, 1, message, kind=kind))

    def run(self) -> None:
        inspector = sa.inspect(self.connection)
        settings = _server_settings(self.connection)
        self._server(settings)
        for kmap in self.mapping.kinds.values():
            table = _reflect(inspector, self.connection, kmap.schema, kmap.table)
            if table is None:
                self.add("doctor-missing-table", f"[kinds.{kmap.name}] table {kmap.qualified} does not exist; fix table = \"...\" in the mapping", kmap.name)
                continue
            self._kind(kmap, table)
            for usage in kmap.usage:
                used = _reflect(inspector, self.connection, usage.schema, usage.table)
                where = f"{usage.schema}.{usage.table}" if usage.schema else usage.table
                if used is None:
                    self.add("doctor-missing-table", f"[[kinds.{kmap.name}.usage]] table {where} does not exist", kmap.name)
                    continue
                for column in [usage.column, *(c.column for c in usage.where), *([usage.sum] if usage.sum else [])]:
                    if column not in used.columns:
                        self.add("doctor-missing-column", f"[[kinds.{kmap.name}.usage]] column {where}.{column} does not exist", kmap.name)
                if usage.sum and usage.sum in used.columns and not _is_number(used.columns[usage.sum]):
                    self.add(
                        "doctor-column-type",
                        f"[[kinds.{kmap.name}.usage]] sum column {where}.{usage.sum} is {used.columns[usage.sum]['type']}, "
                        "not a number; name the column holding the amount",
                        kmap.name,
                    )
                self._usage_links(kmap, usage, table, inspector)
            self._privileges(kmap)
        if any(f.rule in ("doctor-missing-table", "doctor-missing-column") for f in self.findings):
            return  # reading the rows would only repeat the same problems as driver errors
        try:
            with self.connection.begin_nested():
                live = read_live(self.connection, self.mapping, with_usage=False, strict=False)
        except sa.exc.SQLAlchemyError as error:
            from billing_config.db.connect import describe_error

            self.add("doctor-live-value", f"reading the mapped rows failed: {describe_error(error, self.connection.engine.url)}")
            return
        for problem in live.problems:
            self.add("doctor-live-value", f"{problem.describe()}", problem.kind)

    def _usage_links(self, kmap: KindMap, usage: UsageMap, table: _Table, inspector: Any) -> None:
        """A usage's via column on the kind's table, and its through table and columns."""
        if usage.via and usage.via not in table.columns:
            self.add("doctor-missing-column", f"[[kinds.{kmap.name}.usage]] via column {kmap.qualified}.{usage.via} does not exist", kmap.name)
        if usage.through is None:
            return
        name = usage.through.table
        middle = _reflect(inspector, self.connection, name.schema, name.name)
        if middle is None:
            self.add("doctor-missing-table", f"[[kinds.{kmap.name}.usage]] through table {name.qualified} does not exist", kmap.name)
            return
        for column in (usage.through.key, usage.through.column):
            if column not in middle.columns:
                self.add("doctor-missing-column", f"[[kinds.{kmap.name}.usage]] through column {name.qualified}.{column} does not exist", kmap.name)

    def _server(self, settings: dict[str, str]) -> None:
        dialect = self.connection.dialect.name
        if dialect in ("mysql", "mariadb"):
            modes = settings.get("sql_mode", "").split(",")
            if "STRICT_TRANS_TABLES" not in modes and "STRICT_ALL_TABLES" not in modes:
                self.add(
                    "doctor-sql-mode",
                    f"sql_mode is '{settings.get('sql_mode')}': without STRICT_TRANS_TABLES the server silently truncates "
                    "over-long text and turns bad values into zeros; set it (SET GLOBAL sql_mode or the server's config)",
                )
        if dialect == "postgresql":
            unqualified = [k for k in self.mapping.kinds.values() if k.schema is None]
            if unqualified and settings.get("current_schema") in (None, "None", ""):
                self.add(
                    "doctor-search-path",
                    f"search_path is '{settings.get('search_path')}', which names no existing schema, so unqualified "
                    f"tables ({', '.join(k.table for k in unqualified)}) cannot be found; qualify them (\"schema.table\")",
                )

    def _kind(self, kmap: KindMap, table: _Table) -> None:
        where = kmap.qualified
        at = f"kinds.{kmap.name}"
        for column in kmap.columns():
            if column not in table.columns:
                self.add("doctor-missing-column", f"{at}: column {where}.{column} does not exist{self._suggest(column, table)}", kmap.name)
        if table.triggers:
            self.add("doctor-trigger", f"{where} has trigger(s) {', '.join(table.triggers)}: they run on every write the tool makes; check what they do", kmap.name)
        key = table.columns.get(kmap.key)
        if key is not None and kmap.key_source == "default":
            has_default = bool(key.get("autoincrement") is True or key.get("default") or key.get("identity"))
            if not has_default and self.connection.dialect.name == "sqlite" and table.primary_key == [kmap.key]:
                has_default = _type_info(key)[0] == "integer"  # INTEGER PRIMARY KEY is the rowid
            if not has_default and not table.triggers:
                self.add(
                    "doctor-key-default",
                    f"{at}.key: {where}.{kmap.key} has no identity, auto-increment or default, so new rows get no key; "
                    'use key_source = { sequence = "NAME" } or key_source = "code"',
                    kmap.name,
                )
        self._types(kmap, table)
        covered = set(kmap.columns())
        for name, info in table.columns.items():
            if name in covered or info["nullable"] or info.get("default") is not None or info.get("identity"):
                continue
            if info.get("autoincrement") is True or (name in table.primary_key and name == kmap.key):
                continue
            self.add(
                "doctor-not-null",
                f"{at}: {where}.{name} is NOT NULL without a default and no field, where or set covers it, so inserts would fail; "
                f"map it, or add it to [kinds.{kmap.name}.set] insert = {{ {name} = ... }}",
                kmap.name,
            )

    def _types(self, kmap: KindMap, table: _Table) -> None:
        where = kmap.qualified
        if kmap.code is not None and kmap.code.column in table.columns:
            kind_of, length = _type_info(table.columns[kmap.code.column])
            if kind_of == "string" and length is not None and length < 64:
                self.add("doctor-column-length", f"kinds.{kmap.name}.code: {where}.{kmap.code.column} holds {length} characters; codes may have 64", kmap.name)
        for fmap in kmap.mapped_fields:
            column = table.columns.get(fmap.column or "")
            if column is None:
                continue
            spec = fmap.field
            at = f"kinds.{kmap.name}.fields.{spec.name}"
            kind_of, length = _type_info(column)
            if spec.references:
                continue
            if fmap.encode is not None:
                stored = [v for v in fmap.encode.values()]
                if kind_of == "string" and length is not None:
                    too_long = [v for v in stored if isinstance(v, str) and len(v) > length]
                    if too_long:
                        self.add("doctor-column-length", f"{at}: {where}.{fmap.column} holds {length} characters; the mapping writes {too_long[0]!r}", kmap.name)
                if kind_of in ("integer", "boolean") and any(isinstance(v, str) for v in stored):
                    self.add("doctor-column-type", f"{at}: {where}.{fmap.column} is {column['type']}, but the mapping writes text values", kmap.name)
                continue
            if spec.type == "string":
                needed = spec.max_length or max((len(e) for e in spec.enum or ()), default=0)
                if kind_of != "string":
                    self.add("doctor-column-type", f"{at}: {where}.{fmap.column} is {column['type']}, but {spec.name} is text", kmap.name)
                elif length is not None and needed and length < needed:
                    self.add(
                        "doctor-column-length",
                        f"{at}: {where}.{fmap.column} is {column['type']} ({length} characters), but {spec.name} allows {needed}; "
                        f"widen the column or the values longer than {length} will be refused",
                        kmap.name,
                    )
            elif spec.type == "boolean" and kind_of not in ("boolean", "integer"):
                self.add("doctor-column-type", f"{at}: {where}.{fmap.column} is {column['type']}; map its stored values with values = {{ true = ..., false = ... }}", kmap.name)
            elif spec.type == "integer" and kind_of != "integer":
                self.add("doctor-column-type", f"{at}: {where}.{fmap.column} is {column['type']}, but {spec.name} is a whole number", kmap.name)

    def _privileges(self, kmap: KindMap) -> None:
        if self.connection.dialect.name != "postgresql":
            return
        wanted = ["SELECT"] + (["INSERT", "UPDATE", "DELETE"] if kmap.managed else [])
        name = kmap.qualified
        missing = []
        for privilege in wanted:
            query = sa.text("SELECT has_table_privilege(CAST(:t AS text), CAST(:p AS text))")
            if not self.connection.execute(query, {"t": name, "p": privilege}).scalar():
                missing.append(privilege)
        if missing:
            self.add("doctor-privilege", f"the database user lacks {', '.join(missing)} on {name}; GRANT {', '.join(missing)} ON {name} TO the tool's user", kmap.name)

    def _suggest(self, column: str, table: _Table) -> str:
        from billing_config.findings.suggest import did_you_mean

        return did_you_mean(column, table.columns)


def run_doctor(connection: sa.Connection, mapping: Mapping) -> DoctorReport:
    """Every check, read-only; the caller records the fingerprint when nothing failed."""
    checker = _Checker(connection, mapping)
    checker.run()
    report = DoctorReport(findings=checker.findings, tables=len(_tables_of(mapping)))
    report.fingerprint = schema_fingerprint(connection, mapping)
    return report
