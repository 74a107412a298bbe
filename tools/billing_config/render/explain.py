"""One rule's lesson as `billing-config explain RULE-ID` prints it (like `ruff rule`)."""

from __future__ import annotations

from billing_config.findings import RuleInfo


def render_explanation(rule: RuleInfo) -> str:
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
    return "\n".join(lines) + "\n"
