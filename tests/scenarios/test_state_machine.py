"""Random config edits, random edits made behind the tool's back, applies and injected faults.

Whatever happens: after every successful apply the plan is empty and a second apply writes
nothing; after a failed or refused one the database equals its state before, row for row.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from billing_config.files.canonical import dump_entry
from billing_config.cli import main
from billing_config.db.connect import create_engine
from billing_config.kinds import get_kind
from billing_config.loader import read_entry
from tests.conftest import CONFIG
from tests.testing.fixtures import server_url
from tests.testing.databases import reset_database
from tests.testing.databases import execute, install_fault, remove_fault, scalar, snapshot

NAME_PARTS = st.sampled_from(["Plain", "O'Brien", "100%s", ":name", "Rocket 🚀", "x'); DROP TABLE t; --", "Zoë", '"Q"'])
EDITABLE = ("statuses", "groups", "departments", "number-statuses", "service-statuses", "feature-statuses", "classes")
REMOVABLE = ("groups", "departments", "classes")  # nothing in config points at them, so removing one stays valid
# Flags whose flip never makes the sample invalid (is_billable on a customer status could: a final
# bill nobody is billed for); the chain's warnings they may raise do not stop a plan.
TOGGLES = {
    "statuses": ("send_correspondence", "can_have_calls", "visible_in_backend"),
    "number-statuses": ("is_billable", "can_have_calls", "visible_in_frontend"),
    "service-statuses": ("is_billable", "can_have_fixed_charges"),
    "feature-statuses": ("is_billable", "visible_in_backend"),
    "classes": ("reseller",),
}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


class SyncMachine(RuleBasedStateMachine):
    server_url: str | None = None  # None: a fresh SQLite file per run

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="billing-sync-machine-"))
        self.config = self.folder / "config"
        shutil.copytree(CONFIG, self.config)
        if self.server_url:
            reset_database(self.server_url)
            self.url = self.server_url
        else:
            self.url = f"sqlite:///{self.folder / 'billing.db'}"
        code, _out, err = run("db", "init", "--database", self.url, "--config-dir", str(self.config), "--sample-data")
        assert code == 0, err
        self.engine = create_engine(self.url)
        self.counter = 0

    def teardown(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _files(self, kinds: tuple[str, ...]) -> list[Path]:
        return sorted(path for kind in kinds for path in (self.config / kind).glob("*.yaml"))

    def _unique(self, part: str) -> str:
        self.counter += 1
        return f"{part} {self.counter}"

    def _rewrite(self, path: Path, change: dict[str, object]) -> None:
        kind = get_kind(path.parent.name)
        document, _ = read_entry(path, str(path), kind.name, path.stem)
        assert document is not None
        path.write_text(dump_entry(kind, {**document.data, **change}), encoding="utf-8")

    # Edits to the config, as an administrator would make them in a pull request.
    @rule(kind=st.sampled_from(REMOVABLE), part=NAME_PARTS)
    def add_entry(self, kind: str, part: str) -> None:
        name = self._unique(part)
        path = self.config / kind / f"new-{self.counter}.yaml"
        path.write_text(dump_entry(get_kind(kind), {"name": name}), encoding="utf-8")

    @rule(data=st.data(), part=NAME_PARTS)
    def rename_entry(self, data: st.DataObject, part: str) -> None:
        path = data.draw(st.sampled_from(self._files(EDITABLE)))
        self._rewrite(path, {"name": self._unique(part)})

    @rule(data=st.data())
    def toggle_a_status_flag(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(self._files(tuple(TOGGLES))))
        kind = get_kind(path.parent.name)
        field = data.draw(st.sampled_from(TOGGLES[kind.name]))
        document, _ = read_entry(path, str(path), kind.name, path.stem)
        assert document is not None
        current = kind.with_defaults(document.data)[field]
        self._rewrite(path, {field: not current})

    @precondition(lambda self: len(self._files(REMOVABLE)) > 2)
    @rule(data=st.data())
    def remove_entry(self, data: st.DataObject) -> None:
        # Removing a managed entry's file plans its delete, refused while it is in use; only
        # unused entries are removed, so that refusal cannot mask what the rules test.
        used = {
            "groups": "SELECT g.code FROM customer_groups g JOIN customer_group_members m ON m.customer_group_id = g.id",
            "departments": "SELECT d.code FROM departments d JOIN tickets t ON t.department_id = d.id",
            "classes": "SELECT c.code FROM customer_classes c JOIN customers u ON u.customer_class_id = c.id",
        }
        with self.engine.connect() as connection:
            busy = {(kind, code) for kind, sql in used.items() for code in connection.execute(sa.text(sql)).scalars()}
        free = [path for path in self._files(REMOVABLE) if (path.parent.name, path.stem) not in busy]
        if free:
            data.draw(st.sampled_from(free)).unlink()

    # Edits made behind the tool's back, straight in the live database.
    @rule(data=st.data(), part=NAME_PARTS)
    def out_of_band_rename(self, data: st.DataObject, part: str) -> None:
        table = data.draw(st.sampled_from([get_kind(kind).table for kind in EDITABLE]))
        with self.engine.connect() as connection:
            codes = sorted(connection.execute(sa.text(f"SELECT code FROM {table}")).scalars())
        if codes:
            code = data.draw(st.sampled_from(codes))
            execute(self.engine, f"UPDATE {table} SET name = :name WHERE code = :code", {"name": self._unique(part), "code": code})

    @rule(part=NAME_PARTS)
    def out_of_band_insert(self, part: str) -> None:
        name = self._unique(part)
        execute(self.engine, "INSERT INTO customer_groups (code, name) VALUES (:code, :name)", {"code": f"oob-{self.counter}", "name": name})

    # Applies, with and without a fault injected by the database.
    def _apply_and_check(self, prune: bool) -> tuple[bool, str]:
        """Apply; on success the plan is empty and a second apply writes nothing, on failure
        the database is exactly as before. Returns whether it applied, and what it said."""
        before = snapshot(self.engine)
        flags = ["--prune"] if prune else []
        common = ["--database", self.url, "--config-dir", str(self.config), *flags]
        # The machine makes sweeping edits on purpose: the thresholds are not under test here.
        limits = ["--max-deletes", "1000", "--max-update-percent", "100", "--max-delete-percent", "100"]
        code, out, err = run("apply", "--yes", *limits, *common)
        assert "Traceback" not in err and "internal error" not in err, err
        if code != 0:
            assert snapshot(self.engine) == before, f"a failed apply changed the database: {err}"
            return False, err
        plan_code, plan_out, _ = run("plan", "--detailed-exitcode", *common)
        assert plan_code == 0, f"plan not empty after a successful apply:\n{plan_out}"
        audit = scalar(self.engine, "SELECT count(*) FROM config_audit_log")
        code, out, err = run("apply", "--yes", *limits, *common)
        assert code == 0 and "Nothing to do." in out, out + err
        assert scalar(self.engine, "SELECT count(*) FROM config_audit_log") == audit
        return True, err

    @rule(prune=st.booleans())
    def apply(self, prune: bool) -> None:
        applied, err = self._apply_and_check(prune)
        if not prune:
            # Without deletes and with the thresholds lifted nothing may refuse a valid config.
            assert applied, err
        elif not applied:
            assert "cannot be deleted" in err, err  # the only refusal a prune may meet here

    @rule(data=st.data())
    def apply_with_a_fault(self, data: st.DataObject) -> None:
        # The entry is renamed so the apply must write it, and the database refuses that row.
        # No --prune: an in-use refusal would stop the apply before the fault could fire.
        path = data.draw(st.sampled_from(self._files(("departments", "groups", "classes", "number-statuses"))))
        kind = get_kind(path.parent.name)
        name = self._unique("Faulty")
        self._rewrite(path, {"name": name})
        install_fault(self.engine, kind.table, "name", name)
        try:
            applied, err = self._apply_and_check(prune=False)
            assert not applied, "the injected fault did not stop the apply"
            assert "injected fault" in err and "rolled back" in err, err
        finally:
            remove_fault(self.engine, kind.table)


MACHINE_SETTINGS = settings(
    max_examples=15, stateful_step_count=12, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
SyncMachine.TestCase.settings = MACHINE_SETTINGS
TestSyncStateMachine = SyncMachine.TestCase


@pytest.mark.postgres
def test_state_machine_on_postgres() -> None:
    """The same machine against PostgreSQL, fewer runs: its triggers and locks differ from SQLite's."""

    class OnPostgres(SyncMachine):
        server_url = server_url("postgres")

    run_state_machine_as_test(OnPostgres, settings=settings(MACHINE_SETTINGS, max_examples=6))


@pytest.mark.mariadb
def test_state_machine_on_mariadb() -> None:
    """And against MariaDB: its own locking, triggers and binary collation."""

    class OnMariaDB(SyncMachine):
        server_url = server_url("mariadb")

    run_state_machine_as_test(OnMariaDB, settings=settings(MACHINE_SETTINGS, max_examples=6))
