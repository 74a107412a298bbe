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
from billing_config.apply.record import recorded_kinds, state_rows
from billing_config.apply.writer import write_changes
from billing_config.db.connect import describe_error, safe_url
from billing_config.db.rows import MissingReference, now_stamp
from billing_config.db.state import record_state
from billing_config.errors import DatabaseError, Refused, UserError
from billing_config.db.live import LiveState, read_live, require_schema
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
        in_use_blocker(get_kind(change.kind), change.code, change.name, used, since_plan=True)
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


def run_apply(
    engine: sa.Engine,
    url: str,
    *,
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
    run_id = str(uuid.uuid4())
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
            require_schema(connection)
            live = read_live(connection)
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
            stamp = now_stamp()
            audit_rows = 0
            if plan.has_changes:
                write_changes(connection, plan, live, stamp)
                audit_rows = write_audit(connection, plan, run_id, stamp)
            # Also when nothing changed: the run saw every file, so what is managed is recorded.
            record_state(
                connection, state_rows(plan, live), kinds=recorded_kinds(), run_id=run_id, stamp=stamp,
                git_commit=plan.git.commit,
            )
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
