"""billing-config rename KIND OLD NEW against the reference schema, on SQLite, PostgreSQL and MariaDB:
the live row keeps its key, the audit log has the rename, plan shows no changes; refusals change
nothing, in the database or in the files."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.testing.databases import execute, scalar, snapshot
from tests.testing.files import edit


def files(config: Path) -> dict[str, str]:
    return {str(p.relative_to(config)): p.read_text(encoding="utf-8") for p in sorted(config.rglob("*.yaml"))}


def audit_renames(engine: sa.Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT kind, code, action, " + ("\"before\", \"after\"" if engine.dialect.name != "mysql" else "`before`, `after`")
            + " FROM config_audit_log WHERE action = 'rename'"
        )).all()
    return [(kind, code, action, _json(before), _json(after)) for kind, code, action, before, after in rows]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@pytest.fixture
def applied(live: str, config_tree: Path, cli: Callable[..., Any]) -> str:
    """The sample database with `active` leading to `suspended`, applied, so config and live agree."""
    edit(config_tree / "statuses" / "active.yaml", "next_status: null", "next_status: suspended  # when unpaid")
    result = cli("apply", "--yes", "--database", live, "--config-dir", str(config_tree))
    assert result.code == 0, result.text
    return live


def test_rename_moves_the_code_on_the_target_and_in_config(
    applied: str, config_tree: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(applied)
    key = scalar(engine, "SELECT id FROM customer_statuses WHERE code = 'suspended'")
    customers = scalar(engine, "SELECT COUNT(*) FROM customers WHERE customer_status_id = :k", {"k": key})
    assert customers
    target = ["--database", applied, "--config-dir", str(config_tree)]

    result = cli("rename", "statuses", "suspended", "on-hold", *target)
    assert result.code == 0, result.text
    assert "keeps its key" in result.out and "active.yaml:11: next_status: on-hold" in result.out

    assert scalar(engine, "SELECT id FROM customer_statuses WHERE code = 'on-hold'") == key
    assert scalar(engine, "SELECT COUNT(*) FROM customer_statuses WHERE code = 'suspended'") == 0
    assert scalar(engine, "SELECT COUNT(*) FROM customers WHERE customer_status_id = :k", {"k": key}) == customers
    assert audit_renames(engine) == [
        ("statuses", "on-hold", "rename",
         {"code": "suspended", "key": str(key), "moved": "code column"},
         {"code": "on-hold", "key": str(key), "moved": "code column"}),
    ]
    assert not (config_tree / "statuses" / "suspended.yaml").exists()
    assert "next_status: on-hold  # when unpaid" in (config_tree / "statuses" / "active.yaml").read_text()
    assert cli("validate", "--config-dir", str(config_tree)).code == 0
    plan = cli("plan", "--detailed-exitcode", *target)
    assert plan.code == 0, plan.text
    assert "No changes" in plan.out


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("nope", "other", "no customer status 'nope'"),
        ("suspended", "active", "active.yaml already exists"),
        ("suspended", "On_Hold", "no valid code"),
    ],
)
def test_refusals_change_nothing(
    applied: str, config_tree: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine],
    old: str, new: str, says: str,
) -> None:
    engine = engine_for(applied)
    rows, tree = snapshot(engine), files(config_tree)
    result = cli("rename", "statuses", old, new, "--database", applied, "--config-dir", str(config_tree))
    assert result.code == 1
    assert says in result.err and "nothing changed" in result.err and "Traceback" not in result.err
    assert snapshot(engine) == rows and files(config_tree) == tree


def test_a_code_taken_live_but_not_in_config_is_refused(
    applied: str, config_tree: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(applied)
    execute(engine, "UPDATE customer_statuses SET code = 'on-hold' WHERE code = 'prospect'")
    (config_tree / "statuses" / "prospect.yaml").unlink()  # live only now (unmanaged)
    rows, tree = snapshot(engine), files(config_tree)
    result = cli("rename", "statuses", "suspended", "on-hold", "--database", applied, "--config-dir", str(config_tree))
    assert result.code == 1 and "already has a customer status 'on-hold'" in result.err
    assert snapshot(engine) == rows and files(config_tree) == tree


def test_config_and_live_must_agree_about_the_entry(
    applied: str, config_tree: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(applied)
    edit(config_tree / "statuses" / "suspended.yaml", "name: Suspended", "name: On Hold")
    rows, tree = snapshot(engine), files(config_tree)
    result = cli("rename", "statuses", "suspended", "on-hold", "--database", applied, "--config-dir", str(config_tree))
    assert result.code == 1 and "disagree about statuses/suspended" in result.err and "name" in result.err
    assert snapshot(engine) == rows and files(config_tree) == tree


def test_a_config_only_rename_then_the_target(
    applied: str, config_tree: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(applied)
    key = scalar(engine, "SELECT id FROM customer_statuses WHERE code = 'suspended'")
    target = ["--database", applied, "--config-dir", str(config_tree)]
    result = cli("rename", "status", "suspended", "on-hold", "--config-dir", str(config_tree))
    assert result.code == 0, result.text
    assert "config only; no target was changed" in result.out
    assert scalar(engine, "SELECT code FROM customer_statuses WHERE id = :k", {"k": key}) == "suspended"
    assert cli("validate", "--config-dir", str(config_tree)).code == 0
    # Until the target follows: a create, and the managed entry's delete, which apply refuses
    # while customers hold it (exit 3), so a half-done rename can never be applied by mistake.
    assert cli("plan", "--detailed-exitcode", *target).code == 3
    # The same command with the target moves the code there; the files are already done.
    tree = files(config_tree)
    result = cli("rename", "status", "suspended", "on-hold", *target)
    assert result.code == 0, result.text
    assert "already had on-hold" in result.out
    assert files(config_tree) == tree
    assert scalar(engine, "SELECT code FROM customer_statuses WHERE id = :k", {"k": key}) == "on-hold"
    assert cli("plan", "--detailed-exitcode", *target).code == 0


def test_a_lifecycle_list_entry_is_renamed_with_every_status_that_relates_to_it(
    applied: str, config_tree: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    """Feature statuses are managed now: their code moves on the target too, and the customer,
    number and service statuses that relate to it follow in config, so plan stays empty."""
    engine = engine_for(applied)
    key = scalar(engine, "SELECT id FROM feature_statuses WHERE code = 'suspended'")
    target = ["--database", applied, "--config-dir", str(config_tree)]
    result = cli("rename", "feature-status", "suspended", "barred", *target)
    assert result.code == 0, result.text
    assert scalar(engine, "SELECT code FROM feature_statuses WHERE id = :k", {"k": key}) == "barred"
    assert "related_feature_status: barred" in (config_tree / "number-statuses" / "suspended.yaml").read_text()
    assert cli("validate", "--config-dir", str(config_tree)).code == 0
    assert cli("plan", "--detailed-exitcode", *target).code == 0


def test_rename_runs_as_a_real_command(tmp_path: Path, config_tree: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    command = [sys.executable, "-m", "billing_config"]
    subprocess.run([*command, "db", "init", "--sample-data", "--database", url, "--config-dir", str(config_tree)], check=True, capture_output=True)
    done = subprocess.run(
        [*command, "rename", "statuses", "ceased", "closed", "--database", url, "--config-dir", str(config_tree)],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    plan = subprocess.run([*command, "plan", "--detailed-exitcode", "--database", url, "--config-dir", str(config_tree)], capture_output=True, text=True)
    assert plan.returncode == 0, plan.stdout + plan.stderr


def test_the_recorded_state_follows_the_code_so_drift_sees_nothing(
    applied: str, config_tree: Path, cli: Callable[..., Any]
) -> None:
    """Drift compares live with what the last apply recorded: a rename that moved only the live
    code would show the old code removed and the new one added out of band."""
    target = ["--database", applied, "--config-dir", str(config_tree)]
    assert cli("drift", *target).code == 0
    assert cli("rename", "statuses", "suspended", "on-hold", *target).code == 0
    drift = cli("drift", *target)
    assert drift.code == 0, drift.text
