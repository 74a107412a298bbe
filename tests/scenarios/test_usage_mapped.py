"""What uses an entry on a vendor's schema (issues 15 and 19), on SQLite, PostgreSQL and MariaDB:
a usage column holding the kind's code (via), one holding the key of a row in between
(through, by key and by via), where filters, and measures. Every count and amount the plan
states is compared with SQL over the same rows."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from tests.plan.test_diff import check_plan_format
from tests.scenarios.vendor_schemas import seed_vendor_d, vendor_d_mapping, write_mapping
from tests.testing.databases import execute, scalar
from tests.testing.fixtures import Run
from tests.testing.files import edit

CENTS = Decimal("0.01")


def expected(engine: sa.Engine, code: str) -> list[tuple[str, str, int, Decimal | None]]:
    """(noun, singular, count, amount) per usage table of vendor C's mapping, by plain SQL."""
    key = scalar(engine, "SELECT id FROM svc_status WHERE code = :code", {"code": code})
    with engine.connect() as connection:
        def row(sql: str, **params: Any) -> tuple[int, Decimal | None]:
            count, total = connection.execute(sa.text(sql), params).one()
            return int(count), None if total is None else Decimal(str(total)).quantize(CENTS)

        subscriptions = row("SELECT count(*), sum(price) FROM subscription WHERE status_code = :code AND active = 1", code=code)
        lines = row(
            "SELECT count(*), sum(c.amount) FROM charge_line c JOIN subscription s ON s.id = c.subscription_id "
            "WHERE s.status_code = :code AND c.charge_type = 'recurring'", code=code,
        )
        tickets = row(
            "SELECT count(*), NULL FROM ticket t JOIN component c ON c.id = t.component_id "
            "WHERE c.svc_status_id = :key AND t.is_open = 1", key=key,
        )
        ports = row("SELECT count(*), NULL FROM port_request WHERE svc_status_id = :key", key=key)
    zero = Decimal("0.00")
    return [
        ("subscriptions", "subscription", subscriptions[0], subscriptions[1] or zero),
        ("charge lines", "charge line", lines[0], lines[1] or zero),
        ("open tickets", "open ticket", tickets[0], None),
        ("port requests", "port request", ports[0], None),
    ]


@contextmanager
def grouped_statements() -> Iterator[list[str]]:
    """The grouped statements sent while the block runs (the usage reads)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The usage reads: grouped counts (the catalogue's own grouped queries aside).
        if "GROUP BY" in statement.upper() and "count(*)" in statement.lower():
            seen.append(statement)

    event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(sa.engine.Engine, "before_cursor_execute", record)


def test_via_through_where_and_measures_count_and_sum_what_sql_does(
    db_url: str, tmp_path: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(db_url)
    seed_vendor_d(engine)
    mapping = write_mapping(tmp_path, vendor_d_mapping())
    config = tmp_path / "config"
    target = ["--database", db_url, "--mapping", str(mapping), "--config-dir", str(config)]
    doctor = cli("doctor", *target)
    assert doctor.code == 0, doctor.text
    assert cli("adopt", "--yes", *target).code == 0
    assert cli("plan", "--detailed-exitcode", *target).code == 0

    # Billing off on Active: every usage table counted with its own noun, both measures summed.
    edit(config / "service-statuses" / "active.yaml", "is_billable: true", "is_billable: false")
    with grouped_statements() as statements:
        result = cli("plan", "--format", "json", *target)
    assert result.code == 0, result.text
    assert len(statements) == 4  # one grouped statement per usage table, joins included
    check_plan_format(json.loads(result.out))
    [change] = json.loads(result.out, parse_float=Decimal)["changes"]
    want = expected(engine, "active")
    assert all(count > 0 for _noun, _one, count, _amount in want)
    assert change["impact"]["moves_charges"] is True
    assert [(u["noun"], u["singular"], u["count"], u.get("amount")) for u in change["impact"]["uses"]] == want
    assert all(u["unit"] == "EUR a month" for u in change["impact"]["uses"][:2])
    parts = [
        f"{count} {noun if count != 1 else one}" + (f" (€{amount:,.2f} a month)" if amount is not None else "")
        for noun, one, count, amount in want
    ]
    text = cli("plan", *target).out
    assert f"      impact: affects {', '.join(parts[:-1])} and {parts[-1]}\n" in text
    markdown = cli("plan", "--format", "markdown", *target).out
    assert f"Active stops billing for {', '.join(parts[:-1])} and {parts[-1]}." in markdown

    # Legacy is used only by one active subscription holding its code: its delete is refused
    # (before via, that usage counted 0 and the status was deleted). Spare's only rows fail
    # every where, so it goes.
    edit(config / "service-statuses" / "active.yaml", "is_billable: false", "is_billable: true")
    (config / "service-statuses" / "legacy.yaml").unlink()
    (config / "service-statuses" / "spare.yaml").unlink()
    assert expected(engine, "legacy")[0][2:] == (1, Decimal("12.34"))
    assert [u[2] for u in expected(engine, "spare")] == [0, 0, 0, 0]
    planned = json.loads(cli("plan", "--prune", "--format", "json", *target).out)
    assert [(c["code"], c["action"]) for c in planned["changes"]] == [("legacy", "delete"), ("spare", "delete")]
    assert [b["code"] for b in planned["blockers"]] == ["legacy"]
    assert "service status 'legacy' (Legacy) is used by 1 subscription and cannot be deleted" in planned["blockers"][0]["message"]
    assert "move those subscriptions to another service status first" in planned["blockers"][0]["hint"]
    assert "impact: affects 1 subscription, €12.34 a month" in cli("plan", "--prune", *target).out
    refused = cli("apply", "--prune", "--yes", *target)
    assert refused.code == 1 and "is used by 1 subscription" in refused.err, refused.text
    assert scalar(engine, "SELECT count(*) FROM svc_status") == 4

    execute(engine, "UPDATE subscription SET active = 0 WHERE status_code = 'legacy'")
    applied = cli("apply", "--prune", "--yes", *target)
    assert applied.code == 0, applied.text
    assert sorted(row[0] for row in engine.connect().execute(sa.text("SELECT code FROM svc_status"))) == ["active", "suspended"]


def test_doctor_checks_the_columns_via_through_and_sum_name(
    sqlite_url: str, tmp_path: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    seed_vendor_d(engine_for(sqlite_url))
    broken = (
        vendor_d_mapping()
        .replace('via = "code"\nwhere = { active = 1 }', 'via = "cd"\nwhere = { active = 1 }')
        .replace('column = "status_code" }', 'column = "status_cd" }')
        .replace('sum = "amount"', 'sum = "charge_type"')
        .replace('table = "component"', 'table = "components"')
    )
    mapping = write_mapping(tmp_path, broken)
    result = cli("doctor", "--database", sqlite_url, "--mapping", str(mapping), "--config-dir", str(tmp_path / "config"))
    assert result.code == 1
    for message in (
        "usage[0].via: column svc_status.cd does not exist",
        "usage[1].through.column: column subscription.status_cd does not exist",
        "usage[1].sum: the sum column charge_line.charge_type is VARCHAR(16), not a number",
        "usage[2].through.table: table components does not exist",
    ):
        assert message in result.out + result.err, result.text
