"""The mapping as values: per kind, its table, key, code, scope, fields and what uses it.

Values here are already checked by the parser (``parse.py``), so the engine never meets a
half-valid mapping: every field of a kind is present, no column appears twice, and every name
that reaches SQL is an identifier the engine quotes (never text pasted into a statement). The
only SQL a mapping carries on purpose is its hooks (``[[guard]]``, ``on_change``,
``after_apply``), written by the mapping's author and run with bound parameters.

A mapping may be narrower than the config: a text column shorter than the schema allows
(``max_length``), an encoding that leaves some values out, a field the table lacks (``false``).
Such a target takes the config values it can hold and refuses the others as located findings
(``target-limit``, ``target-value``): the target narrows the config, never the reverse.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from billing_config.kinds import Field, Kind, is_valid_code

HARD = "hard"
HARD_DELETE = HARD

# How new rows get their key.
KEY_DEFAULT = "default"  # identity, auto-increment, a column default or a trigger
KEY_SEQUENCE = "sequence"  # nextval / NEXT VALUE FOR a named sequence
KEY_CODE = "code"  # the key column is the code column
KEY_MAX_PLUS_ONE = "max+1"  # one more than the largest key in the whole table, as the vendor's application does
KEY_SOURCES = (KEY_DEFAULT, KEY_SEQUENCE, KEY_CODE, KEY_MAX_PLUS_ONE)


@dataclass(frozen=True, slots=True)
class TableName:
    """A table, optionally in a schema (PostgreSQL) or another database (MariaDB); both parts
    are identifiers, quoted by the engine, so ``"Dept"`` or ``my table`` work as written."""

    name: str
    schema: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass(frozen=True, slots=True)
class Condition:
    """``column = value``, ``{ null = true|false }`` or ``{ in = [...] }``: a row's scope."""

    column: str
    value: Any = None
    null: bool | None = None  # set for { null = ... }
    choices: tuple[Any, ...] | None = None  # set for { in = [...] }

    def holds(self, stored: Any) -> bool:
        if self.null is not None:
            return (stored is None) == self.null
        if stored is None:
            return False  # SQL: NULL = x is never true
        if self.choices is not None:
            return stored in self.choices
        return bool(stored == self.value)

    @property
    def plain(self) -> Any:
        """The value a new row gets: the value itself, NULL, or the first of the list."""
        if self.null is not None:
            return None
        if self.choices is not None:
            return self.choices[0]
        return self.value

    @property
    def values(self) -> tuple[Any, ...] | None:
        """The values that satisfy it (None: { null = false }, any non-NULL value)."""
        if self.null is True:
            return (None,)
        if self.null is False:
            return None
        return self.choices if self.choices is not None else (self.value,)


@dataclass(frozen=True, slots=True)
class CodeColumn:
    """The column holding the code, stored with a reversible transform (VIP_CLIENT <-> vip-client)."""

    column: str
    case: str | None = None  # "upper" | "lower" | None (as is)
    separator: str = "-"
    max_length: int | None = None  # stated in the mapping, for offline checks

    def stored(self, code: str) -> str:
        text = code.replace("-", self.separator)
        return text.upper() if self.case == "upper" else text

    def code_of(self, stored: Any) -> str | None:
        """The code a stored value stands for, or None when it is no valid code even after the
        transform (such a row is bound to a code in the tool's own table instead)."""
        if not isinstance(stored, str):
            return None
        text = stored.lower() if self.case == "upper" else stored
        code = text.replace(self.separator, "-") if self.separator != "-" else text
        # Only a transform that reverses exactly: otherwise two stored values could share a code.
        if not is_valid_code(code) or self.stored(code) != stored:
            return None
        return code


def now_stamp() -> datetime:
    """``created``/``last_modified`` values: naive UTC to the second, stored alike on every backend."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True, slots=True)
class SetValue:
    """What a ``set``/``delete`` column gets: a literal, the current time, an increment, or a
    new random UUID (text, 36 characters) for the ``id varchar(36)`` columns many billing
    systems keep beside their record key."""

    literal: Any = None
    now: str | None = None  # "datetime" | "epoch" | "epoch_ms"
    increment: int | None = None
    uuid: bool = False

    def value(self, stamp: datetime) -> Any:
        if self.now == "datetime":
            return stamp
        if self.now in ("epoch", "epoch_ms"):
            seconds = int(stamp.replace(tzinfo=timezone.utc).timestamp())
            return seconds * 1000 if self.now == "epoch_ms" else seconds
        if self.uuid:
            import uuid

            return str(uuid.uuid4())
        return self.literal


@dataclass(frozen=True, slots=True)
class Lookup:
    """A field stored as the key of a row of another table whose ``value`` column holds the
    (encoded) value: ``availability`` as ``status_type_id`` -> ``status_type.name``."""

    table: TableName
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class FieldMap:
    """One config field: its column (None: the table has none) and how values are stored."""

    field: Field
    column: str | None
    encode: dict[Any, Any] | None = None  # config value -> stored value written
    decode: dict[Any, Any] | None = None  # stored value -> config value (every accepted one)
    null_reads: Any = None
    has_null_reads: bool = False
    via: str | None = None  # a reference stored as this column of the target, not its key
    none: Any = None  # how "no reference" is stored
    max_length: int | None = None  # the target's limit, stated in the mapping
    lookup: Lookup | None = None

    @property
    def name(self) -> str:
        return self.field.name

    def allows(self, value: Any) -> bool:
        """Whether this target can store the config value: a partial encoding leaves some out,
        and a field without a column keeps only its default."""
        if self.column is None:
            default = self.field.default
            return bool(value == default and type(value) is type(default))
        if self.encode is not None and value is not None:
            return value in self.encode
        return True


@dataclass(frozen=True, slots=True)
class Through:
    """Usage one table further: the using column holds the key of a row of ``table`` whose
    ``column`` holds this kind's key (a ticket's component, and the component's support box)."""

    table: TableName
    key: str
    column: str


class _InTable:
    """Something kept in a table, maybe of another schema: a kind's rows, a usage table."""

    __slots__ = ()
    table: str
    schema: str | None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table

    @property
    def table_name(self) -> TableName:
        return TableName(self.table, self.schema)


@dataclass(frozen=True, slots=True)
class UsageMap(_InTable):
    """What counts as using an entry: rows of ``table`` whose ``column`` points at it (by key,
    by the kind's ``via`` column, or through a second table), optionally summing a measure."""

    table: str
    schema: str | None
    column: str
    noun: str
    where: tuple[Condition, ...] = ()
    via: str | None = None  # the column of this kind's table the using column holds (else its key)
    through: Through | None = None
    sum: str | None = None  # a column of the usage table to add up (monthly charges)
    unit: str | None = None  # what the sum is in: "GBP a month"
    singular: str | None = None  # the noun for one row, when singular_of() can't derive it ("person")

    @property
    def one(self) -> str:
        """The noun for a count of 1: as the mapping states it, else derived from the plural."""
        return self.singular or singular_of(self.noun)


# Plurals no suffix rule reads back; a mapping can state any other with `singular = "..."`.
_IRREGULAR = {
    "people": "person", "children": "child", "men": "man", "women": "woman", "staff": "staff", "data": "data",
    "statuses": "status", "addresses": "address", "analyses": "analysis", "indices": "index", "series": "series",
    "uses": "use", "aliases": "alias", "bonuses": "bonus", "buses": "bus", "campuses": "campus", "viruses": "virus",
}


def singular_of(noun: str) -> str:
    """The singular of a plural noun as a reviewer reads it: "customers" -> "customer", "third
    parties" -> "third party", "sub-categories" -> "sub-category", "lines of business" -> "line of
    business", "boxes" -> "box". The last word is made singular (the word before " of ", if any);
    a word no rule knows is kept as it is."""
    head, of, tail = noun.partition(" of ")
    before, space, word = head.rpartition(" ")
    return f"{before}{space}{_singular_word(word)}{of}{tail}"


def _singular_word(word: str) -> str:
    lower = word.lower()
    prefix, _, last = lower.rpartition("-")
    if last in _IRREGULAR:
        found = _IRREGULAR[last]
        return word[: len(word) - len(last)] + (found.upper() if word.isupper() else found)
    if len(last) > 4 and last.endswith("ies"):
        return word[:-3] + ("Y" if word.isupper() else "y")
    if last.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    if len(last) > 1 and last.endswith("s") and not last.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@dataclass(frozen=True)
class KindMap(_InTable):
    kind: Kind
    table: str
    schema: str | None
    key: str
    key_source: str = KEY_DEFAULT
    sequence: TableName | None = None
    code: CodeColumn | None = None
    where: tuple[Condition, ...] = ()
    fields: tuple[FieldMap, ...] = ()
    insert_set: dict[str, SetValue] = field(default_factory=dict)
    update_set: dict[str, SetValue] = field(default_factory=dict)
    created: str | None = None  # the column that tells a re-used key from the bound row
    delete: str | dict[str, SetValue] | None = HARD
    revive: bool = False
    managed: bool = True
    usage: tuple[UsageMap, ...] = ()
    protect: tuple[tuple[Condition, ...], ...] = ()  # any one group holding marks a row protected
    on_change: tuple[str, ...] = ()  # SQL run for each row created, updated or deleted

    @property
    def name(self) -> str:
        return self.kind.name

    @property
    def mapped_fields(self) -> tuple[FieldMap, ...]:
        return _mapped(self)

    @property
    def unmapped_fields(self) -> tuple[FieldMap, ...]:
        return tuple(f for f in self.fields if f.column is None)

    @property
    def field_map(self) -> dict[str, FieldMap]:
        return _field_map(self)

    @property
    def soft_delete(self) -> dict[str, SetValue] | None:
        return self.delete if isinstance(self.delete, dict) else None

    def protect_columns(self) -> list[str]:
        return list(dict.fromkeys(c.column for group in self.protect for c in group))

    def is_protected(self, stored: dict[str, Any]) -> bool:
        return any(all(c.holds(stored.get(c.column)) for c in group) for group in self.protect)

    def columns(self) -> list[str]:
        """Every column of the table the mapping names (for doctor)."""
        names = [self.key]
        if self.code is not None:
            names.append(self.code.column)
        names += [f.column for f in self.mapped_fields if f.column]
        names += [c.column for c in self.where]
        names += list(self.insert_set) + list(self.update_set)
        if isinstance(self.delete, dict):
            names += list(self.delete)
        if self.created:
            names.append(self.created)
        names += self.protect_columns()
        return list(dict.fromkeys(names))


# KindMap is frozen: these per-row hot paths are computed once and kept in its __dict__.
def _mapped(kmap: KindMap) -> tuple[FieldMap, ...]:
    found = kmap.__dict__.get("_mapped")
    if found is None:
        found = tuple(f for f in kmap.fields if f.column is not None)
        object.__setattr__(kmap, "_mapped", found)
    return found


def _field_map(kmap: KindMap) -> dict[str, FieldMap]:
    found = kmap.__dict__.get("_field_map")
    if found is None:
        found = {f.name: f for f in kmap.fields}
        object.__setattr__(kmap, "_field_map", found)
    return found


@dataclass(frozen=True, slots=True)
class Guard:
    """A count that must be 0 before apply writes (a bill run in progress), and what to say."""

    sql: str
    message: str


@dataclass(frozen=True)
class Mapping:
    kinds: dict[str, KindMap]  # in registry order
    tool_schema: str | None = None
    source: str = "the reference schema"
    is_default: bool = True
    text: str = ""  # the file's text, for the digest
    guards: tuple[Guard, ...] = ()
    after_apply: tuple[str, ...] = ()
    # key path -> (line, column) in the file, for located findings (mapping/positions.py)
    positions: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16] if self.text else "default"

    def managed(self) -> list[KindMap]:
        return [k for k in self.kinds.values() if k.managed]

    def get(self, kind: str) -> KindMap | None:
        return self.kinds.get(kind)

    def where_is(self, path: str) -> tuple[int, int]:
        """The line and column of a key path (or its nearest parent) in the mapping file."""
        from billing_config.mapping.positions import Positions

        return Positions(self.positions).of(path)

    def hooks(self) -> list[str]:
        """Every statement of the mapping's own SQL, as plan lists them."""
        statements = [f"guard: {guard.sql}" for guard in self.guards]
        statements += [f"on_change ({kmap.name}): {sql}" for kmap in self.kinds.values() for sql in kmap.on_change]
        statements += [f"after_apply: {sql}" for sql in self.after_apply]
        return statements
