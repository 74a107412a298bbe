"""The recorded state per target: what the last apply (or ``db init --sample-data``) left live.

Without it the tool cannot tell apart three things that look alike when config and live
differ: someone changed live by hand (drift), a merged change waits for its apply (pending),
and an entry whose file was removed (a delete to plan). So every apply writes, in its own
transaction, one row per live entry of every managed kind:

- ``managed`` true: an apply has seen the entry's file; its ``values`` are what was applied.
  Removing the file of such an entry plans its delete.
- ``managed`` false: a live row without a file that the apply left alone (*unmanaged*). It is
  recorded so that ``drift`` can tell a row that was already there from one inserted since.

One row per entry (the latest), replaced as a whole by each apply: the history of changes is
the audit log's job, so this table stays the size of the configuration however long the loop
runs. An entry is recorded by kind and code with its config values (references as codes), so
the record reads the same under any mapping; which kinds are recorded is the target's mapping's
managed kinds. The table is one of the tool's tables (db/tool_tables.py): beside the audit log
and the bindings, in the mapping's ``[tool] schema`` when it names one, and it holds no foreign
keys into the vendor's tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from billing_config.db.tool.tables import AUDIT_LOG, STATE, tool_table
from billing_config.errors import UserError




def _table(schema: str | None) -> sa.Table:
    """The one place the readers and the writer find the table (where the tool's tables are)."""
    return tool_table(STATE, schema)


@dataclass(frozen=True, slots=True)
class StateRow:
    """One entry as an apply leaves it: every field's value (references as codes)."""

    kind: str
    code: str
    managed: bool
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Recorded:
    managed: bool
    values: dict[str, Any]
    git_commit: str | None
    run_id: str
    applied_at: datetime


@dataclass(slots=True)
class RecordedState:
    """The latest recorded state of a target: kind -> code -> what was recorded."""

    entries: dict[str, dict[str, Recorded]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.entries.values())

    def of(self, kind: str) -> dict[str, Recorded]:
        return self.entries.get(kind, {})

    def latest(self) -> Recorded | None:
        """The most recent record, for "as applied by run X at Y" in messages."""
        rows = [row for kind in self.entries.values() for row in kind.values()]
        return max(rows, key=lambda row: row.applied_at) if rows else None


def _rows_or_none(connection: sa.Connection, statement: sa.Select[Any]) -> list[Any] | None:
    """The statement's rows; None when the table does not exist yet (a target where no apply,
    doctor, adopt or db init has created the tool's tables): nothing is recorded there."""
    try:
        with connection.begin_nested():
            return list(connection.execute(statement).all())
    except (sa.exc.ProgrammingError, sa.exc.OperationalError):
        return None


class StateDamaged(UserError):
    """Rows of the recorded state that no apply wrote (edited by hand or by another program)."""

    def __init__(self, where: str, problems: list[str]) -> None:
        more = [f"... and {len(problems) - 20} more"] if len(problems) > 20 else []
        super().__init__(
            f"the recorded state on {where} ({STATE}) has {len(problems)} damaged row(s), so drift can't compare "
            "live with it; run `billing-config apply` on this target, which records the whole state again:",
            details=[*problems[:20], *more],
        )


def _raw(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """A column as the driver returns it, with no SQLAlchemy conversion that a hand-edited value
    could break (a JSON decode, a date parse): this module checks every value itself."""
    return sa.type_coerce(column, sa.String)


def read_managed(connection: sa.Connection, schema: str | None = None) -> dict[str, set[str]]:
    """kind -> codes of the managed entries, in one light query (no values): what plan needs.

    A row whose kind or code is no text (edited by hand) counts as not managed: its file's
    removal then plans no delete, and the next apply records the state afresh."""
    table = _table(schema)
    result: dict[str, set[str]] = {}
    statement = sa.select(_raw(table.c.kind), _raw(table.c.code)).where(table.c.managed == sa.true())
    for kind, code in _rows_or_none(connection, statement) or ():
        if isinstance(kind, str) and isinstance(code, str):
            result.setdefault(kind, set()).add(code)
    return result


def read_recorded(connection: sa.Connection, schema: str | None = None, where: str = "this target") -> RecordedState:
    """Every recorded entry with its values: what ``drift`` compares live against. Rows no
    apply could have written are refused with :class:`StateDamaged`, naming each."""
    table = _table(schema)
    state = RecordedState()
    statement = sa.select(
        _raw(table.c.kind), _raw(table.c.code), _raw(table.c.managed), sa.cast(table.c["values"], sa.Text),
        _raw(table.c.git_commit), _raw(table.c.run_id), _raw(table.c.applied_at),
    )
    problems: list[str] = []
    for kind, code, managed, values, commit, run_id, applied_at in _rows_or_none(connection, statement) or ():
        entry = f"{ascii(kind)[1:-1] if isinstance(kind, str) else ascii(kind)}/{ascii(code)[1:-1] if isinstance(code, str) else ascii(code)}"
        try:
            if not isinstance(kind, str) or not isinstance(code, str):
                raise ValueError("its kind and code must be text")
            record = Recorded(
                _managed(managed), _values(values), _text_or_none(commit, "git_commit"), str(run_id), _stamp(applied_at)
            )
        except ValueError as error:
            problems.append(f"{entry}: {error}")
            continue
        state.entries.setdefault(kind, {})[code] = record
    if problems:
        raise StateDamaged(where, problems)
    return state


def _managed(raw: Any) -> bool:
    if raw in (True, False, 0, 1) or raw in ("0", "1", "true", "false", "t", "f"):
        return raw in (True, 1, "1", "true", "t")
    raise ValueError(f"managed is {_shown(raw)}, not true or false")


def _values(raw: Any) -> dict[str, Any]:
    import json

    try:
        values = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
    except ValueError:
        raise ValueError(f"values is {_shown(raw)}, which is not JSON") from None
    if not isinstance(values, dict):
        raise ValueError(f"values is {_shown(raw)}, not a JSON object of field values")
    return values


def _text_or_none(raw: Any, name: str) -> str | None:
    if raw is None or isinstance(raw, str):
        return raw
    raise ValueError(f"{name} is {_shown(raw)}, not text")


def _stamp(raw: Any) -> datetime:
    if isinstance(raw, datetime):
        return raw
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            pass
    raise ValueError(f"applied_at is {_shown(raw)}, not a time")


def _shown(raw: Any) -> str:
    text = ascii(raw)
    return text if len(text) <= 60 else text[:59] + "…"


def record_state(
    connection: sa.Connection,
    rows: Iterable[StateRow],
    *,
    kinds: Iterable[str],
    run_id: str,
    stamp: datetime,
    git_commit: str | None,
    schema: str | None = None,
) -> int:
    """Replace the recorded state of ``kinds`` with ``rows``, in the caller's transaction.

    Two statements whatever the number of entries: the old rows of those kinds go, the new
    ones are inserted in one batch. Returns the number of rows recorded.
    """
    table = _table(schema)
    names = sorted(set(kinds))
    if names:
        connection.execute(table.delete().where(table.c.kind.in_(names)))
    batch = [
        {
            "kind": row.kind, "code": row.code, "managed": row.managed, "values": row.values,
            "git_commit": git_commit, "run_id": run_id, "applied_at": stamp,
        }
        for row in rows
    ]
    if batch:
        connection.execute(table.insert(), batch)
    return len(batch)


def has_state(connection: sa.Connection, schema: str | None = None) -> bool:
    table = _table(schema)
    return bool(_rows_or_none(connection, sa.select(sa.literal(1)).select_from(table).limit(1)))


def read_used_allowances(connection: sa.Connection, schema: str | None = None) -> frozenset[str]:
    """The [[allow]] digests an apply on this target has already let through: the ``changes``
    of the audit log's ``allow`` rows (apply/audit.py). An allowance lifts its changes once.

    Read as text and parsed here, so a damaged row is skipped rather than failing the read."""
    import json

    table = tool_table(AUDIT_LOG, schema)
    statement = sa.select(sa.cast(table.c.after, sa.Text)).where(table.c.action == "allow")
    used: set[str] = set()
    for (text,) in _rows_or_none(connection, statement) or ():
        try:
            after = json.loads(text) if isinstance(text, str) else text
        except ValueError:
            continue
        if isinstance(after, dict) and isinstance(after.get("changes"), str):
            used.add(after["changes"])
    return frozenset(used)
