"""The CI definitions: valid against the published schemas, sound shell, secrets kept secret."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
GITLAB = REPO / ".gitlab-ci.yml"
URL_VARIABLES = ("BILLING_TEST_PLATFORM_URL", "BILLING_LIVE_DATABASE_URL", "BILLING_DATABASE_URL")


def check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or "check-jsonschema"
    return subprocess.run([executable, *args], capture_output=True, text=True, check=False)


def load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def github_steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def shell_scripts() -> list[tuple[str, str]]:
    scripts = []
    for path in WORKFLOWS:
        for step in github_steps(load(path)):
            if "run" in step:
                scripts.append((f"{path.name}: {step.get('name', step['run'][:30])}", step["run"]))
    for name, job in load(GITLAB).items():
        if isinstance(job, dict) and "script" in job:
            scripts.append((f".gitlab-ci.yml: {name}", "\n".join(job["script"])))
    return scripts


def test_there_are_workflows_for_pull_requests_merges_and_drift() -> None:
    assert {p.name for p in WORKFLOWS} >= {"pull-request.yml", "apply.yml", "apply-target.yml", "drift.yml"}


def test_github_workflows_match_the_published_schema() -> None:
    completed = check_jsonschema("--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS))
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_gitlab_ci_matches_the_published_schema() -> None:
    completed = check_jsonschema("--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci", str(GITLAB))
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize(("where", "script"), shell_scripts(), ids=lambda value: value if len(value) < 60 else "")
def test_every_shell_step_parses(where: str, script: str) -> None:
    text = re.sub(r"\$\{\{.*?\}\}", "x", script)
    completed = subprocess.run(["bash", "-n", "-c", text], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, f"{where}: {completed.stderr}"


def test_database_urls_come_only_from_secrets_and_are_never_printed() -> None:
    texts = {path.name: path.read_text(encoding="utf-8") for path in [*WORKFLOWS, GITLAB]}
    for name, text in texts.items():
        assert "set -x" not in text, name
        for line in text.splitlines():
            for variable in URL_VARIABLES:
                if re.search(rf"\b{variable}\s*:", line) and name != ".gitlab-ci.yml":
                    assert f"${{{{ secrets.{variable} }}}}" in line, f"{name}: {line.strip()}"
                if re.search(rf"\$\{{?{variable}\b", line):
                    pytest.fail(f"{name} expands {variable} in a shell command: {line.strip()}")
        assert "--database" not in text, f"{name} passes a URL on the command line"


def test_pull_request_plan_is_one_comment_found_by_its_marker() -> None:
    workflow = load(REPO / ".github" / "workflows" / "pull-request.yml")
    runs = "\n".join(step.get("run", "") for step in github_steps(workflow))
    assert "billing-config validate --format github" in runs
    assert "billing-config plan --target test --format markdown" in runs
    script = next(step["with"]["script"] for step in github_steps(workflow) if "github-script" in step.get("uses", ""))
    assert "<!-- billing-config-plan -->" in script
    assert "updateComment" in script and "createComment" in script


def test_merge_applies_a_saved_plan_to_test_then_to_live_behind_approval() -> None:
    apply = load(REPO / ".github" / "workflows" / "apply.yml")
    assert apply["jobs"]["test"]["with"] == {"target": "test", "environment": "test"}
    assert apply["jobs"]["live"]["with"] == {"target": "live", "environment": "live"}
    assert apply["jobs"]["live"]["needs"] == "test"
    target = load(REPO / ".github" / "workflows" / "apply-target.yml")
    job = target["jobs"]["apply"]
    assert job["environment"] == "${{ inputs.environment }}"
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "plan --target \"$TARGET\" --format markdown --out plan.json" in runs
    assert "apply --target \"$TARGET\" --plan plan.json" in runs
    assert runs.count("GITHUB_STEP_SUMMARY") >= 3 and "exit 1" in runs


def test_drift_runs_on_a_schedule_and_opens_a_pull_request_from_an_export() -> None:
    drift = load(REPO / ".github" / "workflows" / "drift.yml")
    assert "schedule" in drift[True]  # PyYAML reads the key `on` as true
    runs = "\n".join(step.get("run", "") for step in github_steps(drift))
    assert "plan --target live --detailed-exitcode" in runs
    assert "billing-config export --target live" in runs
    assert "gh pr create" in runs and "gh pr edit" in runs


def test_gitlab_has_the_same_jobs_with_live_behind_a_person() -> None:
    gitlab = load(GITLAB)
    assert {"validate", "plan", "apply-test", "apply-live", "drift"} <= set(gitlab)
    assert gitlab["apply-live"]["environment"]["name"] == "live"
    assert gitlab["apply-live"]["needs"] == ["apply-test"]
    assert gitlab["apply-live"]["rules"][0]["when"] == "manual"
    assert gitlab["apply-live"]["rules"][0]["allow_failure"] is False
    plan_script = "\n".join(gitlab["plan"]["script"])
    assert "PLAN_MARKER" in plan_script and '"PUT"' in plan_script and '"POST"' in plan_script
    assert gitlab["variables"]["PLAN_MARKER"] == "<!-- billing-config-plan -->"
    assert "--detailed-exitcode" in "\n".join(gitlab["drift"]["script"])
