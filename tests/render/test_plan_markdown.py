"""The plan renderers on plans built by hand: limits hold whatever the plan holds."""

from __future__ import annotations

import json
from decimal import Decimal

from billing_config.plan.model import DELETE, UPDATE, Blocker, Change, FieldChange, Plan, Thresholds, Use
from billing_config.render.plan_json import render_plan_json
from billing_config.render.plan_markdown import GITHUB_COMMENT_LIMIT, render_plan_markdown
from billing_config.render.plan_text import render_plan_text


def customers(count: int) -> tuple[Use, ...]:
    return (Use("customers", "customer", count),)


def big_plan(entries: int) -> Plan:
    changes = [
        Change("groups", f"group-{n:05d}", DELETE, f"Group | {n} `x` <b>", {"name": f"Group {n}"}, None, [], customers(3))
        for n in range(entries)
    ]
    changes.append(
        Change("statuses", "suspended", UPDATE, "Suspended", {"is_billable": True}, {"is_billable": False},
               [FieldChange("is_billable", True, False)], customers(312))
    )
    blockers = [
        Blocker("in-use", "groups", c.code, f"customer group '{c.code}' is used by 3 customers and cannot be deleted", "keep it")
        for c in changes if c.action == DELETE
    ]
    return Plan(
        changes=changes, unmanaged=[], blockers=blockers, fingerprint="sha256:" + "0" * 64,
        live_counts={"statuses": 7, "groups": entries, "departments": 5}, prune=True, thresholds=Thresholds(),
        database="postgresql+psycopg://app:***@db/billing", created_at="2026-01-01T00:00:00+00:00", tool_version="0.1.0",
    )


def test_markdown_never_exceeds_a_comment_even_with_huge_sections_and_many_blockers() -> None:
    plan = big_plan(5000)
    text = render_plan_markdown(plan, extra_sections=["```mermaid\n" + "a --> b\n" * 20_000 + "```"])
    assert len(text) < GITHUB_COMMENT_LIMIT
    assert "```mermaid" not in text  # too big: left out whole, not cut in the middle
    assert "… and 4980 more" in text
    assert "Cut short to fit a pull-request comment (1 section(s) too large to include): 5001 change(s) in all" in text
    assert text.count("**group-") > 100  # the rest of the budget still goes to the changes
    assert text.count("<details>") == text.count("</details>")
    assert '"Group \\| 1 \\`x\\` \\<b\\>"' in text  # table-, code- and HTML-safe


def test_markdown_keeps_small_extra_sections() -> None:
    plan = big_plan(2)
    text = render_plan_markdown(plan, extra_sections=["**Status lifecycle**\n\n```mermaid\nflowchart LR\n```\n"])
    assert "```mermaid\nflowchart LR\n```" in text
    assert text.index("| kind |") < text.index("**Status lifecycle**") < text.index("<details>")
    assert "Cut short" not in text


def test_text_shows_the_impact_sentence_and_json_round_trips() -> None:
    plan = big_plan(1)
    text = render_plan_text(plan)
    assert "      is_billable: true → false\n      impact: affects 312 customers\n" in text
    assert "Apply will refuse this plan:" in text
    document = json.loads(render_plan_json(plan))
    assert Plan.from_dict(document).to_dict() == document


def _update(fields: list[FieldChange], impact: int = 13) -> Change:
    return Change("statuses", "suspended", UPDATE, "Suspended", {}, {}, fields, customers(impact))


def test_the_summary_sentence_says_what_happens_to_whom() -> None:
    assert _update([FieldChange("is_billable", True, False)]).summary_sentence() == "Suspended stops billing for 13 customers."
    assert _update(
        [FieldChange("is_billable", False, True), FieldChange("can_have_calls", False, True), FieldChange("display_position", 41, 40)]
    ).summary_sentence() == "Suspended starts billing and allows call charges for 13 customers (and changes display_position)."
    assert _update(
        [FieldChange("display_position", 41, 40), FieldChange("override_invoice_message", "Call", "Your services")]
    ).summary_sentence() == "Suspended changes for 13 customers (display_position, override_invoice_message)."
    assert _update([FieldChange("is_billable", True, False)], impact=0).summary_sentence() is None
    assert _update([FieldChange("is_billable", True, False)]).impact_sentence() == "affects 13 customers"


def test_the_markdown_comment_leads_with_the_summary() -> None:
    plan = big_plan(1)
    plan.blockers = []
    text = render_plan_markdown(plan)
    assert text.startswith(
        "### billing-config plan\n\nSuspended stops billing for 312 customers. Deleting Group \\| 0 \\`x\\` \\<b\\> affects 3 customers.\n\n"
    )
    assert "  - impact: affects 312 customers\n" in text


def test_a_warning_about_a_hostile_name_reaches_the_terminal_escaped() -> None:
    """Regression: the shipped-entry warnings were the one plan text line not escaped, so a
    class renamed on live to hold ANSI codes could rewrite the lines above the apply prompt."""
    from billing_config.plan.model import PlanWarning

    plan = big_plan(0)
    plan.warnings = [PlanWarning("shipped-entry-changed", "classes", "charity", "Charity\x1b[2K\x1b[1A changes", "why\r")]
    text = render_plan_text(plan)
    assert "\x1b" not in text and "\r" not in text
    assert "  ! shipped-entry-changed: Charity\\x1b[2K\\x1b[1A changes\n" in text



def test_each_refusal_names_its_rule_for_explain() -> None:
    text = render_plan_markdown(big_plan(1))
    assert "- :no_entry: `in-use`: customer group 'group-00000' is used by 3 customers and cannot be deleted. keep it.\n" in text


def test_a_created_entry_shows_its_fields_escaped_as_an_update_does() -> None:
    from billing_config.kinds import get_kind
    from billing_config.plan.model import CREATE

    after = {**get_kind("statuses").defaults, "name": "Payment <b>Plan</b> @team", "next_status": "active", "is_billable": True}
    plan = big_plan(0)
    plan.changes = [Change("statuses", "payment-plan", CREATE, after["name"], None, after)]
    text = render_plan_markdown(plan)
    block = text[text.index("- `+` **payment-plan**"):]
    assert block.startswith(
        '- `+` **payment-plan** ("Payment \\<b\\>Plan\\</b\\> @&#8203;team")\n'
        '  - `name`: `"Payment <b>Plan</b> @team"`\n'  # inside a code span: no HTML, no mention
        '  - `next_status`: `"active"`\n'
        "  - `is_billable`: `true`\n"  # in the kind's field order, like the file
        f"  - other {len(after) - 3} field(s) at their defaults\n"
    ), block
    # The terminal plan shows the same fields.
    terminal = render_plan_text(plan)
    assert '  + statuses/payment-plan ("Payment <b>Plan</b> @team")\n      name: "Payment <b>Plan</b> @team"\n' in terminal
    assert f"      (other {len(after) - 3} field(s) at their defaults)\n" in terminal


def _measured(fields: list[FieldChange], *uses: Use, kind: str = "statuses", action: str = UPDATE) -> Change:
    return Change(kind, "suspended", action, "Suspended", {}, None if action == DELETE else {}, fields, uses)


CHARGES = Use("services", "service", 20, Decimal("1234.50"), "GBP a month")


def test_counts_are_given_per_usage_table_with_a_singular_for_one() -> None:
    change = _measured(
        [FieldChange("name", "A", "B")], Use("third parties", "third party", 2), Use("sub-categories", "sub-category", 1),
        kind="departments",
    )
    assert change.impact_sentence() == "affects 2 third parties and 1 sub-category"
    assert change.summary_sentence() == "Suspended changes for 2 third parties and 1 sub-category (name)."
    # A zero count is left out, never summed into the other noun.
    nobody = _measured([FieldChange("name", "A", "B")], Use("third parties", "third party", 0), Use("sub-categories", "sub-category", 1))
    assert nobody.impact_sentence() == "affects 1 sub-category"
    unused = _measured([FieldChange("name", "A", "B")], Use("third parties", "third party", 0), Use("sub-categories", "sub-category", 0))
    assert unused.impact_sentence() == "affects no third parties or sub-categories"
    assert unused.summary_sentence() is None


def test_a_change_that_decides_invoicing_states_the_money_it_moves() -> None:
    billing = _measured([FieldChange("is_billable", True, False)], Use("customers", "customer", 13), CHARGES)
    assert billing.impact_sentence() == "affects 13 customers and 20 services, £1,234.50 a month"
    assert billing.summary_sentence() == (
        "Suspended stops billing for 13 customers and 20 services: £1,234.50 a month of recurring charges."
    )
    assert billing.moved() == {"GBP a month": Decimal("1234.50")}
    # A change that invoices nothing differently states no money (the JSON plan still carries it).
    cosmetic = _measured([FieldChange("display_position", 1, 2)], Use("customers", "customer", 13), CHARGES)
    assert cosmetic.impact_sentence() == "affects 13 customers and 20 services"
    assert cosmetic.moved() == {}
    final = _measured([FieldChange("final_invoice", False, True), FieldChange("name", "A", "B")], CHARGES)
    assert final.summary_sentence() == (
        "Suspended raises final bills for 20 services (and changes name): £1,234.50 a month of recurring charges."
    )
    gone = _measured([], Use("services", "service", 1, Decimal("9.50"), "EUR a month"), action=DELETE)
    assert gone.summary_sentence() == "Deleting Suspended affects 1 service: €9.50 a month of recurring charges."
    other = _measured([FieldChange("is_billable", True, False)], Use("services", "service", 3, Decimal("1234567.5"), "CHF a month"))
    assert other.impact_sentence() == "affects 3 services, 1,234,567.50 CHF a month"
    # Two measured tables: each count carries its own amount; nothing is added across them.
    both = _measured(
        [FieldChange("is_billable", True, False)], CHARGES, Use("numbers", "number", 1, Decimal("2.00"), "GBP a month"),
    )
    assert both.impact_sentence() == "affects 20 services (£1,234.50 a month) and 1 number (£2.00 a month)"


def test_amounts_are_exact_json_numbers_that_read_back_as_decimals() -> None:
    plan = big_plan(0)
    plan.changes = [_measured([FieldChange("is_billable", True, False)], Use("customers", "customer", 13), CHARGES)]
    plan.thresholds = Thresholds(max_monthly_change=Decimal("1000.10"))
    text = render_plan_json(plan)
    assert '"amount": 1234.50,' in text and '"max_monthly_change": 1000.10\n' in text
    document = json.loads(text, parse_float=Decimal)
    again = Plan.from_dict(document)
    assert again.changes[0].impact == plan.changes[0].impact
    assert again.thresholds.max_monthly_change == Decimal("1000.10")
    assert render_plan_json(again) == text


def test_text_that_looks_like_an_amount_marker_stays_text() -> None:
    from billing_config.render.plan_json import exact_json

    assert json.loads(exact_json({"name": "decimal-00:1.50", "amount": Decimal("1.50")}))["name"] == "decimal-00:1.50"
