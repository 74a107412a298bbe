"""billing-config validate as users and CI drive it: formats, colour, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from billing_config.cli import main
from billing_config.findings import Finding, Severity
from billing_config.render.findings import render_github, render_text
from billing_config.rules.tree import validate_tree
from tests.conftest import CONFIG, REPO
from tests.testing.git import git, init_repository


def _break_three_files(config: Path) -> None:
    """Problems in three files, written in an order unlike the sorted one, as a change to a
    committed tree (so the name clash lands on the edited file, as it does for an admin)."""
    init_repository(config.parent)
    git(config.parent, "add", "-A")
    git(config.parent, "commit", "-q", "-m", "sample")
    (config / "statuses" / "suspended.yaml").write_text("name: Suspended\nis_billable: yes\nis_activ: true\n")
    (config / "departments" / "sales.yaml").write_text("name: Accounts\n")
    active = config / "statuses" / "active.yaml"
    active.write_text(active.read_text().replace("availability: Headline", "availability: Top"))


def _validate(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["validate", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_text_is_one_compiler_style_line_a_problem_sorted_by_path_and_line(
    config_tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _break_three_files(config_tree)
    monkeypatch.chdir(config_tree.parent)
    code, out, err = _validate([], capsys)
    assert code == 1
    assert out.splitlines() == [
        "config/departments/sales.yaml:1:7: error duplicate-name name 'Accounts' is already used by "
        "config/departments/accounts.yaml; give this department a name of its own (case is ignored)",
        "config/statuses/active.yaml:4:15: error schema-enum availability is 'Top'; "
        "it must be one of Headline, Standard, Historical",
        "config/statuses/suspended.yaml:2:14: error schema-type is_billable is 'yes', which YAML 1.2 reads as text, "
        "not as a yes/no answer; write `is_billable: true`",
        "config/statuses/suspended.yaml:3:1: error schema-unknown-field 'is_activ' is not a field of a customer status "
        "(did you mean is_active?); write `is_active: true`",
    ]
    assert err == "40 file(s) checked: 4 error(s), 0 warning(s)\n"


def test_paths_are_shown_as_given_when_outside_the_working_directory(
    config_tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _break_three_files(config_tree)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    _, out, _ = _validate(["--config-dir", str(config_tree)], capsys)
    assert out.splitlines()[0].startswith(f"{config_tree}/departments/sales.yaml:1:7: error duplicate-name ")


def test_json_is_a_list_of_objects_with_every_field(config_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _break_three_files(config_tree)
    (config_tree / "statuses" / "Bad.yaml").write_text("name: Bad\n")
    code, out, err = _validate(["--config-dir", str(config_tree), "--format", "json"], capsys)
    assert code == 1 and err == ""
    problems = json.loads(out)
    assert [(Path(p["path"]).name, p["line"], p["column"], p["rule"]) for p in problems] == [
        ("sales.yaml", 1, 7, "duplicate-name"),
        ("Bad.yaml", 1, 1, "invalid-code"),
        ("active.yaml", 4, 15, "schema-enum"),
        ("suspended.yaml", 2, 14, "schema-type"),
        ("suspended.yaml", 3, 1, "schema-unknown-field"),
    ]
    enum = problems[2]
    assert enum == {
        "path": str(config_tree / "statuses" / "active.yaml"),
        "line": 4,
        "column": 15,
        "severity": "error",
        "rule": "schema-enum",
        "message": "availability is 'Top'; it must be one of Headline, Standard, Historical",
        "json_path": "$.availability",
        "kind": "statuses",
        "code": "active",
    }
    for problem in problems:
        assert {"path", "line", "column", "severity", "rule", "message"} <= set(problem)


def test_json_of_a_clean_tree_is_an_empty_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _validate(["--config-dir", str(CONFIG), "--format", "json"], capsys)
    assert (code, json.loads(out)) == (0, [])


def test_json_keeps_non_ascii_text_readable(config_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (config_tree / "departments" / "cafe.yaml").write_text("name: Café\nnom: x\n")
    _, out, _ = _validate(["--config-dir", str(config_tree), "--format", "json"], capsys)
    assert "'nom' is not a field of a department" in json.loads(out)[0]["message"]


def test_github_annotations_name_file_line_column_and_rule(config_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _break_three_files(config_tree)
    code, out, err = _validate(["--config-dir", str(config_tree), "--format", "github"], capsys)
    assert code == 1 and err == ""
    first = out.splitlines()[0]
    assert first.startswith(f"::error file={config_tree}/departments/sales.yaml,line=1,col=7,title=duplicate-name::")
    assert first.endswith("give this department a name of its own (case is ignored)")


def test_github_escapes_what_would_break_a_workflow_command() -> None:
    finding = Finding(
        path="odd,dir:x/statuses/a%b.yaml", line=3, column=5, severity=Severity.WARNING,
        rule="active-and-suspended", message="50% done,\nsecond line: here\r",
    )
    assert render_github([finding]) == (
        "::warning file=odd%2Cdir%3Ax/statuses/a%25b.yaml,line=3,col=5,title=active-and-suspended"
        "::50%25 done,%0Asecond line: here%0D\n"
    )


def test_a_path_with_a_comma_and_colon_survives_the_github_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    odd = tmp_path / "a,b:c" / "config"
    shutil.copytree(CONFIG, odd)
    (odd / "departments" / "sales.yaml").write_text("name: Accounts\n")
    _, out, _ = _validate(["--config-dir", str(odd), "--format", "github"], capsys)
    # Outside git both sides of the clash are named; the path survives in each.
    line = out.splitlines()[1]
    assert "file=" + str(odd).replace(",", "%2C").replace(":", "%3A") + "/departments/sales.yaml,line=1," in line


def test_text_has_no_colour_when_stdout_is_not_a_terminal(config_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _break_three_files(config_tree)
    _, out, _ = _validate(["--config-dir", str(config_tree)], capsys)
    assert "\033[" not in out


def test_text_has_colour_on_a_terminal_unless_no_color_is_set(
    config_tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _break_three_files(config_tree)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    _, out, _ = _validate(["--config-dir", str(config_tree)], capsys)
    assert "\033[31merror\033[0m" in out and "\033[1mschema-enum\033[0m" in out
    monkeypatch.setenv("NO_COLOR", "")  # no-color.org: an empty value does not count
    _, out, _ = _validate(["--config-dir", str(config_tree)], capsys)
    assert "\033[31merror\033[0m" in out
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = _validate(["--config-dir", str(config_tree)], capsys)
    assert "\033[" not in out
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    _, out, _ = _validate(["--config-dir", str(config_tree)], capsys)
    assert "\033[" not in out


def test_colour_never_touches_json_or_github(
    config_tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _break_three_files(config_tree)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    for fmt in ("json", "github"):
        _, out, _ = _validate(["--config-dir", str(config_tree), "--format", fmt], capsys)
        assert "\033[" not in out


def test_colour_in_a_real_terminal(config_tree: Path) -> None:
    """A pseudo-terminal as stdout, the way a person runs it."""
    import pty

    _break_three_files(config_tree)
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"TERM": "xterm"}
    completed = subprocess.run(
        [sys.executable, "-m", "billing_config", "validate", "--config-dir", str(config_tree)],
        stdout=follower, stderr=subprocess.PIPE, env=env, check=False, timeout=60,
    )
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert completed.returncode == 1
    assert b"\033[31merror\033[0m" in output


def test_render_text_colours_warnings_yellow() -> None:
    finding = Finding("p.yaml", 1, 2, Severity.WARNING, "crm-only-with-login", "m")
    assert render_text([finding]) == "p.yaml:1:2: warning crm-only-with-login m\n"
    assert "\033[33mwarning\033[0m" in render_text([finding], colour=True)


@pytest.mark.parametrize(
    "argv, expected",
    [
        ([], 0),
        (["--strict"], 0),
        (["--format", "yaml"], 2),
        (["--no-such-option"], 2),
    ],
)
def test_exit_codes_on_the_sample(argv: list[str], expected: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--config-dir", str(CONFIG), *argv]) == expected


def test_warnings_exit_0_and_1_with_strict(config_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    groups = config_tree / "groups" / "residential.yaml"
    groups.write_text(groups.read_text().replace("display_position: 40", "display_position: 10"))
    code, out, err = _validate(["--config-dir", str(config_tree)], capsys)
    assert code == 0 and ": warning duplicate-display-position " in out
    assert err == "40 file(s) checked: 0 error(s), 2 warning(s)\n"  # outside git, both sides of the clash
    assert main(["validate", "--config-dir", str(config_tree), "--strict"]) == 1


def test_a_missing_config_dir_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _validate(["--config-dir", str(tmp_path / "nope")], capsys)
    assert (code, out) == (1, "")
    assert err == (
        f"billing-config: error: config directory '{tmp_path / 'nope'}' does not exist; "
        "run from the repository root or pass --config-dir\n"
    )


def test_a_config_dir_that_is_a_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_a_folder = tmp_path / "config"
    not_a_folder.write_text("name: x\n")
    code, _, err = _validate(["--config-dir", str(not_a_folder)], capsys)
    assert code == 1
    assert err.startswith(f"billing-config: error: config directory '{not_a_folder}' is a file, not a folder")
    assert "Traceback" not in err


def test_an_unreadable_folder_is_a_finding_not_a_traceback(
    config_tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.scandir
    monkeypatch.setattr(
        os, "scandir",
        lambda path: (_ for _ in ()).throw(PermissionError(13, "Permission denied"))
        if str(path).endswith("departments") else real(path),
    )
    code, out, err = _validate(["--config-dir", str(config_tree)], capsys)
    assert code == 1
    assert out.splitlines() == [
        f"{config_tree}/departments:1:1: error layout-unreadable-folder cannot list the folder: "
        "Permission denied; check its permissions"
    ]
    assert "Traceback" not in err


def test_an_unreadable_file_is_a_finding_not_a_traceback(
    config_tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    from billing_config.loader import yaml_reader

    def locked_open(path: object, *args: object, **kwargs: object) -> object:
        if str(path).endswith("sales.yaml"):
            raise PermissionError(13, "Permission denied", str(path))
        return builtins.open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(yaml_reader, "open", locked_open, raising=False)
    code, out, err = _validate(["--config-dir", str(config_tree)], capsys)
    assert code == 1
    assert out.splitlines() == [
        f"{config_tree}/departments/sales.yaml:1:1: error file-unreadable cannot read the file: "
        "Permission denied; check its permissions"
    ]
    assert "Traceback" not in err


def test_an_unexpected_failure_is_one_line_never_a_traceback(
    config_tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import billing_config.rules as validation

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something unforeseen\nwith a second line")

    monkeypatch.delenv("BILLING_CONFIG_DEBUG", raising=False)
    monkeypatch.setattr(validation, "validate_tree", broken)
    code, out, err = _validate(["--config-dir", str(config_tree)], capsys)
    assert (code, out) == (1, "")
    assert err.startswith("billing-config: internal error: RuntimeError: something unforeseen\n")
    assert "Traceback" not in err


def test_the_parallel_path_finds_exactly_what_one_process_finds(config_tree: Path) -> None:
    _break_three_files(config_tree)
    (config_tree / "statuses" / "deep.yaml").write_text("name: " + "[" * 50 + "\n")
    for index in range(30):
        (config_tree / "groups" / f"extra-{index}.yaml").write_text(f"name: Extra {index % 20}\ndisplay_position: {index}\n")
    single = validate_tree(config_tree, jobs=1)
    parallel = validate_tree(config_tree, jobs=2)
    assert parallel.findings == single.findings
    assert [d.path for d in parallel.documents] == [d.path for d in single.documents]
    assert parallel.documents == single.documents
    assert len(single.findings) > 15


def test_a_real_process_on_the_sample_imports_nothing_heavy() -> None:
    """The pre-commit hook's start-up cost: no jsonschema, database layer or ruamel for a clean tree."""
    script = (
        "import sys\n"
        "from billing_config.cli import main\n"
        f"code = main(['validate', '--config-dir', {str(CONFIG)!r}])\n"
        "heavy = sorted(m for m in ('jsonschema', 'sqlalchemy', 'ruamel', 'ruamel.yaml', 'psycopg', 'pymysql') if m in sys.modules)\n"
        "print(code, heavy)\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=REPO)
    assert completed.stdout.strip() == "0 []", completed.stderr


def test_a_real_process_reports_and_exits_1_without_a_traceback(config_tree: Path) -> None:
    _break_three_files(config_tree)
    completed = subprocess.run(
        [sys.executable, "-m", "billing_config", "validate", "--config-dir", "config", "--format", "github"],
        cwd=config_tree.parent, capture_output=True, text=True, check=False, timeout=60,
    )
    assert completed.returncode == 1
    assert completed.stdout.splitlines()[0].startswith("::error file=config/departments/sales.yaml,line=1,col=7,")
    assert "Traceback" not in completed.stderr
