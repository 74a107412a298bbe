"""Live state -> config files in the canonical format: how a team adopts the tool on a running
platform, and how drift made outside the repository is brought back into it.

The config directory is made to mirror the live database, so that a following ``plan`` shows
no changes:
- every live entry of every kind (reference lists included) is written with all its fields,
  in the canonical text ``fmt`` and ``new`` also produce; a file whose text would not change
  is left untouched, and an existing file keeps its comments (those above and beside each
  field too), so a drift pull request shows changed values rather than lost comments;
- an entry file (``<code>.yaml``) whose code is not live any more is removed, since keeping it
  would make the next plan create that entry again. Nothing else is touched: other files and
  folders stay, and ``validate`` reports them as usual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from billing_config.files.canonical import MODELINE_PREFIX, dump_entry
from billing_config.files.formatter import rewrite_entry
from billing_config.kinds import KINDS, is_valid_code
from billing_config.db.live import LiveState
from billing_config.loader.tree import ENTRY_SUFFIX


@dataclass(slots=True)
class ExportReport:
    written: list[Path] = field(default_factory=list)
    unchanged: int = 0
    removed: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # live rows whose code is no valid code, described


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


def _prepare_folders(config_dir: Path) -> None:
    """Refuse before writing anything when a kind folder (or config/) is a symbolic link."""
    from billing_config.files.safe_write import UnsafePath

    for folder in (config_dir, *(config_dir / kind.name for kind in KINDS)):
        if folder.is_symlink():
            raise UnsafePath(f"refusing to export into {folder}: it is a symbolic link; nothing was written")
        if folder.exists() and not folder.is_dir():
            raise UnsafePath(f"refusing to export into {folder}: it is not a folder; nothing was written")
    for kind in KINDS:
        (config_dir / kind.name).mkdir(parents=True, exist_ok=True)


def export_tree(live: LiveState, config_dir: Path) -> ExportReport:
    """Write the live rows as entry files. A live code is only ever used as a file name after a
    full-match check (kinds.is_valid_code): a row whose code is ``../../x``, ``/abs`` or holds a
    line break is reported in ``skipped`` (kind, key, the code escaped) and never written."""
    from billing_config.files.safe_write import write_text

    report = ExportReport()
    _prepare_folders(config_dir)
    for kind in KINDS:
        if kind.name not in live.rows:  # not on this target's mapping: left alone
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
            old = path.read_text(encoding="utf-8") if path.is_file() else None
            values = kind.with_defaults(rows[code].values)
            # An existing file keeps all its comments (fmt's rewrite); a new or unreadable one is written anew.
            text = (rewrite_entry(path, kind, values) if old is not None else None) or dump_entry(
                kind, values, _kept_comments(old) if old else ()
            )
            if text == old:
                report.unchanged += 1
                continue
            write_text(folder, path.name, text)
            report.written.append(path)
        for path in sorted(folder.glob(f"*{ENTRY_SUFFIX}")):
            if path.is_file() and not path.is_symlink() and is_valid_code(path.stem) and path.stem not in rows:
                # rows holds valid and invalid live codes alike; only a file whose code is not
                # live at all goes.
                path.unlink()
                report.removed.append(path)
    return report
