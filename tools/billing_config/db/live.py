"""The live database as values, read through the mapping: every entry of every kind by code.

One query per mapped table, one for the bindings, and one grouped statement per usage table
(its counts and, with a measure, its sums; a join for ``through``), whatever the number of
entries. Each stored value is decoded by the mapping (``'Y'`` -> true,
``3`` -> ``Historical``); a value no encoding reads, a reference to a row the tool cannot see,
or text the kind's schema would reject is a :class:`LiveProblem` naming the row and column,
never a silent NULL. References are read as keys (or ``via`` values) and turned into codes
after every table is read, so the planner compares codes with codes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from billing_config.db import sql as access
from billing_config.db.catalog import Catalog, read_catalog
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
    raw: dict[str, Any] = field(default_factory=dict)  # stored values of unique-constraint and protect columns
    protected: bool = False  # the mapping's protect marks it: the vendor's application relies on it


IN_SCOPE, OUT_OF_SCOPE, SOFT_DELETED = "in scope", "out of scope", "soft-deleted"


@dataclass(frozen=True, slots=True)
class OtherRow:
    """A row of a kind's table outside its scope, read only for what its unique constraints and
    a revive need: another tenant's row holding the same code, or a soft-deleted entry."""

    key: Any
    state: str  # OUT_OF_SCOPE | SOFT_DELETED
    stored: dict[str, Any]  # column -> stored value (key, code, unique, where and delete columns)
    code: str | None = None  # the code it stands for (its code column or a kept binding)


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


CENTS = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class UsageRead:
    """One usage table's grouped read: per code, how many of its rows use the entry and, when
    the usage carries a measure, their sum (a Decimal to the cent)."""

    usage: UsageMap
    counts: dict[str, int]
    totals: dict[str, Decimal]


@dataclass(frozen=True, slots=True)
class Used:
    """How one usage table uses one entry."""

    usage: UsageMap
    count: int
    total: Decimal | None  # the sum of usage.sum over those rows; None when the usage has no measure


@dataclass(slots=True)
class LiveState:
    rows: dict[str, dict[str, LiveRow]]  # kind name -> code -> row
    usage: dict[str, tuple[UsageRead, ...]] = field(default_factory=dict)  # kind name -> one read per usage table
    fingerprint: str = ""
    unbound: dict[str, list[LiveRow]] = field(default_factory=dict)  # rows with no code yet
    problems: list[LiveProblem] = field(default_factory=list)
    mapping: Mapping = field(default_factory=default_mapping)
    collations: dict[str, str] = field(default_factory=dict)  # kind name -> code column's collation (MariaDB)
    # kind name -> codes an apply has seen a file for (db/state.py): their missing file is a delete.
    # Bound (adopted) rows are not in it until an apply sees their files.
    managed: dict[str, set[str]] = field(default_factory=dict)
    catalog: Catalog | None = None  # what the database says about the mapped tables
    others: dict[str, list[OtherRow]] = field(default_factory=dict)  # kind -> rows outside scope that matter
    # (kind, field) -> lookup key -> the value its lookup table holds, for writing lookups back
    lookups: dict[tuple[str, str], dict[Any, Any]] = field(default_factory=dict)
    # [[allow]] digests an apply on this target already let through (plan/allowances.py).
    used_allowances: frozenset[str] = frozenset()

    def ids(self, kind: Kind) -> dict[str, Any]:
        return {code: row.id for code, row in self.rows.get(kind.name, {}).items()}

    def count(self, kind: Kind) -> int:
        return len(self.rows.get(kind.name, {})) + len(self.unbound.get(kind.name, ()))

    def used(self, kind: str, code: str) -> tuple[Used, ...] | None:
        """Per usage table of the kind, in mapping order (zero counts included): how it uses the
        entry. None when the kind has no usage on this target, or usage was not read."""
        reads = self.usage.get(kind)
        if not reads:
            return None
        zero = Decimal("0.00")
        return tuple(
            Used(read.usage, read.counts.get(code, 0), read.totals.get(code, zero) if read.usage.sum else None)
            for read in reads
        )


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
    """kind -> the columns that other kinds' references, or its usage tables, hold instead of
    its key (read with its rows, so those values turn into codes)."""
    result: dict[str, list[str]] = {}
    for kmap in mapping.kinds.values():
        for fmap in kmap.mapped_fields:
            if fmap.field.references and fmap.via:
                result.setdefault(fmap.field.references, []).append(fmap.via)
        for usage in kmap.usage:
            if usage.via:
                result.setdefault(kmap.name, []).append(usage.via)
    return {k: tuple(dict.fromkeys(v)) for k, v in result.items()}


def raw_columns(kmap: KindMap, catalog: Catalog | None) -> tuple[str, ...]:
    """Columns kept as stored on each row: the mapping's protect conditions, and every column of
    the table's unique constraints (for plan's collision checks)."""
    names = list(kmap.protect_columns())
    info = catalog.table(kmap.table_name) if catalog is not None else None
    if info is not None:
        names += [column for unique in info.uniques for column in unique.columns]
    return tuple(dict.fromkeys(names))


def _with_lookup(fmap: FieldMap, base: Callable[[Any], Any], table: dict[Any, Any] | None) -> Callable[[Any], Any]:
    """A field stored as a lookup row's key: the key is read as the value that row holds."""
    if fmap.lookup is None:
        return base
    known = table or {}
    where = fmap.lookup.table.qualified

    def through_lookup(raw: Any) -> Any:
        if raw is None:
            return base(None)
        if raw not in known:
            raise _Bad(f"{raw!r} is no {fmap.lookup.key if fmap.lookup else 'key'} of the lookup table {where}")
        return base(known[raw])

    return through_lookup


def _unpadded(decode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A CHAR(n) column's value without the spaces PostgreSQL pads it with, then decoded."""
    return lambda raw: decode(raw.rstrip(" ") if isinstance(raw, str) else raw)


def read_kind(
    connection: sa.Connection, kmap: KindMap, bindings: dict[str, Binding], vias: tuple[str, ...],
    problems: list[LiveProblem], *, for_update: bool = False, raw_names: tuple[str, ...] = (),
    lookups: dict[tuple[str, str], dict[Any, Any]] | None = None, padded: frozenset[str] = frozenset(),
) -> tuple[dict[str, LiveRow], list[LiveRow]]:
    """One query: the kind's rows in scope, references still as keys (resolved by read_live).
    ``padded``: the table's CHAR(n) columns on PostgreSQL, read without their trailing spaces."""
    table = access.kind_table(kmap, vias + raw_names)
    fields = kmap.mapped_fields
    names = [f.name for f in fields]
    decoders = [
        _with_lookup(f, _unpadded(_decoder(f)) if f.column in padded else _decoder(f), (lookups or {}).get((kmap.name, f.name)))
        for f in fields
    ]
    constants = {f.name: f.field.default for f in kmap.unmapped_fields}
    columns = [table.c[kmap.key], table.c[kmap.code.column] if kmap.code else sa.null(),
               table.c[kmap.created] if kmap.created else sa.null(),
               *(table.c[v] for v in vias), *(table.c[f.column or ""] for f in fields),
               *(table.c[r].label(f"raw_{n}") for n, r in enumerate(raw_names))]
    statement = sa.select(*columns).where(*access.scope(table, kmap.where))
    if for_update and connection.dialect.name != "sqlite":
        statement = statement.with_for_update()
    rows: dict[str, LiveRow] = {}
    unbound: list[LiveRow] = []
    code_column = kmap.code
    strip_code = code_column is not None and code_column.column in padded
    n_vias = len(vias)
    n_fields = len(fields)
    pairs = list(zip(names, decoders, [f.column or "" for f in fields], strict=True))
    for key, stored_code, created, *raw in connection.execute(statement).all():
        if strip_code and isinstance(stored_code, str):
            stored_code = stored_code.rstrip(" ")
        via = dict(zip(vias, raw[:n_vias], strict=True)) if n_vias else {}
        stored = dict(zip(raw_names, raw[n_vias + n_fields:], strict=True)) if raw_names else {}
        raw = raw[n_vias:n_vias + n_fields]
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
        row = LiveRow(id=key, code="", values=values, name=str(values.get("name", "")), created=created_text, via=via,
                      raw=stored, protected=bool(kmap.protect) and kmap.is_protected(stored))
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


def needs_others(kmap: KindMap, catalog: Catalog | None) -> bool:
    """Whether rows outside the scope can matter: a revive looks for soft-deleted rows, and a
    unique constraint may hold rows of another tenant or deleted ones (no scope: none outside)."""
    if not kmap.managed or (not kmap.where and not kmap.soft_delete):
        return False
    if kmap.revive:
        return True
    info = catalog.table(kmap.table_name) if catalog is not None else None
    return info is not None and any(set(u.columns) - {kmap.key} for u in info.uniques)


def read_others(
    connection: sa.Connection, kmap: KindMap, catalog: Catalog | None, bindings: dict[str, Binding], raw_names: tuple[str, ...],
) -> list[OtherRow]:
    """One query: the rows of the kind's table that fail its scope, with only the columns a
    collision or a revive needs. Never written, never locked."""
    names = [kmap.key, *([kmap.code.column] if kmap.code else []), *raw_names, *(c.column for c in kmap.where),
             *(kmap.soft_delete or {})]
    names = list(dict.fromkeys(names))
    table = access.kind_table(kmap, tuple(names))
    result: list[OtherRow] = []
    by_key = {binding_key: binding.code for binding_key, binding in bindings.items()}
    labelled = [table.c[name].label(f"c_{n}") for n, name in enumerate(names)]
    for values in connection.execute(sa.select(*labelled)):
        stored = dict(zip(names, values, strict=True))
        if all(condition.holds(stored.get(condition.column)) for condition in kmap.where):
            continue  # in scope: read_kind has it
        state = SOFT_DELETED if is_soft_deleted(kmap, stored) else OUT_OF_SCOPE
        code = kmap.code.code_of(stored.get(kmap.code.column)) if kmap.code else by_key.get(key_text(stored[kmap.key]))
        result.append(OtherRow(stored[kmap.key], state, stored, code))
    return result


def is_soft_deleted(kmap: KindMap, stored: dict[str, Any]) -> bool:
    """In scope but for the columns the soft delete writes, which hold what it writes."""
    delete = kmap.soft_delete
    if not delete:
        return False
    for condition in kmap.where:
        if condition.column not in delete and not condition.holds(stored.get(condition.column)):
            return False
    for column, value in delete.items():
        held = stored.get(column)
        if value.now:
            if held is None:
                return False
        elif held != value.literal and not (isinstance(held, str) and held.rstrip(" ") == value.literal):
            return False
    return True


def read_lookups(connection: sa.Connection, mapping: Mapping) -> dict[tuple[str, str], dict[Any, Any]]:
    """One query per lookup table: key -> the value its row holds."""
    result: dict[tuple[str, str], dict[Any, Any]] = {}
    for kmap in mapping.kinds.values():
        for fmap in kmap.fields:
            if fmap.lookup is None:
                continue
            lookup = fmap.lookup
            table = sa.table(lookup.table.name, sa.column(lookup.key), sa.column(lookup.value), schema=lookup.table.schema)
            pairs = connection.execute(sa.select(table.c[lookup.key], table.c[lookup.value])).all()
            result[(kmap.name, fmap.name)] = {key: value for key, value in pairs}
    return result


class UsageUnreadable(UserError):
    """A usage table the mapping names cannot be read as it says (a column missing, say)."""


def read_usage(connection: sa.Connection, usage: UsageMap, *, reference: bool = False) -> dict[Any, tuple[int, Decimal | None]]:
    """One grouped statement: per value pointing at the kind (key, via value, or through the
    table in between), how many rows of the usage table use it and the sum of its measure."""
    statement = access.usage_statement(usage)
    try:
        result = connection.execute(statement).all()
    except (sa.exc.ProgrammingError, sa.exc.OperationalError) as error:
        raise UsageUnreadable(_unreadable(connection, usage, error, reference)) from None
    if usage.sum:
        return {row[0]: (int(row[1]), money(row[2])) for row in result if row[0] is not None}
    return {row[0]: (int(row[1]), None) for row in result if row[0] is not None}


def money(value: Any) -> Decimal:
    """A sum as the driver hands it over, as a Decimal to the cent. SQLite (and a vendor's FLOAT
    column) gives a float: it is read through its shortest decimal form, never as binary."""
    if value is None:
        return Decimal("0.00")
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(CENTS, rounding=ROUND_HALF_UP)


def _unreadable(connection: sa.Connection, usage: UsageMap, error: sa.exc.SQLAlchemyError, reference: bool) -> str:
    from billing_config.db.connect import describe_error, safe_url

    columns = [usage.column, *(c.column for c in usage.where), *([usage.sum] if usage.sum else [])]
    what = f"{usage.qualified} ({', '.join(columns)})"
    if usage.through is not None:
        what += f" joined to {usage.through.table.qualified} ({usage.through.key}, {usage.through.column})"
    where = safe_url(connection.engine.url)
    advice = (
        "a database made by an older `billing-config db init` lacks columns this version's reference schema has "
        "(services.monthly_charge): run `billing-config db init` against it to add them; it changes nothing else"
        if reference
        else "check the mapping's [[kinds.KIND.usage]] tables with `billing-config doctor`"
    )
    return f"cannot read what uses entries from {what} on {where}: {describe_error(error, connection.engine.url)}; {advice}"



def _usage_read(connection: sa.Connection, usage: UsageMap, by_key: dict[Any, str | None], reference: bool) -> UsageRead:
    """A usage table's read, by code: counts per table, never added across tables."""
    counts: dict[str, int] = {}
    totals: dict[str, Decimal] = {}
    for key, (count, total) in read_usage(connection, usage, reference=reference).items():
        code = by_key.get(key)
        if not code:
            continue
        counts[code] = counts.get(code, 0) + count
        if total is not None:
            totals[code] = totals.get(code, Decimal("0.00")) + total
    return UsageRead(usage, counts, totals)


def require_schema(connection: sa.Connection, mapping: Mapping | None = None, *, columns: bool = False) -> None:
    """One catalogue query per schema, so a database without the tables gets advice, not a driver
    error; with ``columns``, the mapped columns too (after a read failed: which one is missing)."""
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
    if columns:
        _require_columns(connection, mapping)


def _require_columns(connection: sa.Connection, mapping: Mapping) -> None:
    from billing_config.db.catalog import missing_columns, read_catalog
    from billing_config.db.connect import safe_url
    from billing_config.findings import did_you_mean

    catalog = read_catalog(connection, mapping)
    missing = missing_columns(catalog, mapping)
    if not missing:
        return
    lines = []
    for named in missing:
        info = catalog.table(named.table)
        hint = did_you_mean(named.column, info.columns) if info is not None else ""
        line, column = mapping.where_is(named.path)
        at = f" ({mapping.source}:{line}:{column}: {named.path})" if not mapping.is_default else ""
        lines.append(f"  - {named.table.qualified} has no column {named.column}{hint}{at}")
    raise UserError(
        f"{safe_url(connection.engine.url)} lacks column(s) the mapping {mapping.source} names, so its rows cannot be read:\n"
        + "\n".join(lines) + "\nFix the mapping (or the database), and run `billing-config doctor` for every check"
    )


def read_live_explained(engine: sa.Engine, mapping: Mapping | None = None, *, with_usage: bool = True) -> LiveState:
    """read_live in its own short transaction; if it fails because tables are missing, say so."""
    try:
        with engine.connect() as connection, connection.begin():
            return read_live(connection, mapping, with_usage=with_usage)
    except sa.exc.SQLAlchemyError:
        with engine.connect() as connection:
            require_schema(connection, mapping, columns=True)
        raise


def read_live(
    connection: sa.Connection, mapping: Mapping | None = None, *, with_usage: bool = True, for_update: bool = False,
    strict: bool = True, catalog: Catalog | None = None,
) -> LiveState:
    """Every mapped kind's rows. ``strict``: unreadable values raise :class:`LiveUnreadable`
    (doctor passes False to report them as findings instead). ``catalog``: what this transaction
    has already read of the schema (apply's checks), else it is read here."""
    mapping = mapping or default_mapping()
    catalog = catalog if catalog is not None else read_catalog(connection, mapping)
    bindings = read_bindings(connection, mapping)
    vias = via_columns(mapping)
    lookups = read_lookups(connection, mapping)
    problems: list[LiveProblem] = []
    rows_by_kind: dict[str, dict[str, LiveRow]] = {}
    unbound: dict[str, list[LiveRow]] = {}
    others: dict[str, list[OtherRow]] = {}
    padded = catalog.padded_columns(mapping) if connection.dialect.name == "postgresql" else {}
    for kmap in mapping.kinds.values():
        raw_names = raw_columns(kmap, catalog)
        rows_by_kind[kmap.name], unbound[kmap.name] = read_kind(
            connection, kmap, bindings.get(kmap.name, {}), vias.get(kmap.name, ()), problems, for_update=for_update,
            raw_names=raw_names, lookups=lookups, padded=padded.get(kmap.name, frozenset()),
        )
        if needs_others(kmap, catalog):
            others[kmap.name] = read_others(connection, kmap, catalog, bindings.get(kmap.name, {}), raw_names)
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
    usage: dict[str, tuple[UsageRead, ...]] = {}
    if with_usage:
        for kmap in mapping.kinds.values():
            if kmap.usage:
                usage[kmap.name] = tuple(
                    _usage_read(connection, item, codes[(kmap.name, item.via)], mapping.is_default) for item in kmap.usage
                )
    if problems and strict:
        from billing_config.db.connect import safe_url

        raise LiveUnreadable(safe_url(connection.engine.url), problems)
    state = LiveState(
        rows=rows_by_kind, usage=usage, unbound=unbound, problems=problems, mapping=mapping,
        collations=catalog.code_collations(mapping), managed=read_managed(connection, mapping.tool_schema),
        catalog=catalog, others=others, lookups=lookups,
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
            require_schema(connection, mapping, columns=True)
        raise
