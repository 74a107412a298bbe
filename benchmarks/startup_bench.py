"""What `billing-config validate` costs before it reads a file: the pre-commit hook's start-up.

    python benchmarks/startup_bench.py [--runs N] [--before REV]

Times, as fresh processes pinned to one core, `billing-config validate` on the repository's
40-file sample config/ against a bare `python -c pass` of the same interpreter (so both pay
for the interpreter and its site-packages, an editable install's path hook included), in
alternation, and prints the ratio of their CPU seconds (user and system, median of --runs).
Bytecode is written and used (PYTHONDONTWRITEBYTECODE is dropped), as in an installed tool.

--before REV times the package as it was at a git revision too (its tools/ and schemas/ exported to a
temporary folder and put first on PYTHONPATH), for a before/after figure.

Goal (issue 18): validate at most 2.5x the CPU of `python -c pass`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GOAL = 2.5


def cpu_seconds(command: list[str], env: dict[str, str], core: int) -> float:
    """User and system seconds of one process on one core; it must succeed."""
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        preexec_fn=lambda: os.sched_setaffinity(0, {core}),
    )
    assert process.stderr is not None
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed:\n{stderr.decode(errors='replace')[-2000:]}")
    return usage.ru_utime + usage.ru_stime


def medians(commands: list[list[str]], env: dict[str, str], runs: int) -> list[float]:
    """Median CPU seconds of each command, run in turn so they share a busy machine's noise."""
    core = min(os.sched_getaffinity(0))
    for command in commands:  # write the .pyc files and warm the page cache
        cpu_seconds(command, env, core)
    results: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for index, command in enumerate(commands):
            results[index].append(cpu_seconds(command, env, core))
    return [statistics.median(times) for times in results]


def validator(python: str) -> list[str]:
    return [python, "-c", "import sys; from billing_config.cli import main; sys.exit(main())"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--before", metavar="REV", help="also time the package at this git revision")
    args = parser.parse_args()

    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    python = sys.executable
    script = Path(python).parent / "billing-config"  # the console script, as the hook runs it
    validate = [str(script)] if script.exists() else validator(python)
    arguments = ["validate", "--config-dir", "config"]
    print(f"python {sys.version.split()[0]}, one core, median of {args.runs}; load average {os.getloadavg()[0]:.2f}")

    bare, ours = medians([[python, "-c", "pass"], [*validate, *arguments]], env, args.runs)
    print(f"python -c pass: {bare * 1000:.1f} ms cpu")
    print(f"validate, sample config (40 files): {ours * 1000:.1f} ms cpu")
    print(f"start-up ratio: {ours / bare:.2f}x  (goal <= {GOAL}x)")

    if args.before:
        with tempfile.TemporaryDirectory() as folder:
            archive = subprocess.run(["git", "archive", args.before, "tools", "schemas"], cwd=REPO, capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
            old_env = {**env, "PYTHONPATH": str(Path(folder) / "tools")}
            bare_then, then = medians([[python, "-c", "pass"], [*validator(python), *arguments]], old_env, args.runs)
        print(f"at {args.before}: {then * 1000:.1f} ms cpu, start-up ratio {then / bare_then:.2f}x")


if __name__ == "__main__":
    main()
