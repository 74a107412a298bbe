"""db init on every backend: the contract's tables, reference lists, sample data, idempotence."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import CONFIG
from tests.testing.fixtures import Run
from tests.testing.databases import execute, scalar, snapshot
from tests.testing.files import edit

CONTRACT_TABLES = {
    "customer_statuses", "customer_groups", "departments", "number_statuses", "service_statuses",
    "feature_statuses", "customer_classes", "customers", "customer_group_members", "tickets",
    "numbers", "services", "features", "config_audit_log",
}


def test_db_init_creates_the_schema_and_a_second_run_changes_nothing(
    db_url: str, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    first = cli("db", "init", "--database", db_url, "--config-dir", str(CONFIG), "--sample-data")
    assert first.code == 0, first.text
    assert "Added sample data: 300 customers" in first.out
    engine = engine_for(db_url)
    tables = set(sa.inspect(engine).get_table_names())
    assert CONTRACT_TABLES <= tables
    columns = {c["name"] for c in sa.inspect(engine).get_columns("customer_statuses")}
    assert {"id", "code", "name", "next_status_id", "related_number_status_id", "is_billable", "created", "last_modified"} <= columns
    assert scalar(engine, "SELECT count(*) FROM number_statuses") == len(list((CONFIG / "number-statuses").glob("*.yaml")))
    assert scalar(engine, "SELECT count(DISTINCT customer_status_id) FROM customers") > 3
    assert scalar(engine, "SELECT count(*) FROM tickets") > 100
    if engine.dialect.name in ("mysql", "mariadb"):
        # Case- and accent-sensitive, so 'Café' and 'CAFE' stay two different texts.
        collations = set(
            engine.connect().execute(
                sa.text(
                    "SELECT DISTINCT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                    "AND COLUMN_NAME IN ('code', 'name')"
                )
            ).scalars()
        )
        assert collations == {"utf8mb4_nopad_bin"}  # binary and NO PAD: "billing " is not "billing"
    before = snapshot(engine)

    second = cli("db", "init", "--database", db_url, "--config-dir", str(CONFIG), "--sample-data")
    assert second.code == 0, second.text
    assert "All tables already exist" in second.out
    assert "Sample data skipped" in second.err
    assert snapshot(engine) == before


def test_foreign_keys_are_enforced_on_sqlite(sqlite_url: str, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]) -> None:
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(CONFIG)).code == 0
    engine = engine_for(sqlite_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO customers (name, customer_status_id) VALUES ('x', 999)"))
    except sa.exc.IntegrityError as error:
        assert "FOREIGN KEY" in str(error)
    else:
        raise AssertionError("SQLite accepted a customer with a status that does not exist")


def test_db_init_into_a_missing_folder_is_a_clear_error(tmp_path: Path, cli: Callable[..., Run]) -> None:
    result = cli("db", "init", "--database", f"sqlite:///{tmp_path}/nope/billing.db", "--config-dir", str(CONFIG))
    assert result.code == 1
    assert "folder" in result.err and "does not exist" in result.err
    assert "Traceback" not in result.err


def test_seeded_statuses_keep_their_next_status_chain(db_url: str, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]) -> None:
    assert cli("db", "init", "--database", db_url, "--config-dir", str(CONFIG), "--sample-data").code == 0
    engine = engine_for(db_url)
    chain = scalar(
        engine,
        "SELECT n.code FROM customer_statuses s JOIN customer_statuses n ON n.id = s.next_status_id WHERE s.code = 'ceased'",
    )
    assert chain == "ex-customer"
    assert scalar(engine, "SELECT count(*) FROM customer_statuses WHERE code = 'active' AND next_status_id IS NULL") == 1


def test_seeding_against_a_platform_list_that_lacks_an_entry_is_refused_whole(
    sqlite_url: str, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(CONFIG)).code == 0
    engine = engine_for(sqlite_url)
    execute(engine, "DELETE FROM number_statuses WHERE code = 'quarantined'")
    before = snapshot(engine)
    result = cli("db", "init", "--database", sqlite_url, "--config-dir", str(CONFIG), "--sample-data")
    assert result.code == 1
    assert "cannot seed customer_statuses from config/statuses/: related_number_status names 'quarantined'" in result.err
    assert "Traceback" not in result.err
    assert snapshot(engine) == before


def test_sample_lines_take_the_statuses_their_customers_status_relates(
    db_url: str, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    """Numbers, services and features are filled so every status list has real impact counts,
    each in the status the platform would give it: its customer's status's related status."""
    result = cli("db", "init", "--database", db_url, "--config-dir", str(CONFIG), "--sample-data")
    assert result.code == 0, result.text
    engine = engine_for(db_url)
    assert scalar(engine, "SELECT count(*) FROM customer_classes") == len(list((CONFIG / "classes").glob("*.yaml")))
    assert scalar(engine, "SELECT count(*) FROM customers WHERE customer_class_id IS NULL") == 0
    assert scalar(engine, "SELECT count(DISTINCT customer_class_id) FROM customers") > 4
    for table, column, related in (
        ("numbers", "number_status_id", "related_number_status_id"),
        ("services", "service_status_id", "related_service_status_id"),
    ):
        assert scalar(engine, f"SELECT count(*) FROM {table}") > 100, table
        assert scalar(engine, f"SELECT count(DISTINCT {column}) FROM {table}") >= 3, table
        mismatched = scalar(
            engine,
            f"SELECT count(*) FROM {table} t JOIN customers c ON c.id = t.customer_id "
            f"JOIN customer_statuses s ON s.id = c.customer_status_id WHERE s.{related} <> t.{column}",
        )
        assert mismatched == 0, table
    assert scalar(engine, "SELECT count(*) FROM features") > 50
    assert scalar(engine, "SELECT count(*) FROM numbers WHERE number LIKE '020 7946 0%' OR number LIKE '07700 900%'") == scalar(
        engine, "SELECT count(*) FROM numbers"
    )
    # Prospects relate no number status: a CRM record has no lines.
    assert scalar(
        engine,
        "SELECT count(*) FROM numbers n JOIN customers c ON c.id = n.customer_id "
        "JOIN customer_statuses s ON s.id = c.customer_status_id WHERE s.code = 'prospect'",
    ) == 0


def test_sample_services_carry_realistic_uk_monthly_prices(
    db_url: str, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    """services.monthly_charge is NUMERIC(10,2), NOT NULL, default 0, and the sample fills it
    with what a UK business telecoms provider charges, so plans on the sample state real money."""
    assert cli("db", "init", "--database", db_url, "--config-dir", str(CONFIG), "--sample-data").code == 0
    engine = engine_for(db_url)
    column = next(c for c in sa.inspect(engine).get_columns("services") if c["name"] == "monthly_charge")
    assert isinstance(column["type"], sa.Numeric) and (column["type"].precision, column["type"].scale) == (10, 2)
    assert column["nullable"] is False
    with engine.connect() as connection:
        prices = {str(name): Decimal(str(price)) for name, price in connection.execute(sa.text("SELECT DISTINCT name, monthly_charge FROM services"))}
    assert {"Business Line Rental", "Broadband FTTC 80/20", "SIP Trunk, 4 channels", "Call Bundle, 1,000 UK minutes"} <= set(prices)
    assert all(Decimal("3") <= price <= Decimal("60") and price == price.quantize(Decimal("0.01")) for price in prices.values())
    # A row the platform inserts without a price gets the column's default.
    execute(engine, "INSERT INTO services (name, service_status_id) SELECT 'Unpriced', id FROM service_statuses WHERE code = 'active'")
    assert Decimal(str(scalar(engine, "SELECT monthly_charge FROM services WHERE name = 'Unpriced'"))) == 0


def test_a_database_an_older_db_init_made_is_told_to_run_it_again(
    db_url: str, tmp_path: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    """Without services.monthly_charge the default mapping's measure can't be read: plan says
    to run db init, which adds the column (existing rows take 0) and changes nothing else."""
    config = ["--database", db_url, "--config-dir", str(CONFIG)]
    assert cli("db", "init", *config, "--sample-data").code == 0
    engine = engine_for(db_url)
    execute(engine, "ALTER TABLE services DROP COLUMN monthly_charge")
    statuses = "SELECT count(*) FROM customer_statuses WHERE is_billable = :yes"
    billable = scalar(engine, statuses, {"yes": True})
    edit_config = tmp_path / "config"
    shutil.copytree(CONFIG, edit_config)
    edit(edit_config / "statuses" / "suspended.yaml", "is_billable: true", "is_billable: false")
    for command in (["plan"], ["apply", "--yes"]):
        result = cli(*command, "--database", db_url, "--config-dir", str(edit_config))
        assert result.code == 1, result.text
        assert "monthly_charge" in result.err and "run `billing-config db init`" in result.err, result.err
        assert "Traceback" not in result.err
    assert scalar(engine, statuses, {"yes": True}) == billable  # nothing written
    assert scalar(engine, "SELECT count(*) FROM config_audit_log") == 0
    result = cli("db", "init", *config)
    assert result.code == 0, result.text
    assert "Added the column services.monthly_charge" in result.out
    plan = cli("plan", *config, "--detailed-exitcode")
    assert plan.code == 0, plan.text
    assert scalar(engine, "SELECT count(*) FROM services WHERE monthly_charge <> 0") == 0
    again = cli("db", "init", *config)
    assert again.code == 0 and "Added the column" not in again.out
