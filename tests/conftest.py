"""Shared fixtures: the repository's own paths and a scratch copy of its config tree."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config"


@pytest.fixture
def config_tree(tmp_path: Path) -> Path:
    """A private copy of the sample config that a test may break as it likes."""
    target = tmp_path / "config"
    shutil.copytree(CONFIG, target)
    return target
