"""The audit trail: one config_audit_log row per change, written in the apply's own transaction,
so the log can never claim a change that was rolled back, nor miss one that was committed."""

from __future__ import annotations

import getpass
import socket
from dataclasses import asdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from billing_config import __version__
from billing_config.db.tool.tables import AUDIT_LOG, tool_table
from billing_config.plan.model import Plan


def applied_by() -> str:
    try:
        user = getpass.getuser()
    except Exception:
        user = "unknown"
    return f"{user}@{socket.gethostname()}"[:255]


GIT_COMMIT_WIDTH = 64  # the audit column's length in every database made so far
DIRTY = "-dirty"


def fit_commit(commit: str | None) -> str | None:
    """The commit as the audit column holds it: a SHA-256 id (64) plus '-dirty' is 70 long, so
    the id is shortened (still a unique prefix) and the '-dirty' mark kept; never an overflow."""
    if commit is None or len(commit) <= GIT_COMMIT_WIDTH:
        return commit
    if commit.endswith(DIRTY):
        return commit[: GIT_COMMIT_WIDTH - len(DIRTY)] + DIRTY
    return commit[:GIT_COMMIT_WIDTH]


def write_audit(connection: sa.Connection, plan: Plan, run_id: str, stamp: datetime, schema: str | None = None) -> int:
    # The same for every row of the run: computed once (getuser and gethostname are system calls).
    commit, by = fit_commit(plan.git.commit), applied_by()
    rows: list[dict[str, Any]] = [
        {
            "applied_at": stamp,
            "run_id": run_id,
            "kind": change.kind,
            "code": change.code,
            "action": change.action,
            "before": change.before,
            "after": change.after,
            "git_commit": commit,
            "git_author": plan.git.author,
            "tool_version": __version__,
            "applied_by": by,
        }
        for change in plan.changes
    ]
    # A threshold lifted by a reviewed [[allow]] table of billing-config.toml: one row each,
    # so the log says which mass change was let through, on whose commit, and why.
    rows.extend(
        {
            "applied_at": stamp,
            "run_id": run_id,
            "kind": allowed.kind,
            "code": "*",
            "action": "allow",
            "before": None,
            "after": asdict(allowed),
            "git_commit": commit,
            "git_author": plan.git.author,
            "tool_version": __version__,
            "applied_by": by,
        }
        for allowed in plan.allowed
    )
    if rows:
        connection.execute(tool_table(AUDIT_LOG, schema).insert(), rows)
    return len(rows)
