"""Validation findings in the formats people and machines read."""

from __future__ import annotations

from collections.abc import Sequence

from billing_config.findings import Finding, Severity
from billing_config.render.escape import Rendered, gh_data, gh_property, json_text, log_line

from billing_config.render import FINDING_FORMATS as FORMATS  # noqa: F401  (the registry)

_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.NOTE: "\033[36m"}
_GITHUB = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
_BOLD = "\033[1m"
_RESET = "\033[0m"


def render_text(findings: Sequence[Finding], colour: bool = False) -> Rendered:
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
                f"{_BOLD}{f.rule}{_RESET} {log_line(f.message)}"
            )
        else:
            lines.append(log_line(f"{f.path}:{f.line}:{f.column}: {severity} {f.rule} {f.message}"))
    return Rendered("".join(line + "\n" for line in lines))


def render_json(findings: Sequence[Finding]) -> Rendered:
    return json_text([f.as_dict() for f in findings])


def render_github(findings: Sequence[Finding]) -> Rendered:
    """GitHub Actions workflow commands, which become annotations on the pull request's lines."""
    lines = []
    for f in findings:
        command = _GITHUB[f.severity]
        properties = (
            f"file={gh_property(f.path)},line={f.line},col={f.column},title={gh_property(f.rule)}"
        )
        lines.append(f"::{command} {properties}::{gh_data(f.message)}")
    return Rendered("".join(line + "\n" for line in lines))


def render_summary(files: int, errors: int, warnings: int) -> Rendered:
    if not errors and not warnings:
        return Rendered(f"{files} file(s) checked: no problems\n")
    return Rendered(f"{files} file(s) checked: {errors} error(s), {warnings} warning(s)\n")
