"""rename on a vendor schema (tests/scenarios/vendor_schemas.py, vendor A), on SQLite, PostgreSQL
and MariaDB: a table without a code column moves its binding and is never written; a row bound
to a legacy code moves its binding too; a code column is updated once doctor's schema checks,
run by rename itself in its transaction, find nothing wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.scenarios.vendor_schemas import seed_vendor_a, vendor_a_mapping, write_mapping
from tests.testing.databases import execute, scalar


def table_rows(engine: sa.Engine, table: str, key: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY {key}"))]


def bound(engine: sa.Engine, kind: str) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT code, key_value FROM billing_config_bindings WHERE kind = :kind"), {"kind": kind}
        ).all()
    return {code: key for code, key in rows}


def test_rename_on_a_mapped_target(
    db_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(db_url)
    seed_vendor_a(engine)
    mapping = write_mapping(tmp_path, vendor_a_mapping())
    config = tmp_path / "repo" / "config"
    target = ["--database", db_url, "--mapping", str(mapping), "--config-dir", str(config)]
    assert cli("adopt", "--yes", *target).code == 0
    assert bound(engine, "statuses")["suspended"] == "2"

    # No code column: the binding moves; the vendor's table is not written (no doctor needed).
    statuses = table_rows(engine, "cust_status", "status_id")
    result = cli("rename", "statuses", "suspended", "on-hold", *target)
    assert result.code == 0, result.text
    assert "binding" in result.out
    assert table_rows(engine, "cust_status", "status_id") == statuses
    assert bound(engine, "statuses")["on-hold"] == "2" and "suspended" not in bound(engine, "statuses")
    assert (config / "statuses" / "on-hold.yaml").is_file()
    assert scalar(engine, "SELECT COUNT(*) FROM config_audit_log WHERE action = 'rename' AND code = 'on-hold'") == 1

    # A legacy code (Field_Ops) is bound too: the binding moves, the stored value stays.
    result = cli("rename", "department", "field-ops", "field-operations", *target)
    assert result.code == 0, result.text
    assert scalar(engine, "SELECT dept_cd FROM dept WHERE dept_id = 1") == "Field_Ops"
    assert bound(engine, "departments")["field-operations"] == "1"

    # A code column is a write to the vendor's table: refused when the schema does not fit the
    # mapping (here a set column the table lacks), with doctor's finding; no doctor run needed.
    departments = table_rows(engine, "dept", "dept_id")
    write_mapping(tmp_path, vendor_a_mapping() + '\n[kinds.departments.set]\nupdate = { changed_by = "billing-config" }\n')
    result = cli("rename", "department", "billing", "billing-team", *target)
    assert result.code == 1 and "doctor-missing-column" in result.err and "dept.changed_by" in result.err, result.text
    assert table_rows(engine, "dept", "dept_id") == departments
    assert (config / "departments" / "billing.yaml").is_file()
    write_mapping(tmp_path, vendor_a_mapping())
    result = cli("rename", "department", "billing", "billing-team", *target)
    assert result.code == 0, result.text
    assert scalar(engine, "SELECT dept_cd FROM dept WHERE dept_id = 2") == "billing-team"
    # The other tenant's rows were neither read nor written.
    assert [row for row in table_rows(engine, "dept", "dept_id") if row[0] == 3] == [row for row in departments if row[0] == 3]

    plan = cli("plan", "--detailed-exitcode", *target)
    assert plan.code == 0, plan.text
    assert cli("validate", "--config-dir", str(config)).code == 0


def test_a_code_stored_by_a_row_outside_the_scope_is_refused(
    db_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(db_url)
    seed_vendor_a(engine)
    execute(engine, "UPDATE dept SET dept_cd = 'accounts' WHERE dept_id = 3")  # another tenant's row
    mapping = write_mapping(tmp_path, vendor_a_mapping())
    config = tmp_path / "config"
    target = ["--database", db_url, "--mapping", str(mapping), "--config-dir", str(config)]
    assert cli("adopt", "--yes", *target).code == 0
    departments = table_rows(engine, "dept", "dept_id")
    result = cli("rename", "department", "billing", "accounts", *target)
    assert result.code == 1 and "row 3 of dept" in result.err and "already stores 'accounts'" in result.err
    assert table_rows(engine, "dept", "dept_id") == departments
    assert (config / "departments" / "billing.yaml").is_file() and not (config / "departments" / "accounts.yaml").exists()
