"""config-empty: a config holding no entry of a kind never plans to delete every live entry of it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from billing_config.kinds import KINDS
from tests.plan.test_diff import check_plan_format
from tests.testing.databases import snapshot
from tests.testing.fixtures import Run


def empty_config(tmp_path: Path) -> Path:
    """What `init` leaves: a folder per kind, no entry in any."""
    config = tmp_path / "new-repository" / "config"
    for kind in KINDS:
        (config / kind.name).mkdir(parents=True)
        (config / kind.name / ".gitkeep").write_text("")
    return config


def test_an_empty_repository_against_a_platform_is_refused_and_pointed_to_export(
    live: str, tmp_path: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    config = empty_config(tmp_path)
    planned = cli("plan", "--database", live, "--config-dir", str(config), "--detailed-exitcode")
    assert planned.code == 3, planned.text  # a required check fails: apply would refuse it
    refusals = [line for line in planned.out.splitlines() if line.startswith("  ! error config-empty ")]
    # One refusal per kind the platform has entries of, in the registry's order, each saying
    # what would happen and pointing to export.
    assert [line.split("(config/")[1].split("/")[0] for line in refusals] == [kind.name for kind in KINDS]
    assert "  ! error config-empty the config holds no customer status (config/statuses/ has no entry file), " \
        "so this plan would delete all 7 statuses of the target" in planned.out
    assert planned.out.count("run `billing-config export` with this plan's --target or --database") == len(KINDS)
    assert "`billing-config explain config-empty`" in planned.out
    # The refusals of single deletes (in use, thresholds) and the shipped-class warnings follow
    # from the same mistake: counted, not listed, so the one thing to do is not buried.
    assert "error in-use" not in planned.out and "shipped-entry-changed" not in planned.out
    assert "more refusal(s) and warning(s) about single deletes of these kinds follow from it" in planned.out

    document = json.loads(cli("plan", "--database", live, "--config-dir", str(config), "--format", "json").out)
    check_plan_format(document)
    assert [b["rule"] for b in document["blockers"][: len(KINDS)]] == ["config-empty"] * len(KINDS)
    assert "in-use" in [b["rule"] for b in document["blockers"]]  # the JSON keeps every refusal

    markdown = cli("plan", "--database", live, "--config-dir", str(config), "--format", "markdown").out
    assert "- :no_entry: `config-empty`: the config holds no customer status" in markdown

    # apply refuses it whichever way it is asked, and nothing on the platform changes.
    before = snapshot(engine_for(live))
    applied = cli("apply", "--database", live, "--config-dir", str(config), "--yes")
    assert applied.code == 1, applied.text
    assert "apply refused, nothing changed" in applied.err
    saved = tmp_path / "plan.json"
    assert cli("plan", "--database", live, "--config-dir", str(config), "--out", str(saved)).code == 0
    assert cli("apply", "--database", live, "--config-dir", str(config), "--plan", str(saved)).code == 1
    assert snapshot(engine_for(live)) == before

    # export is the way in: afterwards the plan is empty and nothing is refused.
    exported = cli("export", "--database", live, "--config-dir", str(config))
    assert exported.code == 0, exported.text
    assert cli("plan", "--database", live, "--config-dir", str(config), "--detailed-exitcode").code == 0


def test_one_empty_kind_is_refused_alone(live: str, config_tree: Path, cli: Callable[..., Run]) -> None:
    shutil.rmtree(config_tree / "departments")
    (config_tree / "departments").mkdir()
    document = json.loads(cli("plan", "--database", live, "--config-dir", str(config_tree), "--format", "json").out)
    empty = [b for b in document["blockers"] if b["rule"] == "config-empty"]
    assert [(b["kind"], b["code"]) for b in empty] == [("departments", None)]
    assert document["blockers"][0] == empty[0]  # said first, before the in-use refusals of the same deletes
    # Removing all but one department is an ordinary (reviewed) set of deletes.
    (config_tree / "departments" / "sales.yaml").write_text("name: Sales\n")
    document = json.loads(cli("plan", "--database", live, "--config-dir", str(config_tree), "--format", "json").out)
    assert "config-empty" not in [b["rule"] for b in document["blockers"]]


def test_rows_never_managed_are_refused_only_when_prune_would_delete_them(
    db_url: str, tmp_path: Path, cli: Callable[..., Run]
) -> None:
    # A platform whose entries no apply has seen: the empty config lists them as unmanaged.
    seeded = tmp_path / "seed" / "config"
    shutil.copytree(Path(__file__).resolve().parents[2] / "config", seeded)
    assert cli("db", "init", "--database", db_url, "--config-dir", str(seeded)).code == 0
    config = empty_config(tmp_path)
    kept = cli("plan", "--database", db_url, "--config-dir", str(config), "--detailed-exitcode")
    assert kept.code == 0, kept.text
    assert "config-empty" not in kept.out and "Unmanaged" in kept.out
    pruned = cli("plan", "--database", db_url, "--config-dir", str(config), "--prune", "--detailed-exitcode")
    assert pruned.code == 3, pruned.text
    assert "error config-empty the config holds no number status" in pruned.out


def test_explain_config_empty(cli: Callable[..., Run]) -> None:
    explained = cli("explain", "config-empty")
    assert explained.code == 0, explained.text
    assert "export" in explained.out and "delete" in explained.out
