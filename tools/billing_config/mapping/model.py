"""The mapping as values: per kind, its table, key, code, scope, fields and what uses it.

Values here are already checked by the parser (``parse.py``), so the engine never meets a
half-valid mapping: every field of a kind is present, every encoding covers every value the
kind's schema allows, and no column appears twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from billing_config.kinds import Field, Kind, is_valid_code

HARD = "hard"
HARD_DELETE = HARD


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


@dataclass(frozen=True, slots=True)
class CodeColumn:
    """The column holding the code, stored with a reversible transform (VIP_CLIENT <-> vip-client)."""

    column: str
    case: str | None = None  # "upper" | "lower" | None (as is)
    separator: str = "-"

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
    """What a ``set``/``delete`` column gets: a literal, the current time, or an increment."""

    literal: Any = None
    now: str | None = None  # "datetime" | "epoch" | "epoch_ms"
    increment: int | None = None

    def value(self, stamp: datetime) -> Any:
        if self.now == "datetime":
            return stamp
        if self.now in ("epoch", "epoch_ms"):
            seconds = int(stamp.replace(tzinfo=timezone.utc).timestamp())
            return seconds * 1000 if self.now == "epoch_ms" else seconds
        return self.literal


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

    @property
    def name(self) -> str:
        return self.field.name


@dataclass(frozen=True, slots=True)
class UsageMap:
    table: str
    schema: str | None
    column: str
    noun: str
    where: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class KindMap:
    kind: Kind
    table: str
    schema: str | None
    key: str
    key_source: str = "default"  # "default" | "sequence" | "code"
    sequence: str | None = None
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

    @property
    def name(self) -> str:
        return self.kind.name

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table

    @property
    def mapped_fields(self) -> tuple[FieldMap, ...]:
        return tuple(f for f in self.fields if f.column is not None)

    @property
    def unmapped_fields(self) -> tuple[FieldMap, ...]:
        return tuple(f for f in self.fields if f.column is None)

    @property
    def field_map(self) -> dict[str, FieldMap]:
        return {f.name: f for f in self.fields}

    @property
    def uses_bindings(self) -> bool:
        """True when codes may live in the tool's bindings table (no code column, or legacy codes)."""
        return True

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
        return list(dict.fromkeys(names))


@dataclass(frozen=True)
class Mapping:
    kinds: dict[str, KindMap]  # in registry order
    tool_schema: str | None = None
    source: str = "the reference schema"
    is_default: bool = True
    text: str = ""  # the file's text, for the digest

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16] if self.text else "default"

    def managed(self) -> list[KindMap]:
        return [k for k in self.kinds.values() if k.managed]

    def get(self, kind: str) -> KindMap | None:
        return self.kinds.get(kind)
