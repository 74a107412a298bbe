"""Cross-references: next statuses and related statuses name existing entries of the right kind."""

from __future__ import annotations

from pathlib import Path

from billing_config.render.rule_catalogue import full_catalogue

CATALOGUE = full_catalogue()
from billing_config.findings import Severity
from tests.rules.conftest import Check, brief

CEASED = "statuses/ceased.yaml"
ACTIVE = "statuses/active.yaml"


def test_the_sample_config_has_no_reference_problems(check: Check) -> None:
    assert check() == []


def test_an_unknown_next_status_is_an_error_with_a_did_you_mean(check: Check) -> None:
    findings = check(edits=[(CEASED, "next_status: ex-customer", "next_status: ex-custmer")])
    assert brief(findings) == [(CEASED, "unknown-reference", 12, 14, "error")]
    assert findings[0].message == (
        "next_status is 'ex-custmer', but there is no customer status with that code (did you mean 'ex-customer'?); "
        "write `next_status: ex-customer`"
    )
    assert (findings[0].kind, findings[0].code, findings[0].json_path) == ("statuses", "ceased", "$.next_status")


def test_an_unknown_code_far_from_every_code_gets_no_suggestion(check: Check) -> None:
    findings = check(edits=[(ACTIVE, "related_feature_status: active", "related_feature_status: zzzz")])
    assert brief(findings) == [(ACTIVE, "unknown-reference", 14, 25, "error")]
    assert "did you mean" not in findings[0].message
    assert "no feature status with that code" in findings[0].message


def test_a_service_status_in_related_number_status_is_the_wrong_kind(check: Check) -> None:
    """'pending' exists as a feature (and service) status, but not as a number status."""
    findings = check(edits=[(ACTIVE, "related_number_status: active", "related_number_status: pending")])
    assert brief(findings) == [(ACTIVE, "wrong-kind-reference", 12, 24, "error")]
    message = findings[0].message
    assert "related_number_status must name a number status, and there is no config/number-statuses/pending.yaml" in message
    # Feature statuses come first in the registry (the sync order), so the first holder named is one.
    assert "'pending' is a feature status" in message and "Name an entry of config/number-statuses/" in message


def test_a_customer_status_code_in_a_related_field_is_the_wrong_kind(check: Check) -> None:
    findings = check(edits=[(ACTIVE, "related_service_status: active", "related_service_status: debt-recovery")])
    assert brief(findings) == [(ACTIVE, "wrong-kind-reference", 13, 25, "error")]
    assert "'debt-recovery' is a customer status" in findings[0].message


def test_each_related_field_is_checked_against_its_own_kind(check: Check) -> None:
    findings = check(
        edits=[
            (ACTIVE, "related_number_status: active", "related_number_status: quarantined"),
            (ACTIVE, "related_service_status: active", "related_service_status: quarantined"),
            (ACTIVE, "related_feature_status: active", "related_feature_status: quarantined"),
        ]
    )
    assert [(f.rule, f.json_path) for f in findings] == [
        # A number status, rightly; but Quarantined is not billable while Active is (the chain's advice).
        ("related-status-not-billable", "$.related_number_status"),
        ("wrong-kind-reference", "$.related_service_status"),
        ("wrong-kind-reference", "$.related_feature_status"),
    ]


def test_a_null_reference_is_fine(check: Check) -> None:
    assert check(edits=[(CEASED, "next_status: ex-customer", "next_status: null")]) == []


def test_a_reference_that_is_not_a_code_names_the_entry_meant(check: Check) -> None:
    findings = check(edits=[(CEASED, "next_status: ex-customer", "next_status: Ex Customer")])
    assert [f.rule for f in findings] == ["reference-not-a-code"]
    assert findings[0].message.endswith("write `next_status: ex-customer`")


def test_next_status_naming_itself_is_an_error(check: Check) -> None:
    findings = check(edits=[(CEASED, "next_status: ex-customer", "next_status: ceased")])
    assert brief(findings) == [(CEASED, "next-status-self", 12, 14, "error")]
    assert findings[0].message == "next_status is this customer status itself; name another customer status or write `next_status: null`"


def test_a_loop_of_next_statuses_is_reported_once_at_its_first_member(check: Check) -> None:
    findings = check(edits=[("statuses/ex-customer.yaml", "next_status: null", "next_status: debt-recovery")])
    assert brief(findings) == [("statuses/ceased.yaml", "next-status-cycle", 12, 14, "error")]
    assert findings[0].message == (
        "following next_status from 'ceased' comes back to it (ceased → ex-customer → debt-recovery → ceased); "
        "end the chain with a customer status that has no next_status"
    )


def test_a_chain_leading_into_a_loop_reports_only_the_loop(check: Check) -> None:
    findings = check(
        edits=[
            ("statuses/ex-customer.yaml", "next_status: null", "next_status: ceased"),
            ("statuses/prospect.yaml", "next_status: null", "next_status: debt-recovery"),
        ]
    )
    assert [(f.rule, f.code) for f in findings] == [("next-status-cycle", "ceased")]
    assert "(ceased → ex-customer → ceased)" in findings[0].message


def test_two_separate_loops_are_two_findings(check: Check) -> None:
    findings = check(
        edits=[
            ("statuses/ex-customer.yaml", "next_status: null", "next_status: ceased"),
            ("statuses/active.yaml", "next_status: null", "next_status: suspended"),
            ("statuses/suspended.yaml", "next_status: null", "next_status: active"),
        ]
    )
    assert [(f.rule, f.code) for f in findings] == [("next-status-cycle", "active"), ("next-status-cycle", "ceased")]


def test_a_chain_ending_in_a_dangling_reference_is_no_loop(check: Check) -> None:
    findings = check(edits=[("statuses/ex-customer.yaml", "next_status: null", "next_status: gone")])
    assert [f.rule for f in findings] == ["unknown-reference"]


def test_the_severities_come_from_the_catalogue() -> None:
    for rule in ("unknown-reference", "wrong-kind-reference", "next-status-self", "next-status-cycle"):
        assert CATALOGUE[rule].severity is Severity.ERROR


def test_a_reference_to_a_file_that_failed_to_load_is_not_reported_again(check: Check) -> None:
    """active.yaml is broken; 'next_status: active' elsewhere must not become 'a number status'."""
    findings = check(files={ACTIVE: "name: [unclosed\n"})
    assert [(f.path.rsplit("/", 2)[-2:], f.rule) for f in findings] == [(["statuses", "active.yaml"], "yaml-syntax")]


def test_a_removed_file_is_still_an_unknown_reference(check: Check, config_tree: Path) -> None:
    (config_tree / "statuses" / "active.yaml").unlink()
    findings = check()
    assert [(f.code, f.rule) for f in findings] == [("pending-connection", "wrong-kind-reference")]


def test_no_advice_names_the_entry_itself(check: Check) -> None:
    """Its own name, or a typo of its own code, in a status's next_status: writing the code
    would only trade this error for next-status-self, so no line is offered."""
    findings = check(edits=[(CEASED, "next_status: ex-customer", "next_status: Ceased")])
    assert [f.message for f in findings] == [
        "next_status is 'Ceased', the customer status's name; a reference holds its code, the file name; but 'ceased' "
        "is this entry itself: name another customer status by its code, or write `next_status: null`"
    ]
    findings = check(edits=[(CEASED, "next_status: Ceased", "next_status: ceasedd")])
    assert [f.rule for f in findings] == ["unknown-reference"]
    assert "ceased'" not in findings[0].message and "write `next_status: ceased`" not in findings[0].message


def test_no_advice_closes_a_loop(check: Check) -> None:
    """debt-recovery leads to ceased and then ex-customer: offering it as ex-customer's next
    status would make a loop (next-status-cycle)."""
    findings = check(edits=[("statuses/ex-customer.yaml", "next_status: null", "next_status: Debt Recovery")])
    assert [f.message for f in findings] == [
        "next_status is 'Debt Recovery', the customer status's name; a reference holds its code, the file name; but "
        "'debt-recovery' would lead back here through its own next_status: name another customer status by its code, "
        "or write `next_status: null`"
    ]
