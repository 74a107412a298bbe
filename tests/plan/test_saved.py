"""The plan-file origin: apply --plan trusts nothing in the file. Every tampering below was
applied by the old apply; each is now refused with what differs, and nothing changes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.testing.databases import execute, scalar, snapshot
from tests.testing.files import edit, write_entry
from tests.testing.fixtures import Run
from tests.testing.git import git, init_repository


def make_plan(cli: Callable[..., Run], url: str, config: Path, out: Path, *extra: str) -> dict[str, Any]:
    result = cli("plan", "--database", url, "--config-dir", str(config), "--out", str(out), *extra)
    assert result.code == 0, result.text
    loaded: dict[str, Any] = json.loads(out.read_text())
    return loaded


def apply_saved(cli: Callable[..., Run], url: str, config: Path, saved: Path, *extra: str) -> Run:
    return cli("apply", "--database", url, "--config-dir", str(config), "--plan", str(saved), *extra)


def tamper(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.fixture
def planned(sqlite_url: str, config_tree: Path, cli: Callable[..., Run], tmp_path: Path) -> tuple[str, Path, Path]:
    """A live database (SQLite: the checks run before any database work), a config with one
    update, and its saved plan. The forged delete below runs on every database."""
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(config_tree), "--sample-data").code == 0
    return _planned(sqlite_url, config_tree, cli, tmp_path)


@pytest.fixture
def planned_everywhere(live: str, config_tree: Path, cli: Callable[..., Run], tmp_path: Path) -> tuple[str, Path, Path]:
    return _planned(live, config_tree, cli, tmp_path)


def _planned(live: str, config_tree: Path, cli: Callable[..., Run], tmp_path: Path) -> tuple[str, Path, Path]:
    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Sales Team")
    saved = tmp_path / "plan.json"
    make_plan(cli, live, config_tree, saved)
    return live, config_tree, saved


def refused_and_unchanged(cli: Callable[..., Run], engine: sa.Engine, url: str, config: Path, saved: Path, *expected: str) -> None:
    before = snapshot(engine)
    result = apply_saved(cli, url, config, saved)
    assert result.code == 1, result.text
    for text in expected:
        assert text in result.err, result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert snapshot(engine) == before


def test_an_untampered_plan_applies(planned: tuple[str, Path, Path], cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]) -> None:
    url, config, saved = planned
    assert apply_saved(cli, url, config, saved).code == 0
    assert scalar(engine_for(url), "SELECT name FROM departments WHERE code = 'sales'") == "Sales Team"


def test_an_invalid_code_is_refused_naming_the_field(planned: tuple[str, Path, Path], cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]) -> None:
    """Regression (issue 8, defect 6): a hand-edited plan applied an invalid code."""
    url, config, saved = planned
    tamper(saved, lambda d: d["changes"][0].update(code="../Evil\n"))
    refused_and_unchanged(cli, engine_for(url), url, config, saved, "changes[0].code", "not a valid saved plan")


def test_a_value_the_schema_refuses_is_refused(planned: tuple[str, Path, Path], cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]) -> None:
    """Regression (issue 8, defect 6): a 5,000-character name was applied."""
    url, config, saved = planned
    tamper(saved, lambda d: d["changes"][0]["after"].update(name="x" * 5000))
    refused_and_unchanged(cli, engine_for(url), url, config, saved, "changes[0].after", "departments.schema.json")


def test_an_unknown_kind_or_action_is_refused(planned: tuple[str, Path, Path], cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]) -> None:
    url, config, saved = planned
    tamper(saved, lambda d: d["changes"][0].update(kind="invoices"))
    refused_and_unchanged(cli, engine_for(url), url, config, saved, "changes[0].kind", "not a kind this tool writes")
    tamper(saved, lambda d: d["changes"][0].update(kind="departments", action="truncate"))
    refused_and_unchanged(cli, engine_for(url), url, config, saved, "changes[0].action")


def test_a_name_the_config_does_not_hold_is_refused(planned: tuple[str, Path, Path], cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]) -> None:
    url, config, saved = planned
    tamper(saved, lambda d: d["changes"][0]["after"].update(name="Sales Team \u202eevil"))
    refused_and_unchanged(cli, engine_for(url), url, config, saved)
    tamper(saved, lambda d: d["changes"][0]["after"].update(name="Sales Squad"))
    refused_and_unchanged(cli, engine_for(url), url, config, saved, "changes[0] (departments/sales): its after differs")


def test_a_delete_that_was_never_planned_is_refused_and_the_author_is_the_checkouts(
    planned_everywhere: tuple[str, Path, Path], cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    """Regression (issue 8, defect 6): a forged delete wrote an audit row with a spoofed author."""
    url, config, saved = planned_everywhere
    original = saved.read_text()

    def forge(data: dict[str, Any]) -> None:
        before = {"name": "Accounts"}
        data["changes"].append({"kind": "departments", "code": "accounts", "action": "delete", "name": "Accounts",
                                "fields": [], "before": before, "after": None, "impact": None})
        data["git"] = {"commit": None, "author": "Mallory <mallory@example.invalid>"}

    tamper(saved, forge)
    refused_and_unchanged(cli, engine_for(url), url, config, saved, "the plan has 2 change(s), the config makes 1")
    saved.write_text(original)
    tamper(saved, lambda d: d.update(git={"commit": None, "author": "Mallory <mallory@example.invalid>"}))
    assert apply_saved(cli, url, config, saved).code == 0
    authors = scalar(engine_for(url), "SELECT count(*) FROM config_audit_log WHERE git_author LIKE '%Mallory%'")
    assert authors == 0


def test_a_deleted_threshold_blocker_is_recomputed(
    sqlite_url: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], tmp_path: Path
) -> None:
    """Regression (issue 8, defect 6): 6 updates applied after the threshold blocker was deleted from the file."""
    for number in range(8):
        write_entry(config_tree, "departments", f"team-{number}", f"name: Team {number}\n")
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(config_tree)).code == 0
    assert cli("apply", "--database", sqlite_url, "--config-dir", str(config_tree), "--yes").code == 0
    for number in range(6):
        edit(config_tree / "departments" / f"team-{number}.yaml", f"Team {number}", f"Squad {number}")
    saved = tmp_path / "plan.json"
    planned = make_plan(cli, sqlite_url, config_tree, saved)
    assert [b["rule"] for b in planned["blockers"]] == ["max-update-percent"]
    original = saved.read_text()
    tamper(saved, lambda d: d.update(blockers=[]))
    refused_and_unchanged(cli, engine_for(sqlite_url), sqlite_url, config_tree, saved, "above the 30% threshold")
    # A raised limit in the file is an edited option (issue 16): refused before anything else.
    tamper(saved, lambda d: d.update(thresholds={**d["thresholds"], "max_update_percent": 100}))
    refused_and_unchanged(cli, engine_for(sqlite_url), sqlite_url, config_tree, saved, "--max-update-percent is 100 in the plan")
    # Raised on apply alone, the plan made without it is refused too: the options are bound to the plan.
    saved.write_text(original)
    refused_and_unchanged_with(
        cli, engine_for(sqlite_url), sqlite_url, config_tree, saved, ["--max-update-percent", "50"],
        "--max-update-percent is 30 in the plan and 50 here",
    )
    # Planned and applied with the raised limit, it applies.
    make_plan(cli, sqlite_url, config_tree, saved, "--max-update-percent", "50")
    assert apply_saved(cli, sqlite_url, config_tree, saved, "--max-update-percent", "50").code == 0


def test_a_plan_from_another_config_is_refused(planned: tuple[str, Path, Path], cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]) -> None:
    url, config, saved = planned
    edit(config / "departments" / "accounts.yaml", "name: Accounts", "name: Accounting")
    refused_and_unchanged(cli, engine_for(url), url, config, saved, "was made from another config", "config_digest")


def test_a_plan_from_another_commit_is_refused(
    sqlite_url: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], tmp_path: Path
) -> None:
    repo = init_repository(tmp_path / "repo")
    config = repo / "config"
    config_tree.rename(config)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "config")
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(config), "--sample-data").code == 0
    saved = tmp_path / "plan.json"
    make_plan(cli, sqlite_url, config, saved)
    (repo / "README").write_text("elsewhere\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "another commit")
    refused_and_unchanged(cli, engine_for(sqlite_url), sqlite_url, config, saved, "was made at commit")


def test_a_stale_plan_format_gets_a_clear_message(planned: tuple[str, Path, Path], cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]) -> None:
    url, config, saved = planned
    original = saved.read_text()
    tamper(saved, lambda d: (d.update(format_version=1), d.pop("config_digest")))
    refused_and_unchanged(cli, engine_for(url), url, config, saved, "format_version is 1", "only version 3 plans")
    # A version 2 plan summed its impact across usage tables: its impact means something else now.
    saved.write_text(original)
    tamper(saved, lambda d: d.update(format_version=2))
    refused_and_unchanged(cli, engine_for(url), url, config, saved, "format_version is 2", "only version 3 plans")
    saved.write_text("{not json")
    refused_and_unchanged(cli, engine_for(url), url, config, saved, "not JSON")
    saved.write_text("[]")
    refused_and_unchanged(cli, engine_for(url), url, config, saved, "not a valid saved plan")


def test_a_plan_whose_live_rows_moved_is_still_refused(planned: tuple[str, Path, Path], cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]) -> None:
    url, config, saved = planned
    execute(engine_for(url), "UPDATE departments SET name = 'Provisioning Team' WHERE code = 'provisioning'")
    refused_and_unchanged(cli, engine_for(url), url, config, saved, "the live database changed since this plan was made")


# --- Options smuggled in a saved plan (issue 16, item 2) ------------------------------------
# Everything that changes what apply does is bound to the plan: apply takes its own options,
# and refuses a plan made (or edited to look made) with others. Each option is one case.


def walk_in_group(engine: sa.Engine) -> None:
    """A live row no apply ever managed: kept unless --prune."""
    execute(engine, "INSERT INTO customer_groups (code, name, display_class, display_position, personal_customer, reseller) "
            "VALUES ('walk-in', 'Walk-in', '', 90, :no, :no)", {"no": False})


def test_prune_smuggled_into_a_plan_file_deletes_nothing(
    planned_everywhere: tuple[str, Path, Path], cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], tmp_path: Path
) -> None:
    """Regression: `"prune": true` and pasted deletes made apply --plan (without --prune) delete
    an unmanaged entry."""
    url, config, saved = planned_everywhere
    engine = engine_for(url)
    walk_in_group(engine)
    honest = make_plan(cli, url, config, saved)
    pruned = make_plan(cli, url, config, tmp_path / "pruned.json", "--prune")
    assert [c["code"] for c in pruned["changes"] if c["action"] == "delete"] == ["walk-in"]

    def smuggle(data: dict[str, Any]) -> None:
        data.update(prune=True, changes=pruned["changes"], summary=pruned["summary"])

    tamper(saved, smuggle)
    refused_and_unchanged(cli, engine, url, config, saved, "made with --prune and this apply runs without it")
    # The honest plan made with --prune is refused the same way unless apply says --prune too.
    refused_and_unchanged(cli, engine, url, config, tmp_path / "pruned.json", "made with --prune")
    # And a plan made without --prune cannot be applied with it.
    saved.write_text(json.dumps(honest))
    refused_and_unchanged_with(cli, engine, url, config, saved, ["--prune"], "made without --prune")
    assert scalar(engine, "SELECT COUNT(*) FROM customer_groups WHERE code = 'walk-in'") == 1
    # Made and applied with --prune, it deletes: the option is bound, not forbidden.
    assert apply_saved(cli, url, config, tmp_path / "pruned.json", "--prune").code == 0
    assert scalar(engine, "SELECT COUNT(*) FROM customer_groups WHERE code = 'walk-in'") == 0


def refused_and_unchanged_with(
    cli: Callable[..., Run], engine: sa.Engine, url: str, config: Path, saved: Path, options: list[str], *expected: str
) -> None:
    before = snapshot(engine)
    result = apply_saved(cli, url, config, saved, *options)
    assert result.code == 1, result.text
    for text in expected:
        assert text in result.err, result.err
    assert "internal error" not in result.err
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    "field,value,flag",
    [
        ("max_update_percent", 100.0, "--max-update-percent is 100 in the plan and 30 here"),
        ("max_delete_percent", 100.0, "--max-delete-percent is 100 in the plan and 30 here"),
        ("max_deletes", 1000, "--max-deletes is 1000 in the plan and 25 here"),
        ("min_entries", 100000, "minimum of live entries is 100000 in the plan and 10 here"),
    ],
)
def test_thresholds_edited_in_a_plan_file_are_refused(
    planned: tuple[str, Path, Path], cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine],
    field: str, value: float, flag: str,
) -> None:
    url, config, saved = planned
    tamper(saved, lambda d: d["thresholds"].update({field: value}))
    refused_and_unchanged(cli, engine_for(url), url, config, saved, flag, "bound to the plan")


def test_thresholds_a_plan_was_made_with_must_be_repeated_by_apply(
    planned: tuple[str, Path, Path], cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    url, config, saved = planned
    made = cli("plan", "--database", url, "--config-dir", str(config), "--out", str(saved), "--max-deletes", "40", "--prune")
    assert made.code == 0, made.text
    # plan prints the apply command with the options the plan is bound to
    assert "--prune --max-deletes 40 --plan" in made.err, made.err
    refused_and_unchanged_with(cli, engine_for(url), url, config, saved, ["--prune"], "--max-deletes is 40 in the plan and 25 here")
    assert apply_saved(cli, url, config, saved, "--prune", "--max-deletes", "40").code == 0


def test_allow_tables_changed_between_plan_and_apply_are_refused(
    planned: tuple[str, Path, Path], cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], tmp_path: Path
) -> None:
    url, config, saved = planned
    toml = config.parent / "billing-config.toml"
    allow = '[[allow]]\nkind = "groups"\nrule = "max-deletes"\nlimit = 30\nchanges = "sha256:00"\nreason = "x"\n'
    toml.write_text(allow)
    make_plan(cli, url, config, saved)
    toml.write_text(allow.replace("limit = 30", "limit = 31"))
    refused_and_unchanged(cli, engine_for(url), url, config, saved, "[[allow]] tables of billing-config.toml differ")
    toml.unlink()
    refused_and_unchanged(cli, engine_for(url), url, config, saved, "[[allow]] tables of billing-config.toml differ")
    # and the digest itself cannot be edited to match another set of tables
    make_plan(cli, url, config, saved)
    toml.write_text(allow)
    refused_and_unchanged(cli, engine_for(url), url, config, saved, "[[allow]] tables")
    tamper(saved, lambda d: d.update(allow_digest="sha256:" + "0" * 64))
    refused_and_unchanged(cli, engine_for(url), url, config, saved, "[[allow]] tables")
