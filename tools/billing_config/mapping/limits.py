"""What a target can hold: config values it cannot store are located findings, never writes.

A real schema is taken as it is, so a target may be narrower than the config: a ``varchar(30)``
name where the schema allows 100, a ``varchar(12)`` code column, a ``smallint`` position, a
``values`` table that leaves a value out, a field the table lacks (mapped ``false``), a lookup
table without a row for a value. Such a config value is refused at plan (and at apply, before
any write), on the entry's file and line: ``target-limit`` for a value too long or too large,
``target-value`` for a value the target has no way to store.

What the mapping states (``max_length``, ``values``, ``false``) is checked offline too, by
``validate --target NAME`` or ``--mapping FILE``; what only the database knows (the column's
real length, an integer's range, the lookup rows) is added by plan and apply, which pass the
catalogue's facts in as :class:`ColumnFacts`. This module imports nothing of the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from billing_config.findings import E, Finding, declare, finding
from billing_config.loader import Document
from billing_config.mapping.model import FieldMap, KindMap, Mapping, TableName

TARGET_LIMIT = declare(
    "target-limit", E, "target", "A config value is longer or larger than the target's column can hold.",
    reason="A real schema is taken as it is: the target narrows the config, never the reverse. A name longer than "
    "the vendor's varchar(30) would be refused by the database in the middle of an apply (or cut short where strict "
    "mode is off), and the tool never alters the vendor's tables.",
    mistake="# config/statuses/awaiting.yaml, on a target whose names are varchar(30)\n"
    "name: Awaiting Number Port From Donor Network",
    fix="# config/statuses/awaiting.yaml\nname: Awaiting Number Port",
)
TARGET_VALUE = declare(
    "target-value", E, "target", "A config value the target has no stored value for.",
    reason="The mapping says how each value is stored; a values table may leave some out (a two-valued 'active' "
    "column for a three-valued availability), and a field mapped false has no column at all. Inventing a stored "
    "value the vendor's application does not know would break it, so such a value is refused on that target.",
    mistake="# config/statuses/vip.yaml, on a target storing availability as active = 1 | 0\navailability: Headline",
    fix="# config/statuses/vip.yaml\navailability: Standard",
)


@dataclass(frozen=True, slots=True)
class ColumnFacts:
    """What the database says about one column, as far as the limits need it."""

    type_text: str
    length: int | None = None  # characters, for text
    range: tuple[int, int] | None = None  # for integers
    fixed: bool = False  # CHAR(n): trailing spaces do not survive


Facts = Callable[[TableName, str], "ColumnFacts | None"]


def _no_facts(_table: TableName, _column: str) -> ColumnFacts | None:
    return None


def target_findings(
    documents: Sequence[Document], mapping: Mapping, facts: Facts | None = None,
    lookups: dict[tuple[str, str], dict[Any, Any]] | None = None,
) -> list[Finding]:
    """Every config value of a kind the target writes that it cannot store, located.

    Only the fields that can fail on this target are looked at: on the reference schema, whose
    columns hold everything the schemas allow, that is none, so a 16,000-entry plan pays
    nothing here."""
    column_facts = facts or _no_facts
    checked = {kmap.name: _fields_to_check(kmap, column_facts, lookups) for kmap in mapping.managed()}
    found: list[Finding] = []
    for document in documents:
        kmap = mapping.kinds.get(document.kind)
        fields = checked.get(document.kind)
        if kmap is None or fields is None:
            continue
        found.extend(_code_findings(document, kmap, column_facts))
        if not fields:
            continue
        data = document.data
        for fmap in fields:
            value = data.get(fmap.name, fmap.field.default)
            problem = _field_problem(kmap, fmap, value, column_facts, lookups)
            if problem is not None:
                rule, message = problem
                if fmap.name not in data:
                    message += f" ({fmap.name} is left out of the file, so it takes its default; write a value this target can store)"
                line, column = document.locate((fmap.name,))
                found.append(finding(rule, document.path, line, column, message, kind=document.kind, code=document.code,
                                     json_path=f"$.{fmap.name}"))
    return found


def _fields_to_check(kmap: KindMap, facts: Facts, lookups: dict[tuple[str, str], dict[Any, Any]] | None) -> list[FieldMap]:
    """The fields of a kind that some config value could break on this target."""
    result = []
    for fmap in kmap.fields:
        spec = fmap.field
        if fmap.column is None or fmap.lookup is not None or (fmap.encode is not None and not _encodes_all(fmap)):
            result.append(fmap)
            continue
        if spec.references:
            continue
        live = facts(kmap.table_name, fmap.column)
        if fmap.encode is not None:
            continue  # every value encodes; doctor checks the stored values fit the column
        if spec.type == "string":
            widest = spec.max_length or max((len(e) for e in spec.enum or ()), default=None)
            limits = [n for n in (fmap.max_length, live.length if live else None) if n is not None]
            if (limits and (widest is None or min(limits) < widest)) or (live is not None and live.fixed):
                result.append(fmap)
        elif spec.type == "integer" and live is not None and live.range is not None:
            low, high = live.range
            if spec.minimum is None or spec.maximum is None or spec.minimum < low or spec.maximum > high:
                result.append(fmap)
    return result


def _encodes_all(fmap: FieldMap) -> bool:
    spec = fmap.field
    wanted: tuple[Any, ...] = (True, False) if spec.type == "boolean" else spec.enum or ()
    return bool(wanted) and all(value in (fmap.encode or {}) for value in wanted)


def _code_findings(document: Document, kmap: KindMap, facts: Facts) -> list[Finding]:
    if kmap.code is None:
        return []
    stored = kmap.code.stored(document.code)
    live = facts(kmap.table_name, kmap.code.column)
    limits = [n for n in (kmap.code.max_length, live.length if live else None) if n is not None]
    if not limits or len(stored) <= min(limits):
        return []
    limit = min(limits)
    message = (
        f"the code '{document.code}' (the file name) is stored as '{stored}' in {kmap.qualified}.{kmap.code.column}, "
        f"which holds {limit} characters on this target ({len(stored)} needed); codes on this target: at most {limit} "
        "characters: rename the file to a shorter code"
    )
    return [finding(TARGET_LIMIT, document.path, 1, 1, message, kind=document.kind, code=document.code)]


def _field_problem(
    kmap: KindMap, fmap: FieldMap, value: Any, facts: Facts, lookups: dict[tuple[str, str], dict[Any, Any]] | None,
) -> tuple[str, str] | None:
    name = fmap.name
    if fmap.column is None:
        if fmap.allows(value):
            return None
        return TARGET_VALUE, (
            f"{name} is {shorten(value)}, but {kmap.qualified} has no column for it (the mapping says {name} = false): "
            f"this target keeps only the default {shorten(fmap.field.default)}"
        )
    where = f"{kmap.qualified}.{fmap.column}"
    if not fmap.allows(value):
        stored = ", ".join(shorten(v) for v in (fmap.encode or {}))
        return TARGET_VALUE, f"{name} {shorten(value)} has no stored value on this target ({where} stores {stored} only); use one of those"
    if value is None or fmap.field.references:
        return None
    stored_value = fmap.encode[value] if fmap.encode is not None else value
    if fmap.lookup is not None and lookups is not None:
        known = set((lookups.get((kmap.name, name)) or {}).values())
        if stored_value not in known:
            return TARGET_VALUE, (
                f"{name} {shorten(value)} is stored through the lookup table {fmap.lookup.table.qualified}, which has no row "
                f"whose {fmap.lookup.value} is {shorten(stored_value)}; ask the platform team to add one, or use another value"
            )
        return None
    live = facts(kmap.table_name, fmap.column)
    if isinstance(stored_value, str):
        return _text_problem(name, stored_value, where, fmap.max_length, live)
    if isinstance(stored_value, int) and not isinstance(stored_value, bool) and live is not None and live.range is not None:
        low, high = live.range
        if not low <= stored_value <= high:
            return TARGET_LIMIT, f"{name} is {stored_value}; {where} is {live.type_text}, which holds {low} to {high} on this target"
    return None


def _text_problem(name: str, text: str, where: str, stated: int | None, live: ColumnFacts | None) -> tuple[str, str] | None:
    limits = [n for n in (stated, live.length if live else None) if n is not None]
    if limits and len(text) > min(limits):
        limit = min(limits)
        plural = _plural(name)
        return TARGET_LIMIT, (
            f"{name} is {len(text)} characters; {plural} on this target: at most {limit} characters ({where}); "
            "shorten it for this target"
        )
    if live is not None and live.fixed and text != text.rstrip(" "):
        return TARGET_VALUE, f"{name} ends in spaces, which {where} ({live.type_text}) does not keep; remove them"
    return None


def shorten(value: Any, limit: int = 40) -> str:
    """A value as the config file writes it (true, 30, "Standard"), cut short for a message."""
    import json

    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(field: str) -> str:
    """'name' -> 'names', 'short_name' -> 'short names', 'display_class' -> 'display classes'."""
    words = field.replace("_", " ")
    return words + ("es" if words.endswith(("s", "x", "ch", "sh")) else "s")
