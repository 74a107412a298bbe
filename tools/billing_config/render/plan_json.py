"""A plan as stable JSON (``format_version`` 3, see Plan.to_dict): for scripts, and saved by --out."""

from __future__ import annotations

from billing_config.plan.model import Plan
from billing_config.render.escape import Rendered, json_text


def render_plan_json(plan: Plan) -> Rendered:
    return json_text(plan.to_dict())
