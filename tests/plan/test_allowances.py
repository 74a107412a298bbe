"""Thresholds through review: a refused plan exits 3, and an [[allow]] table in
billing-config.toml lets exactly the changes it names through, and nothing else."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from billing_config.errors import UserError
from billing_config.plan.allowances import Allowance, apply_allowances, changes_digest, read_allowances
from billing_config.plan.model import DELETE, UPDATE, Blocker, Change
from tests.testing.databases import scalar
from tests.testing.fixtures import Run
from tests.testing.files import edit, write_entry


def rename_every_group(config: Path, suffix: str) -> None:
    for path in sorted((config / "groups").glob("*.yaml")):
        text = path.read_text()
        name = re.search(r"^name: (.*)$", text, re.MULTILINE)
        assert name is not None
        path.write_text(text.replace(f"name: {name.group(1)}", f"name: {name.group(1)}{suffix}"))


def many_groups(config: Path) -> None:
    """Over ten live groups, so the percentage thresholds apply."""
    for number in range(6):
        write_entry(config, "groups", f"extra-{number}", f"name: Extra {number}\ndisplay_position: {200 + number}\n")


def test_a_refused_plan_exits_3_and_an_allowance_lets_exactly_it_through(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    common = ["--database", live, "--config-dir", str(config_tree)]
    many_groups(config_tree)
    assert cli("apply", "--yes", *common).code == 0
    rename_every_group(config_tree, " (2025)")
    refused = cli("plan", "--detailed-exitcode", "--format", "json", *common)
    assert refused.code == 3, refused.text
    blocker = json.loads(refused.out)["blockers"][0]
    assert blocker["rule"] == "max-update-percent" and "[[allow]]" in blocker["allow"]
    markdown = cli("plan", "--format", "markdown", *common)
    assert "```toml\n[[allow]]" in markdown.out
    assert cli("apply", "--yes", *common).code == 1

    # The reviewer pastes the table into billing-config.toml in the same pull request.
    toml = config_tree.parent / "billing-config.toml"
    toml.write_text(blocker["allow"].replace("why this mass change is intended", "2025 names"))
    allowed = cli("plan", "--detailed-exitcode", *common)
    assert allowed.code == 2, allowed.text
    assert "Allowed by billing-config.toml" in allowed.out and "2025 names" in allowed.out
    applied = cli("apply", "--yes", *common)
    assert applied.code == 0, applied.text
    engine = engine_for(live)
    assert scalar(engine, "SELECT count(*) FROM config_audit_log WHERE action = 'allow' AND kind = 'groups'") == 1

    # The allowance stays in the file, and a later mass change is refused all the same.
    rename_every_group(config_tree, " again")
    again = cli("plan", "--detailed-exitcode", *common)
    assert again.code == 3, again.text
    assert cli("apply", "--yes", *common).code == 1


def test_an_allowance_with_a_lower_limit_or_another_kind_does_not_match() -> None:
    changes = [Change("groups", f"g{n}", UPDATE, f"G{n}", {"name": "a"}, {"name": f"b{n}"}) for n in range(12)]
    blocker = Blocker("max-update-percent", "groups", None, "12 of 12 live groups would be updated (100%)", "hint")
    digest = changes_digest(changes, "groups", UPDATE)
    for allowance in (
        Allowance("groups", "max-update-percent", 50, digest),
        Allowance("departments", "max-update-percent", 100, digest),
        Allowance("groups", "max-delete-percent", 100, digest),
        Allowance("groups", "max-update-percent", 100, "sha256:00"),
    ):
        remaining, lifted = apply_allowances([blocker], changes, {"groups": 12}, [allowance])
        assert remaining and not lifted, allowance
    remaining, lifted = apply_allowances([blocker], changes, {"groups": 12}, [Allowance("groups", "max-update-percent", 100, digest)])
    assert remaining == [] and lifted[0].changes == digest


@given(st.lists(st.tuples(st.sampled_from("abcdef"), st.text(max_size=5)), min_size=1, max_size=6, unique_by=lambda t: t[0]))
def test_the_digest_ignores_order_and_changes_with_any_value(entries: list[tuple[str, str]]) -> None:
    changes = [Change("groups", code, UPDATE, code, {"name": "x"}, {"name": name}) for code, name in entries]
    assert changes_digest(changes, "groups", UPDATE) == changes_digest(list(reversed(changes)), "groups", UPDATE)
    altered = [Change(c.kind, c.code, c.action, c.name, c.before, {"name": f"{c.after['name'] if c.after else ''}!"}) for c in changes]
    assert changes_digest(altered, "groups", UPDATE) != changes_digest(changes, "groups", UPDATE)


@given(
    st.lists(st.tuples(st.sampled_from("abcdef"), st.text(max_size=5)), min_size=1, max_size=6, unique_by=lambda t: t[0]),
    st.sampled_from([UPDATE, DELETE]),
    st.integers(min_value=0, max_value=5),
)
def test_the_digest_covers_the_values_before_of_every_action(entries: list[tuple[str, str]], action: str, which: int) -> None:
    """Issue 16, item 3: for deletes the digest covered only the codes, so re-created entries
    (other values, same codes) deleted again passed under the old [[allow]] table."""
    changes = [
        Change("groups", code, action, code, {"name": name}, None if action == DELETE else {"name": "new"})
        for code, name in entries
    ]
    digest = changes_digest(changes, "groups", action)
    target = changes[which % len(changes)]
    assert target.before is not None
    other = {"name": target.before["name"] + "?"}
    altered = [Change(c.kind, c.code, c.action, c.name, other if c is target else c.before, c.after) for c in changes]
    assert changes_digest(altered, "groups", action) != digest
    # the code and the action are covered as much as the values
    renamed = [Change(c.kind, c.code + ("x" if c is target else ""), c.action, c.name, c.before, c.after) for c in changes]
    assert changes_digest(renamed, "groups", action) != digest


def test_an_allowance_lifts_its_changes_once_per_target() -> None:
    changes = [Change("groups", f"g{n}", DELETE, f"G{n}", {"name": f"G{n}"}, None) for n in range(12)]
    blocker = Blocker("max-delete-percent", "groups", None, "12 of 12 live groups would be deleted (100%)", "hint")
    digest = changes_digest(changes, "groups", DELETE)
    allowance = Allowance("groups", "max-delete-percent", 100, digest)
    remaining, lifted = apply_allowances([blocker], changes, {"groups": 12}, [allowance])
    assert not remaining and lifted
    remaining, lifted = apply_allowances([blocker], changes, {"groups": 12}, [allowance], used={digest})
    assert not lifted and remaining[0].allow is None and "already let exactly these changes through" in remaining[0].hint


@pytest.mark.parametrize("variant", ["same values", "other values"])
def test_re_created_entries_deleted_again_are_refused_under_the_old_allowance(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], variant: str
) -> None:
    """Issue 16, item 3, end to end on every database: an allowed mass delete, the entries
    re-created under the same codes (with the same values, or with others) and deleted again:
    the [[allow]] table left in billing-config.toml lifts nothing the second time."""
    common = ["--database", live, "--config-dir", str(config_tree)]
    many_groups(config_tree)
    assert cli("apply", "--yes", *common).code == 0
    extra = {path.name: path.read_text() for path in (config_tree / "groups").glob("extra-*.yaml")}
    for name in extra:
        (config_tree / "groups" / name).unlink()
    refused = cli("plan", "--format", "json", "--detailed-exitcode", *common)
    assert refused.code == 3, refused.text
    blocker = json.loads(refused.out)["blockers"][0]
    toml = config_tree.parent / "billing-config.toml"
    toml.write_text(blocker["allow"])
    assert cli("apply", "--yes", *common).code == 0
    engine = engine_for(live)
    assert scalar(engine, "SELECT count(*) FROM customer_groups WHERE code LIKE 'extra-%'") == 0

    for name, text in extra.items():
        (config_tree / "groups" / name).write_text(text if variant == "same values" else text.replace("name: Extra", "name: Spare"))
    assert cli("apply", "--yes", *common).code == 0  # creates: no threshold
    for name in extra:
        (config_tree / "groups" / name).unlink()
    again = cli("plan", "--format", "json", "--detailed-exitcode", *common)
    assert again.code == 3, again.text
    assert json.loads(again.out)["allowed"] == []
    result = cli("apply", "--yes", *common)
    assert result.code == 1, result.text
    assert scalar(engine, "SELECT count(*) FROM customer_groups WHERE code LIKE 'extra-%'") == 6
    assert scalar(engine, "SELECT count(*) FROM config_audit_log WHERE action = 'allow'") == 1
