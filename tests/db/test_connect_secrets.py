"""A password in a database URL never appears in anything the tool prints or saves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import REPO
from tests.testing.fixtures import server_url
from tests.testing.databases import reset_database

SECRET = "Pa55w0rd-Sup3rS3cret"


def run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "billing_config", *argv], cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**os.environ, **(env or {})},
    )


def with_password(url: str, password: str = SECRET, port: int | None = None) -> str:
    parsed = sa.engine.make_url(url).set(password=password)
    if port is not None:
        parsed = parsed.set(port=port)
    return parsed.render_as_string(hide_password=False)


def assert_hidden(result: subprocess.CompletedProcess[str]) -> None:
    everything = result.stdout + result.stderr
    assert SECRET not in everything
    assert "Traceback" not in everything


def test_a_wrong_password_is_reported_without_it(tmp_path: Path) -> None:
    url = with_password(server_url("mariadb"))
    for argv in (["plan"], ["apply", "--yes"], ["db", "init"], ["export", "--config-dir", str(tmp_path / "out")]):
        result = run(*argv, "--database", url)
        assert result.returncode == 1
        assert_hidden(result)
        assert "cannot connect to mysql+pymysql://root:***@" in result.stderr
        assert "Access denied" in result.stderr


def test_an_unreachable_server_is_reported_without_the_password() -> None:
    # Needs no server (nothing listens on port 1), so it runs everywhere, not only in CI; the
    # password has characters the URL must percent-encode, and neither spelling may appear.
    url = "postgresql+psycopg://app:p%40ss%2Fw0rd@127.0.0.1:1/billing"
    result = run("plan", "--database", url)
    everything = result.stdout + result.stderr
    assert result.returncode == 1
    assert "p%40ss" not in everything and "p@ss/w0rd" not in everything and "Traceback" not in everything
    assert "cannot connect to postgresql+psycopg://app:***@127.0.0.1:1/billing" in result.stderr


def test_a_password_from_the_environment_stays_out_of_plans_and_saved_files(tmp_path: Path) -> None:
    # The test server trusts local connections, so the password is accepted and ignored: the
    # commands succeed and print the URL, which must show *** instead.
    url = with_password(server_url("postgres"))
    reset_database(server_url("postgres"))
    env = {"BILLING_DATABASE_URL": url}
    saved = tmp_path / "plan.json"
    outputs = [
        run("db", "init", "--sample-data", env=env),
        run("plan", "--format", "json", "--out", str(saved), env=env),
        run("plan", "--format", "markdown", env=env),
        run("apply", "--plan", str(saved), env=env),
        run("export", "--config-dir", str(tmp_path / "exported"), env=env),
    ]
    for result in outputs:
        assert result.returncode == 0, result.stderr
        assert_hidden(result)
    assert "postgres:***@" in outputs[1].stdout
    assert SECRET not in saved.read_text()
