"""export: live state to canonical files; the result validates and plans empty."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.testing.fixtures import Run
from tests.testing.hostile import hostile_text
from tests.testing.databases import execute
from tests.testing.files import write_entry


def test_export_round_trip_validates_and_plans_empty(
    db_url: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], tmp_path: Path
) -> None:
    assert cli("db", "init", "--database", db_url, "--config-dir", str(config_tree), "--sample-data").code == 0
    # Drift made outside the repository, the way a platform that predates the tool looks.
    execute(
        engine_for(db_url),
        "INSERT INTO customer_statuses (code, name, short_name, display_position, is_billable, override_invoice_message) "
        "VALUES ('winback', 'Win-back: \"Come home\"', 'WB', 5, :yes, 'true')",
        {"yes": True},
    )
    exported = tmp_path / "adopted"
    result = cli("export", "--database", db_url, "--config-dir", str(exported))
    assert result.code == 0, result.text
    assert "41 written, 0 unchanged, 0 removed" in result.out
    text = (exported / "statuses" / "winback.yaml").read_text()
    assert "override_invoice_message: 'true'" in text  # text, not a boolean
    assert "is_billable: true" in text
    assert "next_status" not in text and "crm_only" not in text  # at their defaults: left out
    assert cli("validate", "--config-dir", str(exported)).code == 0
    assert cli("plan", "--database", db_url, "--config-dir", str(exported), "--prune", "--detailed-exitcode").code == 0


def test_export_keeps_comments_leaves_equal_files_and_removes_entries_gone_live(
    sqlite_url: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(config_tree), "--sample-data").code == 0
    stale = write_entry(config_tree, "groups", "dissolved", "name: Dissolved\n")
    notes = config_tree / "groups" / "README.txt"
    notes.write_text("not an entry\n")
    execute(engine_for(sqlite_url), "UPDATE customer_statuses SET display_position = 41 WHERE code = 'suspended'")
    suspended = config_tree / "statuses" / "suspended.yaml"
    untouched = config_tree / "statuses" / "active.yaml"
    mtime = untouched.stat().st_mtime_ns

    result = cli("export", "--database", sqlite_url, "--config-dir", str(config_tree))
    assert result.code == 0, result.text
    assert f"removed {stale} (not in the live database)" in result.out
    assert not stale.exists() and notes.exists()
    assert "display_position: 41" in suspended.read_text()
    assert "# Services barred, usually for non-payment." in suspended.read_text()
    assert untouched.stat().st_mtime_ns == mtime
    notes.unlink()
    assert cli("plan", "--database", sqlite_url, "--config-dir", str(config_tree), "--detailed-exitcode").code == 0


def test_export_keeps_the_fields_a_file_had_and_adds_only_non_defaults(
    sqlite_url: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(config_tree), "--sample-data").code == 0
    sales = write_entry(config_tree, "departments", "sales", "name: Sales\n")
    group = config_tree / "groups" / "residential.yaml"
    before = group.read_text()
    execute(engine_for(sqlite_url), "UPDATE customer_groups SET display_class = 'home', personal_customer = :no WHERE code = 'residential'", {"no": False})
    execute(engine_for(sqlite_url), "UPDATE departments SET name = 'Sales & Renewals' WHERE code = 'sales'")
    assert cli("export", "--database", sqlite_url, "--config-dir", str(config_tree)).code == 0
    # The department file had only a name: it still has only that (no default-valued fields).
    assert sales.read_text() == "# yaml-language-server: $schema=../../schemas/departments.schema.json\nname: Sales & Renewals\n"
    after = group.read_text()
    assert "display_class: home" in after  # a new non-default value is added
    # personal_customer was in the file, so it stays even at its default value.
    assert "personal_customer: true" in before and "personal_customer: false" in after
    assert "reseller: false" in after


# --- live values no valid file may hold (issue 16, item 5) ----------------------------------


def hostile_department_names(backend: str) -> list[str]:
    """Names a live row can hold that no config file may (the schemas refuse control
    characters, blank and padded names), escaped in every message about them."""
    from tests.testing.hostile import HOSTILE

    names = [t for t in HOSTILE if len(t) <= 60 and not (backend == "postgresql" and "\x00" in t)]
    return [name for name in names if _breaks_the_schema(name)] + [" padded "]


def _breaks_the_schema(name: str) -> bool:
    from billing_config.kinds import get_kind
    from billing_config.rules.json_schema import values_problems

    kind = get_kind("departments")
    return bool(values_problems(kind, kind.with_defaults({"name": name})))


def test_export_writes_no_file_validate_would_reject_and_says_why_escaped(
    db_url: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], tmp_path: Path
) -> None:
    """Regression: a live name with control characters was exported into a file validate rejects."""
    import re

    assert cli("db", "init", "--database", db_url, "--config-dir", str(config_tree), "--sample-data").code == 0
    engine = engine_for(db_url)
    names = hostile_department_names(engine.dialect.name)
    assert len(names) >= 8
    for number, name in enumerate(names):
        execute(engine, "INSERT INTO departments (code, name) VALUES (:code, :name)", {"code": f"bad-{number}", "name": name})
    exported = tmp_path / "exported"
    result = cli("export", "--database", db_url, "--config-dir", str(exported))
    assert result.code == 0, result.text
    for number in range(len(names)):
        assert not (exported / "departments" / f"bad-{number}.yaml").exists()
        assert f"departments/bad-{number} (row " in result.err, result.err
    assert "can't be written to a file that validates" in result.err
    assert re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202e]", result.out + result.err) is None
    assert cli("validate", "--config-dir", str(exported)).code == 0
    # A plan reading those rows says so, escaped, in every format; apply still goes ahead.
    plan = cli("plan", "--database", db_url, "--config-dir", str(exported), "--format", "json")
    import json

    warnings = [w for w in json.loads(plan.out)["warnings"] if w["rule"] == "live-value-invalid"]
    assert sorted(w["code"] for w in warnings) == sorted(f"bad-{number}" for number in range(len(names)))
    text = cli("plan", "--database", db_url, "--config-dir", str(exported))
    assert "live-value-invalid: the live department bad-0" in text.out
    assert re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202e]", text.out) is None
    markdown = cli("plan", "--database", db_url, "--config-dir", str(exported), "--format", "markdown")
    assert "live-value-invalid" in markdown.out


@settings(max_examples=60, deadline=None)
@given(st.one_of(hostile_text(), st.text(max_size=20)))
def test_export_never_writes_a_file_validate_rejects(name: str) -> None:
    """The property behind the regression: for any live name, export either writes a file that
    validates or writes nothing for the entry and says why."""
    import tempfile

    from billing_config.db.live import LiveRow, LiveState
    from billing_config.files.export import export_tree
    from billing_config.kinds import get_kind
    from billing_config.rules import validate_tree

    kind = get_kind("departments")
    live = LiveState(rows={"departments": {"sales": LiveRow(1, "sales", kind.with_defaults({"name": name}))}})
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config"
        report = export_tree(live, config)
        written = config / "departments" / "sales.yaml"
        if written.exists():
            assert validate_tree(config).findings == [], name
        else:
            assert len(report.skipped) == 1 and "departments/sales" in report.skipped[0]
