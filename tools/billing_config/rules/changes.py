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
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from billing_config.kinds import Kind

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


# Git pairs a removed file with an added one when enough of their lines match (50 % by
# default). Entry files of one kind share most of their lines (`crm_only: false`, the schema
# line), so two unrelated statuses score 50-75 % to git: only a near-identical pair is taken on
# git's word; the rest are judged on the entries' values (_same_entry).
GIT_RENAME_SIMILARITY = "-M90%"
# Of the fields either entry sets away from its default, the share that must hold the same
# value in both for a removed and an added file to be one entry renamed.
RENAME_SIMILARITY = 0.5
# Pairs weighed at most per kind folder; a change removing and adding more than this is a bulk
# edit, and is read as removals and additions.
_MAX_PAIRS = 2500


def read_changes(config_dir: Path, base: str = DEFAULT_BASE) -> ChangeSet | None:
    """The change relative to ``base``: tracked differences, renames included, and untracked files."""
    import subprocess  # here, not at the top: validate asks git only when it finds a clash

    try:
        diff = _git(config_dir, "diff", "--name-status", "-z", GIT_RENAME_SIMILARITY, "--relative", base, "--", ".")
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
    try:
        _pair_renames_by_content(config_dir, base, added, deleted, renamed)
    except (OSError, subprocess.SubprocessError):
        pass  # no pairing: the files read as removed and added, which is never wrong advice
    return ChangeSet(base, frozenset(added), frozenset(modified), frozenset(deleted), renamed)


def _pair_renames_by_content(config_dir: Path, base: str, added: set[str], deleted: set[str], renamed: dict[str, str]) -> None:
    """Pair a removed entry file with an added one in the same kind folder when they hold the
    same entry (see _same_entry): a rename done in a file manager, or staged with other edits.

    An unrelated entry added while another is removed stays an addition and a removal, so
    nothing advises pointing references at it. Each file joins at most one pair, best first.
    """
    from billing_config.kinds import KINDS

    kinds = {kind.name: kind for kind in KINDS}
    folders: dict[str, tuple[list[str], list[str]]] = {}
    for path in deleted:
        folders.setdefault(path.rpartition("/")[0], ([], []))[0].append(path)
    for path in added:
        folders.setdefault(path.rpartition("/")[0], ([], []))[1].append(path)
    for folder, (gone, new) in sorted(folders.items()):
        kind = kinds.get(folder)
        if kind is None or not gone or not new or len(gone) * len(new) > _MAX_PAIRS:
            continue
        before = _entries_at(config_dir, base, sorted(gone), kind.name)
        now = {path: _entry_on_disk(config_dir, path, kind.name) for path in sorted(new)}
        scored = sorted(
            ((_same_entry(kind, old, current), g, n) for g, old in before.items() for n, current in now.items()
             if old is not None and current is not None),
            key=lambda item: (-item[0], item[1], item[2]),
        )
        for score, g, n in scored:
            if score < RENAME_SIMILARITY:
                break
            if g in deleted and n in added:
                deleted.discard(g)
                added.discard(n)
                renamed[g] = n


def _same_entry(kind: Kind, old: dict[str, Any], new: dict[str, Any]) -> float:
    """How far two entry files hold the same entry: 1.0 for the same name (what people know an
    entry by); otherwise the share of the fields either sets away from its default that hold the
    same value in both. A fresh `new status` against a removed one scores 0; a renamed file
    whose name alone changed scores high."""
    if isinstance(old.get("name"), str) and isinstance(new.get("name"), str):
        if old["name"].strip().casefold() == new["name"].strip().casefold():
            return 1.0
    before, after = kind.with_defaults(old), kind.with_defaults(new)
    fields = [f.name for f in kind.fields if not _equal(before[f.name], f.default) or not _equal(after[f.name], f.default)]
    if not fields:
        return 1.0
    return sum(1 for name in fields if _equal(before[name], after[name])) / len(fields)


def _equal(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b


def _entry_on_disk(config_dir: Path, relative: str, kind: str) -> dict[str, Any] | None:
    from billing_config.loader import read_entry

    document, _ = read_entry(config_dir / relative, relative, kind, relative.rpartition("/")[2].removesuffix(".yaml"))
    return document.data if document is not None else None


def _entries_at(config_dir: Path, base: str, paths: list[str], kind: str) -> dict[str, dict[str, Any] | None]:
    """The entries of these files (relative to config_dir) as they were at ``base``, read with
    one `git cat-file --batch`."""
    import subprocess  # here, not at the top: validate asks git only when it finds a clash

    from billing_config.loader import read_entry_bytes

    request = "".join(f"{base}:./{path}\n" for path in paths).encode("utf-8")
    completed = subprocess.run(
        ["git", "-C", str(config_dir), "cat-file", "--batch"], input=request, capture_output=True, timeout=20, check=False,
    )
    result: dict[str, dict[str, Any] | None] = {}
    output = completed.stdout if completed.returncode == 0 else b""
    position = 0
    for path in paths:
        end = output.find(b"\n", position)
        if end < 0:
            result[path] = None
            continue
        header = output[position:end].split()
        position = end + 1
        if len(header) != 3 or header[1] != b"blob":
            result[path] = None  # "missing", or not a file
            continue
        size = int(header[2])
        raw = output[position : position + size]
        position += size + 1
        document, _ = read_entry_bytes(raw, path, kind, path.rpartition("/")[2].removesuffix(".yaml"))
        result[path] = document.data if document is not None else None
    return result


def _git(config_dir: Path, *args: str) -> str | None:
    import subprocess

    completed = subprocess.run(
        ["git", "-C", str(config_dir), *args], capture_output=True, text=True, timeout=20, check=False,
    )
    return completed.stdout if completed.returncode == 0 else None
