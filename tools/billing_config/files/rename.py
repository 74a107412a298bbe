"""``rename`` in the config tree: the entry's file under its new code, and every reference to it.

Everything is worked out before anything is written (:func:`prepare_config_rename`), so the
database side can run in between and a refusal there leaves the files as they were. Only the
value of each reference is replaced, at the position the YAML parser gives for it, keeping
its quoting, the comments and the rest of the line: a rename's diff is the lines that name
the code and nothing else. The writes go through ``safe_write`` (never through a link, never
outside the folder): the new file first (refusing to overwrite one), then the references,
then the old file goes; a failure part way says exactly what is left to do.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import yaml

from billing_config.errors import Refused, UserError
from billing_config.files.canonical import scalar_text
from billing_config.files.safe_write import remove, write_text
from billing_config.kinds import KINDS, Kind, is_valid_code
from billing_config.loader import read_entry, require_config_dir
from billing_config.loader.tree import ENTRY_SUFFIX, display_path
from billing_config.plan.rename import Rename, referencing_fields

_QUOTES = {"'": "'", '"': '"'}


def rename_kind_aliases() -> dict[str, Kind]:
    """Every kind by the names ``new`` takes (folder name, hyphenated singular, declared
    aliases such as ``status`` for the customer statuses), managed kinds first."""
    aliases: dict[str, Kind] = {}
    for kind in sorted(KINDS, key=lambda k: not k.managed):
        for alias in (kind.name, kind.singular.replace(" ", "-"), *kind.aliases):
            aliases.setdefault(alias, kind)
    return aliases


@dataclass(frozen=True, slots=True)
class ReferenceEdit:
    """One file whose reference fields name the old code: its text before and after."""

    path: Path
    original: str
    text: str
    lines: tuple[tuple[int, str], ...]  # (line, field) of each value replaced

    @property
    def display(self) -> str:
        return display_path(self.path)


@dataclass(slots=True)
class ConfigRename:
    """The config side of a rename, worked out; :func:`carry_out` writes it."""

    rename: Rename
    kind: Kind
    folder: Path
    entry_text: str | None  # the entry under its new code; None when the files are already renamed
    edits: list[ReferenceEdit] = field(default_factory=list)

    @property
    def already_renamed(self) -> bool:
        return self.entry_text is None

    @property
    def old_path(self) -> Path:
        return self.folder / f"{self.rename.old}{ENTRY_SUFFIX}"

    @property
    def new_path(self) -> Path:
        return self.folder / f"{self.rename.new}{ENTRY_SUFFIX}"

    def steps(self) -> list[str]:
        """What carry_out does, in words (and what is left to do by hand if it stops)."""
        if self.already_renamed:
            return []
        result = [f"write {display_path(self.new_path)} (the content of {display_path(self.old_path)})"]
        for edit in self.edits:
            for line, name in edit.lines:
                result.append(f"in {edit.display} line {line}, set {name}: {self.rename.new}")
        result.append(f"remove {display_path(self.old_path)}")
        return result


class RenameIncomplete(UserError):
    """The files were changed only in part; the message lists what is left to do."""


def _refuse(problem: str) -> Refused:
    return Refused(f"rename refused, nothing changed: {problem}")


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _refuse(f"cannot read {display_path(path)}: {getattr(error, 'strerror', None) or error}") from None


def prepare_config_rename(config_dir: Path, kind: Kind, old: str, new: str) -> ConfigRename:
    """Check the rename against the tree and compute every file's new text; writes nothing.

    When ``OLD.yaml`` is gone, ``NEW.yaml`` exists and nothing names OLD any more, the files
    are already renamed (an earlier config-only rename): the result says so and has nothing
    to write, so the rename can still be made on a target.
    """
    require_config_dir(config_dir)
    folder = config_dir / kind.name
    rename = Rename(kind.name, old, new)
    if not is_valid_code(new):
        raise _refuse(
            f"{new!r} is no valid code: lower-case letters and digits, in words joined by single hyphens, "
            "at most 64 characters (for example 'on-hold')"
        )
    if new == old:
        raise _refuse(f"'{old}' and '{new}' are the same code")
    old_path, new_path = folder / f"{old}{ENTRY_SUFFIX}", folder / f"{new}{ENTRY_SUFFIX}"
    old_exists, new_exists = _is_file(old_path), os.path.lexists(new_path)
    edits = _reference_edits(config_dir, rename)
    if not old_exists and new_exists and not edits:
        return ConfigRename(rename, kind, folder, None)
    if not old_exists:
        raise _refuse(f"there is no {kind.singular} '{old}': {display_path(old_path)} is not a file")
    if new_exists:
        raise _refuse(f"{display_path(new_path)} already exists; choose another code")
    own = next((e for e in edits if e.path == old_path), None)
    entry_text = own.text if own is not None else _read(old_path)
    _check_readable(old_path, kind, old)
    # A self-reference (a status whose next status is itself) is rewritten in the new file's text.
    return ConfigRename(rename, kind, folder, entry_text, [e for e in edits if e.path != old_path])


def _check_readable(path: Path, kind: Kind, code: str) -> None:
    document, problems = read_entry(path, display_path(path), kind.name, code)
    if document is None or problems:
        first = problems[0] if problems else None
        where = f"{first.path}:{first.line}:{first.column}: {first.message}" if first else display_path(path)
        raise _refuse(f"{where}; fix the file first (see `billing-config validate`)")


def _reference_edits(config_dir: Path, rename: Rename) -> list[ReferenceEdit]:
    """Every file with a reference field naming the old code, with its new text."""
    edits: list[ReferenceEdit] = []
    for other, names in _fields_by_kind(rename.kind):
        folder = config_dir / other.name
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*{ENTRY_SUFFIX}")):
            if not _is_file(path):
                continue
            edit = _edit_file(path, other, names, rename)
            if edit is not None:
                edits.append(edit)
    return edits


def _fields_by_kind(kind: str) -> list[tuple[Kind, set[str]]]:
    result: dict[str, tuple[Kind, set[str]]] = {}
    for other, spec in referencing_fields(kind):
        result.setdefault(other.name, (other, set()))[1].add(spec.name)
    return list(result.values())


def _edit_file(path: Path, kind: Kind, names: set[str], rename: Rename) -> ReferenceEdit | None:
    original = _read(path)
    if rename.old not in original:  # cheap: most files name it nowhere
        return None
    document, problems = read_entry(path, display_path(path), kind.name, path.stem)
    if document is None or problems:
        first = problems[0] if problems else None
        where = f"{first.path}:{first.line}:{first.column}: {first.message}" if first else display_path(path)
        raise _refuse(f"{where}; fix it first, so the rename can tell whether it names '{rename.old}'")
    wanted = {name for name in names if document.data.get(name) == rename.old}
    if not wanted:
        return None
    text, lines = rewrite_references(original, wanted, rename.old, rename.new)
    if len(lines) != len(wanted):
        raise _refuse(
            f"{display_path(path)}: cannot find where {', '.join(sorted(wanted))} is written; "
            f"write it as a plain 'field: {rename.old}' line and run again"
        )
    return ReferenceEdit(path, original, text, tuple(lines))


def rewrite_references(text: str, names: set[str], old: str, new: str) -> tuple[str, list[tuple[int, str]]]:
    """``text`` with the value of each top-level field in ``names`` that reads ``old`` replaced
    by ``new``, in its own quoting; every other character as it was. Returns the new text and
    the (1-based line, field) of each replacement."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    # The pure-Python composer: its marks index characters of the text (libyaml's count bytes).
    root = yaml.compose(body, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return text, []
    spans: list[tuple[int, int, str, int, str]] = []
    for key, value in root.value:
        if not (isinstance(key, yaml.ScalarNode) and key.value in names and isinstance(value, yaml.ScalarNode)):
            continue
        if value.value != old or value.style not in (None, "", "'", '"'):
            continue
        start, end = value.start_mark, value.end_mark
        if start.line != end.line:
            continue
        quote = _QUOTES.get(value.style or "")
        written = f"{quote}{new}{quote}" if quote else scalar_text(new)
        spans.append((start.index, end.index, written, start.line + 1, key.value))
    for start_index, end_index, written, _line, _name in sorted(spans, reverse=True):
        body = body[:start_index] + written + body[end_index:]
    return bom + body, sorted((line, name) for _s, _e, _w, line, name in spans)


def carry_out(plan: ConfigRename) -> None:
    """Write the renamed entry, rewrite the references, remove the old file; on a failure,
    :class:`RenameIncomplete` lists the steps left."""
    if plan.already_renamed:
        return
    steps: list[tuple[list[str], Callable[[], None]]] = []
    described = plan.steps()
    entry_text = plan.entry_text or ""
    steps.append(([described[0]], lambda: _write_new(plan, entry_text)))
    position = 1
    for edit in plan.edits:
        count = len(edit.lines)
        steps.append((described[position : position + count], partial(_write_edit, edit)))
        position += count
    steps.append(([described[-1]], lambda: remove(plan.folder, plan.old_path.name)))
    for index, (_words, action) in enumerate(steps):
        try:
            action()
        except (OSError, UserError) as error:
            reason = error.message if isinstance(error, UserError) else (error.strerror or str(error))
            left = [words for _w, _a in steps[index:] for words in _w]
            raise RenameIncomplete(f"renaming the files stopped: {reason}. Still to do, by hand:", details=left) from None


def _write_new(plan: ConfigRename, text: str) -> None:
    write_text(plan.folder, plan.new_path.name, text, exclusive=True)
    try:
        os.chmod(plan.new_path, stat.S_IMODE(os.lstat(plan.old_path).st_mode))
    except OSError:
        pass  # the umask's mode is fine too


def _write_edit(edit: ReferenceEdit) -> None:
    if edit.path.read_bytes().decode("utf-8") != edit.original:
        raise UserError(f"{edit.display} changed while renaming")
    write_text(edit.path.parent, edit.path.name, edit.text)
