"""The check of a whole tree, by one process or by a pool of them: the same result, byte for byte.

Big trees are read by worker processes, chunk by chunk, and the rules over the whole tree run
after, in the parent. The threshold is forced low here (parallel_from, --jobs, or the variable
the command line reads) so that a tree of a few hundred files, with mistakes of every stage,
goes through the pool; and the parent is slowed down (PARENT_READS_SLOWLY), so that the
workers, once up, read most chunks, as they do in a big tree, instead of finding the parent
done before they start.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from billing_config.rules import tree as validation
from billing_config.rules.tree import PARALLEL_FROM, PARALLEL_FROM_ENV, validate_tree
from tests.conftest import REPO

ENTRIES = 120  # of each of two kinds, beside the sample tree: ~290 files in all
# Mistakes of every stage, each in its own file; several also clash with generated entries.
MISTAKES = {
    "groups/clash.yaml": "name: 'Group 7'   # the name of a generated group\n",
    "groups/copy-a.yaml": "name: Copied\nshort_name: CPY\ndisplay_position: 3\n",
    "groups/copy-b.yaml": "name: Copied\nshort_name: CPY\ndisplay_position: 3\n",
    "groups/cut.yaml": "name: Cut # short\nshort_name: CUT\n",
    "groups/notes.txt": "not an entry\n",
    "groups/Bad Name.yaml": "name: Bad Name\n",
    "statuses/broken-reference.yaml": "name: Broken\nnext_status: nowhere\n",
    "statuses/not-yaml.yaml": "name: [unclosed\n",
    "statuses/wrong-types.yaml": "name: Wrong\nis_billable: 'yes'\ndisplay_position: -1\nnmae: typo\n",
    "statuses/deep.yaml": "name: " + "[" * 50 + "\n",
    "statuses/empty.yaml": "# nothing here\n",
    "departments/tabbed.yaml": "name:\tTabbed\n",
    "departments/duplicate-key.yaml": "name: One\nname: Two\n",
    "departments/quoted.yaml": 'name: "Dept \\u00e9"\n',
}

# A module that makes the parent read 10 ms a file and the workers at full speed, each noting
# its process id in $WORKERS_FILE when it reads; imported by a test, or by a sitecustomize in
# every process of a command line. Workers find it on the path their parent gave them.
PARENT_READS_SLOWLY = """
import multiprocessing, os, time
from billing_config.rules import tree

_read_and_check = tree.read_and_check


def parent_reads_slowly(entries):
    if multiprocessing.parent_process() is None:
        time.sleep(0.01 * len(entries))
    else:
        with open(os.environ["WORKERS_FILE"], "a") as noted:
            noted.write(f"{os.getpid()}\\n")
    return _read_and_check(entries)


tree.read_and_check = parent_reads_slowly
tree.CHUNK_FILES = 10
"""


def grow(config: Path) -> int:
    """Entries as people write them (quotes, comments, blank lines), and the mistakes above;
    returns how many files the tree has."""
    for index in range(ENTRIES):
        (config / "groups" / f"group-{index:04d}.yaml").write_text(
            f"# Customers of region {index}\nname: 'Group {index}'   # as staff see it\n\n"
            f'short_name: "G{index}"\ndisplay_position: {index}\n'
        )
        (config / "departments" / f"department-{index:04d}.yaml").write_text(
            f'name: "Department {index}"\n\n# where it sorts\ndisplay_position: {1000 + index}\n'
        )
    for relative, text in MISTAKES.items():
        (config / relative).write_text(text)
    return sum(1 for path in config.rglob("*") if path.is_file())


@pytest.fixture
def big_tree(config_tree: Path) -> Path:
    files = grow(config_tree)
    assert files > 250
    return config_tree


@pytest.fixture
def slow_parent(tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    """The folder of slow_parent_reading (and of a sitecustomize that imports it), the
    environment that loads it into every process of a command line, and the file in which
    workers note themselves."""
    folder = tmp_path / "slow-parent"
    folder.mkdir()
    (folder / "slow_parent_reading.py").write_text(PARENT_READS_SLOWLY)
    (folder / "sitecustomize.py").write_text("import slow_parent_reading\n")
    noted = tmp_path / "workers"
    noted.write_text("")
    path = os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))
    return folder, {"PYTHONPATH": path, "WORKERS_FILE": str(noted)}, noted


def test_a_pool_of_processes_finds_exactly_what_one_process_finds(
    big_tree: Path, slow_parent: tuple[Path, dict[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    single = validate_tree(big_tree, jobs=1)
    assert len({f.rule for f in single.findings}) >= 12 and len(single.findings) >= 15
    folder, env, noted = slow_parent
    monkeypatch.setenv("WORKERS_FILE", env["WORKERS_FILE"])
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)  # a pool even on one core
    monkeypatch.setattr(validation, "read_and_check", validation.read_and_check)  # put back after the test
    monkeypatch.setattr(validation, "CHUNK_FILES", validation.CHUNK_FILES)
    monkeypatch.syspath_prepend(str(folder))
    try:
        import slow_parent_reading  # noqa: F401  (this process now reads slowly)

        for parallel in (validate_tree(big_tree, parallel_from=100), validate_tree(big_tree, jobs=3)):
            assert parallel.findings == single.findings
            assert [d.path for d in parallel.documents] == [d.path for d in single.documents]
            assert parallel.documents == single.documents
            assert parallel.files == single.files
    finally:
        sys.modules.pop("slow_parent_reading", None)
    assert len(noted.read_text().split()) >= 10, "the workers should have read most chunks"


WORKERS_DIE = """
import multiprocessing, os, time
from billing_config.rules import tree

_read_and_check = tree.read_and_check


def workers_die(entries):
    if multiprocessing.parent_process() is not None:
        with open(os.environ["WORKERS_FILE"], "a") as noted:
            noted.write(f"{os.getpid()}\\n")
        os._exit(9)  # as if killed for memory
    time.sleep(0.01 * len(entries))
    return _read_and_check(entries)


tree.read_and_check = workers_die
tree.CHUNK_FILES = 10
"""


def test_when_workers_die_validate_reads_their_chunks_itself(
    big_tree: Path, slow_parent: tuple[Path, dict[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    single = validate_tree(big_tree, jobs=1)
    folder, env, noted = slow_parent
    (folder / "workers_die.py").write_text(WORKERS_DIE)
    monkeypatch.setenv("WORKERS_FILE", env["WORKERS_FILE"])
    monkeypatch.setattr(validation, "read_and_check", validation.read_and_check)  # put back after the test
    monkeypatch.setattr(validation, "CHUNK_FILES", validation.CHUNK_FILES)
    monkeypatch.syspath_prepend(str(folder))
    try:
        import workers_die  # noqa: F401

        survived = validate_tree(big_tree, jobs=2)
    finally:
        sys.modules.pop("workers_die", None)
    assert noted.read_text(), "a worker should have been handed a chunk, and died"
    assert (survived.findings, survived.documents) == (single.findings, single.documents)


@pytest.mark.parametrize("output", ["text", "json", "github"])
def test_validate_prints_the_same_bytes_from_one_process_or_a_pool(
    big_tree: Path, slow_parent: tuple[Path, dict[str, str], Path], output: str
) -> None:
    def run(*extra: str, env: dict[str, str] | None = None) -> tuple[int, bytes, bytes]:
        completed = subprocess.run(
            [sys.executable, "-m", "billing_config", "validate", "--config-dir", str(big_tree), "--format", output, *extra],
            cwd=REPO, capture_output=True, check=False, timeout=120, env={**os.environ, "NO_COLOR": "1", **(env or {})},
        )
        return completed.returncode, completed.stdout, completed.stderr

    single = run("--jobs", "1")
    assert single[0] == 1 and single[1] and b"Traceback" not in single[2]
    assert run(env={PARALLEL_FROM_ENV: "100"}) == single  # the pool the command line chooses (one per core)
    _, slowed, noted = slow_parent
    assert run("--jobs", "3", env=slowed) == single  # a pool of three, the workers reading most chunks
    assert len(noted.read_text().split()) >= 10


@pytest.mark.parametrize(
    ("files", "cores", "expected"),
    [(100, 2, 1), (PARALLEL_FROM - 1, 2, 1), (PARALLEL_FROM, 2, 2), (16_000, 2, 2), (16_000, 8, 8), (16_000, 1, 1)],
)
def test_big_trees_use_every_core(files: int, cores: int, expected: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    monkeypatch.delenv(PARALLEL_FROM_ENV, raising=False)
    assert validation._worker_count(files, None) == expected
    assert validation._worker_count(files, 3) == 3  # --jobs decides, whatever the size
    assert validation._worker_count(2, 3) == 2  # but never more processes than files


def test_the_threshold_moves_with_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setenv(PARALLEL_FROM_ENV, "50")
    assert (validation._worker_count(49, None), validation._worker_count(50, None)) == (1, 4)
    assert validation._worker_count(49, None, parallel_from=10) == 4  # the parameter beats the variable


def test_ctrl_c_stops_the_pool_and_no_worker_prints_a_traceback(
    big_tree: Path, slow_parent: tuple[Path, dict[str, str], Path]
) -> None:
    """Ctrl-C reaches every process of the terminal's process group; the workers hold it, so
    only validate answers (exit 130, one line), once the chunks under way are read."""
    import signal
    import time

    _, env, noted = slow_parent
    process = subprocess.Popen(
        [sys.executable, "-m", "billing_config", "validate", "--config-dir", str(big_tree), "--jobs", "2"],
        cwd=REPO, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )
    deadline = time.monotonic() + 20
    while not noted.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)  # until a worker is reading
    os.killpg(process.pid, signal.SIGINT)
    started = time.monotonic()
    _, stderr = process.communicate(timeout=30)
    assert (process.returncode, stderr.decode()) == (130, "billing-config: interrupted\n")
    assert time.monotonic() - started < 2
