"""Safety thresholds: a plan that changes too much of a kind at once is refused by apply.

A mass update or delete is more often a mistake (a bad merge, a wrong --config-dir, a script
gone wrong) than an intention; when it is intended, the flags raise the limit for that run.
The same holds for money: with --max-monthly-change, a kind's changes that move more of its
measured charges (monthly charges a status decides are invoiced) than that are refused.
"""

from __future__ import annotations

import math
from decimal import Decimal

from billing_config.findings import E, declare
from billing_config.kinds import KINDS
from billing_config.plan.model import DELETE, UPDATE, Blocker, Change, Thresholds, charges_moved
from billing_config.plan.money import format_money

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


MAX_MONTHLY_CHANGE = declare(
    "max-monthly-change", E, "sync",
    "With --max-monthly-change AMOUNT, plan and apply refuse a kind's changes that move more than AMOUNT of the "
    "charges they decide are invoiced (off by default).",
    reason="Turning is_billable off on a busy status stops every charge of its customers at the next bill run: a slip "
    "costs real money before anyone notices. Setting a limit makes a change that moves more than that a reviewed "
    "decision, like a mass delete.",
    mistake="billing-config apply --target live --max-monthly-change 1000   # Active stops billing: £48,210.00 a month",
    fix="# billing-config.toml, in the same pull request (as plan prints it)\n[[allow]]\nkind = \"statuses\"\n"
    "rule = \"max-monthly-change\"\nlimit = 48210\nchanges = \"sha256:…\"\nreason = \"Winding down the legacy tariff\"",
)


def needed_amount(amount: Decimal) -> int:
    """The whole amount a limit needs to let ``amount`` through (limits are whole units)."""
    return math.ceil(amount)


def check_money(changes: list[Change], limits: Thresholds) -> list[Blocker]:
    """Per kind and unit: the amount its changes move together, against --max-monthly-change."""
    limit = limits.max_monthly_change
    if limit is None:
        return []
    blockers: list[Blocker] = []
    for kind in KINDS:
        for unit, amount in charges_moved(changes, kind.name).items():
            if amount <= limit:
                continue
            count = sum(1 for c in changes if c.kind == kind.name and unit in c.moved())
            blockers.append(
                Blocker(
                    rule=MAX_MONTHLY_CHANGE, kind=kind.name, code=None,
                    message=(
                        f"{count} change(s) to {kind.name} would move {format_money(amount, unit)} of the charges they "
                        f"decide are invoiced, above the --max-monthly-change limit of {format_money(limit, unit)}"
                    ),
                    hint=f"check the change is intended, then re-run with --max-monthly-change {needed_amount(amount)}",
                )
            )
    return blockers


def check_thresholds(changes: list[Change], live_counts: dict[str, int], limits: Thresholds) -> list[Blocker]:
    blockers: list[Blocker] = check_money(changes, limits)
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
