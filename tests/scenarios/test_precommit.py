"""The hooks as another config repository uses them: by repo and rev, installed by pre-commit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CONFIG, REPO
from tests.testing.git import git, init_repository

PRE_COMMIT = [sys.executable, "-m", "pre_commit"]


def test_the_hook_manifest_and_this_repositorys_config_are_valid() -> None:
    for command, path in (("validate-manifest", ".pre-commit-hooks.yaml"), ("validate-config", ".pre-commit-config.yaml")):
        completed = subprocess.run([*PRE_COMMIT, command, path], cwd=REPO, capture_output=True, text=True, check=False)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert "warning" not in (completed.stdout + completed.stderr).lower()


@pytest.mark.slow
def test_a_config_repository_blocks_a_dangling_next_status_and_accepts_a_good_commit(
    tmp_path: Path, project_snapshot: tuple[Path, str]
) -> None:
    hooks_repo, rev = project_snapshot
    repo = init_repository(tmp_path / "config-repo")
    shutil.copytree(CONFIG, repo / "config")
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {hooks_repo}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "      - id: billing-config-validate\n"
        "      - id: billing-config-fmt\n"
    )
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    installed = subprocess.run([*PRE_COMMIT, "install"], cwd=repo, env=env, capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        git(repo, "add", "-A")
        return _git_commit(repo, message, env)

    first = commit("the sample configuration")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "billing-config validate" in first.stderr and "Passed" in first.stderr

    ceased = repo / "config" / "statuses" / "ceased.yaml"
    good_text = ceased.read_text()
    ceased.write_text(good_text.replace("next_status: ex-customer", "next_status: ex-custmer"))
    blocked = commit("point ceased at a status that does not exist")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "config/statuses/ceased.yaml:12:14: error unknown-reference next_status is 'ex-custmer'" in output
    assert "did you mean 'ex-customer'?" in output
    assert git(repo, "log", "--format=%s").stdout.splitlines() == ["the sample configuration"]

    # A good change written out of order: fmt puts it right, the commit stops so the
    # reformatted file can be looked at, and the next commit goes through.
    lines = good_text.splitlines(keepends=True)
    ceased.write_text("".join([lines[0], lines[1], lines[3], lines[2], *lines[4:]]).replace("CEA", "CSD"))
    reformatted = commit("shorter short name for ceased")
    assert reformatted.returncode != 0
    assert "files were modified by this hook" in reformatted.stdout + reformatted.stderr
    assert ceased.read_text() == good_text.replace("CEA", "CSD")
    accepted = commit("shorter short name for ceased")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert git(repo, "log", "--format=%s").stdout.splitlines() == ["shorter short name for ceased", "the sample configuration"]


def _git_commit(repo: Path, message: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    identity = {
        "GIT_AUTHOR_NAME": "Billing Admin",
        "GIT_AUTHOR_EMAIL": "admin@example.invalid",
        "GIT_COMMITTER_NAME": "Billing Admin",
        "GIT_COMMITTER_EMAIL": "admin@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    return subprocess.run(
        ["git", "commit", "-q", "-m", message], cwd=repo, env={**env, **identity}, capture_output=True, text=True, check=False
    )
