"""The base layer every stage reports through: findings as values, the rule catalogue and
did-you-mean hints. Nothing here knows how a finding will be rendered."""

from billing_config.findings.catalogue import CATALOGUE, MAX_MESSAGE, RuleInfo, finding
from billing_config.findings.model import Finding, Severity, has_failures, shorten, sorted_findings
from billing_config.findings.suggest import did_you_mean

__all__ = [
    "CATALOGUE",
    "MAX_MESSAGE",
    "Finding",
    "RuleInfo",
    "Severity",
    "did_you_mean",
    "finding",
    "has_failures",
    "shorten",
    "sorted_findings",
]
