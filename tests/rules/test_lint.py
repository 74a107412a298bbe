"""Warnings: allowed settings an administrator almost certainly did not mean."""

from __future__ import annotations

from pathlib import Path

from billing_config.render.rule_catalogue import full_catalogue

CATALOGUE = full_catalogue()
from billing_config.cli import main
from billing_config.findings import Severity
from tests.rules.conftest import Check, brief, edit

ACTIVE = "statuses/active.yaml"


def test_active_and_suspended_at_once_is_a_warning(check: Check) -> None:
    findings = check(edits=[(ACTIVE, "is_suspended: false", "is_suspended: true")])
    assert brief(findings) == [(ACTIVE, "active-and-suspended", 8, 15, "warning")]
    assert "both active and suspended" in findings[0].message


def test_crm_only_with_portal_login_is_a_warning(check: Check) -> None:
    findings = check(edits=[(ACTIVE, "crm_only: false", "crm_only: true"), (ACTIVE, "is_billable: true", "is_billable: false")])
    assert brief(findings) == [(ACTIVE, "crm-only-with-login", 10, 28, "warning")]
    assert "set this to false" in findings[0].message


def test_status_fields_stray_in_another_kind_get_the_schema_error_not_advice(check: Check) -> None:
    findings = check(files={"groups/vip-client.yaml": "name: VIP Client\nis_active: true\nis_suspended: true\n"})
    assert [(f.rule, f.line) for f in findings] == [("schema-unknown-field", 2), ("schema-unknown-field", 3)]


def test_final_bill_options_without_a_final_invoice_are_a_warning_each(check: Check) -> None:
    findings = check(
        edits=[
            (ACTIVE, "ignore_cutoff_date: false", "ignore_cutoff_date: true"),
            (ACTIVE, "ignore_billable_status_calls: false", "ignore_billable_status_calls: true"),
        ]
    )
    assert brief(findings) == [
        (ACTIVE, "final-bill-options-unused", 24, 21, "warning"),
        (ACTIVE, "final-bill-options-unused", 27, 31, "warning"),
    ]
    assert findings[0].message == (
        "ignore_cutoff_date only applies to final bills, but final_invoice is not true; "
        "set final_invoice: true or remove ignore_cutoff_date"
    )


def test_final_bill_options_with_final_invoice_omitted_count_as_unused(check: Check) -> None:
    findings = check(files={"statuses/odd.yaml": "name: Odd\nignore_cutoff_date: true\n"})
    assert [f.rule for f in findings] == ["final-bill-options-unused"]


def test_final_bill_options_with_a_final_invoice_are_fine(check: Check) -> None:
    closing = "name: Closing\nhas_frontend_login_access: true\nis_billable: true\nfinal_invoice: true\nignore_cutoff_date: true\n"
    assert check(files={"statuses/closing.yaml": closing}) == []


def test_two_entries_at_one_display_position_are_a_warning(check: Check) -> None:
    findings = check(edits=[("groups/residential.yaml", "display_position: 40", "display_position: 20")])
    # Outside git neither can be blamed alone: each names the other.
    assert brief(findings) == [
        ("groups/london-region.yaml", "duplicate-display-position", 4, 19, "warning"),
        ("groups/residential.yaml", "duplicate-display-position", 4, 19, "warning"),
    ]
    assert "display_position 20 is also used by" in findings[1].message
    assert "london-region.yaml; give each customer group its own position" in findings[1].message


def test_display_positions_are_compared_within_a_kind_only(check: Check) -> None:
    """Group 10 and status 10 sort in different lists."""
    assert check(files={"groups/extra.yaml": "name: Extra\ndisplay_position: 25\n"}) == []


def test_omitted_display_positions_do_not_clash(check: Check) -> None:
    assert check(files={"groups/a.yaml": "name: A\n", "groups/b.yaml": "name: B\n"}) == []


def test_warnings_pass_unless_strict(config_tree: Path) -> None:
    edit(config_tree / ACTIVE, "is_suspended: false", "is_suspended: true")
    assert main(["validate", "--config-dir", str(config_tree)]) == 0
    assert main(["validate", "--config-dir", str(config_tree), "--strict"]) == 1


def test_the_lint_rules_are_warnings_in_the_catalogue() -> None:
    lint = [rule for rule in CATALOGUE.values() if rule.stage == "lint"]
    assert {rule.id for rule in lint} == {
        "active-and-suspended", "crm-only-with-login", "final-bill-options-unused", "duplicate-display-position",
        "mixed-script-name",
    }
    assert all(rule.severity is Severity.WARNING for rule in lint)
    # The chain's rules are errors only where the platform could not carry the setting out.
    chain_errors = {rule.id for rule in CATALOGUE.values() if rule.stage == "chain" and rule.severity is Severity.ERROR}
    assert chain_errors == {"crm-only-billable", "final-invoice-not-billable"}
    warnings_elsewhere = (
        "doctor-trigger", "doctor-unique-soft-delete", "doctor-write-privilege", "text-cut-by-comment", "shipped-entry-changed",
        "live-value-invalid",
    )
    # doctor's notes state facts about a target (its limits, its constraints): never a failure
    notes = {"doctor-target-limit", "doctor-engine-unmanaged", "doctor-unique-constraints", "doctor-char-padding"}
    assert {rule.id for rule in CATALOGUE.values() if rule.severity is Severity.NOTE} == notes
    others = [rule for rule in CATALOGUE.values() if rule.stage not in {"lint", "chain"} and rule.id not in (*warnings_elsewhere, *notes)]
    assert all(rule.severity is Severity.ERROR for rule in others)
    assert all(CATALOGUE[rule].severity is Severity.WARNING for rule in warnings_elsewhere)  # a trigger may be fine; look at it
