"""Warnings for changes to entries the platform ships and relies on (``Kind.shipped``).

The platform's standard customer classes are looked up by its own billing, reporting and
delivery rules; editing or deleting one is allowed but should never happen unnoticed. The plan
carries a warning per such change, which every format shows with its reason, and apply goes
ahead: the reviewer who approves the plan has been told.
"""

from __future__ import annotations

from billing_config.findings import W, declare
from billing_config.kinds import get_kind
from billing_config.plan.model import DELETE, UPDATE, Change, PlanWarning

# Not a finding of validate but a warning the plan carries; declared (stage sync, like the
# refusals of plan and apply) so that `explain shipped-entry-changed` and docs can teach it.
RULE = declare(
    "shipped-entry-changed", W, "sync", "A plan that changes or deletes an entry the platform ships and relies on.",
    reason="The platform's own billing, reporting and delivery rules look up its standard customer classes; "
    "editing or deleting one is allowed, but the reviewer approving the plan must see it.",
    mistake="# config/classes/residential.yaml\nname: Home Customers     # the plan warns; apply goes ahead",
    fix="# config/classes/residential.yaml   # left as shipped\nname: Residential / Consumer",
)


def shipped_warnings(changes: list[Change]) -> list[PlanWarning]:
    """One warning per update or delete of a shipped entry. The message names the entry by its
    code only (never its name, which is user text), so every format can show it as it is."""
    warnings: list[PlanWarning] = []
    for change in changes:
        kind = get_kind(change.kind)
        if kind.shipped is None or change.code not in kind.shipped.codes or change.action not in (UPDATE, DELETE):
            continue
        if change.action == UPDATE:
            what = f"changes {', '.join(f.field for f in change.fields)} of"
        else:
            what = "deletes"
        warnings.append(
            PlanWarning(
                rule=RULE, kind=kind.name, code=change.code,
                message=f"this plan {what} the shipped {kind.singular} '{change.code}'",
                why=kind.shipped.reason,
            )
        )
    return warnings
