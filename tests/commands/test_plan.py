"""plan's command-line details: the apply command it suggests, where targets are found."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.testing.fixtures import Run


def test_plan_out_suggests_apply_with_the_same_target_and_no_password(
    live: str, config_tree: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (config_tree.parent / "billing-config.toml").write_text('[targets.live]\nurl_env = "BILLING_LOOP_LIVE"\n')
    monkeypatch.setenv("BILLING_LOOP_LIVE", live)
    # Run from elsewhere: the toml is found beside the config directory, not in the cwd.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    out = tmp_path / "plan.json"
    result = cli("plan", "--target", "live", "--config-dir", str(config_tree), "--out", str(out))
    assert result.code == 0, result.text
    assert f"`billing-config apply --target live --plan {out}`" in result.err


def test_plan_out_never_prints_a_password(config_tree: Path, cli: Callable[..., Run], tmp_path: Path) -> None:
    from billing_config.commands.plan import apply_command
    from billing_config.cli import build_parser

    args = build_parser().parse_args(["plan", "--database", "postgresql+psycopg://bill:s3cret@db/billing", "--out", "p.json"])
    command = apply_command(args, args.database)
    assert "s3cret" not in command and command == "billing-config apply --database URL --plan p.json"
    args = build_parser().parse_args(["plan", "--database", "sqlite:///x.db", "--out", "p.json"])
    assert apply_command(args, args.database) == "billing-config apply --database sqlite:///x.db --plan p.json"


def test_graph_highlight_of_an_unknown_code_is_an_error(config_tree: Path, cli: Callable[..., Run]) -> None:
    result = cli("graph", "--config-dir", str(config_tree), "--highlight", "suspended", "nope")
    assert result.code == 1 and "'nope'" in result.err and "suspended" not in result.err.split("code")[1].split(";")[0]
    assert cli("graph", "--config-dir", str(config_tree), "--highlight", "suspended").code == 0
