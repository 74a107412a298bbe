"""The real vendor schemas load, unaltered, on the servers they were written for; and the
statement splitter that loads them cuts files the way the vendors' clients do."""

from __future__ import annotations

import tomllib

import pytest
import sqlalchemy as sa

from billing_config.kinds import get_kind

from tests.testing.databases import reset_database
from tests.testing.fixtures import server_url
from tests.testing.real_schemas import (
    FIXTURES,
    Backend,
    Dialect,
    fixture_files,
    load,
    projects,
    split_statements,
    supported_backends,
)

# What a fresh load must hold: every table with its storage engine (MariaDB), and the row count
# of the tables we map (the vendor's seed rows plus ours).
TABLES: dict[str, dict[str, str]] = {
    "dolibarr": {
        "llx_c_stcomm": "InnoDB",
        "llx_c_typent": "InnoDB",
        "llx_c_ticket_category": "InnoDB",
        "llx_categorie": "InnoDB",
        "llx_categorie_societe": "InnoDB",
        "llx_societe": "InnoDB",
        "llx_ticket": "InnoDB",
    },
    "a2billing": {
        "cc_card_group": "MyISAM",
        "cc_support": "MyISAM",
        "cc_support_component": "MyISAM",
        "cc_ticket": "MyISAM",
        "cc_card": "MyISAM",
        "cc_card_archive": "MyISAM",
        "cc_card_seria": "MyISAM",
        "cc_cardgroup_service": "MyISAM",
        "cc_campaignconf_cardgroup": "MyISAM",
    },
}
ROWS: dict[str, dict[str, int]] = {
    "dolibarr": {"llx_c_stcomm": 5 + 1, "llx_c_typent": 12 + 1, "llx_c_ticket_category": 1 + 6, "llx_categorie": 7},
    "a2billing": {"cc_card_group": 1 + 3, "cc_support": 1 + 3},
}
UNIQUE: dict[str, dict[str, list[list[str]]]] = {
    "dolibarr": {
        "llx_c_stcomm": [["code"]],
        "llx_c_typent": [["code"]],
        "llx_c_ticket_category": [["code", "entity"]],
        "llx_categorie": [],
    },
    "a2billing": {"cc_card_group": [], "cc_support": []},
}


def test_projects_and_their_backends() -> None:
    assert projects() == ["a2billing", "dolibarr"]
    # Dolibarr ships MySQL files only (its installer converts them for PostgreSQL on the fly);
    # A2Billing shipped a PostgreSQL schema too, up to v1.7.0.
    assert supported_backends("dolibarr") == ["mariadb"]
    assert supported_backends("a2billing") == ["mariadb", "postgres"]


@pytest.mark.parametrize("project", ["dolibarr", "a2billing"])
def test_our_rows_load_last(project: str) -> None:
    for backend in supported_backends(project):
        names = [path.name for path in fixture_files(project, backend)]
        assert names[-1] == "90-our-rows.sql"
        assert names == sorted(names)


@pytest.mark.parametrize("project", ["dolibarr", "a2billing"])
def test_draft_mapping_lists_every_field(project: str) -> None:
    """The draft mappings (which the parser cannot read yet) map every field of their kinds,
    to a column or to false, and every mapped table is one the fixture creates."""
    mapping = tomllib.loads((FIXTURES / project / "mapping.toml").read_text(encoding="utf-8"))
    for kind_name, kind in mapping["kinds"].items():
        assert set(kind["fields"]) == {field.name for field in get_kind(kind_name).fields}, kind_name
        assert kind["table"] in TABLES[project]
        for usage in kind.get("usage", []):
            assert usage["table"] in TABLES[project]


def _cases() -> list[object]:
    cases: list[object] = []
    for project in ("dolibarr", "a2billing"):
        for backend in supported_backends(project):
            marks = [pytest.mark.mariadb] if backend == "mariadb" else [pytest.mark.postgres]
            cases.append(pytest.param(project, backend, id=f"{project}-{backend}", marks=marks))
    return cases


@pytest.mark.parametrize(("project", "backend"), _cases())
def test_fixture_loads_unaltered(project: str, backend: Backend) -> None:
    url = server_url(backend)
    reset_database(url)
    engine = sa.create_engine(url)
    try:
        load(engine, project)
        inspector = sa.inspect(engine)
        assert set(TABLES[project]) <= set(inspector.get_table_names())
        with engine.connect() as connection:
            for table, count in ROWS[project].items():
                assert connection.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar_one() == count, table
            if backend == "mariadb":
                rows = connection.exec_driver_sql(
                    "SELECT table_name, engine FROM information_schema.tables WHERE table_schema = DATABASE()"
                ).all()
                engines: dict[str, str] = {str(name): str(engine_name) for name, engine_name in rows}
                assert {table: engines[table] for table in TABLES[project]} == TABLES[project]
        if backend == "mariadb":
            for table, expected in UNIQUE[project].items():
                unique = [index["column_names"] for index in inspector.get_indexes(table) if index["unique"]]
                assert unique == expected, table
    finally:
        engine.dispose()


def test_a2billing_postgres_keeps_the_vendors_sequence_trap() -> None:
    """The vendor seeds cc_support id 1 without advancing its sequence: the next key collides.
    A mapping with key_source "default" must meet this as it is."""
    url = server_url("postgres")
    reset_database(url)
    engine = sa.create_engine(url)
    try:
        load(engine, "a2billing")
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT nextval('cc_support_id_seq')").scalar_one() == 1
    finally:
        engine.dispose()


# The splitter, on the constructs the vendors' files use.


def texts(sql: str, dialect: Dialect = "mysql") -> list[str]:
    return [statement.text for statement in split_statements(sql, dialect)]


def test_statements_are_cut_at_delimiters_outside_quotes_and_comments() -> None:
    sql = (
        "-- a comment; not a statement\n"
        "INSERT INTO t VALUES ('a;b', \"c;d\", 'It''s; here', 'back\\'slash;');\n"
        "/* block; comment */ CREATE TABLE `x;y` (id int -- trailing; comment\n);\n"
        "# hash comment;\n"
        "SELECT 1;;\n"
    )
    assert texts(sql) == [
        "INSERT INTO t VALUES ('a;b', \"c;d\", 'It''s; here', 'back\\'slash;')",
        "CREATE TABLE `x;y` (id int -- trailing; comment\n)",
        "SELECT 1",
    ]


def test_statements_keep_their_bytes_and_positions() -> None:
    sql = "\n\n  create table a (\n\tid int  -- keep me\n) ENGINE=MyISAM ;\nselect 2"
    statements = split_statements(sql, "mysql")
    assert [(s.line, s.text) for s in statements] == [
        (3, "create table a (\n\tid int  -- keep me\n) ENGINE=MyISAM"),
        (6, "select 2"),
    ]
    for statement in statements:
        assert sql[statement.offset : statement.offset + len(statement.text)] == statement.text


def test_mysql_double_dash_needs_a_space_and_version_comments_are_code() -> None:
    assert texts("SELECT 1--1;\n/*!40101 SET NAMES utf8 */;\n/*M!100100 SELECT 3 */;") == [
        "SELECT 1--1",
        "/*!40101 SET NAMES utf8 */",
        "/*M!100100 SELECT 3 */",
    ]


def test_mysql_delimiter_command() -> None:
    sql = (
        "DROP TRIGGER IF EXISTS `t`;\n"
        "DELIMITER //\n"
        "CREATE TRIGGER `t` BEFORE INSERT ON `x`\n FOR EACH ROW BEGIN\n\tSET NEW.a = 1;\nEND\n//\n"
        "DELIMITER ;\n"
        "SELECT 1;\n"
    )
    assert texts(sql) == [
        "DROP TRIGGER IF EXISTS `t`",
        "CREATE TRIGGER `t` BEFORE INSERT ON `x`\n FOR EACH ROW BEGIN\n\tSET NEW.a = 1;\nEND",
        "SELECT 1",
    ]


def test_postgresql_quoting() -> None:
    sql = (
        "\\set ON_ERROR_STOP ON;\n"
        "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN x := ';'; RETURN NEW; END $$ LANGUAGE plpgsql;\n"
        "SELECT $tag$;$tag$, E'a\\';b', 'c\\', \"d;e\" /* nested /* ; */ ; */;\n"
        "SET standard_conforming_strings = off;\n"
        "SELECT 'f\\';g';\n"
        "SELECT a--b;\n"
        "c;\n"
    )
    assert texts(sql, "postgresql") == [
        "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN x := ';'; RETURN NEW; END $$ LANGUAGE plpgsql",
        "SELECT $tag$;$tag$, E'a\\';b', 'c\\', \"d;e\" /* nested /* ; */ ; */",
        "SET standard_conforming_strings = off",
        "SELECT 'f\\';g'",
        "SELECT a--b;\nc",
    ]


def test_psql_meta_commands_other_than_set_are_refused() -> None:
    with pytest.raises(ValueError, match="connect"):
        split_statements("\\connect other\nSELECT 1;\n", "postgresql")
