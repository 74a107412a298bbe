"""Hand-written entry files (quotes, comments, blank lines) take the fast path and mean the same."""

from __future__ import annotations

import pytest

from billing_config.findings import Finding
from billing_config.loader import yaml_reader


def outcome(text: str, fast: bool) -> tuple[tuple[str, object] | None, list[Finding]]:
    """What reading the text gives: values (by repr, so 1, 1.0 and True differ) with their
    positions, or None; and the findings."""
    document, findings = yaml_reader._read_text(text, "statuses/x.yaml", "statuses", "x", fast=fast)
    values = None if document is None else (repr(document.data), document.spans)
    return values, findings


@pytest.mark.parametrize(
    "text",
    [
        "k" * 257 + ": x\n",  # libyaml refuses keys over 1024 characters; well under that is left alone
        "k" * 1025 + ": x\n",
    ],
)
def test_these_are_left_to_the_event_loop_and_still_agree(text: str) -> None:
    assert yaml_reader._read_simple(text, "statuses", "x", "statuses/x.yaml") is None
    assert outcome(text, fast=True) == outcome(text, fast=False)
