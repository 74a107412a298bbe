"""One apply at a time per database, with a bounded wait and a useful answer to "who has it?".

- PostgreSQL: a transaction-level advisory lock (``pg_try_advisory_xact_lock``), polled until
  the deadline. It goes away with the transaction, or with the session if the holder dies.
- MariaDB/MySQL: ``GET_LOCK`` with a timeout. It belongs to the session, not the transaction,
  so it is released explicitly after commit or rollback (and by the server on disconnect).
- SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock at once; the driver's busy
  timeout is the bounded wait. SQLite cannot say who holds it.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from billing_config.errors import Refused, UserError

# An arbitrary constant that fits in 32 bits, so pg_locks shows it in objid with classid 0.
PG_LOCK_KEY = 0x6263_6667  # "bcfg"
_POLL_SECONDS = 0.1


class LockBusy(Refused):
    """Another apply holds the lock; nothing was changed."""


def mysql_lock_name(connection: sa.Connection) -> str:
    database = connection.execute(sa.text("SELECT DATABASE()")).scalar() or ""
    return f"billing-config:apply:{database}"[:64]


def acquire(connection: sa.Connection, timeout: float) -> None:
    """Take the apply lock inside the connection's open transaction, or raise LockBusy."""
    backend = connection.dialect.name
    if backend == "postgresql":
        deadline = time.monotonic() + timeout
        while True:
            got = connection.execute(sa.text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY}).scalar()
            if got:
                return
            if time.monotonic() >= deadline:
                raise LockBusy(_busy_message(timeout, _postgres_holder(connection)))
            time.sleep(_POLL_SECONDS)
    elif backend in ("mysql", "mariadb"):
        name = mysql_lock_name(connection)
        got = connection.execute(sa.text("SELECT GET_LOCK(:name, :timeout)"), {"name": name, "timeout": timeout}).scalar()
        if got != 1:
            raise LockBusy(_busy_message(timeout, _mysql_holder(connection, name)))
    # SQLite: the caller began the transaction with BEGIN IMMEDIATE, which is the lock.


def release(connection: sa.Connection) -> None:
    """Give back a session-level lock (MariaDB); transaction-level locks are already gone."""
    if connection.dialect.name in ("mysql", "mariadb"):
        try:
            name = mysql_lock_name(connection)
            connection.execute(sa.text("SELECT RELEASE_LOCK(:name)"), {"name": name})
            connection.commit()
        except sa.exc.SQLAlchemyError:
            pass  # a dead session has already lost the lock


def _busy_message(timeout: float, holder: str) -> str:
    return (
        f"another apply holds the lock on this database ({holder}); waited {timeout:g} s and changed nothing. "
        "Wait for it to finish and run again, or raise --lock-timeout"
    )


def _postgres_holder(connection: sa.Connection) -> str:
    row: Any = connection.execute(
        sa.text(
            "SELECT a.pid, a.usename, a.application_name, a.client_addr, a.xact_start, a.state "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = :key "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"key": PG_LOCK_KEY},
    ).first()
    if row is None:
        return "held by a session that has just finished"
    since = f", transaction started {row.xact_start:%Y-%m-%d %H:%M:%S %Z}" if row.xact_start else ""
    return (
        f"held by PostgreSQL backend pid {row.pid}, user {row.usename}, application '{row.application_name}', "
        f"client {row.client_addr or 'local socket'}, state {row.state}{since}"
    )


def _mysql_holder(connection: sa.Connection, name: str) -> str:
    holder = connection.execute(sa.text("SELECT IS_USED_LOCK(:name)"), {"name": name}).scalar()
    if holder is None:
        return "held by a session that has just finished"
    row: Any = connection.execute(
        sa.text("SELECT ID, USER, HOST, TIME, STATE FROM information_schema.PROCESSLIST WHERE ID = :id"),
        {"id": holder},
    ).first()
    if row is None:
        return f"held by connection {holder}"
    program = ""
    try:
        program = connection.execute(
            sa.text(
                "SELECT ATTR_VALUE FROM performance_schema.session_connect_attrs "
                "WHERE PROCESSLIST_ID = :id AND ATTR_NAME = 'program_name'"
            ),
            {"id": holder},
        ).scalar() or ""
    except sa.exc.SQLAlchemyError:
        pass
    label = f", program '{program}'" if program else ""
    return f"held by connection {row.ID}, user {row.USER}@{row.HOST}{label}, in its current state for {row.TIME} s"
