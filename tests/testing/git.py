"""Fixtures for the GitOps tests: scratch git repositories and a snapshot of this project."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

# What a clone of this repository needs for pre-commit to install the package from it.
_PROJECT_PATHS = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "tools", "schemas")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes tens of seconds (installs a package, runs git and pre-commit)")


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """git with a fixed identity and no user or system configuration leaking in."""
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Billing Admin",
        "GIT_AUTHOR_EMAIL": "admin@example.invalid",
        "GIT_COMMITTER_NAME": "Billing Admin",
        "GIT_COMMITTER_EMAIL": "admin@example.invalid",
    }
    completed = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if check and completed.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed


def init_repository(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "commit.gpgsign", "false")
    return path


@pytest.fixture
def project_snapshot(tmp_path: Path) -> tuple[Path, str]:
    """A git repository holding this project's working tree as one commit, and that commit.

    pre-commit installs hooks from a repository and a rev; snapshotting the working tree (not
    HEAD) means the test checks the code under test, committed or not.
    """
    snapshot = init_repository(tmp_path / "billing-config-hooks")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in _PROJECT_PATHS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, snapshot / name, ignore=ignore)
        else:
            shutil.copy2(source, snapshot / name)
    git(snapshot, "add", "-A")
    git(snapshot, "commit", "-q", "-m", "snapshot of the project under test")
    sha = git(snapshot, "rev-parse", "HEAD").stdout.strip()
    return snapshot, sha
