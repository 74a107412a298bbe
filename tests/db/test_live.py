"""Reading live rows through a mapping: what the database pads is read as it was written, and a
read that fails on a column the mapping names says which column, where the mapping names it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.scenarios.vendor_schemas import seed_vendor_a, vendor_a_mapping, write_mapping
from tests.testing.databases import execute, scalar


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def test_char_columns_on_postgres_are_read_without_their_padding(
    postgres_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(postgres_url)
    seed_vendor_a(engine)
    execute(engine, "ALTER TABLE dept ALTER COLUMN dept_name TYPE CHAR(100), ALTER COLUMN dept_cd TYPE CHAR(64)")
    assert scalar(engine, "SELECT dept_name FROM dept WHERE dept_id = 2") == "Billing" + " " * 93
    config = tmp_path / "config"
    target = ["--database", postgres_url, "--mapping", str(write_mapping(tmp_path, vendor_a_mapping())), "--config-dir", str(config)]
    assert cli("adopt", "--yes", *target).code == 0
    # The padded code reads as the code 'billing' (not a legacy value), its name as 'Billing'.
    assert "name: Billing\n" in (config / "departments" / "billing.yaml").read_text()
    bindings = "SELECT code FROM billing_config_bindings WHERE kind = 'departments'"
    with engine.connect() as connection:
        assert [row[0] for row in connection.execute(sa.text(bindings))] == ["field-ops"]  # only the legacy Field_Ops
    result = cli("plan", "--detailed-exitcode", *target)
    assert result.code == 0, result.text
    (config / "departments" / "billing.yaml").write_text("name: Billing Team\n")
    assert cli("apply", "--yes", *target).code == 0
    assert cli("plan", "--detailed-exitcode", *target).code == 0


def test_a_read_through_a_wrong_column_says_which_and_where(
    db_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]
) -> None:
    seed_vendor_a(engine_for(db_url))
    config = ["--config-dir", str(tmp_path / "config")]
    assert cli("adopt", "--yes", "--database", db_url, "--mapping", str(write_mapping(tmp_path, vendor_a_mapping())), *config).code == 0
    text = vendor_a_mapping().replace('name = "dept_name"', 'name = "dept_nme"')
    mapping = write_mapping(tmp_path, text)
    for command in ("plan", "export", "drift"):
        result = cli(command, "--database", db_url, "--mapping", str(mapping), *config)
        assert result.code == 1, result.text
        assert "dept has no column dept_nme (did you mean 'dept_name'?)" in result.err
        assert f"mapping.toml:{line_of(text, 'dept_nme')}:1: kinds.departments.fields.name" in result.err
        assert "billing-config doctor" in result.err
        assert "LINE 1" not in result.text and "SELECT" not in result.text and "Traceback" not in result.text
