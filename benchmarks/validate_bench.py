"""Times `billing-config validate` as a whole process, and check-jsonschema for comparison.

    python benchmarks/validate_bench.py [--runs N] [--skip-check-jsonschema] [--skip-crossover]

Measures, each as a fresh process from start to exit (median of --runs):
- the repository's sample config/;
- a generated tree of 16,000 files (10,000 statuses, 5,000 groups, 1,000 departments), and the
  same entries written by hand (quoted values, comments, blank lines; see generate_tree.py),
  timed in alternation so that a busy machine slows both alike, and the ratio of the two,
  also with both on one process (--jobs 1);
- the crossover: hand-written trees of 500 to 16,000 files, each on one process and on the
  pool of one process per core (the threshold forced down), in alternation; the smallest
  size from which the pool is faster, against rules/tree.py's PARALLEL_FROM. Beside it,
  validate's own CPU seconds in the pool (its run's length on idle cores: it reads while the
  workers read) and how much faster two busy processes go than one on this machine, since a
  pool gains only on cores no one else (no other virtual machine either) is using;
- the 16,000-file hand-written tree as validate reads it (the pool) and on one process, and
  check-jsonschema on exactly its 10,000 status files with the same schema (run once: it takes
  about 20 s): the ratio of their wall times;
- the 10,000 status files alone (plain), against check-jsonschema on the same files.
Peak memory and CPU time are each process's maximum resident set and user plus system time,
children included (wait4's rusage, the same figures resource.getrusage(RUSAGE_CHILDREN)
accumulates). On a shared machine the CPU seconds say more than the wall time about the
work itself, and a pool gains only on cores no one else is using: the load average is printed.

Goals: sample under 0.15 s; 16,000 files under 1.5 s on 2 cores; at least 15x faster than
check-jsonschema on the 10,000 status files (issue 2). The hand-written tree at most 1.25x
the plain one (issue 7). The 16,000-file hand-written tree at least 25x faster than
check-jsonschema on its 10,000 status files, reading in parallel (issue 18; start-up is
benchmarks/startup_bench.py's).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
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


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Wall and CPU seconds and peak RSS of one process, which must succeed; env adds to the
    environment."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=with_env(env or {}), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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


def medians_alternating(
    commands: list[list[str]], cwd: Path, runs: int, envs: list[dict[str, str]] | None = None
) -> list[Run]:
    """Median wall and CPU seconds and highest peak of each command (each with its env), run
    in turn (a, b, a, b, ...) so that they share the noise of a busy machine."""
    envs = envs or [{} for _ in commands]
    for command, env in zip(commands, envs):
        timed(command, cwd, env)  # warm the page cache and the .pyc files
    results: list[list[Run]] = [[] for _ in commands]
    for _ in range(runs):
        for index, command in enumerate(commands):
            results[index].append(timed(command, cwd, envs[index]))
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


CROSSOVER_SIZES = (500, 1000, 2000, 4000, 8000, 16000)
POOL = {"BILLING_CONFIG_PARALLEL_FROM": "1"}  # the pool validate uses on a big tree, at any size


def with_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment for a timed process: bytecode written and used, as in an installed tool."""
    return {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, **extra}


def sized_tree(files: int) -> Path:
    """A hand-written tree of about files files, in the 16,000-file tree's proportions."""
    if files == 16000:
        return OUT / "hand-written" / "config"
    target = OUT / "sizes" / str(files) / "config"
    if not (target / "departments").is_dir():
        generate(target, statuses=files * 10 // 16, groups=files * 5 // 16, departments=files // 16, style="hand-written")
    return target


# validate, then its own CPU seconds (workers not included) written to $BENCH_OWN_CPU: on idle
# cores a pool's run lasts about as long as this, as validate reads while the workers read.
OWN_CPU = (
    "import os, resource, sys; from billing_config.cli import main; code = main(sys.argv[1:]); "
    "usage = resource.getrusage(resource.RUSAGE_SELF); "
    "open(os.environ['BENCH_OWN_CPU'], 'w').write(repr(usage.ru_utime + usage.ru_stime)); sys.exit(code)"
)


def parallel_capacity() -> float:
    """How much faster two busy processes get through their work than one: 2.0 on two idle
    cores, 1.0 when the machine (or its host) gives them one core's worth between them."""
    loop = [sys.executable, "-c", "sum(range(2 * 10**7))"]
    one = statistics.median(timed(loop, REPO).wall for _ in range(3))
    two = []
    for _ in range(3):
        start = time.perf_counter()
        processes = [subprocess.Popen(loop) for _ in range(2)]
        for process in processes:
            process.wait()
        two.append(time.perf_counter() - start)
    return 2 * one / statistics.median(two)


def crossover(runs: int) -> int | None:
    """Prints one process against the pool for each size; returns the smallest size from which
    the pool is faster at every size measured, or None."""
    from billing_config.rules.tree import PARALLEL_FROM

    faster: list[tuple[int, bool]] = []
    print(
        f"crossover (hand-written trees, median of {runs}; one process vs one per core, and validate's own cpu "
        f"in the pool, which its wall time nears on idle cores); two busy processes run "
        f"{parallel_capacity():.2f}x as fast as one here (2.00x on two idle cores):"
    )
    validate = [sys.executable, "-c", OWN_CPU, "validate", "--config-dir"]
    with tempfile.TemporaryDirectory() as folder:
        own_file = str(Path(folder) / "own")
        for size in CROSSOVER_SIZES:
            tree = sized_tree(size)
            files = sum(1 for _ in tree.rglob("*.yaml"))
            commands = [([*validate, str(tree), "--jobs", "1"], {}), ([*validate, str(tree)], POOL)]
            results: list[list[tuple[Run, float]]] = [[], []]
            for index in range(-1, runs):  # the first round warms up
                for which, (command, env) in enumerate(commands):
                    run = timed(command, REPO, {**env, "BENCH_OWN_CPU": own_file})
                    if index >= 0:
                        results[which].append((run, float(Path(own_file).read_text())))
            one, pool = (
                (statistics.median(r.wall for r, _ in rs), statistics.median(r.cpu for r, _ in rs), statistics.median(o for _, o in rs))
                for rs in results
            )
            faster.append((files, pool[0] < one[0]))
            print(
                f"  {files:>6} files: one {one[0]:.3f} s (cpu {one[1]:.3f}), pool {pool[0]:.3f} s (cpu {pool[1]:.3f}, "
                f"validate's own {pool[2]:.3f}): {one[0] / pool[0]:.2f}x wall, {one[1] / pool[2]:.2f}x own cpu  "
                f"(load {os.getloadavg()[0]:.2f})"
            )
    found = next((files for i, (files, _) in enumerate(faster) if all(win for _, win in faster[i:])), None)
    shown = f"{found} files" if found is not None else f"none up to {faster[-1][0]} files"
    print(f"parallel crossover: {shown}  (validate uses the pool from PARALLEL_FROM = {PARALLEL_FROM} files)")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--skip-check-jsonschema", action="store_true")
    parser.add_argument("--skip-crossover", action="store_true")
    args = parser.parse_args()

    full, statuses_only, hand_written = ensure_trees()
    validate = [*validator_command(), "validate", "--config-dir"]
    print(
        f"cores: {len(os.sched_getaffinity(0))}, python {sys.version.split()[0]}, runs: {args.runs} (median), "
        f"load average {os.getloadavg()[0]:.2f}"
    )

    (sample,) = medians_alternating([[*validate, "config"]], REPO, args.runs)
    print(
        f"sample config ({sum(1 for _ in (REPO / 'config').rglob('*.yaml'))} files): {sample.wall:.3f} s "
        f"(cpu {sample.cpu:.3f} s), peak {sample.peak} MiB  (goal < 0.150 s)"
    )

    plain, hand = medians_alternating([[*validate, str(full)], [*validate, str(hand_written)]], REPO, args.runs)
    files = sum(1 for _ in full.rglob("*.yaml"))
    print(f"generated tree ({files} files): {plain.wall:.3f} s (cpu {plain.cpu:.3f} s), peak {plain.peak} MiB  (goal < 1.5 s)")
    print(f"same tree hand-written (quotes, comments, blank lines): {hand.wall:.3f} s (cpu {hand.cpu:.3f} s), peak {hand.peak} MiB")
    print(f"  hand-written / plain: {hand.wall / plain.wall:.2f}x wall, {hand.cpu / plain.cpu:.2f}x cpu  (goal <= 1.25x)")
    plain_one, hand_one = medians_alternating(
        [[*validate, str(full), "--jobs", "1"], [*validate, str(hand_written), "--jobs", "1"]], REPO, args.runs
    )
    print(
        f"  on one process (--jobs 1): plain {plain_one.wall:.3f} s (cpu {plain_one.cpu:.3f} s), hand-written "
        f"{hand_one.wall:.3f} s (cpu {hand_one.cpu:.3f} s): {hand_one.wall / plain_one.wall:.2f}x wall, "
        f"{hand_one.cpu / plain_one.cpu:.2f}x cpu"
    )
    print(
        f"  hand-written, the pool vs one process: {hand.wall:.3f} s vs {hand_one.wall:.3f} s wall "
        f"({hand_one.wall / hand.wall:.2f}x), cpu {hand.cpu:.3f} s vs {hand_one.cpu:.3f} s"
    )

    if not args.skip_crossover:
        crossover(args.runs)

    ours, ours_peak = median_of([*validate, str(statuses_only)], REPO, args.runs)
    print(f"10,000 status files (+ reference lists): {ours:.3f} s, peak {ours_peak} MiB")

    if args.skip_check_jsonschema:
        return
    check = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or shutil.which("check-jsonschema")
    if check is None:
        sys.exit("check-jsonschema is not installed: pip install -e '.[test]'")
    schema = REPO / "schemas" / "statuses.schema.json"
    for label, status_dir in (("plain", statuses_only / "statuses"), ("hand-written", hand_written / "statuses")):
        files_arg = sorted(p.name for p in status_dir.glob("*.yaml"))
        print(f"check-jsonschema on the {len(files_arg):,} {label} status files (once) ...", flush=True)
        theirs = timed([check, "--schemafile", str(schema), *files_arg], status_dir)
        print(f"check-jsonschema, {label}: {theirs.wall:.2f} s (cpu {theirs.cpu:.2f} s), peak {theirs.peak} MiB")
        if label == "plain":
            print(f"speed-up on the 10,000 status files: {theirs.wall / ours:.1f}x  (goal >= 15x)")
        else:
            print(
                f"16,000-file hand-written tree vs check-jsonschema on its 10,000 status files: "
                f"{theirs.wall / hand.wall:.1f}x wall  (goal >= 25x); on one process {theirs.wall / hand_one.wall:.1f}x; "
                f"cpu {theirs.cpu / hand.cpu:.1f}x"
            )


if __name__ == "__main__":
    main()
