"""Names and short names are unique within a kind, ignoring case and surrounding spaces; a clash
is reported on the entry this change touched (see rules.changes), or on every party outside git."""

from __future__ import annotations

from pathlib import Path

from billing_config.rules import validate_tree
from tests.rules.conftest import Check, brief
from tests.testing.files import edit
from tests.testing.git import git, init_repository


def test_outside_git_each_party_to_a_clash_is_reported_and_names_the_other(check: Check) -> None:
    findings = check(files={"groups/vip.yaml": "name: vip client\n"})
    assert brief(findings) == [
        ("groups/vip-client.yaml", "duplicate-name", 2, 7, "error"),
        ("groups/vip.yaml", "duplicate-name", 1, 7, "error"),
    ]
    assert findings[1].message.startswith("name 'vip client' is also used by ")
    assert findings[1].message.endswith("vip-client.yaml; give this customer group a name of its own (case is ignored)")
    assert "vip.yaml" in findings[0].message


def _committed(config_tree: Path) -> Path:
    init_repository(config_tree.parent)
    git(config_tree.parent, "add", "-A")
    git(config_tree.parent, "commit", "-q", "-m", "sample")
    return config_tree


def test_in_git_the_new_file_is_blamed_whatever_its_name_sorts_as(config_tree: Path) -> None:
    """sales-2.yaml sorts before sales.yaml; the untouched sales.yaml is still not blamed."""
    _committed(config_tree)
    (config_tree / "groups" / "a-vip.yaml").write_text("name: VIP CLIENT\ndisplay_position: 99\n")
    findings = validate_tree(config_tree).findings
    assert brief(findings) == [("groups/a-vip.yaml", "duplicate-name", 1, 7, "error")]
    assert "is already used by" in findings[0].message and "vip-client.yaml" in findings[0].message


def test_in_git_an_edited_file_is_blamed_and_base_picks_the_revision(config_tree: Path) -> None:
    _committed(config_tree)
    edit(config_tree / "statuses/suspended.yaml", "short_name: SUS", "short_name: act")
    findings = validate_tree(config_tree).findings
    assert brief(findings) == [("statuses/suspended.yaml", "duplicate-short-name", 4, 13, "error")]
    git(config_tree.parent, "commit", "-qam", "the change")
    # Committed: against HEAD nothing changed, so both are named; against the base, the edit.
    assert len(validate_tree(config_tree).findings) == 2
    assert brief(validate_tree(config_tree, base="HEAD~1").findings) == brief(findings)


def test_surrounding_spaces_do_not_make_a_name_different(check: Check) -> None:
    """The schema refuses the spaces too; the duplicate is still named."""
    findings = check(files={"departments/sales-2.yaml": "name: '  Sales '\n"})
    assert {f.rule for f in findings} == {"duplicate-name", "schema-pattern"}


def test_nfc_and_nfd_spellings_are_one_name(check: Check) -> None:
    """Regression (issue 8, defect 5): "Café" precomposed and decomposed were two names."""
    findings = check(files={"departments/cafe-1.yaml": "name: Caf\u00e9\n", "departments/cafe-2.yaml": "name: CAFE\u0301\n"})
    assert {f.rule for f in findings} == {"duplicate-name"}


def test_a_greek_lookalike_is_not_a_duplicate_but_warns(check: Check) -> None:
    """Regression (issue 8, defect 5): Greek "Αccounts" beside "Accounts" passed silently."""
    findings = check(files={"departments/greek.yaml": "name: \u0391ccounts\n"})
    assert brief(findings) == [("departments/greek.yaml", "mixed-script-name", 1, 7, "warning")]


def test_the_same_name_in_two_kinds_is_fine(check: Check) -> None:
    """'Active' is a customer status and a number status: different lists."""
    assert check(files={"departments/active.yaml": "name: Active\n"}) == []


def test_a_short_name_used_twice_is_reported(check: Check) -> None:
    findings = check(edits=[("statuses/suspended.yaml", "short_name: SUS", "short_name: act")])
    assert [f.rule for f in findings] == ["duplicate-short-name"] * 2
    assert "give this customer status a short name of its own (case is ignored)" in findings[0].message


def test_empty_short_names_may_repeat(check: Check) -> None:
    assert check(
        edits=[
            ("statuses/suspended.yaml", "short_name: SUS", "short_name: ''"),
            ("statuses/active.yaml", "short_name: ACT", "short_name: ''"),
        ]
    ) == []


def test_three_holders_are_each_reported(check: Check) -> None:
    findings = check(files={"departments/x.yaml": "name: sales\n", "departments/y.yaml": "name: SALES\n"})
    assert [(f.rule, f.code) for f in findings] == [("duplicate-name", "sales"), ("duplicate-name", "x"), ("duplicate-name", "y")]


def test_an_entry_pasted_under_a_second_code_is_one_finding_not_three(check: Check) -> None:
    findings = check(files={"groups/vip-copy.yaml": "name: VIP Client\ndisplay_class: group-vip\ndisplay_position: 10\npersonal_customer: false\nreseller: false\n"})
    assert {f.rule for f in findings} == {"duplicate-entry"}
