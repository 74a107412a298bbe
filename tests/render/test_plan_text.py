"""The terminal plan: refusals carry their rule id as validate's findings do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from billing_config.plan.model import Use, DELETE, Blocker, Change, Plan, Thresholds
from billing_config.render.plan_text import render_plan_text
from tests.testing.fixtures import Run


def _plan(blockers: list[Blocker]) -> Plan:
    return Plan(
        changes=[Change("groups", "residential", DELETE, "Residential", {"name": "Residential"}, None, [], (Use("customers", "customer", 35),))],
        unmanaged=[], blockers=blockers, fingerprint="sha256:" + "0" * 64, live_counts={"groups": 6}, prune=False,
        thresholds=Thresholds(), database="sqlite:///billing.db", created_at="2026-01-01T00:00:00+00:00", tool_version="0.1.0",
    )


def test_each_refusal_names_its_rule_after_the_severity_as_validate_does() -> None:
    text = render_plan_text(_plan([
        Blocker("in-use", "groups", "residential", "customer group 'residential' (Residential) is used by 35 customers "
                "and cannot be deleted", "keep config/groups/residential.yaml"),
        Blocker("max-deletes", "groups", None, "30 groups would be deleted, more than the cap of 25", "check them"),
    ]))
    assert (
        "Apply will refuse this plan:\n"
        "  ! error in-use customer group 'residential' (Residential) is used by 35 customers and cannot be deleted\n"
        "    keep config/groups/residential.yaml\n"
        "  ! error max-deletes 30 groups would be deleted, more than the cap of 25\n"
        "    check them\n"
        "  (`billing-config explain in-use` says why a rule exists and how to meet it)\n"
    ) in text


def test_the_rule_id_a_refusal_prints_is_one_explain_accepts(live: str, config_tree: Path, cli: Callable[..., Run]) -> None:
    (config_tree / "groups" / "residential.yaml").unlink()
    planned = cli("plan", "--database", live, "--config-dir", str(config_tree))
    refusals = [line for line in planned.out.splitlines() if line.startswith("  ! error ")]
    assert refusals and refusals[0].startswith("  ! error in-use customer group 'residential' (Residential) is used by ")
    for line in refusals:
        explained = cli("explain", line.split()[2])
        assert explained.code == 0, explained.text
