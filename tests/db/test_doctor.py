"""doctor: one negative case per check, each asserting the rule id and the column it names."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.scenarios.vendor_schemas import seed_vendor_a, vendor_a_mapping, write_mapping
from tests.testing.databases import execute, install_fault, scalar


def doctor(cli: Callable[..., Any], url: str, mapping: Path, *extra: str) -> tuple[int, list[dict[str, Any]]]:
    result = cli("doctor", "--database", url, "--mapping", str(mapping), "--format", "json", *extra)
    return result.code, json.loads(result.out)


def findings_of(found: list[dict[str, Any]], rule: str) -> list[str]:
    return [f["message"] for f in found if f["rule"] == rule]


@pytest.fixture
def vendor(db_url: str, tmp_path: Path, engine_for: Callable[[str], sa.Engine]) -> tuple[str, sa.Engine, Path]:
    engine = engine_for(db_url)
    seed_vendor_a(engine)
    return db_url, engine, tmp_path


def test_a_fitting_database_passes(vendor: tuple[str, sa.Engine, Path], cli: Callable[..., Any]) -> None:
    url, _engine, folder = vendor
    code, found = doctor(cli, url, write_mapping(folder, vendor_a_mapping()))
    assert code == 0 and [f for f in found if f["severity"] == "error"] == []


def test_missing_table_and_column(vendor: tuple[str, sa.Engine, Path], cli: Callable[..., Any]) -> None:
    url, _engine, folder = vendor
    text = vendor_a_mapping().replace('table = "dept"', 'table = "dept_table"').replace('"billable_yn"', '"billable"')
    code, found = doctor(cli, url, write_mapping(folder, text))
    assert code == 1
    assert any("dept_table" in m for m in findings_of(found, "doctor-missing-table"))
    assert any("cust_status.billable " in m and "billable_yn" in m for m in findings_of(found, "doctor-missing-column"))


def test_a_short_column_for_a_long_field_names_both(vendor: tuple[str, sa.Engine, Path], cli: Callable[..., Any]) -> None:
    url, engine, folder = vendor
    execute(engine, "CREATE TABLE short_dept (dept_id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, dept_cd VARCHAR(64) NOT NULL, "
            "dept_name VARCHAR(30) NOT NULL, deleted CHAR(1) NOT NULL, region VARCHAR(10) NOT NULL)")
    text = vendor_a_mapping().replace('table = "dept"', 'table = "short_dept"')
    code, found = doctor(cli, url, write_mapping(folder, text))
    assert code == 1
    [length] = findings_of(found, "doctor-column-length")
    assert "short_dept.dept_name" in length and "30" in length and "100" in length
    [not_null] = findings_of(found, "doctor-not-null")
    assert "short_dept.region" in not_null
    if engine.dialect.name == "postgresql":
        assert any("short_dept.dept_id" in m for m in findings_of(found, "doctor-key-default"))


def test_a_flag_column_without_values_is_the_wrong_type(vendor: tuple[str, sa.Engine, Path], cli: Callable[..., Any]) -> None:
    url, _engine, folder = vendor
    text = vendor_a_mapping().replace('is_billable = { column = "billable_yn", values = { true = ["Y", "y"], false = "N" } }', 'is_billable = "billable_yn"')
    code, found = doctor(cli, url, write_mapping(folder, text))
    assert code == 1
    assert any("cust_status.billable_yn" in m for m in findings_of(found, "doctor-column-type"))


def test_undecodable_live_value_names_the_row_and_nothing_is_written(
    vendor: tuple[str, sa.Engine, Path], cli: Callable[..., Any], tmp_path: Path
) -> None:
    url, engine, folder = vendor
    mapping = write_mapping(folder, vendor_a_mapping())
    execute(engine, "UPDATE cust_status SET billable_yn = 'X' WHERE status_id = 1")
    execute(engine, "UPDATE cust_status SET status_name = :n WHERE status_id = 3", {"n": "C" * 100})
    code, found = doctor(cli, url, mapping)
    assert code == 1
    messages = findings_of(found, "doctor-live-value")
    assert any("row 1" in m and "billable_yn" in m and "'X'" in m for m in messages)
    # adopt, plan and export refuse with the same location, and write nothing
    (tmp_path / "config").mkdir()
    for command in (("adopt", "--yes"), ("plan",), ("export",)):
        result = cli(*command, "--database", url, "--mapping", str(mapping), "--config-dir", str(tmp_path / "config"))
        assert result.code == 1 and "billable_yn" in result.text and "Traceback" not in result.text
    assert list((tmp_path / "config").rglob("*.yaml")) == []
    assert scalar(engine, "SELECT COUNT(*) FROM cust_status") == 6


def test_over_long_live_text_is_a_finding(vendor: tuple[str, sa.Engine, Path], cli: Callable[..., Any]) -> None:
    url, engine, folder = vendor
    if engine.dialect.name != "sqlite":
        pytest.skip("only SQLite stores text longer than its column")
    execute(engine, "UPDATE cust_status SET abbrev = :v WHERE status_id = 1", {"v": "A" * 30})
    code, found = doctor(cli, url, write_mapping(folder, vendor_a_mapping()))
    assert code == 1 and any("abbrev" in m and "30 characters" in m for m in findings_of(found, "doctor-live-value"))


def test_duplicate_live_names_are_refused_by_adopt(vendor: tuple[str, sa.Engine, Path], cli: Callable[..., Any], tmp_path: Path) -> None:
    url, engine, folder = vendor
    execute(engine, "UPDATE cust_status SET status_name = 'active' WHERE status_id = 4")
    result = cli("adopt", "--yes", "--database", url, "--mapping", str(write_mapping(folder, vendor_a_mapping())), "--config-dir", str(tmp_path / "config"))
    assert result.code == 1 and "unique" in result.text and "Traceback" not in result.text
    # Compared in Python, not in SQL: under a case-insensitive collation (MariaDB's default,
    # utf8mb4_general_ci) `= 'active'` would also count the rows named 'Active'.
    with engine.connect() as connection:
        names = [row[0] for row in connection.execute(sa.text("SELECT status_name FROM cust_status"))]
    assert names.count("active") == 1


def test_a_dangling_live_reference_is_a_finding(vendor: tuple[str, sa.Engine, Path], cli: Callable[..., Any]) -> None:
    url, engine, folder = vendor
    execute(engine, "UPDATE cust_status SET next_status_id = 5 WHERE status_id = 1")  # tenant 2's row
    code, found = doctor(cli, url, write_mapping(folder, vendor_a_mapping()))
    assert code == 1 and any("next_status_id" in m and "can see" in m for m in findings_of(found, "doctor-live-value"))


def test_triggers_are_a_warning_that_strict_fails(vendor: tuple[str, sa.Engine, Path], cli: Callable[..., Any]) -> None:
    url, engine, folder = vendor
    install_fault(engine, "cust_status", "status_name", "never")
    mapping = write_mapping(folder, vendor_a_mapping())
    code, found = doctor(cli, url, mapping)
    assert code == 0 and any("cust_status" in m for m in findings_of(found, "doctor-trigger"))
    assert doctor(cli, url, mapping, "--strict")[0] == 1


def test_mariadb_sessions_are_strict_even_when_the_url_asks_otherwise(
    mariadb_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    """The tool sets a strict sql_mode on every session it opens, so a URL (or a server) that
    would make it loose cannot: doctor, which checks the session the tool writes through,
    finds it strict."""
    seed_vendor_a(engine_for(mariadb_url))
    loose = mariadb_url + ("&" if "?" in mariadb_url else "?") + "init_command=SET+SESSION+sql_mode%3D%27%27"
    code, found = doctor(cli, loose, write_mapping(tmp_path, vendor_a_mapping()))
    assert not findings_of(found, "doctor-sql-mode"), found


def test_postgres_search_path_and_privileges(postgres_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]) -> None:
    engine = engine_for(postgres_url)
    seed_vendor_a(engine)
    mapping = write_mapping(tmp_path, vendor_a_mapping())
    nowhere = postgres_url + ("&" if "?" in postgres_url else "?") + "options=-csearch_path%3Dnowhere"
    code, found = doctor(cli, nowhere, mapping)
    assert code == 1 and findings_of(found, "doctor-search-path")
    role = "billing_adoption_reader"
    execute(engine, f"DROP OWNED BY {role}" if scalar(engine, "SELECT 1 FROM pg_roles WHERE rolname = :r", {"r": role}) else "SELECT 1")
    execute(engine, f"DROP ROLE IF EXISTS {role}")
    execute(engine, f"CREATE ROLE {role} LOGIN")
    execute(engine, f"GRANT USAGE ON SCHEMA public TO {role}")
    execute(engine, f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    reader = sa.engine.make_url(postgres_url).set(username=role).render_as_string(hide_password=False)
    code, found = doctor(cli, reader, mapping)
    assert code == 1 and any("INSERT" in m and "cust_status" in m for m in findings_of(found, "doctor-privilege"))
    execute(engine, f"DROP OWNED BY {role}")
    execute(engine, f"DROP ROLE {role}")
