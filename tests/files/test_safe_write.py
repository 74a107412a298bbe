"""The file-system sink: every entry file written by fmt, new and export stays in its folder,
never follows a symlink and replaces the old file in one step; codes from every origin (live
rows, command-line arguments, file names) are checked with a full match before they become
file names."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing_config.files.safe_write import UnsafePath, write_text
from billing_config.kinds import is_valid_code
from tests.testing.databases import execute
from tests.testing.fixtures import Run
from tests.testing.hostile import HOSTILE, hostile_text

# File names that must never be written as given.
HOSTILE_NAMES = [
    "../x.yaml", "../../../etc/x.yaml", "/abs/x.yaml", "..", ".", "", "a/b.yaml", "a\\b.yaml", "a\x00b.yaml",
    "x\n.yaml", "x\r.yaml", "\x1b[2K.yaml", "sub/../../x.yaml", "./../x.yaml", "....//x.yaml", "x/",
    "/", "//x.yaml", "a\x7f.yaml", "\t.yaml", "..\\..\\x.yaml",
]


def test_the_corpus_is_big_enough() -> None:
    assert len(HOSTILE_NAMES) >= 20


def outside_untouched(root: Path) -> set[Path]:
    return {path for path in root.rglob("*")}


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=repr)
def test_hostile_names_are_refused(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "config" / "statuses"
    folder.mkdir(parents=True)
    before = outside_untouched(tmp_path)
    with pytest.raises(UnsafePath):
        write_text(folder, name, "name: X\n")
    assert outside_untouched(tmp_path) == before


def test_a_symlink_is_never_followed_dangling_or_not(tmp_path: Path) -> None:
    folder = tmp_path / "statuses"
    folder.mkdir()
    target = tmp_path / "outside.txt"
    (folder / "dangling.yaml").symlink_to(target)
    target_2 = tmp_path / "existing.txt"
    target_2.write_text("keep me\n")
    (folder / "live.yaml").symlink_to(target_2)
    for name in ("dangling.yaml", "live.yaml"):
        with pytest.raises(UnsafePath, match="symbolic link"):
            write_text(folder, name, "name: X\n")
    assert not target.exists() and target_2.read_text() == "keep me\n"
    linked = tmp_path / "linked-folder"
    linked.symlink_to(folder)
    with pytest.raises(UnsafePath):
        write_text(linked, "new.yaml", "name: X\n")


def test_a_write_replaces_the_file_atomically_and_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("old\n")
    os.chmod(path, 0o640)
    write_text(tmp_path, "x.yaml", "new\n")
    assert path.read_text() == "new\n" and (path.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.yaml"]  # no temporary left behind
    with pytest.raises(UnsafePath, match="already exists"):
        write_text(tmp_path, "x.yaml", "other\n", exclusive=True)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=hostile_text())
def test_no_generated_name_writes_outside_the_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    root = tmp_path_factory.mktemp("sink")
    folder = root / "config" / "statuses"
    folder.mkdir(parents=True)
    try:
        written = write_text(folder, name, "name: X\n")
    except UnsafePath:
        written = None
    except OSError:  # a name the file system itself refuses (too long...)
        written = None
    everything = {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}
    assert everything <= ({written} if written else set())
    if written is not None:
        assert written.parent == folder


@settings(max_examples=300)
@given(hostile_text())
def test_codes_are_whole_matches(text: str) -> None:
    if is_valid_code(text):
        assert text == text.strip() and "/" not in text and "\n" not in text and ".." not in text


@pytest.mark.parametrize("text", HOSTILE)
def test_no_hostile_string_is_a_code(text: str) -> None:
    assert not is_valid_code(text)


# ----- origins, end to end ------------------------------------------------------------------


def test_fmt_never_writes_through_a_planted_temporary_name(config_tree: Path, tmp_path: Path, cli: Callable[..., Run]) -> None:
    """Regression (issue 8, defect 2): a planted '.NAME.fmt-tmp' symlink made fmt overwrite an outside file."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    entry = config_tree / "departments" / "sales.yaml"
    entry.write_text("name:   Sales\n")  # needs formatting
    (entry.parent / ".sales.yaml.fmt-tmp").symlink_to(victim)
    result = cli("fmt", str(entry))
    assert result.code == 0, result.text
    assert victim.read_text() == "precious\n"
    assert entry.read_text().endswith("name: Sales\n") and not entry.is_symlink()


def test_fmt_refuses_an_entry_that_is_a_symlink(config_tree: Path, tmp_path: Path, cli: Callable[..., Run]) -> None:
    victim = tmp_path / "victim.yaml"
    victim.write_text("name:   Outside\n")
    (config_tree / "departments" / "linked.yaml").symlink_to(victim)
    result = cli("fmt", str(config_tree / "departments" / "linked.yaml"))
    assert result.code == 1
    assert victim.read_text() == "name:   Outside\n"


LIVE_CODES = ["../../../escaped", "/tmp/abs-escaped", "../statuses/fake", "x\n", "Billing", "billing ", "a/b", "..", "\x1b[2K"]


def test_export_skips_live_codes_that_are_not_codes(
    db_url: str, config_tree: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine], tmp_path: Path
) -> None:
    """Regression (issue 8, defect 2): export turned live codes like '../../../x' into files outside config/."""
    assert cli("db", "init", "--database", db_url, "--config-dir", str(config_tree), "--sample-data").code == 0
    engine = engine_for(db_url)
    for number, code in enumerate(LIVE_CODES):
        execute(engine, "INSERT INTO departments (code, name) VALUES (:code, :name)", {"code": code, "name": f"Odd {number}"})
    sandbox = tmp_path / "sandbox"
    exported = sandbox / "repo" / "config"
    result = cli("export", "--database", db_url, "--config-dir", str(exported))
    assert result.code == 0, result.text
    files = {p.relative_to(sandbox).as_posix() for p in sandbox.rglob("*") if p.is_file()}
    assert all(name.startswith("repo/config/") and name.count("/") == 3 and name.endswith(".yaml") for name in files), files
    assert not Path("/tmp/abs-escaped.yaml").exists()
    assert result.err.count("is not a valid code") == len(LIVE_CODES)
    assert "'../../../escaped'" in result.err and "'x\\n'" in result.err and "\x1b" not in result.err
    assert "departments row id" in result.err


def test_export_refuses_a_kind_folder_that_is_a_symlink(sqlite_url: str, config_tree: Path, cli: Callable[..., Run], tmp_path: Path) -> None:
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(config_tree), "--sample-data").code == 0
    exported = tmp_path / "exported"
    exported.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (exported / "groups").symlink_to(elsewhere)
    result = cli("export", "--database", sqlite_url, "--config-dir", str(exported))
    assert result.code == 1 and "symbolic link" in result.err and "nothing was written" in result.err
    assert list(elsewhere.iterdir()) == [] and sorted(p.name for p in exported.iterdir()) == ["groups"]
