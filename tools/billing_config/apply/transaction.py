"""apply: everything in one transaction, under the apply lock, or nothing at all.

Inside the transaction, after taking the lock, the live state is read again. With a plan that
someone reviewed (a saved plan file, or one confirmed at the prompt) the fresh read must have
the same fingerprint, otherwise apply refuses: what would be written is no longer what was
reviewed. With ``--yes`` and no plan file the plan is computed from this fresh read, so two
applies started together end with the second finding nothing left to do.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from billing_config.apply import lock
from billing_config.apply.audit import write_audit
from billing_config.apply.writer import write_changes
from billing_config.db.connect import describe_error, safe_url
from billing_config.db.rows import MissingReference, now_stamp
from billing_config.errors import DatabaseError, Refused, UserError
from billing_config.db.live import LiveState, read_live, require_schema
from billing_config.db.mapping import Mapping, default_mapping
from billing_config.db.tool_tables import ensure_tool_tables
from billing_config.plan.in_use import in_use_blocker
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
    """Deletes re-checked against the usage read under the lock (customers move all day)."""
    from billing_config.kinds import get_kind

    already = {(b.kind, b.code) for b in plan.blockers if b.rule == "in-use"}
    return [
        in_use_blocker(get_kind(change.kind), change.code, change.name, used, since_plan=True, noun=change.impact_noun)
        for change in plan.changes
        if change.action == DELETE
        and (change.kind, change.code) not in already
        and (used := live.usage.get(change.kind, {}).get(change.code, 0))
    ]


def refusal_text(blockers: list[Blocker]) -> str:
    lines = [f"apply refused, nothing changed ({len(blockers)} problem(s)):"]
    for blocker in blockers:
        lines.append(f"  - {blocker.message}; {blocker.hint}")
    return "\n".join(lines)


def prepare_target(engine: sa.Engine, url: str, mapping: Mapping) -> None:
    """The tool's own tables, created where missing before the apply's transaction begins
    (DDL commits implicitly on MariaDB, so it must never run inside it)."""
    try:
        with engine.begin() as connection:
            ensure_tool_tables(connection, mapping.tool_schema)
    except sa.exc.SQLAlchemyError as error:
        raise DatabaseError(
            f"cannot create the tool's own tables on {safe_url(url)}: {describe_error(error, url)}; "
            "grant CREATE there, or name a schema the tool may use with [tool] schema in the mapping"
        ) from None


def require_doctor(connection: sa.Connection, mapping: Mapping) -> None:
    """A mapped target is written only after a passing doctor has seen its schema as it is now."""
    from billing_config.db.doctor import last_passing_fingerprint, schema_fingerprint

    seen = last_passing_fingerprint(connection, mapping)
    now = schema_fingerprint(connection, mapping)
    if seen != now:
        why = "no passing doctor run is recorded" if seen is None else "the schema changed since the last passing doctor run"
        raise ApplyRefused(
            f"apply refused, nothing changed: {why} for the mapping {mapping.source}. "
            "Run `billing-config doctor` against this target, fix what it reports, and apply again"
        )


def run_apply(
    engine: sa.Engine,
    url: str,
    *,
    mapping: Mapping | None = None,
    reviewed: Plan | None = None,
    replan: Callable[[LiveState], Plan] | None = None,
    lock_timeout: float = 30.0,
    show: Callable[[Plan], None] | None = None,
) -> ApplyResult:
    """Apply ``reviewed`` (checked against a fresh read) or ``replan(fresh read)``.

    ``show`` is called with the plan about to be applied (and checked), so a run with ``--yes``
    prints exactly what it writes, or what it refused to write.
    """
    assert (reviewed is None) != (replan is None)
    mapping = mapping or default_mapping()
    run_id = str(uuid.uuid4())
    prepare_target(engine, url, mapping)
    connection = engine.connect()
    try:
        options: dict[str, object] = {"sqlite_begin": "IMMEDIATE"}
        if connection.dialect.name in ("mysql", "mariadb"):
            options["isolation_level"] = "READ COMMITTED"
        connection = connection.execution_options(**options)
        try:
            transaction = connection.begin()
        except sa.exc.OperationalError as error:
            if connection.dialect.name == "sqlite" and "locked" in str(error):
                raise lock.LockBusy(
                    f"another apply (or another program) is writing to {safe_url(url)}; waited {lock_timeout:g} s "
                    "and changed nothing. SQLite cannot say which process holds the lock: wait for it to finish and "
                    "run again, or raise --lock-timeout"
                ) from None
            raise
        with transaction:
            lock.acquire(connection, lock_timeout)
            require_schema(connection, mapping)
            if not mapping.is_default:
                require_doctor(connection, mapping)
            live = read_live(connection, mapping, for_update=False)
            if reviewed is not None:
                if live.fingerprint != reviewed.fingerprint:
                    raise ApplyRefused(
                        "apply refused, nothing changed: the live database changed since this plan was made "
                        f"(plan read {reviewed.fingerprint[:19]}…, now {live.fingerprint[:19]}…). "
                        "Make a new plan, review it, and apply that"
                    )
                plan = reviewed
            else:
                assert replan is not None
                plan = replan(live)
            if show is not None:
                show(plan)
            blockers = plan.blockers + _in_use_now(plan, live)
            if blockers:
                raise ApplyRefused(refusal_text(blockers))
            if not plan.has_changes:
                return ApplyResult(plan, run_id, 0, 0)
            stamp = now_stamp()
            write_changes(connection, plan, live, stamp)
            audit_rows = write_audit(connection, plan, run_id, stamp, mapping.tool_schema)
        return ApplyResult(plan, run_id, len(plan.changes), audit_rows)
    except sa.exc.SQLAlchemyError as error:
        raise DatabaseError(
            f"apply failed and was rolled back, nothing changed: {describe_error(error, url)}"
        ) from None
    except MissingReference as error:
        raise UserError(f"apply failed and was rolled back, nothing changed: {error}") from None
    finally:
        try:
            lock.release(connection)
        finally:
            connection.close()
