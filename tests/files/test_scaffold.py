"""billing-config new: a valid, formatted entry with a code derived from its name."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from billing_config.cli import main
from billing_config.files.scaffold import code_from_name, kind_aliases
from billing_config.kinds import KINDS, is_valid_code
from billing_config.rules.json_schema import text_problem


def test_every_managed_kind_is_reachable_by_its_plural_and_its_singular() -> None:
    aliases = kind_aliases()
    for kind in KINDS:
        if kind.managed:
            assert aliases[kind.name] is kind
            assert aliases[kind.singular.replace(" ", "-")] is kind
    # The contract's names: "status" is the customer status, not one of the three status lists.
    expected = {
        "status": "statuses", "group": "groups", "department": "departments", "class": "classes",
        "number-status": "number-statuses", "service-status": "service-statuses", "feature-status": "feature-statuses",
    }
    assert {alias: aliases[alias].name for alias in expected} == expected


@pytest.mark.parametrize(
    ("name", "code"),
    [("Payment Plan", "payment-plan"), ("  Früh–Kündigung (2024) ", "fruh-kundigung-2024"), ("VIP Client!!", "vip-client"), ("x" * 80, "x" * 64)],
)
def test_codes_are_derived_from_names(name: str, code: str) -> None:
    assert code_from_name(name) == code


@given(st.text(max_size=100))
def test_a_derived_code_is_valid_or_empty(name: str) -> None:
    code = code_from_name(name)
    assert code == "" or is_valid_code(code)


@pytest.mark.parametrize("alias", ["status", "group", "department"])
def test_new_writes_a_file_that_validates_and_is_formatted(config_tree: Path, alias: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", alias, "Payment Plan 'Ä' 😀", "--config-dir", str(config_tree)]) == 0
    kind = kind_aliases()[alias]
    path = config_tree / kind.name / "payment-plan-a.yaml"
    assert f"created {path}" in capsys.readouterr().out
    text = path.read_text()
    assert "name: Payment Plan 'Ä' 😀\n" in text
    assert len(text.splitlines()) == 1 + len(kind.fields)  # every field, at its default
    assert main(["validate", "--config-dir", str(config_tree)]) == 0
    assert main(["fmt", "--check", str(path)]) == 0


def test_new_refuses_an_existing_code_and_changes_nothing(config_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suspended = config_tree / "statuses" / "suspended.yaml"
    before = suspended.read_text()
    assert main(["new", "status", "SUSPENDED", "--config-dir", str(config_tree)]) == 1
    err = capsys.readouterr().err
    assert "already exists: there is already a customer status with the code 'suspended'" in err
    assert "pass --code" in err
    assert suspended.read_text() == before


def test_new_refuses_a_name_another_entry_has(config_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "department", "sales", "--code", "selling", "--config-dir", str(config_tree)]) == 1
    assert "already has the name 'sales'" in capsys.readouterr().err
    assert not (config_tree / "departments" / "selling.yaml").exists()


def test_a_name_without_letters_needs_an_explicit_code(config_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    groups = sorted((config_tree / "groups").iterdir())
    assert main(["new", "group", "😀😀", "--config-dir", str(config_tree)]) == 1
    assert "pass --code" in capsys.readouterr().err
    assert sorted((config_tree / "groups").iterdir()) == groups
    assert main(["new", "group", "😀😀", "--code", "smiles", "--config-dir", str(config_tree)]) == 0
    assert main(["validate", "--config-dir", str(config_tree)]) == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=1, max_size=100).filter(lambda n: n.strip() and code_from_name(n) and text_problem(n.strip()) is None))
def test_any_name_gives_a_file_that_validates_and_keeps_the_name(config_tree: Path, name: str) -> None:
    from billing_config.loader import read_entry

    path = config_tree / "departments" / f"{code_from_name(name)}.yaml"
    assume(not path.exists() and name.strip().casefold() not in {"accounts", "sales", "provisioning", "customer service", "technical support"})
    try:
        # "--" ends the options, so a name starting with "-" (found by hypothesis: "-²") is still a name.
        assert main(["new", "department", "--config-dir", str(config_tree), "--", name]) == 0
        assert main(["validate", "--config-dir", str(config_tree)]) == 0
        document, problems = read_entry(path, str(path), "departments", path.stem)
        assert document is not None and not problems and document.data["name"] == name.strip()
    finally:
        path.unlink(missing_ok=True)


def test_a_code_with_a_trailing_line_break_is_refused(config_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression (issue 8, defect 2): `new --code $'x\\n'` passed the code check ("$" before "\\n")."""
    before = sorted(p.name for p in (config_tree / "groups").iterdir())
    assert main(["new", "group", "X", "--code", "x\n", "--config-dir", str(config_tree)]) == 1
    assert "not a valid code" in capsys.readouterr().err
    assert sorted(p.name for p in (config_tree / "groups").iterdir()) == before


def test_a_name_with_control_characters_is_refused(config_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = sorted(p.name for p in (config_tree / "groups").iterdir())
    assert main(["new", "group", "Evil\x1b[2K", "--config-dir", str(config_tree)]) == 1
    err = capsys.readouterr().err
    assert "control character" in err and "\x1b" not in err and "\\x1b" in err
    assert sorted(p.name for p in (config_tree / "groups").iterdir()) == before


def test_new_never_writes_through_a_dangling_symlink(config_tree: Path, tmp_path: Path) -> None:
    """Regression (issue 8, defect 2): a dangling symlink made `new` create its target outside config/."""
    outside = tmp_path / "outside.txt"
    (config_tree / "groups" / "planted.yaml").symlink_to(outside)
    assert main(["new", "group", "Planted", "--config-dir", str(config_tree)]) == 1
    assert not outside.exists()


def test_new_refuses_a_kind_folder_that_is_a_symlink(config_tree: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    import shutil

    shutil.rmtree(config_tree / "departments")
    (config_tree / "departments").symlink_to(elsewhere)
    assert main(["new", "department", "Billing", "--config-dir", str(config_tree)]) == 1
    assert list(elsewhere.iterdir()) == []
