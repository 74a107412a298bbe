"""The whole GitOps loop in a scratch git repository against real databases.

A branch changes a status; the pull-request job validates and plans it; it is merged; the merge
job saves a plan and applies it to test, then live; someone edits live directly; the drift job
sees it, exports live onto a branch, and after that export the plan is empty. Every step runs
the commands the workflows in .github/workflows run, in the same order.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from billing_config.cli import main
from tests.conftest import CONFIG
from tests.testing.git import git, init_repository
from tests.testing.fixtures import server_url
from tests.testing.databases import reset_database

TARGETS = '[targets.test]\nurl_env = "BILLING_LOOP_TEST_URL"\n\n[targets.live]\nurl_env = "BILLING_LOOP_LIVE_URL"\n'


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def job(repo: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """One CI step: the command as a real process in the checkout."""
    return subprocess.run(
        [sys.executable, "-m", "billing_config", *argv], cwd=repo, capture_output=True, text=True, check=False, env=os.environ.copy()
    )


@pytest.fixture(params=[pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)])
def live_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'live.db'}"
    url = server_url("postgres")
    reset_database(url)
    return url


def test_branch_plan_merge_apply_drift_export_and_back_to_no_changes(
    tmp_path: Path, live_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = init_repository(tmp_path / "config-repo")
    shutil.copytree(CONFIG, repo / "config")
    (repo / "billing-config.toml").write_text(TARGETS)
    ceased_file = repo / "config" / "statuses" / "ceased.yaml"
    ceased_file.write_text(
        ceased_file.read_text().replace("send_correspondence: true\n", "# Final letters go out.\nsend_correspondence: true  # see the mailing rules\n")
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the billing configuration")
    monkeypatch.chdir(repo)
    monkeypatch.delenv("BILLING_DATABASE_URL", raising=False)
    monkeypatch.setenv("BILLING_LOOP_TEST_URL", f"sqlite:///{tmp_path / 'test-platform.db'}")
    monkeypatch.setenv("BILLING_LOOP_LIVE_URL", live_url)

    # Both platforms start out as the repository describes them, with customers using the statuses.
    for target in ("test", "live"):
        assert run(capsys, "db", "init", "--target", target, "--sample-data")[0] == 0
        code, out = run(capsys, "apply", "--target", target, "--yes")
        assert code == 0, out

    # A branch changes a status.
    git(repo, "switch", "-q", "-c", "suspended-stops-billing")
    suspended = repo / "config" / "statuses" / "suspended.yaml"
    suspended.write_text(suspended.read_text().replace("is_billable: true", "is_billable: false"))
    git(repo, "commit", "-q", "-am", "Suspended customers are no longer billed")

    # The pull-request job: annotations (none), formatting, and the plan comment.
    validated = job(repo, "validate", "--format", "github")
    assert validated.returncode == 0 and validated.stdout == "", validated.stdout + validated.stderr
    assert job(repo, "fmt", "--check").returncode == 0
    planned = job(repo, "plan", "--target", "test", "--format", "markdown", "--detailed-exitcode")
    assert planned.returncode == 2, planned.stderr
    comment = planned.stdout
    assert "**0 to create, 1 to update, 0 to delete**" in comment
    assert "`is_billable`: `true` → `false`" in comment
    assert "### billing-config plan\n\nSuspended stops billing for " in comment
    assert "  - impact: affects " in comment
    assert "```mermaid\nflowchart LR\n" in comment and "    class sta_suspended changed\n" in comment
    (tmp_path / "pr-comment.md").write_text(comment)  # kept for the README's example

    # Merge, then the merge job: a saved plan applied to test, then to live.
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge suspended-stops-billing", "suspended-stops-billing")
    merge_commit = git(repo, "rev-parse", "HEAD").stdout.strip()
    for target in ("test", "live"):
        plan_file = tmp_path / f"plan-{target}.json"
        code, out = run(capsys, "plan", "--target", target, "--format", "markdown", "--out", str(plan_file))
        assert code == 0 and "is_billable" in out, out
        code, out = run(capsys, "apply", "--target", target, "--plan", str(plan_file))
        assert code == 0, out
        assert run(capsys, "plan", "--target", target, "--detailed-exitcode")[0] == 0

    engine = sa.create_engine(live_url)
    try:
        with engine.begin() as connection:
            audited = connection.execute(
                sa.text("SELECT git_commit FROM config_audit_log WHERE code = 'suspended' AND action = 'update'")
            ).scalars().all()
            assert audited and audited[-1] == merge_commit, audited  # the full hash of the merged config
            # Someone changes live directly, outside the repository.
            connection.execute(
                sa.text("UPDATE customer_statuses SET name = :name, send_correspondence = :flag WHERE code = 'ceased'"),
                {"name": "Ceased (manual \"fix\")", "flag": False},
            )
    finally:
        engine.dispose()

    # The drift job: plan against live says "changes"; export onto a branch; the plan is empty.
    drift = job(repo, "plan", "--target", "live", "--detailed-exitcode", "--format", "markdown")
    assert drift.returncode == 2, drift.stderr
    assert "**ceased**" in drift.stdout and "send_correspondence" in drift.stdout
    git(repo, "switch", "-q", "-c", "billing-config/drift-live")
    exported = job(repo, "export", "--target", "live")
    assert exported.returncode == 0, exported.stderr
    diff = git(repo, "diff", "--stat").stdout
    assert "config/statuses/ceased.yaml" in diff and "1 file changed" in diff
    ceased = (repo / "config" / "statuses" / "ceased.yaml").read_text()
    assert "name: Ceased (manual \"fix\")\n" in ceased
    # export kept the administrators' comments, so the pull request shows only the changed values
    assert "# Final letters go out.\nsend_correspondence: false  # see the mailing rules\n" in ceased
    assert ceased.splitlines()[1].startswith("# Contract ended")
    assert git(repo, "diff", "--numstat").stdout.split()[:2] == ["2", "2"]
    assert job(repo, "fmt", "--check").returncode == 0
    assert job(repo, "validate").returncode == 0
    git(repo, "commit", "-q", "-am", "Adopt changes made directly in the live billing database")
    after = job(repo, "plan", "--target", "live", "--detailed-exitcode")
    assert after.returncode == 0, after.stdout + after.stderr
    assert "No changes" in after.stdout
