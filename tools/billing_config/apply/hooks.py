"""The mapping's own SQL, run inside the apply transaction: the vendor's history and caches.

A vendor's application often keeps a history of its lists or a cache it must be told about;
the mapping's author writes those statements (``[[kinds.KIND.on_change]]``, ``[[after_apply]]``)
and ``[[guard]]`` counts that must be 0 before anything is written (a bill run in progress).
They are the only SQL a mapping carries, written on purpose by whoever may change the mapping
in review; every value reaches them as a bound parameter (``:action``, ``:key``, ``:code``,
``:before``, ``:after``), never pasted. Plan lists every statement (``Plan.hooks``).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from billing_config.errors import Refused
from billing_config.mapping import Mapping
from billing_config.plan.model import Plan


class GuardHolds(Refused):
    """A [[guard]] of the mapping counted something: apply must wait; nothing was changed."""


def check_guards(connection: sa.Connection, mapping: Mapping) -> None:
    """Each guard's count, read in the apply's transaction before any write."""
    for guard in mapping.guards:
        count = connection.execute(sa.text(guard.sql)).scalar()
        if count:
            raise GuardHolds(
                f"apply refused, nothing changed: {guard.message} (the mapping's guard counts {count!r}: {guard.sql}). "
                "Apply again once it is over"
            )


def run_on_change(connection: sa.Connection, mapping: Mapping, plan: Plan, keys: dict[tuple[str, str], Any]) -> int:
    """Each kind's on_change statements, once per row this apply wrote (one batch each)."""
    run = 0
    for kmap in mapping.managed():
        if not kmap.on_change:
            continue
        rows = [
            {
                "action": change.action, "key": keys.get((change.kind, change.code)), "code": change.code,
                "before": _json(change.before), "after": _json(change.after),
            }
            for change in plan.changes if change.kind == kmap.name
        ]
        if not rows:
            continue
        for sql in kmap.on_change:
            connection.execute(sa.text(sql), rows)
            run += 1
    return run


def run_after_apply(connection: sa.Connection, mapping: Mapping, plan: Plan) -> None:
    if plan.has_changes:
        for sql in mapping.after_apply:
            connection.execute(sa.text(sql))


def _json(values: dict[str, Any] | None) -> str | None:
    return None if values is None else json.dumps(values, ensure_ascii=False, sort_keys=True)
