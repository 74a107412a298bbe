"""The whole check of a config tree: layout, every file, then the rules that need every entry.

Reading and per-file checks dominate the cost and are independent per file, so big trees are
split across processes when there is a free core to run them; small trees stay in one
process, where starting workers and sending documents back would cost more than it saves.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from billing_config.findings import Finding, sorted_findings
from billing_config.loader import Document, EntryFile, discover, read_entry
from billing_config.rules.changes import probe
from billing_config.rules.checks import check_document, check_tree
from billing_config.rules.json_schema import WRONG_FOLDER

# Below this many files one process is faster than forking workers: a simple file reads in
# about 25 us, and each document costs about 10 us to send back from a worker.
PARALLEL_THRESHOLD = 4000
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


def validate_tree(config_dir: Path, jobs: int | None = None, base: str | None = None) -> TreeResult:
    """Check everything under config_dir.

    base is the git revision a clash or a broken reference is judged against (default HEAD):
    the finding lands on the entry this change touched. Git is asked only when one is found.

    Raises FileNotFoundError if it does not exist and NotADirectoryError if it is no folder.
    """
    if not config_dir.exists():
        raise FileNotFoundError(str(config_dir))
    if not config_dir.is_dir():
        raise NotADirectoryError(str(config_dir))
    entries, findings = discover(config_dir)
    workers = _worker_count(len(entries), jobs)
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


def _worker_count(files: int, jobs: int | None) -> int:
    """How many processes to read with: one, unless the tree is big and cores are idle.

    A second process only pays when it gets a core of its own; on a machine already busy
    (CI running tests beside the hook) the split measured 30% slower than one process, so
    the count follows the cores the load average leaves free.
    """
    if jobs is not None:
        return max(1, jobs)
    if files < PARALLEL_THRESHOLD:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        idle = cores - os.getloadavg()[0]
    except OSError:  # load average unavailable
        idle = cores
    return max(1, min(cores, int(idle + 0.5), 8))


def _in_parallel(entries: list[EntryFile], workers: int) -> tuple[list[Document], list[Finding]]:
    """Splits the files between the parent and workers-1 child processes.

    The parent takes a share itself instead of waiting: on two cores that is one child, and
    only half the documents pay for the trip back through a pipe.
    """
    import multiprocessing

    # fork shares the already-imported modules with the children; the fallback covers
    # platforms without it.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    chunks = [entries[i::workers] for i in range(workers)]
    with context.Pool(workers - 1) as pool:
        pending = pool.map_async(read_and_check, chunks[1:], chunksize=1)
        documents, findings = read_and_check(chunks[0])
        results = pending.get()
    for chunk_documents, chunk_findings in results:
        documents.extend(chunk_documents)
        findings.extend(chunk_findings)
    documents.sort(key=lambda d: d.path)
    return documents, findings
