"""Helpers for rule tests: change the sample tree, validate it, look at what was found."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from billing_config.findings import Finding
from tests.testing.files import edit
from billing_config.rules import validate_tree

Check = Callable[..., list[Finding]]


@pytest.fixture
def check(config_tree: Path) -> Check:
    """check(files={"statuses/x.yaml": "..."}, edits=[(file, old, new)]) -> findings of the tree."""

    def _check(files: dict[str, str] | None = None, edits: list[tuple[str, str, str]] | None = None) -> list[Finding]:
        for relative, text in (files or {}).items():
            (config_tree / relative).write_text(text)
        for relative, old, new in edits or []:
            edit(config_tree / relative, old, new)
        return validate_tree(config_tree).findings

    return _check


def brief(findings: list[Finding]) -> list[tuple[str, str, int, int, str]]:
    """(file relative to config/, rule, line, column, severity) for each finding."""
    return [
        (f.path.split("/config/", 1)[-1], f.rule, f.line, f.column, f.severity.value)
        for f in findings
    ]
