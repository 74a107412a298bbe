"""The refusal of a plan that would empty a kind: a config holding no entry of it.

A new config repository starts with empty kind folders (``init`` writes them). Planned against
a platform whose entries the target manages (an earlier apply, or ``db init --sample-data``),
every one of them has no file and so plans as a delete: forty deletes, stopped only where
customers happen to use an entry. That is never what a newcomer means. The repository starts
from the platform instead: ``export`` writes the live entries as files, and the first pull
request changes them.

The refusal is per kind and comes first; the refusals of single deletes (in use, the
thresholds) still follow it, so the plan says everything apply would refuse.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from billing_config.findings import E, declare
from billing_config.kinds import get_kind
from billing_config.plan.model import DELETE, Blocker, Change, Plan, PlanWarning

CONFIG_EMPTY = declare(
    "config-empty", E, "sync",
    "Plan and apply refuse to delete every entry of a kind because the config holds none of it.",
    reason="A config folder with no entry of a kind, against a platform that has them, is a new or half-copied "
    "repository, not a decision to delete them all; applied, it would remove every status, group or department "
    "the platform has. A new repository starts from the platform: export writes its entries as files.",
    mistake="billing-config init billing-platform-config      # empty config/<kind>/ folders\n"
    "cd billing-platform-config && billing-config plan --target test-readonly   # 40 deletes",
    fix="billing-config export --target test-readonly     # the platform's entries become files\n"
    "git add config && git commit -m \"Start from the platform\"\n"
    "billing-config plan --target test-readonly       # No changes",
)

def empty_kinds(changes: Sequence[Change], configured: Collection[str]) -> list[str]:
    """The kinds (in plan order) that the plan deletes entries of while the config holds none."""
    deleting = dict.fromkeys(change.kind for change in changes if change.action == DELETE)
    return [kind for kind in deleting if kind not in configured]


def config_empty_blockers(changes: Sequence[Change], configured: Collection[str]) -> list[Blocker]:
    """One refusal per kind that the config holds no entry of and the plan would empty.

    configured: the kinds that have at least one entry in the config.
    """
    blockers = []
    for name in empty_kinds(changes, configured):
        kind = get_kind(name)
        deletes = sum(1 for change in changes if change.kind == name and change.action == DELETE)
        blockers.append(
            Blocker(
                rule=CONFIG_EMPTY, kind=name, code=None,
                message=(
                    f"the config holds no {kind.singular} (config/{name}/ has no entry file), so this plan would "
                    f"delete all {deletes} {name} of the target"
                ),
                hint=(
                    "a new repository starts from the platform: run `billing-config export` with this plan's "
                    "--target or --database (a read-only user is enough) to write its entries as files, commit "
                    "them, and plan again"
                ),
            )
        )
    return blockers



def for_reviewers(plan: Plan) -> tuple[list[Blocker], list[PlanWarning], int]:
    """The refusals and warnings worth a reviewer's reading, and how many were left out.

    Where a kind is refused as empty, its deletes' own refusals (in use, the thresholds) and
    warnings (a shipped entry deleted) all follow from that one mistake: shown, they would bury
    it under forty lines. The plan keeps them all (JSON, apply); the text and Markdown plans
    show the one refusal per kind that says what to do.
    """
    empty = {blocker.kind for blocker in plan.blockers if blocker.rule == CONFIG_EMPTY}
    blockers = [b for b in plan.blockers if b.rule == CONFIG_EMPTY or b.kind not in empty]
    warnings = [w for w in plan.warnings if w.kind not in empty]
    return blockers, warnings, len(plan.blockers) - len(blockers) + len(plan.warnings) - len(warnings)
