"""The refusal to delete an entry that customers or tickets still use.

The planner raises it from the usage it read; apply raises it again from the usage it re-reads
under the lock, because customers move between statuses all day. One wording for both, so an
administrator gets the same advice whichever check stopped them.
"""

from __future__ import annotations

from billing_config.findings import E, declare
from billing_config.kinds import Kind
from billing_config.plan.model import Blocker

IN_USE = declare(
    "in-use", E, "sync", "Plan and apply refuse to delete an entry that customers or tickets still use.",
    reason="Deleting a status that customers hold would leave them with none, or fail half-way on the platform's "
    "foreign keys. Retiring it keeps their history intact.",
    mistake="git rm config/statuses/suspended.yaml      # 13 customers hold Suspended",
    fix="# config/statuses/suspended.yaml (kept)\navailability: Historical",
)


def in_use_blocker(kind: Kind, code: str, name: str, count: int, *, since_plan: bool = False, noun: str | None = None) -> Blocker:
    noun = noun or (kind.usage.noun if kind.usage else "rows")
    moved = "is now used" if since_plan else "is used"
    retire = (
        f"keep config/{kind.name}/{code}.yaml and set `availability: Historical` to retire it, or "
        if "availability" in kind.field_map
        else f"keep config/{kind.name}/{code}.yaml, or "
    )
    return Blocker(
        rule=IN_USE, kind=kind.name, code=code,
        message=f"{kind.singular} '{code}' ({name}) {moved} by {count} {noun} and cannot be deleted",
        hint=f"{retire}move those {noun} to another {kind.singular} first",
    )
