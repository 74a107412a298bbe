"""Where the config came from: git, else the CI's variables (a job image without git)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from billing_config.plan.model import GitInfo
from billing_config.plan.source import git_info

CI_VARIABLES = ("GITHUB_SHA", "GITHUB_ACTOR", "CI_COMMIT_SHA", "CI_COMMIT_AUTHOR")


@pytest.fixture(autouse=True)
def no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_outside_git_and_ci_there_is_nothing(tmp_path: Path) -> None:
    assert git_info(tmp_path) == GitInfo(None, None)


def test_gitlab_without_git_records_the_pipeline_commit_and_author(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-bin"))  # git absent, as on python:3.12-slim
    monkeypatch.setenv("CI_COMMIT_SHA", "a" * 40)
    monkeypatch.setenv("CI_COMMIT_AUTHOR", "Ada Admin <ada@example.com>")
    assert git_info(tmp_path) == GitInfo("a" * 40, "Ada Admin <ada@example.com>")


def test_github_variables_are_used_outside_a_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_SHA", "b" * 40)
    monkeypatch.setenv("GITHUB_ACTOR", "octocat")
    assert git_info(tmp_path) == GitInfo("b" * 40, "octocat")


def test_a_checkout_wins_over_the_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "f").write_text("x")
    subprocess.run(["git", "-C", str(tmp_path), "add", "f"], check=True)
    subprocess.run(
        ["git", "-C", str(tmp_path), "-c", "user.name=Ada", "-c", "user.email=ada@example.com", "-c", "commit.gpgsign=false",
         "commit", "-qm", "x"], check=True,
    )
    monkeypatch.setenv("GITHUB_SHA", "b" * 40)
    found = git_info(tmp_path)
    assert found.commit is not None and found.commit != "b" * 40 and found.author == "Ada <ada@example.com>"
