"""apply on every backend: all or nothing, ordered writes, audit, and every refusal."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from billing_config.apply import lock
from billing_config.files.canonical import dump_entry
from billing_config.kinds import get_kind
from tests.conftest import REPO
from tests.testing.fixtures import Run
from tests.testing.databases import execute, install_fault, remove_fault, scalar, snapshot
from tests.testing.files import edit, write_entry


def apply(cli: Callable[..., Run], url: str, config: Path, *extra: str) -> Run:
    return cli("apply", "--database", url, "--config-dir", str(config), *extra)


def git(config: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(config), "-c", "user.name=Ada Admin", "-c", "user.email=ada@example.com", *args],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


def test_apply_orders_writes_so_forward_references_work_and_audits_each_change(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(live)
    execute(engine, "INSERT INTO customer_groups (code, name) VALUES ('legacy', 'Legacy')")
    # A chain of new statuses, each pointing at one created after it, and an old status
    # pointing at a new one.
    write_entry(config_tree, "statuses", "alpha", "name: Alpha\nnext_status: beta\nrelated_number_status: active\n")
    write_entry(config_tree, "statuses", "beta", "name: Beta\nnext_status: gamma\n")
    write_entry(config_tree, "statuses", "gamma", "name: Gamma\n")
    edit(config_tree / "statuses" / "suspended.yaml", "next_status: null", "next_status: alpha")
    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Sales and Renewals")
    write_entry(config_tree, "groups", "enterprise", "name: Enterprise\nreseller: true\n")
    subprocess.run(["git", "init", "-q", str(config_tree.parent)], check=True)
    git(config_tree, "add", "-A")
    git(config_tree, "commit", "-qm", "new statuses")
    head = git(config_tree, "rev-parse", "HEAD")

    result = apply(cli, live, config_tree, "--yes", "--prune")
    assert result.code == 0, result.text
    assert "Applied 7 change(s) in one transaction" in result.out

    with engine.connect() as connection:
        rows = {r.code: r for r in connection.execute(sa.text("SELECT id, code, next_status_id, related_number_status_id, created, last_modified FROM customer_statuses"))}
        number_active = connection.execute(sa.text("SELECT id FROM number_statuses WHERE code = 'active'")).scalar()
        audit = connection.execute(sa.text("SELECT kind, code, action, git_commit, git_author, tool_version FROM config_audit_log ORDER BY id")).all()
        group_codes = set(connection.execute(sa.text("SELECT code FROM customer_groups")).scalars())
        sales = connection.execute(sa.text("SELECT name FROM departments WHERE code = 'sales'")).scalar()
    assert rows["alpha"].next_status_id == rows["beta"].id
    assert rows["beta"].next_status_id == rows["gamma"].id
    assert rows["gamma"].next_status_id is None
    assert rows["suspended"].next_status_id == rows["alpha"].id
    assert rows["alpha"].related_number_status_id == number_active
    assert rows["alpha"].created is not None and rows["suspended"].last_modified >= rows["suspended"].created
    assert "legacy" not in group_codes and "enterprise" in group_codes
    assert sales == "Sales and Renewals"
    assert sorted((a.kind, a.code, a.action) for a in audit) == sorted([
        ("statuses", "alpha", "create"), ("statuses", "beta", "create"), ("statuses", "gamma", "create"),
        ("statuses", "suspended", "update"), ("groups", "enterprise", "create"), ("groups", "legacy", "delete"),
        ("departments", "sales", "update"),
    ])
    assert {a.git_commit for a in audit} == {head}
    assert {a.git_author for a in audit} == {"Ada Admin <ada@example.com>"}
    assert {a.tool_version for a in audit} == {"0.1.0"}

    again = apply(cli, live, config_tree, "--yes", "--prune")
    assert again.code == 0 and "Nothing to do." in again.out
    assert scalar(engine, "SELECT count(*) FROM config_audit_log") == 7
    assert cli("plan", "--database", live, "--config-dir", str(config_tree), "--prune", "--detailed-exitcode").code == 0


def test_audit_rows_hold_before_and_after(live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]) -> None:
    edit(config_tree / "statuses" / "suspended.yaml", "is_billable: true", "is_billable: false")
    assert apply(cli, live, config_tree, "--yes").code == 0
    engine = engine_for(live)
    from billing_config.db import tables

    audit = tables.table(tables.AUDIT_LOG)
    with engine.connect() as connection:
        row = connection.execute(sa.select(audit.c.before, audit.c.after, audit.c.applied_at)).one()
    assert row.before["is_billable"] is True and row.after["is_billable"] is False
    assert row.before["related_number_status"] == "suspended"
    assert row.applied_at is not None


def test_deleting_an_entry_in_use_is_refused(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(live)
    customers = scalar(engine, "SELECT count(*) FROM customers c JOIN customer_statuses s ON s.id = c.customer_status_id WHERE s.code = 'prospect'")
    tickets = scalar(engine, "SELECT count(*) FROM tickets t JOIN departments d ON d.id = t.department_id WHERE d.code = 'sales'")
    (config_tree / "statuses" / "prospect.yaml").unlink()
    (config_tree / "departments" / "sales.yaml").unlink()
    before = snapshot(engine)
    result = apply(cli, live, config_tree, "--yes", "--prune")
    assert result.code == 1
    assert f"customer status 'prospect' (Prospect) is used by {customers} customers and cannot be deleted" in result.err
    assert "availability: Historical" in result.err
    assert f"department 'sales' (Sales) is used by {tickets} tickets" in result.err
    assert "apply refused, nothing changed" in result.err
    assert snapshot(engine) == before


def test_a_delete_that_customers_moved_onto_since_the_plan_is_refused_under_the_lock(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], tmp_path: Path
) -> None:
    winback = config_tree / "statuses" / "winback.yaml"
    winback.write_text("name: Winback\n")
    assert apply(cli, live, config_tree, "--yes").code == 0
    winback.unlink()
    saved = tmp_path / "plan.json"
    assert cli("plan", "--database", live, "--config-dir", str(config_tree), "--prune", "--out", str(saved)).code == 0
    engine = engine_for(live)
    # Usage is not part of the fingerprint (customers move all day), so only the re-check under the lock sees this.
    execute(engine, "UPDATE customers SET customer_status_id = (SELECT id FROM customer_statuses WHERE code = 'winback') WHERE id = 1")
    before = snapshot(engine)
    result = apply(cli, live, config_tree, "--plan", str(saved), "--prune")  # the plan is bound to its --prune
    assert result.code == 1
    # The plan is recomputed under the lock, so its refusal counts the customer who moved: one
    # customer (a singular) and, in their own count, that customer's services.
    services = scalar(engine, "SELECT count(*) FROM services WHERE customer_id = 1")
    used = "1 customer" + (f" and {services} service{'s' if services != 1 else ''}" if services else "")
    assert f"customer status 'winback' (Winback) is used by {used} and cannot be deleted" in result.err
    assert "set `availability: Historical` to retire it" in result.err
    assert snapshot(engine) == before


def test_thresholds_refuse_mass_updates_and_deletes_unless_raised(
    sqlite_url: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    for number in range(7):
        write_entry(config_tree, "departments", f"team-{number}", f"name: Team {number}\n")
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(config_tree)).code == 0
    assert apply(cli, sqlite_url, config_tree, "--yes").code == 0  # 12 departments live
    for number in range(4):
        edit(config_tree / "departments" / f"team-{number}.yaml", f"Team {number}", f"Squad {number}")
    engine = engine_for(sqlite_url)
    before = snapshot(engine)
    shown = cli("plan", "--database", sqlite_url, "--config-dir", str(config_tree))
    assert "4 of 12 live departments would be updated (33%), above the 30% threshold" in shown.out
    refused = apply(cli, sqlite_url, config_tree, "--yes")
    assert refused.code == 1
    assert "re-run with --max-update-percent 34" in refused.err
    assert snapshot(engine) == before
    saved = config_tree.parent / "breach.json"
    assert cli("plan", "--database", sqlite_url, "--config-dir", str(config_tree), "--out", str(saved)).code == 0
    from_file = apply(cli, sqlite_url, config_tree, "--plan", str(saved))
    assert from_file.code == 1 and "above the 30% threshold" in from_file.err  # apply's own limits
    assert snapshot(engine) == before
    assert apply(cli, sqlite_url, config_tree, "--yes", "--max-update-percent", "34").code == 0
    assert scalar(engine, "SELECT name FROM departments WHERE code = 'team-0'") == "Squad 0"

    for number in range(4, 7):
        (config_tree / "departments" / f"team-{number}.yaml").unlink()
    before = snapshot(engine)
    capped = apply(cli, sqlite_url, config_tree, "--yes", "--prune", "--max-deletes", "2")
    assert capped.code == 1
    assert "3 departments would be deleted, more than the cap of 2" in capped.err
    assert snapshot(engine) == before
    assert apply(cli, sqlite_url, config_tree, "--yes", "--prune", "--max-deletes", "3").code == 0
    assert scalar(engine, "SELECT count(*) FROM departments WHERE code LIKE 'team-%'") == 4


def test_a_saved_plan_is_refused_when_the_live_state_changed(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], tmp_path: Path
) -> None:
    engine = engine_for(live)
    saved = tmp_path / "plan.json"
    edit(config_tree / "groups" / "vip-client.yaml", "display_position: 10", "display_position: 11")
    assert cli("plan", "--database", live, "--config-dir", str(config_tree), "--out", str(saved)).code == 0
    execute(engine, "UPDATE departments SET name = 'Sales Team' WHERE code = 'sales'")  # someone else, meanwhile
    before = snapshot(engine)
    result = apply(cli, live, config_tree, "--plan", str(saved))
    assert result.code == 1
    assert "the live database changed since this plan was made" in result.err
    assert snapshot(engine) == before

    execute(engine, "UPDATE departments SET name = 'Sales' WHERE code = 'sales'")  # back as planned
    applied = apply(cli, live, config_tree, "--plan", str(saved))
    assert applied.code == 0, applied.text
    assert scalar(engine, "SELECT display_position FROM customer_groups WHERE code = 'vip-client'") == 11


def test_a_saved_plan_for_another_database_is_refused(
    live: str, config_tree: Path, cli: Callable[..., Run], tmp_path: Path, engine_for: Callable[[str], sa.Engine]
) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert cli("db", "init", "--database", other, "--config-dir", str(config_tree), "--sample-data").code == 0
    # A plan with a change in it, so a missing check would show as a write to the other database.
    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Sales Team")
    saved = tmp_path / "plan.json"
    assert cli("plan", "--database", live, "--config-dir", str(config_tree), "--out", str(saved)).code == 0
    before = snapshot(engine_for(other))
    result = apply(cli, other, config_tree, "--plan", str(saved))
    assert result.code == 1 and "was made against" in result.err
    assert snapshot(engine_for(other)) == before


def test_without_a_terminal_apply_needs_yes_or_a_plan(live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]) -> None:
    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Sales Team")
    before = snapshot(engine_for(live))
    result = apply(cli, live, config_tree)
    assert result.code == 1
    assert "pass --yes, or a reviewed plan with --plan FILE" in result.err
    assert snapshot(engine_for(live)) == before


def test_a_fault_in_the_middle_of_apply_leaves_the_database_as_it_was(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    engine = engine_for(live)
    write_entry(config_tree, "statuses", "porting", "name: Porting\nnext_status: active\n")
    edit(config_tree / "groups" / "vip-client.yaml", "display_position: 10", "display_position: 11")
    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Boom")  # written last: updates run after creates
    install_fault(engine, "departments", "name", "Boom")
    before = snapshot(engine)
    result = apply(cli, live, config_tree, "--yes")
    assert result.code == 1
    assert "apply failed and was rolled back, nothing changed" in result.err
    assert "injected fault" in result.err
    assert "Traceback" not in result.err
    assert snapshot(engine) == before
    remove_fault(engine, "departments")
    assert apply(cli, live, config_tree, "--yes").code == 0
    assert scalar(engine, "SELECT count(*) FROM config_audit_log") == 3


def _hold_lock(engine: sa.Engine) -> tuple[sa.Connection, sa.RootTransaction]:
    connection = engine.connect().execution_options(sqlite_begin="IMMEDIATE")
    transaction = connection.begin()
    lock.acquire(connection, 1)
    return connection, transaction


def test_a_second_apply_waits_a_bounded_time_and_says_who_holds_the_lock(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Sales Team")
    engine = engine_for(live)
    before = snapshot(engine)
    connection, transaction = _hold_lock(engine)
    try:
        started = time.monotonic()
        result = apply(cli, live, config_tree, "--yes", "--lock-timeout", "1")
        waited = time.monotonic() - started
    finally:
        transaction.rollback()
        lock.release(connection)
        connection.close()
    assert result.code == 1
    assert "changed nothing" in result.err
    assert 0.9 <= waited < 10, f"--lock-timeout 1 should wait about a second, waited {waited:.2f} s"
    assert snapshot(engine) == before
    if live.startswith("sqlite"):
        assert "another apply (or another program) is writing" in result.err
    elif live.startswith("postgresql"):
        assert "held by PostgreSQL backend pid" in result.err and "application 'billing-config" in result.err
    else:
        assert "held by connection" in result.err
    assert apply(cli, live, config_tree, "--yes", "--lock-timeout", "1").code == 0


SERVERS = [pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("mariadb", marks=pytest.mark.mariadb)]


@pytest.mark.parametrize("held", ["departments", "config_applied_state"])
@pytest.mark.parametrize("backend", SERVERS)
def test_a_row_another_session_holds_is_waited_for_only_lock_timeout_and_its_holder_named(
    backend: str, held: str, tmp_path: Path, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    """Issue 16, item 6: --lock-timeout bounded only the apply lock. A row held by another
    session (a vendor's application, someone in psql) made apply wait on PostgreSQL as long as
    it was held, and on MariaDB 50 s before a bare error 1205. Now every wait is bounded and
    the refusal names the session holding the rows, as for the apply lock."""
    from tests.testing.fixtures import backend_url

    url = backend_url(backend, tmp_path)
    assert cli("db", "init", "--database", url, "--config-dir", str(config_tree), "--sample-data").code == 0
    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Sales Team")
    engine = engine_for(url)
    before = snapshot(engine)
    holder = engine_for(url).connect()
    transaction = holder.begin()
    if held == "departments":
        holder.execute(sa.text("SELECT id FROM departments WHERE code = 'sales' FOR UPDATE")).all()
    else:
        holder.execute(sa.text("SELECT code FROM config_applied_state WHERE kind = 'departments' FOR UPDATE")).all()
    session = holder.execute(sa.text("SELECT pg_backend_pid()" if backend == "postgres" else "SELECT CONNECTION_ID()")).scalar()
    # Should apply wait for ever (as it did), end the holder after 30 s so the test fails instead of hanging.
    killer = engine_for(url)
    valve = threading.Timer(
        30, lambda: execute(killer, f"SELECT pg_terminate_backend({int(session)})" if backend == "postgres" else f"KILL {int(session)}")
    )
    valve.start()
    try:
        started = time.monotonic()
        result = apply(cli, url, config_tree, "--yes", "--lock-timeout", "2")
        waited = time.monotonic() - started
    finally:
        valve.cancel()
        try:
            transaction.rollback()
        finally:
            holder.close()
    assert result.code == 1, result.text
    assert waited < 15, f"--lock-timeout 2 waited {waited:.1f} s"
    assert "changed nothing" in result.err and "raise --lock-timeout" in result.err, result.err
    holder_named = f"backend pid {session}," if backend == "postgres" else f"connection {session},"
    assert holder_named in result.err, result.err
    assert "internal error" not in result.err and "1205" not in result.err
    assert snapshot(engine) == before
    # Once the holder is gone the same apply goes through.
    assert apply(cli, url, config_tree, "--yes", "--lock-timeout", "2").code == 0


@pytest.mark.postgres
def test_killing_the_lock_holder_frees_the_lock(
    postgres_url: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    assert cli("db", "init", "--database", postgres_url, "--config-dir", str(config_tree), "--sample-data").code == 0
    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Sales Team")
    holder_engine = engine_for(postgres_url)
    connection, _transaction = _hold_lock(holder_engine)
    pid = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    blocked = apply(cli, postgres_url, config_tree, "--yes", "--lock-timeout", "0.5")
    assert blocked.code == 1 and f"pid {pid}" in blocked.err
    killer = engine_for(postgres_url)
    assert scalar(killer, "SELECT pg_terminate_backend(:pid)", {"pid": pid}) is True
    freed = apply(cli, postgres_url, config_tree, "--yes", "--lock-timeout", "5")
    assert freed.code == 0, freed.text
    connection.invalidate()
    connection.close()


def test_two_concurrent_applies_end_correct_with_one_audit_row_per_change(
    live: str, config_tree: Path, engine_for: Callable[[str], sa.Engine]
) -> None:
    for number in range(40):
        write_entry(config_tree, "groups", f"region-{number:02d}", f"name: Region {number:02d}\ndisplay_position: {100 + number}\n")
    command = [sys.executable, "-m", "billing_config", "apply", "--yes", "--database", live, "--config-dir", str(config_tree), "--lock-timeout", "30"]
    processes = [subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    applied = [out for out, _err in outputs if "Applied 40 change(s)" in out]
    idle = [out for out, _err in outputs if "Nothing to do." in out]
    assert len(applied) == 1 and len(idle) == 1, outputs
    engine = engine_for(live)
    assert scalar(engine, "SELECT count(*) FROM config_audit_log") == 40
    assert scalar(engine, "SELECT count(DISTINCT code) FROM config_audit_log") == 40
    assert scalar(engine, "SELECT count(*) FROM customer_groups") == 46


TRICKY_NAMES = {
    "quotes": "O'Brien \"the\" ''quoted''",
    "percent": "100%s off %(name)s %%",
    "colon": ":name and :1 ?",
    "emoji": "Rocket 🚀 Ünïcödé ß",
    "sql": "x'); DROP TABLE customers; --",
    "backslash": "C:\\path\\to\\n not a newline",
    "yamlish": "- [not, a, list] # not a comment",
}


def test_tricky_names_round_trip_literally(
    live: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], tmp_path: Path
) -> None:
    kind = get_kind("departments")
    for code, name in TRICKY_NAMES.items():
        write_entry(config_tree, "departments", code, dump_entry(kind, {"name": name}))
    assert cli("validate", "--config-dir", str(config_tree)).code == 0
    result = apply(cli, live, config_tree, "--yes")
    assert result.code == 0, result.text
    engine = engine_for(live)
    with engine.connect() as connection:
        stored = dict(connection.execute(sa.text("SELECT code, name FROM departments")).all())
    assert {code: stored[code] for code in TRICKY_NAMES} == TRICKY_NAMES
    assert scalar(engine, "SELECT count(*) FROM customers") == 300  # the SQL-looking name stayed text

    exported = tmp_path / "exported"
    assert cli("export", "--database", live, "--config-dir", str(exported)).code == 0
    assert cli("validate", "--config-dir", str(exported)).code == 0
    for code in TRICKY_NAMES:
        assert (exported / "departments" / f"{code}.yaml").read_text() == (config_tree / "departments" / f"{code}.yaml").read_text()
    assert cli("plan", "--database", live, "--config-dir", str(exported), "--detailed-exitcode").code == 0
    plan = json.loads(cli("plan", "--database", live, "--config-dir", str(config_tree), "--format", "json").out)
    assert plan["has_changes"] is False


class Terminal(io.StringIO):
    """Typed answers at what apply takes for a terminal."""

    def isatty(self) -> bool:
        return True


def test_at_a_terminal_apply_asks_and_only_yes_applies(
    sqlite_url: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(config_tree), "--sample-data").code == 0
    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Sales Team")
    engine = engine_for(sqlite_url)
    before = snapshot(engine)
    monkeypatch.setattr(sys, "stdin", Terminal("y\n"))
    declined = apply(cli, sqlite_url, config_tree)
    assert declined.code == 1
    assert "Only 'yes' will be accepted" in declined.out and "Apply cancelled; nothing changed." in declined.out
    assert snapshot(engine) == before
    monkeypatch.setattr(sys, "stdin", Terminal("yes\n"))
    accepted = apply(cli, sqlite_url, config_tree)
    assert accepted.code == 0 and "Applied 1 change(s)" in accepted.out


def test_a_change_made_while_the_prompt_waits_refuses_the_apply(
    sqlite_url: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(config_tree), "--sample-data").code == 0
    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Sales Team")
    engine = engine_for(sqlite_url)

    class Meanwhile(Terminal):
        def readline(self, size: int = -1) -> str:
            execute(engine, "UPDATE customer_groups SET reseller = :yes WHERE code = 'residential'", {"yes": True})
            return "yes\n"

    monkeypatch.setattr(sys, "stdin", Meanwhile())
    result = apply(cli, sqlite_url, config_tree)
    assert result.code == 1
    assert "the live database changed since this plan was made" in result.err
    assert scalar(engine, "SELECT name FROM departments WHERE code = 'sales'") == "Sales"


def test_a_database_without_the_schema_gets_advice_not_a_driver_error(
    db_url: str, config_tree: Path, cli: Callable[..., Run], tmp_path: Path
) -> None:
    if db_url.startswith("sqlite"):
        missing = cli("plan", "--database", db_url, "--config-dir", str(config_tree))
        assert missing.code == 1 and "there is no SQLite database at" in missing.err
        assert not (tmp_path / "billing.db").exists()  # plan must not create it
        sa.create_engine(db_url).connect().close()  # an empty file: no tables
    for argv in (["plan"], ["apply", "--yes"], ["export", "--config-dir", str(tmp_path / "out")]):
        result = cli(*argv, "--database", db_url, *(["--config-dir", str(config_tree)] if argv[0] != "export" else []))
        assert result.code == 1, result.text
        assert "does not have the billing tables" in result.err and "billing-config db init" in result.err


@pytest.mark.mariadb
def test_mariadb_lock_is_released_after_apply_while_the_session_lives_on(
    mariadb_url: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    """GET_LOCK belongs to the session and survives COMMIT: apply must release it itself, or a
    pooled connection would block every later apply."""
    from billing_config.apply import run_apply
    from billing_config.plan.pipeline import load_valid_config
    from billing_config.plan.diff import compute_plan

    assert cli("db", "init", "--database", mariadb_url, "--config-dir", str(config_tree), "--sample-data").code == 0
    edit(config_tree / "departments" / "sales.yaml", "name: Sales", "name: Sales Team")
    documents = load_valid_config(config_tree)
    engine = engine_for(mariadb_url)  # kept open: its pooled session outlives the apply
    result = run_apply(engine, mariadb_url, replan=lambda live: compute_plan(documents, live), lock_timeout=1)
    assert result.changes == 1
    observer = engine_for(mariadb_url)
    with observer.connect() as connection:
        name = lock.mysql_lock_name(connection)
        assert connection.execute(sa.text("SELECT IS_FREE_LOCK(:n)"), {"n": name}).scalar() == 1
