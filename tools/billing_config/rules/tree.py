"""The whole check of a config tree: layout, every file, then the rules that need every entry.

Reading and per-file checks dominate the cost and are independent per file, so a big tree is
read by one process per core, chunk by chunk; the rules over the whole tree (references,
uniqueness, the chain) run after, in this process. A small tree stays in one process, where
starting workers and sending documents back would cost more than it saves.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from billing_config.findings import Finding, sorted_findings
from billing_config.loader import Document, EntryFile, discover, read_entry
from billing_config.rules.changes import probe
from billing_config.rules.checks import check_document, check_tree
from billing_config.rules.json_schema import WRONG_FOLDER

# Below this many files one process is faster than starting workers (measured by
# benchmarks/validate_bench.py: the crossover); tests and benchmarks move it with the variable.
PARALLEL_FROM = 4000
PARALLEL_FROM_ENV = "BILLING_CONFIG_PARALLEL_FROM"
# Files in a chunk: small enough that the processes finish within a chunk of each other
# (250 files read in about 15 ms), big enough that handing them out costs nothing.
CHUNK_FILES = 250
# Chunks handed to each worker ahead of the one it reads: enough that it never waits for this
# process to come round and hand out more (two left it idle a third of the time), few enough
# that the two ends meet evenly. Measured on the 16,000-file tree: 2 ahead 0.94 s, 6 0.87 s,
# 12 0.88 s, 24 1.00 s.
AHEAD = 6
# Workers are forked where the platform can and the process runs no other thread: they start
# at once with the loader and the rules already imported (plan and apply validate before they
# open a database, so no engine's sockets are copied). Elsewhere they start as fresh
# interpreters, about 50 ms each. Measured on the 16,000-file tree: 0.95 s forked, 1.04 s
# spawned, 1.05 s in one process (two cores).
SPAWN = "spawn"


def start_method() -> str:
    import multiprocessing
    import threading

    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return SPAWN
# A file with thousands of stray keys would otherwise print thousands of lines of one rule.
MAX_FINDINGS_PER_RULE_AND_FILE = 20


class TreeResult:
    __slots__ = ("documents", "findings", "files")

    def __init__(self, documents: list[Document], findings: list[Finding], files: int) -> None:
        self.documents = documents
        self.findings = findings
        self.files = files

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity.value == "error")

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors


def read_and_check(entries: Sequence[EntryFile]) -> tuple[list[Document], list[Finding]]:
    documents: list[Document] = []
    findings: list[Finding] = []
    for entry in entries:
        document, problems = read_entry(entry.location, entry.display, entry.kind, entry.code)
        if document is not None:
            checked = check_document(document)
            problems = problems + checked
            # An entry in the wrong kind's folder is reported once, as that; the rules over the
            # whole tree would only add noise about a kind it is not.
            if not any(problem.rule == WRONG_FOLDER for problem in checked):
                documents.append(document)
        findings.extend(_bounded(problems) if len(problems) > MAX_FINDINGS_PER_RULE_AND_FILE else problems)
    return documents, findings


def _bounded(problems: list[Finding]) -> list[Finding]:
    """At most MAX_FINDINGS_PER_RULE_AND_FILE findings of one rule in one file, then a count."""
    from billing_config.findings import finding

    kept: list[Finding] = []
    extra: dict[str, list[Finding]] = {}
    seen: dict[str, int] = {}
    for problem in sorted_findings(problems):
        seen[problem.rule] = seen.get(problem.rule, 0) + 1
        if seen[problem.rule] <= MAX_FINDINGS_PER_RULE_AND_FILE:
            kept.append(problem)
        else:
            extra.setdefault(problem.rule, []).append(problem)
    for rule, rest in extra.items():
        first = rest[0]
        kept.append(
            finding(
                rule, first.path, first.line, first.column,
                f"{len(rest)} more {rule} problem(s) in this file from here on are not listed; fix the ones above first",
                kind=first.kind, code=first.code, json_path=first.json_path,
            )
        )
    return kept


def validate_tree(
    config_dir: Path, jobs: int | None = None, base: str | None = None, parallel_from: int | None = None
) -> TreeResult:
    """Check everything under config_dir.

    base is the git revision a clash or a broken reference is judged against (default HEAD):
    the finding lands on the entry this change touched. Git is asked only when one is found.

    jobs fixes the number of processes that read the files (1: this one alone); by default a
    tree of parallel_from files or more (default PARALLEL_FROM, or $BILLING_CONFIG_PARALLEL_FROM)
    is read by one process per core. Either way the result is the same, in the same order.

    Raises FileNotFoundError if it does not exist and NotADirectoryError if it is no folder.
    """
    if not config_dir.exists():
        raise FileNotFoundError(str(config_dir))
    if not config_dir.is_dir():
        raise NotADirectoryError(str(config_dir))
    entries, findings = discover(config_dir)
    workers = _worker_count(len(entries), jobs, parallel_from)
    if workers > 1:
        documents, problems = _in_parallel(entries, workers)
    else:
        documents, problems = read_and_check(entries)
    findings.extend(problems)
    present: dict[str, set[str]] = {}
    for entry in entries:
        present.setdefault(entry.kind, set()).add(entry.code)
    findings.extend(check_tree(documents, present, probe(config_dir, base)))
    return TreeResult(documents=documents, findings=sorted_findings(findings), files=len(entries))


def _worker_count(files: int, jobs: int | None, parallel_from: int | None = None) -> int:
    """How many processes read the files: jobs if given; else one for a tree below the
    threshold, and one per core the process may run on for a bigger one."""
    if jobs is not None:
        return max(1, min(jobs, files))
    if parallel_from is None:
        parallel_from = int(os.environ.get(PARALLEL_FROM_ENV) or PARALLEL_FROM)
    if files < max(parallel_from, 2):
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, files))


def _in_parallel(entries: list[EntryFile], workers: int) -> tuple[list[Document], list[Finding]]:
    """read_and_check by this process and workers-1 worker processes, chunk by chunk, merged
    in the order of the files: the same documents and findings, in the same order, as one
    process gives.

    This process reads chunks from the back, starting at once; once a worker is up, the
    workers take chunks from the front, two ahead each, until the two ends meet. Its own
    documents make no trip through a pipe. If the workers cannot start or one dies (no
    /dev/shm for the pool's queues, a main module a fresh interpreter cannot run, a worker
    killed for memory), this process reads what they left: slower, never another result.
    """
    import multiprocessing
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    size = max(1, min(CHUNK_FILES, -(-len(entries) // workers)))
    chunks = [entries[start : start + size] for start in range(0, len(entries), size)]
    done: list[tuple[list[Document], list[Finding]] | None] = [None] * len(chunks)
    try:
        with ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context(start_method())) as pool:
            pending: deque[tuple[int, Future[tuple[list[Document], list[Finding]]]]] = deque()
            front, back = 0, len(chunks)

            def hand_out() -> None:
                nonlocal front
                while front < back and len(pending) < AHEAD * (workers - 1):
                    pending.append((front, pool.submit(read_and_check, chunks[front])))
                    front += 1

            with _interrupts_held():  # starting the workers, which keep Ctrl-C held
                up = [pool.submit(os.getpid) for _ in range(workers - 1)]
            while front < back:
                # No chunk waits for a worker still starting up: until one is up, this process
                # reads alone, else it could end up waiting for a chunk no one has begun.
                if any(future.done() for future in up):
                    hand_out()
                if front < back:
                    back -= 1
                    done[back] = read_and_check(chunks[back])
                while pending and pending[0][1].done():
                    index, future = pending.popleft()
                    done[index] = future.result()
            for index, future in pending:
                done[index] = future.result()
    except (BrokenProcessPool, OSError):
        pass  # the chunks left unread are read below
    for index, chunk in enumerate(chunks):
        if done[index] is None:
            done[index] = read_and_check(chunk)
    documents = [document for chunk_done in done if chunk_done for document in chunk_done[0]]
    findings = [problem for chunk_done in done if chunk_done for problem in chunk_done[1]]
    return documents, findings


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """SIGINT held (not lost) while worker processes start, which keep it held for good: on
    Ctrl-C this process alone stops, says so and ends them; no worker prints a traceback. A
    Ctrl-C in the meantime arrives when the hold ends."""
    import signal

    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks, nor SIGINT to hold
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
