"""No secret from a database URL in any output: text, JSON, Markdown, the plan file, the audit
log, every error path. The whole corpus of URL shapes runs through the pure rendering
functions; a representative subset runs end to end on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from billing_config.db.connect import parse_url, redact_url, scrub
from billing_config.errors import UserError
from billing_config.plan.model import Plan, Thresholds
from billing_config.render.plan_json import render_plan_json
from billing_config.render.plan_markdown import render_plan_markdown
from billing_config.render.plan_text import render_plan_text
from tests.conftest import REPO
from tests.testing.databases import scalar
from tests.testing.fixtures import Run

SECRET = "Top5ecretPw"

# (url, the secrets it carries). Every shape SQLAlchemy accepts, and the ones it mis-parses.
URLS: list[tuple[str, list[str]]] = [
    (f"postgresql+psycopg://app:{SECRET}@db.example/billing", [SECRET]),
    (f"postgresql+psycopg://app:{SECRET}@db.example:5432/billing", [SECRET]),
    (f"postgresql://app:{SECRET}@db.example/billing", [SECRET]),
    (f"mysql+pymysql://root:{SECRET}@127.0.0.1:3306/billing", [SECRET]),
    (f"mariadb+pymysql://root:{SECRET}@127.0.0.1/billing", [SECRET]),
    (f"postgresql+psycopg://app@db.example/billing?password={SECRET}", [SECRET]),
    (f"postgresql+psycopg://db.example/billing?password={SECRET}&sslmode=require", [SECRET]),
    (f"postgresql+psycopg:///billing?host=/tmp&password={SECRET}", [SECRET]),
    (f"mysql+pymysql://root@h/billing?passwd={SECRET}", [SECRET]),
    (f"postgresql+psycopg://app@h/billing?sslpassword={SECRET}", [SECRET]),
    (f"postgresql+psycopg://app@h/billing?options=-c%20x&password={SECRET}", [SECRET]),
    (f"postgresql+psycopg://app@h/billing?auth_token={SECRET}", [SECRET]),
    ("postgresql+psycopg://u:Top@Secret@host/billing", ["Top@Secret", "Secret"]),
    ("postgresql+psycopg://u:Top@Secret@host:5432/billing", ["Top@Secret", "Secret"]),
    ("postgresql+psycopg://u:pa/ss@word@host/billing", ["pa/ss@word", "word"]),
    ("postgresql+psycopg://u:p@ss/w0rd@host/billing?sslmode=require", ["p@ss/w0rd", "w0rd"]),
    ("postgresql+psycopg://u:a:b:cSecret@host/billing", ["a:b:cSecret", "cSecret"]),
    ("postgresql+psycopg://app:p%40ss%2Fw0rd@127.0.0.1:1/billing", ["p%40ss%2Fw0rd", "p@ss/w0rd"]),
    ("postgresql+psycopg://app:quote'and\"dbl@h/billing", ["quote'and\"dbl"]),
    ("postgresql+psycopg://app:emoji🔑key@h/billing", ["emoji🔑key"]),
    ("postgresql+psycopg://app:sp%20ace%20pw@h/billing", ["sp%20ace%20pw", "sp ace pw"]),
    ("postgresql+psycopg://:OnlyPassword@h/billing", ["OnlyPassword"]),
    (f"postgresql+psycopg://app:{SECRET}@[::1]:5432/billing", [SECRET]),
    (f"postgresql+psycopg://app:{SECRET}@h/billing#frag", [SECRET]),
    (f"http://app:{SECRET}@example.com/?token={SECRET}", [SECRET]),
    (f"oracle://scott:{SECRET}@h/orcl", [SECRET]),
    (f"https://hooks.slack.example/services/{SECRET}", []),  # a webhook: not a secret URL shape we hide, see below
    (f"postgresql+psycopg://app:{SECRET}@h:notaport/billing", [SECRET]),
    (f"postgresql+psycopg://app:{SECRET}@h:99999999999/billing", [SECRET]),
    (f"not a url at all {SECRET}", [SECRET]),
    (f"postgresql+psycopg//app:{SECRET}@h/billing", [SECRET]),
    (f"sqlite:///billing.db?password={SECRET}", [SECRET]),
    (f"sqlite://app:{SECRET}@/billing.db", [SECRET]),
    (f"postgresql+psycopg://app:{SECRET}@h/billing?connect_timeout=abc", [SECRET]),
    (f"mysql+pymysql://root:{SECRET}@h/billing?connect_timeout=abc", [SECRET]),
    (f"postgresql+psycopg://app:{SECRET}\x1b[2K@h/billing", [SECRET]),
]
SECRET_URLS = [(url, secrets) for url, secrets in URLS if secrets]


def test_the_corpus_is_big_enough() -> None:
    assert len(SECRET_URLS) >= 30


def plan_for(url: str) -> Plan:
    return Plan(
        changes=[], unmanaged=[], blockers=[], fingerprint="sha256:" + "0" * 64, live_counts={}, prune=False,
        thresholds=Thresholds(), database=redact_url(url), created_at="2026-01-01T00:00:00+00:00", tool_version="0.1.0",
    )


def outputs_of(url: str) -> dict[str, str]:
    """Every output the tool renders a URL into, without a database."""
    plan = plan_for(url)
    out = {
        "redacted": redact_url(url),
        "text": render_plan_text(plan),
        "json": render_plan_json(plan),
        "markdown": render_plan_markdown(plan),
        "driver error": scrub(f"connection to {url} failed: password authentication failed; dsn='{url}'", url),
    }
    try:
        parse_url(url)
    except UserError as error:
        out["parse error"] = error.message
    return out


@pytest.mark.parametrize("url,secrets", SECRET_URLS, ids=[str(n) for n in range(len(SECRET_URLS))])
def test_no_output_shows_a_secret(url: str, secrets: list[str]) -> None:
    for where, text in outputs_of(url).items():
        for secret in secrets:
            assert secret not in text, (where, text)


def test_what_is_kept_is_what_identifies_the_database() -> None:
    assert redact_url(f"postgresql+psycopg://app:{SECRET}@db.example:5432/billing?sslmode=require") == (
        "postgresql+psycopg://app:***@db.example:5432/billing"
    )
    assert redact_url(f"postgresql+psycopg://app@db.example/billing?password={SECRET}") == "postgresql+psycopg://app:***@db.example/billing"
    assert redact_url("postgresql+psycopg://u:Top@Secret@host/billing") == "postgresql+psycopg://u:***@host/billing"
    assert redact_url("sqlite:///billing.db") == "sqlite:///billing.db"
    assert redact_url("not a url") == "<unparseable database URL>"


@settings(max_examples=200)
@given(
    user=st.text(st.characters(blacklist_characters="@:/?#[]%", blacklist_categories=["Cs"]), max_size=8),
    password=st.text(st.characters(blacklist_categories=["Cs"]), min_size=6, max_size=20).filter(lambda p: p.strip() == p and p.isprintable()),
    host=st.sampled_from(["db.example", "127.0.0.1", "[::1]", "h"]),
    query=st.booleans(),
)
def test_no_generated_password_survives_redaction(user: str, password: str, host: str, query: bool) -> None:
    """Raw (unescaped) passwords, however SQLAlchemy splits them, never reach a redacted URL."""
    assume(password not in user)  # a user name is shown; one that holds the password can't be hidden
    url = f"postgresql+psycopg://{user}@{host}/billing?password={password}" if query else f"postgresql+psycopg://{user}:{password}@{host}/billing"
    shown = redact_url(url)
    assert password not in shown
    # Any 6-character piece of the password would be a leak too (a part SQLAlchemy took as host).
    for start in range(len(password) - 5):
        piece = password[start : start + 6]
        if piece not in url.replace(password, ""):
            assert piece not in shown, (url, shown)


def test_url_env_accepts_only_billing_variables(tmp_path: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (issue 8, defect 1): url_env could name any variable (a webhook URL)."""
    monkeypatch.setenv("SLACK_WEBHOOK_URL", f"https://hooks.slack.example/services/{SECRET}")
    (tmp_path / "billing-config.toml").write_text('[targets.evil]\nurl_env = "SLACK_WEBHOOK_URL"\n')
    (tmp_path / "config").mkdir()
    result = cli("plan", "--target", "evil", "--config-dir", str(tmp_path / "config"))
    assert result.code == 1 and "only environment variables named BILLING_*" in result.err
    assert SECRET not in result.text


def test_a_bad_url_option_is_a_clear_error(cli: Callable[..., Run], config_tree: Path) -> None:
    """Regression (issue 8, defect 7): ?connect_timeout=abc ended in "internal error: ValueError"."""
    for url in (f"mysql+pymysql://root:{SECRET}@127.0.0.1:1/billing?connect_timeout=abc", f"postgresql+psycopg://app:{SECRET}@h:notaport/billing"):
        result = cli("plan", "--database", url, "--config-dir", str(config_tree))
        assert result.code == 1
        assert "internal error" not in result.err and "Traceback" not in result.err
        assert SECRET not in result.text
        assert "database URL" in result.err


# ----- end to end, on each database ---------------------------------------------------------


def secret_shapes(base: str) -> list[str]:
    """Real URLs for a server that ignores or refuses a password: the user part, the query,
    and an unescaped '@' SQLAlchemy mis-parses."""
    parsed = sa.engine.make_url(base)
    if parsed.get_backend_name() == "sqlite":
        return []
    user = parsed.username or ""
    where = f"{parsed.host}:{parsed.port or (5432 if parsed.get_backend_name() == 'postgresql' else 3306)}/{parsed.database}"
    return [
        f"{parsed.drivername}://{user}:{SECRET}@{where}",
        f"{parsed.drivername}://{user}:Top@{SECRET}@{where}",
        f"{parsed.drivername}://{user}@{where}?password={SECRET}",
    ]


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "billing_config", *argv], cwd=REPO, capture_output=True, text=True, timeout=120,
        env={**os.environ, **env},
    )


def test_no_secret_reaches_any_output_end_to_end(db_url: str, config_tree: Path, tmp_path: Path, cli: Callable[..., Run]) -> None:
    """Text, JSON, Markdown, the plan file, the audit rows and the error paths, on each database.

    PostgreSQL trusts local connections, so there every shape succeeds; MariaDB refuses a
    password root doesn't have, so there the shapes exercise the error path; SQLite carries
    none, so there the secret rides in the query of a URL that can't be opened.
    """
    assert cli("db", "init", "--database", db_url, "--config-dir", str(config_tree), "--sample-data").code == 0
    (config_tree / "departments" / "sales.yaml").write_text("name: Sales Team\n")
    shapes = secret_shapes(db_url) or [f"{db_url}.missing?password={SECRET}"]
    texts: list[str] = []
    for number, url in enumerate(shapes):
        env = {"BILLING_DATABASE_URL": url}
        saved = tmp_path / f"plan-{number}.json"
        base = ["--config-dir", str(config_tree)]
        commands = [["plan", "--format", "markdown", "--out", str(saved), *base], ["apply", "--plan", str(saved), *base]]
        if number == 0:  # every output once; the other shapes through the plan file and apply
            commands += [["plan", *base], ["plan", "--format", "json", *base], ["export", "--config-dir", str(tmp_path / "out")]]
        for argv in commands:
            result = run(argv, env)
            texts.append(result.stdout + result.stderr)
            assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
        if saved.exists():
            texts.append(saved.read_text())
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            audit = connection.execute(sa.text("SELECT * FROM config_audit_log")).all()
    finally:
        engine.dispose()
    texts.append(json.dumps([[str(value) for value in row] for row in audit]))
    for text in texts:
        assert SECRET not in text
    if db_url.startswith("postgresql"):
        assert scalar(sa.create_engine(db_url), "SELECT count(*) FROM config_audit_log") >= 1  # the success path ran


@pytest.mark.parametrize("password", ["user", "dol", "_u", "bar", "real"])
def test_only_the_password_field_is_masked(password: str) -> None:
    """Regression (issue 16, item 9): a short password's text was masked inside the user and
    database names (`real_dolibarr_***`)."""
    url = f"mysql+pymysql://real_dolibarr_user:{password}@db.example:3306/real_dolibarr_user"
    shown = "mysql+pymysql://real_dolibarr_user:***@db.example:3306/real_dolibarr_user"
    assert redact_url(url) == shown
    echoed = scrub(f"(1045) access denied for {url}; dsn={url}; password was {password}!", url)
    assert echoed.count(shown) == 2, echoed
    assert f"password was {password}!" not in echoed


@settings(max_examples=200)
@given(
    user=st.text(st.characters(whitelist_categories=["Ll", "Nd"], whitelist_characters="_"), min_size=1, max_size=12),
    database=st.text(st.characters(whitelist_categories=["Ll", "Nd"], whitelist_characters="_"), min_size=1, max_size=12),
    password=st.text(st.characters(whitelist_categories=["Ll", "Nd"], whitelist_characters="_"), min_size=1, max_size=4),
)
def test_user_host_and_database_are_shown_as_they_are_whatever_the_password(user: str, database: str, password: str) -> None:
    assert redact_url(f"postgresql+psycopg://{user}:{password}@h:5432/{database}") == f"postgresql+psycopg://{user}:***@h:5432/{database}"
