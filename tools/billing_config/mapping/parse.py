"""Mapping files (TOML) -> :class:`Mapping`, with every problem located and explained.

A mapping is written once by a person reading their vendor's schema, so a mistake must say
where it is (the file and the key path, ``kinds.statuses.fields.is_billable``), what is wrong
and what to write instead. All problems are collected and reported together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from billing_config.mapping.model import (
    HARD, CodeColumn, Condition, FieldMap, KindMap, Mapping, SetValue, UsageMap,
)
from billing_config.errors import UserError
from billing_config.findings.suggest import did_you_mean
from billing_config.kinds import KINDS_BY_NAME, Field, Kind

_KIND_KEYS = ("table", "key", "key_source", "code", "where", "set", "delete", "revive", "managed", "fields", "usage", "protect")
_NOW_KINDS = ("datetime", "epoch", "epoch_ms")


class MappingInvalid(UserError):
    """A mapping file that does not parse or does not fit the kinds; every problem listed."""

    def __init__(self, source: str, problems: list[str]) -> None:
        # One detail line per problem, each escaped whole when printed: a key may hold anything.
        super().__init__(
            f"the mapping {source} has {len(problems)} problem(s):", details=[f"{source}: {problem}" for problem in problems]
        )
        self.problems = problems


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")


def _split_table(name: str) -> tuple[str | None, str]:
    schema, _, table = name.rpartition(".")
    return (schema or None), table


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
        raise MappingInvalid(source, [f"not valid TOML: {error}"]) from None
    problems = _Problems()
    for key in document:
        if key not in ("kinds", "tool"):
            problems.add(key, f"unknown table{did_you_mean(key, ('kinds', 'tool'))}; a mapping has [tool] and [kinds.KIND] tables")
    tool = document.get("tool", {})
    tool_schema = None
    if not isinstance(tool, dict):
        problems.add("tool", 'must be a table: [tool] schema = "..."')
    else:
        for key in tool:
            if key != "schema":
                problems.add(f"tool.{key}", f"unknown key{did_you_mean(key, ('schema',))}; [tool] only has schema")
        tool_schema = tool.get("schema")
        if tool_schema is not None and (not isinstance(tool_schema, str) or not tool_schema):
            problems.add("tool.schema", 'must be the name of a schema (PostgreSQL) or database (MariaDB), e.g. schema = "billing_config"')
            tool_schema = None
    kinds_table = document.get("kinds", {})
    if not isinstance(kinds_table, dict) or not kinds_table:
        problems.add("kinds", "no kinds mapped; add a [kinds.KIND] table per kind this database holds, e.g. [kinds.statuses]")
        kinds_table = {}
    parsed: dict[str, KindMap] = {}
    for name, spec in kinds_table.items():
        path = f"kinds.{name}"
        kind = KINDS_BY_NAME.get(name)
        if kind is None:
            problems.add(path, f"unknown kind '{name}'{did_you_mean(name, KINDS_BY_NAME)}; kinds: {', '.join(KINDS_BY_NAME)}")
            continue
        if not isinstance(spec, dict):
            problems.add(path, f"must be a table: [kinds.{name}] with table, key and fields")
            continue
        result = _kind(kind, spec, path, problems)
        if result is not None:
            parsed[name] = result
    for kmap in parsed.values():
        for fmap in kmap.mapped_fields:
            target = fmap.field.references
            if target and kmap.managed and target not in parsed:
                problems.add(
                    f"kinds.{kmap.name}.fields.{fmap.name}",
                    f"refers to {target}, which this mapping does not list; add [kinds.{target}] "
                    f"(managed = false if the platform owns it) or write {fmap.name} = false",
                )
    if problems.items:
        raise MappingInvalid(source, problems.items)
    ordered = {name: parsed[name] for name in KINDS_BY_NAME if name in parsed}
    return Mapping(kinds=ordered, tool_schema=tool_schema, source=source, is_default=False, text=text)


def _column_name(value: Any, path: str, problems: _Problems, what: str = "a column name") -> str | None:
    if isinstance(value, str) and value and "\x00" not in value:
        return value
    problems.add(path, f"must be {what} (text), not {value!r}")
    return None


def _condition(column: str, value: Any, path: str, problems: _Problems) -> Condition | None:
    if isinstance(value, dict):
        if set(value) == {"null"} and isinstance(value["null"], bool):
            return Condition(column, null=value["null"])
        if set(value) == {"in"} and isinstance(value["in"], list) and value["in"]:
            return Condition(column, choices=tuple(value["in"]))
        problems.add(path, "a condition is a value, { null = true|false } or { in = [value, ...] }")
        return None
    if isinstance(value, list):
        problems.add(path, f"a list of values is written {{ in = {value!r} }}")
        return None
    return Condition(column, value=value)


def _conditions(spec: Any, path: str, problems: _Problems) -> tuple[Condition, ...]:
    if spec is None:
        return ()
    if not isinstance(spec, dict):
        problems.add(path, 'must be a table of column = condition, e.g. where = { tenant_id = 1, deleted = "N" }')
        return ()
    result = []
    for column, value in spec.items():
        condition = _condition(column, value, f"{path}.{column}", problems)
        if condition is not None:
            result.append(condition)
    return tuple(result)


def _set_value(value: Any, path: str, problems: _Problems) -> SetValue | None:
    if isinstance(value, dict):
        if set(value) == {"now"} and value["now"] in _NOW_KINDS:
            return SetValue(now=value["now"])
        if set(value) == {"increment"} and isinstance(value["increment"], int) and not isinstance(value["increment"], bool):
            return SetValue(increment=value["increment"])
        problems.add(path, 'write a literal, { now = "datetime" | "epoch" | "epoch_ms" } or { increment = 1 }')
        return None
    return SetValue(literal=value)


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
            problems.add(path, f"{field.name} is a whole number; '{key}' is not one")
            return False, None
    if field.enum is not None and key not in field.enum:
        problems.add(path, f"'{key}' is not a value of {field.name}{did_you_mean(key, field.enum)}; values: {', '.join(field.enum)}")
        return False, None
    return True, key


def _parse_null_value(field: Field, value: Any, path: str, problems: _Problems) -> Any:
    expected = {"boolean": bool, "integer": int, "string": str}[field.type]
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        problems.add(path, f"null = V reads NULL as V, a value of {field.name} ({field.type})")
    return value


def _field(kind: Kind, field: Field, spec: Any, path: str, problems: _Problems) -> FieldMap | None:
    if spec is False:
        return FieldMap(field, None)
    if isinstance(spec, str):
        return FieldMap(field, _column_name(spec, path, problems))
    if not isinstance(spec, dict):
        problems.add(path, f'write {field.name} = "COLUMN", {field.name} = {{ column = "COLUMN", values = {{...}} }} or {field.name} = false')
        return None
    allowed = ("column", "values", "null", "via", "none", "lookup")
    for key in spec:
        if key not in allowed:
            problems.add(f"{path}.{key}", f"unknown key{did_you_mean(key, allowed)}; a field has {', '.join(allowed)}")
    if "lookup" in spec:
        problems.add(f"{path}.lookup", "lookup tables are not supported yet; map the column with values = {...}")
    column = _column_name(spec.get("column"), f"{path}.column", problems)
    encode: dict[Any, Any] | None = None
    decode: dict[Any, Any] | None = None
    null_reads: Any = None
    has_null = False
    if "null" in spec:
        null_reads, has_null = _parse_null_value(field, spec["null"], f"{path}.null", problems), True
    if "values" in spec:
        values = spec["values"]
        if field.references:
            problems.add(f"{path}.values", f"{field.name} is a reference; its column holds the target's key or its via column")
        elif not isinstance(values, dict):
            problems.add(f"{path}.values", 'must be a table: values = { true = "Y", false = ["N", "n"] }')
        else:
            encode, decode = {}, {}
            for key, stored in values.items():
                if key == "null":
                    null_reads, has_null = _parse_null_value(field, stored, f"{path}.values.null", problems), True
                    continue
                ok, config_value = _config_value(field, key, f"{path}.values.{key}", problems)
                if not ok:
                    continue
                options = stored if isinstance(stored, list) else [stored]
                if not options or any(isinstance(o, (dict, list)) for o in options):
                    problems.add(f"{path}.values.{key}", 'a stored value, or a list whose first item is written: ["Y", "y"]')
                    continue
                encode[config_value] = options[0]
                for option in options:
                    if option in decode and decode[option] != config_value:
                        problems.add(f"{path}.values.{key}", f"stored value {option!r} already reads as {decode[option]!r}")
                    decode[option] = config_value
            needed: tuple[Any, ...] = ()
            if field.type == "boolean":
                needed = (True, False)
            elif field.enum is not None:
                needed = field.enum
            missing = [n for n in needed if n not in encode]
            if missing:
                shown = ", ".join("true" if m is True else "false" if m is False else str(m) for m in missing)
                problems.add(f"{path}.values", f"no stored value for {shown}; every value {field.name} may take needs one")
            if field.type == "string" and field.enum is None:
                problems.add(f"{path}.values", f"{field.name} is free text; map it to a column without values")
    via = spec.get("via")
    if via is not None:
        if not field.references:
            problems.add(f"{path}.via", f"{field.name} is not a reference; via names the target's column a reference holds")
            via = None
        else:
            via = _column_name(via, f"{path}.via", problems)
    if "none" in spec and not field.references:
        problems.add(f"{path}.none", f"{field.name} is not a reference; none says how 'no reference' is stored")
    return FieldMap(field, column, encode, decode, null_reads, has_null, via, spec.get("none"))


def _kind(kind: Kind, spec: dict[str, Any], path: str, problems: _Problems) -> KindMap | None:
    start = len(problems.items)
    for item_key in spec:
        if item_key not in _KIND_KEYS:
            problems.add(f"{path}.{item_key}", f"unknown key{did_you_mean(item_key, _KIND_KEYS)}; a kind has {', '.join(_KIND_KEYS)}")
    if "protect" in spec:
        problems.add(f"{path}.protect", "protect is not supported yet; remove it (and keep such rows out of scope with where)")
    table_name = _column_name(spec.get("table"), f"{path}.table", problems, 'the table name, e.g. table = "cust_status" or "safe.cust_status"')
    schema, table = _split_table(table_name or "")
    where = _conditions(spec.get("where"), f"{path}.where", problems)
    where_columns = {c.column for c in where}
    key_spec = spec.get("key")
    key: str | None = None
    if isinstance(key_spec, list):
        free = [k for k in key_spec if not isinstance(k, str) or k not in where_columns]
        if len(free) != 1 or not all(isinstance(k, str) for k in key_spec):
            problems.add(f"{path}.key", "a list of key columns needs all but one fixed by where")
        else:
            key = free[0]
    else:
        key = _column_name(key_spec, f"{path}.key", problems, 'the primary-key column, e.g. key = "status_id"')
    source = spec.get("key_source", "default")
    sequence = None
    if isinstance(source, dict) and set(source) == {"sequence"} and isinstance(source["sequence"], str):
        sequence, source = source["sequence"], "sequence"
    elif source not in ("default", "code"):
        problems.add(f"{path}.key_source", 'write "default" (identity, auto-increment, default or trigger), { sequence = "NAME" } or "code"')
    code_spec = spec.get("code")
    code: CodeColumn | None = None
    if isinstance(code_spec, str):
        code = CodeColumn(code_spec)
    elif isinstance(code_spec, dict):
        for k in code_spec:
            if k not in ("column", "case", "separator"):
                problems.add(f"{path}.code.{k}", f"unknown key{did_you_mean(k, ('column', 'case', 'separator'))}")
        code_column = _column_name(code_spec.get("column"), f"{path}.code.column", problems)
        case = code_spec.get("case")
        separator = code_spec.get("separator", "-")
        if case not in (None, "upper", "lower"):
            problems.add(f"{path}.code.case", 'write case = "upper" or case = "lower"')
        if not isinstance(separator, str) or len(separator) != 1 or separator.isalnum():
            problems.add(f"{path}.code.separator", 'one punctuation character, e.g. separator = "_"')
        if code_column:
            code = CodeColumn(code_column, case if case in ("upper", "lower") else None, separator if isinstance(separator, str) else "-")
    elif code_spec is not None:
        problems.add(f"{path}.code", 'write code = "COLUMN", code = { column = "COLUMN", case = "upper", separator = "_" }, or leave it out')
    if source == "code" and (code is None or code.column != key):
        problems.add(f"{path}.key_source", 'key_source = "code" needs code naming the key column')
    managed = spec.get("managed", kind.managed)
    if not isinstance(managed, bool):
        problems.add(f"{path}.managed", "write managed = true or managed = false")
        managed = True
    revive = spec.get("revive", False)
    if not isinstance(revive, bool):
        problems.add(f"{path}.revive", "write revive = true or revive = false")
    insert_set: dict[str, SetValue] = {}
    update_set: dict[str, SetValue] = {}
    created: str | None = None
    set_spec = spec.get("set", {})
    if not isinstance(set_spec, dict):
        problems.add(f"{path}.set", 'must be a table: [kinds.KIND.set] created = "COLUMN", insert = {...}, update = {...}')
        set_spec = {}
    for key_name, value in set_spec.items():
        where_at = f"{path}.set.{key_name}"
        if key_name in ("created", "last_modified"):
            stamp_column = _column_name(value, where_at, problems)
            if stamp_column:
                insert_set[stamp_column] = SetValue(now="datetime")
                if key_name == "created":
                    created = stamp_column
                else:
                    update_set[stamp_column] = SetValue(now="datetime")
        elif key_name in ("insert", "update"):
            if not isinstance(value, dict):
                problems.add(where_at, f"must be a table of column = value: {key_name} = {{ created_by = \"billing-config\" }}")
                continue
            for column, item in value.items():
                parsed = _set_value(item, f"{where_at}.{column}", problems)
                if parsed is not None:
                    (insert_set if key_name == "insert" else update_set)[column] = parsed
        else:
            problems.add(where_at, f"unknown key{did_you_mean(key_name, ('created', 'last_modified', 'insert', 'update'))}")
    delete_spec = spec.get("delete")
    delete: str | dict[str, SetValue] | None = None
    if delete_spec == HARD:
        delete = HARD
    elif isinstance(delete_spec, dict) and delete_spec:
        delete = {}
        for column, item in delete_spec.items():
            if isinstance(item, dict) and item == {"now": True}:
                delete[column] = SetValue(now="datetime")
            elif isinstance(item, dict) and item == {"null": True}:
                delete[column] = SetValue(literal=None)
            elif isinstance(item, dict):
                problems.add(f"{path}.delete.{column}", "write a value, { now = true } or { null = true }")
            else:
                delete[column] = SetValue(literal=item)
        by_column = {c.column: c for c in where}
        leaves = any(
            column in by_column and not by_column[column].holds(None if value.now else value.literal)
            for column, value in delete.items()
        )
        if not leaves:
            problems.add(f"{path}.delete", "a soft delete must write a value that fails where (so the row leaves scope); add that column to where")
    elif delete_spec is not None:
        problems.add(f"{path}.delete", 'write delete = "hard", delete = { COLUMN = value }, or leave it out (deletes refused)')
    fields_spec = spec.get("fields")
    fields: list[FieldMap] = []
    if not isinstance(fields_spec, dict):
        problems.add(f"{path}.fields", f"missing: [kinds.{kind.name}.fields] maps every field of the kind to a column (or false)")
        fields_spec = {}
    for name in fields_spec:
        if name not in kind.field_map:
            problems.add(f"{path}.fields.{name}", f"{kind.name} has no field '{name}'{did_you_mean(name, kind.field_names)}")
    for field in kind.fields:
        if name_missing := field.name not in fields_spec:
            if fields_spec or "fields" in spec:
                problems.add(f"{path}.fields.{field.name}", f'not mapped; write {field.name} = "COLUMN", or {field.name} = false if the table has no such column')
        if not name_missing:
            fmap = _field(kind, field, fields_spec[field.name], f"{path}.fields.{field.name}", problems)
            if fmap is not None:
                fields.append(fmap)
    name_map = next((f for f in fields if f.name == "name"), None)
    if name_map is not None and name_map.column is None:
        problems.add(f"{path}.fields.name", "name must be mapped to a column: it is how rows are shown and adopted")
    usage: list[UsageMap] = []
    usage_spec = spec.get("usage", [])
    if not isinstance(usage_spec, list):
        problems.add(f"{path}.usage", "write [[kinds.KIND.usage]] tables: table, column, noun, optional where")
        usage_spec = []
    for index, item in enumerate(usage_spec):
        at = f"{path}.usage[{index}]"
        if not isinstance(item, dict):
            problems.add(at, "must be a table with table, column, noun")
            continue
        for k in item:
            if k not in ("table", "column", "noun", "where"):
                problems.add(f"{at}.{k}", f"unknown key{did_you_mean(k, ('table', 'column', 'noun', 'where'))}")
        u_table = _column_name(item.get("table"), f"{at}.table", problems, "the table name")
        u_column = _column_name(item.get("column"), f"{at}.column", problems)
        noun = item.get("noun", "rows")
        if not isinstance(noun, str) or not noun:
            problems.add(f"{at}.noun", 'the plural a reviewer reads, e.g. noun = "customers"')
            noun = "rows"
        if u_table and u_column:
            u_schema, u_name = _split_table(u_table)
            usage.append(UsageMap(u_name, u_schema, u_column, noun, _conditions(item.get("where"), f"{at}.where", problems)))
    # A column in at most one of where, set and fields.
    seen: dict[str, str] = {}
    owners = [(c.column, "where") for c in where] + [(c, "set") for c in {**insert_set, **update_set}] + [
        (f.column, "fields") for f in fields if f.column
    ]
    for column, owner in owners:
        if column in seen and not (seen[column] == owner == "set"):
            problems.add(f"{path}", f"column '{column}' appears in both {seen[column]} and {owner}; a column belongs to one of where, set and fields")
        seen.setdefault(column, owner)
    if len(problems.items) > start or table_name is None or key is None:
        return None
    return KindMap(
        kind=kind, table=table, schema=schema, key=key, key_source=str(source), sequence=sequence, code=code,
        where=where, fields=tuple(fields), insert_set=insert_set, update_set=update_set, created=created,
        delete=delete, revive=bool(revive), managed=managed, usage=tuple(usage),
    )
