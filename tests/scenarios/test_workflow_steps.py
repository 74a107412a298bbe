"""The workflows' shell steps, run for real: saved plans applied, refusals and exit codes reported.

GitHub runs each `run:` step of these workflows (`defaults: run: shell: bash`) as
`bash --noprofile --norc -eo pipefail`; these tests do the same with the step text and the
step's own `env:` from the YAML, its `${{ ... }}` expressions filled in the way the runner
would. The merge job's steps run against a real database, so the job summary a reviewer reads
on success and on failure is checked rather than assumed; the exit-code handling runs against
a stand-in `billing-config` that exits with each code the contract names.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from billing_config.cli import main
from tests.conftest import CONFIG, REPO
from tests.scenarios.test_workflows import TARGETS, gitlab_jobs

WORKFLOWS = REPO / ".github" / "workflows"


def workflow(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    return loaded


def step(workflow_name: str, job: str, name: str) -> dict[str, Any]:
    return next(s for s in workflow(workflow_name)["jobs"][job]["steps"] if s.get("name") == name)


def step_env(spec: dict[str, Any], values: dict[str, str]) -> dict[str, str]:
    """The step's env with each `${{ expression }}` replaced by ``values[expression]``."""
    return {
        key: re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda m: values[m.group(1)], str(value))
        for key, value in (spec.get("env") or {}).items()
    }


def run_bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line) if path.exists() else {}


class Runner:
    """A job's workspace: runs steps from the YAML with the files GitHub would provide."""

    def __init__(self, workspace: Path, path: str) -> None:
        self.workspace = workspace
        self.summary = workspace.parent / f"{workspace.name}-summary.md"
        self.output = workspace.parent / f"{workspace.name}-output.txt"
        self.base = {
            **os.environ,
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
            "RUNNER_TEMP": str(workspace.parent),
            "PATH": f"{path}{os.pathsep}{os.environ['PATH']}",
        }
        for name in ("BILLING_DATABASE_URL", *TARGETS.values()):
            self.base.pop(name, None)

    def run(self, spec: dict[str, Any], values: dict[str, str]) -> subprocess.CompletedProcess[str]:
        self.summary.write_text("") if not self.summary.exists() else None
        self.output.write_text("")
        return run_bash(spec["run"], self.workspace, {**self.base, **step_env(spec, values)})


def test_every_step_that_runs_the_tool_gets_its_targets_url_from_the_secret_of_that_name() -> None:
    checked = 0
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            for spec in job.get("steps", []):
                for target in re.findall(r"billing-config (?:plan|apply|export) --target (\S+)", spec.get("run", "")):
                    env = spec.get("env") or {}
                    name = env["TARGET"] if target == '"$TARGET"' else target
                    variable = TARGETS[name]
                    assert env.get(variable) == f"${{{{ secrets.{variable} }}}}", f"{path.name}: {spec.get('name')}"
                    others = set(TARGETS.values()) - {variable}
                    assert not others & set(env), f"{path.name}: {spec.get('name')} holds another target's URL"
                    checked += 1
    assert checked >= 6


# --- the merge workflow against a real database ------------------------------------------------


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    """A checkout of this config and a test platform that has it applied."""
    checkout = tmp_path / "checkout"
    shutil.copytree(CONFIG, checkout / "config")
    shutil.copy2(REPO / "billing-config.toml", checkout / "billing-config.toml")
    url = f"sqlite:///{tmp_path / 'test-platform.db'}"
    monkeypatch.chdir(checkout)
    monkeypatch.setenv(TARGETS["test"], url)
    assert main(["db", "init", "--target", "test"]) == 0
    assert main(["apply", "--target", "test", "--yes"]) == 0
    capsys.readouterr()
    return checkout, url


def secrets_for(url: str) -> dict[str, str]:
    # One SQLite file stands for the platform; the read-only and the writing URL both reach it.
    return {f"secrets.{variable}": url for variable in TARGETS.values()}


def test_a_saved_plan_is_applied_and_a_stale_one_is_refused_with_a_re_run_hint(platform: tuple[Path, str]) -> None:
    checkout, url = platform
    bin_dir = str(Path(sys.executable).parent)
    planner, applier = Runner(checkout, bin_dir), Runner(checkout, bin_dir)
    save, apply = step("apply.yml", "plan-test", "Save the plan"), step("apply.yml", "apply-test", "Apply the saved plan")

    suspended = checkout / "config" / "statuses" / "suspended.yaml"
    suspended.write_text(suspended.read_text().replace("is_billable: true", "is_billable: false"))
    saved = planner.run(save, secrets_for(url))
    assert saved.returncode == 0, saved.stdout + saved.stderr
    sha256 = outputs(planner.output)["sha256"]
    assert sha256 == hashlib.sha256((checkout / "plan.json").read_bytes()).hexdigest()
    assert "## Plan for the test platform" in planner.summary.read_text() and sha256 in planner.summary.read_text()

    applied = applier.run(apply, {**secrets_for(url), "needs.plan-test.outputs.sha256": sha256})
    assert applied.returncode == 0, applied.stdout + applied.stderr
    text = applier.summary.read_text()
    assert "## :white_check_mark: Applied to test" in text and "`is_billable`: `true` → `false`" in text

    # The next merge's plan is saved, then someone edits the database before the apply job runs.
    applier.summary.write_text("")
    suspended.write_text(suspended.read_text().replace("send_correspondence: true", "send_correspondence: false"))
    assert planner.run(save, secrets_for(url)).returncode == 0
    sha256 = outputs(planner.output)["sha256"]
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE customer_statuses SET short_name = 'SUSP' WHERE code = 'suspended'"))
    refused = applier.run(apply, {**secrets_for(url), "needs.plan-test.outputs.sha256": sha256})
    assert refused.returncode == 1
    text = applier.summary.read_text()
    assert "## :x: billing-config apply failed for test; nothing was changed" in text
    assert "**The saved plan is stale**" in text and "Re-run ALL jobs of this workflow run" in text
    assert "### Error" in text and "changed since" in text.lower()
    assert "### The plan that was refused" in text and "`send_correspondence`: `true` → `false`" in text
    assert "::error title=Stale plan, nothing applied::" in refused.stdout
    with engine.connect() as connection:
        still = connection.execute(sa.text("SELECT send_correspondence FROM customer_statuses WHERE code = 'suspended'")).scalar()
    engine.dispose()
    assert bool(still) is True  # the refused apply wrote nothing


def test_a_plan_file_other_than_the_one_shown_is_not_applied(platform: tuple[Path, str]) -> None:
    checkout, url = platform
    runner = Runner(checkout, str(Path(sys.executable).parent))
    suspended = checkout / "config" / "statuses" / "suspended.yaml"
    suspended.write_text(suspended.read_text().replace("is_billable: true", "is_billable: false"))
    assert runner.run(step("apply.yml", "plan-test", "Save the plan"), secrets_for(url)).returncode == 0
    shown = outputs(runner.output)["sha256"]
    plan = checkout / "plan.json"
    plan.write_text(plan.read_text().replace('"is_billable"', '"is_billable" '))
    runner.summary.write_text("")
    refused = runner.run(step("apply.yml", "apply-test", "Apply the saved plan"), {**secrets_for(url), "needs.plan-test.outputs.sha256": shown})
    assert refused.returncode == 1
    assert "plan.json is not the plan the plan job saved" in runner.summary.read_text()
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        billable = connection.execute(sa.text("SELECT is_billable FROM customer_statuses WHERE code = 'suspended'")).scalar()
    engine.dispose()
    assert bool(billable) is True


def test_gitlab_save_and_apply_scripts_apply_the_saved_plan(platform: tuple[Path, str]) -> None:
    checkout, url = platform
    jobs = gitlab_jobs()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "CI_DEFAULT_BRANCH": "main"}
    env.update({variable: url for variable in TARGETS.values()})
    suspended = checkout / "config" / "statuses" / "suspended.yaml"
    suspended.write_text(suspended.read_text().replace("is_billable: true", "is_billable: false"))
    saved = run_bash("\n".join(jobs["plan-test"]["script"]), checkout, {**env, **jobs["plan-test"]["variables"]})
    assert saved.returncode == 0, saved.stdout + saved.stderr
    dotenv = outputs(checkout / "plan.env")
    assert dotenv["PLAN_SHA256"] == hashlib.sha256((checkout / "plan.json").read_bytes()).hexdigest()
    applied = run_bash("\n".join(jobs["apply-test"]["script"]), checkout, {**env, **jobs["apply-test"]["variables"], **dotenv})
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Applied 1 change(s)" in applied.stdout
    # Applied again, the same plan is stale: the job says how to plan again.
    again = run_bash("\n".join(jobs["apply-test"]["script"]), checkout, {**env, **jobs["apply-test"]["variables"], **dotenv})
    assert again.returncode == 1 and "STALE PLAN" in again.stdout and "Run pipeline" in again.stdout


# --- exit codes, with a stand-in billing-config ------------------------------------------------

FAKE_TOOL = """#!/bin/sh
# Stands in for billing-config: prints a plan, writes --out, exits with $FAKE_STATUS.
echo "### stand-in plan, exit code $FAKE_STATUS"
printf '%s\n' "${FAKE_ERROR:-stand-in error output}" >&2
previous=""
for argument in "$@"; do
  if [ "$previous" = "--out" ]; then echo '{"format_version": 1}' > "$argument"; fi
  previous="$argument"
done
exit "$FAKE_STATUS"
"""


@pytest.fixture
def fake_tool(tmp_path: Path) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "billing-config"
    tool.write_text(FAKE_TOOL)
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return str(bin_dir)


@pytest.mark.parametrize(("status", "passes"), [(0, True), (2, True), (1, False), (3, False)])
def test_the_pull_request_check_fails_on_errors_and_refusals_and_the_comment_is_written_either_way(
    tmp_path: Path, fake_tool: str, status: int, passes: bool
) -> None:
    workspace = tmp_path / "work"
    workspace.mkdir()
    runner = Runner(workspace, fake_tool)
    runner.base["FAKE_STATUS"] = str(status)
    planned = runner.run(step("pull-request.yml", "plan", "Plan (markdown)"), {"secrets.BILLING_TEST_READONLY_URL": "sqlite:///x"})
    assert planned.returncode == 0, planned.stderr  # the plan step itself never stops the job
    assert outputs(runner.output) == {"exitcode": str(status)}
    comment = (workspace / "plan.md").read_text()
    if status == 1:
        assert comment.startswith("### billing-config plan failed") and "stand-in error output" in comment
    else:
        assert comment == f"### stand-in plan, exit code {status}\n"
    verdict = runner.run(
        step("pull-request.yml", "plan", "Fail when the plan failed or apply would refuse it"), {"steps.plan.outputs.exitcode": str(status)}
    )
    assert (verdict.returncode == 0) is passes, verdict.stdout
    comment_job = workflow("pull-request.yml")["jobs"]["comment"]
    assert comment_job["needs"] == "plan" and comment_job["if"] == "${{ !cancelled() && needs.plan.result != 'skipped' }}"


@pytest.mark.parametrize(("status", "saved"), [(0, True), (2, True), (1, False), (3, False)])
def test_the_merge_plan_jobs_stop_before_apply_on_errors_and_refusals(tmp_path: Path, fake_tool: str, status: int, saved: bool) -> None:
    for job, platform in (("plan-test", "test"), ("plan-live", "live")):
        workspace = tmp_path / job
        workspace.mkdir()
        runner = Runner(workspace, fake_tool)
        runner.base["FAKE_STATUS"] = str(status)
        result = runner.run(step("apply.yml", job, "Save the plan"), secrets_for("sqlite:///x"))
        summary = runner.summary.read_text()
        assert (result.returncode == 0) is saved, result.stdout + result.stderr
        assert ("sha256" in outputs(runner.output)) is saved
        if status == 3:
            assert f"apply would refuse this plan for the {platform} platform" in summary and "stand-in plan" in summary
        elif status == 1:
            assert f"billing-config plan failed for the {platform} platform" in summary and "stand-in error output" in summary
        else:
            assert f"## Plan for the {platform} platform" in summary


@pytest.mark.parametrize(("status", "drift"), [(0, "false"), (2, "true"), (1, None), (3, None)])
def test_the_drift_job_reads_billing_config_drift(tmp_path: Path, fake_tool: str, status: int, drift: str | None) -> None:
    """drift exits 0 (none), 2 (drift) or 1 (error); anything else is an error too."""
    runner = Runner(tmp_path, fake_tool)
    runner.base["FAKE_STATUS"] = str(status)
    result = runner.run(step("drift.yml", "detect", "Drift against live"), secrets_for("sqlite:///x"))
    assert (result.returncode == 0) is (drift is not None)
    assert outputs(runner.output).get("drift") == drift


def test_gitlab_plan_job_fails_on_errors_and_refusals_after_writing_the_note(tmp_path: Path, fake_tool: str) -> None:
    script = "\n".join(gitlab_jobs()["plan"]["script"])
    for status, passes in ((0, True), (2, True), (1, False), (3, False)):
        env = {**os.environ, "PATH": f"{fake_tool}{os.pathsep}{os.environ['PATH']}", "FAKE_STATUS": str(status)}
        result = run_bash(script, tmp_path, env)
        assert (result.returncode == 0) is passes, (status, result.stdout)
        assert (tmp_path / "plan.md").read_text().startswith("### billing-config plan failed" if status == 1 else "### stand-in plan")


# --- error text in a Markdown fence ------------------------------------------------------------

# What an error may carry (a live name, a mapping key, a path): lines that would close a fence
# of three backticks, open a heading, or close the <details> around the plan.
HOSTILE_ERROR = "billing-config: error: x\n```\n</details>\n# Pwned\n  ````\n`````text\n@everyone"


def assert_error_stays_in_its_fence(markdown: str) -> None:
    """The error text sits in one fenced block that nothing inside it closes."""
    lines = markdown.splitlines()
    opening = next(i for i, line in enumerate(lines) if re.fullmatch(r"`{3,}text", line))
    fence = lines[opening][: -len("text")]
    closing = [i for i, line in enumerate(lines[opening + 1 :], opening + 1) if re.fullmatch(rf" {{0,3}}`{{{len(fence)},}}\s*", line)]
    assert closing, markdown
    assert lines[opening + 1 : closing[0]] == HOSTILE_ERROR.splitlines(), markdown


def test_error_text_cannot_close_the_fence_of_the_pull_request_comment(tmp_path: Path, fake_tool: str) -> None:
    """Issue 16, item 4: a line of error output made of backticks (a mapping key or live name
    holding a line break) closed the ```text fence and went on as Markdown in the comment."""
    runner = Runner(tmp_path, fake_tool)
    runner.base.update(FAKE_STATUS="1", FAKE_ERROR=HOSTILE_ERROR)
    runner.run(step("pull-request.yml", "plan", "Plan (markdown)"), {"secrets.BILLING_TEST_READONLY_URL": "sqlite:///x"})
    assert_error_stays_in_its_fence((tmp_path / "plan.md").read_text())


@pytest.mark.parametrize("job", ["plan-test", "plan-live"])
def test_error_text_cannot_close_the_fence_of_the_merge_job_summary(tmp_path: Path, fake_tool: str, job: str) -> None:
    runner = Runner(tmp_path, fake_tool)
    runner.base.update(FAKE_STATUS="1", FAKE_ERROR=HOSTILE_ERROR)
    runner.run(step("apply.yml", job, "Save the plan"), secrets_for("sqlite:///x"))
    assert_error_stays_in_its_fence(runner.summary.read_text())


def test_error_text_cannot_close_the_fence_of_the_drift_summary(tmp_path: Path, fake_tool: str) -> None:
    runner = Runner(tmp_path, fake_tool)
    runner.base.update(FAKE_STATUS="1", FAKE_ERROR=HOSTILE_ERROR)
    runner.run(step("drift.yml", "detect", "Drift against live"), secrets_for("sqlite:///x"))
    assert_error_stays_in_its_fence(runner.summary.read_text())


def test_error_text_cannot_close_the_fence_of_the_merge_request_note(tmp_path: Path, fake_tool: str) -> None:
    script = "\n".join(gitlab_jobs()["plan"]["script"])
    env = {**os.environ, "PATH": f"{fake_tool}{os.pathsep}{os.environ['PATH']}", "FAKE_STATUS": "1", "FAKE_ERROR": HOSTILE_ERROR}
    run_bash(script, tmp_path, env)
    assert_error_stays_in_its_fence((tmp_path / "plan.md").read_text())


def test_every_fenced_file_in_the_workflows_gets_a_fence_longer_than_its_content() -> None:
    """No step writes `echo '```text'` before a file any more: each sizes its fence."""
    for path in [*WORKFLOWS.glob("*.yml"), REPO / ".gitlab-ci.yml"]:
        text = path.read_text()
        assert "echo '```text'" not in text, path.name
        assert text.count('echo "${fence}text"') == text.count('while grep -qF -- "$fence"'), path.name


# --- the guard against re-running an old merge -------------------------------------------------


@pytest.mark.parametrize("job", ["plan-test", "plan-live"])
def test_an_old_run_refuses_to_plan_once_main_has_newer_config(tmp_path: Path, job: str) -> None:
    guard = step("apply.yml", job, "Refuse to plan older config than main's")
    checkout = tmp_path / "checkout"
    shutil.copytree(CONFIG, checkout / "config")
    shutil.copy2(REPO / "billing-config.toml", checkout / "billing-config.toml")
    shutil.copytree(checkout, tmp_path / "main-now")
    shutil.move(tmp_path / "main-now", checkout / ".main-now")
    runner = Runner(checkout, str(Path(sys.executable).parent))
    same = runner.run(guard, {})
    assert same.returncode == 0, same.stdout + same.stderr
    assert not (checkout / ".main-now").exists()  # nothing of it is left for the tool to read

    shutil.copytree(checkout, tmp_path / "main-now")
    shutil.move(tmp_path / "main-now", checkout / ".main-now")
    newer = checkout / ".main-now" / "config" / "statuses" / "suspended.yaml"
    newer.write_text(newer.read_text().replace("is_billable: true", "is_billable: false"))
    outdated = runner.run(guard, {})
    assert outdated.returncode == 1 and "::error title=Outdated run::main has newer config" in outdated.stdout


# --- the github-script steps, run by Node against a stand-in GitHub API ------------------------

GITHUB_SCRIPT_HARNESS = r"""
// Runs a github-script step's script as actions/github-script does (an async function of
// require, github, context, core), with a stand-in API that records the writes.
const fs = require('fs');
const given = JSON.parse(fs.readFileSync(0, 'utf8'));
const calls = [];
const github = {
  paginate: async (method, args) => method(args),
  rest: {
    issues: {
      listComments: (args) => { calls.push(['list', args.issue_number]); return given.comments; },
      updateComment: async (args) => { calls.push(['update', args.comment_id, args.body]); },
      createComment: async (args) => { calls.push(['create', args.issue_number, args.body]); },
    },
    repos: {
      listPullRequestsAssociatedWithCommit: async (args) => ({ data: given.pulls }),
    },
  },
};
const core = { info: (message) => calls.push(['info', message]) };
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('require', 'github', 'context', 'core', given.script)(require, github, given.context, core)
  .then(() => process.stdout.write(JSON.stringify(calls)))
  .catch((error) => { console.error(error); process.exit(1); });
"""


def run_github_script(spec: dict[str, Any], workspace: Path, given: dict[str, Any], env: dict[str, str]) -> list[list[Any]]:
    from tests.e2e.external import missing

    node = shutil.which("node")
    if node is None:
        missing("node is not installed")
    assert node is not None
    payload = {"script": spec["with"]["script"], **given}
    completed = subprocess.run(
        [node, "-e", GITHUB_SCRIPT_HARNESS], input=json.dumps(payload), cwd=workspace, capture_output=True, text=True,
        check=False, env={**os.environ, **env},
    )
    assert completed.returncode == 0, completed.stderr
    calls: list[list[Any]] = json.loads(completed.stdout)
    return calls


CONTEXT = {
    "repo": {"owner": "org", "repo": "config"},
    "issue": {"number": 12},
    "sha": "fedcba9876543210fedcba9876543210fedcba98",
    "serverUrl": "https://github.example",
    "runId": 4242,
    "payload": {"pull_request": {"head": {"sha": "abcdef0123456789abcdef0123456789abcdef01"}}},
}


def test_the_plan_comment_edits_only_the_bots_own_comment(tmp_path: Path) -> None:
    spec = step("pull-request.yml", "comment", "Post or update the plan comment")
    (tmp_path / "plan.md").write_text("### billing-config plan\n\n**0 to create, 1 to update, 0 to delete**\n")
    forged = {"id": 1, "user": {"login": "mallory", "type": "User"}, "body": "<!-- billing-config-plan -->\nall fine"}
    other_bot = {"id": 2, "user": {"login": "some-app[bot]", "type": "Bot"}, "body": "<!-- billing-config-plan -->"}
    ours = {"id": 3, "user": {"login": "github-actions[bot]", "type": "Bot"}, "body": "<!-- billing-config-plan -->\nold plan"}

    calls = run_github_script(spec, tmp_path, {"context": CONTEXT, "comments": [forged, other_bot, ours], "pulls": []}, {})
    assert calls[0] == ["list", 12]
    (update,) = [call for call in calls if call[0] != "list"]
    assert update[:2] == ["update", 3]
    assert update[2].startswith("<!-- billing-config-plan -->\n### billing-config plan\n")
    assert update[2].endswith("<sub>Planned for abcdef0 against the test platform.</sub>\n")

    calls = run_github_script(spec, tmp_path, {"context": CONTEXT, "comments": [forged, other_bot], "pulls": []}, {})
    assert [call[:2] for call in calls] == [["list", 12], ["create", 12]]


def test_the_live_plan_goes_on_the_merged_pull_request_with_its_checksum(tmp_path: Path) -> None:
    spec = step("apply.yml", "comment-live-plan", "Post or update the live plan comment")
    (tmp_path / "plan.md").write_text("### billing-config plan\n\n**1 to update**\n")
    env = {"PLAN_SHA256": "9" * 64}
    merged = {"number": 31, "merged_at": "2026-11-25T10:00:00Z", "merge_commit_sha": CONTEXT["sha"]}
    open_one = {"number": 40, "merged_at": None, "merge_commit_sha": None}
    calls = run_github_script(spec, tmp_path, {"context": CONTEXT, "comments": [], "pulls": [open_one, merged]}, env)
    (create,) = [call for call in calls if call[0] == "create"]
    assert create[1] == 31
    body = create[2]
    assert body.startswith("<!-- billing-config-live-plan -->\n### Plan for the live platform, waiting for approval\n")
    assert "**1 to update**" in body and f"sha256 `{'9' * 64}`" in body
    assert "https://github.example/org/config/actions/runs/4242" in body

    ours = {"id": 5, "user": {"login": "github-actions[bot]"}, "body": "<!-- billing-config-live-plan -->\nold"}
    calls = run_github_script(spec, tmp_path, {"context": CONTEXT, "comments": [ours], "pulls": [merged]}, env)
    assert [call[:2] for call in calls if call[0] != "list"] == [["update", 5]]

    calls = run_github_script(spec, tmp_path, {"context": CONTEXT, "comments": [], "pulls": []}, env)
    assert [call[0] for call in calls] == ["info"]
