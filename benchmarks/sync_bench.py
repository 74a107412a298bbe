"""Benchmark of the sync engine: plan and apply of a 16,000-entry tree, and a no-change plan.

    .venv/bin/python benchmarks/sync_bench.py [--postgres URL] [--mariadb URL] [--keep TREE_DIR]

SQLite always runs (a temporary file); PostgreSQL and MariaDB run when their URL is given (or
BILLING_BENCH_POSTGRES_URL / BILLING_BENCH_MARIADB_URL is set). EVERY TABLE in those databases
is dropped first: point it at a scratch database.

Prints, per database: wall time, rows per second, and the number of SQL statements the command
sent (counted with SQLAlchemy's before_cursor_execute event; an executemany batch counts once).
Targets (issue 3): apply of the 16,000 creates on PostgreSQL under 5 s; a no-change plan under
the validate time + 0.5 s; statements per plan independent of the entry count.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO))  # tests.testing: the same database wipe the tests use

from generate_tree import generate  # noqa: E402  (benchmarks/ is this script's own folder)
from tests.testing.databases import reset_database  # noqa: E402

from billing_config.cli import main  # noqa: E402
from billing_config.apply import run_apply  # noqa: E402
from billing_config.plan.pipeline import load_valid_config  # noqa: E402
from billing_config.db.connect import create_engine  # noqa: E402
from billing_config.kinds import KINDS  # noqa: E402
from billing_config.plan.diff import compute_plan  # noqa: E402

APPLY_GOAL = 3.5  # issue 18: an apply of the large tree's creates against validate of the same tree


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0
        event.listen(sa.engine.Engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(sa.engine.Engine, "before_cursor_execute", self._seen)


def timed(counter: StatementCounter, argv: list[str]) -> tuple[float, int, int]:
    """Run one CLI command in-process: seconds, statements, exit code."""
    counter.count = 0
    sink = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        code = main(argv)
    elapsed = time.perf_counter() - started
    if code not in (0, 2):
        raise SystemExit(f"{' '.join(argv[:1])} failed ({code}):\n{sink.getvalue()[-2000:]}")
    return elapsed, counter.count, code


def cli_seconds(argv: list[str], repeat: int = 3) -> float:
    """Best wall time of the real command in a fresh process (interpreter and imports included)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "billing_config", *argv], cwd=REPO, capture_output=True, check=False,
                       env={**os.environ, "PYTHONPATH": str(REPO / "tools")})
        best = min(best, time.perf_counter() - started)
    return best


def bench(label: str, url: str, big: Path, small: Path, entries: int, validate_cli: float, report: Callable[[str], None]) -> None:
    counter = StatementCounter()
    statements: dict[str, tuple[int, int, int]] = {}
    try:
        for tree, name in ((small, "sample tree (18 entries)"), (big, f"large tree ({entries} entries)")):
            reset_database(url)
            timed(counter, ["db", "init", "--database", url, "--config-dir", str(tree)])
            plan_s, plan_n, _ = timed(counter, ["plan", "--database", url, "--config-dir", str(tree), "--format", "json"])
            apply_s, apply_n, _ = timed(counter, ["apply", "--yes", "--database", url, "--config-dir", str(tree)])
            same_s, same_n, code = timed(counter, ["plan", "--database", url, "--config-dir", str(tree), "--detailed-exitcode"])
            assert code == 0, "the plan after apply is not empty"
            statements[name] = (plan_n, apply_n, same_n)
            count = entries if tree == big else 18
            report(f"{label:10} {name:28} plan(all creates) {plan_s:6.2f} s {plan_n:4d} stmts | "
                   f"apply {apply_s:6.2f} s {apply_n:4d} stmts {count / apply_s:8.0f} rows/s | "
                   f"no-change plan {same_s:5.2f} s {same_n:4d} stmts")
        # The database part of the apply alone: documents already validated, one transaction
        # (lock, fresh read, diff, 16,000 inserts with references, audit rows, commit).
        reset_database(url)
        timed(counter, ["db", "init", "--database", url, "--config-dir", str(big)])
        documents = load_valid_config(big)
        engine = create_engine(url)
        counter.count = 0
        started = time.perf_counter()
        result = run_apply(engine, url, replan=lambda live: compute_plan(documents, live))
        seconds = time.perf_counter() - started
        engine.dispose()
        report(f"{label:10} apply transaction alone (validated documents in hand): {seconds:.2f} s, "
               f"{counter.count} stmts, {result.changes / seconds:.0f} rows/s")
        # Side by side, alternating, best of five each: the machine's load drifts over minutes.
        validate_runs, plan_runs = [], []
        for _ in range(5):
            validate_runs.append(cli_seconds(["validate", "--config-dir", str(big)], repeat=1))
            plan_runs.append(cli_seconds(["plan", "--database", url, "--config-dir", str(big)], repeat=1))
        validate_cli, cli = min(validate_runs), min(plan_runs)
        report(f"{label:10} no-change plan of the large tree as a fresh process: {cli:.2f} s "
               f"(validate {validate_cli:.2f} s + {cli - validate_cli:.2f} s)")
        # Issue 18: the apply of every create, as a fresh process, against validate of the same
        # tree as a fresh process (alternating, best of three each).
        apply_runs, checks = [], []
        for _ in range(3):
            reset_database(url)
            timed(counter, ["db", "init", "--database", url, "--config-dir", str(big)])
            apply_runs.append(cli_seconds(["apply", "--yes", "--database", url, "--config-dir", str(big)], repeat=1))
            checks.append(cli_seconds(["validate", "--config-dir", str(big)], repeat=1))
        ratio = min(apply_runs) / min(checks)
        report(f"{label:10} apply of {entries} creates as a fresh process {min(apply_runs):.2f} s, validate {min(checks):.2f} s: "
               f"x{ratio:.2f} (goal at most x{APPLY_GOAL}: {'met' if ratio <= APPLY_GOAL else 'NOT met'})")
        small_n, big_n = statements.values()
        report(f"{label:10} targets: apply transaction {seconds:.2f} s (< 5 s: {'yes' if seconds < 5 else 'NO'}); "
               f"no-change plan - validate = {cli - validate_cli:.2f} s (< 0.5 s: {'yes' if cli - validate_cli < 0.5 else 'NO'}); "
               f"statements independent of entry count: {'yes' if small_n == big_n else 'NO'} {big_n}")
    finally:
        counter.close()


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=os.environ.get("BILLING_BENCH_POSTGRES_URL"))
    parser.add_argument("--mariadb", default=os.environ.get("BILLING_BENCH_MARIADB_URL"))
    parser.add_argument("--keep", type=Path, default=None, help="build the tree here and keep it")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="billing-sync-bench-"))
    try:
        big = (args.keep or work / "big") / "config"
        generate(big)  # the validator benchmark's tree: 10,000 statuses, 5,000 groups, 1,000 departments
        entries = sum(1 for kind in KINDS if kind.managed for _ in (big / kind.name).glob("*.yaml"))
        small = work / "small" / "config"
        shutil.copytree(REPO / "config", small)

        sink = io.StringIO()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            started = time.perf_counter()
            main(["validate", "--config-dir", str(big)])
            validate_in_process = time.perf_counter() - started
        validate_cli = cli_seconds(["validate", "--config-dir", str(big)], repeat=5)
        print(f"tree: {entries} managed entries + reference lists in {big}")
        print(f"validate of the large tree: {validate_in_process:.2f} s in-process, {validate_cli:.2f} s as a fresh process")

        targets = [("sqlite", f"sqlite:///{work / 'bench.db'}")]
        if args.postgres:
            targets.append(("postgresql", args.postgres))
        if args.mariadb:
            targets.append(("mariadb", args.mariadb))
        for label, url in targets:
            bench(label, url, big, small, entries, validate_cli, print)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main_bench()
