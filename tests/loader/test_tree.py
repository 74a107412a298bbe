"""Discovering entry files: what fits the layout and what is reported instead."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from billing_config.loader import discover
from billing_config.loader.tree import display_path


def _rules(config_tree: Path) -> list[tuple[str, str]]:
    _, findings = discover(config_tree)
    return [(Path(f.path).relative_to(config_tree).as_posix(), f.rule) for f in findings]


def test_the_sample_tree_has_one_entry_per_yaml_file_sorted(config_tree: Path) -> None:
    entries, findings = discover(config_tree)
    assert findings == []
    assert len(entries) == sum(1 for _ in config_tree.rglob("*.yaml"))
    assert [e.display for e in entries] == sorted(e.display for e in entries)
    active = next(e for e in entries if e.kind == "statuses" and e.code == "active")
    assert active.path == config_tree / "statuses" / "active.yaml"


def test_a_folder_that_is_no_kind_is_reported_with_a_suggestion(config_tree: Path) -> None:
    (config_tree / "status").mkdir()
    (config_tree / "status" / "x.yaml").write_text("name: X\n")
    _, findings = discover(config_tree)
    (found,) = findings
    assert found.rule == "layout-unknown-folder"
    assert "'status' is not a kind (did you mean 'statuses'?)" in found.message
    assert "the kinds are feature-statuses, number-statuses, service-statuses, statuses" in found.message


def test_a_stray_file_at_the_top_is_reported(config_tree: Path) -> None:
    (config_tree / "README.md").write_text("notes\n")
    assert _rules(config_tree) == [("README.md", "layout-stray-file")]


def test_a_folder_inside_a_kind_folder_is_reported(config_tree: Path) -> None:
    (config_tree / "statuses" / "old").mkdir()
    (config_tree / "statuses" / "old" / "x.yaml").write_text("name: X\n")
    assert _rules(config_tree) == [("statuses/old", "layout-nested-folder")]


@pytest.mark.parametrize(
    "name, hint",
    [
        ("extra.yml", "rename it to extra.yaml"),
        ("extra.YAML", "rename it to extra.yaml"),
        ("extra.json", "entries are *.yaml files"),
        ("notes.txt", "entries are *.yaml files"),
        ("active.yaml.orig", "entries are *.yaml files"),
        ("active.yaml~", "entries are *.yaml files"),
        ("Makefile", "entries are *.yaml files"),
    ],
)
def test_a_file_in_a_kind_folder_that_is_not_yaml_is_reported(config_tree: Path, name: str, hint: str) -> None:
    (config_tree / "groups" / name).write_text("name: X\n")
    _, findings = discover(config_tree)
    (found,) = findings
    assert (found.rule, found.kind) == ("file-extension", "groups")
    assert found.message.startswith(f"'{name}' is not a .yaml file; {hint}")


def test_placeholders_os_litter_and_editor_swap_files_are_ignored(config_tree: Path) -> None:
    for name in (".gitkeep", ".keep", ".DS_Store", "Thumbs.db", ".active.yaml.swp", ".active.yaml.swo"):
        (config_tree / "statuses" / name).write_text("")
    (config_tree / ".gitkeep").write_text("")
    (config_tree / ".DS_Store").write_text("")
    assert _rules(config_tree) == []


def test_other_hidden_files_are_still_reported(config_tree: Path) -> None:
    (config_tree / "statuses" / ".hidden.yaml").write_text("name: Hidden\n")
    assert _rules(config_tree) == [("statuses/.hidden.yaml", "invalid-code")]


def test_a_kind_that_is_a_file_instead_of_a_folder_says_so(config_tree: Path) -> None:
    import shutil

    shutil.rmtree(config_tree / "departments")
    (config_tree / "departments").write_text("name: Sales\n")
    (found,) = discover(config_tree)[1]
    assert found.rule == "layout-stray-file"
    assert found.message == "'departments' must be a folder holding one .yaml file per entry, not a file"


@pytest.mark.parametrize(
    "stem", ["Active", "ex_customer", "ex--customer", "-active", "active-", "ex customer", "é", "a" * 65, ".hidden"]
)
def test_a_file_name_that_is_not_a_code_is_reported_and_still_read(config_tree: Path, stem: str) -> None:
    (config_tree / "departments" / f"{stem}.yaml").write_text("name: Somewhere Else\n")
    entries, findings = discover(config_tree)
    (found,) = findings
    assert (found.rule, found.code) == ("invalid-code", stem)
    assert f"the file name '{stem}' is not a valid code" in found.message
    assert any(e.code == stem for e in entries), "the entry is still checked for everything else"


def test_a_code_of_exactly_64_characters_is_valid(config_tree: Path) -> None:
    (config_tree / "departments" / f"{'a' * 64}.yaml").write_text("name: Long\n")
    assert _rules(config_tree) == []


def test_an_invalid_code_gets_a_suggested_spelling(config_tree: Path) -> None:
    (config_tree / "departments" / "Field_Engineers.yaml").write_text("name: Field\n")
    (found,) = discover(config_tree)[1]
    assert found.message.endswith("; rename the file to field-engineers.yaml")


def test_a_symlinked_entry_file_is_refused(config_tree: Path) -> None:
    os.symlink(config_tree / "statuses" / "active.yaml", config_tree / "statuses" / "live.yaml")
    entries, findings = discover(config_tree)
    (found,) = findings
    assert (found.rule, found.code) == ("file-symlink", "live")
    assert "symbolic links are not followed" in found.message
    assert all(e.code != "live" for e in entries)


def test_a_dangling_symlink_is_refused_too(config_tree: Path) -> None:
    os.symlink(config_tree / "nowhere.yaml", config_tree / "statuses" / "ghost.yaml")
    assert _rules(config_tree) == [("statuses/ghost.yaml", "file-symlink")]


def test_a_symlinked_kind_folder_is_refused(tmp_path: Path, config_tree: Path) -> None:
    outside = tmp_path / "elsewhere"
    (config_tree / "groups").rename(outside)
    os.symlink(outside, config_tree / "groups")
    assert _rules(config_tree) == [("groups", "file-symlink")]


def test_a_pipe_in_a_kind_folder_is_reported_not_read(config_tree: Path) -> None:
    """Reading a FIFO would block validate forever."""
    os.mkfifo(config_tree / "statuses" / "pipe.yaml")
    entries, findings = discover(config_tree)
    assert [(f.rule, f.code) for f in findings] == [("file-not-regular", "pipe")]
    assert all(e.code != "pipe" for e in entries)


def test_a_folder_that_cannot_be_listed_is_a_finding(config_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod cannot stop root (which CI may be), so the refusal is simulated at os.scandir."""
    real_scandir = os.scandir
    locked = str(config_tree / "groups")

    def scandir(path: object) -> object:
        if str(path) == locked:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", scandir)
    _, findings = discover(config_tree)
    (found,) = findings
    assert found.rule == "layout-unreadable-folder"
    assert found.message == "cannot list the folder: Permission denied; check its permissions"


def test_paths_are_shown_relative_to_the_working_directory_when_under_it(
    config_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(config_tree.parent)
    assert display_path(config_tree / "statuses") == "config/statuses"
    assert display_path(Path("/somewhere/else")) == "/somewhere/else"
    assert display_path(Path("relative/path")) == "relative/path"
    entries, _ = discover(config_tree)
    assert entries[0].display.startswith("config/")
