"""Unique constraints kept at plan (plan/collisions.py), on real databases: every row the
constraint covers counts (in scope, out of scope, soft-deleted, made by the same plan), values
compare as stored (after the code transform), and two updates swapping values are refused
since their batch has no order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.scenarios.vendor_schemas import VENDOR_C_STATUS, seed_vendor_c, vendor_c_mapping, write_mapping
from tests.testing.databases import execute
from tests.testing.files import edit, write_entry


def setup(db_url: str, tmp_path: Path, cli: Callable[..., Any], engine: sa.Engine, mapping_text: str) -> list[str]:
    seed_vendor_c(engine)
    table = engine.dialect.identifier_preparer.quote(VENDOR_C_STATUS)
    execute(engine, f"CREATE UNIQUE INDEX stat_label ON {table} (tenant, label)")
    mapping = write_mapping(tmp_path, mapping_text)
    config = tmp_path / "config"
    target = ["--database", db_url, "--mapping", str(mapping), "--config-dir", str(config)]
    assert cli("adopt", "--yes", *target).code == 0
    assert cli("plan", "--detailed-exitcode", *target).code == 0
    return target


def refusals(cli: Callable[..., Any], target: list[str]) -> str:
    result = cli("plan", "--detailed-exitcode", *target)
    assert result.code == 3, result.text
    return str(result.out)


def test_clashes_in_scope_and_swaps(db_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]) -> None:
    engine = engine_for(db_url)
    target = setup(db_url, tmp_path, cli, engine, vendor_c_mapping())
    config = tmp_path / "config"
    # A row added on live, with no file (unmanaged): a new entry may not take its name.
    table = engine.dialect.identifier_preparer.quote(VENDOR_C_STATUS)
    code = engine.dialect.identifier_preparer.quote("Code")
    execute(engine, f"INSERT INTO {table} (stat_id, uid, tenant, {code}, label, avail_id, billable, pos) VALUES (60, 'u60', 1, 'HAND', 'Hand Added', 20, 0, 0)")
    write_entry(config, "statuses", "copy", "name: Hand Added\n")
    out = refusals(cli, target)
    assert "'copy' can't be created" in out and "stat_label" in out and "row 60 (Hand Added, in scope)" in out, out
    (config / "statuses" / "copy.yaml").unlink()
    # Active and Suspended swap names: whichever update runs first meets the other's old value.
    edit(config / "statuses" / "suspended.yaml", "name: Suspended", "name: Active")
    edit(config / "statuses" / "active.yaml", "name: Active", "name: Suspended")
    out = refusals(cli, target)
    assert "can't be updated" in out and "stat_label" in out


def test_a_soft_deleted_row_without_revive_is_named(db_url: str, tmp_path: Path, cli: Callable[..., Any], engine_for: Callable[[str], sa.Engine]) -> None:
    target = setup(db_url, tmp_path, cli, engine_for(db_url), vendor_c_mapping().replace("revive = true\n", ""))
    write_entry(tmp_path / "config", "statuses", "old-plan", "name: Old Plan Again\n")
    out = refusals(cli, target)
    assert "row 7 (soft-deleted)" in out and "set revive = true" in out
