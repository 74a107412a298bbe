"""Warnings for live rows whose values no valid entry file may hold (``live-value-invalid``).

Platform staff can type anything into a live row: a name with an escape sequence, a line break
or a bidi override pasted from elsewhere. The config can't hold such a value (the schemas
refuse control characters), so export and adopt write no file for the row and say why. A plan
reading such a row says so too, with every value escaped, so the reviewer knows the live row
is damaged before approving: an apply writing the config's value repairs it; otherwise the row
must be fixed on the platform.
"""

from __future__ import annotations

from billing_config.findings import W, declare
from billing_config.kinds import get_kind
from billing_config.plan.model import PlanWarning

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from billing_config.db.live import LiveState

RULE = declare(
    "live-value-invalid", W, "sync", "A live row holds a value no valid entry file may hold (a control character in a name).",
    reason="Export and adopt can't write such a row to a file that validates, so they skip it; the reviewer of a "
    "plan must know the live row is damaged, and that the config's value will replace it or the row needs fixing.",
    mistake="UPDATE departments SET name = E'Sales\\x1b[2K' WHERE code = 'sales';   -- typed on the platform",
    fix="UPDATE departments SET name = 'Sales' WHERE code = 'sales';   -- or apply the config, which writes 'Sales'",
)
_WHY = (
    "export and adopt write no file for it; an apply that writes the config's value repairs it, otherwise fix the row "
    "on the platform"
)


def live_value_warnings(live: LiveState) -> list[PlanWarning]:
    """One warning per live row (bound or not) whose values break its kind's schema."""
    from billing_config.rules.json_schema import values_problems

    warnings: list[PlanWarning] = []
    for kmap in live.mapping.kinds.values():
        kind = get_kind(kmap.name)
        rows = [*sorted(live.rows.get(kind.name, {}).items()), *((f"#{row.id}", row) for row in live.unbound.get(kind.name, ()))]
        for code, row in rows:
            problems = values_problems(kind, kind.with_defaults(row.values))
            if problems:
                warnings.append(PlanWarning(
                    rule=RULE, kind=kind.name, code=code,
                    message=f"the live {kind.singular} {ascii(code)[1:-1]} (row {row.id!r}): {'; '.join(problems)}",
                    why=_WHY,
                ))
    return warnings
