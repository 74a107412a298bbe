"""Mapping files (TOML) -> :class:`Mapping`, with every problem located and explained.

A mapping is written once by a person reading their vendor's schema, so a mistake must say
where it is (``mapping.toml:12:1``, and the key path ``kinds.statuses.fields.is_billable``),
what is wrong and what to write instead. All problems are collected and reported together.

Every name a mapping gives (tables, schemas, columns, sequences) is an identifier: the engine
quotes it through the database's own identifier rules, so a name can hold any character but
NUL and can never become SQL. The mapping's only SQL is its hooks (``[[guard]]``,
``on_change``, ``after_apply``), which its author writes as SQL on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from billing_config.errors import UserError
from billing_config.findings.suggest import did_you_mean
from billing_config.kinds import KINDS_BY_NAME, Field, Kind
from billing_config.mapping.model import (
    HARD, KEY_CODE, KEY_DEFAULT, KEY_MAX_PLUS_ONE, KEY_SEQUENCE, CodeColumn, Condition, FieldMap, Guard, KindMap,
    Lookup, Mapping, SetValue, TableName, Through, UsageMap,
)
from billing_config.mapping.positions import Positions, toml_positions

KIND_KEYS = (
    "table", "key", "key_source", "code", "where", "set", "delete", "revive", "managed", "fields", "usage", "protect",
    "on_change",
)
FIELD_KEYS = ("column", "values", "null", "via", "none", "lookup", "max_length")
USAGE_KEYS = ("table", "column", "noun", "singular", "where", "via", "through", "sum", "unit")
TOP_KEYS = ("kinds", "tool", "guard", "after_apply")
_NOW_KINDS = ("datetime", "epoch", "epoch_ms")
# PostgreSQL keeps 63 bytes of a name and MariaDB 64 characters: a longer one is a typo, and
# PostgreSQL would silently cut it to another name.
MAX_IDENTIFIER = 63


@dataclass(frozen=True, slots=True)
class Problem:
    path: str  # the key path, e.g. kinds.statuses.fields.name
    message: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class MappingInvalid(UserError):
    """A mapping file that does not parse or does not fit the kinds; every problem listed."""

    def __init__(self, source: str, located: list[Problem]) -> None:
        # One detail line per problem, each escaped whole when printed: a key may hold anything.
        super().__init__(
            f"the mapping {source} has {len(located)} problem(s):",
            details=[f"{source}:{p.line}:{p.column}: {p}" for p in located],
        )
        self.located = located
        self.problems = [str(p) for p in located]


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append((path, message))

    def __len__(self) -> int:
        return len(self.items)


def shown(value: Any) -> str:
    """A value from the file, quoted for a message: control characters and line breaks escaped."""
    return repr(value) if isinstance(value, str) else repr(value)[:80]


def load_mapping(path: Path) -> Mapping:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UserError(f"cannot read the mapping {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise UserError(f"the mapping {path} is not UTF-8 text") from None
    return parse_mapping(text, str(path))


def parse_mapping(text: str, source: str) -> Mapping:
    import tomllib

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line, column = _decode_error_position(str(error))
        raise MappingInvalid(source, [Problem("(file)", f"not valid TOML: {error}", line, column)]) from None
    positions = toml_positions(text)
    problems = _Problems()
    for key in document:
        if key not in TOP_KEYS:
            problems.add(key, f"unknown table{did_you_mean(key, TOP_KEYS)}; a mapping has [tool], [kinds.KIND], [[guard]] and [[after_apply]]")
    tool_schema = _tool(document.get("tool", {}), problems)
    parsed = _kinds(document.get("kinds", {}), problems)
    guards, after_apply = _top_hooks(document, problems)
    _check_references(parsed, problems)
    _check_overlapping_scopes(parsed, problems)
    if problems.items:
        raise MappingInvalid(source, _locate(problems, positions))
    ordered = {name: parsed[name] for name in KINDS_BY_NAME if name in parsed}
    return Mapping(
        kinds=ordered, tool_schema=tool_schema, source=source, is_default=False, text=text,
        guards=guards, after_apply=after_apply, positions=positions.keys,
    )


def _decode_error_position(message: str) -> tuple[int, int]:
    import re

    found = re.search(r"line (\d+), column (\d+)", message)
    return (int(found.group(1)), int(found.group(2))) if found else (1, 1)


def _locate(problems: _Problems, positions: Positions) -> list[Problem]:
    located = [Problem(path, message, *positions.of(path)) for path, message in problems.items]
    return sorted(located, key=lambda p: (p.line, p.column))


def _tool(tool: Any, problems: _Problems) -> str | None:
    if not isinstance(tool, dict):
        problems.add("tool", 'must be a table: [tool] schema = "..."')
        return None
    for key in tool:
        if key != "schema":
            problems.add(f"tool.{key}", f"unknown key{did_you_mean(key, ('schema',))}; [tool] only has schema")
    schema = tool.get("schema")
    if schema is None:
        return None
    return _identifier(schema, "tool.schema", problems, 'the name of a schema (PostgreSQL) or database (MariaDB), e.g. schema = "billing_config"')


def _kinds(kinds_table: Any, problems: _Problems) -> dict[str, KindMap]:
    if not isinstance(kinds_table, dict) or not kinds_table:
        problems.add("kinds", "no kinds mapped; add a [kinds.KIND] table per kind this database holds, e.g. [kinds.statuses]")
        return {}
    parsed: dict[str, KindMap] = {}
    for name, spec in kinds_table.items():
        path = f"kinds.{name}"
        kind = KINDS_BY_NAME.get(name)
        if kind is None:
            problems.add(path, f"unknown kind {shown(name)}{did_you_mean(name, KINDS_BY_NAME)}; kinds: {', '.join(KINDS_BY_NAME)}")
            continue
        if not isinstance(spec, dict):
            problems.add(path, f"must be a table: [kinds.{name}] with table, key and fields")
            continue
        result = _kind(kind, spec, path, problems)
        if result is not None:
            parsed[name] = result
    return parsed


def _check_references(parsed: dict[str, KindMap], problems: _Problems) -> None:
    for kmap in parsed.values():
        for fmap in kmap.mapped_fields:
            target = fmap.field.references
            if target and kmap.managed and target not in parsed:
                problems.add(
                    f"kinds.{kmap.name}.fields.{fmap.name}",
                    f"refers to {target}, which this mapping does not list; add [kinds.{target}] "
                    f"(managed = false if the platform owns it) or write {fmap.name} = false",
                )


def scopes_overlap(first: tuple[Condition, ...], second: tuple[Condition, ...]) -> bool:
    """Whether some row could satisfy both scopes: only a column both constrain, with no value
    in common, tells them apart (compared exactly; doctor compares under the column's collation)."""
    theirs = {c.column: c for c in second}
    for condition in first:
        other = theirs.get(condition.column)
        if other is not None and conditions_disjoint(condition, other):
            return False
    return True


def conditions_disjoint(first: Condition, second: Condition, key: Any = None) -> bool:
    """No stored value satisfies both (``key`` maps a value to what the column compares)."""
    norm = key or (lambda value: value)
    a, b = first.values, second.values
    if a is None or b is None:  # { null = false }: any non-NULL value
        other = b if a is None else a
        return other is not None and all(value is None for value in other)
    return not ({norm(v) for v in a} & {norm(v) for v in b})


def _check_overlapping_scopes(parsed: dict[str, KindMap], problems: _Problems) -> None:
    by_table: dict[TableName, list[KindMap]] = {}
    for kmap in parsed.values():
        by_table.setdefault(kmap.table_name, []).append(kmap)
    for table, kmaps in by_table.items():
        for index, first in enumerate(kmaps):
            for second in kmaps[index + 1:]:
                if scopes_overlap(first.where, second.where):
                    problems.add(
                        f"kinds.{second.name}.where",
                        f"{second.name} and {first.name} both live in {table.qualified} and no where column tells their rows "
                        "apart, so one row could be both (apply would move it between them forever); give both a where "
                        'on a column whose values differ, e.g. where = { type = 1 } and where = { type = 2 }',
                    )


def _top_hooks(document: dict[str, Any], problems: _Problems) -> tuple[tuple[Guard, ...], tuple[str, ...]]:
    guards: list[Guard] = []
    for index, item in enumerate(_table_list(document.get("guard", []), "guard", problems)):
        at = f"guard[{index}]"
        _unknown_keys(item, ("sql", "message"), at, problems)
        sql = _sql(item.get("sql"), f"{at}.sql", problems)
        message = item.get("message")
        if not isinstance(message, str) or not message.strip():
            problems.add(f"{at}.message", 'say why apply must wait, e.g. message = "a bill run is in progress"')
            continue
        if sql:
            guards.append(Guard(sql, message))
    after: list[str] = []
    for index, item in enumerate(_table_list(document.get("after_apply", []), "after_apply", problems)):
        _unknown_keys(item, ("sql",), f"after_apply[{index}]", problems)
        sql = _sql(item.get("sql"), f"after_apply[{index}].sql", problems)
        if sql:
            after.append(sql)
    return tuple(guards), tuple(after)


def _table_list(value: Any, path: str, problems: _Problems) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        problems.add(path, f"write [[{path}]] tables (an array of tables)")
        return []
    return value


def _sql(value: Any, path: str, problems: _Problems) -> str | None:
    if isinstance(value, str) and value.strip() and "\x00" not in value:
        return value
    problems.add(path, 'the statement to run, e.g. sql = "SELECT COUNT(*) FROM bill_run WHERE state = \'running\'"')
    return None


def _unknown_keys(spec: dict[str, Any], allowed: tuple[str, ...], path: str, problems: _Problems) -> None:
    for key in spec:
        if key not in allowed:
            problems.add(f"{path}.{key}", f"unknown key{did_you_mean(key, allowed)}; it takes {', '.join(allowed)}")


def _identifier(value: Any, path: str, problems: _Problems, what: str = "a column name") -> str | None:
    """A table, schema, column or sequence name: any text but NUL, quoted by the engine."""
    if isinstance(value, str) and value and "\x00" not in value and len(value.encode("utf-8")) <= MAX_IDENTIFIER:
        return value
    if isinstance(value, str) and len(value.encode("utf-8")) > MAX_IDENTIFIER:
        problems.add(path, f"{shown(value[:20])}… is longer than the {MAX_IDENTIFIER} bytes a database name may have")
        return None
    problems.add(path, f"must be {what} (text), not {shown(value)}")
    return None


def _table_name(value: Any, path: str, problems: _Problems, what: str) -> TableName | None:
    """``"table"`` or ``"schema.table"``."""
    if not isinstance(value, str):
        _identifier(value, path, problems, what)
        return None
    schema, _, name = value.rpartition(".")
    if schema and _identifier(schema, path, problems, what) is None:
        return None
    if _identifier(name, path, problems, what) is None:
        return None
    return TableName(name, schema or None)


def _condition(column: str, value: Any, path: str, problems: _Problems) -> Condition | None:
    if isinstance(value, dict):
        if set(value) == {"null"} and isinstance(value["null"], bool):
            return Condition(column, null=value["null"])
        if set(value) == {"in"} and isinstance(value["in"], list) and value["in"] and _plain_values(value["in"]):
            return Condition(column, choices=tuple(value["in"]))
        problems.add(path, "a condition is a value, { null = true|false } or { in = [value, ...] }")
        return None
    if isinstance(value, list):
        problems.add(path, f"a list of values is written {{ in = {value!r} }}")
        return None
    if not _plain_values([value]):
        problems.add(path, "a condition compares text, a number or true/false; dates and times read back differently on each database")
        return None
    return Condition(column, value=value)


def _plain_values(values: list[Any]) -> bool:
    """Text, whole numbers, decimals and booleans: values every database stores and reads back
    as they were written (a TOML datetime comes back as text on SQLite and never matches)."""
    return all(isinstance(v, (str, int, float, bool)) for v in values)


def _conditions(spec: Any, path: str, problems: _Problems) -> tuple[Condition, ...]:
    if spec is None:
        return ()
    if not isinstance(spec, dict):
        problems.add(path, 'must be a table of column = condition, e.g. where = { tenant_id = 1, deleted = "N" }')
        return ()
    result = []
    for column, value in spec.items():
        name = _identifier(column, f"{path}.{column}", problems)
        condition = _condition(name, value, f"{path}.{column}", problems) if name else None
        if condition is not None:
            result.append(condition)
    return tuple(result)


def _set_value(value: Any, path: str, problems: _Problems) -> SetValue | None:
    if isinstance(value, dict):
        if set(value) == {"now"} and value["now"] in _NOW_KINDS:
            return SetValue(now=value["now"])
        if set(value) == {"increment"} and isinstance(value["increment"], int) and not isinstance(value["increment"], bool):
            return SetValue(increment=value["increment"])
        if value == {"uuid": True}:
            return SetValue(uuid=True)
        problems.add(path, 'write a literal, { now = "datetime" | "epoch" | "epoch_ms" }, { increment = 1 } or { uuid = true }')
        return None
    if not _plain_values([value]):
        problems.add(path, "a literal is text, a number or true/false")
        return None
    return SetValue(literal=value)


def _positive(value: Any, path: str, problems: _Problems, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.add(path, f"{what} is a whole number of at least 1, not {shown(value)}")
        return None
    return value


def _kind(kind: Kind, spec: dict[str, Any], path: str, problems: _Problems) -> KindMap | None:
    start = len(problems)
    _unknown_keys(spec, KIND_KEYS, path, problems)
    table = _table_name(spec.get("table"), f"{path}.table", problems, 'the table name, e.g. table = "cust_status" or "safe.cust_status"')
    where = _conditions(spec.get("where"), f"{path}.where", problems)
    key = _key(spec.get("key"), where, f"{path}.key", problems)
    code = _code(spec.get("code"), f"{path}.code", problems)
    key_source, sequence = _key_source(spec.get("key_source", KEY_DEFAULT), code, key, f"{path}.key_source", problems)
    managed = _flag(spec, "managed", kind.managed, path, problems)
    revive = _flag(spec, "revive", False, path, problems)
    insert_set, update_set, created = _sets(spec.get("set", {}), f"{path}.set", problems)
    delete = _delete(spec.get("delete"), where, f"{path}.delete", problems)
    if revive and not isinstance(delete, dict):
        problems.add(f"{path}.revive", "revive restores soft-deleted rows; it needs a soft delete: delete = { COLUMN = value }")
    fields = _fields(kind, spec, path, problems)
    usage = _usages(spec.get("usage", []), f"{path}.usage", problems)
    protect = _protect(spec.get("protect"), f"{path}.protect", problems)
    on_change = _on_change(spec.get("on_change", []), f"{path}.on_change", problems)
    _check_owners(path, where, {**insert_set, **update_set}, fields, delete, problems)
    if len(problems) > start or table is None or key is None:
        return None
    return KindMap(
        kind=kind, table=table.name, schema=table.schema, key=key, key_source=key_source, sequence=sequence, code=code,
        where=where, fields=tuple(fields), insert_set=insert_set, update_set=update_set, created=created,
        delete=delete, revive=revive, managed=managed, usage=usage, protect=protect, on_change=on_change,
    )


def _on_change(spec: Any, path: str, problems: _Problems) -> tuple[str, ...]:
    statements = []
    for index, item in enumerate(_table_list(spec, path, problems)):
        _unknown_keys(item, ("sql",), f"{path}[{index}]", problems)
        sql = _sql(item.get("sql"), f"{path}[{index}].sql", problems)
        if sql:
            statements.append(sql)
    return tuple(statements)


def _flag(spec: dict[str, Any], name: str, default: bool, path: str, problems: _Problems) -> bool:
    value = spec.get(name, default)
    if not isinstance(value, bool):
        problems.add(f"{path}.{name}", f"write {name} = true or {name} = false")
        return default
    return value


def _key(key_spec: Any, where: tuple[Condition, ...], path: str, problems: _Problems) -> str | None:
    if isinstance(key_spec, list):
        fixed = {c.column for c in where}
        free = [k for k in key_spec if not isinstance(k, str) or k not in fixed]
        if len(free) != 1 or not all(isinstance(k, str) for k in key_spec):
            problems.add(path, "a list of key columns needs all but one fixed by where")
            return None
        return _identifier(free[0], path, problems)
    return _identifier(key_spec, path, problems, 'the primary-key column, e.g. key = "status_id"')


def _key_source(source: Any, code: CodeColumn | None, key: str | None, path: str, problems: _Problems) -> tuple[str, TableName | None]:
    if isinstance(source, dict) and set(source) == {"sequence"}:
        sequence = _table_name(source["sequence"], f"{path}.sequence", problems, 'a sequence name, e.g. { sequence = "status_seq" }')
        return KEY_SEQUENCE, sequence
    if source == KEY_CODE:
        if code is None or code.column != key:
            problems.add(path, 'key_source = "code" needs code naming the key column')
        return KEY_CODE, None
    if source in (KEY_DEFAULT, KEY_MAX_PLUS_ONE):
        return str(source), None
    problems.add(
        path,
        'write "default" (identity, auto-increment, default or trigger), "max+1" (the application picks one more than '
        'the largest key), { sequence = "NAME" } or "code"',
    )
    return KEY_DEFAULT, None


def _code(code_spec: Any, path: str, problems: _Problems) -> CodeColumn | None:
    if code_spec is None:
        return None
    if isinstance(code_spec, str):
        column = _identifier(code_spec, path, problems)
        return CodeColumn(column) if column else None
    if not isinstance(code_spec, dict):
        problems.add(path, 'write code = "COLUMN", code = { column = "COLUMN", case = "upper", separator = "_" }, or leave it out')
        return None
    _unknown_keys(code_spec, ("column", "case", "separator", "max_length"), path, problems)
    column = _identifier(code_spec.get("column"), f"{path}.column", problems)
    case = code_spec.get("case")
    separator = code_spec.get("separator", "-")
    if case not in (None, "upper", "lower"):
        problems.add(f"{path}.case", 'write case = "upper" or case = "lower"')
        case = None
    if not isinstance(separator, str) or len(separator) != 1 or separator.isalnum():
        problems.add(f"{path}.separator", 'one punctuation character, e.g. separator = "_"')
        separator = "-"
    limit = _positive(code_spec.get("max_length"), f"{path}.max_length", problems, "max_length")
    return CodeColumn(column, case, separator, limit) if column else None


def _sets(set_spec: Any, path: str, problems: _Problems) -> tuple[dict[str, SetValue], dict[str, SetValue], str | None]:
    insert_set: dict[str, SetValue] = {}
    update_set: dict[str, SetValue] = {}
    created: str | None = None
    if not isinstance(set_spec, dict):
        problems.add(path, 'must be a table: [kinds.KIND.set] created = "COLUMN", insert = {...}, update = {...}')
        return insert_set, update_set, created
    for key_name, value in set_spec.items():
        where_at = f"{path}.{key_name}"
        if key_name in ("created", "last_modified"):
            column = _identifier(value, where_at, problems)
            if column:
                insert_set[column] = SetValue(now="datetime")
                if key_name == "created":
                    created = column
                else:
                    update_set[column] = SetValue(now="datetime")
        elif key_name in ("insert", "update"):
            if not isinstance(value, dict):
                problems.add(where_at, f'must be a table of column = value: {key_name} = {{ created_by = "billing-config" }}')
                continue
            for column, item in value.items():
                name = _identifier(column, f"{where_at}.{column}", problems)
                parsed = _set_value(item, f"{where_at}.{column}", problems)
                if name and parsed is not None:
                    if parsed.uuid and key_name == "update":
                        problems.add(f"{where_at}.{column}", "{ uuid = true } gives a new row its identifier; it belongs in insert")
                        continue
                    if parsed.increment is not None and key_name == "insert":
                        problems.add(f"{where_at}.{column}", "{ increment = N } adds to the row's value; a new row has none: write a literal in insert")
                        continue
                    (insert_set if key_name == "insert" else update_set)[name] = parsed
        else:
            problems.add(where_at, f"unknown key{did_you_mean(key_name, ('created', 'last_modified', 'insert', 'update'))}")
    return insert_set, update_set, created


def _delete(delete_spec: Any, where: tuple[Condition, ...], path: str, problems: _Problems) -> str | dict[str, SetValue] | None:
    if delete_spec is None:
        return None
    if delete_spec == HARD:
        return HARD
    if not isinstance(delete_spec, dict) or not delete_spec:
        problems.add(path, 'write delete = "hard", delete = { COLUMN = value }, or leave it out (deletes refused)')
        return None
    delete: dict[str, SetValue] = {}
    for column, item in delete_spec.items():
        name = _identifier(column, f"{path}.{column}", problems)
        if name is None:
            continue
        if isinstance(item, dict) and item == {"now": True}:
            delete[name] = SetValue(now="datetime")
        elif isinstance(item, dict) and item == {"null": True}:
            delete[name] = SetValue(literal=None)
        elif isinstance(item, dict) or not _plain_values([item]):
            problems.add(f"{path}.{column}", "write a value, { now = true } or { null = true }")
        else:
            delete[name] = SetValue(literal=item)
    if not leaves_scope(delete, where):
        problems.add(path, "a soft delete must write a value that fails where (so the row leaves scope); add that column to where")
    return delete


_WRITTEN_TIME = object()  # what { now = true } writes: some non-NULL value


def leaves_scope(delete: dict[str, SetValue], where: tuple[Condition, ...], key: Any = None) -> bool:
    """Whether the values a soft delete writes take the row out of ``where`` (``key`` maps a
    stored value to what the column compares, for doctor's collation-aware check)."""
    norm = key or (lambda value: value)
    by_column = {c.column: c for c in where}
    for column, value in delete.items():
        condition = by_column.get(column)
        if condition is None:
            continue
        written = _WRITTEN_TIME if value.now else value.literal
        if written is _WRITTEN_TIME:
            if condition.null is True:
                return True
            continue  # a time never equals the where's text or number
        allowed = condition.values
        if allowed is None:
            if written is None:
                return True
            continue
        if norm(written) not in {norm(v) for v in allowed}:
            return True
    return False


def _fields(kind: Kind, spec: dict[str, Any], path: str, problems: _Problems) -> list[FieldMap]:
    fields_spec = spec.get("fields")
    if not isinstance(fields_spec, dict):
        problems.add(f"{path}.fields", f"missing: [kinds.{kind.name}.fields] maps every field of the kind to a column (or false)")
        return []
    for name in fields_spec:
        if name not in kind.field_map:
            problems.add(f"{path}.fields.{name}", f"{kind.name} has no field {shown(name)}{did_you_mean(name, kind.field_names)}")
    fields: list[FieldMap] = []
    for field in kind.fields:
        at = f"{path}.fields.{field.name}"
        if field.name not in fields_spec:
            problems.add(at, f'not mapped; write {field.name} = "COLUMN", or {field.name} = false if the table has no such column')
            continue
        fmap = _field(field, fields_spec[field.name], at, problems)
        if fmap is not None:
            fields.append(fmap)
    name_map = next((f for f in fields if f.name == "name"), None)
    if name_map is not None and name_map.column is None:
        problems.add(f"{path}.fields.name", "name must be mapped to a column: it is how rows are shown and adopted")
    return fields


def _field(field: Field, spec: Any, path: str, problems: _Problems) -> FieldMap | None:
    if spec is False:
        return FieldMap(field, None)
    if isinstance(spec, str):
        column = _identifier(spec, path, problems)
        return FieldMap(field, column) if column else None
    if not isinstance(spec, dict):
        problems.add(path, f'write {field.name} = "COLUMN", {field.name} = {{ column = "COLUMN", values = {{...}} }} or {field.name} = false')
        return None
    _unknown_keys(spec, FIELD_KEYS, path, problems)
    column = _identifier(spec.get("column"), f"{path}.column", problems)
    null_reads: Any = None
    has_null = False
    if "null" in spec:
        null_reads, has_null = _null_value(field, spec["null"], f"{path}.null", problems), True
    encode: dict[Any, Any] | None = None
    decode: dict[Any, Any] | None = None
    if "values" in spec:
        encode, decode, null_from_values = _values(field, spec["values"], f"{path}.values", problems)
        if null_from_values is not None:
            null_reads, has_null = null_from_values[0], True
    via = _reference_option(field, spec, "via", path, problems)
    _reference_option(field, spec, "none", path, problems)
    limit = _positive(spec.get("max_length"), f"{path}.max_length", problems, "max_length")
    if limit is not None and field.type != "string":
        problems.add(f"{path}.max_length", f"{field.name} is not text; max_length states a text column's length")
    lookup = _lookup(field, spec.get("lookup"), f"{path}.lookup", problems)
    if column is None:
        return None
    return FieldMap(field, column, encode, decode, null_reads, has_null, via, spec.get("none"), limit, lookup)


def _reference_option(field: Field, spec: dict[str, Any], option: str, path: str, problems: _Problems) -> str | None:
    if option not in spec:
        return None
    if not field.references:
        what = "names the target's column a reference holds" if option == "via" else "says how 'no reference' is stored"
        problems.add(f"{path}.{option}", f"{field.name} is not a reference; {option} {what}")
        return None
    if option == "via":
        return _identifier(spec["via"], f"{path}.via", problems)
    return None


def _lookup(field: Field, spec: Any, path: str, problems: _Problems) -> Lookup | None:
    if spec is None:
        return None
    if field.references:
        problems.add(path, f"{field.name} is a reference; its column already holds the target's key")
        return None
    if not isinstance(spec, dict):
        problems.add(path, 'write lookup = { table = "status_type", key = "id", value = "name" }')
        return None
    _unknown_keys(spec, ("table", "key", "value"), path, problems)
    table = _table_name(spec.get("table"), f"{path}.table", problems, "the lookup table's name")
    key = _identifier(spec.get("key"), f"{path}.key", problems, "the lookup table's key column")
    value = _identifier(spec.get("value"), f"{path}.value", problems, "the lookup table's column holding the value")
    return Lookup(table, key, value) if table and key and value else None


def _values(field: Field, values: Any, path: str, problems: _Problems) -> tuple[dict[Any, Any] | None, dict[Any, Any] | None, tuple[Any] | None]:
    """A values table: config value -> stored value(s). It may leave values out: those are then
    invalid on this target (rule target-value), never stored as something the vendor's
    application does not know."""
    if field.references:
        problems.add(path, f"{field.name} is a reference; its column holds the target's key or its via column")
        return None, None, None
    if field.type == "string" and field.enum is None:
        problems.add(path, f"{field.name} is free text; map it to a column without values")
        return None, None, None
    if not isinstance(values, dict):
        problems.add(path, 'must be a table: values = { true = "Y", false = ["N", "n"] }')
        return None, None, None
    encode: dict[Any, Any] = {}
    decode: dict[Any, Any] = {}
    null_reads: tuple[Any] | None = None
    for key, stored in values.items():
        if key == "null":
            null_reads = (_null_value(field, stored, f"{path}.null", problems),)
            continue
        ok, config_value = _config_value(field, key, f"{path}.{key}", problems)
        if not ok:
            continue
        options = stored if isinstance(stored, list) else [stored]
        if not options or not _plain_values(options):
            problems.add(f"{path}.{key}", 'a stored value, or a list whose first item is written: ["Y", "y"]')
            continue
        encode[config_value] = options[0]
        for option in options:
            if option in decode and decode[option] != config_value:
                problems.add(f"{path}.{key}", f"stored value {shown(option)} already reads as {shown(decode[option])}")
            decode[option] = config_value
    if not encode:
        problems.add(path, f"no stored value for any value of {field.name}; map at least one")
    return encode, decode, null_reads


def _config_value(field: Field, key: str, path: str, problems: _Problems) -> tuple[bool, Any]:
    """A `values` table key (always text in TOML) as the config value it stands for."""
    if field.type == "boolean":
        if key in ("true", "false"):
            return True, key == "true"
        problems.add(path, f"{field.name} is true or false; write values = {{ true = ..., false = ... }}")
        return False, None
    if field.type == "integer":
        try:
            return True, int(key)
        except ValueError:
            problems.add(path, f"{field.name} is a whole number; {shown(key)} is not one")
            return False, None
    if field.enum is not None and key not in field.enum:
        problems.add(path, f"{shown(key)} is not a value of {field.name}{did_you_mean(key, field.enum)}; values: {', '.join(field.enum)}")
        return False, None
    return True, key


def _null_value(field: Field, value: Any, path: str, problems: _Problems) -> Any:
    expected = {"boolean": bool, "integer": int, "string": str}[field.type]
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        problems.add(path, f"null = V reads NULL as V, a value of {field.name} ({field.type})")
    return value


def _usages(usage_spec: Any, path: str, problems: _Problems) -> tuple[UsageMap, ...]:
    if not isinstance(usage_spec, list):
        problems.add(path, "write [[kinds.KIND.usage]] tables: table, column, noun, optional singular, where, via, through, sum and unit")
        return ()
    usage: list[UsageMap] = []
    for index, item in enumerate(usage_spec):
        at = f"{path}[{index}]"
        if not isinstance(item, dict):
            problems.add(at, "must be a table with table, column, noun")
            continue
        parsed = _usage(item, at, problems)
        if parsed is not None:
            usage.append(parsed)
    return tuple(usage)


def _usage(item: dict[str, Any], at: str, problems: _Problems) -> UsageMap | None:
    _unknown_keys(item, USAGE_KEYS, at, problems)
    table = _table_name(item.get("table"), f"{at}.table", problems, "the table name")
    column = _identifier(item.get("column"), f"{at}.column", problems)
    noun = item.get("noun", "rows")
    if not isinstance(noun, str) or not noun.strip() or not noun.isprintable():
        problems.add(f"{at}.noun", 'the plural a reviewer reads, e.g. noun = "customers"')
        noun = "rows"
    singular = item.get("singular")
    if singular is not None and (not isinstance(singular, str) or not singular.strip() or not singular.isprintable()):
        problems.add(f"{at}.singular", 'the noun for one row, when it is not the plural without its s: singular = "person"')
        singular = None
    via = _identifier(item["via"], f"{at}.via", problems) if "via" in item else None
    through = _through(item.get("through"), f"{at}.through", problems)
    total = _identifier(item["sum"], f"{at}.sum", problems, "the column to add up") if "sum" in item else None
    unit = item.get("unit")
    if ("sum" in item) != ("unit" in item):
        present = "sum" if "sum" in item else "unit"
        problems.add(f"{at}.{present}", 'sum and unit go together: sum = "monthly_charge", unit = "GBP a month"')
    if unit is not None and (not isinstance(unit, str) or not unit.strip() or not unit.isprintable()):
        problems.add(f"{at}.unit", 'what the sum is in, e.g. unit = "GBP a month"')
        unit = None
    where = _conditions(item.get("where"), f"{at}.where", problems)
    if table is None or column is None:
        return None
    return UsageMap(table.name, table.schema, column, noun.strip(), where, via, through, total, unit,
                    singular.strip() if singular else None)


def _through(spec: Any, path: str, problems: _Problems) -> Through | None:
    if spec is None:
        return None
    if not isinstance(spec, dict):
        problems.add(path, 'write through = { table = "component", key = "id", column = "support_id" }')
        return None
    _unknown_keys(spec, ("table", "key", "column"), path, problems)
    table = _table_name(spec.get("table"), f"{path}.table", problems, "the table in between")
    key = _identifier(spec.get("key"), f"{path}.key", problems, "its key column (what the using column holds)")
    column = _identifier(spec.get("column"), f"{path}.column", problems, "its column holding this kind's key")
    return Through(table, key, column) if table and key and column else None


def _protect(spec: Any, path: str, problems: _Problems) -> tuple[tuple[Condition, ...], ...]:
    """``protect = { id = { in = [1, 2] } }`` or a list of such tables (any one holding)."""
    if spec is None:
        return ()
    groups = spec if isinstance(spec, list) else [spec]
    result = []
    for index, group in enumerate(groups):
        at = f"{path}[{index}]" if isinstance(spec, list) else path
        if not isinstance(group, dict) or not group:
            problems.add(at, 'write protect = { COLUMN = condition }, e.g. protect = { id = { in = [1, 2, 3] } }')
            continue
        conditions = _conditions(group, at, problems)
        if conditions:
            result.append(conditions)
    return tuple(result)


def _check_owners(
    path: str, where: tuple[Condition, ...], sets: dict[str, SetValue], fields: list[FieldMap],
    delete: str | dict[str, SetValue] | None, problems: _Problems,
) -> None:
    """A column in at most one of where, set and fields (a soft delete writes a where column)."""
    seen: dict[str, str] = {}
    owners = [(c.column, "where") for c in where] + [(c, "set") for c in sets] + [(f.column, "fields") for f in fields if f.column]
    for column, owner in owners:
        if column in seen and seen[column] != owner:
            problems.add(path, f"column {shown(column)} appears in both {seen[column]} and {owner}; a column belongs to one of where, set and fields")
        seen.setdefault(column, owner)
    if isinstance(delete, dict):
        for column in delete:
            if seen.get(column) == "fields":
                problems.add(f"{path}.delete.{column}", f"column {shown(column)} is a field's column; a soft delete writes a column of where")
