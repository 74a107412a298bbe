"""The recorded state per target: written by db init --sample-data and by every apply, in the
apply's transaction, one row per live entry of the managed kinds."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from billing_config.db.tool.state import read_recorded
from tests.testing.databases import execute, install_fault, remove_fault, scalar
from tests.testing.fixtures import Run
from tests.testing.files import edit, write_entry


def recorded(engine: sa.Engine) -> dict[tuple[str, str], tuple[bool, dict[str, object], str]]:
    with engine.connect() as connection:
        state = read_recorded(connection)
    return {(kind, code): (r.managed, r.values, r.run_id) for kind, rows in state.entries.items() for code, r in rows.items()}


# Every kind the reference schema manages, the lifecycle lists and classes included.
MANAGED = ("statuses", "groups", "departments", "number-statuses", "service-statuses", "feature-statuses", "classes")


def test_db_init_sample_data_records_the_seeded_entries_as_managed(
    live: str, config_tree: Path, engine_for: Callable[[str], sa.Engine]
) -> None:
    state = recorded(engine_for(live))
    assert {key for key, (managed, _, _) in state.items() if managed} == {
        (path.parent.name, path.stem) for kind in MANAGED for path in (config_tree / kind).glob("*.yaml")
    }
    assert state[("departments", "sales")][1] == {"name": "Sales"}


def test_every_apply_records_the_state_also_when_nothing_changes(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(live)
    execute(engine, "INSERT INTO customer_groups (code, name) VALUES ('walk-in', 'Walk-in')")
    first = recorded(engine)
    nothing = cli("apply", "--database", live, "--config-dir", str(config_tree), "--yes")
    assert nothing.code == 0 and "Nothing to do." in nothing.out, nothing.text
    again = recorded(engine)
    assert {key: values for key, (_, values, _) in again.items() if key != ("groups", "walk-in")} == {
        key: values for key, (_, values, _) in first.items()
    }
    assert len({run for _, _, run in again.values()}) == 1 and again[("departments", "sales")][2] != first[("departments", "sales")][2]
    # The row inserted by hand is recorded as seen, not as managed.
    assert again[("groups", "walk-in")][0] is False

    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Sales and Renewals")
    write_entry(config_tree, "groups", "enterprise", "name: Enterprise\n")
    (config_tree / "groups" / "vip-client.yaml").unlink()
    execute(engine, "DELETE FROM customer_group_members WHERE customer_group_id = (SELECT id FROM customer_groups WHERE code = 'vip-client')")
    result = cli("apply", "--database", live, "--config-dir", str(config_tree), "--yes")
    assert result.code == 0, result.text
    state = recorded(engine)
    assert state[("departments", "sales")][:2] == (True, {"name": "Sales and Renewals"})
    assert state[("groups", "enterprise")][0] is True
    assert ("groups", "vip-client") not in state  # deleted, so no longer recorded
    assert scalar(engine, "SELECT count(*) FROM config_applied_state") == len(state)


def test_a_failed_apply_records_nothing(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(live)
    before = recorded(engine)
    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Broken")
    install_fault(engine, "departments", "name", "Broken")
    try:
        result = cli("apply", "--database", live, "--config-dir", str(config_tree), "--yes")
    finally:
        remove_fault(engine, "departments")
    assert result.code == 1 and "rolled back" in result.err
    assert recorded(engine) == before


def test_the_recorded_values_are_json_with_references_as_codes(live: str, engine_for: Callable[[str], sa.Engine]) -> None:
    with engine_for(live).connect() as connection:
        raw = connection.execute(
            sa.text("SELECT \"values\" FROM config_applied_state WHERE kind = 'statuses' AND code = 'ceased'")
            if connection.dialect.name != "mysql" and connection.dialect.name != "mariadb"
            else sa.text("SELECT `values` FROM config_applied_state WHERE kind = 'statuses' AND code = 'ceased'")
        ).scalar()
    values = json.loads(raw) if isinstance(raw, str) else raw
    assert values["next_status"] == "ex-customer" and values["is_billable"] is True


def test_a_damaged_recorded_state_is_a_message_naming_the_rows_and_apply_repairs_it(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    """Regression (issue 16, item 8): hand-edited values (`[1, 2`, `123`, `"abc"`) in
    config_applied_state ended drift in "internal error". Each database keeps what its JSON
    column accepts; whatever it kept, drift names the row and says how to repair it."""
    engine = engine_for(live)
    damaged = []
    for code, value in (("sales", "[1, 2"), ("accounts", "123"), ("provisioning", '"abc"')):
        try:
            execute(engine, "UPDATE config_applied_state SET \"values\" = :value WHERE kind = 'departments' AND code = :code"
                    if not live.startswith("mysql") else
                    "UPDATE config_applied_state SET `values` = :value WHERE kind = 'departments' AND code = :code",
                    {"value": value, "code": code})
        except sa.exc.SQLAlchemyError:
            continue  # PostgreSQL's json refuses text that is no JSON at all
        damaged.append(code)
    assert damaged
    result = cli("drift", "--database", live, "--config-dir", str(config_tree))
    assert result.code == 1, result.text
    assert "internal error" not in result.err
    assert "damaged row(s)" in result.err and "run `billing-config apply`" in result.err
    for code in damaged:
        assert f"  departments/{code}: values is" in result.err, result.err
    assert cli("plan", "--database", live, "--config-dir", str(config_tree), "--detailed-exitcode").code == 0
    assert cli("apply", "--yes", "--database", live, "--config-dir", str(config_tree)).code == 0
    assert cli("drift", "--database", live, "--config-dir", str(config_tree)).code == 0
