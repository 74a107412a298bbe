"""Helpers for loader tests: write one entry file and read it back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from billing_config.findings import Finding
from billing_config.loader import Document, read_entry

Read = Callable[..., tuple[Document | None, list[Finding]]]


@pytest.fixture
def read(tmp_path: Path) -> Read:
    """read(text_or_bytes, kind="statuses", code="entry") -> (document, findings)."""

    def _read(content: str | bytes, kind: str = "statuses", code: str = "entry") -> tuple[Document | None, list[Finding]]:
        path = tmp_path / f"{code}.yaml"
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return read_entry(path, f"{kind}/{code}.yaml", kind, code)

    return _read


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]
