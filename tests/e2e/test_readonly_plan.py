"""The merge workflow's split, on PostgreSQL with a real read-only user.

The plan job of apply.yml holds only a read-only URL and the apply job only the URL that may
write. These tests run those two steps from the YAML (as tests/gitops/test_workflow_steps.py
does) against a database of their own, with a role that can only SELECT: the plan must work
through it, and the apply job must apply that saved plan through the other user.

Needs BILLING_TEST_POSTGRES_URL (a user that may create databases and roles; .ci/run sets it);
unset, the tests skip, or fail under BILLING_TEST_REQUIRE_DATABASES=1.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import CONFIG, REPO
from tests.scenarios.test_workflow_steps import Runner, outputs, step
from tests.scenarios.test_workflows import TARGETS


@dataclass
class Platform:
    checkout: Path
    writer: str
    reader: str


def billing_config(*args: str, cwd: Path) -> None:
    executable = shutil.which("billing-config", path=str(Path(sys.executable).parent)) or "billing-config"
    completed = subprocess.run([executable, *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    server = os.environ.get("BILLING_TEST_POSTGRES_URL")
    if not server:
        message = "BILLING_TEST_POSTGRES_URL is not set: the read-only plan needs a real PostgreSQL server"
        if os.environ.get("BILLING_TEST_REQUIRE_DATABASES") == "1":
            pytest.fail(message + " (BILLING_TEST_REQUIRE_DATABASES=1 forbids skipping)")
        pytest.skip(message)
    name = f"billing_e2e_ro_{os.getpid()}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(sa.text(f"DROP ROLE IF EXISTS {name}"))
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
        connection.execute(sa.text(f"CREATE ROLE {name} LOGIN"))
    writer = sa.make_url(server).set(database=name)
    reader = writer.set(username=name, password=None)
    try:
        checkout = tmp_path / "checkout"
        shutil.copytree(CONFIG, checkout / "config")
        shutil.copy2(REPO / "billing-config.toml", checkout / "billing-config.toml")
        writer_url = writer.render_as_string(hide_password=False)
        billing_config("db", "init", "--database", writer_url, cwd=checkout)
        billing_config("apply", "--database", writer_url, "--yes", cwd=checkout)
        engine = sa.create_engine(writer)
        with engine.begin() as connection:
            connection.execute(sa.text(f"GRANT USAGE ON SCHEMA public TO {name}"))
            connection.execute(sa.text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {name}"))
        engine.dispose()
        yield Platform(checkout, writer_url, reader.render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(sa.text(f"DROP ROLE IF EXISTS {name}"))
        admin.dispose()


def secrets(platform: Platform) -> dict[str, str]:
    return {
        f"secrets.{TARGETS['test-readonly']}": platform.reader,
        f"secrets.{TARGETS['test']}": platform.writer,
    }


def plan_a_change(platform: Platform) -> tuple[Runner, str]:
    suspended = platform.checkout / "config" / "statuses" / "suspended.yaml"
    suspended.write_text(suspended.read_text().replace("is_billable: true", "is_billable: false"))
    runner = Runner(platform.checkout, str(Path(sys.executable).parent))
    saved = runner.run(step("apply.yml", "plan-test", "Save the plan"), secrets(platform))
    assert saved.returncode == 0, saved.stdout + saved.stderr
    sha256 = outputs(runner.output)["sha256"]
    assert sha256 == hashlib.sha256((platform.checkout / "plan.json").read_bytes()).hexdigest()
    return runner, sha256


def test_the_plan_job_plans_through_a_user_that_can_only_read(platform: Platform) -> None:
    runner, _ = plan_a_change(platform)
    assert "`is_billable`: `true` → `false`" in runner.summary.read_text()
    # ... and that user really cannot write: the same change applied through it fails.
    refused = Runner(platform.checkout, str(Path(sys.executable).parent)).run(
        {"run": 'billing-config apply --target "$TARGET" --yes', "env": {"TARGET": "test-readonly", **_url_env("test-readonly")}},
        secrets(platform),
    )
    assert refused.returncode == 1


def test_the_apply_job_applies_that_plan_through_the_user_that_may_write(platform: Platform) -> None:
    runner, sha256 = plan_a_change(platform)
    applier = Runner(platform.checkout, str(Path(sys.executable).parent))
    applied = applier.run(step("apply.yml", "apply-test", "Apply the saved plan"), {**secrets(platform), "needs.plan-test.outputs.sha256": sha256})
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "## :white_check_mark: Applied to test" in applier.summary.read_text()


def _url_env(target: str) -> dict[str, str]:
    variable = TARGETS[target]
    return {variable: f"${{{{ secrets.{variable} }}}}"}
