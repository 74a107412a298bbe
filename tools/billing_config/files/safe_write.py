"""The one way an entry file is written: inside its folder, never through a symlink, atomically.

export (codes from the live database), new (codes from the command line) and fmt (paths from
the config tree) all write files whose names come from text someone else controls. A code like
``../../x`` or a planted symlink (``config/statuses/x.yaml -> ~/.bashrc``, or fmt's temporary
name ``.x.yaml.fmt-tmp`` pointing outside) must never make the tool write outside the folder.
So every write here:
- takes the folder and a bare file name and refuses a name with a path separator, ``..`` or a
  control character (the resolved path must sit directly in the resolved folder);
- refuses when the folder or the file itself is a symbolic link (``lstat``), so no link is
  followed, dangling or not;
- writes a temporary file made by ``mkstemp`` in the same folder (``O_EXCL``: it never opens
  an existing file or link) and renames it over the target in one step, so a reader sees the
  old file or the new one, never half of one, and an interrupted run leaves the old file.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from billing_config.errors import UserError


class UnsafePath(UserError):
    """A write the tool refuses because it would leave the folder or follow a link."""


def checked_target(folder: Path, name: str) -> Path:
    """``folder/name`` after checking that it can only be a plain file directly in ``folder``."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name or os.sep in name:
        raise UnsafePath(f"refusing to write {name!r} in {folder}: not a plain file name")
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise UnsafePath(f"refusing to write {name!r} in {folder}: the name holds a control character")
    try:
        folder_info = os.lstat(folder)
    except FileNotFoundError:
        raise UnsafePath(f"refusing to write in {folder}: the folder does not exist") from None
    if stat.S_ISLNK(folder_info.st_mode) or not stat.S_ISDIR(folder_info.st_mode):
        raise UnsafePath(f"refusing to write in {folder}: it is a symbolic link or not a folder")
    target = folder / name
    try:
        info: os.stat_result | None = os.lstat(target)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise UnsafePath(f"refusing to write {target}: it is a symbolic link; replace it with a real file")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise UnsafePath(f"refusing to write {target}: it is not a regular file")
    if target.resolve(strict=False).parent != folder.resolve(strict=True):
        raise UnsafePath(f"refusing to write {name!r}: it resolves outside {folder}")
    return target


def write_text(folder: Path, name: str, text: str, *, exclusive: bool = False) -> Path:
    """Write ``text`` to ``folder/name`` atomically; ``exclusive``: refuse if it exists.

    The file keeps its permission bits when it existed; a new one gets the umask's.
    """
    target = checked_target(folder, name)
    mode: int | None = None
    try:
        mode = stat.S_IMODE(os.lstat(target).st_mode)
        if exclusive:
            raise UnsafePath(f"refusing to write {target}: it already exists")
    except FileNotFoundError:
        pass
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temporary, mode if mode is not None else 0o666 & ~_umask())
        if exclusive:
            # link() fails if the name exists (even as a dangling link): no race with a planted file.
            os.link(temporary, target)
            os.unlink(temporary)
        else:
            os.replace(temporary, target)
    except FileExistsError:
        os.unlink(temporary)
        raise UnsafePath(f"refusing to write {target}: it already exists") from None
    except BaseException:
        if os.path.lexists(temporary):
            os.unlink(temporary)
        raise
    return target


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def remove(folder: Path, name: str) -> None:
    """Remove a plain file directly in ``folder`` (a symlink or anything else is left alone)."""
    target = checked_target(folder, name)
    os.unlink(target)
