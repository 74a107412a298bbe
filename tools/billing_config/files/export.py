"""Live state -> config files in the canonical format: how a team adopts the tool on a running
platform, and how drift made outside the repository is brought back into it.

The config directory is made to mirror the live database, so that a following ``plan`` shows
no changes:
- every live entry of every kind (reference lists included) is written in the canonical text
  ``fmt`` and ``new`` also produce, with the fields it already had and otherwise only those
  that differ from their default; an entry whose file already holds the live values is left
  untouched, and an existing file keeps its comments (those above and beside each field too),
  so a drift pull request shows changed values rather than lost comments or added defaults;
- an entry file (``<code>.yaml``) whose code is not live any more is removed, since keeping it
  would make the next plan create that entry again. Nothing else is touched: other files and
  folders stay, and ``validate`` reports them as usual.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from billing_config.files.canonical import MODELINE_PREFIX, dump_entry
from billing_config.files.formatter import rewrite_entry
from billing_config.kinds import KINDS, Kind, is_valid_code
from billing_config.db.live import LiveState
from billing_config.loader.tree import ENTRY_SUFFIX


@dataclass(slots=True)
class ExportReport:
    written: list[Path] = field(default_factory=list)
    unchanged: int = 0
    removed: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # live rows with no valid code, or values no file may hold, described


def _kept_comments(text: str) -> tuple[str, ...]:
    """The comment lines a person wrote at the top of the file, below the modeline."""
    comments = []
    for line in text.splitlines():
        if line.startswith(MODELINE_PREFIX):
            continue
        if not line.startswith("#"):
            break
        comments.append(line[1:].removeprefix(" "))
    return tuple(comments)


def minimal_values(kind: Kind, values: Mapping[str, Any], kept: Iterable[str] = ()) -> dict[str, Any]:
    """What a file holds for these values: the fields it already had, the required ones, and
    otherwise only those that differ from their default (a default-valued field in every
    exported file would be noise in every drift pull request)."""
    keep = set(kept)
    result: dict[str, Any] = {}
    for spec in kind.fields:
        value = values.get(spec.name, spec.default)
        is_default = value == spec.default and type(value) is type(spec.default)
        if spec.name in keep or spec.required or not is_default:
            result[spec.name] = value
    return result


def _existing(path: Path, kind: Kind) -> dict[str, Any] | None:
    """The fields of an entry file as it stands, or None when there is none or it cannot be read."""
    from billing_config.loader import read_entry

    if not path.is_file():
        return None
    document, problems = read_entry(path, str(path), kind.name, path.stem)
    if document is None or problems:
        return None
    return dict(document.data)


def prepare_folders(config_dir: Path, kinds: Iterable[Kind] = KINDS, what: str = "export") -> None:
    """Refuse before writing anything when a kind folder (or config/) is a symbolic link or no
    folder; then create the missing ones (export and adopt both write through here)."""
    from billing_config.files.safe_write import UnsafePath

    kinds = list(kinds)
    for folder in (config_dir, *(config_dir / kind.name for kind in kinds)):
        if folder.is_symlink():
            raise UnsafePath(f"refusing to {what} into {folder}: it is a symbolic link; nothing was written")
        if folder.exists() and not folder.is_dir():
            raise UnsafePath(f"refusing to {what} into {folder}: it is not a folder; nothing was written")
    for kind in kinds:
        try:
            (config_dir / kind.name).mkdir(parents=True, exist_ok=True)
        except OSError as error:  # a file where a parent folder belongs, no permission
            raise UnsafePath(
                f"refusing to {what} into {config_dir}: cannot create {config_dir / kind.name} "
                f"({error.strerror or error}); nothing was written"
            ) from None


def unwritable(kind: Kind, code: str, row: Any, values: dict[str, Any]) -> str | None:
    """Why a live row can't become an entry file (its values break the kind's schema, so the
    file would fail validate), said with every value escaped; None when it can."""
    from billing_config.rules.json_schema import values_problems

    problems = values_problems(kind, values)
    if not problems:
        return None
    return (
        f"{kind.name}/{code} (row {row!r}): its live values can't be written to a file that validates "
        f"({'; '.join(problems)}); nothing was written for it: fix the row on the platform"
    )


def export_tree(live: LiveState, config_dir: Path, only: Collection[tuple[str, str]] | None = None) -> ExportReport:
    """Write the live rows as entry files; with ``only`` (kind, code) pairs, just those entries.

    A file whose entry already holds the live values (defaults included) is not rewritten;
    one that differs keeps its fields and comments and gains only non-default fields.

    A live code is only ever used as a file name after a full-match check
    (kinds.is_valid_code): a row whose code is ``../../x``, ``/abs`` or holds a line break is
    reported in ``skipped`` (kind, key, the code escaped) and never written."""
    from billing_config.files.safe_write import write_text

    report = ExportReport()
    prepare_folders(config_dir)
    for kind in KINDS:
        if kind.name not in live.rows:  # not on this target's mapping: left alone
            continue
        if only is not None and not any(k == kind.name for k, _ in only):
            continue
        folder = config_dir / kind.name
        rows = live.rows[kind.name]
        for row in live.unbound.get(kind.name, ()):
            # A row the tool has no code for yet: its stored code is no valid code (or the
            # table has none). Never a file name as it is; adopt gives it a valid code.
            if row.legacy is not None:
                report.skipped.append(
                    f"{kind.name} row id {row.id}: its code {str(row.legacy)!r} is not a valid code "
                    "(lower-case words joined by hyphens, at most 64 characters); run `billing-config adopt` "
                    "to give it one (the live value stays), or fix it on the platform"
                )
        for code in sorted(rows):
            if only is not None and (kind.name, code) not in only:
                continue
            if not is_valid_code(code):
                report.skipped.append(
                    f"{kind.name} row id {rows[code].id}: its code {code!r} is not a valid code "
                    "(lower-case words joined by hyphens, at most 64 characters); fix it on the platform"
                )
                continue
            path = folder / f"{code}{ENTRY_SUFFIX}"
            if path.is_symlink():
                report.skipped.append(f"{path}: a symbolic link; not followed, not written (replace it with a real file)")
                continue
            values = kind.with_defaults(rows[code].values)
            refused = unwritable(kind, code, rows[code].id, values)
            if refused is not None:
                report.skipped.append(refused)
                continue
            old = path.read_text(encoding="utf-8") if path.is_file() else None
            existing = _existing(path, kind) if old is not None else None
            if existing is not None and _same_entry(kind.with_defaults(existing), values):
                report.unchanged += 1
                continue
            wanted = minimal_values(kind, values, existing or ())
            # An existing file keeps all its comments (fmt's rewrite); a new or unreadable one is written anew.
            text = (rewrite_entry(path, kind, wanted) if old is not None else None) or dump_entry(
                kind, wanted, _kept_comments(old) if old else (), path=path
            )
            if text == old:
                report.unchanged += 1
                continue
            write_text(folder, path.name, text)
            report.written.append(path)
        for path in sorted(folder.glob(f"*{ENTRY_SUFFIX}")):
            if only is not None and (kind.name, path.stem) not in only:
                continue
            if path.is_file() and not path.is_symlink() and is_valid_code(path.stem) and path.stem not in rows:
                # rows holds valid and invalid live codes alike; only a file whose code is not
                # live at all goes.
                path.unlink()
                report.removed.append(path)
    return report


def _same_entry(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    # bool is an int in Python: True == 1 must still count as a change of type.
    return old.keys() == new.keys() and all(type(old[k]) is type(new[k]) and old[k] == new[k] for k in old)
