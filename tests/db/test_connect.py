"""Choosing the database and keeping its password out of sight (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from billing_config.db.connect import DEFAULT_URL, choose_database, parse_url, safe_url, scrub
from billing_config.errors import UserError


def test_the_url_comes_from_the_option_then_the_target_then_the_environment_then_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "billing-config.toml").write_text('[targets.live]\nurl_env = "BILLING_LIVE_URL"\n')
    nested = tmp_path / "config" / "statuses"
    nested.mkdir(parents=True)
    monkeypatch.setenv("BILLING_LIVE_URL", "postgresql+psycopg://app@live/billing")
    monkeypatch.setenv("BILLING_DATABASE_URL", "sqlite:///from-env.db")
    assert choose_database("sqlite:///given.db", None, nested).url == "sqlite:///given.db"
    assert choose_database(None, "live", nested).url == "postgresql+psycopg://app@live/billing"  # found in a parent folder
    assert choose_database(None, None, nested).url == "sqlite:///from-env.db"
    monkeypatch.delenv("BILLING_DATABASE_URL")
    assert choose_database(None, None, nested).url == DEFAULT_URL


def test_a_target_without_its_variable_or_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UserError, match="no billing-config.toml found"):
        choose_database(None, "live", tmp_path)
    (tmp_path / "billing-config.toml").write_text('[targets.live]\nurl = "postgresql://u:pw@h/db"\n')
    with pytest.raises(UserError, match='needs url_env = "BILLING_SOME_VARIABLE"'):
        choose_database(None, "live", tmp_path)


@pytest.mark.parametrize(
    "password",
    ["s3cret", "p@ss/word:with%chars", "quote'and\"double", "emoji🔑key"],
)
def test_passwords_are_hidden_in_urls_and_scrubbed_from_messages(password: str) -> None:
    from sqlalchemy.engine import URL

    url = URL.create("postgresql+psycopg", username="app", password=password, host="db.example", database="billing")
    text = url.render_as_string(hide_password=False)
    assert password not in safe_url(text) and "app:***@db.example" in safe_url(text)
    message = f"connection to {text} failed; password={password} rejected for {password}"
    cleaned = scrub(message, text)
    from urllib.parse import quote, quote_plus

    # The URL carries the password percent-encoded: every spelling of it must go.
    for spelling in {password, quote(password, safe=""), quote_plus(password)}:
        assert spelling not in cleaned
    assert cleaned == "connection to postgresql+psycopg://app:***@db.example/billing failed; password=*** rejected for ***"


@pytest.mark.parametrize(
    "url", ["mysql+pymysql://root:pw@127.0.0.1:3306", "mysql+pymysql://root@127.0.0.1:3306/", "postgresql+psycopg://u:pw@h:5432"]
)
def test_a_server_url_without_a_database_is_a_clear_error(url: str, tmp_path: Path) -> None:
    """Regression (issue 16, item 8): MariaDB without a database ended in an internal error."""
    from billing_config.cli import main

    for command in (["plan"], ["apply", "--yes"], ["doctor"], ["db", "init"], ["drift"], ["export"]):
        with pytest.raises(UserError, match="names no database; add it after the host") as raised:
            parse_url(url)
        assert "pw" not in raised.value.message
        assert main([*command, "--database", url, "--config-dir", str(tmp_path)]) == 1
    assert parse_url("postgresql+psycopg://u@h:5432?dbname=billing").query["dbname"] == "billing"
