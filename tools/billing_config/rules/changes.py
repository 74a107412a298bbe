"""What this change did to the config tree, according to git: which entries are new, edited,
removed or renamed since the base (``HEAD``, or ``validate --base REF`` in CI).

Messages need it to point at the right file. When two entries clash, the one just added or
edited is where the admin is looking, so the finding lands there and names the untouched
one; when a reference breaks because its target was removed or renamed in this same change,
saying so beats saying that some other kind happens to have that code.

Git is asked only when a rule needs the answer (a clash or a broken reference), with two
quick calls; outside a git checkout, or without git, the answer is None and every party to a
clash is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

DEFAULT_BASE = "HEAD"


class ChangeSet(NamedTuple):
    """Entry files relative to the config folder, such as 'statuses/active.yaml'."""

    base: str
    added: frozenset[str] = frozenset()
    modified: frozenset[str] = frozenset()
    deleted: frozenset[str] = frozenset()
    renamed: Mapping[str, str] = MappingProxyType({})  # old -> new

    def touched(self, relative: str) -> bool:
        return relative in self.added or relative in self.modified or relative in self.renamed.values()


ChangeProbe = Callable[[], "ChangeSet | None"]


def no_changes() -> ChangeSet | None:
    """The probe for callers that have no git base (library use, tests of single rules)."""
    return None


def probe(config_dir: Path, base: str | None = None) -> ChangeProbe:
    """A probe that asks git once, on first use, and remembers the answer."""
    answer: list[ChangeSet | None] = []

    def ask() -> ChangeSet | None:
        if not answer:
            answer.append(read_changes(config_dir, base or DEFAULT_BASE))
        return answer[0]

    return ask


def read_changes(config_dir: Path, base: str = DEFAULT_BASE) -> ChangeSet | None:
    """The change relative to ``base``: tracked differences, renames included, and untracked files."""
    import subprocess  # here, not at the top: validate asks git only when it finds a clash

    try:
        diff = _git(config_dir, "diff", "--name-status", "-z", "-M", "--relative", base, "--", ".")
        others = _git(config_dir, "ls-files", "-z", "--others", "--exclude-standard", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return None
    if diff is None or others is None:
        return None
    added: set[str] = set(filter(None, others.split("\0")))
    modified: set[str] = set()
    deleted: set[str] = set()
    renamed: dict[str, str] = {}
    fields = diff.split("\0")
    index = 0
    while index < len(fields) - 1:
        status = fields[index]
        if status.startswith(("R", "C")):
            old, new = fields[index + 1], fields[index + 2]
            if status.startswith("R"):
                renamed[old] = new
            else:
                added.add(new)
            index += 3
            continue
        path = fields[index + 1]
        index += 2
        if status.startswith("A"):
            added.add(path)
        elif status.startswith("D"):
            deleted.add(path)
        elif status:
            modified.add(path)
    _pair_unrecorded_renames(added, deleted, renamed)
    return ChangeSet(base, frozenset(added), frozenset(modified), frozenset(deleted), renamed)


def _pair_unrecorded_renames(added: set[str], deleted: set[str], renamed: dict[str, str]) -> None:
    """A file renamed without `git mv` is one removal and one new file in the same folder; git
    pairs them only once both are staged. One of each in a kind folder is read as a rename."""
    folders: dict[str, tuple[list[str], list[str]]] = {}
    for path in deleted:
        folders.setdefault(path.rpartition("/")[0], ([], []))[0].append(path)
    for path in added:
        folders.setdefault(path.rpartition("/")[0], ([], []))[1].append(path)
    for gone, new in folders.values():
        if len(gone) == 1 and len(new) == 1:
            deleted.discard(gone[0])
            added.discard(new[0])
            renamed[gone[0]] = new[0]


def _git(config_dir: Path, *args: str) -> str | None:
    import subprocess

    completed = subprocess.run(
        ["git", "-C", str(config_dir), *args], capture_output=True, text=True, timeout=20, check=False,
    )
    return completed.stdout if completed.returncode == 0 else None
