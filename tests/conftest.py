"""Shared fixtures: the repository's own paths, a scratch copy of its config tree, and (from
tests/testing) the CLI driver, real databases and git repositories."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["tests.testing.fixtures", "tests.testing.git"]

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config"


@pytest.fixture
def config_tree(tmp_path: Path) -> Path:
    """A private copy of the sample config that a test may break as it likes."""
    target = tmp_path / "config"
    shutil.copytree(CONFIG, target)
    return target
