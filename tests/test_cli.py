"""The command line as users and CI drive it: through main(argv) and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from billing_config.cli import build_parser, main, parser_for
from billing_config.commands import COMMANDS
from tests.conftest import CONFIG, REPO
from tests.testing.git import git, init_repository


def test_validate_passes_on_the_repository_config(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--config-dir", str(CONFIG)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no problems" in captured.err


def test_validate_reports_a_dangling_next_status_as_text(config_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ceased = config_tree / "statuses" / "ceased.yaml"
    ceased.write_text(ceased.read_text().replace("next_status: ex-customer", "next_status: ex-custmer"))
    assert main(["validate", "--config-dir", str(config_tree)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].startswith(f"{ceased}:12:14: error unknown-reference next_status is 'ex-custmer'")
    assert "did you mean 'ex-customer'?" in out[0]


def test_validate_as_a_real_process_with_json_output(config_tree: Path) -> None:
    """In a git checkout, the clash lands on the file the change edited."""
    init_repository(config_tree.parent)
    git(config_tree.parent, "add", "-A")
    git(config_tree.parent, "commit", "-q", "-m", "sample")
    (config_tree / "departments" / "sales.yaml").write_text("name: Accounts\n")
    completed = subprocess.run(
        [sys.executable, "-m", "billing_config", "validate", "--format", "json"],
        cwd=config_tree.parent, capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    problems = json.loads(completed.stdout)
    assert problems == [
        {
            "path": "config/departments/sales.yaml",
            "line": 1,
            "column": 7,
            "severity": "error",
            "rule": "duplicate-name",
            "message": "name 'Accounts' is already used by config/departments/accounts.yaml; "
            "give this department a name of its own (case is ignored)",
            "json_path": "$.name",
            "kind": "departments",
            "code": "sales",
        }
    ]


def test_missing_config_dir_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--config-dir", str(tmp_path / "nope")]) == 1
    err = capsys.readouterr().err
    assert "config directory" in err and "does not exist" in err
    assert "Traceback" not in err


def test_repository_root_is_where_tests_run() -> None:
    assert (REPO / "pyproject.toml").is_file()


def _printed(parse: Callable[[], object], capsys: pytest.CaptureFixture[str]) -> tuple[object, str, str]:
    """What parsing prints, and its exit code (argparse exits for --help and for mistakes)."""
    try:
        code: object = parse()
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["-h", "validate"],
        ["--version"],
        [],
        ["valdate"],
        ["--bogus", "plan", "--out", "x"],
        *([name, "--help"] for name in COMMANDS),
        ["rename", "status"],
        ["validate", "--format", "xml"],
        ["db"],
    ],
    ids=lambda argv: " ".join(argv) or "(nothing)",
)
def test_the_parser_built_for_one_command_says_what_the_whole_parser_says(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line builds only the parser of the command it runs (so validate never
    imports what plan's options need); help and errors must not show the difference."""
    whole = _printed(lambda: build_parser().parse_args(argv), capsys)
    built = _printed(lambda: parser_for(argv).parse_args(argv), capsys)
    assert built == whole
    assert whole[0] in (0, 2)
