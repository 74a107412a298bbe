"""The base layer every stage reports through: findings as values, rule declarations and
did-you-mean hints. Nothing here knows how a finding will be rendered."""

from billing_config.findings.catalogue import E, MAX_MESSAGE, N, W, RuleInfo, declare, declared, finding, rule_info
from billing_config.findings.model import Finding, Severity, has_failures, shorten, sorted_findings
from billing_config.findings.suggest import did_you_mean

__all__ = [
    "E",
    "MAX_MESSAGE",
    "N",
    "W",
    "Finding",
    "RuleInfo",
    "Severity",
    "declare",
    "declared",
    "did_you_mean",
    "finding",
    "has_failures",
    "rule_info",
    "shorten",
    "sorted_findings",
]
