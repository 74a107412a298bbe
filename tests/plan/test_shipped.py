"""Changes to the platform's shipped customer classes warn in every plan format, with the reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from billing_config.kinds import get_kind
from billing_config.plan.model import Plan, Thresholds
from tests.testing.fixtures import Run
from tests.testing.files import edit, write_entry


def _init(cli: Callable[..., Run], url: str, config: Path) -> None:
    result = cli("db", "init", "--database", url, "--config-dir", str(config), "--sample-data")
    assert result.code == 0, result.text


def _plan(cli: Callable[..., Run], url: str, config: Path, *extra: str) -> Run:
    return cli("plan", "--database", url, "--config-dir", str(config), *extra)


def test_the_sample_ships_exactly_the_registry_s_standard_classes(config_tree: Path) -> None:
    shipped = get_kind("classes").shipped
    assert shipped is not None
    assert {path.stem for path in (config_tree / "classes").glob("*.yaml")} == shipped.codes


def test_changing_a_shipped_class_warns_in_text_json_and_markdown(
    sqlite_url: str, config_tree: Path, cli: Callable[..., Run], tmp_path: Path
) -> None:
    _init(cli, sqlite_url, config_tree)
    edit(config_tree / "classes" / "uk-plc.yaml", "companies_house_check: true", "companies_house_check: false")
    write_entry(config_tree, "classes", "partnership", "name: Partnership\n")  # not shipped: no warning

    text = _plan(cli, sqlite_url, config_tree)
    assert text.code == 0, text.text
    assert "Warnings (apply goes ahead; check these before approving):" in text.out
    assert "! shipped-entry-changed: this plan changes companies_house_check of the shipped customer class 'uk-plc'" in text.out
    assert "why: the platform ships this customer class and its billing, reporting and delivery rules rely on it" in text.out
    assert "partnership'" not in text.out.split("Warnings")[1]

    document = json.loads(_plan(cli, sqlite_url, config_tree, "--format", "json").out)
    assert [(w["rule"], w["kind"], w["code"]) for w in document["warnings"]] == [("shipped-entry-changed", "classes", "uk-plc")]
    assert "should not normally be edited" in document["warnings"][0]["why"]

    markdown = _plan(cli, sqlite_url, config_tree, "--format", "markdown").out
    assert "**Check before approving** (1 warning(s); apply goes ahead):" in markdown
    assert "- :warning: `shipped-entry-changed`: this plan changes companies_house_check of the shipped customer class 'uk-plc'. Why it matters: the platform ships" in markdown

    # A saved plan keeps its warnings, and apply still goes ahead.
    saved = tmp_path / "plan.json"
    assert _plan(cli, sqlite_url, config_tree, "--out", str(saved)).code == 0
    assert Plan.from_dict(json.loads(saved.read_text())).warnings[0].code == "uk-plc"
    applied = cli("apply", "--database", sqlite_url, "--config-dir", str(config_tree), "--plan", str(saved))
    assert applied.code == 0, applied.text


def test_deleting_a_shipped_class_warns_and_is_refused_while_customers_hold_it(
    sqlite_url: str, config_tree: Path, cli: Callable[..., Run]
) -> None:
    _init(cli, sqlite_url, config_tree)
    (config_tree / "classes" / "charity.yaml").unlink()
    document = json.loads(_plan(cli, sqlite_url, config_tree, "--prune", "--format", "json").out)
    assert [(w["code"], w["message"]) for w in document["warnings"]] == [
        ("charity", "this plan deletes the shipped customer class 'charity'")
    ]
    assert [(b["rule"], b["kind"], b["code"]) for b in document["blockers"]] == [("in-use", "classes", "charity")]
    assert "customer class 'charity' (Charity) is used by" in document["blockers"][0]["message"]


def test_a_plan_saved_before_warnings_existed_still_loads() -> None:
    plan = Plan(
        changes=[], unmanaged=[], blockers=[], fingerprint="sha256:" + "0" * 64, live_counts={}, prune=False,
        thresholds=Thresholds(), database="sqlite://", created_at="2026-01-01T00:00:00+00:00",
        tool_version="0",
    )
    data = plan.to_dict()
    del data["warnings"]
    assert Plan.from_dict(data).warnings == []
