"""The documentation is a door: README.md stays short, and every relative link in it and in
docs/ leads somewhere that exists (a moved page must not leave dead links behind)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

README_MAX_LINES = 250
PAGES = sorted([REPO / "README.md", *(REPO / "docs").rglob("*.md")])
# [text](target) outside code spans; images too. Fragments and external links are skipped.
LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)\)")


def relative_links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    text = re.sub(r"`[^`\n]*`", "", text)
    return [
        target for target in LINK.findall(text)
        if not re.match(r"[a-z][a-z0-9+.-]*:", target) and not target.startswith("#")
    ]


def test_readme_is_short() -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move engineers' material into docs/"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(page: Path) -> None:
    dead = [target for target in relative_links(page) if not (page.parent / target.split("#", 1)[0]).exists()]
    assert not dead, f"{page.relative_to(REPO)} links to missing files: {dead}"


def test_the_link_checker_finds_links() -> None:
    """A checker that reads nothing would pass while every link is dead."""
    assert "docs/security.md" in relative_links(REPO / "README.md")
