"""Times `billing-config validate` as a whole process, and check-jsonschema for comparison.

    python benchmarks/validate_bench.py [--runs N] [--skip-check-jsonschema]

Measures, each as a fresh process from start to exit (median of --runs):
- the repository's sample config/;
- a generated tree of 16,000 files (10,000 statuses, 5,000 groups, 1,000 departments), and the
  same entries written by hand (quoted values, comments, blank lines; see generate_tree.py),
  timed in alternation so that a busy machine slows both alike, and the ratio of the two,
  also with both on one process (--jobs 1);
- the same 10,000 status files alone, and check-jsonschema on exactly those files with the same
  schema (run once: it takes about 20 s).
Peak memory and CPU time are each process's maximum resident set and user plus system time,
children included (wait4's rusage, the same figures resource.getrusage(RUSAGE_CHILDREN)
accumulates). On a shared machine the CPU seconds say more than the wall time about the
work itself.

Targets (issue 2): sample under 0.15 s; 16,000 files under 1.5 s on 2 cores; at least 15x
faster than check-jsonschema on the 10,000 status files. Issue 7: the hand-written tree at
most 1.25x the plain one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

from generate_tree import generate  # noqa: E402


class Run(NamedTuple):
    wall: float  # seconds from start to exit
    cpu: float  # user and system seconds, children included: the work, whatever else the machine runs
    peak: int  # maximum resident set in MiB, children included


def timed(command: list[str], cwd: Path) -> Run:
    """Wall and CPU seconds and peak RSS of one process, which must succeed."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    if process.returncode not in (0,):
        sys.exit(f"{' '.join(command)} exited {process.returncode}:\n{stderr.decode(errors='replace')[-2000:]}")
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024)


def median_of(command: list[str], cwd: Path, runs: int) -> tuple[float, int]:
    """Median wall seconds and the highest peak RSS of runs runs, after one to warm up."""
    run = medians_alternating([command], cwd, runs)[0]
    return run.wall, run.peak


def medians_alternating(commands: list[list[str]], cwd: Path, runs: int) -> list[Run]:
    """Median wall and CPU seconds and highest peak of each command, run in turn (a, b, a,
    b, ...) so that they share the noise of a busy machine."""
    for command in commands:
        timed(command, cwd)  # warm the page cache and the .pyc files
    results: list[list[Run]] = [[] for _ in commands]
    for _ in range(runs):
        for index, command in enumerate(commands):
            results[index].append(timed(command, cwd))
    return [
        Run(statistics.median(r.wall for r in runs_), statistics.median(r.cpu for r in runs_), max(r.peak for r in runs_))
        for runs_ in results
    ]


def validator_command() -> list[str]:
    script = Path(sys.executable).parent / "billing-config"
    return [str(script)] if script.exists() else [sys.executable, "-m", "billing_config"]


def ensure_trees() -> tuple[Path, Path, Path]:
    full, statuses_only = OUT / "config", OUT / "statuses-only" / "config"
    hand_written = OUT / "hand-written" / "config"
    if not (full / "statuses" / "status-09999.yaml").exists():
        print("generating the 16,000-file tree ...", flush=True)
        generate(full)
    if not (hand_written / "statuses" / "status-09999.yaml").exists():
        print("generating the same tree, hand-written ...", flush=True)
        generate(hand_written, style="hand-written")
    if not (statuses_only / "statuses" / "status-09999.yaml").exists():
        generate(statuses_only, groups=0, departments=0)
        shutil.rmtree(statuses_only / "groups")
        shutil.rmtree(statuses_only / "departments")
    return full, statuses_only, hand_written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--skip-check-jsonschema", action="store_true")
    args = parser.parse_args()

    full, statuses_only, hand_written = ensure_trees()
    validate = [*validator_command(), "validate", "--config-dir"]
    print(f"cores: {os.cpu_count()}, python {sys.version.split()[0]}, runs: {args.runs} (median)")

    (sample,) = medians_alternating([[*validate, "config"]], REPO, args.runs)
    print(
        f"sample config ({sum(1 for _ in (REPO / 'config').rglob('*.yaml'))} files): {sample.wall:.3f} s "
        f"(cpu {sample.cpu:.3f} s), peak {sample.peak} MiB  (target < 0.150 s)"
    )

    plain, hand = medians_alternating([[*validate, str(full)], [*validate, str(hand_written)]], REPO, args.runs)
    files = sum(1 for _ in full.rglob("*.yaml"))
    print(f"generated tree ({files} files): {plain.wall:.3f} s (cpu {plain.cpu:.3f} s), peak {plain.peak} MiB  (target < 1.5 s)")
    print(f"same tree hand-written (quotes, comments, blank lines): {hand.wall:.3f} s (cpu {hand.cpu:.3f} s), peak {hand.peak} MiB")
    print(f"  hand-written / plain: {hand.wall / plain.wall:.2f}x wall, {hand.cpu / plain.cpu:.2f}x cpu  (target <= 1.25x)")
    # validate picks its process count from the load average, which may differ between two
    # runs; one process each compares the reading alone.
    plain_one, hand_one = medians_alternating(
        [[*validate, str(full), "--jobs", "1"], [*validate, str(hand_written), "--jobs", "1"]], REPO, args.runs
    )
    print(
        f"  on one process (--jobs 1): plain {plain_one.wall:.3f} s (cpu {plain_one.cpu:.3f} s), hand-written "
        f"{hand_one.wall:.3f} s (cpu {hand_one.cpu:.3f} s): {hand_one.wall / plain_one.wall:.2f}x wall, "
        f"{hand_one.cpu / plain_one.cpu:.2f}x cpu"
    )

    forced, forced_peak = median_of([*validate, str(full), "--jobs", "2"], REPO, args.runs)
    print(f"generated tree, forced onto 2 processes (--jobs 2): {forced:.3f} s, peak {forced_peak} MiB")
    print(f"  (validate splits only onto idle cores; load average now {os.getloadavg()[0]:.2f})")

    ours, ours_peak = median_of([*validate, str(statuses_only)], REPO, args.runs)
    print(f"10,000 status files (+ reference lists): {ours:.3f} s, peak {ours_peak} MiB")

    if args.skip_check_jsonschema:
        return
    check = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or shutil.which("check-jsonschema")
    if check is None:
        sys.exit("check-jsonschema is not installed: pip install -e '.[test]'")
    status_dir = statuses_only / "statuses"
    files_arg = sorted(p.name for p in status_dir.glob("*.yaml"))
    schema = REPO / "schemas" / "statuses.schema.json"
    print("check-jsonschema on the same 10,000 status files (once) ...", flush=True)
    theirs, _, theirs_peak = timed([check, "--schemafile", str(schema), *files_arg], status_dir)
    print(f"check-jsonschema: {theirs:.2f} s, peak {theirs_peak} MiB")
    print(f"speed-up on the 10,000 status files: {theirs / ours:.1f}x  (target >= 15x)")
    print(f"speed-up, whole 16,000-file tree vs check-jsonschema on 10,000: {theirs / tree:.1f}x")


if __name__ == "__main__":
    main()
