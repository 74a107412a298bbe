"""One rule's lesson as `billing-config explain RULE-ID` prints it (like `ruff rule`)."""

from __future__ import annotations

from billing_config.findings import RuleInfo
from billing_config.render.escape import Rendered, log_text


def render_explanation(rule: RuleInfo) -> Rendered:
    def indented(text: str) -> list[str]:
        return [f"    {line}" if line else "" for line in text.splitlines()]

    lines = [
        f"{rule.id} ({rule.severity.value}, {rule.stage})",
        "",
        rule.summary,
        "",
        rule.reason,
        "",
        "The mistake:",
        *indented(rule.mistake),
        "",
        "The fix:",
        *indented(rule.fix),
    ]
    return Rendered(log_text("\n".join(lines)) + "\n")  # the catalogue's own lines, each made safe
