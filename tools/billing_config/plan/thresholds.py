"""Safety thresholds: a plan that changes too much of a kind at once is refused by apply.

A mass update or delete is more often a mistake (a bad merge, a wrong --config-dir, a script
gone wrong) than an intention; when it is intended, the flags raise the limit for that run.
"""

from __future__ import annotations

import math

from billing_config.findings import E, declare
from billing_config.kinds import KINDS
from billing_config.plan.model import DELETE, UPDATE, Blocker, Change, Thresholds

_WHY_LIMITS = (
    "A mass change is more often a slip (a bad merge, the wrong --config-dir, a script gone wrong) than an "
    "intention; when it is meant, raising the limit for that one run says so."
)
declare(
    "max-update-percent", E, "sync",
    "Plan and apply refuse to update more than 30 % of a kind's live entries (when it has more than 10).",
    reason=_WHY_LIMITS,
    mistake="billing-config apply --target live           # 9 of 12 statuses updated",
    fix="billing-config apply --target live --max-update-percent 75",
)
declare(
    "max-delete-percent", E, "sync",
    "Plan and apply refuse to delete more than 30 % of a kind's live entries (when it has more than 10).",
    reason=_WHY_LIMITS,
    mistake="billing-config apply --target live --prune   # 6 of 12 groups deleted",
    fix="billing-config apply --target live --prune --max-delete-percent 50",
)
declare(
    "max-deletes", E, "sync", "Plan and apply refuse to delete more than 25 entries of a kind in one run.",
    reason=_WHY_LIMITS,
    mistake="billing-config apply --target live --prune   # 40 departments deleted",
    fix="billing-config apply --target live --prune --max-deletes 40",
)


def check_thresholds(changes: list[Change], live_counts: dict[str, int], limits: Thresholds) -> list[Blocker]:
    blockers: list[Blocker] = []
    for kind in KINDS:
        if not kind.managed:
            continue
        live = live_counts.get(kind.name, 0)
        updates = sum(1 for c in changes if c.kind == kind.name and c.action == UPDATE)
        deletes = sum(1 for c in changes if c.kind == kind.name and c.action == DELETE)
        if live > limits.min_entries:
            for action, count, limit, flag in (
                (UPDATE, updates, limits.max_update_percent, "--max-update-percent"),
                (DELETE, deletes, limits.max_delete_percent, "--max-delete-percent"),
            ):
                share = 100.0 * count / live
                if share > limit:
                    blockers.append(
                        Blocker(
                            rule=flag.lstrip("-"), kind=kind.name, code=None,
                            message=(
                                f"{count} of {live} live {kind.name} would be {action}d ({share:.0f}%), "
                                f"above the {limit:g}% threshold"
                            ),
                            hint=f"check the change is intended, then re-run with {flag} {math.ceil(share)}",
                        )
                    )
        if deletes > limits.max_deletes:
            blockers.append(
                Blocker(
                    rule="max-deletes", kind=kind.name, code=None,
                    message=f"{deletes} {kind.name} would be deleted, more than the cap of {limits.max_deletes}",
                    hint=f"check the deletes are intended, then re-run with --max-deletes {deletes}",
                )
            )
    return blockers
