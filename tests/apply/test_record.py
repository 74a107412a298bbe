"""What an apply records: config entries as managed (their applied values), kept live rows as
unmanaged, deleted entries not at all; a plan saved without its entries keeps the managed set."""

from __future__ import annotations

from billing_config.apply.record import state_rows
from billing_config.db.live import LiveRow, LiveState
from billing_config.db.tool.state import StateRow
from billing_config.kinds import KINDS
from billing_config.plan.model import CREATE, DELETE, UPDATE, Change, Plan, Thresholds


def live_state(groups: dict[str, str], managed: set[str]) -> LiveState:
    rows = {kind.name: {} for kind in KINDS}
    rows["groups"] = {code: LiveRow(n, code, {"name": name}) for n, (code, name) in enumerate(sorted(groups.items()))}
    return LiveState(rows=rows, managed={"groups": managed})


def plan_of(changes: list[Change], entries: dict[str, list[str]] | None) -> Plan:
    return Plan(
        changes=changes, unmanaged=[], blockers=[], fingerprint="sha256:0", live_counts={}, prune=False,
        thresholds=Thresholds(), database="sqlite://", created_at="", tool_version="", entries=entries,
    )


CHANGES = [
    Change("groups", "new", CREATE, "New", None, {"name": "New"}),
    Change("groups", "renamed", UPDATE, "Renamed 2", {"name": "Renamed"}, {"name": "Renamed 2"}),
    Change("groups", "gone", DELETE, "Gone", {"name": "Gone"}, None),
]
LIVE = {"same": "Same", "renamed": "Renamed", "gone": "Gone", "walk-in": "Walk-in"}


def groups(rows: list[StateRow]) -> dict[str, tuple[bool, dict[str, object]]]:
    return {row.code: (row.managed, row.values) for row in rows if row.kind == "groups"}


def test_config_entries_are_managed_with_their_applied_values() -> None:
    rows = state_rows(plan_of(CHANGES, {"groups": ["new", "renamed", "same"]}), live_state(LIVE, {"same", "renamed", "gone"}))
    assert groups(rows) == {
        "new": (True, {"name": "New"}),
        "renamed": (True, {"name": "Renamed 2"}),
        "same": (True, {"name": "Same"}),
        "walk-in": (False, {"name": "Walk-in"}),
    }


def test_a_plan_saved_without_entries_keeps_the_managed_set() -> None:
    rows = state_rows(plan_of(CHANGES, None), live_state(LIVE, {"same", "renamed", "gone"}))
    assert {code for code, (managed, _) in groups(rows).items() if managed} == {"new", "renamed", "same"}
