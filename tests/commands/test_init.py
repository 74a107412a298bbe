"""init's command line: what it tells a newcomer to run next, and that those commands work."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from tests.testing.fixtures import Run
from tests.testing.git import init_repository


# A verifiable pin: a tool installed from a local folder (as here) has none of its own.
PIN = "billing-config @ git+https://example.invalid/bc@0123456789abcdef0123456789abcdef01234567"


def test_init_prints_the_next_three_commands(tmp_path: Path, cli: Callable[..., Run]) -> None:
    repo = tmp_path / "billing platform"
    result = cli("init", str(repo), "--package", PIN)
    assert result.code == 0, result.text
    lines = result.out.splitlines()
    start = lines.index("Next: the hooks, then start from the platform (its entries become your files), then commit:")
    assert lines[start + 1 : start + 4] == [
        f"  cd {shlex.quote(str(repo))} && git init -b main && pre-commit install",
        "  billing-config export --target test-readonly   # reads $BILLING_TEST_READONLY_URL: a read-only database user",
        '  git add -A && git commit -m "Start from the platform"',
    ]
    # The target it names is one init wrote, reading the variable it says.
    assert '[targets.test-readonly]\nurl_env = "BILLING_TEST_READONLY_URL"' in (repo / "billing-config.toml").read_text()


def test_in_a_git_repository_it_does_not_say_git_init(tmp_path: Path, cli: Callable[..., Run]) -> None:
    repo = init_repository(tmp_path / "existing")
    result = cli("init", str(repo), "--package", PIN)
    assert f"  cd {repo} && pre-commit install\n" in result.out and "git init" not in result.out


def test_installing_the_tool_brings_pre_commit() -> None:
    """The documented install step is the only one before `pre-commit install`."""
    requirements = metadata.requires("billing-config") or []
    plain = [r for r in requirements if "extra ==" not in r]
    assert any(r.replace(" ", "").startswith("pre-commit") for r in plain), requirements
