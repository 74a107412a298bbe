"""plan: formats, impact, exit codes and the errors that stop a plan before it is made."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from billing_config.render.plan_markdown import GITHUB_COMMENT_LIMIT
from tests.testing.fixtures import Run
from tests.testing.databases import execute, scalar
from tests.testing.files import edit, write_entry


def plan(cli: Callable[..., Run], url: str, config: Path, *extra: str) -> Run:
    return cli("plan", "--database", url, "--config-dir", str(config), *extra)


def test_no_changes_then_changes_with_detailed_exit_codes(live: str, config_tree: Path, cli: Callable[..., Run]) -> None:
    same = plan(cli, live, config_tree, "--detailed-exitcode")
    assert same.code == 0, same.text
    assert "No changes" in same.out
    assert plan(cli, live, config_tree).code == 0

    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Sales & Renewals")
    changed = plan(cli, live, config_tree, "--detailed-exitcode")
    assert changed.code == 2, changed.text
    assert '~ departments/sales ("Sales & Renewals")' in changed.out
    assert 'name: "Sales" → "Sales & Renewals"' in changed.out
    assert plan(cli, live, config_tree).code == 0  # without the flag, changes are still success


def test_impact_counts_the_customers_of_the_changed_status(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    customers = scalar(
        engine_for(live),
        "SELECT count(*) FROM customers c JOIN customer_statuses s ON s.id = c.customer_status_id WHERE s.code = 'suspended'",
    )
    assert customers > 0
    edit(config_tree / "statuses" / "suspended.yaml", "is_billable: true", "is_billable: false")
    result = plan(cli, live, config_tree)
    assert f"      is_billable: true → false\n      impact: affects {customers} customers\n" in result.out


def test_json_plan_is_machine_checkable(live: str, config_tree: Path, cli: Callable[..., Run]) -> None:
    edit(config_tree / "statuses" / "suspended.yaml", "display_position: 40", "display_position: 45")
    write_entry(config_tree, "groups", "enterprise", "name: Enterprise\ndisplay_position: 70\n")
    result = plan(cli, live, config_tree, "--format", "json")
    assert result.code == 0, result.text
    document = json.loads(result.out)
    assert document["format_version"] == 3
    assert document["fingerprint"].startswith("sha256:") and len(document["fingerprint"]) == 71
    assert document["has_changes"] is True
    assert document["summary"]["statuses"] == {"create": 0, "update": 1, "delete": 0, "unmanaged": 0, "live": 7}
    by_address = {(c["kind"], c["code"]): c for c in document["changes"]}
    update = by_address[("statuses", "suspended")]
    assert update["action"] == "update"
    assert update["fields"] == [{"field": "display_position", "old": 40, "new": 45}]
    assert update["impact"]["noun"] == "customers" and update["impact"]["count"] > 0
    create = by_address[("groups", "enterprise")]
    assert create["action"] == "create" and create["before"] is None
    assert create["after"] == {"name": "Enterprise", "display_class": "", "display_position": 70, "personal_customer": False, "reseller": False}
    assert document["blockers"] == []
    check_plan_format(document)


def check_plan_format(document: dict[str, object]) -> None:
    """The published JSON Schema of the plan format accepts what plan prints."""
    import jsonschema

    import billing_config.plan

    schema_path = Path(billing_config.plan.__file__).parent / "plan-format.schema.json"
    jsonschema.Draft202012Validator(json.loads(schema_path.read_text())).validate(document)


def test_removing_the_file_of_a_managed_entry_plans_its_delete(live: str, config_tree: Path, cli: Callable[..., Run]) -> None:
    # db init --sample-data recorded the seeded entries as managed, as an apply would have.
    (config_tree / "groups" / "residential.yaml").unlink()
    result = plan(cli, live, config_tree, "--format", "json")
    document = json.loads(result.out)
    check_plan_format(document)
    assert [(c["kind"], c["code"], c["action"]) for c in document["changes"]] == [("groups", "residential", "delete")]
    assert document["unmanaged"] == []
    # Residential has customers: the delete is planned, and refused while they hold it.
    assert [b["rule"] for b in document["blockers"]] == ["in-use"]
    assert plan(cli, live, config_tree, "--detailed-exitcode").code == 3


def test_rows_never_managed_are_listed_and_deleted_only_with_prune(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    execute(engine_for(live), "INSERT INTO customer_groups (code, name, display_class, display_position, personal_customer, reseller) "
            "VALUES ('walk-in', 'Walk-in', '', 90, :no, :no)", {"no": False})
    kept = plan(cli, live, config_tree, "--format", "json", "--detailed-exitcode")
    assert kept.code == 0, kept.text  # nothing apply would do: the row stays unmanaged
    document = json.loads(kept.out)
    assert document["changes"] == []
    assert [(u["kind"], u["code"]) for u in document["unmanaged"]] == [("groups", "walk-in")]
    check_plan_format(document)
    pruned = json.loads(plan(cli, live, config_tree, "--format", "json", "--prune").out)
    check_plan_format(pruned)
    assert [(c["kind"], c["code"], c["action"]) for c in pruned["changes"]] == [("groups", "walk-in", "delete")]


def test_markdown_plan_stays_under_the_comment_limit(sqlite_url: str, config_tree: Path, cli: Callable[..., Run]) -> None:
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(config_tree)).code == 0
    for number in range(3000):
        write_entry(config_tree, "groups", f"group-{number:04d}", f"name: Group {number:04d}\ndisplay_position: {number + 100}\n")
    result = plan(cli, sqlite_url, config_tree, "--format", "markdown")
    assert result.code == 0, result.err
    assert len(result.out) < GITHUB_COMMENT_LIMIT
    assert "| groups | 3006 | 0 | 0 | 0 | 0 |" in result.out
    assert "<details><summary>groups: 3006 to create" in result.out
    assert "Cut short to fit a pull-request comment" in result.out
    assert result.out.count("<details>") == result.out.count("</details>")


def test_small_markdown_plan_is_complete(live: str, config_tree: Path, cli: Callable[..., Run]) -> None:
    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Sales | Renewals")
    result = plan(cli, live, config_tree, "--format", "markdown")
    assert "| departments | 0 | 1 | 0 | 0 | 5 |" in result.out
    assert "Sales \\| Renewals" in result.out  # a pipe cannot break the table or list
    assert "Cut short" not in result.out


def test_an_invalid_config_never_produces_a_plan(live: str, config_tree: Path, cli: Callable[..., Run]) -> None:
    edit(config_tree / "statuses" / "ceased.yaml", "next_status: ex-customer", "next_status: ex-custmer")
    result = plan(cli, live, config_tree, "--detailed-exitcode", "--format", "json")
    assert result.code == 1
    assert result.out == ""
    assert "statuses/ceased.yaml:" in result.err and "unknown-reference" in result.err
    assert "an invalid config never produces a plan" in result.err


def test_a_new_number_status_is_planned_as_a_create(live: str, config_tree: Path, cli: Callable[..., Run]) -> None:
    """The status lists are managed like customer statuses: what the database lacks is created."""
    write_entry(config_tree, "number-statuses", "porting", "name: Porting\nrelated_feature_status: pending\n")
    result = plan(cli, live, config_tree, "--detailed-exitcode", "--format", "json")
    assert result.code == 2, result.text
    document = json.loads(result.out)
    assert [(c["kind"], c["code"], c["action"]) for c in document["changes"]] == [("number-statuses", "porting", "create")]
    assert document["changes"][0]["after"]["related_feature_status"] == "pending"
    assert document["summary"]["number-statuses"]["live"] == len(list((config_tree / "number-statuses").glob("*.yaml"))) - 1


def test_plan_out_saves_json_for_apply(live: str, config_tree: Path, cli: Callable[..., Run], tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    result = plan(cli, live, config_tree, "--out", str(saved))
    assert result.code == 0
    assert json.loads(saved.read_text())["format_version"] == 3
    # The command names the same database (this URL has no password to hide).
    assert f"`billing-config apply --database {live} --plan {saved}`" in result.err


def test_target_reads_the_url_from_the_named_variable(
    sqlite_url: str, config_tree: Path, cli: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "billing-config.toml").write_text('[targets.staging]\nurl_env = "BILLING_STAGING_DB_URL"\n')
    monkeypatch.chdir(tmp_path)
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(config_tree)).code == 0
    missing_variable = cli("plan", "--target", "staging", "--config-dir", str(config_tree))
    assert missing_variable.code == 1
    assert "BILLING_STAGING_DB_URL is not set" in missing_variable.err
    unknown = cli("plan", "--target", "prod", "--config-dir", str(config_tree))
    assert unknown.code == 1 and "no [targets.prod] table (targets: staging)" in unknown.err
    monkeypatch.setenv("BILLING_STAGING_DB_URL", sqlite_url)
    found = cli("plan", "--target", "staging", "--config-dir", str(config_tree), "--detailed-exitcode")
    assert found.code == 2 and sqlite_url in found.out  # an empty managed database: everything to create


def test_url_comes_from_the_environment_when_not_given(
    sqlite_url: str, config_tree: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(config_tree), "--sample-data").code == 0
    monkeypatch.setenv("BILLING_DATABASE_URL", sqlite_url)
    result = cli("plan", "--config-dir", str(config_tree), "--detailed-exitcode")
    assert result.code == 0 and sqlite_url in result.out


def test_plan_writes_nothing(live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]) -> None:
    from tests.testing.databases import snapshot

    engine = engine_for(live)
    before = snapshot(engine)
    write_entry(config_tree, "departments", "billing", "name: Billing\n")
    execute(engine, "UPDATE departments SET name = 'Sales Team' WHERE code = 'sales'")
    before = snapshot(engine)
    assert plan(cli, live, config_tree, "--prune").code == 0
    assert snapshot(engine) == before
