"""Validation findings in the formats people and machines read."""

from __future__ import annotations

import json
from collections.abc import Sequence

from billing_config.findings import Finding, Severity
from billing_config.render.escape import gh_data, gh_property, log_line, terminal

from billing_config.render import FINDING_FORMATS as FORMATS  # noqa: F401  (the registry)

_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.NOTE: "\033[36m"}
_GITHUB = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
_BOLD = "\033[1m"
_RESET = "\033[0m"


def render_text(findings: Sequence[Finding], colour: bool = False) -> str:
    """Compiler style, one line a problem: PATH:LINE:COLUMN: SEVERITY RULE message.

    Paths and messages carry file names and values, so each line is escaped for the terminal
    and for CI logs (render.escape.log_line); colour is added after escaping.
    """
    lines = []
    for f in findings:
        severity = f.severity.value
        if colour:
            lines.append(
                f"{_BOLD}{log_line(f.path)}:{f.line}:{f.column}:{_RESET} {_COLOURS[f.severity]}{severity}{_RESET} "
                f"{_BOLD}{f.rule}{_RESET} {terminal(f.message)}"
            )
        else:
            lines.append(log_line(f"{f.path}:{f.line}:{f.column}: {severity} {f.rule} {f.message}"))
    return "".join(line + "\n" for line in lines)


def render_json(findings: Sequence[Finding]) -> str:
    return json.dumps([f.as_dict() for f in findings], indent=2, ensure_ascii=False) + "\n"


def render_github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands, which become annotations on the pull request's lines."""
    lines = []
    for f in findings:
        command = _GITHUB[f.severity]
        properties = (
            f"file={gh_property(f.path)},line={f.line},col={f.column},title={gh_property(f.rule)}"
        )
        lines.append(f"::{command} {properties}::{gh_data(f.message)}")
    return "".join(line + "\n" for line in lines)


def render_summary(files: int, errors: int, warnings: int) -> str:
    if not errors and not warnings:
        return f"{files} file(s) checked: no problems"
    return f"{files} file(s) checked: {errors} error(s), {warnings} warning(s)"
