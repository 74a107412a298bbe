"""The whole lifecycle on every backend: the three status lists and the customer classes are
planned, applied, exported and protected like customer statuses, with real impact counts."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from tests.testing.databases import execute, scalar
from tests.testing.fixtures import Run
from tests.testing.files import edit, write_entry

NEW_KINDS = ("number-statuses", "service-statuses", "feature-statuses", "classes")


def _run(cli: Callable[..., Run], command: str, url: str, config: Path, *extra: str) -> Run:
    return cli(command, "--database", url, "--config-dir", str(config), *extra)


def test_plan_apply_and_export_carry_the_four_lifecycle_kinds(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], tmp_path: Path
) -> None:
    engine = engine_for(live)
    assert _run(cli, "plan", live, config_tree, "--detailed-exitcode").code == 0  # db init seeded them all

    # Updates, with impact counted in the tables that use each list.
    edit(config_tree / "number-statuses" / "suspended.yaml", "name: Suspended", "name: Barred")
    edit(config_tree / "service-statuses" / "active.yaml", "display_position: 20", "display_position: 25")
    edit(config_tree / "feature-statuses" / "suspended.yaml", "short_name: SUS", "short_name: SSP")
    edit(config_tree / "classes" / "public-sector.yaml", "name: Public Sector", "name: Public Sector Body")
    # Creates, one naming another created in the same run.
    write_entry(config_tree, "feature-statuses", "porting", "name: Porting\n")
    write_entry(config_tree, "number-statuses", "porting-in", "name: Porting In\nrelated_feature_status: porting\n")
    write_entry(config_tree, "classes", "partnership", "name: Partnership\ndisplay_position: 90\n")

    planned = _run(cli, "plan", live, config_tree, "--format", "json")
    assert planned.code == 0, planned.text
    document = json.loads(planned.out)
    changes = {(c["kind"], c["code"]): c for c in document["changes"]}
    assert set(changes) == {
        ("number-statuses", "suspended"), ("service-statuses", "active"), ("feature-statuses", "suspended"),
        ("classes", "public-sector"), ("feature-statuses", "porting"), ("number-statuses", "porting-in"),
        ("classes", "partnership"),
    }
    for (kind, code), table, noun in (
        (("number-statuses", "suspended"), "numbers", "numbers"),
        (("service-statuses", "active"), "services", "services"),
        (("feature-statuses", "suspended"), "features", "features"),
        (("classes", "public-sector"), "customers", "customers"),
    ):
        column = {"numbers": "number_status_id", "services": "service_status_id", "features": "feature_status_id", "customers": "customer_class_id"}[table]
        list_table = {"number-statuses": "number_statuses", "service-statuses": "service_statuses", "feature-statuses": "feature_statuses", "classes": "customer_classes"}[kind]
        count = scalar(engine, f"SELECT count(*) FROM {table} t JOIN {list_table} l ON l.id = t.{column} WHERE l.code = :code", {"code": code})
        assert count > 0, (kind, code)
        [use] = changes[(kind, code)]["impact"]["uses"]
        assert use["count"] == count and use["noun"] == noun
        if table == "services":  # the reference schema's measure: the services' monthly charges
            charges = scalar(engine, f"SELECT sum(t.monthly_charge) FROM {table} t JOIN {list_table} l ON l.id = t.{column} WHERE l.code = :code", {"code": code})
            assert Decimal(str(use["amount"])) == Decimal(str(charges)).quantize(Decimal("0.01")) > 0
            assert use["unit"] == "GBP a month"
    assert [w["code"] for w in document["warnings"]] == ["public-sector"]
    for kind in NEW_KINDS:
        assert kind in document["summary"]

    applied = _run(cli, "apply", live, config_tree, "--yes")
    assert applied.code == 0, applied.text
    assert _run(cli, "plan", live, config_tree, "--detailed-exitcode").code == 0
    assert scalar(
        engine,
        "SELECT f.code FROM number_statuses n JOIN feature_statuses f ON f.id = n.related_feature_status_id WHERE n.code = 'porting-in'",
    ) == "porting"
    assert scalar(engine, "SELECT count(*) FROM config_audit_log WHERE kind IN ('number-statuses', 'service-statuses', 'feature-statuses', 'classes')") == 7

    # Export writes the live lists back as files that validate and plan empty.
    exported = tmp_path / "exported"
    assert cli("export", "--database", live, "--config-dir", str(exported)).code == 0
    for kind in NEW_KINDS:
        assert sorted(p.name for p in (exported / kind).glob("*.yaml")) == sorted(p.name for p in (config_tree / kind).glob("*.yaml"))
    assert "name: Barred" in (exported / "number-statuses" / "suspended.yaml").read_text()
    assert "related_feature_status: porting" in (exported / "number-statuses" / "porting-in.yaml").read_text()
    assert cli("validate", "--config-dir", str(exported)).code == 0
    assert _run(cli, "plan", live, exported, "--detailed-exitcode").code == 0


def test_a_status_list_entry_in_use_cannot_be_deleted(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(live)
    execute(engine, "INSERT INTO number_statuses (code, name) VALUES ('legacy', 'Legacy')")
    execute(
        engine,
        "INSERT INTO numbers (number, number_status_id) SELECT '020 7946 0999', id FROM number_statuses WHERE code = 'legacy'",
    )
    execute(engine, "INSERT INTO service_statuses (code, name) VALUES ('spare', 'Spare')")  # used by nothing
    planned = _run(cli, "plan", live, config_tree, "--prune", "--format", "json")
    document = json.loads(planned.out)
    assert [(c["kind"], c["code"], c["action"]) for c in document["changes"]] == [
        ("number-statuses", "legacy", "delete"), ("service-statuses", "spare", "delete"),
    ]
    assert [(b["rule"], b["code"]) for b in document["blockers"]] == [("in-use", "legacy")]
    assert "number status 'legacy' (Legacy) is used by 1 number and cannot be deleted" in document["blockers"][0]["message"]
    refused = _run(cli, "apply", live, config_tree, "--prune", "--yes")
    assert refused.code == 1 and "cannot be deleted" in refused.text
    assert scalar(engine, "SELECT count(*) FROM service_statuses WHERE code = 'spare'") == 1  # nothing changed

    execute(engine, "DELETE FROM numbers WHERE number = '020 7946 0999'")
    assert _run(cli, "apply", live, config_tree, "--prune", "--yes").code == 0
    assert scalar(engine, "SELECT count(*) FROM number_statuses WHERE code IN ('legacy')") == 0


def test_a_number_status_and_the_feature_status_it_names_are_deleted_together(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    """Deletes run in reverse registry order, so the number status goes before its feature status."""
    write_entry(config_tree, "feature-statuses", "trial", "name: Trial\n")
    write_entry(config_tree, "number-statuses", "trial", "name: Trial\nrelated_feature_status: trial\n")
    assert _run(cli, "apply", live, config_tree, "--yes").code == 0
    (config_tree / "number-statuses" / "trial.yaml").unlink()
    (config_tree / "feature-statuses" / "trial.yaml").unlink()
    applied = _run(cli, "apply", live, config_tree, "--prune", "--yes")
    assert applied.code == 0, applied.text
    engine = engine_for(live)
    assert scalar(engine, "SELECT count(*) FROM number_statuses WHERE code = 'trial'") == 0
    assert scalar(engine, "SELECT count(*) FROM feature_statuses WHERE code = 'trial'") == 0
