"""Every sink's escaping (render/escape.py, and Mermaid labels), held to a corpus of hostile
strings and to a hypothesis property each, then checked end to end from each origin: config
files and their names, live rows, plan files, the command line and the environment."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing_config.render.escape import gh_data, gh_property, log_line, md_code, md_fence, md_text, terminal
from billing_config.render.mermaid import escape_label
from tests.testing.databases import execute
from tests.testing.files import write_entry
from tests.testing.fixtures import Run
from tests.testing.hostile import HOSTILE, hostile_text

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def test_the_corpus_is_big_enough() -> None:
    assert len(HOSTILE) >= 20


# ----- terminal and CI log lines -----------------------------------------------------------


def assert_terminal_safe(text: str) -> None:
    assert CONTROL.search(text) is None, repr(text)


def assert_log_safe(line: str) -> None:
    assert_terminal_safe(line)
    assert not line.lstrip().startswith("::"), line
    assert "##[" not in line, line


@pytest.mark.parametrize("text", HOSTILE)
def test_terminal_and_log_lines_show_every_control_character_escaped(text: str) -> None:
    assert_terminal_safe(terminal(text))
    assert_log_safe(log_line(text))


def test_escapes_are_visible_and_plain_text_is_untouched() -> None:
    assert terminal("Sales\x1b[2K") == "Sales\\x1b[2K"
    assert terminal("a\rb\u202ec") == "a\\x0db\\u202ec"
    assert log_line("::error::x") == "\\::error::x"
    assert log_line("Café Москва — 42 % done") == "Café Москва — 42 % done"


@settings(max_examples=300)
@given(hostile_text())
def test_no_generated_text_breaks_a_log_line(text: str) -> None:
    assert_log_safe(log_line(text))
    assert_terminal_safe(terminal(text))


# ----- GitHub workflow commands -------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_workflow_command_values_stay_one_value(text: str) -> None:
    data, prop = gh_data(text), gh_property(text)
    assert_terminal_safe(data)
    assert ":" not in prop and "," not in prop
    assert_terminal_safe(prop)


@settings(max_examples=300)
@given(hostile_text())
def test_no_generated_text_breaks_a_workflow_command(text: str) -> None:
    line = f"::error file={gh_property(text)},title={gh_property(text)}::{gh_data(text)}"
    assert_terminal_safe(line)
    properties, _, _ = line[len("::error ") :].partition("::")
    assert properties.count("::") == 0 and properties.count(",") == 1


# ----- Markdown -----------------------------------------------------------------------------

MD_SPECIAL = set("\\`*[]<>|~&$")


def assert_md_text_safe(out: str) -> None:
    """Every special character is escaped by a backslash, '@' never starts a mention, and no
    control character (so no line break: no heading, list item or table row can start)."""
    assert_terminal_safe(out)
    plain = out.replace("@&#8203;", "@")
    assert "@" not in plain.replace("@", "") and out.count("@") == out.count("@&#8203;")
    index = 0
    while index < len(plain):
        char = plain[index]
        if char == "\\":
            index += 2
            continue
        assert char not in MD_SPECIAL, (out, index)
        index += 1


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_is_inert(text: str) -> None:
    assert_md_text_safe(md_text(text))


@settings(max_examples=300)
@given(hostile_text())
def test_no_generated_text_breaks_markdown_text(text: str) -> None:
    assert_md_text_safe(md_text(text))


def assert_code_span_closed_only_by_its_fence(span: str) -> None:
    assert_terminal_safe(span)
    fence = re.match("`+", span)
    assert fence is not None and span.endswith(fence.group())
    inner = span[len(fence.group()) : -len(fence.group())]
    assert inner and all(len(run) != len(fence.group()) for run in re.findall("`+", inner))


@pytest.mark.parametrize("text", HOSTILE)
def test_code_spans_can_not_be_closed_early(text: str) -> None:
    assert_code_span_closed_only_by_its_fence(md_code(text))
    assert "|" not in md_code(text, in_table=True).replace("\\|", "")


@settings(max_examples=300)
@given(hostile_text())
def test_no_generated_text_breaks_a_code_span(text: str) -> None:
    assert_code_span_closed_only_by_its_fence(md_code(text))


def assert_fence_holds(block: str, info: str) -> None:
    lines = block.split("\n")
    opening = lines[0]
    fence = opening[: len(opening) - len(info)]
    assert set(fence) == {"`"} and len(fence) >= 3
    assert lines[-2] == fence and lines[-1] == ""
    for line in lines[1:-2]:
        assert not line.lstrip(" ").startswith(fence), line  # nothing inside closes it
        assert CONTROL.search(line.replace("\t", "")) is None


@pytest.mark.parametrize("text", HOSTILE)
def test_fenced_blocks_can_not_be_closed_by_their_content(text: str) -> None:
    assert_fence_holds(md_fence(text, "text"), "text")


@settings(max_examples=300)
@given(hostile_text())
def test_no_generated_text_breaks_a_fenced_block(text: str) -> None:
    assert_fence_holds(md_fence(text, "text"), "text")


# ----- Mermaid labels -----------------------------------------------------------------------


def assert_label_safe(label: str) -> None:
    assert_terminal_safe(label)
    assert not set(label) & set('"<>`'), label
    assert re.search(r"#(?!\d+;)", label) is None, label  # '#' only as an entity code


@pytest.mark.parametrize("text", HOSTILE)
def test_mermaid_labels_are_inert(text: str) -> None:
    assert_label_safe(escape_label(text))


@settings(max_examples=300)
@given(hostile_text())
def test_no_generated_text_breaks_a_mermaid_label(text: str) -> None:
    assert_label_safe(escape_label(text))


# ----- end to end, from each origin ---------------------------------------------------------


def test_file_names_from_the_config_tree_reach_ci_logs_escaped(config_tree: Path, cli: Callable[..., Run]) -> None:
    """Origin: file names. Regression (issue 8, defect 4): fmt --check printed file names raw."""
    for number, name in enumerate(["a\n::error file=x::pwned", "b\x1b[2K", "::add-mask::c", "d ##[warning]e"]):
        (config_tree / "departments" / f"{name}.yaml").write_text(f"name: Team {number}\n")
    fmt = cli("fmt", "--check", *(str(p) for p in sorted((config_tree / "departments").glob("*.yaml"))))
    validate = cli("validate", "--config-dir", str(config_tree))
    github = cli("validate", "--config-dir", str(config_tree), "--format", "github")
    for run in (fmt, validate):
        for line in run.text.splitlines():
            assert_log_safe(line)
    for line in github.out.splitlines():
        assert_terminal_safe(line)
        assert line.startswith(("::error ", "::warning "))
        properties = line.split("::", 2)[1]
        assert ":" not in properties  # the file name can't end the properties early


def test_names_from_config_files_reach_the_terminal_escaped(config_tree: Path, cli: Callable[..., Run]) -> None:
    """Origin: config values. A refused name is quoted escaped in the finding."""
    for number, text in enumerate(HOSTILE):
        quoted = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        quoted = "".join(f"\\u{ord(c):04x}" if CONTROL.match(c) else c for c in quoted)
        write_entry(config_tree, "departments", f"hostile-{number}", f'name: "{quoted}"\n')
    result = cli("validate", "--config-dir", str(config_tree))
    assert result.code == 1
    for line in result.text.splitlines():
        assert_log_safe(line)


@pytest.fixture
def hostile_live(live: str, engine_for: Callable[[str], object]) -> str:
    """Origin: the live database: rows platform staff edited, names and codes alike."""
    engine = engine_for(live)
    storable = [text for text in HOSTILE if "\x00" not in text]  # PostgreSQL text can't hold NUL
    for number, text in enumerate(storable[:22]):
        execute(engine, "INSERT INTO departments (code, name) VALUES (:code, :name)",  # type: ignore[arg-type]
                {"code": f"{text[:40]}-{number}", "name": text[:100]})
    execute(engine, "UPDATE departments SET name = :name WHERE code = 'sales'", {"name": "Sales\r\x1b[2K\x1b[1A"})  # type: ignore[arg-type]
    return live


def test_live_rows_reach_the_plan_and_the_prompt_escaped(hostile_live: str, config_tree: Path, cli: Callable[..., Run]) -> None:
    """Regression (issue 8, defect 3): a live name with \\r and ANSI escapes rewrote plan lines."""
    text = cli("plan", "--database", hostile_live, "--config-dir", str(config_tree))
    assert text.code == 0, text.err
    for line in text.out.splitlines():
        assert_log_safe(line)
    assert "\"Sales\\r\\u001b[2K\\u001b[1A\"" in text.out  # shown escaped, as JSON writes it
    markdown = cli("plan", "--database", hostile_live, "--config-dir", str(config_tree), "--format", "markdown")
    for bad in (r"(?<!\\)<img", r"(?<!\\)\]\(https://evil", r"(?<!\\)</details\\?>(?!\n)", "@everyone", "\x1b", "\r"):
        assert re.search(bad, markdown.out) is None, bad
    assert markdown.out.count("<details>") == markdown.out.count("</details>")
    applied = cli("apply", "--database", hostile_live, "--config-dir", str(config_tree), "--yes", "--prune", "--max-deletes", "99",
                  "--max-delete-percent", "100", "--max-update-percent", "100")
    assert applied.code == 0, applied.err
    for line in applied.text.splitlines():
        assert_log_safe(line)


def test_command_line_and_environment_values_reach_errors_escaped(cli: Callable[..., Run], config_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Origins: arguments and the environment, through error messages."""
    results = [
        cli("new", "group", "Evil\x1b[2K\r", "--config-dir", str(config_tree)),
        cli("validate", "--config-dir", "::error::\x1b[2K/nowhere"),
        cli("plan", "--database", "sqlite:////nowhere/\x1b[2K\r::error::.db", "--config-dir", str(config_tree)),
    ]
    monkeypatch.setenv("BILLING_DATABASE_URL", "postgresql://u:p@h\x1b[2K:notaport/db")
    results.append(cli("plan", "--config-dir", str(config_tree)))
    for result in results:
        assert result.code == 1
        for line in result.err.splitlines():
            assert_log_safe(line)
