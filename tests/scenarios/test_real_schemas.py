"""Adoption on two real open-source billing schemas, loaded exactly as their projects ship them
(tests/fixtures/real_schemas: Dolibarr 15.0.3's dictionary tables on InnoDB, A2Billing's on
MyISAM and on PostgreSQL): doctor, adopt, an empty plan, then edits, creates, in-use deletes,
revives, drift and the export round trip, with no statement that alters a vendor's table.

Dolibarr assigns dictionary keys in PHP (max+1), keeps varchar(12) codes and varchar(30)
names, counts ticket categories by their CODE and covers other countries' rows with its
unique code index. A2Billing's MyISAM tables cannot roll back: every command that only reads
works on them, and apply is refused before it writes anything.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import REPO
from tests.testing.databases import execute, scalar
from tests.testing.files import edit, write_entry
from tests.testing.fixtures import backend_url
from tests.testing.real_schemas import FIXTURES, load

VENDOR_DDL = re.compile(r"^\s*(ALTER|DROP|TRUNCATE|RENAME|CREATE\s+(?:UNIQUE\s+)?INDEX)\b", re.IGNORECASE)
OWN_TABLE = re.compile(r"(config_audit_log|config_applied_state|billing_config_\w+)", re.IGNORECASE)


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every statement any engine sends while the test runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def vendor_alterations(seen: list[str]) -> list[str]:
    """Statements that change a table's definition, other than the tool's own tables'."""
    return [
        s for s in seen
        if (VENDOR_DDL.match(s) or re.match(r"\s*CREATE\s+TABLE", s, re.I)) and not OWN_TABLE.search(s)
    ]


def rows(engine: sa.Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(sql))]


def project(tmp_path: Path, engine: sa.Engine, name: str) -> tuple[Path, list[str]]:
    """The vendor's files loaded as its installer runs them: in a plain session with the
    server's own settings (the tool's sessions are stricter, and A2Billing's updates rely on
    zero dates)."""
    plain = sa.create_engine(engine.url)
    try:
        load(plain, name)
    finally:
        plain.dispose()
    mapping = tmp_path / f"{name}-mapping.toml"
    shutil.copy(FIXTURES / name / "mapping.toml", mapping)
    config = tmp_path / "repo" / "config"
    return config, ["--mapping", str(mapping), "--config-dir", str(config)]


def test_dolibarr_as_shipped(
    tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine], statements: list[str]
) -> None:
    url = backend_url("mariadb", tmp_path)
    engine = engine_for(url)
    config, mapping = project(tmp_path, engine, "dolibarr")
    target = ["--database", url, *mapping]
    outside = {
        "typent": "SELECT * FROM llx_c_typent WHERE fk_country IS NOT NULL ORDER BY id",
        "categories": "SELECT rowid, entity, code, label, active FROM llx_c_ticket_category WHERE entity <> 1 ORDER BY rowid",
        "tags": "SELECT rowid, entity, label, type FROM llx_categorie WHERE type <> 2 OR entity <> 1 ORDER BY rowid",
    }
    before = {name: rows(engine, sql) for name, sql in outside.items()}
    statements.clear()

    # doctor: fits, and states the target's limits rather than asking to widen columns.
    result = cli("doctor", *target)
    assert result.code == 0, result.text
    assert "names on this target: at most 30 characters" in result.text
    # adopt: customer tags have no code column (bound by name); dictionaries keep their codes.
    result = cli("adopt", "--yes", *target)
    assert result.code == 0, result.text
    assert sorted(p.stem for p in (config / "groups").iterdir()) == ["resellers", "residential", "vip", "vip-gold"]
    assert "st-never" in {p.stem for p in (config / "statuses").iterdir()}
    assert (config / "statuses" / "st-never.yaml").read_text().splitlines()[1:] == ["name: Never contacted", "availability: Standard"]
    assert cli("validate", "--config-dir", str(config)).code == 0
    assert cli("plan", "--detailed-exitcode", *target).code == 0

    # An edit writes only the changed column; a create takes max(id) + 1 as Dolibarr's PHP does.
    edit(config / "statuses" / "st-lost.yaml", "name: Lost to a competitor", "name: Lost")
    write_entry(config, "statuses", "st-port", "name: Porting in\n")
    result = cli("apply", "--yes", *target)
    assert result.code == 0, result.text
    assert rows(engine, "SELECT id, code, libelle, active FROM llx_c_stcomm WHERE id >= 4 ORDER BY id") == [
        (4, "ST_LOST", "Lost", 0), (5, "ST_PORT", "Porting in", 1),
    ]
    # The seeded statuses the PHP relies on are protected.
    edit(config / "statuses" / "st-never.yaml", "name: Never contacted", "name: Not yet called")
    result = cli("plan", "--detailed-exitcode", *target)
    assert result.code == 3 and "protected-row" in result.out
    edit(config / "statuses" / "st-never.yaml", "name: Not yet called", "name: Never contacted")

    # The target narrows the config: a long name, a long code, a value the encoding lacks.
    write_entry(config, "statuses", "st-porting-in-progress", "name: Number porting in progress (donor)\navailability: Headline\n")
    result = cli("plan", *target)
    assert result.code == 1
    for rule in ("target-limit the code 'st-porting-in-progress'", "target-limit name is 34 characters", "target-value availability"):
        assert rule in result.err, result.err
    (config / "statuses" / "st-porting-in-progress.yaml").unlink()

    # uk_c_typent(code) covers Argentina's rows, outside the scope: refused at plan.
    write_entry(config, "classes", "te-a-ri", "name: Clashes with Argentina\n")
    result = cli("plan", "--detailed-exitcode", *target)
    assert result.code == 3 and "row 231 (out of scope)" in result.out and "uk_c_typent" in result.out
    (config / "classes" / "te-a-ri.yaml").unlink()
    # So is renaming a class to that code: the row keeps its key, and its code column would clash.
    result = cli("rename", "class", "te-small", "te-a-ri", *target)
    assert result.code == 1 and "row 231 (out of scope)" in result.err and "uk_c_typent" in result.err, result.text
    assert (config / "classes" / "te-small.yaml").is_file()
    # TE_STARTUP ships disabled: creating it restores that row.
    write_entry(config, "classes", "te-startup", "name: Start-up\n")
    result = cli("apply", "--yes", *target)
    assert result.code == 0, result.text
    assert rows(engine, "SELECT id, active, libelle FROM llx_c_typent WHERE code = 'TE_STARTUP'") == [(1, 1, "Start-up")]
    assert scalar(engine, "SELECT action FROM config_audit_log WHERE code = 'te-startup'") == "revive"

    # Deletes in use are refused, counted per usage table: a ticket names SUPPORT by its code.
    (config / "departments" / "support.yaml").unlink()
    result = cli("plan", "--detailed-exitcode", *target)
    assert result.code == 3 and "used by 1 ticket and 1 sub-category" in result.out, result.out
    assert cli("export", *target).code == 0
    # An unused one is soft-deleted (active = 0), then revived by putting its file back.
    sales = (config / "departments" / "sales.yaml").read_text()
    (config / "departments" / "sales.yaml").unlink()
    assert cli("apply", "--yes", *target).code == 0
    assert scalar(engine, "SELECT active FROM llx_c_ticket_category WHERE code = 'SALES' AND entity = 1") == 0
    (config / "departments" / "sales.yaml").write_text(sales)
    assert cli("apply", "--yes", *target).code == 0
    assert scalar(engine, "SELECT active FROM llx_c_ticket_category WHERE code = 'SALES' AND entity = 1") == 1

    # A category added by hand in Dolibarr's own screen: drift, then export brings it in.
    execute(engine, "INSERT INTO llx_c_ticket_category (rowid, entity, code, label, use_default, pos, active) "
            "VALUES (8, 1, 'NOC', 'Network operations', 0, 50, 1)")
    result = cli("drift", *target)
    assert result.code == 2 and "departments/noc" in result.out
    assert cli("export", *target).code == 0
    assert (config / "departments" / "noc.yaml").is_file()
    assert cli("plan", "--detailed-exitcode", *target).code == 0

    assert {name: rows(engine, sql) for name, sql in outside.items()} == before
    assert vendor_alterations(statements) == []


@pytest.mark.parametrize("backend", ["mariadb", "postgres"])
def test_a2billing_as_shipped(
    backend: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine], statements: list[str]
) -> None:
    url = backend_url(backend, tmp_path)
    engine = engine_for(url)
    config, mapping = project(tmp_path, engine, "a2billing")
    target = ["--database", url, *mapping]
    statements.clear()

    result = cli("adopt", "--yes", *target)
    assert result.code == 0, result.text
    assert sorted(p.stem for p in (config / "departments").iterdir()) == ["billing", "default", "sales", "technical-support"]
    assert cli("plan", "--detailed-exitcode", *target).code == 0
    # Tickets reach a support box through its components: counted per usage table.
    (config / "departments" / "default.yaml").unlink()
    result = cli("plan", "--detailed-exitcode", "--prune", *target)
    assert result.code == 3 and re.search(r"used by \d+ tickets? and \d+ components?", result.out), result.out
    assert cli("export", *target).code == 0

    write_entry(config, "departments", "billing-desk", "name: Billing Desk\n")
    result = cli("doctor", *target)
    if backend == "postgres":
        # A2Billing inserts its DEFAULT rows with explicit ids and leaves the serial sequences at
        # 1: doctor says so before an apply would fail on the primary key.
        assert result.code == 1 and "doctor-sequence-behind" in result.out and "cc_support.id" in result.out, result.text
    if backend == "mariadb":
        # MyISAM cannot roll back: doctor says so, and apply refuses before any write.
        assert result.code == 1 and "doctor-engine" in result.out
        before = rows(engine, "SELECT * FROM cc_support ORDER BY id")
        result = cli("apply", "--yes", *target)
        assert result.code == 1 and "MyISAM" in result.text
        assert rows(engine, "SELECT * FROM cc_support ORDER BY id") == before
    # Reads work whatever the engine: drift against what adopt recorded, export.
    execute(engine, "INSERT INTO cc_support (id, name, email, language) VALUES (100, 'Fraud desk', NULL, 'en')")
    result = cli("drift", *target)
    assert result.code == 2 and "Fraud desk" in result.out, result.text
    assert cli("export", *target).code == 0
    assert vendor_alterations(statements) == []


def test_the_fixtures_cite_their_source() -> None:
    for sql in FIXTURES.rglob("*.sql"):
        head = sql.read_text(encoding="utf-8", errors="replace")[:3000]
        if "OUR ROWS" in head:
            continue
        assert re.search(r"github\.com/\S+", head) and re.search(r"\b[0-9a-f]{40}\b", head), f"{sql.relative_to(REPO)} cites no repository and commit"
