"""What real schemas need, end to end on SQLite, PostgreSQL and MariaDB (vendor C in
vendor_schemas.py): quoted mixed-case names, keys the application assigns (max+1 over every
tenant's rows), a UUID identifier written on insert and used by another table, a lookup table,
a code unique across tenants, a smallint, soft delete by time with revive, a protected row,
and the vendor's history, bill-run guard and cache bump as mapping hooks."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.scenarios.vendor_schemas import VENDOR_C_STATUS, seed_vendor_c, vendor_c_mapping, write_mapping
from tests.testing.databases import execute, scalar
from tests.testing.files import edit, write_entry


def rows(engine: sa.Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(sql))]


def status_table(engine: sa.Engine) -> str:
    return engine.dialect.identifier_preparer.quote(VENDOR_C_STATUS)


def test_vendor_c_every_real_schema_behaviour(
    db_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(db_url)
    seed_vendor_c(engine)
    table = status_table(engine)
    mapping = write_mapping(tmp_path, vendor_c_mapping())
    config = tmp_path / "repo" / "config"
    target = ["--database", db_url, "--mapping", str(mapping), "--config-dir", str(config)]
    outside = f"SELECT * FROM {table} WHERE tenant <> 1 ORDER BY stat_id"
    outside_before = rows(engine, outside)

    result = cli("doctor", *target)
    assert result.code == 0, result.text
    result = cli("adopt", "--yes", *target)
    assert result.code == 0, result.text
    assert sorted(p.stem for p in (config / "statuses").iterdir()) == ["active", "suspended"]
    written = (config / "statuses" / "active.yaml").read_text()
    assert "availability: Headline" in written and "is_billable: true" in written and "crm_only" not in written
    assert cli("plan", "--detailed-exitcode", *target).code == 0

    # A create: the key is one more than the largest of the whole table (tenant 2's 50), a new
    # UUID, the lookup key of its availability, the vendor's history row and the cache bump.
    write_entry(config, "statuses", "payment-plan", "name: Payment Plan\navailability: Historical\ndisplay_position: 30\n")
    result = cli("apply", "--yes", *target)
    assert result.code == 0, result.text
    created = rows(engine, f"SELECT stat_id, tenant, \"Code\", avail_id, billable, uid FROM {table} WHERE label = 'Payment Plan'".replace('"Code"', engine.dialect.identifier_preparer.quote("Code")))
    assert created[0][:5] == (51, 1, "PAYMENT_PLAN", 30, 0)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", created[0][5])
    history = rows(engine, "SELECT action, stat_id, code, after FROM stat_history")
    assert [h[:3] for h in history] == [("create", 51, "payment-plan")] and json.loads(history[0][3])["name"] == "Payment Plan"
    assert scalar(engine, "SELECT n FROM cache_version") == 2
    assert cli("plan", "--detailed-exitcode", *target).code == 0

    # A bill run in progress stops the apply before any write.
    execute(engine, "INSERT INTO bill_run (run_id, state) VALUES (1, 'running')")
    edit(config / "statuses" / "payment-plan.yaml", "display_position: 30", "display_position: 31")
    result = cli("apply", "--yes", *target)
    assert result.code == 1 and "a bill run is in progress" in result.err
    assert scalar(engine, f"SELECT pos FROM {table} WHERE stat_id = 51") == 30
    execute(engine, "UPDATE bill_run SET state = 'done'")
    assert cli("apply", "--yes", *target).code == 0
    assert scalar(engine, f"SELECT pos FROM {table} WHERE stat_id = 51") == 31

    # The target's limits: a 31-character name, a code longer than 12 once stored, a position
    # beyond smallint: located findings, nothing written.
    write_entry(config, "statuses", "awaiting-port", "name: Awaiting Number Port From Donor\ndisplay_position: 40000\n")
    result = cli("plan", *target)
    assert result.code == 1
    assert "awaiting-port.yaml:1:1: error target-limit the code 'awaiting-port'" in result.err
    assert "awaiting-port.yaml:1:7: error target-limit name is 31 characters; names on this target: at most 30" in result.err
    assert "awaiting-port.yaml:2:19: error target-limit display_position is 40000" in result.err
    (config / "statuses" / "awaiting-port.yaml").unlink()

    # TRIAL is held by tenant 2's row: outside the scope, yet under the same unique index.
    write_entry(config, "statuses", "trial", "name: Trial\n")
    result = cli("plan", "--detailed-exitcode", *target)
    assert result.code == 3 and "can't be created" in result.out and "row 50 (out of scope)" in result.out, result.text
    (config / "statuses" / "trial.yaml").unlink()

    # OLD_PLAN was soft-deleted: creating old-plan restores that row (same key, back in scope).
    write_entry(config, "statuses", "old-plan", "name: Old Plan Revived\n")
    result = cli("plan", *target)
    assert "+ statuses/old-plan" in result.out and "restoring its deleted row 7" in result.out, result.text
    result = cli("apply", "--yes", *target)
    assert result.code == 0, result.text
    assert rows(engine, f"SELECT stat_id, tenant, label, deleted_at FROM {table} WHERE stat_id = 7") == [(7, 1, "Old Plan Revived", None)]
    assert scalar(engine, "SELECT action FROM config_audit_log WHERE code = 'old-plan'") == "revive"
    assert cli("plan", "--detailed-exitcode", *target).code == 0

    # The protected row is never written.
    edit(config / "statuses" / "active.yaml", "name: Active", "name: Active Customer")
    result = cli("plan", "--detailed-exitcode", *target)
    assert result.code == 3 and "protected-row" in result.out and "protects row 1" in result.out
    edit(config / "statuses" / "active.yaml", "name: Active Customer", "name: Active")

    # In use through the UUID column: refused; unused: soft-deleted by time.
    (config / "statuses" / "suspended.yaml").unlink()
    result = cli("apply", "--yes", "--prune", *target)
    assert result.code == 1 and "used by 1 account and" in result.text, result.text
    assert cli("export", *target).code == 0
    (config / "statuses" / "payment-plan.yaml").unlink()
    result = cli("apply", "--yes", *target)
    assert result.code == 0, result.text
    assert scalar(engine, f"SELECT deleted_at IS NOT NULL FROM {table} WHERE stat_id = 51") in (True, 1)
    assert [h[0] for h in rows(engine, "SELECT action FROM stat_history ORDER BY hist_id")][-1] == "delete"

    # A row inserted by hand, then the export round trip.
    execute(engine, f"INSERT INTO {table} (stat_id, uid, tenant, {engine.dialect.identifier_preparer.quote('Code')}, label, avail_id, billable, pos) "
            "VALUES (60, 'x-60', 1, 'HAND', 'Hand Added', 20, 1, 0)")
    result = cli("drift", *target)
    assert result.code == 2 and "statuses/hand" in result.out and "added" in result.out, result.text
    assert cli("export", *target).code == 0
    assert (config / "statuses" / "hand.yaml").is_file()
    assert cli("plan", "--detailed-exitcode", *target).code == 0
    assert rows(engine, outside) == outside_before


def test_max_plus_one_locks_the_table_against_inserts(db_url: str, tmp_path: Path, engine_for: Callable[[str], sa.Engine]) -> None:
    """The key is taken with the table locked until the transaction ends: another session's
    insert of the next key waits (here: times out) instead of racing it."""
    from billing_config.apply.transaction import _transaction_options
    from billing_config.db.write import next_keys
    from billing_config.mapping import parse_mapping

    engine = engine_for(db_url)
    seed_vendor_c(engine)
    mapping = parse_mapping(vendor_c_mapping(), "m.toml")
    kmap = mapping.kinds["statuses"]
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: BEGIN IMMEDIATE is the lock (tests/apply/test_transaction.py)")
    with engine.connect() as holder:
        holder = holder.execution_options(**_transaction_options(holder, mapping))
        with holder.begin():
            assert next_keys(holder, kmap, 2) == [51, 52]
            other = sa.create_engine(db_url)
            try:
                with other.connect() as racer:
                    if engine.dialect.name == "postgresql":
                        racer.exec_driver_sql("SET lock_timeout = '500ms'")
                    else:
                        racer.exec_driver_sql("SET SESSION innodb_lock_wait_timeout = 1")
                    table = status_table(engine)
                    try:
                        racer.execute(sa.text(
                            f"INSERT INTO {table} (stat_id, uid, tenant, {engine.dialect.identifier_preparer.quote('Code')}, label, avail_id, billable) "
                            "VALUES (51, 'r', 3, 'RACE', 'Race', 20, 0)"
                        ))
                        racer.commit()
                        raced = True
                    except sa.exc.OperationalError:
                        raced = False
            finally:
                other.dispose()
    assert not raced


def test_a_sequence_key_is_quoted_not_pasted(db_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]) -> None:
    """key_source = { sequence = NAME } on a name that needs quoting (a space, a quote)."""
    engine = engine_for(db_url)
    seed_vendor_c(engine)
    preparer = engine.dialect.identifier_preparer
    name = 'Stat "Seq"'
    if engine.dialect.name != "sqlite":
        execute(engine, f"CREATE SEQUENCE {preparer.quote(name)} START WITH 900")
    text = vendor_c_mapping().replace('key_source = "max+1"', "key_source = { sequence = 'Stat \"Seq\"' }")
    mapping = write_mapping(tmp_path, text)
    config = tmp_path / "config"
    target = ["--database", db_url, "--mapping", str(mapping), "--config-dir", str(config)]
    assert cli("adopt", "--yes", *target).code == 0
    write_entry(config, "statuses", "seq-made", "name: Made By Sequence\n")
    if engine.dialect.name == "sqlite":
        # No sequences at all: doctor says so at the key_source line, and apply refuses unwritten.
        result = cli("doctor", *target)
        assert result.code == 1 and "doctor-sequence" in result.out and "SQLite has no sequences" in result.out
        result = cli("apply", "--yes", *target)
        assert result.code == 1 and "doctor-sequence" in result.err
        assert scalar(engine, f"SELECT COUNT(*) FROM {status_table(engine)} WHERE label = 'Made By Sequence'") == 0
        return
    result = cli("apply", "--yes", *target)
    assert result.code == 0, result.text
    assert scalar(engine, f"SELECT stat_id FROM {status_table(engine)} WHERE label = 'Made By Sequence'") == 900
