"""A newcomer's first hour, scripted: from an existing platform to a reviewed change, on each database.

Everything runs as the newcomer types it, in a shell, with the installed `billing-config` and
`pre-commit` (the tool's install brings it): `init` scaffolds the repository and prints the next
three commands, which are run exactly as printed; the empty repository is refused, not planned as
forty deletes; `export` through the read-only target starts the repository from the platform; a
branch changes a status and adds a department; the plan through the read-only target (a real
SELECT-only user on PostgreSQL and MariaDB) is saved and applied through the command it prints,
on the writing twin; then someone edits the platform directly and drift says so.

The platform is what `db init --sample-data` builds (its customers use the statuses). The hooks
fire on each commit but are skipped by id (SKIP): they install the pinned tool from a package
index, which this test has no network for; the validate hook's own entry is run instead, as the
hook would (tests/scenarios/test_precommit.py runs real hooks from a snapshot of the project).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from tests.conftest import CONFIG
from tests.testing.databases import execute, scalar, snapshot
from tests.testing.files import edit

BIN = Path(sys.executable).parent


@dataclass
class Shell:
    """A newcomer's terminal: the tool's virtual environment on PATH, the two test targets'
    variables set (as a CI secret or a team's .envrc would), a fixed git identity."""

    env: dict[str, str]

    def run(self, line: str, cwd: Path, expect: int | None = 0) -> subprocess.CompletedProcess[str]:
        completed = subprocess.run(
            ["bash", "-c", line], cwd=cwd, env=self.env, capture_output=True, text=True, check=False, timeout=120
        )
        if expect is not None:
            assert completed.returncode == expect, f"$ {line}\n{completed.stdout}\n{completed.stderr}"
        assert "Traceback" not in completed.stderr, completed.stderr
        return completed


@pytest.fixture
def read_only_url(db_url: str) -> Iterator[Callable[[], str]]:
    """Makes, once the platform's tables exist, a URL of a user that may only read them."""
    engine = sa.create_engine(db_url)
    made: list[str] = []

    def make() -> str:
        if engine.dialect.name == "sqlite":
            return db_url  # one file, one user: the split is exercised on the servers
        database = engine.url.database or ""
        user = f"{database}_ro"
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql(f"DROP ROLE IF EXISTS {user}")
                connection.exec_driver_sql(f"CREATE ROLE {user} LOGIN")
                connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {user}")
                connection.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {user}")
            else:
                connection.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%%'")
                connection.exec_driver_sql(f"CREATE USER '{user}'@'%%'")
                connection.exec_driver_sql(f"GRANT SELECT ON `{database}`.* TO '{user}'@'%%'")
        made.append(user)
        return engine.url.set(username=user, password=None).render_as_string(hide_password=False)

    yield make
    with engine.begin() as connection:
        for user in made:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql(f"DROP OWNED BY {user}")
                connection.exec_driver_sql(f"DROP ROLE IF EXISTS {user}")
            else:
                connection.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%%'")
    engine.dispose()


def test_the_first_hour(db_url: str, read_only_url: Callable[[], str], tmp_path: Path) -> None:
    shell = Shell({
        **{k: v for k, v in os.environ.items() if not k.startswith(("BILLING_", "GIT_", "VIRTUAL_ENV"))},
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        # The installed hooks fire on every commit, but installing their pinned tool needs a
        # package index: pre-commit skips them by id, and _hook runs their entry instead.
        "SKIP": "billing-config-validate,billing-config-fmt",
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "New Engineer", "GIT_AUTHOR_EMAIL": "new@example.invalid",
        "GIT_COMMITTER_NAME": "New Engineer", "GIT_COMMITTER_EMAIL": "new@example.invalid",
    })
    # The platform as the newcomer finds it, built by its own team: its lists filled in, and
    # customers and tickets using them.
    platform_team = tmp_path / "platform-team"
    shutil.copytree(CONFIG, platform_team / "config")
    shell.env["BILLING_DATABASE_URL"] = db_url
    shell.run("billing-config db init --sample-data", platform_team)
    del shell.env["BILLING_DATABASE_URL"]
    engine = sa.create_engine(db_url)
    try:
        _first_hour(shell, tmp_path, engine, writer=db_url, reader=read_only_url())
    finally:
        engine.dispose()


def _first_hour(shell: Shell, tmp_path: Path, engine: sa.Engine, writer: str, reader: str) -> None:
    shell.env.update({"BILLING_TEST_PLATFORM_URL": writer, "BILLING_TEST_READONLY_URL": reader})
    statuses_before = scalar(engine, "SELECT COUNT(*) FROM customer_statuses")

    # 1. Scaffold, and run the three commands init prints, exactly as printed.
    # The tool here is installed from a local folder, which pins nothing verifiable: say the pin,
    # as a team installing from a local build would (from git, init pins the commit itself).
    pin = "billing-config @ git+https://example.invalid/bc@0123456789abcdef0123456789abcdef01234567"
    scaffolded = shell.run(f"billing-config init billing-platform-config --ci github --package '{pin}'", tmp_path)
    repo = tmp_path / "billing-platform-config"
    lines = scaffolded.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Next:"))
    hooks, export, commit = (line.strip() for line in lines[start + 1 : start + 4])
    assert hooks == "cd billing-platform-config && git init -b main && pre-commit install"
    assert export.startswith("billing-config export --target test-readonly")

    shell.run(hooks, tmp_path)  # pre-commit came with the tool: its install works at once
    assert "pre-commit" in (repo / ".git" / "hooks" / "pre-commit").read_text()

    # Before the export: an empty repository planned against the platform is refused (exit 3
    # fails the pull request's check) and pointed to export, never planned as deletes to apply.
    empty = shell.run("billing-config plan --target test-readonly --detailed-exitcode", repo, expect=3)
    assert "error config-empty the config holds no customer status" in empty.stdout
    assert "run `billing-config export`" in empty.stdout
    shell.run("billing-config apply --target test --yes", repo, expect=1)
    assert scalar(engine, "SELECT COUNT(*) FROM customer_statuses") == statuses_before

    exported = shell.run(export, repo)  # through the read-only user
    assert "config/statuses/suspended.yaml" in exported.stdout + exported.stderr
    _hook(shell, repo)
    committed = shell.run(commit, repo)
    assert "billing-config validate" in committed.stdout + committed.stderr  # the installed hook ran (and skipped)
    assert shell.run("git log --format=%s", repo).stdout.splitlines() == ["Start from the platform"]
    # The repository now is the platform: nothing to plan.
    same = shell.run("billing-config plan --target test-readonly --detailed-exitcode", repo)
    assert "No changes" in same.stdout

    # 2. A change on a branch: Suspended stops billing, and a new department.
    shell.run("git switch -q -c suspended-stops-billing", repo)
    edit(repo / "config" / "statuses" / "suspended.yaml", "is_billable: true", "is_billable: false")
    shell.run('billing-config new department "Collections"', repo)
    _hook(shell, repo)
    shell.run('git add -A && git commit -q -m "Suspended customers are no longer billed; a Collections team"', repo)

    # The pull request's plan, through the read-only target: what the comment shows.
    comment = shell.run("billing-config plan --target test-readonly --format markdown --detailed-exitcode", repo, expect=2)
    suspended = scalar(
        engine,
        "SELECT COUNT(*) FROM customers c JOIN customer_statuses s ON s.id = c.customer_status_id WHERE s.code = 'suspended'",
    )
    assert f"Suspended stops billing for {suspended} customers and " in comment.stdout and "a month of recurring charges." in comment.stdout
    assert "- `~` **suspended**" in comment.stdout and "`is_billable`: `true` → `false`" in comment.stdout
    assert '- `+` **collections** ("Collections")\n  - `name`: `"Collections"`\n' in comment.stdout  # its fields, not only its name

    # 3. Merged; the plan is saved through the read-only target and applied as it says, through
    # its writing twin (the read-only user could not write it).
    shell.run("git switch -q main && git merge -q --ff-only suspended-stops-billing", repo)
    saved = shell.run("billing-config plan --target test-readonly --out plan.json", repo)
    suggested = re.search(r"apply exactly this plan with `([^`]+)`", saved.stderr)
    assert suggested is not None, saved.stderr
    assert suggested.group(1) == "billing-config apply --target test --plan plan.json"
    if engine.dialect.name != "sqlite":  # the read-only user really cannot apply it
        refused = shell.run("billing-config apply --target test-readonly --plan plan.json", repo, expect=1)
        assert "nothing changed" in refused.stderr and "denied" in refused.stderr, refused.stderr
    before = snapshot(engine)
    applied = shell.run(suggested.group(1), repo)
    assert "Applied 2 change(s) in one transaction" in applied.stdout
    after = snapshot(engine)
    assert after != before
    assert scalar(engine, "SELECT is_billable FROM customer_statuses WHERE code = 'suspended'") in (False, 0)
    assert scalar(engine, "SELECT name FROM departments WHERE code = 'collections'") == "Collections"
    head = shell.run("git rev-parse HEAD", repo).stdout.strip()
    assert scalar(engine, "SELECT COUNT(*) FROM config_audit_log WHERE git_commit = :c", {"c": head}) == 2
    assert shell.run("billing-config plan --target test-readonly --detailed-exitcode", repo).returncode == 0

    # 4. Someone edits the platform directly; drift (read-only) says what and where.
    shell.run("billing-config drift --target test-readonly", repo)  # nothing yet
    execute(engine, "UPDATE departments SET name = 'Sales & Renewals' WHERE code = 'sales'")
    drifted = shell.run("billing-config drift --target test-readonly", repo, expect=2)
    assert "sales" in drifted.stdout and "Sales & Renewals" in drifted.stdout
    # ... and export brings exactly that back into a pull request, after which nothing is left.
    shell.run("billing-config export --target test-readonly --only-drift", repo)
    assert shell.run("git status --porcelain -- config", repo).stdout == " M config/departments/sales.yaml\n"
    assert "name: Sales & Renewals" in (repo / "config" / "departments" / "sales.yaml").read_text()
    assert shell.run("billing-config plan --target test-readonly --detailed-exitcode", repo).returncode == 0


def _hook(shell: Shell, repo: Path) -> None:
    """What the hooks check on a commit, by their entries in the scaffolded config: the tree
    validates, and fmt would change no file (the hook fails a commit whose files it rewrites)."""
    hooks = {hook["id"]: hook for hook in yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]}
    shell.run(hooks["billing-config-validate"]["entry"], repo)
    shell.run(hooks["billing-config-fmt"]["entry"] + " --check", repo)
