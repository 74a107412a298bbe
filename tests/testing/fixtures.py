"""Real databases for the sync engine's tests: SQLite always, PostgreSQL and MariaDB when their
URLs are given (BILLING_TEST_POSTGRES_URL, BILLING_TEST_MARIADB_URL).

An unset URL skips those tests with a visible reason, except under
BILLING_TEST_REQUIRE_DATABASES=1 (CI), where it fails them: CI must never pass by skipping.
Each test gets a clean database: every table (and with it every trigger) is dropped first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from billing_config.cli import main
from tests.testing.databases import reset_database

ENV_URLS = {"postgres": "BILLING_TEST_POSTGRES_URL", "mariadb": "BILLING_TEST_MARIADB_URL"}


def server_url(backend: str) -> str:
    """The URL of a server backend, or skip/fail the test as the environment asks."""
    variable = ENV_URLS[backend]
    url = os.environ.get(variable)
    if not url:
        message = f"{variable} is not set: {backend} tests need a real server"
        if os.environ.get("BILLING_TEST_REQUIRE_DATABASES") == "1":
            pytest.fail(message + " (BILLING_TEST_REQUIRE_DATABASES=1 forbids skipping)")
        pytest.skip(message)
    return url


def backend_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'billing.db'}"
    url = server_url(backend)
    reset_database(url)
    return url


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    pytest.param("mariadb", id="mariadb", marks=pytest.mark.mariadb),
]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A clean database on each backend in turn."""
    return backend_url(request.param, tmp_path)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'billing.db'}"


@pytest.fixture
def postgres_url(tmp_path: Path) -> str:
    return backend_url("postgres", tmp_path)


@pytest.fixture
def mariadb_url(tmp_path: Path) -> str:
    return backend_url("mariadb", tmp_path)


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """billing-config as a function: main(argv) with its exit code and what it printed."""
    monkeypatch.delenv("BILLING_DATABASE_URL", raising=False)

    def run(*argv: str) -> Run:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def engine_for() -> Iterator[Callable[[str], sa.Engine]]:
    engines: list[sa.Engine] = []

    def make(url: str) -> sa.Engine:
        from billing_config.db.connect import create_engine

        engine = create_engine(url, lock_timeout=5)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def live(db_url: str, config_tree: Path, cli: Callable[..., Run]) -> str:
    """A database in use: the sample config applied, with sample customers and tickets."""
    result = cli("db", "init", "--database", db_url, "--config-dir", str(config_tree), "--sample-data")
    assert result.code == 0, result.text
    return db_url
