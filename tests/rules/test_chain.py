"""The lifecycle chain: where its rules deliberately stay silent, and what they read.

Each rule firing is pinned by its corpus case (tests/corpus/cases/); these tests pin the
exemptions that keep the sample and real configs free of false alarms.
"""

from __future__ import annotations

from tests.rules.conftest import Check, brief

ACTIVE = "statuses/active.yaml"
CEASED = "statuses/ceased.yaml"
EX = "statuses/ex-customer.yaml"


def test_a_final_bill_status_may_send_lines_to_statuses_that_stop_billing(check: Check) -> None:
    """Ceased is billable (for the final bill) and sends numbers to Quarantined, never billed."""
    assert check() == []  # Quarantined is not billable
    findings = check(edits=[(CEASED, "final_invoice: true", "final_invoice: false")])
    assert ("related-status-not-billable", 13) in {(f.rule, f.line) for f in findings}


def test_moving_on_to_a_historical_next_status_is_how_a_lifecycle_ends(check: Check) -> None:
    """Ex-Customer is Historical and Ceased moves on to it: no related-status-historical."""
    assert check() == []


def test_a_historical_status_may_relate_historical_statuses(check: Check) -> None:
    findings = check(edits=[("number-statuses/ceased.yaml", "availability: Standard", "availability: Historical")])
    # Ex-Customer (Historical itself) sends numbers there: nothing to say.
    assert findings == []
    findings = check(edits=[(EX, "availability: Historical", "availability: Standard")])
    assert brief(findings) == [(EX, "related-status-historical", 13, 24, "warning")]


def test_a_status_both_active_and_suspended_gets_one_warning_not_a_pile(check: Check) -> None:
    findings = check(edits=[(ACTIVE, "is_suspended: false", "is_suspended: true")])
    assert [f.rule for f in findings] == ["active-and-suspended"]


def test_calls_are_only_missed_where_the_numbers_have_been_in_service(check: Check) -> None:
    """Ex-Customer bills nothing; a billable status with Reserved numbers has no calls to lose."""
    findings = check(
        edits=[
            ("statuses/pending-connection.yaml", "is_billable: false", "is_billable: true"),
            ("number-statuses/reserved.yaml", "is_billable: false", "is_billable: true"),
            ("service-statuses/pending.yaml", "is_billable: false", "is_billable: true"),
        ]
    )
    assert "billable-status-drops-calls" not in {f.rule for f in findings}


def test_stray_status_flags_in_a_class_get_the_schema_error_not_chain_advice(check: Check) -> None:
    findings = check(files={"classes/odd.yaml": "name: Odd\ndisplay_position: 99\ncrm_only: true\nis_billable: true\n"})
    assert [(f.rule, f.line) for f in findings] == [("schema-unknown-field", 3), ("schema-unknown-field", 4)]
    # Three or more a customer status has: the file is in the wrong folder, said once.
    findings = check(files={"classes/odd.yaml": "name: Odd\ndisplay_position: 99\ncrm_only: true\nis_billable: true\nfinal_invoice: true\n"})
    assert [(f.rule, f.line) for f in findings] == [("wrong-folder", 1)]


def test_an_omitted_flag_is_read_at_its_default(check: Check) -> None:
    """A final-bill status that leaves out is_billable (default false) is never billed."""
    findings = check(files={"statuses/closing.yaml": "name: Closing\nhas_frontend_login_access: true\nfinal_invoice: true\n"})
    assert brief(findings) == [("statuses/closing.yaml", "final-invoice-not-billable", 3, 16, "error")]
