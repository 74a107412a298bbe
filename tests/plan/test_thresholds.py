"""--max-monthly-change: a plan that moves more money than the limit is refused, on plan and
apply, until a reviewed [[allow]] table lifts it for exactly those changes."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from billing_config.plan.model import UPDATE, Change, FieldChange, Thresholds, Use
from billing_config.plan.thresholds import check_money
from tests.plan.test_diff import check_plan_format
from tests.testing.databases import scalar
from tests.testing.fixtures import Run
from tests.testing.files import edit

OF_STATUS = (
    "FROM services v JOIN customers c ON c.id = v.customer_id JOIN customer_statuses s ON s.id = c.customer_status_id "
    "WHERE s.code = :code"
)


def charges_of(engine: sa.Engine, code: str) -> Decimal:
    return Decimal(str(scalar(engine, f"SELECT sum(v.monthly_charge) {OF_STATUS}", {"code": code}))).quantize(Decimal("0.01"))


def test_a_plan_moving_more_than_the_limit_is_refused_until_allowed(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(live)
    common = ["--database", live, "--config-dir", str(config_tree)]
    moved = charges_of(engine, "suspended") + charges_of(engine, "debt-recovery")
    below = str((moved - Decimal("0.01")).quantize(Decimal("0.01")))
    # Two statuses stop billing: their amounts add up within the kind.
    edit(config_tree / "statuses" / "suspended.yaml", "is_billable: true", "is_billable: false")
    edit(config_tree / "statuses" / "debt-recovery.yaml", "final_invoice: false", "final_invoice: true")

    assert cli("plan", "--detailed-exitcode", *common).code == 2  # off by default
    assert cli("plan", "--detailed-exitcode", "--max-monthly-change", str(moved), *common).code == 2  # at the limit
    refused = cli("plan", "--detailed-exitcode", "--format", "json", "--max-monthly-change", below, *common)
    assert refused.code == 3, refused.text
    document = json.loads(refused.out, parse_float=Decimal)
    check_plan_format(json.loads(refused.out))
    assert document["thresholds"]["max_monthly_change"] == Decimal(below)
    [blocker] = document["blockers"]
    assert blocker["rule"] == "max-monthly-change" and blocker["kind"] == "statuses"
    assert f"2 change(s) to statuses would move £{moved:,} a month" in blocker["message"]
    assert f"limit = {int(moved.to_integral_value(rounding='ROUND_CEILING'))}\n" in blocker["allow"]
    refused_apply = cli("apply", "--yes", "--max-monthly-change", below, *common)
    assert refused_apply.code == 1 and "--max-monthly-change" in refused_apply.err, refused_apply.text
    assert scalar(engine, "SELECT count(*) FROM config_audit_log") == 0

    # Reviewed in the pull request: the table lifts it for exactly these changes.
    (config_tree.parent / "billing-config.toml").write_text(blocker["allow"].replace("why this mass change is intended", "Legacy tariff"))
    applied = cli("apply", "--yes", "--max-monthly-change", below, *common)
    assert applied.code == 0, applied.text
    assert scalar(engine, "SELECT count(*) FROM config_audit_log WHERE action = 'allow' AND kind = 'statuses'") == 1

    # Another change moving money is refused again, the old table notwithstanding.
    edit(config_tree / "statuses" / "suspended.yaml", "is_billable: false", "is_billable: true")
    again = cli("plan", "--detailed-exitcode", "--max-monthly-change", "0", *common)
    assert again.code == 3 and "max-monthly-change" in again.out, again.text


def test_the_limit_is_checked_per_kind_and_unit_and_only_on_changes_that_move_money() -> None:
    def change(kind: str, field: str, *uses: Use) -> Change:
        return Change(kind, "x", UPDATE, "X", {}, {}, [FieldChange(field, True, False)], uses)

    gbp = Use("services", "service", 3, Decimal("600.00"), "GBP a month")
    eur = Use("services", "service", 3, Decimal("-600.00"), "EUR a month")  # a credit moves money too
    limit = Thresholds(max_monthly_change=Decimal("1000"))
    assert check_money([change("statuses", "is_billable", gbp), change("service-statuses", "is_billable", gbp)], limit) == []
    [blocker] = check_money([change("statuses", "is_billable", gbp), change("statuses", "can_have_fixed_charges", gbp, eur)], limit)
    assert blocker.kind == "statuses" and "£1,200.00 a month" in blocker.message
    assert check_money([change("statuses", "display_class", gbp, gbp)], limit) == []  # invoices nothing differently
    assert check_money([change("statuses", "is_billable", gbp, gbp)], Thresholds()) == []  # off


def test_a_bad_amount_is_a_clear_error(sqlite_url: str, config_tree: Path, cli: Callable[..., Run]) -> None:
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(config_tree)).code == 0
    for amount in ("-5", "12.345", "lots", "nan"):
        result = cli("plan", "--database", sqlite_url, "--config-dir", str(config_tree), "--max-monthly-change", amount)
        assert result.code == 1 and "--max-monthly-change takes an amount" in result.err, (amount, result.text)
