"""drift: live against the recorded state, field by field; pending is never drift."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from tests.testing.databases import execute
from tests.testing.fixtures import Run
from tests.testing.files import edit, write_entry


def drift(cli: Callable[..., Run], url: str, config: Path, *extra: str) -> Run:
    return cli("drift", "--database", url, "--config-dir", str(config), *extra)


def test_no_drift_after_seeding(live: str, config_tree: Path, cli: Callable[..., Run]) -> None:
    result = drift(cli, live, config_tree)
    assert result.code == 0, result.text
    assert "No drift" in result.out


def test_changed_added_and_removed_out_of_band_are_drift_field_by_field(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(live)
    execute(engine, "UPDATE departments SET name = 'Sales Team' WHERE code = 'sales'")
    execute(engine, "INSERT INTO customer_groups (code, name) VALUES ('walk-in', 'Walk-in')")
    execute(engine, "DELETE FROM tickets WHERE department_id = (SELECT id FROM departments WHERE code = 'provisioning')")
    execute(engine, "DELETE FROM departments WHERE code = 'provisioning'")
    result = drift(cli, live, config_tree, "--format", "json")
    assert result.code == 2, result.text
    report = json.loads(result.out)
    assert report["has_drift"] is True
    items = {(d["kind"], d["code"]): d for d in report["drift"]}
    assert set(items) == {("departments", "sales"), ("groups", "walk-in"), ("departments", "provisioning")}
    assert items[("departments", "sales")]["status"] == "changed"
    assert items[("departments", "sales")]["fields"] == [{"field": "name", "old": "Sales", "new": "Sales Team"}]
    assert items[("groups", "walk-in")]["status"] == "added"
    assert items[("departments", "provisioning")]["status"] == "removed"
    assert report["pending"] == [] and report["conflicts"] == []
    text = drift(cli, live, config_tree)
    assert text.code == 2 and "~ departments/sales" in text.out and 'name: "Sales" → "Sales Team"' in text.out
    markdown = drift(cli, live, config_tree, "--format", "markdown")
    assert markdown.code == 2 and "**departments/sales**" in markdown.out


def test_merged_but_unapplied_config_is_pending_not_drift(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Sales and Renewals")
    write_entry(config_tree, "groups", "enterprise", "name: Enterprise\n")
    (config_tree / "groups" / "vip-client.yaml").unlink()
    result = drift(cli, live, config_tree, "--format", "json")
    assert result.code == 0, result.text
    report = json.loads(result.out)
    assert report["drift"] == []
    assert {(p["kind"], p["code"], p["action"]) for p in report["pending"]} == {
        ("departments", "sales", "update"), ("groups", "enterprise", "create"), ("groups", "vip-client", "delete"),
    }
    # The same entry edited on live too: drift, and a conflict someone has to decide.
    execute(engine_for(live), "UPDATE departments SET name = 'Sales Team' WHERE code = 'sales'")
    both = json.loads(drift(cli, live, config_tree, "--format", "json").out)
    assert both["conflicts"] == [{"kind": "departments", "code": "sales"}]
    refused = cli("export", "--only-drift", "--database", live, "--config-dir", str(config_tree))
    assert refused.code == 1 and "departments/sales" in refused.err and "nothing written" in refused.err
    assert "name: Sales and Renewals" in (config_tree / "departments" / "sales.yaml").read_text()


def test_export_only_drift_writes_exactly_the_drifted_entries(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(live)
    edit(config_tree / "departments" / "accounts.yaml", "name: Accounts", "name: Accounts Receivable")  # pending
    execute(engine, "UPDATE customer_groups SET reseller = :yes WHERE code = 'residential'", {"yes": True})
    execute(engine, "INSERT INTO customer_groups (code, name) VALUES ('walk-in', 'Walk-in')")
    untouched = config_tree / "statuses" / "active.yaml"
    mtime = untouched.stat().st_mtime_ns
    result = cli("export", "--only-drift", "--database", live, "--config-dir", str(config_tree))
    assert result.code == 0, result.text
    assert "2 written, 0 removed" in result.out
    assert "reseller: true" in (config_tree / "groups" / "residential.yaml").read_text()
    assert (config_tree / "groups" / "walk-in.yaml").read_text().endswith("name: Walk-in\n")
    assert "name: Accounts Receivable" in (config_tree / "departments" / "accounts.yaml").read_text()  # pending kept
    assert untouched.stat().st_mtime_ns == mtime
    assert cli("validate", "--config-dir", str(config_tree)).code == 0


def test_drift_before_any_apply_is_an_error(sqlite_url: str, config_tree: Path, cli: Callable[..., Run]) -> None:
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(config_tree)).code == 0
    result = drift(cli, sqlite_url, config_tree)
    assert result.code == 1 and "nothing has been applied" in result.err
