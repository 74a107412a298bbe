"""adopt's files (files/adopt.py): written like export's, never through a symbolic link, never
over an existing file, and never for a row whose values no valid file may hold (issue 16, items
5 and 9: adopt wrote through a linked kind folder, non-atomically, and any live value)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.scenarios.vendor_schemas import seed_vendor_a, vendor_a_mapping, write_mapping
from tests.testing.databases import execute, scalar
from tests.testing.fixtures import Run


def vendor(db_url: str, tmp_path: Path, engine_for: Callable[[str], sa.Engine]) -> tuple[sa.Engine, list[str], Path]:
    engine = engine_for(db_url)
    seed_vendor_a(engine)
    mapping = write_mapping(tmp_path, vendor_a_mapping())
    config = tmp_path / "repo" / "config"
    return engine, ["--database", db_url, "--mapping", str(mapping), "--config-dir", str(config)], config


def bindings(engine: sa.Engine) -> int:
    try:
        return int(scalar(engine, "SELECT count(*) FROM billing_config_bindings"))
    except sa.exc.SQLAlchemyError:
        return 0


@pytest.mark.parametrize("linked", ["config", "statuses"])
def test_a_linked_folder_is_refused_before_anything_is_bound(
    db_url: str, tmp_path: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], linked: str
) -> None:
    engine, target, config = vendor(db_url, tmp_path, engine_for)
    outside = tmp_path / "outside"
    outside.mkdir()
    if linked == "config":
        config.parent.mkdir(parents=True)
        config.symlink_to(outside)
    else:
        config.mkdir(parents=True)
        (config / "statuses").symlink_to(outside)
    result = cli("adopt", "--yes", *target)
    assert result.code == 1, result.text
    assert "symbolic link" in result.err and "nothing was written" in result.err
    assert list(outside.iterdir()) == []
    assert bindings(engine) == 0


def test_files_are_written_in_their_folder_atomically_and_never_over_a_planted_link(
    sqlite_url: str, tmp_path: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine, target, config = vendor(sqlite_url, tmp_path, engine_for)
    (config / "statuses").mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    (config / "statuses" / "active.yaml").symlink_to(victim)  # dangling: a plain write would create it
    result = cli("adopt", "--yes", *target)
    assert result.code == 0, result.text
    assert not victim.exists()
    assert (config / "statuses" / "active.yaml").is_symlink()
    assert (config / "statuses" / "suspended.yaml").is_file()
    assert not [p for p in config.rglob("*") if p.name.startswith(".") and p.name.endswith(".tmp")]


def test_a_row_no_valid_file_may_hold_gets_no_file_and_is_named_escaped(
    db_url: str, tmp_path: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine, target, config = vendor(db_url, tmp_path, engine_for)
    execute(engine, "UPDATE cust_status SET status_name = :name WHERE status_id = 2", {"name": "Susp\x1b[2Kended\x7f"})
    result = cli("adopt", "--yes", *target)
    assert result.code == 0, result.text
    assert "\x1b" not in result.text and "\x7f" not in result.text
    assert "statuses/" in result.err and "\\x1b" in result.err and "can't be written to a file that validates" in result.err
    assert sorted(p.stem for p in (config / "statuses").iterdir()) == ["active", "ceased", "old-trial"]
    assert cli("validate", "--config-dir", str(config)).code == 0
    assert os.path.isdir(config / "departments")
