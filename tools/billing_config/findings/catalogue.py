"""Rule declarations: every rule's stable id, severity and lesson, declared next to its check.

A module that reports a rule declares it once, at import, with :func:`declare`; the finding
it then makes (:func:`finding`) takes its severity from that declaration, so no caller can
disagree with it. Declaring beside the check keeps the lesson where the code that needs it is:
adding a rule is one declaration and one check in the same module, and nothing else to edit.

This module sits below every stage that declares, so it cannot import them: the *whole*
catalogue, for ``docs`` and ``explain``, is assembled higher up (render.rule_catalogue),
which imports every declaring module. Ids never change meaning once published: CI
configurations, suppressions and people's memory refer to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from billing_config.findings.model import Finding, Severity

E = Severity.ERROR
W = Severity.WARNING
N = Severity.NOTE

# The stages in the order validate meets them (and docs lists them); "chain" holds the lifecycle
# checks (rules/chain.py), which run after the lint rules in each pass; "doctor" holds what
# `doctor` finds in a database against its mapping; "sync" holds the refusals of plan and
# apply, which are not findings but are looked up the same way.
STAGES = ("layout", "yaml", "schema", "references", "uniqueness", "format", "lint", "chain", "target", "doctor", "sync")


class RuleInfo(NamedTuple):
    """A rule and the short lesson `billing-config explain RULE-ID` gives about it.

    ``mistake`` and ``fix`` are the same few lines before and after: for a config rule, a file's
    lines (a first ``# config/...`` comment says which file); for a refusal, what was run.
    """

    id: str
    severity: Severity
    stage: str
    summary: str  # one line: what the rule finds
    reason: str  # why it matters: what goes wrong on the platform if it slips through
    mistake: str  # an example of the mistake
    fix: str  # the same example, fixed


_DECLARED: dict[str, RuleInfo] = {}

MAX_MESSAGE = 1000


def declare(
    id: str, severity: Severity, stage: str, summary: str, *, reason: str, mistake: str, fix: str
) -> str:
    """Declare a rule (at import, next to its check); returns the id for the check to use.

    Declaring the same id twice with a different text is a programming error, caught at import
    by every test: two modules must never disagree about what a rule means.
    """
    if stage not in STAGES:
        raise ValueError(f"rule {id!r}: unknown stage {stage!r}; use one of {', '.join(STAGES)}")
    info = RuleInfo(id, severity, stage, summary, reason.strip(), mistake.strip("\n"), fix.strip("\n"))
    existing = _DECLARED.get(id)
    if existing is not None and existing != info:
        raise ValueError(f"rule {id!r} is declared twice with different texts")
    _DECLARED[id] = info
    return id


def declared() -> Mapping[str, RuleInfo]:
    """The rules declared by the modules imported so far (read-only).

    Only what has been imported: for the whole catalogue use render.rule_catalogue.
    """
    return MappingProxyType(_DECLARED)


def rule_info(rule: str) -> RuleInfo:
    try:
        return _DECLARED[rule]
    except KeyError:
        raise LookupError(f"rule {rule!r} is not declared; declare it with findings.declare next to its check") from None


def finding(
    rule: str,
    path: str,
    line: int,
    column: int,
    message: str,
    *,
    kind: str | None = None,
    code: str | None = None,
    json_path: str = "$",
) -> Finding:
    """A finding whose severity comes from the rule's declaration.

    The message is cut at MAX_MESSAGE characters as a last line of defence: every rule already
    quotes values through findings.shorten, but no slip may ever print a whole huge value.
    """
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    return Finding(
        path=path,
        line=line,
        column=column,
        severity=rule_info(rule).severity,
        rule=rule,
        message=message,
        kind=kind,
        code=code,
        json_path=json_path,
    )
