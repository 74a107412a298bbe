"""A plan as stable JSON (``format_version`` 3, see Plan.to_dict): for scripts, and saved by --out.

Amounts are Decimals and stay exact: each is written as a JSON number with its two decimals
(``1234.50``), never through a binary float. ``apply --plan`` reads them back as Decimals
(``json.loads(..., parse_float=Decimal)``).
"""

from __future__ import annotations

import json
import re
import secrets
from decimal import Decimal
from typing import Any

from billing_config.plan.model import Plan
from billing_config.render.escape import Rendered, json_rendered


def exact_json(data: Any, **options: Any) -> str:
    """``json.dumps`` that writes every Decimal as the number it is (``1234.50``).

    The C encoder knows no Decimal, so each is first written as a string holding a random
    marker, then that quoted string is replaced by the bare number. The marker is new for every
    call, so no text in the plan (a name, a live value) can pass for one.
    """
    marker = f"decimal-{secrets.token_hex(8)}:"

    def number(value: Any) -> str:
        if isinstance(value, Decimal) and value.is_finite():
            return marker + format(value, "f")
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")

    text = json.dumps(data, default=number, **options)
    return re.sub('"' + re.escape(marker) + r'(-?[0-9]+(?:\.[0-9]+)?)"', r"\1", text)


def render_plan_json(plan: Plan) -> Rendered:
    """Exact amounts, and no control character raw (render.escape.json_rendered)."""
    return json_rendered(exact_json(plan.to_dict(), indent=2, ensure_ascii=False))
