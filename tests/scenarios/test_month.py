"""A month in the life of a config repository, against a real live database.

What happens to a billing team over a month, in order, each step with the commands the
workflows run: init, a pull request planned against test, merge, a live plan applied as
saved, a hand edit on live that drift finds and export --only-drift brings back, a merged
change waiting for its apply while another entry drifts (drift reports only the latter), a
removed file whose delete is planned and applied, a mass change refused (plan exits 3) until
an [[allow]] table is committed, and that allowance refusing to carry over to the next one.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import CONFIG
from tests.testing.databases import reset_database
from tests.testing.fixtures import Run, server_url
from tests.testing.git import git, init_repository

LIVE_BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    pytest.param("mariadb", id="mariadb", marks=pytest.mark.mariadb),
]


@pytest.fixture(params=LIVE_BACKENDS)
def live_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'live.db'}"
    url = server_url(request.param)
    reset_database(url)
    return url


def rename_groups(config: Path, suffix: str) -> None:
    for path in sorted((config / "groups").glob("*.yaml")):
        lines = path.read_text().splitlines(keepends=True)
        path.write_text("".join(line.rstrip("\n") + suffix + "\n" if line.startswith("name: ") else line for line in lines))


class Month:
    """The repository, the two platforms and the CI steps, driven through main(argv)."""

    def __init__(self, repo: Path, cli: Callable[..., Run], live: sa.Engine, plans: Path) -> None:
        self.repo, self.cli, self.live, self.plans = repo, cli, live, plans

    def ok(self, *argv: str, code: int = 0) -> Run:
        result = self.cli(*argv)
        assert result.code == code, f"{' '.join(argv)} exited {result.code}, not {code}:\n{result.text}"
        return result

    def commit(self, message: str) -> None:
        git(self.repo, "add", "-A")
        git(self.repo, "commit", "-q", "-m", message)

    def pull_request(self, branch: str, change: Callable[[], None], message: str, *, plan_code: int = 2) -> Run:
        """A branch with a change, validated, format-checked and planned against test (the comment)."""
        git(self.repo, "switch", "-q", "-c", branch)
        change()
        self.commit(message)
        self.ok("validate", "--format", "github")
        self.ok("fmt", "--check")
        return self.ok("plan", "--target", "test-readonly", "--format", "markdown", "--detailed-exitcode", code=plan_code)

    def merge(self, branch: str) -> str:
        git(self.repo, "switch", "-q", "main")
        git(self.repo, "merge", "-q", "--no-ff", "-m", f"Merge {branch}", branch)
        return git(self.repo, "rev-parse", "HEAD").stdout.strip()

    def deploy(self) -> None:
        """The merge workflow: test applied from a saved plan, then live: planned read-only
        before approval, the saved plan applied after it."""
        for reader, writer in (("test-readonly", "test"), ("live-readonly", "live")):
            saved = self.plans / f"{writer}.json"
            planned = self.ok("plan", "--target", reader, "--format", "markdown", "--out", str(saved))
            assert f"--plan {saved}" in planned.err
            self.ok("apply", "--target", writer, "--plan", str(saved))

    def sql(self, statement: str, **params: object) -> None:
        with self.live.begin() as connection:
            connection.execute(sa.text(statement), params)

    def value(self, statement: str, **params: object) -> object:
        with self.live.connect() as connection:
            return connection.execute(sa.text(statement), params).scalar()

    def drift(self, code: int) -> dict[str, Any]:
        report: dict[str, Any] = json.loads(self.ok("drift", "--target", "live-readonly", "--format", "json", code=code).out)
        return report


def test_a_month_of_changes_reviews_applies_drift_deletes_and_mass_changes(
    tmp_path: Path, live_url: str, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("GITHUB_SHA", "GITHUB_ACTOR", "CI_COMMIT_SHA", "CI_COMMIT_AUTHOR"):
        monkeypatch.delenv(variable, raising=False)
    test_url = f"sqlite:///{tmp_path / 'test-platform.db'}"
    monkeypatch.setenv("BILLING_TEST_PLATFORM_URL", test_url)
    monkeypatch.setenv("BILLING_TEST_READONLY_URL", test_url)
    monkeypatch.setenv("BILLING_LIVE_DATABASE_URL", live_url)
    monkeypatch.setenv("BILLING_LIVE_READONLY_URL", live_url)  # a read-only user, in real life

    # Day 1: init, the team's entries (twelve groups, so the percentage thresholds apply).
    repo = init_repository(tmp_path / "billing-platform-config")
    assert cli("init", str(repo), "--ci", "github", "--package", "billing-config @ git+https://example.invalid/bc@" + "0" * 40).code == 0
    shutil.copytree(CONFIG, repo / "config", dirs_exist_ok=True)
    for number in range(6):
        (repo / "config" / "groups" / f"region-{number}.yaml").write_text(f"name: Region {number}\ndisplay_position: {100 + number}\n")
    monkeypatch.chdir(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "billing-config init and our entries")
    engine = sa.create_engine(live_url)
    month = Month(repo, cli, engine, tmp_path)
    try:
        assert cli("fmt").code == 0  # the hand-written region files get their modelines
        month.commit("fmt")
        for target in ("test", "live"):
            month.ok("db", "init", "--target", target, "--sample-data")
        month.deploy()
        assert month.drift(0)["drift"] == []

        # Week 1: a pull request, planned against test; merged; live planned, approved, applied.
        def stop_billing_suspended() -> None:
            path = repo / "config" / "statuses" / "suspended.yaml"
            path.write_text(path.read_text().replace("is_billable: true", "is_billable: false"))
            month.ok("new", "group", "Enterprise")

        comment = month.pull_request("suspended-stops-billing", stop_billing_suspended, "Suspended customers are not billed")
        assert "`is_billable`: `true` → `false`" in comment.out and "**1 to create, 1 to update, 0 to delete**" in comment.out
        merged = month.merge("suspended-stops-billing")
        month.deploy()
        assert month.value("SELECT git_commit FROM config_audit_log WHERE code = 'suspended' ORDER BY id DESC") == merged
        assert month.drift(0)["drift"] == []

        # Week 2: someone edits live by hand; the drift job sees it and exports only that entry.
        month.sql("UPDATE customer_statuses SET short_name = 'CEAS-X' WHERE code = 'ceased'")
        report = month.drift(2)
        assert [(d["kind"], d["code"], d["status"]) for d in report["drift"]] == [("statuses", "ceased", "changed")]
        git(repo, "switch", "-q", "-c", "billing-config/drift-live")
        month.ok("export", "--target", "live-readonly", "--only-drift")
        assert git(repo, "diff", "--name-only").stdout.split() == ["config/statuses/ceased.yaml"]
        assert git(repo, "diff", "--numstat").stdout.split()[:2] == ["1", "1"]  # one line: no added defaults
        month.commit("Adopt changes made directly in the live billing database")
        month.ok("validate")
        month.merge("billing-config/drift-live")
        month.deploy()
        assert month.drift(0)["drift"] == []

        # Week 3: a merged change waits for its live apply while another entry drifts.
        def rename_sales() -> None:
            path = repo / "config" / "departments" / "sales.yaml"
            path.write_text(path.read_text().replace("name: Sales", "name: Sales and Renewals"))

        month.pull_request("rename-sales", rename_sales, "Sales also handles renewals")
        month.merge("rename-sales")
        month.sql("UPDATE customer_groups SET display_position = 41 WHERE code = 'residential'")
        report = month.drift(2)
        assert [(d["kind"], d["code"]) for d in report["drift"]] == [("groups", "residential")]
        assert [(p["kind"], p["code"], p["action"]) for p in report["pending"]] == [("departments", "sales", "update")]
        git(repo, "switch", "-q", "-c", "billing-config/drift-live-2")
        month.ok("export", "--target", "live-readonly", "--only-drift")
        assert git(repo, "diff", "--name-only").stdout.split() == ["config/groups/residential.yaml"]  # the merge is not reverted
        month.commit("Adopt changes made directly in the live billing database")
        month.merge("billing-config/drift-live-2")
        month.deploy()
        assert month.value("SELECT name FROM departments WHERE code = 'sales'") == "Sales and Renewals"
        assert month.drift(0)["pending"] == []

        # Week 4: a file is removed; the delete is planned in review and applied after merge.
        removed = month.pull_request(
            "retire-enterprise", lambda: (repo / "config" / "groups" / "enterprise.yaml").unlink(), "Enterprise is folded into Small Business"
        )
        assert "**0 to create, 0 to update, 1 to delete**" in removed.out and "`-` **enterprise**" in removed.out
        month.merge("retire-enterprise")
        month.deploy()
        assert month.value("SELECT count(*) FROM customer_groups WHERE code = 'enterprise'") == 0
        assert month.value("SELECT action FROM config_audit_log WHERE code = 'enterprise' ORDER BY id DESC") == "delete"

        # A mass change: every group renamed. The check fails (exit 3) with the refusal and the
        # [[allow]] table to paste in the comment.
        refused = month.pull_request("tariff-2025", lambda: rename_groups(repo / "config", " (2025)"), "2025 group names", plan_code=3)
        assert "Apply will refuse this plan" in refused.out and "```toml\n[[allow]]" in refused.out
        planned = json.loads(month.ok("plan", "--target", "test-readonly", "--format", "json").out)
        allow = planned["blockers"][0]["allow"]
        toml = repo / "billing-config.toml"
        toml.write_text(toml.read_text() + "\n" + allow.replace("why this mass change is intended", "2025 tariff names"))
        month.commit("Allow renaming every group for the 2025 tariff")
        allowed = month.ok("plan", "--target", "test-readonly", "--format", "markdown", "--detailed-exitcode", code=2)
        assert "Allowed by `billing-config.toml`" in allowed.out
        assert "+limit = 100" in git(repo, "diff", "main", "--", "billing-config.toml").stdout  # visible in the diff
        month.merge("tariff-2025")
        month.deploy()
        assert month.value("SELECT name FROM customer_groups WHERE code = 'residential'") == "Residential (2025)"
        assert month.value("SELECT count(*) FROM config_audit_log WHERE action = 'allow' AND kind = 'groups'") == 1

        # Next month: another mass change. The old allowance is still in the file; it does not apply.
        month.pull_request("tariff-2026", lambda: rename_groups(repo / "config", " again"), "2026 group names", plan_code=3)
        month.ok("plan", "--target", "live-readonly", "--detailed-exitcode", code=3)
        month.ok("apply", "--target", "live", "--yes", code=1)
    finally:
        engine.dispose()
