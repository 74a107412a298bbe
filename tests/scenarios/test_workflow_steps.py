"""The merge job's shell steps, run for real: a saved plan applied, and a failure reported.

GitHub runs each `run:` step as `bash --noprofile --norc -eo pipefail`; these tests do the same
with the step text from apply-target.yml, against a real database, so the job summary a
reviewer reads on success and on failure is checked rather than assumed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from billing_config.cli import main
from tests.conftest import CONFIG, REPO

APPLY_TARGET = REPO / ".github" / "workflows" / "apply-target.yml"


def targets() -> dict[str, str]:
    with open(REPO / "billing-config.toml", "rb") as handle:
        return {name: spec["url_env"] for name, spec in tomllib.load(handle)["targets"].items()}


def step(name: str) -> str:
    workflow = yaml.safe_load(APPLY_TARGET.read_text(encoding="utf-8"))
    return next(s["run"] for s in workflow["jobs"]["apply"]["steps"] if s.get("name") == name)


def run_step(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def test_the_workflows_set_exactly_the_variables_the_targets_read() -> None:
    workflow = yaml.safe_load(APPLY_TARGET.read_text(encoding="utf-8"))
    names = set(targets().values())
    assert names <= set(workflow["jobs"]["apply"]["env"]), "apply-target.yml must set every target's url_env from secrets"
    pull_request = (REPO / ".github" / "workflows" / "pull-request.yml").read_text()
    drift = (REPO / ".github" / "workflows" / "drift.yml").read_text()
    assert f"{targets()['test']}: ${{{{ secrets.{targets()['test']} }}}}" in pull_request
    assert f"{targets()['live']}: ${{{{ secrets.{targets()['live']} }}}}" in drift


def test_a_saved_plan_is_applied_and_a_refused_one_lands_in_the_summary_with_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(CONFIG, checkout / "config")
    shutil.copy2(REPO / "billing-config.toml", checkout / "billing-config.toml")
    url = f"sqlite:///{tmp_path / 'test-platform.db'}"
    variable = targets()["test"]
    monkeypatch.chdir(checkout)
    monkeypatch.setenv(variable, url)
    assert main(["db", "init", "--target", "test"]) == 0
    assert main(["apply", "--target", "test", "--yes"]) == 0
    capsys.readouterr()

    summary = tmp_path / "summary.md"
    env = {
        **os.environ,
        variable: url,
        "TARGET": "test",
        "GITHUB_STEP_SUMMARY": str(summary),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    suspended = checkout / "config" / "statuses" / "suspended.yaml"
    suspended.write_text(suspended.read_text().replace("is_billable: true", "is_billable: false"))
    saved = run_step(step("Save the plan"), checkout, env)
    assert saved.returncode == 0, saved.stderr
    applied = run_step(step("Apply the saved plan"), checkout, env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    text = summary.read_text()
    assert "## :white_check_mark: Applied to test" in text and "`is_billable`: `true` → `false`" in text

    # The next merge's plan is saved, then someone edits the database before the apply step.
    summary.write_text("")
    suspended.write_text(suspended.read_text().replace("send_correspondence: true", "send_correspondence: false"))
    assert run_step(step("Save the plan"), checkout, env).returncode == 0
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE customer_statuses SET short_name = 'SUSP' WHERE code = 'suspended'"))
    engine.dispose()
    refused = run_step(step("Apply the saved plan"), checkout, env)
    assert refused.returncode == 1
    text = summary.read_text()
    assert "## :x: billing-config apply failed for test; nothing was changed" in text
    assert "### Error" in text and "changed since" in text.lower()
    assert "### The plan that was refused" in text and "`send_correspondence`: `true` → `false`" in text
    with engine.connect() as connection:
        still = connection.execute(sa.text("SELECT send_correspondence FROM customer_statuses WHERE code = 'suspended'")).scalar()
    engine.dispose()
    assert bool(still) is True  # the refused apply wrote nothing
