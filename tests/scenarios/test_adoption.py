"""Adopting an existing platform: vendor-style schemas from nothing to "No changes", then every
behaviour of plan/apply/export on them, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.scenarios.vendor_schemas import (
    seed_vendor_a, seed_vendor_b, vendor_a_mapping, vendor_b_mapping, write_mapping,
)
from tests.testing.databases import execute, scalar
from tests.testing.files import edit, write_entry


def rows(engine: sa.Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(sql))]


def test_vendor_a_from_nothing_to_no_changes_and_every_change(
    db_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(db_url)
    seed_vendor_a(engine)
    mapping = write_mapping(tmp_path, vendor_a_mapping())
    config = tmp_path / "repo" / "config"
    target = ["--database", db_url, "--mapping", str(mapping), "--config-dir", str(config)]
    outside = "SELECT * FROM cust_status WHERE status_id IN (5, 6) ORDER BY status_id"
    outside_before = rows(engine, outside)
    dept_outside = rows(engine, "SELECT * FROM dept WHERE tenant_id <> 1 ORDER BY dept_id")

    # doctor finds nothing wrong (and writes nothing; apply runs its checks itself).
    result = cli("doctor", *target)
    assert result.code == 0, result.text
    assert "fits the mapping" in result.err

    result = cli("adopt", "--yes", *target)
    assert result.code == 0, result.text
    assert "Field_Ops" not in result.out or "field-ops" in result.out
    assert (config / "departments" / "field-ops.yaml").is_file()
    assert (config / "departments" / "billing.yaml").is_file()
    assert sorted(p.stem for p in (config / "statuses").iterdir()) == ["active", "ceased", "old-trial", "suspended"]
    assert "next_status: ceased" in (config / "statuses" / "suspended.yaml").read_text()
    # The legacy code stays as it was live.
    assert scalar(engine, "SELECT dept_cd FROM dept WHERE dept_id = 1") == "Field_Ops"
    assert cli("validate", "--config-dir", str(config)).code == 0
    result = cli("plan", "--detailed-exitcode", *target)
    assert result.code == 0, result.text
    assert "No changes" in result.out
    again = cli("adopt", "--yes", *target)
    assert again.code == 0 and "Nothing to adopt" in again.out

    # A change writes only the changed column, encoded.
    edit(config / "statuses" / "active.yaml", "is_billable: true", "is_billable: false")
    result = cli("apply", "--yes", *target)
    assert result.code == 0, result.text
    assert rows(engine, "SELECT billable_yn, active_yn, status_name FROM cust_status WHERE status_id = 1") == [("N", "Y", "Active")]
    # A rename of `name` updates the same row.
    edit(config / "statuses" / "suspended.yaml", "name: Suspended", "name: Barred")
    assert cli("apply", "--yes", *target).code == 0
    assert scalar(engine, "SELECT status_name FROM cust_status WHERE status_id = 2") == "Barred"
    # A new status pointing at an existing one: inserted in scope, bound, reference as key.
    write_entry(config, "statuses", "dormant", "name: Dormant\navailability: Standard\nis_billable: true\nnext_status: ceased\n")
    result = cli("apply", "--yes", *target)
    assert result.code == 0, result.text
    new = rows(engine, "SELECT tenant_id, deleted, avail, billable_yn, next_status_id, created_on IS NOT NULL FROM cust_status WHERE status_name = 'Dormant'")
    assert new == [(1, "N", 2, "Y", 3, True)]
    assert cli("plan", "--detailed-exitcode", *target).code == 0
    # Deleting a status accounts use is refused, nothing changed.
    (config / "statuses" / "active.yaml").unlink()
    result = cli("apply", "--yes", "--prune", *target)
    assert result.code == 1 and "used by 3 accounts" in result.text
    assert scalar(engine, "SELECT deleted FROM cust_status WHERE status_id = 1") == "N"
    assert cli("export", *target).code == 0  # brings active back
    # Deleting an unused one is a soft delete.
    (config / "statuses" / "old-trial.yaml").unlink()
    result = cli("apply", "--yes", "--prune", *target)
    assert result.code == 0, result.text
    assert scalar(engine, "SELECT deleted FROM cust_status WHERE status_id = 4") == "Y"
    assert cli("plan", "--detailed-exitcode", *target).code == 0

    # Export round trip: nothing to write, plan still empty.
    result = cli("export", *target)
    assert result.code == 0 and "0 written" in result.out, result.text
    # An out-of-band edit is seen by plan.
    execute(engine, "UPDATE cust_status SET abbrev = 'BAR' WHERE status_id = 2")
    result = cli("plan", "--detailed-exitcode", *target)
    assert result.code == 2 and "short_name" in result.out
    # Rows outside the scope were never read or written.
    assert rows(engine, outside) == outside_before
    assert rows(engine, "SELECT * FROM dept WHERE tenant_id <> 1 ORDER BY dept_id") == dept_outside


def test_apply_checks_the_schema_itself_and_needs_no_doctor_run(
    db_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(db_url)
    seed_vendor_a(engine)
    text = vendor_a_mapping()
    mapping = write_mapping(tmp_path, text)
    config = tmp_path / "config"
    target = ["--database", db_url, "--mapping", str(mapping), "--config-dir", str(config)]
    assert cli("adopt", "--yes", *target).code == 0
    edit(config / "statuses" / "active.yaml", "is_billable: true", "is_billable: false")
    # The mapping promises a column the table lacks (as after a vendor upgrade dropped it).
    broken = text.replace('last_modified = "updated_on"', 'last_modified = "updated_on"\ninsert = { created_by = "billing-config" }')
    write_mapping(tmp_path, broken)
    before = rows(engine, "SELECT * FROM cust_status ORDER BY status_id")
    result = cli("apply", "--yes", *target)
    assert result.code == 1, result.text
    line = next(n for n, row in enumerate(broken.splitlines(), 1) if "created_by" in row)
    assert f"mapping.toml:{line}:" in result.err and "doctor-missing-column" in result.err and "cust_status.created_by" in result.err
    assert "apply refused, nothing changed" in result.err
    assert rows(engine, "SELECT * FROM cust_status ORDER BY status_id") == before
    # The mapping fits again: applied, without any doctor run, and nothing recorded of doctor.
    write_mapping(tmp_path, text)
    result = cli("apply", "--yes", *target)
    assert result.code == 0, result.text
    assert scalar(engine, "SELECT billable_yn FROM cust_status WHERE status_id = 1") == "N"
    with engine.connect() as connection:
        assert "billing_config_doctor" not in sa.inspect(connection).get_table_names()


def test_apply_refuses_a_table_that_cannot_roll_back_and_reading_still_works(
    mariadb_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(mariadb_url)
    seed_vendor_a(engine)
    config = tmp_path / "config"
    target = ["--database", mariadb_url, "--mapping", str(write_mapping(tmp_path, vendor_a_mapping())), "--config-dir", str(config)]
    assert cli("adopt", "--yes", *target).code == 0
    assert cli("apply", "--yes", *target).code == 0  # records the applied state, for drift
    execute(engine, "ALTER TABLE cust_status ENGINE=MyISAM")
    edit(config / "statuses" / "active.yaml", "is_billable: true", "is_billable: false")
    assert cli("plan", "--detailed-exitcode", *target).code == 2
    assert cli("drift", *target).code == 0
    result = cli("apply", "--yes", *target)
    assert result.code == 1 and "doctor-engine" in result.err and "MyISAM" in result.err, result.text
    assert scalar(engine, "SELECT billable_yn FROM cust_status WHERE status_id = 1") == "Y"
    assert cli("adopt", "--yes", *target).code == 0
    assert cli("export", *target).code == 0
    assert "is_billable: true" in (config / "statuses" / "active.yaml").read_text()


@pytest.mark.parametrize("own_schema", [False, True])
def test_vendor_b_identity_key_and_transformed_codes(
    db_url: str, own_schema: bool, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(db_url)
    if own_schema and engine.dialect.name != "postgresql":
        pytest.skip("a schema of its own is a PostgreSQL layout")
    schema = "vendor_b" if own_schema else None
    seed_vendor_b(engine, schema)
    mapping = write_mapping(tmp_path, vendor_b_mapping(schema))
    config = tmp_path / "config"
    target = ["--database", db_url, "--mapping", str(mapping), "--config-dir", str(config)]
    prefix = f"{schema}." if schema else ""
    assert cli("doctor", *target).code == 0
    result = cli("adopt", "--yes", *target)
    assert result.code == 0, result.text
    assert sorted(p.stem for p in (config / "groups").iterdir()) == ["london-region", "residential", "vip-client"]
    assert "display_position: 0" in (config / "groups" / "vip-client.yaml").read_text()
    assert cli("plan", "--detailed-exitcode", *target).code == 0
    write_entry(config, "groups", "key-accounts", "name: Key Accounts\nreseller: true\n")
    edit(config / "groups" / "residential.yaml", "name: Residential", "name: Homes")
    result = cli("apply", "--yes", *target)
    assert result.code == 0, result.text
    assert rows(engine, f"SELECT grp_code, is_reseller FROM {prefix}grp WHERE label = 'Key Accounts'") == [("KEY_ACCOUNTS", 1)]
    # Deleting a group with members is refused; an unused one is deleted (hard).
    (config / "groups" / "vip-client.yaml").unlink()
    result = cli("apply", "--yes", "--prune", *target)
    assert result.code == 1 and "2 members" in result.text
    assert cli("export", *target).code == 0
    (config / "groups" / "london-region.yaml").unlink()
    assert cli("apply", "--yes", "--prune", *target).code == 0
    assert scalar(engine, f"SELECT COUNT(*) FROM {prefix}grp WHERE grp_code = 'LondonRegion'") == 0
    assert cli("plan", "--detailed-exitcode", *target).code == 0


@pytest.mark.parametrize("own_schema", [False, True])
def test_adopted_entries_are_bound_until_an_apply_sees_their_files_then_managed(
    db_url: str, own_schema: bool, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    """CONTRACT, Deletes: an apply from a branch without the adopted files deletes nothing; once
    an apply has seen a file, removing it plans its delete. The recorded state lives with the
    tool's other tables (the mapping's [tool] schema)."""
    engine = engine_for(db_url)
    if own_schema and engine.dialect.name != "postgresql":
        pytest.skip("a schema of its own is a PostgreSQL layout")
    schema = "vendor_b" if own_schema else None
    seed_vendor_b(engine, schema)
    mapping = write_mapping(tmp_path, vendor_b_mapping(schema))
    config = tmp_path / "config"
    target = ["--database", db_url, "--mapping", str(mapping), "--config-dir", str(config)]
    prefix = f"{schema}." if schema else ""
    assert cli("doctor", *target).code == 0
    assert cli("adopt", "--yes", *target).code == 0
    adopted = config / "groups" / "london-region.yaml"
    kept = adopted.read_text(encoding="utf-8")

    # A branch without the adopted file: bound, not managed, so listed and never deleted.
    adopted.unlink()
    result = cli("plan", "--detailed-exitcode", *target)
    assert result.code == 0 and "? groups/london-region" in result.out, result.text
    result = cli("apply", "--yes", *target)
    assert result.code == 0, result.text
    assert scalar(engine, f"SELECT COUNT(*) FROM {prefix}grp WHERE grp_code = 'LondonRegion'") == 1
    assert scalar(engine, f"SELECT COUNT(*) FROM {prefix}config_applied_state WHERE code = 'london-region' AND managed = false") == 1

    # An apply that sees the file makes it managed; removing the file then plans its delete.
    adopted.write_text(kept, encoding="utf-8")
    result = cli("apply", "--yes", *target)
    assert result.code == 0 and "Nothing to do." in result.out, result.text
    assert scalar(engine, f"SELECT COUNT(*) FROM {prefix}config_applied_state WHERE code = 'london-region' AND managed = true") == 1
    adopted.unlink()
    result = cli("plan", "--detailed-exitcode", *target)
    assert result.code == 2 and "- groups/london-region" in result.out, result.text
    assert cli("apply", "--yes", *target).code == 0
    assert scalar(engine, f"SELECT COUNT(*) FROM {prefix}grp WHERE grp_code = 'LondonRegion'") == 0
    assert scalar(engine, f"SELECT COUNT(*) FROM {prefix}config_applied_state WHERE code = 'london-region'") == 0
    if schema:
        # Nothing of the tool's beside the search path's tables when it has a schema of its own.
        assert scalar(engine, "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'config_applied_state' "
                      "AND table_schema = 'public'") == 0
