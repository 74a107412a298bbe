"""The config side of `rename`: the entry's file, the references to it, comments and quoting kept."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, strategies as st

from billing_config.errors import Refused
from billing_config.files.rename import (
    RenameIncomplete, carry_out, prepare_config_rename, rename_kind_aliases, rewrite_references,
)
from billing_config.kinds import get_kind
from billing_config.rules import validate_tree
from tests.testing.files import edit


def tree(config: Path) -> dict[str, str]:
    return {str(p.relative_to(config)): p.read_text(encoding="utf-8") for p in sorted(config.rglob("*.yaml"))}


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.splitlines(), after.splitlines()
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new) if a != b]


def test_a_config_rename_moves_the_file_and_rewrites_only_the_referencing_values(config_tree: Path) -> None:
    edit(config_tree / "statuses" / "active.yaml", "next_status: null", "next_status: 'suspended'   # when unpaid")
    before = tree(config_tree)
    plan = prepare_config_rename(config_tree, get_kind("statuses"), "suspended", "on-hold")
    assert tree(config_tree) == before  # preparing writes nothing
    carry_out(plan)
    after = tree(config_tree)
    assert "statuses/suspended.yaml" not in after
    assert after["statuses/on-hold.yaml"] == before["statuses/suspended.yaml"]  # comments and all
    assert changed_lines(before["statuses/active.yaml"], after["statuses/active.yaml"]) == [
        ("next_status: 'suspended'   # when unpaid", "next_status: 'on-hold'   # when unpaid")
    ]
    untouched = set(before) - {"statuses/suspended.yaml", "statuses/active.yaml"}
    assert {name: after[name] for name in untouched} == {name: before[name] for name in untouched}
    assert validate_tree(config_tree).errors == 0


def test_a_reference_kind_rename_rewrites_every_kind_that_points_at_it(config_tree: Path) -> None:
    before = tree(config_tree)
    naming = [name for name, text in before.items() if name.startswith("statuses/") and "related_feature_status: suspended" in text]
    assert naming, "the sample config should name the feature status"
    carry_out(prepare_config_rename(config_tree, get_kind("feature-statuses"), "suspended", "barred"))
    after = tree(config_tree)
    assert "feature-statuses/barred.yaml" in after and "feature-statuses/suspended.yaml" not in after
    for name in naming:
        assert changed_lines(before[name], after[name]) == [("related_feature_status: suspended", "related_feature_status: barred")]
    # Other fields holding the same word are not references to this kind: left alone.
    assert "related_service_status: suspended" in after["statuses/suspended.yaml"]
    assert validate_tree(config_tree).errors == 0


@pytest.mark.parametrize(
    ("new", "problem"),
    [("On_Hold", "no valid code"), ("active", "already exists"), ("suspended", "same code")],
)
def test_refusals_change_nothing(config_tree: Path, new: str, problem: str) -> None:
    before = tree(config_tree)
    with pytest.raises(Refused, match=problem):
        prepare_config_rename(config_tree, get_kind("statuses"), "suspended", new)
    assert tree(config_tree) == before


def test_an_unknown_entry_is_refused(config_tree: Path) -> None:
    with pytest.raises(Refused, match="no customer status 'nope'"):
        prepare_config_rename(config_tree, get_kind("statuses"), "nope", "other")


def test_a_referencing_file_the_loader_refuses_stops_the_rename_before_anything_is_written(config_tree: Path) -> None:
    (config_tree / "statuses" / "active.yaml").write_text("name: Active\nname: Again\nnext_status: suspended\n", encoding="utf-8")
    before = tree(config_tree)
    with pytest.raises(Refused, match="active.yaml:2"):
        prepare_config_rename(config_tree, get_kind("statuses"), "suspended", "on-hold")
    assert tree(config_tree) == before


def test_a_rename_that_stops_part_way_lists_what_is_left(config_tree: Path) -> None:
    edit(config_tree / "statuses" / "active.yaml", "next_status: null", "next_status: suspended")
    plan = prepare_config_rename(config_tree, get_kind("statuses"), "suspended", "on-hold")
    edit(config_tree / "statuses" / "active.yaml", "name: Active", "name: Live")  # someone edits meanwhile
    with pytest.raises(RenameIncomplete) as caught:
        carry_out(plan)
    message = caught.value.message
    assert "active.yaml changed while renaming" in message
    assert "line" in message and "set next_status: on-hold" in message and "remove" in message and "suspended.yaml" in message
    assert (config_tree / "statuses" / "on-hold.yaml").is_file()  # the step done before the failure
    assert (config_tree / "statuses" / "suspended.yaml").is_file()  # the steps after it are not done


def test_a_second_config_only_rename_finds_it_already_done(config_tree: Path) -> None:
    carry_out(prepare_config_rename(config_tree, get_kind("statuses"), "suspended", "on-hold"))
    again = prepare_config_rename(config_tree, get_kind("statuses"), "suspended", "on-hold")
    assert again.already_renamed and again.steps() == []


def test_kind_names_and_singulars_are_accepted() -> None:
    aliases = rename_kind_aliases()
    assert aliases["status"].name == "statuses"
    assert aliases["feature-status"].name == "feature-statuses"
    assert aliases["department"].name == "departments"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("next_status: suspended", "next_status: on-hold"),
        ("next_status: 'suspended'  # note", "next_status: 'on-hold'  # note"),
        ('next_status: "suspended"', 'next_status: "on-hold"'),
        ("next_status:    suspended # x", "next_status:    on-hold # x"),
    ],
)
def test_the_value_keeps_its_quoting_and_its_line(line: str, expected: str) -> None:
    text, where = rewrite_references(f"name: A\n{line}\nshort_name: suspended\n", {"next_status"}, "suspended", "on-hold")
    assert text == f"name: A\n{expected}\nshort_name: suspended\n"
    assert where == [(2, "next_status")]


def test_a_new_code_that_reads_as_a_number_is_quoted() -> None:
    text, _ = rewrite_references("next_status: suspended\n", {"next_status"}, "suspended", "404")
    assert yaml.safe_load(text) == {"next_status": "404"}


def test_flow_mappings_crlf_and_a_byte_order_mark_are_kept() -> None:
    text, _ = rewrite_references("\ufeff{name: A, next_status: suspended}\r\n", {"next_status"}, "suspended", "on-hold")
    assert text == "\ufeff{name: A, next_status: on-hold}\r\n"


_comment = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=20)


@given(
    quote=st.sampled_from(["", "'", '"']),
    comment=_comment,
    spaces=st.integers(min_value=1, max_value=4),
    above=_comment,
)
def test_only_the_value_changes_whatever_surrounds_it(quote: str, comment: str, spaces: int, above: str) -> None:
    source = (
        f"# {above}\nname: Active\nnext_status:{' ' * spaces}{quote}suspended{quote}  # {comment}\n"
        "related_number_status: suspended\n"
    )
    text, where = rewrite_references(source, {"next_status"}, "suspended", "on-hold")
    assert where == [(3, "next_status")]
    assert changed_lines(source, text) == [
        (source.splitlines()[2], source.splitlines()[2].replace(f"{quote}suspended{quote}", f"{quote}on-hold{quote}", 1))
    ]
    assert yaml.safe_load(text) == {**yaml.safe_load(source), "next_status": "on-hold"}
