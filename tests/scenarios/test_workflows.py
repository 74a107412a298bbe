"""The CI definitions: valid against the published schemas, sound shell, least privilege.

Least privilege, as these tests hold it:
- every action is pinned to a full commit SHA, with its version in a comment;
- no workflow grants the token anything by default; every job says what it needs;
- a job that holds a database URL that may write runs behind that platform's environment and
  applies a saved plan: it never computes one; plans, drift checks and exports read through a
  read-only URL; no job holds both a database URL and a token that may write;
- only the jobs that write a comment (or open the drift pull request) may write to pull requests;
- checkouts keep no credentials; secrets reach only the steps that use them.

The policy checks take a directory of workflows, so that workflows other code writes (the
scaffolding of a config repository) can be held to the same rules.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

WORKFLOW_DIR = REPO / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOW_DIR.glob("*.yml"))
GITLAB = REPO / ".gitlab-ci.yml"


def target_variables(toml: Path = REPO / "billing-config.toml") -> dict[str, str]:
    """Each target's name and the environment variable that holds its URL."""
    with open(toml, "rb") as handle:
        return {name: spec["url_env"] for name, spec in tomllib.load(handle)["targets"].items()}


TARGETS = target_variables()
URL_VARIABLES = (*TARGETS.values(), "BILLING_DATABASE_URL")
# Database URLs that may write, and the environment each belongs to.
WRITE_URLS = {TARGETS["test"]: "test", TARGETS["live"]: "live"}
READ_ONLY_URLS = {TARGETS["test-readonly"], TARGETS["live-readonly"]}
TOKENS = {"BILLING_BOT_TOKEN", "GITHUB_TOKEN"}
# The jobs that may write to pull requests, and why.
PULL_REQUEST_WRITERS = {
    ("pull-request.yml", "comment"): "posts the plan comment",
    ("apply.yml", "comment-live-plan"): "posts the live plan on the merged pull request",
    ("drift.yml", "propose"): "opens the drift pull request",
}
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+)*\s*$")


def check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or "check-jsonschema"
    return subprocess.run([executable, *args], capture_output=True, text=True, check=False)


def load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def github_steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def job_text(job: dict[str, Any]) -> str:
    """Everything a job says, as YAML, to search for the secrets and commands it uses."""
    return yaml.safe_dump(job, width=1_000_000)


def secrets_used(job: dict[str, Any]) -> set[str]:
    return set(re.findall(r"secrets\.(\w+)", job_text(job))) | (
        {"GITHUB_TOKEN"} if "github.token" in job_text(job) else set()
    )


def runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job.get("steps", []))


def gitlab_jobs(path: Path = GITLAB) -> dict[str, dict[str, Any]]:
    """The visible jobs of a .gitlab-ci.yml, with their `extends` templates merged in."""
    document = load(path)
    reserved = {"stages", "default", "variables", "workflow", "include"}

    def resolve(name: str) -> dict[str, Any]:
        job = dict(document[name])
        parents = job.pop("extends", [])
        merged: dict[str, Any] = {}
        for parent in [parents] if isinstance(parents, str) else parents:
            merged.update(resolve(parent))
        merged.update(job)
        return merged

    return {name: resolve(name) for name in document if name not in reserved and not name.startswith(".")}


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


# --- policy, for any directory of workflows ---------------------------------------------------


def unpinned_uses(directory: Path) -> list[str]:
    """Every `uses:` that is not a full commit SHA followed by a version comment."""
    problems = []
    for path in sorted(directory.glob("*.y*ml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = re.match(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", line)
            if not match:
                continue
            reference, rest = match.groups()
            if reference.startswith("./"):
                continue  # a workflow or action of this repository, at this commit
            if not SHA_PIN.match(reference) or not VERSION_COMMENT.search(rest):
                problems.append(f"{path.name}:{number}: {line.strip()}")
    return problems


def permission_problems(directory: Path) -> list[str]:
    """Default permissions that grant anything, jobs without their own, writes where not needed."""
    problems = []
    for path in sorted(directory.glob("*.y*ml")):
        workflow = load(path)
        top = workflow.get("permissions")
        if top not in ({}, {"contents": "read"}):
            problems.append(f"{path.name}: top-level permissions must be {{}} or contents: read, not {top!r}")
        for name, job in workflow["jobs"].items():
            if "permissions" not in job:
                problems.append(f"{path.name}: job {name} does not say which permissions it needs")
                continue
            granted = job["permissions"] or {}
            if not isinstance(granted, dict):
                problems.append(f"{path.name}: job {name} has permissions {granted!r}")
                continue
            for scope, level in granted.items():
                if level == "write" and (scope, path.name, name) not in _ALLOWED_WRITES:
                    problems.append(f"{path.name}: job {name} may write {scope}")
    return problems


_ALLOWED_WRITES = {("pull-requests", workflow, job) for workflow, job in PULL_REQUEST_WRITERS} | {
    ("contents", "drift.yml", "propose"),  # pushes the drift branch
}


def secret_problems(directory: Path) -> list[str]:
    """Database URLs where they do not belong, and secrets outside the steps that use them."""
    problems = []
    for path in sorted(directory.glob("*.y*ml")):
        workflow = load(path)
        dispatchable = "workflow_dispatch" in (workflow.get(True) or workflow.get("on") or {})
        for key in ("env", "defaults"):
            if "secrets." in yaml.safe_dump(workflow.get(key) or {}):
                problems.append(f"{path.name}: workflow-level {key} holds a secret")
        for name, job in workflow["jobs"].items():
            where = f"{path.name}: job {name}"
            used = secrets_used(job)
            environment = job.get("environment")
            if "secrets." in yaml.safe_dump(job.get("env") or {}):
                problems.append(f"{where}: a job-level env holds a secret (put it on the step that uses it)")
            for step in job.get("steps", []):
                outside_env = {key: value for key, value in step.items() if key != "env"}
                if "secrets." in yaml.safe_dump(outside_env):
                    problems.append(f"{where}: step {step.get('name', step.get('uses'))} uses a secret outside its env")
            for variable in used & set(WRITE_URLS):
                if environment != WRITE_URLS[variable]:
                    problems.append(f"{where}: holds {variable} outside the `{WRITE_URLS[variable]}` environment")
                if re.search(r"billing-config\s+(plan|export|drift)\b", runs(job)):
                    problems.append(f"{where}: holds a URL that may write and computes a plan")
            if used & (set(WRITE_URLS) | READ_ONLY_URLS) and (used & TOKENS or _writes(job)):
                problems.append(f"{where}: holds a database URL and a token that may write")
            if dispatchable and used & set(WRITE_URLS):
                problems.append(f"{where}: workflow_dispatch reaches a URL that may write")
            if dispatchable and used - READ_ONLY_URLS and not environment:
                problems.append(f"{where}: workflow_dispatch reaches a secret outside a protected environment")
    return problems


def _writes(job: dict[str, Any]) -> bool:
    return "write" in (job.get("permissions") or {}).values()


def checkouts_keeping_credentials(directory: Path) -> list[str]:
    return [
        f"{path.name}: job {name}"
        for path in sorted(directory.glob("*.y*ml"))
        for name, job in load(path)["jobs"].items()
        for step in job.get("steps", [])
        if step.get("uses", "").startswith("actions/checkout@")
        and (step.get("with") or {}).get("persist-credentials") is not False
    ]


def test_there_are_workflows_for_pull_requests_merges_and_drift() -> None:
    assert {p.name for p in WORKFLOWS} >= {"pull-request.yml", "apply.yml", "drift.yml"}


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


def test_every_action_is_pinned_to_a_commit_with_its_version_in_a_comment() -> None:
    assert unpinned_uses(WORKFLOW_DIR) == []
    # One action, one commit: the same version is not pinned to two SHAs in two places.
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for reference, version in re.findall(r"uses:\s*(\S+@[0-9a-f]{40})\s*#\s*(\S+)", path.read_text()):
            pins.setdefault(reference.split("@")[0], set()).add(f"{reference.split('@')[1]} {version}")
    assert pins and all(len(shas) == 1 for shas in pins.values()), pins


def test_the_pin_check_catches_tags_branches_and_missing_comments(tmp_path: Path) -> None:
    (tmp_path / "w.yml").write_text(
        "jobs:\n  a:\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - uses: actions/checkout@main\n"
        "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n"
        "      - uses: actions/checkout@11bd719 # v4.2.2\n"
        "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n"
        "      - uses: ./.github/actions/local\n"
    )
    assert [problem.split(": ", 1)[0] for problem in unpinned_uses(tmp_path)] == ["w.yml:4", "w.yml:5", "w.yml:6", "w.yml:7"]


def test_no_workflow_grants_anything_by_default_and_each_job_only_what_it_needs() -> None:
    assert permission_problems(WORKFLOW_DIR) == []
    writers = {
        (path.name, name)
        for path in WORKFLOWS
        for name, job in load(path)["jobs"].items()
        if (job.get("permissions") or {}).get("pull-requests") == "write"
    }
    assert writers == set(PULL_REQUEST_WRITERS)


def test_the_permission_check_catches_broad_defaults_and_missing_job_permissions(tmp_path: Path) -> None:
    (tmp_path / "w.yml").write_text(
        "on: push\npermissions:\n  contents: write\njobs:\n"
        "  a:\n    runs-on: x\n    steps: []\n"
        "  comment:\n    runs-on: x\n    permissions:\n      pull-requests: write\n    steps: []\n"
    )
    assert permission_problems(tmp_path) == [
        "w.yml: top-level permissions must be {} or contents: read, not {'contents': 'write'}",
        "w.yml: job a does not say which permissions it needs",
        "w.yml: job comment may write pull-requests",
    ]


def test_urls_that_may_write_stay_in_their_environment_and_never_plan() -> None:
    assert secret_problems(WORKFLOW_DIR) == []
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            if job.get("environment") in ("live", "test"):
                assert not re.search(r"billing-config\s+plan\b", runs(job)), f"{path.name}: {name} computes a plan"
                assert re.search(r"billing-config apply --target \S+ --plan plan\.json", runs(job)), f"{path.name}: {name}"
                assert any("download-artifact" in step.get("uses", "") for step in job["steps"]), f"{path.name}: {name}"


def test_the_secret_check_catches_a_live_job_that_plans_and_a_job_holding_url_and_token(tmp_path: Path) -> None:
    (tmp_path / "w.yml").write_text(
        "on: [push, workflow_dispatch]\npermissions: {}\njobs:\n"
        "  live:\n    environment: live\n    permissions: {}\n    env:\n"
        "      BILLING_LIVE_DATABASE_URL: ${{ secrets.BILLING_LIVE_DATABASE_URL }}\n"
        "    steps:\n      - run: billing-config plan --target live --out plan.json\n"
        "  both:\n    permissions:\n      contents: write\n    steps:\n"
        "      - env:\n          BILLING_LIVE_READONLY_URL: ${{ secrets.BILLING_LIVE_READONLY_URL }}\n"
        "        run: billing-config plan --target live-readonly\n"
    )
    assert secret_problems(tmp_path) == [
        "w.yml: job live: a job-level env holds a secret (put it on the step that uses it)",
        "w.yml: job live: holds a URL that may write and computes a plan",
        "w.yml: job live: workflow_dispatch reaches a URL that may write",
        "w.yml: job both: holds a database URL and a token that may write",
    ]


def test_checkouts_keep_no_credentials() -> None:
    assert checkouts_keeping_credentials(WORKFLOW_DIR) == []


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


def test_pull_request_plan_reads_through_the_read_only_target_and_is_one_comment_found_by_its_marker() -> None:
    workflow = load(WORKFLOW_DIR / "pull-request.yml")
    assert set(workflow[True]) == {"pull_request"}  # PyYAML reads the key `on` as true
    jobs = workflow["jobs"]
    assert "billing-config validate --format github" in runs(jobs["validate"])
    assert "billing-config fmt --check" in runs(jobs["validate"])
    assert "billing-config plan --target test-readonly --format markdown --detailed-exitcode" in runs(jobs["plan"])
    assert secrets_used(jobs["plan"]) == {TARGETS["test-readonly"]}
    assert secrets_used(jobs["comment"]) == set() and secrets_used(jobs["validate"]) == set()
    comment = jobs["comment"]
    assert comment["needs"] == "plan" and "!cancelled()" in comment["if"]
    script = next(step["with"]["script"] for step in comment["steps"] if "github-script" in step.get("uses", ""))
    assert "<!-- billing-config-plan -->" in script
    assert "updateComment" in script and "createComment" in script
    assert "c.user.login === author" in script and "'github-actions[bot]'" in script


def test_merge_plans_with_read_only_urls_and_applies_the_saved_plans_to_test_then_live() -> None:
    jobs = load(WORKFLOW_DIR / "apply.yml")["jobs"]
    assert list(jobs) == ["plan-test", "apply-test", "plan-live", "comment-live-plan", "apply-live"]
    assert [jobs[name].get("needs") for name in jobs] == [None, "plan-test", "apply-test", "plan-live", "plan-live"]
    assert [jobs[name].get("environment") for name in jobs] == [None, "test", "live-readonly", None, "live"]
    assert secrets_used(jobs["plan-test"]) == {TARGETS["test-readonly"]}
    assert secrets_used(jobs["apply-test"]) == {TARGETS["test"]}
    assert secrets_used(jobs["plan-live"]) == {TARGETS["live-readonly"]}
    assert secrets_used(jobs["apply-live"]) == {TARGETS["live"]}
    assert secrets_used(jobs["comment-live-plan"]) == set()
    for platform in ("test", "live"):
        plan, apply = jobs[f"plan-{platform}"], jobs[f"apply-{platform}"]
        assert 'billing-config plan --target "$TARGET" --detailed-exitcode --format markdown --out plan.json' in runs(plan)
        assert 'billing-config apply --target "$TARGET" --plan plan.json' in runs(apply)
        uploaded = next(s["with"]["name"] for s in plan["steps"] if "upload-artifact" in s.get("uses", ""))
        downloaded = next(s["with"]["name"] for s in apply["steps"] if "download-artifact" in s.get("uses", ""))
        assert uploaded == downloaded == f"plan-{platform}"
        assert f"needs.plan-{platform}.outputs.sha256" in job_text(apply)
        assert "Re-run ALL jobs" in runs(apply) and "GITHUB_STEP_SUMMARY" in runs(apply)
        # A re-run of an old run must not put old values back.
        assert any(s.get("with", {}).get("ref") == "${{ github.ref }}" for s in plan["steps"])
    script = next(s["with"]["script"] for s in jobs["comment-live-plan"]["steps"] if "github-script" in s.get("uses", ""))
    assert "listPullRequestsAssociatedWithCommit" in script and "<!-- billing-config-live-plan -->" in script


def test_no_workflow_that_reaches_a_url_that_may_write_can_be_started_by_hand() -> None:
    for path in WORKFLOWS:
        workflow = load(path)
        if any(secrets_used(job) & set(WRITE_URLS) for job in workflow["jobs"].values()):
            assert "workflow_dispatch" not in workflow[True], path.name


def test_drift_reads_live_read_only_and_a_second_job_opens_the_pull_request() -> None:
    drift = load(WORKFLOW_DIR / "drift.yml")
    assert "schedule" in drift[True]
    detect, propose = drift["jobs"]["detect"], drift["jobs"]["propose"]
    assert detect["environment"] == "live-readonly" and secrets_used(detect) == {TARGETS["live-readonly"]}
    assert "plan --target live-readonly --detailed-exitcode" in runs(detect)
    assert "billing-config export --target live-readonly" in runs(detect)
    assert "2|3)" in runs(detect)  # changes apply would refuse are drift too
    assert propose["needs"] == "detect" and propose["environment"] == "drift"
    assert secrets_used(propose) == {"BILLING_BOT_TOKEN", "GITHUB_TOKEN"}
    assert not re.search(r"billing-config (plan|apply|export)", runs(propose))
    assert "gh pr create" in runs(propose) and "gh pr edit" in runs(propose) and "gh auth setup-git" in runs(propose)


# --- GitLab -----------------------------------------------------------------------------------


def test_gitlab_plans_with_read_only_urls_and_applies_saved_plans_with_live_behind_a_person() -> None:
    jobs = gitlab_jobs()
    assert {"validate", "plan", "plan-note", "plan-test", "apply-test", "plan-live", "live-plan-note", "apply-live", "drift", "drift-merge-request"} <= set(jobs)
    environments = {name: job.get("environment", {}).get("name") for name, job in jobs.items()}
    assert environments["plan"] == environments["plan-test"] == "test-readonly"
    assert environments["plan-live"] == environments["drift"] == "live-readonly"
    assert environments["apply-test"] == "test" and environments["apply-live"] == "live"
    assert environments["plan-note"] == environments["live-plan-note"] == "merge-request-notes"
    assert environments["drift-merge-request"] == "drift"
    for name, job in jobs.items():
        if "environment" not in job:
            continue
        action = job["environment"].get("action", "start")
        # Only the apply jobs deploy; the others name an environment to get its variables.
        assert (action == "start") == name.startswith("apply-"), name
    assert jobs["apply-test"]["needs"] == ["plan-test"] and jobs["apply-live"]["needs"] == ["plan-live"]
    assert jobs["plan-live"]["needs"] == ["apply-test"]
    assert jobs["apply-live"]["rules"][0]["when"] == "manual"
    assert jobs["apply-live"]["rules"][0]["allow_failure"] is False
    assert jobs["plan-test"]["variables"]["TARGET"] == "test-readonly" and jobs["plan-live"]["variables"]["TARGET"] == "live-readonly"
    for name in ("apply-test", "apply-live"):
        script = "\n".join(jobs[name]["script"])
        assert not re.search(r"billing-config\s+plan\b", script)
        assert 'billing-config apply --target "$TARGET" --plan plan.json' in script and "STALE PLAN" in script
        assert "PLAN_SHA256" in script
    for name in ("plan-test", "plan-live"):
        assert "--out plan.json" in "\n".join(jobs[name]["script"]) and jobs[name]["artifacts"]["reports"]["dotenv"] == "plan.env"


def test_gitlab_tokens_stay_out_of_jobs_with_database_urls_and_notes_are_found_by_their_author() -> None:
    document = load(GITLAB)
    jobs = gitlab_jobs()
    header = GITLAB.read_text(encoding="utf-8").split("stages:", 1)[0]
    token_jobs = {name for name, job in jobs.items() if "_TOKEN" in yaml.safe_dump(job.get("script"))}
    assert token_jobs == {"plan-note", "live-plan-note", "drift-merge-request"}
    database_environments = {"test-readonly", "test", "live-readonly", "live"}
    for name in token_jobs:
        assert jobs[name]["environment"]["name"] not in database_environments, name
        assert not re.search(r"billing-config (plan|apply|export)", "\n".join(jobs[name]["script"])), name
        assert "pip install" not in yaml.safe_dump(jobs[name]["before_script"]), name
    # Each variable is documented with the environment scope that keeps it to its jobs.
    for variable, scope in [
        (TARGETS["test-readonly"], "test-readonly"), (TARGETS["test"], "test"), (TARGETS["live-readonly"], "live-readonly"),
        (TARGETS["live"], "live"), ("BILLING_NOTE_TOKEN", "merge-request-notes"), ("BILLING_BOT_TOKEN", "drift"),
    ]:
        assert re.search(rf"{variable}\b[^\n]*(\n#\s{{10,}}[^\n]*)*scope `{scope}`", header, re.IGNORECASE), variable
    assert "Reporter" in header and "protected" in header.lower()
    for name in ("plan-note", "live-plan-note"):
        script = "\n".join(jobs[name]["script"])
        assert 'n.get("author", {}).get("id") == me["id"]' in script and "/user" in script
    assert document["variables"]["PLAN_MARKER"] == "<!-- billing-config-plan -->"
    plan_script = "\n".join(jobs["plan"]["script"])
    assert "--detailed-exitcode" in plan_script and "3)" in plan_script
    assert jobs["plan-note"]["rules"][0]["when"] == "always" and jobs["plan-note"]["needs"] == ["plan"]


def test_gitlab_installs_git_before_the_tool_and_drift_proposes_from_a_second_job() -> None:
    before = load(GITLAB)["default"]["before_script"]
    git_at = next(i for i, line in enumerate(before) if "apt-get install" in line and " git" in line)
    pip_at = next(i for i, line in enumerate(before) if "pip install" in line)
    assert git_at < pip_at
    jobs = gitlab_jobs()
    drift = "\n".join(jobs["drift"]["script"])
    assert "--detailed-exitcode" in drift and "2|3)" in drift and "export --target live-readonly" in drift
    assert jobs["drift-merge-request"]["needs"] == ["drift"]
    proposal = "\n".join(jobs["drift-merge-request"]["script"])
    assert "git apply --index drift.patch" in proposal and "credential.helper" in proposal
    assert "oauth2:${BILLING_BOT_TOKEN}@" not in proposal
