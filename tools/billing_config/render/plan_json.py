"""A plan as stable JSON (``format_version`` 3, see Plan.to_dict): for scripts, and saved by --out."""

from __future__ import annotations

import json

from billing_config.plan.model import Plan


def render_plan_json(plan: Plan) -> str:
    return json.dumps(plan.to_dict(), indent=2, ensure_ascii=False) + "\n"
