"""The refusal to delete an entry that customers or tickets still use.

The planner raises it from the usage it read; apply raises it again from the usage it re-reads
under the lock, because customers move between statuses all day. One wording for both, so an
administrator gets the same advice whichever check stopped them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from billing_config.findings import E, declare
from billing_config.kinds import Kind
from billing_config.plan.model import Blocker, Use, who

if TYPE_CHECKING:
    from billing_config.db.live import LiveState

IN_USE = declare(
    "in-use", E, "sync", "Plan and apply refuse to delete an entry that customers or tickets still use.",
    reason="Deleting a status that customers hold would leave them with none, or fail half-way on the platform's "
    "foreign keys. Retiring it keeps their history intact.",
    mistake="git rm config/statuses/suspended.yaml      # 13 customers hold Suspended",
    fix="# config/statuses/suspended.yaml (kept)\navailability: Historical",
)


def uses_of(live: LiveState, kind: str, code: str) -> tuple[Use, ...] | None:
    """How each usage table of the kind uses the live entry, as the plan states it (None when
    nothing can use entries of the kind on this target)."""
    found = live.used(kind, code)
    if found is None:
        return None
    return tuple(
        Use(item.usage.noun, item.usage.one, item.count, item.total, item.usage.unit if item.total is not None else None)
        for item in found
    )


def in_use_blocker(kind: Kind, code: str, name: str, uses: Sequence[Use], *, since_plan: bool = False) -> Blocker:
    """The refusal, naming each usage table's count with its own noun ('used by 2 third parties
    and 1 sub-category'), never a sum across them."""
    moved = "is now used" if since_plan else "is used"
    retire = (
        f"keep config/{kind.name}/{code}.yaml and set `availability: Historical` to retire it, or "
        if "availability" in kind.field_map
        else f"keep config/{kind.name}/{code}.yaml, or "
    )
    nouns = [use.noun for use in uses if use.count]
    those = " and ".join(dict.fromkeys(nouns)) if nouns else "them"
    return Blocker(
        rule=IN_USE, kind=kind.name, code=code,
        message=f"{kind.singular} '{code}' ({name}) {moved} by {who(uses)} and cannot be deleted",
        hint=f"{retire}move those {those} to another {kind.singular} first",
    )
