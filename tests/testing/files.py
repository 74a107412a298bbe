"""Writing and changing entry files in a scratch config tree: the one copy every test uses."""

from __future__ import annotations

from pathlib import Path


def write_entry(config_dir: Path, kind: str, code: str, text: str) -> Path:
    path = config_dir / kind / f"{code}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def edit(path: Path, old: str, new: str) -> None:
    """Replace text in a file; fails loudly if the text is not there (a test that edits
    nothing would pass while proving nothing)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")
