"""Documents + live rows -> a Plan: what apply would change, its impact, and what blocks it.

The plan is a value (like octoDNS's Plan, kept apart from the database): renderers print it,
``--out`` saves it, ``apply`` carries it out. Nothing here writes anything, and nothing here
imports SQLAlchemy, so argument parsing can read the default thresholds for free.
"""

from billing_config.plan.model import Blocker, Change, FieldChange, GitInfo, Plan, PlanWarning, Thresholds, Unmanaged

__all__ = ["Blocker", "Change", "FieldChange", "GitInfo", "Plan", "PlanWarning", "Thresholds", "Unmanaged"]
