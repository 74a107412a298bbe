"""Finds the entry files of a config tree and reports whatever does not fit its layout."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from billing_config.errors import UserError
from billing_config.findings import E, Finding, declare, did_you_mean, finding
from billing_config.kinds import KINDS_BY_NAME, is_valid_code

ENTRY_SUFFIX = ".yaml"
# Files git needs to keep an empty folder, and files operating systems drop into folders on
# their own; none carries an entry, and nobody should have to delete them to validate.
_IGNORED_NAMES = frozenset({".gitkeep", ".keep", ".DS_Store", "Thumbs.db", "desktop.ini"})


# The layout rules, checked below while the tree is listed.
declare(
    "layout-unknown-folder", E, "layout", "A folder under config/ that is not a kind.",
    reason="Only the kind folders are read: entries in any other folder would silently never reach the platform.",
    mistake="config/status/suspended.yaml      # 'status' is not a kind folder",
    fix="config/statuses/suspended.yaml",
)
declare(
    "layout-stray-file", E, "layout", "A file directly under config/, outside every kind folder.",
    reason="A file's folder says which kind it is; a file outside the kind folders would be ignored.",
    mistake="config/suspended.yaml",
    fix="config/statuses/suspended.yaml",
)
declare(
    "layout-nested-folder", E, "layout", "A folder inside a kind folder; entries are flat files.",
    reason="Entries of a kind live side by side in one folder; files in a sub-folder would be ignored.",
    mistake="config/statuses/old/suspended.yaml",
    fix="config/statuses/suspended.yaml",
)
declare(
    "file-extension", E, "layout", "A file in a kind folder that is not named *.yaml.",
    reason="Only *.yaml files are entries. A .yml file or an editor's backup would be skipped without a word.",
    mistake="config/statuses/suspended.yml",
    fix="config/statuses/suspended.yaml",
)
declare(
    "file-symlink", E, "layout", "A symbolic link where an entry file is expected.",
    reason="Links are not followed: the entry would differ between checkouts, and a link can point outside the repository.",
    mistake="config/statuses/live.yaml -> active.yaml",
    fix="config/statuses/live.yaml       # a real file with its own fields",
)
declare(
    "file-not-regular", E, "layout", "A pipe, socket or device where an entry file is expected; reading it could hang.",
    reason="Reading a pipe or device could hang the check or read endless data, so such files are refused unread.",
    mistake="config/statuses/pipe.yaml      # a named pipe",
    fix="(remove it; entries are plain text files)",
)
declare(
    "layout-unreadable-folder", E, "layout", "A folder of the config tree that cannot be listed.",
    reason="Entries in a folder that cannot be listed would be missed, and the plan would delete them.",
    mistake="config/statuses/   (no permission to list it)",
    fix="chmod u+rx config/statuses",
)
declare(
    "invalid-code", E, "layout",
    "A file name that is not a valid code (lower-case words joined by hyphens, at most 64 characters).",
    reason="The file name is the entry's code, its identity on the platform and in every reference. Codes are "
    "lower-case words joined by hyphens so they read the same on every system and in every URL.",
    mistake="config/statuses/Payment Plan.yaml",
    fix="config/statuses/payment-plan.yaml",
)

def _ignored(name: str) -> bool:
    """Placeholders, OS litter and the swap files vim keeps next to a file being edited."""
    return name in _IGNORED_NAMES or (name.startswith(".") and name[-4:-1] == ".sw")


class EntryFile(NamedTuple):
    location: str  # as the file system needs it; a str because 16,000 Paths cost 0.1 s to build
    display: str  # as the user reads it
    kind: str
    code: str

    @property
    def path(self) -> Path:
        return Path(self.location)


def display_path(path: Path) -> str:
    """The path relative to the working directory when it is under it, else as given."""
    if path.is_absolute():
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)
    return str(path)


def require_config_dir(config_dir: Path) -> None:
    """Every command that reads the tree says the same thing when it is not there."""
    if config_dir.is_dir():
        return
    if config_dir.exists():
        raise UserError(
            f"config directory '{config_dir}' is a file, not a folder; pass the folder that holds statuses/, groups/ ..."
        )
    raise UserError(f"config directory '{config_dir}' does not exist; run from the repository root or pass --config-dir")


def discover(config_dir: Path) -> tuple[list[EntryFile], list[Finding]]:
    """The entry files under config_dir, sorted, and the layout problems found on the way."""
    entries: list[EntryFile] = []
    findings: list[Finding] = []
    root_display = display_path(config_dir)
    top = _listing(config_dir, root_display, findings)
    for item in top:
        shown = os.path.join(root_display, item.name)
        if _ignored(item.name):
            continue
        if item.is_dir(follow_symlinks=False):
            if item.name not in KINDS_BY_NAME:
                findings.append(
                    finding(
                        "layout-unknown-folder", shown, 1, 1,
                        f"'{item.name}' is not a kind{did_you_mean(item.name, KINDS_BY_NAME)}; "
                        f"the kinds are {', '.join(KINDS_BY_NAME)}",
                    )
                )
                continue
            _discover_kind(Path(item.path), shown, item.name, entries, findings)
        elif item.is_symlink():
            findings.append(finding("file-symlink", shown, 1, 1, "symbolic links are not followed; put the real folder or file here"))
        elif item.name in KINDS_BY_NAME:
            findings.append(
                finding(
                    "layout-stray-file", shown, 1, 1,
                    f"'{item.name}' must be a folder holding one .yaml file per entry, not a file",
                )
            )
        else:
            findings.append(
                finding(
                    "layout-stray-file", shown, 1, 1,
                    f"files belong in a kind folder such as {root_display}/statuses/; move or remove it",
                )
            )
    return entries, findings


def _listing(folder: Path, folder_display: str, findings: list[Finding]) -> list[os.DirEntry[str]]:
    """A folder's entries sorted by name; a folder that cannot be listed is a finding."""
    try:
        with os.scandir(folder) as listing:
            return sorted(listing, key=lambda e: e.name)
    except OSError as error:
        findings.append(
            finding(
                "layout-unreadable-folder", folder_display, 1, 1,
                f"cannot list the folder: {error.strerror or error}; check its permissions",
            )
        )
        return []


def _discover_kind(folder: Path, folder_display: str, kind: str, entries: list[EntryFile], findings: list[Finding]) -> None:
    for item in _listing(folder, folder_display, findings):
        if _ignored(item.name):
            continue
        shown = os.path.join(folder_display, item.name)
        entry, problems = _check_item(
            item.path, shown, kind, item.name,
            symlink=item.is_symlink(), folder=item.is_dir(follow_symlinks=False), regular=item.is_file(follow_symlinks=False),
        )
        findings.extend(problems)
        if entry is not None:
            entries.append(entry)


def entry_file(path: Path) -> tuple[EntryFile | None, list[Finding]]:
    """One file named on the command line (fmt FILES...), judged by the same layout rules as
    discovery: the entry it is, or why it is not one."""
    import stat

    shown = display_path(path)
    kind = path.parent.name
    if kind not in KINDS_BY_NAME:
        return None, [
            finding(
                "layout-stray-file", shown, 1, 1,
                f"entry files live in a kind folder, config/<kind>/<code>{ENTRY_SUFFIX} (kinds: {', '.join(KINDS_BY_NAME)}); "
                "fmt cannot tell which schema this file follows",
            )
        ]
    try:
        mode = path.lstat().st_mode
    except OSError as error:
        return None, [finding("file-unreadable", shown, 1, 1, f"cannot read the file: {error.strerror or error}")]
    return _check_item(
        str(path), shown, kind, path.name,
        symlink=stat.S_ISLNK(mode), folder=stat.S_ISDIR(mode), regular=stat.S_ISREG(mode),
    )


def _check_item(
    location: str, shown: str, kind: str, name: str, *, symlink: bool, folder: bool, regular: bool
) -> tuple[EntryFile | None, list[Finding]]:
    """The layout rules for one item of a kind folder: an entry (perhaps with a finding about
    its name), or only the finding saying why it is not one."""
    stem, suffix = os.path.splitext(name)
    if symlink:
        return None, [finding("file-symlink", shown, 1, 1, "symbolic links are not followed; copy the entry into the file itself", kind=kind, code=stem)]
    if folder:
        parent = os.path.dirname(shown)
        return None, [finding("layout-nested-folder", shown, 1, 1, f"entries are files directly in {parent}/; move them up and remove the folder", kind=kind)]
    if not regular:
        return None, [
            finding(
                "file-not-regular", shown, 1, 1,
                "this is a pipe, socket or device, not a file; entries are plain *.yaml files, so remove it",
                kind=kind, code=stem,
            )
        ]
    if suffix != ENTRY_SUFFIX:
        hint = f"rename it to {stem}{ENTRY_SUFFIX}" if suffix in {".yml", ".YAML", ".YML"} else "entries are *.yaml files; remove it or move it out of config/"
        return None, [finding("file-extension", shown, 1, 1, f"'{name}' is not a .yaml file; {hint}", kind=kind)]
    problems = []
    if not is_valid_code(stem):
        problems.append(
            finding(
                "invalid-code", shown, 1, 1,
                f"the file name '{stem}' is not a valid code (lower-case letters and digits in words joined by "
                f"single hyphens, at most 64 characters); rename the file to {_suggest_code(stem)}{ENTRY_SUFFIX}",
                kind=kind, code=stem,
            )
        )
    return EntryFile(location, shown, kind, stem), problems


def _suggest_code(stem: str) -> str:
    import re

    words = re.findall(r"[a-z0-9]+", stem.lower())
    return "-".join(words)[:64].strip("-") or "my-entry"
