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


@pytest.mark.parametrize(
    ("targets", "planned_through", "applied_through"),
    [
        # The writing twin: the same name without -readonly.
        ('[targets.test]\nurl_env = "BILLING_T_W"\n[targets.test-readonly]\nurl_env = "BILLING_T_R"\n', "test-readonly", "test"),
        # Named outright: apply_target in the read-only target's table.
        ('[targets.writer]\nurl_env = "BILLING_T_W"\n[targets.reader]\nurl_env = "BILLING_T_R"\napply_target = "writer"\n', "reader", "writer"),
        # No twin in the file: the target itself, as before.
        ('[targets.test-readonly]\nurl_env = "BILLING_T_R"\n', "test-readonly", "test-readonly"),
    ],
)
def test_plan_out_through_a_read_only_target_suggests_its_writing_twin(
    live: str, config_tree: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    targets: str, planned_through: str, applied_through: str,
) -> None:
    (config_tree.parent / "billing-config.toml").write_text(targets)
    monkeypatch.setenv("BILLING_T_W", live)
    monkeypatch.setenv("BILLING_T_R", live)
    monkeypatch.chdir(config_tree.parent)
    out = tmp_path / "plan.json"
    planned = cli("plan", "--target", planned_through, "--out", str(out))
    assert planned.code == 0, planned.text
    suggested = f"billing-config apply --target {applied_through} --plan {out}"
    assert f"`{suggested}`" in planned.err
    # ... and the suggestion works as printed: the plan applies through that target.
    applied = cli(*suggested.split()[1:])
    assert applied.code == 0, applied.text


def test_an_apply_target_naming_no_target_is_an_error_before_any_database_work(
    config_tree: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (config_tree.parent / "billing-config.toml").write_text(
        '[targets.reader]\nurl_env = "BILLING_T_R"\napply_target = "wrtier"\n[targets.writer]\nurl_env = "BILLING_T_W"\n'
    )
    monkeypatch.setenv("BILLING_T_R", f"sqlite:///{tmp_path / 'never-created.db'}")
    monkeypatch.chdir(config_tree.parent)
    refused = cli("plan", "--target", "reader", "--out", str(tmp_path / "plan.json"))
    assert refused.code == 1
    assert "[targets.reader] apply_target = 'wrtier' names no target of that file (targets: reader, writer)" in refused.err
    assert "Traceback" not in refused.err
    assert not (tmp_path / "never-created.db").exists() and not (tmp_path / "plan.json").exists()


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
