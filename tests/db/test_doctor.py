"""doctor: one negative case per check, each asserting the rule id, the column it names and the
line of the mapping that names it; doctor writes nothing, whatever the user may do."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from billing_config.kinds import get_kind
from tests.scenarios.vendor_schemas import seed_vendor_a, vendor_a_mapping, write_mapping
from tests.testing.databases import execute, install_fault, scalar


def doctor(cli: Callable[..., Any], url: str, mapping: Path, *extra: str) -> tuple[int, list[dict[str, Any]]]:
    result = cli("doctor", "--database", url, "--mapping", str(mapping), "--format", "json", *extra)
    return result.code, json.loads(result.out)


def of(found: list[dict[str, Any]], rule: str) -> list[dict[str, Any]]:
    return [f for f in found if f["rule"] == rule]


def findings_of(found: list[dict[str, Any]], rule: str) -> list[str]:
    return [f["message"] for f in of(found, rule)]


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the mapping text that holds needle (the line a finding must point at)."""
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def tables_of(engine: sa.Engine) -> set[str]:
    with engine.connect() as connection:
        return set(sa.inspect(connection).get_table_names())


@pytest.fixture
def vendor(db_url: str, tmp_path: Path, engine_for: Callable[[str], sa.Engine]) -> tuple[str, sa.Engine, Path]:
    engine = engine_for(db_url)
    seed_vendor_a(engine)
    return db_url, engine, tmp_path


def _short_tables(engine: sa.Engine) -> None:
    """dept as a narrower vendor keeps it (a 12-character code, a 30-character name, a 5-character
    source column), and a group table whose display position is a smallint."""
    metadata = sa.MetaData()
    sa.Table(
        "short_dept", metadata,
        sa.Column("dept_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("dept_cd", sa.String(12), nullable=False),
        sa.Column("dept_name", sa.String(30), nullable=False),
        sa.Column("deleted", sa.CHAR(1), nullable=False, server_default="N"),
        sa.Column("source", sa.String(5), nullable=True),
    )
    sa.Table(
        "short_grp", metadata,
        sa.Column("grp_key", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("grp_code", sa.String(64), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("ord", sa.SmallInteger, nullable=True),
    )
    metadata.create_all(engine)


SHORT_GROUPS = """
[kinds.groups]
table = "short_grp"
key = "grp_key"
code = "grp_code"
delete = "hard"

[kinds.groups.fields]
name = "label"
display_class = false
display_position = { column = "ord", null = 0 }
personal_customer = false
reseller = false
"""


def test_a_fitting_database_passes_and_doctor_creates_nothing(vendor: tuple[str, sa.Engine, Path], cli: Callable[..., Any]) -> None:
    url, engine, folder = vendor
    mapping = write_mapping(folder, vendor_a_mapping())
    before = tables_of(engine)
    code, found = doctor(cli, url, mapping)
    assert code == 0 and [f for f in found if f["severity"] == "error"] == []
    assert tables_of(engine) == before  # no tool table, no record of the run
    assert {f["path"] for f in found} <= {str(mapping)}
    [unique] = [f for f in of(found, "doctor-unique-constraints") if "cust_status" in f["message"]]
    assert unique["severity"] == "note" and "PRIMARY KEY (status_id)" in unique["message"]
    assert unique["line"] == line_of(vendor_a_mapping(), 'table = "cust_status"')


def test_missing_tables_and_columns_are_located_on_their_lines(vendor: tuple[str, sa.Engine, Path], cli: Callable[..., Any]) -> None:
    url, _engine, folder = vendor
    text = (
        vendor_a_mapping().replace('table = "dept"', 'table = "dept_table"').replace('"billable_yn"', '"billable"')
        .replace('table = "ticket"', 'table = "tickets"')
    )
    code, found = doctor(cli, url, write_mapping(folder, text))
    assert code == 1
    [table] = [f for f in of(found, "doctor-missing-table") if "dept_table" in f["message"]]
    assert table["line"] == line_of(text, 'table = "dept_table"') and table["column"] == 1
    [usage] = [f for f in of(found, "doctor-missing-table") if "tickets" in f["message"]]
    assert "did you mean 'ticket'" in usage["message"] and usage["line"] == line_of(text, 'table = "tickets"')
    [column] = of(found, "doctor-missing-column")
    assert "cust_status.billable " in column["message"] and "billable_yn" in column["message"]
    assert column["line"] == line_of(text, '"billable"') and column["message"].startswith("kinds.statuses.fields.is_billable")


def test_target_limits_are_notes_and_what_the_mapping_promises_must_fit(
    db_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(db_url)
    seed_vendor_a(engine)
    _short_tables(engine)
    text = vendor_a_mapping().replace('table = "dept"', 'table = "short_dept"') + SHORT_GROUPS
    mapping = write_mapping(tmp_path, text)
    code, found = doctor(cli, db_url, mapping, "--strict")
    assert code == 0, found  # limits are notes: not even --strict fails on them
    limits = {f["line"]: f for f in of(found, "doctor-target-limit")}
    assert all(f["severity"] == "note" for f in limits.values())
    name = limits[line_of(text, 'name = "dept_name"')]["message"]
    assert "names on this target: at most 30 characters" in name and "short_dept.dept_name" in name and "100" in name
    code_limit = limits[line_of(text, 'code = "dept_cd"')]["message"]
    assert "codes on this target: at most 12 characters" in code_limit
    position = limits[line_of(text, 'display_position = { column = "ord"')]["message"]
    assert "display positions on this target: from 0 to 32767" in position and "short_grp.ord" in position
    result = cli("doctor", "--database", db_url, "--mapping", str(mapping))
    assert result.code == 0 and "note doctor-target-limit" in result.out and "0 error(s)" in result.err
    github = cli("doctor", "--database", db_url, "--mapping", str(mapping), "--format", "github").out
    assert "::notice file=" in github and "::error" not in github

    # A max_length longer than the column, and a set literal longer than its column: errors.
    promised = (
        text.replace('name = "dept_name"', 'name = { column = "dept_name", max_length = 40 }')
        + '\n[kinds.departments.set]\ninsert = { source = "billing-config" }\n'
    )
    code, found = doctor(cli, db_url, write_mapping(tmp_path, promised))
    assert code == 1
    lengths = {f["line"]: f["message"] for f in of(found, "doctor-column-length")}
    assert "max_length = 40" in lengths[line_of(promised, "max_length = 40")] and "30" in lengths[line_of(promised, "max_length = 40")]
    literal = lengths[line_of(promised, 'insert = { source')]
    assert "short_dept.source holds 5 characters" in literal and "'billing-config'" in literal


def test_not_null_and_keys_the_database_does_not_give(vendor: tuple[str, sa.Engine, Path], cli: Callable[..., Any]) -> None:
    url, engine, folder = vendor
    execute(engine, "CREATE TABLE plain_dept (dept_id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, dept_cd VARCHAR(64) NOT NULL, "
            "dept_name VARCHAR(100) NOT NULL, deleted CHAR(1) NOT NULL, region VARCHAR(10) NOT NULL)")
    text = vendor_a_mapping().replace('table = "dept"', 'table = "plain_dept"')
    code, found = doctor(cli, url, write_mapping(folder, text))
    assert code == 1
    [not_null] = of(found, "doctor-not-null")
    assert "plain_dept.region" in not_null["message"] and not_null["line"] == line_of(text, 'table = "plain_dept"')
    if engine.dialect.name == "sqlite":
        assert not of(found, "doctor-key-default")  # INTEGER PRIMARY KEY is the rowid
        return
    [key] = of(found, "doctor-key-default")
    assert "plain_dept.dept_id" in key["message"] and 'key_source = "max+1"' in key["message"]
    assert key["line"] == line_of(text, 'key = "dept_id"')
    # The vendor's application assigns keys: "max+1" is a key source, so no finding.
    assigned = text.replace('key = "dept_id"', 'key = "dept_id"\nkey_source = "max+1"')
    _code, found = doctor(cli, url, write_mapping(folder, assigned))
    assert not of(found, "doctor-key-default") and of(found, "doctor-not-null")


def test_a_flag_column_without_values_is_the_wrong_type(vendor: tuple[str, sa.Engine, Path], cli: Callable[..., Any]) -> None:
    url, _engine, folder = vendor
    text = vendor_a_mapping().replace('is_billable = { column = "billable_yn", values = { true = ["Y", "y"], false = "N" } }', 'is_billable = "billable_yn"')
    code, found = doctor(cli, url, write_mapping(folder, text))
    assert code == 1
    [wrong] = of(found, "doctor-column-type")
    assert "cust_status.billable_yn" in wrong["message"] and wrong["line"] == line_of(text, 'is_billable = "billable_yn"')


def test_undecodable_live_value_names_the_row_and_nothing_is_written(
    vendor: tuple[str, sa.Engine, Path], cli: Callable[..., Any], tmp_path: Path
) -> None:
    url, engine, folder = vendor
    mapping = write_mapping(folder, vendor_a_mapping())
    execute(engine, "UPDATE cust_status SET billable_yn = 'X' WHERE status_id = 1")
    execute(engine, "UPDATE cust_status SET status_name = :n WHERE status_id = 3", {"n": "C" * 100})
    code, found = doctor(cli, url, mapping)
    assert code == 1
    [bad] = [f for f in of(found, "doctor-live-value") if "row 1" in f["message"]]
    assert "billable_yn" in bad["message"] and "'X'" in bad["message"]
    assert bad["line"] == line_of(vendor_a_mapping(), 'is_billable = { column = "billable_yn"')
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


def test_unique_constraints_are_listed_and_a_soft_deleted_code_that_stays_is_a_warning(
    vendor: tuple[str, sa.Engine, Path], cli: Callable[..., Any]
) -> None:
    url, engine, folder = vendor
    execute(engine, "CREATE UNIQUE INDEX dept_tenant_code ON dept (tenant_id, dept_cd)")
    text = vendor_a_mapping()
    code, found = doctor(cli, url, write_mapping(folder, text))
    assert code == 0
    [listed] = [m for m in findings_of(found, "doctor-unique-constraints") if "of dept:" in m]
    assert "dept_tenant_code (tenant_id, dept_cd)" in listed
    [warning] = of(found, "doctor-unique-soft-delete")
    assert "dept_cd" in warning["message"] and "revive = true" in warning["message"] and warning["kind"] == "departments"
    assert warning["line"] == line_of(text, 'code = "dept_cd"') + 2  # delete = { deleted = "Y" } of departments
    revived = text.replace('code = "dept_cd"\nwhere = { tenant_id = 1, deleted = "N" }\ndelete = { deleted = "Y" }',
                           'code = "dept_cd"\nwhere = { tenant_id = 1, deleted = "N" }\ndelete = { deleted = "Y" }\nrevive = true')
    assert revived != text
    _code, found = doctor(cli, url, write_mapping(folder, revived))
    assert not of(found, "doctor-unique-soft-delete")


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


def test_postgres_search_path(postgres_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]) -> None:
    seed_vendor_a(engine_for(postgres_url))
    nowhere = postgres_url + ("&" if "?" in postgres_url else "?") + "options=-csearch_path%3Dnowhere"
    code, found = doctor(cli, nowhere, write_mapping(tmp_path, vendor_a_mapping()))
    assert code == 1 and findings_of(found, "doctor-search-path")


# -- read-only users ------------------------------------------------------------------------

@contextmanager
def postgres_reader(engine: sa.Engine, url: str) -> Iterator[str]:
    """A login role that may only SELECT (named for this database: roles are server-wide)."""
    role = f"{engine.url.database}_reader"
    if scalar(engine, "SELECT 1 FROM pg_roles WHERE rolname = :r", {"r": role}):
        execute(engine, f"DROP OWNED BY {role}")
        execute(engine, f"DROP ROLE {role}")
    execute(engine, f"CREATE ROLE {role} LOGIN")
    execute(engine, f"GRANT USAGE ON SCHEMA public TO {role}")
    execute(engine, f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    try:
        yield sa.engine.make_url(url).set(username=role, password=None).render_as_string(hide_password=False)
    finally:
        execute(engine, f"DROP OWNED BY {role}")
        execute(engine, f"DROP ROLE {role}")


@contextmanager
def mariadb_reader(engine: sa.Engine, url: str) -> Iterator[str]:
    """A user with SELECT on this database and nothing else."""
    database = engine.url.database
    user = f"{database}_ro"
    execute(engine, f"DROP USER IF EXISTS '{user}'@'%'")
    execute(engine, f"CREATE USER '{user}'@'%' IDENTIFIED BY 'reader-pass'")
    execute(engine, f"GRANT SELECT ON `{database}`.* TO '{user}'@'%'")
    try:
        yield sa.engine.make_url(url).set(username=user, password="reader-pass").render_as_string(hide_password=False)
    finally:
        execute(engine, f"DROP USER IF EXISTS '{user}'@'%'")


def test_doctor_through_a_postgres_role_that_may_only_read(
    postgres_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(postgres_url)
    seed_vendor_a(engine)
    text = vendor_a_mapping()
    mapping = write_mapping(tmp_path, text)
    before = tables_of(engine)
    with postgres_reader(engine, postgres_url) as reader:
        code, found = doctor(cli, reader, mapping)
        assert code == 0, found  # missing write privileges: warnings for a read-only user
        [writes] = [f for f in of(found, "doctor-write-privilege") if "cust_status" in f["message"]]
        assert "INSERT, UPDATE on cust_status" in writes["message"] and "DELETE" not in writes["message"]  # soft delete
        assert writes["severity"] == "warning" and writes["line"] == line_of(text, 'table = "cust_status"')
        assert not of(found, "doctor-privilege")
        assert doctor(cli, reader, mapping, "--strict")[0] == 1
        assert tables_of(engine) == before
        # Without SELECT nothing can read the table: an error.
        execute(engine, f"REVOKE SELECT ON dept FROM {engine.url.database}_reader")
        code, found = doctor(cli, reader, mapping)
        assert code == 1 and any("may not read dept" in m for m in findings_of(found, "doctor-privilege"))
    assert tables_of(engine) == before


def test_doctor_through_a_mariadb_user_that_may_only_select(
    mariadb_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(mariadb_url)
    seed_vendor_a(engine)
    mapping = write_mapping(tmp_path, vendor_a_mapping())
    before = tables_of(engine)
    with mariadb_reader(engine, mariadb_url) as reader:
        result = cli("doctor", "--database", reader, "--mapping", str(mapping))
        assert result.code == 0, result.text
        assert "warning doctor-write-privilege" in result.out and "INSERT, UPDATE on cust_status" in result.out
        assert "reader-pass" not in result.text
    assert tables_of(engine) == before


# -- engines, sequences, collations, padding --------------------------------------------------

def test_a_table_that_cannot_roll_back(mariadb_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]) -> None:
    engine = engine_for(mariadb_url)
    seed_vendor_a(engine)
    execute(engine, "ALTER TABLE dept ENGINE=MyISAM")
    text = vendor_a_mapping()
    code, found = doctor(cli, mariadb_url, write_mapping(tmp_path, text))
    assert code == 1
    [engine_error] = of(found, "doctor-engine")
    assert "dept uses the MyISAM engine" in engine_error["message"] and engine_error["line"] == line_of(text, 'table = "dept"')
    read_only = text.replace('table = "dept"', 'table = "dept"\nmanaged = false')
    code, found = doctor(cli, mariadb_url, write_mapping(tmp_path, read_only))
    assert code == 0 and not of(found, "doctor-engine")
    [note] = of(found, "doctor-engine-unmanaged")
    assert note["severity"] == "note" and "MyISAM" in note["message"]


def test_a_sequence_that_does_not_exist(postgres_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]) -> None:
    engine = engine_for(postgres_url)
    seed_vendor_a(engine)
    text = vendor_a_mapping().replace('key = "dept_id"', 'key = "dept_id"\nkey_source = { sequence = "Dept Seq" }')
    code, found = doctor(cli, postgres_url, write_mapping(tmp_path, text))
    assert code == 1
    [missing] = of(found, "doctor-sequence")
    assert "Dept Seq" in missing["message"] and missing["line"] == line_of(text, "key_source = { sequence")
    execute(engine, 'CREATE SEQUENCE "Dept Seq"')
    code, found = doctor(cli, postgres_url, write_mapping(tmp_path, text))
    assert code == 0 and not of(found, "doctor-sequence")


def _list_mapping(table: str, number_where: str, service_where: str, delete: str = "") -> str:
    """Number and service statuses in one vendor table, told apart by a where column."""
    parts = []
    for kind, where in (("number-statuses", number_where), ("service-statuses", service_where)):
        fields = "\n".join('name = "name"' if f.name == "name" else f"{f.name} = false" for f in get_kind(kind).fields)
        removal = delete if kind == "number-statuses" else 'delete = "hard"'
        parts.append(
            f'[kinds.{kind}]\ntable = "{table}"\nkey = "id"\ncode = "code"\nwhere = {where}\n{removal}\n\n'
            f"[kinds.{kind}.fields]\n{fields}\n"
        )
    return "\n".join(parts)


def test_scopes_and_soft_deletes_compared_under_the_columns_collation(
    mariadb_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(mariadb_url)
    execute(engine, "CREATE TABLE status_list (id INT AUTO_INCREMENT PRIMARY KEY, list_type VARCHAR(1) COLLATE utf8mb4_general_ci NOT NULL, "
            "state VARCHAR(1) COLLATE utf8mb4_general_ci NOT NULL DEFAULT 'A', code VARCHAR(64) NOT NULL, name VARCHAR(100) NOT NULL)")
    text = _list_mapping("status_list", '{ list_type = "n", state = "A" }', '{ list_type = "N" }', 'delete = { state = "a" }')
    code, found = doctor(cli, mariadb_url, write_mapping(tmp_path, text))
    assert code == 1, found
    [overlap] = of(found, "doctor-scope-overlap")
    assert "list_type" in overlap["message"] and "utf8mb4_general_ci" in overlap["message"]
    assert overlap["line"] == line_of(text, 'where = { list_type = "N" }')
    [soft] = of(found, "doctor-soft-delete-scope")
    assert "state" in soft["message"] and soft["line"] == line_of(text, 'delete = { state = "a" }')
    # Values that differ under the collation too: nothing to say.
    fixed = _list_mapping("status_list", '{ list_type = "n", state = "A" }', '{ list_type = "s" }', 'delete = { state = "D" }')
    code, found = doctor(cli, mariadb_url, write_mapping(tmp_path, fixed))
    assert code == 0 and not of(found, "doctor-scope-overlap") and not of(found, "doctor-soft-delete-scope")


def test_live_codes_equal_under_the_collation_name_both_rows(
    mariadb_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(mariadb_url)
    execute(engine, "CREATE TABLE grp (grp_key INT AUTO_INCREMENT PRIMARY KEY, grp_code VARCHAR(64) COLLATE utf8mb4_general_ci NOT NULL, "
            "label VARCHAR(100) NOT NULL)")
    execute(engine, "INSERT INTO grp (grp_key, grp_code, label) VALUES (1, 'VIP_CLIENT', 'VIP'), (2, 'RESIDENTIAL', 'Homes'), "
            "(4, 'Vip_Client', 'VIP again')")
    text = SHORT_GROUPS.replace('"short_grp"', '"grp"').replace('display_position = { column = "ord", null = 0 }', "display_position = false")
    text = text.replace('code = "grp_code"', 'code = { column = "grp_code", case = "upper", separator = "_" }')
    code, found = doctor(cli, mariadb_url, write_mapping(tmp_path, text))
    assert code == 1
    [collision] = of(found, "doctor-code-collation")
    assert "row 1 ('VIP_CLIENT')" in collision["message"] and "row 4 ('Vip_Client')" in collision["message"]
    assert collision["line"] == line_of(text, "code = { column") and "RESIDENTIAL" not in collision["message"]


def test_char_columns_on_postgres_are_a_note(
    postgres_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(postgres_url)
    seed_vendor_a(engine)
    execute(engine, "ALTER TABLE dept ALTER COLUMN dept_name TYPE CHAR(100), ALTER COLUMN dept_cd TYPE CHAR(64)")
    text = vendor_a_mapping()
    code, found = doctor(cli, postgres_url, write_mapping(tmp_path, text))
    assert code == 0, found
    padded = {f["line"]: f for f in of(found, "doctor-char-padding")}
    assert "dept.dept_name is CHAR(100)" in padded[line_of(text, 'name = "dept_name"')]["message"]
    assert padded[line_of(text, 'code = "dept_cd"')]["severity"] == "note"


def test_a_column_of_a_type_sqlalchemy_does_not_know_warns_nobody(
    postgres_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(postgres_url)
    seed_vendor_a(engine)
    execute(engine, "ALTER TABLE cust_status ADD COLUMN location point")
    target = ["--database", postgres_url, "--mapping", str(write_mapping(tmp_path, vendor_a_mapping())), "--config-dir", str(tmp_path / "config")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = cli("doctor", *target)
        adopted = cli("adopt", "--yes", *target)
        applied = cli("apply", "--yes", *target)  # apply reads the catalogue too, in its transaction
    assert result.code == 0 and adopted.code == 0 and applied.code == 0, result.text + adopted.text + applied.text
    assert "Did not recognize" not in result.err + adopted.err + applied.err and "point" not in result.err
    assert [str(w.message) for w in caught if issubclass(w.category, sa.exc.SAWarning)] == []
