"""apply: everything in one transaction, under the apply lock, or nothing at all.

Inside the transaction, after taking the lock, the live state is read again, locking the rows
read (``SELECT ... FOR UPDATE``), so no hand edit lands between this read and the writes. The
plan is always recomputed from that read and the config. With a plan that someone reviewed (a
saved plan file, or one confirmed at the prompt) the fresh read must have the same
fingerprint and the recomputed changes must be the reviewed ones, otherwise apply refuses:
what would be written is no longer what was reviewed. With ``--yes`` and no plan file the
recomputed plan is applied, so two applies started together end with the second finding
nothing left to do.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from billing_config.apply import lock
from billing_config.apply.audit import fit_commit, write_audit
from billing_config.apply.hooks import check_guards, run_after_apply, run_on_change
from billing_config.apply.record import recorded_kinds, state_rows
from billing_config.apply.writer import write_changes
from billing_config.db.connect import describe_error, safe_url
from billing_config.db.catalog import Catalog
from billing_config.db.json_values import Serialized
from billing_config.db.write import MissingReference
from billing_config.mapping.model import now_stamp
from billing_config.db.tool.state import record_state
from billing_config.db.live import LiveState, read_live, require_schema
from billing_config.mapping import KEY_MAX_PLUS_ONE, Mapping, default_mapping
from billing_config.db.tool.tables import prepare_tool_tables
from billing_config.errors import DatabaseError, Refused, UserError
from billing_config.plan.in_use import in_use_blocker, uses_of
from billing_config.plan.model import DELETE, Blocker, Plan


class ApplyRefused(Refused):
    """Apply would not run this plan; nothing was changed."""


@dataclass(slots=True)
class ApplyResult:
    plan: Plan
    run_id: str
    changes: int
    audit_rows: int


def _in_use_now(plan: Plan, live: LiveState) -> list[Blocker]:
    """Deletes re-checked against the usage read under the lock (customers move all day),
    naming each usage table's count."""
    from billing_config.kinds import get_kind

    already = {(b.kind, b.code) for b in plan.blockers if b.rule == "in-use"}
    blockers = []
    for change in plan.changes:
        if change.action != DELETE or (change.kind, change.code) in already:
            continue
        uses = uses_of(live, change.kind, change.code) or ()
        if any(use.count for use in uses):
            blockers.append(in_use_blocker(get_kind(change.kind), change.code, change.name, uses, since_plan=True))
    return blockers


def refusal(blockers: list[Blocker]) -> ApplyRefused:
    """Apply's refusal of a plan with blockers: one line per blocker (each may hold live names),
    each with its rule id where validate puts it, so `explain RULE` is one copy away."""
    details = [f"- error {blocker.rule} {blocker.message}; {blocker.hint}" for blocker in blockers]
    if blockers:
        details.append(f"(`billing-config explain {blockers[0].rule}` says why the rule exists)")
    return ApplyRefused(f"apply refused, nothing changed ({len(blockers)} problem(s)):", details=details)


def prepare_target(engine: sa.Engine, url: str, mapping: Mapping) -> None:
    """The tool's own tables (and its ``[tool] schema``), created where missing before the
    apply's transaction begins (DDL commits implicitly on MariaDB, so it must never run inside it)."""
    try:
        prepare_tool_tables(engine, mapping.tool_schema)
    except sa.exc.SQLAlchemyError as error:
        raise DatabaseError(
            f"cannot create the tool's own tables on {safe_url(url)}: {describe_error(error, url)}; "
            "grant CREATE there, or name a schema the tool may use with [tool] schema in the mapping"
        ) from None


class SchemaUnfit(Refused):
    """The target's schema does not fit its mapping (doctor's errors); nothing was changed."""


def require_fitting_schema(connection: sa.Connection, mapping: Mapping, what: str) -> Catalog:
    """doctor's schema checks, on the catalogue read in this transaction, before any write: a
    schema that changed since the plan (a vendor upgrade) or a table that cannot roll back is
    refused with doctor's findings, rule ids and mapping lines included. No earlier doctor run
    is needed, and nothing is recorded. Returns the catalogue, for the live read to reuse."""
    from billing_config.db.catalog import read_catalog
    from billing_config.db.doctor import check_schema, errors_of

    catalog = read_catalog(connection, mapping)
    errors = errors_of(check_schema(connection, mapping, catalog))
    if not errors:
        return catalog
    details = [f"{f.path}:{f.line}:{f.column}: {f.rule} {f.message}" for f in errors[:50]]
    if len(errors) > 50:
        details.append(f"... and {len(errors) - 50} more")
    details.append("Run `billing-config doctor` against this target for every finding, fix them, and run again")
    raise SchemaUnfit(
        f"{what} refused, nothing changed: the database does not fit the mapping {mapping.source} ({len(errors)} problem(s)):",
        details=details,
    )


def run_apply(
    engine: sa.Engine,
    url: str,
    *,
    mapping: Mapping | None = None,
    replan: Callable[[LiveState], Plan],
    reviewed: Plan | None = None,
    lock_timeout: float = 30.0,
    show: Callable[[Plan], None] | None = None,
) -> ApplyResult:
    """Apply ``replan(fresh read)``, under the lock, in one transaction.

    With ``reviewed`` (a saved plan file, or the plan confirmed at the prompt) the fresh read
    must have the plan's fingerprint and the recomputed plan must make exactly the reviewed
    changes: what is written is what was reviewed, and nothing in a plan file is trusted on
    its own (its values, codes, kinds and actions are the config's; its refusals and audit
    fields are recomputed here). ``show`` is called with the plan about to be applied (and
    checked), so a run with ``--yes`` prints exactly what it writes, or what it refused.
    """
    mapping = mapping or default_mapping()
    run_id = str(uuid.uuid4())
    try:
        with locked_transaction(engine, url, mapping, lock_timeout, "apply") as connection:
            catalog = require_fitting_schema(connection, mapping, "apply")
            live = read_live(connection, mapping, for_update=True, catalog=catalog)
            plan = _checked_plan(live, replan, reviewed)
            if show is not None:
                show(plan)
            blockers = plan.blockers + _in_use_now(plan, live)
            if blockers:
                raise refusal(blockers)
            stamp = now_stamp()
            audit_rows = 0
            for change in plan.changes:  # written as the audit's after and the recorded state: JSON once
                if change.after is not None:
                    change.after = Serialized(change.after)
            if plan.has_changes:
                check_guards(connection, mapping)
                keys = write_changes(connection, plan, live, stamp)
                run_on_change(connection, mapping, plan, keys)
                run_after_apply(connection, mapping, plan)
                # the changes, and any threshold a reviewed [[allow]] table lifted
                audit_rows = write_audit(connection, plan, run_id, stamp, mapping.tool_schema)
            # Also when nothing changed: the run saw every file, so what is managed is recorded,
            # in the same transaction as the writes, beside the other tool tables.
            record_state(
                connection, state_rows(plan, live), kinds=recorded_kinds(mapping), run_id=run_id, stamp=stamp,
                git_commit=fit_commit(plan.git.commit), schema=mapping.tool_schema,
            )
        return ApplyResult(plan, run_id, len(plan.changes), audit_rows)
    except MissingReference as error:
        raise UserError(f"apply failed and was rolled back, nothing changed: {error}") from None


@contextmanager
def locked_transaction(
    engine: sa.Engine, url: str, mapping: Mapping, lock_timeout: float, what: str
) -> Iterator[sa.Connection]:
    """One transaction under the apply lock, on a target whose tables are there: what apply and
    rename both write in. A database error rolls everything back and says so, password-free;
    the lock is released and the connection closed whatever happens."""
    prepare_target(engine, url, mapping)
    connection = engine.connect()
    try:
        connection = connection.execution_options(**_transaction_options(connection, mapping))
        with _begin(connection, url, lock_timeout):
            lock.bound_waits(connection, lock_timeout)  # row and table locks too, not only the apply lock
            lock.acquire(connection, lock_timeout)
            require_schema(connection, mapping)
            yield connection
    except sa.exc.SQLAlchemyError as error:
        if lock.is_lock_timeout(error):
            raise lock.row_lock_refusal(connection, written_tables(mapping), lock_timeout, what) from None
        raise DatabaseError(f"{what} failed and was rolled back, nothing changed: {describe_error(error, url)}") from None
    finally:
        try:
            lock.release(connection)
        finally:
            connection.close()


def written_tables(mapping: Mapping) -> list[str]:
    """The tables an apply or rename locks rows of: the mapped tables and the tool's own."""
    from billing_config.db.tool.tables import tool_metadata

    names = {kmap.table for kmap in mapping.kinds.values()}
    names.update(table.name for table in tool_metadata(mapping.tool_schema).tables.values())
    return sorted(names)


def _transaction_options(connection: sa.Connection, mapping: Mapping) -> dict[str, object]:
    """SQLite: BEGIN IMMEDIATE (the write lock at once). MariaDB: READ COMMITTED, so every read
    sees what committed before the lock was ours; REPEATABLE READ when a kind takes its keys
    max+1, so that reading the largest key FOR UPDATE locks the end of the key index and no
    other session can insert past it until the apply commits."""
    options: dict[str, object] = {"sqlite_begin": "IMMEDIATE"}
    if connection.dialect.name in ("mysql", "mariadb"):
        max_plus_one = any(kmap.key_source == KEY_MAX_PLUS_ONE for kmap in mapping.managed())
        options["isolation_level"] = "REPEATABLE READ" if max_plus_one else "READ COMMITTED"
    return options


def _begin(connection: sa.Connection, url: str, lock_timeout: float) -> sa.RootTransaction:
    """BEGIN (IMMEDIATE on SQLite, where a busy database is the only lock there is)."""
    try:
        return connection.begin()
    except sa.exc.OperationalError as error:
        if connection.dialect.name == "sqlite" and "locked" in str(error):
            raise lock.LockBusy(
                f"another apply (or another program) is writing to {safe_url(url)}; waited {lock_timeout:g} s "
                "and changed nothing. SQLite cannot say which process holds the lock: wait for it to finish and "
                "run again, or raise --lock-timeout"
            ) from None
        raise


def _checked_plan(live: LiveState, replan: Callable[[LiveState], Plan], reviewed: Plan | None) -> Plan:
    """The plan recomputed from the fresh read, refused when it is not what was reviewed."""
    if reviewed is not None and live.fingerprint != reviewed.fingerprint:
        raise ApplyRefused(
            "apply refused, nothing changed: the live database changed since this plan was made "
            f"(plan read {reviewed.fingerprint[:19]}…, now {live.fingerprint[:19]}…). "
            "Make a new plan, review it, and apply that"
        )
    plan = replan(live)
    if reviewed is not None:
        difference = first_difference(reviewed, plan)
        if difference is not None:
            raise ApplyRefused(
                "apply refused, nothing changed: the plan's changes are not what this config makes of this "
                f"database ({difference}); the plan file was edited or made from other files. "
                "Make a new plan from this config, review it, and apply that"
            )
    return plan


def first_difference(saved: Plan, recomputed: Plan) -> str | None:
    """Where a saved plan's changes differ from the recomputed ones, said briefly."""
    old, new = saved.changes_as_data(), recomputed.changes_as_data()
    for number, (a, b) in enumerate(zip(old, new)):
        if a != b:
            key = next(k for k in a if a[k] != b.get(k))
            where = f"{ascii(a['kind'])[1:-1]}/{ascii(a['code'])[1:-1]}"
            return f"changes[{number}] ({where}): its {key} differs"
    if len(old) != len(new):
        return f"the plan has {len(old)} change(s), the config makes {len(new)}"
    return None
