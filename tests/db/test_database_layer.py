"""The database layer under hostile conditions: lax server settings, collations that equate
different codes, hand edits racing an apply, and audit values longer than their column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from billing_config.db.connect import create_engine
from billing_config.plan.model import GitInfo
from tests.testing.databases import execute, scalar, snapshot
from tests.testing.files import edit, write_entry
from tests.testing.fixtures import Run


def test_mariadb_sessions_are_strict(mariadb_url: str) -> None:
    """Non-strict sql_mode truncated silently while the audit recorded the intended value."""
    engine = create_engine(mariadb_url)
    try:
        with engine.connect() as connection:
            mode = connection.execute(sa.text("SELECT @@SESSION.sql_mode")).scalar_one()
    finally:
        engine.dispose()
    assert "STRICT_ALL_TABLES" in mode


def test_new_mariadb_tables_compare_codes_exactly(live: str, engine_for: Callable[[str], sa.Engine]) -> None:
    if not live.startswith("mysql"):
        pytest.skip("MariaDB collations only")
    collation = scalar(
        engine_for(live),
        "SELECT collation_name FROM information_schema.columns WHERE table_schema = DATABASE() "
        "AND table_name = 'departments' AND column_name = 'code'",
    )
    assert collation == "utf8mb4_nopad_bin"


@pytest.mark.parametrize(
    "collation,live_code",
    [("utf8mb4_general_ci", "Billing"), ("utf8mb4_bin", "billing "), ("utf8mb4_unicode_ci", "BILLING")],
)
def test_a_code_the_live_collation_already_holds_is_a_blocker(
    mariadb_url: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], collation: str, live_code: str
) -> None:
    """Regression (issue 8, defect 7): plan showed a clean create, apply died on "Duplicate entry"."""
    assert cli("db", "init", "--database", mariadb_url, "--config-dir", str(config_tree), "--sample-data").code == 0
    engine = engine_for(mariadb_url)
    execute(engine, f"ALTER TABLE departments MODIFY code VARCHAR(64) CHARACTER SET utf8mb4 COLLATE {collation} NOT NULL")
    execute(engine, "INSERT INTO departments (code, name) VALUES (:code, 'Billing (by hand)')", {"code": live_code})
    write_entry(config_tree, "departments", "billing", "name: Billing\n")
    planned = cli("plan", "--database", mariadb_url, "--config-dir", str(config_tree), "--detailed-exitcode")
    assert planned.code == 2 and "Apply will refuse this plan" in planned.out
    assert f"the live row {live_code!r} counts as the same code under the column's collation {collation}" in planned.out
    before = snapshot(engine)
    applied = cli("apply", "--database", mariadb_url, "--config-dir", str(config_tree), "--yes")
    assert applied.code == 1 and "Duplicate entry" not in applied.err and "can't be created" in applied.err
    assert snapshot(engine) == before


def test_the_collation_model() -> None:
    from billing_config.db.collation import collation_key

    assert collation_key("billing ", "utf8mb4_bin") == collation_key("billing", "utf8mb4_bin")
    assert collation_key("billing ", "utf8mb4_nopad_bin") != collation_key("billing", "utf8mb4_nopad_bin")
    assert collation_key("Billing", "utf8mb4_general_ci") == collation_key("billing", "utf8mb4_general_ci")
    assert collation_key("Billing", "utf8mb4_bin") != collation_key("billing", "utf8mb4_bin")
    assert collation_key("café", "utf8mb4_unicode_ci") == collation_key("cafe", "utf8mb4_unicode_ci")
    assert collation_key("café", "utf8mb4_uca1400_as_ci") != collation_key("cafe", "utf8mb4_uca1400_as_ci")


def _try_hand_edit(url: str) -> str:
    """Another session edits the row apply is about to write, waiting at most a second."""
    engine = create_engine(url, lock_timeout=1)
    try:
        with engine.connect() as connection, connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("SET lock_timeout = '1s'"))
            elif connection.dialect.name in ("mysql", "mariadb"):
                connection.execute(sa.text("SET SESSION innodb_lock_wait_timeout = 1"))
            connection.execute(sa.text("UPDATE departments SET name = 'Hand Edit' WHERE code = 'sales'"))
        return "committed"
    except sa.exc.OperationalError as error:
        return f"blocked: {type(error.orig).__name__}"
    except sa.exc.DBAPIError as error:
        return f"blocked: {type(error.orig).__name__}"
    finally:
        engine.dispose()


def test_a_hand_edit_can_not_slip_between_applys_read_and_write(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression (issue 8, defect 7): a hand edit committed between apply's read and its write
    was overwritten (READ COMMITTED takes no locks). Now the rows apply read are locked."""
    import billing_config.apply.transaction as transaction

    outcome: list[str] = []
    real_write = transaction.write_changes

    def racing_write(*args: Any, **kwargs: Any) -> None:
        outcome.append(_try_hand_edit(live))
        real_write(*args, **kwargs)

    monkeypatch.setattr(transaction, "write_changes", racing_write)
    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Sales Team")
    result = cli("apply", "--database", live, "--config-dir", str(config_tree), "--yes")
    assert result.code == 0, result.text
    assert outcome and outcome[0].startswith("blocked"), outcome
    assert scalar(engine_for(live), "SELECT name FROM departments WHERE code = 'sales'") == "Sales Team"


def test_a_sha256_commit_marked_dirty_fits_the_audit_column(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression (issue 8, defect 7): a SHA-256 id plus '-dirty' (70 characters) overflowed the audit column."""
    import billing_config.plan.source as source

    commit = "ab" * 32 + "-dirty"
    monkeypatch.setattr(source, "git_info", lambda _config: GitInfo(commit, "Ada <ada@example.invalid>"))
    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Sales Team")
    result = cli("apply", "--database", live, "--config-dir", str(config_tree), "--yes")
    assert result.code == 0, result.text
    stored = scalar(engine_for(live), "SELECT git_commit FROM config_audit_log WHERE code = 'sales'")
    assert stored == commit[:58] + "-dirty" and len(stored) == 64
