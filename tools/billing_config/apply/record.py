"""What an apply records as the target's state (db/state.py), computed from the plan it applied
and the live rows it read under the lock.

After the writes, every entry of the config holds its config values: a created or updated
entry the plan's ``after``, any other the live values read (equal to the config, or the plan
would have changed them). Those are recorded as *managed*. Live rows without a file that the
apply kept are recorded as *unmanaged*, so that ``drift`` can tell them from rows inserted
later. Deleted entries are no longer recorded at all.

The kinds recorded are the ones the target's mapping manages (``live.mapping``); entries are
recorded by code with their config values, whatever the mapping stores. Rows no code is bound
to yet are recorded by key (``#17``), unmanaged, so a row inserted on live later is drift; a
bound entry becomes managed when an apply sees its file, exactly like any other.
"""

from __future__ import annotations

from billing_config.db.live import LiveState
from billing_config.kinds import CODE_MAX_LENGTH
from billing_config.mapping import Mapping
from billing_config.db.tool.state import RecordedState, StateRow
from billing_config.plan.drift import unbound_code
from billing_config.plan.model import CREATE, DELETE, Plan


def state_rows(plan: Plan, live: LiveState) -> list[StateRow]:
    rows: list[StateRow] = []
    for kmap in live.mapping.managed():
        kind = kmap.kind
        live_rows = live.rows.get(kind.name, {})
        changes = {change.code: change for change in plan.changes if change.kind == kind.name}
        deleted = {code for code, change in changes.items() if change.action == DELETE}
        if plan.entries is not None:
            managed = set(plan.entries.get(kind.name, ()))
        else:  # a plan saved before entries were recorded: keep the managed set as it is
            managed = (live.managed.get(kind.name, set()) | {c for c, ch in changes.items() if ch.action == CREATE}) - deleted
        for code in sorted(managed | set(live_rows)):
            if code in deleted:
                continue
            change = changes.get(code)
            if change is not None and change.after is not None:
                values = change.after  # the audit's after too: its JSON is made once (db/json_values.py)
            elif code in live_rows:
                values = dict(live_rows[code].values)
            else:
                continue  # a managed code with neither a change nor a live row: nothing to record
            rows.append(StateRow(kind.name, code, code in managed, values))
        rows.extend(unbound_rows(live, kind.name))
    return rows


def unbound_rows(live: LiveState, kind: str) -> list[StateRow]:
    """Live rows no code is bound to yet, recorded by their key (unmanaged), so drift can tell
    them from a row inserted on live later (adopt then binds one; drift matches it by key)."""
    found = [StateRow(kind, unbound_code(row.id), False, dict(row.values)) for row in live.unbound.get(kind, ())]
    return [row for row in found if len(row.code) <= CODE_MAX_LENGTH]


def adopted_rows(live: LiveState, recorded: RecordedState) -> list[StateRow]:
    """The state adopt records: managed entries as the last apply recorded them, every other
    live row (bound or not) unmanaged with the values it holds now."""
    rows: list[StateRow] = []
    for kmap in live.mapping.managed():
        kind = kmap.kind.name
        entries = recorded.of(kind)
        for code, entry in sorted(entries.items()):
            if entry.managed:
                rows.append(StateRow(kind, code, True, dict(entry.values)))
        kept = {row.code for row in rows if row.kind == kind}
        for code, row in sorted(live.rows.get(kind, {}).items()):
            if code not in kept:
                rows.append(StateRow(kind, code, False, dict(row.values)))
        rows.extend(unbound_rows(live, kind))
    return rows


def recorded_kinds(mapping: Mapping) -> list[str]:
    """The kinds whose recorded state an apply replaces: those the target's mapping manages."""
    return [kmap.name for kmap in mapping.managed()]
