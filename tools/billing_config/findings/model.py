"""Problems found in the configuration, as values.

A finding is found once and rendered many ways (text, JSON, GitHub annotations, Markdown), so
it carries everything a renderer needs and nothing about how it will look.

The value classes of the stages validate runs (here, in kinds, loader and rules) are named
tuples or plain classes, not dataclasses: importing dataclasses (it imports inspect) and
building ten dataclasses cost validate 10 ms of the 50 it took on the sample tree, and it runs
on every commit.
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"  # a fact worth knowing (a target's limit); never a failure, even with --strict


class Finding(NamedTuple):
    path: str  # as the user should read it: relative to the working directory when under it
    line: int  # 1-based; 1 for whole-file problems
    column: int  # 1-based
    severity: Severity
    rule: str  # a stable id from rules.catalogue
    message: str  # what is wrong and how to fix it; never a whole offending value
    kind: str | None = None
    code: str | None = None
    json_path: str = "$"

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.rule, self.message)

    def as_dict(self) -> dict[str, object]:
        result: dict[str, object] = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity.value,
            "rule": self.rule,
            "message": self.message,
            "json_path": self.json_path,
        }
        if self.kind is not None:
            result["kind"] = self.kind
        if self.code is not None:
            result["code"] = self.code
        return result


def sorted_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: f.sort_key)


def has_failures(findings: list[Finding], strict: bool) -> bool:
    """Errors fail; warnings fail with ``strict``; notes never do."""
    return any(f.severity is Severity.ERROR or (strict and f.severity is Severity.WARNING) for f in findings)


def shorten(value: object, limit: int = 40) -> str:
    """A value quoted for a message, cut short: a message must never carry a whole huge value.

    reprlib bounds the work as well as the text, so a deep or wide value costs nothing extra.
    """
    import reprlib

    bounded = reprlib.Repr()
    bounded.maxstring = bounded.maxother = limit
    bounded.maxlist = bounded.maxdict = 4
    bounded.maxlevel = 2
    return bounded.repr(value)
