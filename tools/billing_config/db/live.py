"""The live database as values, read through the mapping: every entry of every kind by code.

One query per mapped table, one for the bindings, and one grouped count per usage table,
whatever the number of entries. Each stored value is decoded by the mapping (``'Y'`` -> true,
``3`` -> ``Historical``); a value no encoding reads, a reference to a row the tool cannot see,
or text the kind's schema would reject is a :class:`LiveProblem` naming the row and column,
never a silent NULL. References are read as keys (or ``via`` values) and turned into codes
after every table is read, so the planner compares codes with codes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from billing_config.db import sql as access
from billing_config.db.tool.bindings import Binding, key_text, read_bindings
from billing_config.db.tool.state import RecordedState, read_managed, read_recorded, read_used_allowances
from billing_config.mapping import FieldMap, KindMap, Mapping, UsageMap, default_mapping
from billing_config.errors import SchemaMissing, UserError
from billing_config.kinds import Kind


@dataclass(slots=True)
class LiveRow:
    id: Any  # the row's key (any type the vendor uses)
    code: str  # "" for a row no code is bound to yet
    values: dict[str, Any]  # every field of the kind, references as codes
    name: str = ""
    created: str | None = None
    via: dict[str, Any] = field(default_factory=dict)  # column -> value, for references by via
    legacy: Any = None  # an unbound row's stored code that is no valid code (Field_Ops)


@dataclass(frozen=True, slots=True)
class LiveProblem:
    """A live value the mapping cannot read: where it is and what to do."""

    kind: str
    table: str
    key: Any
    column: str
    message: str

    def describe(self) -> str:
        return f"{self.table} row {self.key!r}, column {self.column}: {self.message}"


@dataclass(slots=True)
class LiveState:
    rows: dict[str, dict[str, LiveRow]]  # kind name -> code -> row
    usage: dict[str, dict[str, int]] = field(default_factory=dict)  # kind name -> code -> count
    fingerprint: str = ""
    unbound: dict[str, list[LiveRow]] = field(default_factory=dict)  # rows with no code yet
    problems: list[LiveProblem] = field(default_factory=list)
    mapping: Mapping = field(default_factory=default_mapping)
    collations: dict[str, str] = field(default_factory=dict)  # kind name -> code column's collation (MariaDB)
    # kind name -> codes an apply has seen a file for (db/state.py): their missing file is a delete.
    # Bound (adopted) rows are not in it until an apply sees their files.
    managed: dict[str, set[str]] = field(default_factory=dict)
    # [[allow]] digests an apply on this target already let through (plan/allowances.py).
    used_allowances: frozenset[str] = frozenset()

    def ids(self, kind: Kind) -> dict[str, Any]:
        return {code: row.id for code, row in self.rows.get(kind.name, {}).items()}

    def count(self, kind: Kind) -> int:
        return len(self.rows.get(kind.name, {})) + len(self.unbound.get(kind.name, ()))


class LiveUnreadable(UserError):
    """Live values the mapping cannot read; plan, apply and export refuse rather than guess."""

    def __init__(self, where: str, problems: list[LiveProblem]) -> None:
        more = [f"... and {len(problems) - 50} more"] if len(problems) > 50 else []
        super().__init__(
            f"{where}: {len(problems)} live value(s) cannot be read through the mapping; nothing was changed. "
            "Fix the rows, or extend the mapping's values (run `billing-config doctor` for the full list):",
            details=[f"- {p.describe()}" for p in problems[:50]] + more,
        )
        self.problems = problems


class _Bad(Exception):
    """Internal: a stored value the field cannot read (caught in read_kind, never leaves it)."""


def _decoder(fmap: FieldMap) -> Callable[[Any], Any]:
    spec = fmap.field
    if fmap.field.references:
        none = fmap.none
        return lambda raw: None if raw is None or raw == none else raw
    null_ok = fmap.has_null_reads or spec.nullable or (spec.type == "string" and spec.default == "")
    null_value = fmap.null_reads if fmap.has_null_reads else (None if spec.nullable else spec.default)

    def on_null() -> Any:
        if not null_ok:
            raise _Bad(f"NULL, which {spec.name} cannot be; set a value or add null = V to the field's mapping")
        return null_value

    if fmap.decode is not None:
        table = fmap.decode
        shown = ", ".join(repr(v) for v in table)

        def by_table(raw: Any) -> Any:
            if raw is None:
                return on_null()
            if isinstance(raw, str) and raw not in table:
                stripped = raw.rstrip(" ")  # CHAR columns pad
                if stripped in table:
                    return table[stripped]
            try:
                return table[raw]
            except (KeyError, TypeError):
                raise _Bad(f"{raw!r} is not a value {spec.name} reads (mapped: {shown})") from None

        return by_table
    if spec.type == "boolean":
        def boolean(raw: Any) -> Any:
            if raw is True or raw is False:
                return raw
            if raw is None:
                return on_null()
            if type(raw) is int and raw in (0, 1):
                return raw == 1
            raise _Bad(f"{raw!r} is not true/false; map the stored values with values = {{ true = ..., false = ... }}")
        return boolean
    if spec.type == "integer":
        def integer(raw: Any) -> Any:
            if type(raw) is int:
                return raw
            if raw is None:
                return on_null()
            raise _Bad(f"{raw!r} is not a whole number")
        return integer
    limit, enum = spec.max_length, spec.enum

    def text(raw: Any) -> Any:
        if type(raw) is str:
            if enum is not None and raw not in enum:
                raise _Bad(f"{raw!r} is not one of {', '.join(enum)}; map the stored values with values = {{...}}")
            if limit is not None and len(raw) > limit:
                raise _Bad(f"{len(raw)} characters, longer than the {limit} {spec.name} allows")
            return raw
        if raw is None:
            return on_null()
        raise _Bad(f"{raw!r} is not text")
    return text


def via_columns(mapping: Mapping) -> dict[str, tuple[str, ...]]:
    """kind -> the columns other kinds' references hold instead of its key."""
    result: dict[str, list[str]] = {}
    for kmap in mapping.kinds.values():
        for fmap in kmap.mapped_fields:
            if fmap.field.references and fmap.via:
                result.setdefault(fmap.field.references, []).append(fmap.via)
    return {k: tuple(dict.fromkeys(v)) for k, v in result.items()}


def read_kind(
    connection: sa.Connection, kmap: KindMap, bindings: dict[str, Binding], vias: tuple[str, ...],
    problems: list[LiveProblem], *, for_update: bool = False,
) -> tuple[dict[str, LiveRow], list[LiveRow]]:
    """One query: the kind's rows in scope, references still as keys (resolved by read_live)."""
    table = access.kind_table(kmap, vias)
    fields = kmap.mapped_fields
    names = [f.name for f in fields]
    decoders = [_decoder(f) for f in fields]
    constants = {f.name: f.field.default for f in kmap.unmapped_fields}
    columns = [table.c[kmap.key], table.c[kmap.code.column] if kmap.code else sa.null(),
               table.c[kmap.created] if kmap.created else sa.null(),
               *(table.c[v] for v in vias), *(table.c[f.column or ""] for f in fields)]
    statement = sa.select(*columns).where(*access.scope(table, kmap.where))
    if for_update and connection.dialect.name != "sqlite":
        statement = statement.with_for_update()
    rows: dict[str, LiveRow] = {}
    unbound: list[LiveRow] = []
    code_column = kmap.code
    n_vias = len(vias)
    pairs = list(zip(names, decoders, [f.column or "" for f in fields], strict=True))
    for key, stored_code, created, *raw in connection.execute(statement).all():
        via = dict(zip(vias, raw[:n_vias], strict=True)) if n_vias else {}
        raw = raw[n_vias:]
        try:
            values = {name: decode(value) for (name, decode, _c), value in zip(pairs, raw)}
        except _Bad:
            for (name, decode, column), value in zip(pairs, raw):
                try:
                    decode(value)
                except _Bad as bad:
                    problems.append(LiveProblem(kmap.name, kmap.qualified, key, column, str(bad)))
            continue
        if constants:
            values.update(constants)
        created_text = None if created is None else str(created)
        row = LiveRow(id=key, code="", values=values, name=str(values.get("name", "")), created=created_text, via=via)
        binding = bindings.get(key_text(key))
        code = None
        if binding is not None and (binding.created is None or binding.created == created_text):
            code = binding.code
        elif code_column is not None:
            code = code_column.code_of(stored_code)
        if code is None:
            row.legacy = stored_code
            unbound.append(row)
            continue
        if code in rows:
            problems.append(LiveProblem(kmap.name, kmap.qualified, key, code_column.column if code_column else kmap.key,
                                        f"reads as code '{code}', as row {rows[code].id!r} does; bind one of them to another code"))
            continue
        row.code = code
        rows[code] = row
    return rows, unbound


def read_usage(connection: sa.Connection, usage: UsageMap) -> dict[Any, int]:
    """One grouped query: how many rows of a usage table point at each key."""
    table = access.usage_table(usage)
    column = table.c[usage.column]
    statement = sa.select(column, sa.func.count()).where(*access.scope(table, usage.where)).group_by(column)
    return {key: int(count) for key, count in connection.execute(statement) if key is not None}


def require_schema(connection: sa.Connection, mapping: Mapping | None = None) -> None:
    """One catalogue query per schema, so a database without the tables gets advice, not a driver error."""
    mapping = mapping or default_mapping()
    inspector = sa.inspect(connection)
    present: dict[str | None, set[str]] = {}
    missing = []
    for kmap in mapping.kinds.values():
        tables = [(kmap.schema, kmap.table)] + [(u.schema, u.table) for u in kmap.usage]
        for schema, name in tables:
            if schema not in present:
                present[schema] = set(inspector.get_table_names(schema=schema))
            if name not in present[schema]:
                missing.append(f"{schema}.{name}" if schema else name)
    if missing:
        from billing_config.db.connect import safe_url

        if mapping.is_default:
            raise SchemaMissing(safe_url(connection.engine.url), list(dict.fromkeys(missing)))
        raise UserError(
            f"{safe_url(connection.engine.url)} lacks tables the mapping {mapping.source} names: "
            f"{', '.join(dict.fromkeys(missing))}; fix the mapping's table names (run `billing-config doctor`)"
        )


def read_live_explained(engine: sa.Engine, mapping: Mapping | None = None, *, with_usage: bool = True) -> LiveState:
    """read_live in its own short transaction; if it fails because tables are missing, say so."""
    try:
        with engine.connect() as connection, connection.begin():
            return read_live(connection, mapping, with_usage=with_usage)
    except sa.exc.SQLAlchemyError:
        with engine.connect() as connection:
            require_schema(connection, mapping)
        raise


def read_live(
    connection: sa.Connection, mapping: Mapping | None = None, *, with_usage: bool = True, for_update: bool = False,
    strict: bool = True,
) -> LiveState:
    """Every mapped kind's rows. ``strict``: unreadable values raise :class:`LiveUnreadable`
    (doctor passes False to report them as findings instead)."""
    mapping = mapping or default_mapping()
    bindings = read_bindings(connection, mapping)
    vias = via_columns(mapping)
    problems: list[LiveProblem] = []
    rows_by_kind: dict[str, dict[str, LiveRow]] = {}
    unbound: dict[str, list[LiveRow]] = {}
    for kmap in mapping.kinds.values():
        rows_by_kind[kmap.name], unbound[kmap.name] = read_kind(
            connection, kmap, bindings.get(kmap.name, {}), vias.get(kmap.name, ()), problems, for_update=for_update
        )
    # key (or via value) -> code, for each kind that references point at
    codes: dict[tuple[str, str | None], dict[Any, str | None]] = {}
    for kmap in mapping.kinds.values():
        everything = [*rows_by_kind[kmap.name].values(), *unbound[kmap.name]]
        codes[(kmap.name, None)] = {row.id: row.code or None for row in everything}
        for via in vias.get(kmap.name, ()):
            codes[(kmap.name, via)] = {row.via[via]: row.code or None for row in everything}
    for kmap in mapping.kinds.values():
        references = [f for f in kmap.mapped_fields if f.field.references]
        if not references:
            continue
        for row in [*rows_by_kind[kmap.name].values(), *unbound[kmap.name]]:
            for fmap in references:
                target_key = row.values[fmap.name]
                if target_key is None:
                    continue
                target = fmap.field.references or ""
                lookup = codes.get((target, fmap.via))
                if lookup is None:  # the target kind is not on this target: nothing to compare
                    row.values[fmap.name] = None
                    continue
                if target_key not in lookup:
                    problems.append(LiveProblem(
                        kmap.name, kmap.qualified, row.id, fmap.column or "",
                        f"refers to {target_key!r}, which is no row of {target} the mapping can see (outside where, or missing)",
                    ))
                row.values[fmap.name] = lookup.get(target_key)
    usage: dict[str, dict[str, int]] = {}
    if with_usage:
        for kmap in mapping.kinds.values():
            if not kmap.usage:
                continue
            totals: dict[str, int] = {}
            by_key = codes[(kmap.name, None)]
            for item in kmap.usage:
                for key, count in read_usage(connection, item).items():
                    code = by_key.get(key)
                    if code:
                        totals[code] = totals.get(code, 0) + count
            usage[kmap.name] = {code: totals.get(code, 0) for code in rows_by_kind[kmap.name]}
    if problems and strict:
        from billing_config.db.connect import safe_url

        raise LiveUnreadable(safe_url(connection.engine.url), problems)
    from billing_config.db.collation import code_collations

    state = LiveState(
        rows=rows_by_kind, usage=usage, unbound=unbound, problems=problems, mapping=mapping,
        collations=code_collations(connection, mapping), managed=read_managed(connection, mapping.tool_schema),
        used_allowances=read_used_allowances(connection, mapping.tool_schema),
    )
    state.fingerprint = fingerprint(state)
    return state


def fingerprint(state: LiveState) -> str:
    """A digest of every row read (keys, codes, values) and of the mapping, to notice any
    change between plan and apply. Usage counts and timestamps are left out."""
    everything: list[Any] = [state.mapping.digest]
    for kmap in state.mapping.kinds.values():
        names = kmap.kind.field_names
        everything.extend(
            (kmap.name, row.id, code, *(row.values[name] for name in names))
            for code, row in sorted(state.rows[kmap.name].items())
        )
        everything.extend((kmap.name, row.id, "", *(row.values[name] for name in names)) for row in state.unbound[kmap.name])
    # Which entries are managed decides which missing files are deletes, so it counts too.
    everything.extend(("managed", kind, *sorted(codes)) for kind, codes in sorted(state.managed.items()))
    # repr of tuples of str/int/bool/None is exact and unambiguous, and one C-level call over
    # the whole list costs a fraction of per-row serialisation.
    digest = hashlib.sha256(repr(everything).encode("utf-8", "surrogatepass"))
    return "sha256:" + digest.hexdigest()


def read_live_and_recorded(engine: sa.Engine, mapping: Mapping | None = None) -> tuple[LiveState, RecordedState]:
    """The live rows (through the target's mapping) and the recorded state (from the tool's
    tables the mapping places), read in one transaction so they agree."""
    mapping = mapping or default_mapping()
    try:
        with engine.connect() as connection, connection.begin():
            from billing_config.db.connect import safe_url

            where = safe_url(connection.engine.url)
            return read_live(connection, mapping, with_usage=False), read_recorded(connection, mapping.tool_schema, where)
    except sa.exc.SQLAlchemyError:
        with engine.connect() as connection:
            require_schema(connection, mapping)
        raise
