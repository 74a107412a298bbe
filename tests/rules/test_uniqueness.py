"""Names and short names are unique within a kind, ignoring case and surrounding spaces."""

from __future__ import annotations

from tests.rules.conftest import Check, brief


def test_a_name_used_twice_in_a_kind_is_reported_at_the_later_file(check: Check) -> None:
    findings = check(files={"groups/vip.yaml": "name: vip client\n"})
    assert brief(findings) == [("groups/vip.yaml", "duplicate-name", 1, 7, "error")]
    assert findings[0].message.startswith("name 'vip client' is already used by ")
    assert findings[0].message.endswith("vip-client.yaml; each customer group needs its own name (case is ignored)")


def test_the_first_holder_is_the_alphabetically_first_file(check: Check) -> None:
    findings = check(files={"groups/a-vip.yaml": "name: VIP CLIENT\n"})
    assert brief(findings) == [("groups/vip-client.yaml", "duplicate-name", 2, 7, "error")]
    assert "a-vip.yaml" in findings[0].message


def test_surrounding_spaces_do_not_make_a_name_different(check: Check) -> None:
    """The schema refuses the spaces too; the duplicate is still named."""
    findings = check(files={"departments/sales-2.yaml": "name: '  Sales '\n"})
    assert sorted(f.rule for f in findings) == ["duplicate-name", "schema-pattern"]


def test_nfc_and_nfd_spellings_are_one_name(check: Check) -> None:
    """Regression (issue 8, defect 5): "Café" precomposed and decomposed were two names."""
    findings = check(files={"departments/cafe-1.yaml": "name: Caf\u00e9\n", "departments/cafe-2.yaml": "name: CAFE\u0301\n"})
    assert [f.rule for f in findings] == ["duplicate-name"]


def test_a_greek_lookalike_is_not_a_duplicate_but_warns(check: Check) -> None:
    """Regression (issue 8, defect 5): Greek "Αccounts" beside "Accounts" passed silently."""
    findings = check(files={"departments/greek.yaml": "name: \u0391ccounts\n"})
    assert brief(findings) == [("departments/greek.yaml", "mixed-script-name", 1, 7, "warning")]


def test_the_same_name_in_two_kinds_is_fine(check: Check) -> None:
    """'Active' is a customer status and a number status: different lists."""
    assert check(files={"departments/active.yaml": "name: Active\n"}) == []


def test_a_short_name_used_twice_is_reported(check: Check) -> None:
    findings = check(edits=[("statuses/suspended.yaml", "short_name: SUS", "short_name: act")])
    assert brief(findings) == [("statuses/suspended.yaml", "duplicate-short-name", 4, 13, "error")]
    assert "each customer status needs its own short name (case is ignored)" in findings[0].message


def test_empty_short_names_may_repeat(check: Check) -> None:
    assert check(
        edits=[
            ("statuses/suspended.yaml", "short_name: SUS", "short_name: ''"),
            ("statuses/active.yaml", "short_name: ACT", "short_name: ''"),
        ]
    ) == []


def test_three_holders_give_two_findings(check: Check) -> None:
    findings = check(files={"departments/x.yaml": "name: sales\n", "departments/y.yaml": "name: SALES\n"})
    assert [(f.rule, f.code) for f in findings] == [("duplicate-name", "x"), ("duplicate-name", "y")]
