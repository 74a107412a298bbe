"""The terminal sink (commands/output.py): every line a command prints is escaped whole, and
nothing else in the package can print (issue 16, item 4: `adopt` printed live names raw).

The class, not the case: a scan of the whole package fails on any print or write to the
terminal outside the output module, so a raw print of untrusted text can't be written by
accident; a hypothesis property holds the output functions to their promise; and a corpus of
hostile text from every origin (live rows, mapping files, billing-config.toml, the command
line) runs through the commands end to end, on every database where a database is involved.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from billing_config.commands import output
from billing_config.errors import UserError
from tests.conftest import REPO
from tests.scenarios.vendor_schemas import seed_vendor_a, vendor_a_mapping, write_mapping
from tests.testing.databases import execute
from tests.testing.fixtures import Run
from tests.testing.hostile import HOSTILE, hostile_text

PACKAGE = REPO / "tools" / "billing_config"
OUTPUT = PACKAGE / "commands" / "output.py"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def assert_lines_safe(text: str) -> None:
    """What a terminal and a CI runner read from our output: no control character but the line
    breaks, no line that starts a workflow command, no legacy command anywhere."""
    for line in text.split("\n"):
        assert CONTROL.search(line) is None, repr(line)
        assert not line.lstrip().startswith("::"), line
        assert "##[" not in line, line


# --- nothing prints but the output module --------------------------------------------------


def terminal_writes(path: Path, root: Path = PACKAGE) -> list[str]:
    """Every print, input, or use of sys.stdout / sys.stderr (other than asking .isatty())."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(root)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("print", "input"):
            found.append(f"{where}: {node.func.id}()")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "sys" and node.attr in (
            "stdout", "stderr", "__stdout__", "__stderr__"
        ):
            parent = parents.get(node)
            if not (isinstance(parent, ast.Attribute) and parent.attr == "isatty"):
                found.append(f"{where}: sys.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module in ("sys", "builtins") and any(
            alias.name in ("stdout", "stderr", "print") for alias in node.names
        ):
            found.append(f"{where}: from {node.module} import ...")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and (node.value.id, node.attr) in (
            ("os", "write"), ("builtins", "print")
        ):
            found.append(f"{where}: {node.value.id}.{node.attr}")
    return found


def test_nothing_but_the_output_module_writes_to_the_terminal() -> None:
    offenders = [hit for path in sorted(PACKAGE.rglob("*.py")) if path != OUTPUT for hit in terminal_writes(path)]
    assert offenders == [], (
        "print through billing_config.commands.output (say for a line of ours, show for a renderer's Rendered "
        f"text): {offenders}"
    )


def test_the_scan_finds_a_raw_print(tmp_path: Path) -> None:
    """The guard itself: the shapes a raw print takes are all caught."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import sys\nfrom sys import stdout\nprint('x')\nsys.stdout.write('x')\nsys.stderr.flush()\n"
        "if sys.stdout.isatty():\n    pass\n",
        encoding="utf-8",
    )
    hits = terminal_writes(sample, tmp_path)
    assert len(hits) == 4, hits


def test_only_renderers_make_rendered_text() -> None:
    """show() prints a Rendered as it is; only render/ may promise that its pieces are escaped."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] == "render":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Name) and node.func.id == "Rendered")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "Rendered")
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


# --- the output functions ------------------------------------------------------------------


@settings(max_examples=300)
@given(hostile_text(), st.lists(hostile_text(), max_size=4))
def test_a_line_of_ours_stays_one_safe_line_whatever_it_holds(text: str, details: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        output.say(f"wrote {text}")
        output.error("billing-config: error: ", UserError(f"cannot use {text}", details=details))
    assert out.getvalue().count("\n") == 1 and out.getvalue().endswith("\n")
    assert err.getvalue().count("\n") == 1 + len(details)
    assert_lines_safe(out.getvalue() + err.getvalue())


@pytest.mark.parametrize("text", HOSTILE)
def test_the_corpus_through_every_output_function(capsys: pytest.CaptureFixture[str], text: str) -> None:
    output.say(text)
    output.say_each([text, text], err=True)
    output.error("x: ", UserError(text, details=[text]))
    captured = capsys.readouterr()
    assert captured.out.count("\n") == 1 and captured.err.count("\n") == 4
    assert_lines_safe(captured.out + captured.err)


# --- end to end, from every origin ---------------------------------------------------------


def hostile_names(backend: str, count: int) -> list[str]:
    """Distinct hostile names a 100-character column holds (PostgreSQL text has no NUL)."""
    names = [text for text in HOSTILE if len(text) <= 100 and text.strip() and not (backend == "postgresql" and "\x00" in text)]
    return [f"{name}{number}" for number, name in enumerate(names[:count])]


def test_live_names_never_reach_the_terminal_raw(
    db_url: str, tmp_path: Path, cli: Callable[..., Run], engine_for: Callable[[str], sa.Engine]
) -> None:
    """Regression: adopt printed live names raw (ANSI sequences, CR/LF, ::warning at a line's
    start). Every command that reads live rows is run over rows named from the corpus."""
    engine = engine_for(db_url)
    seed_vendor_a(engine)
    names = hostile_names(engine.dialect.name, 6)
    for key, name in zip((1, 2, 3, 4), names):
        execute(engine, "UPDATE cust_status SET status_name = :name WHERE status_id = :key", {"name": name, "key": key})
    execute(engine, "UPDATE dept SET dept_name = :name WHERE dept_id = 2", {"name": names[4]})
    mapping = write_mapping(tmp_path, vendor_a_mapping())
    config = tmp_path / "repo" / "config"
    target = ["--database", db_url, "--mapping", str(mapping), "--config-dir", str(config)]
    assert cli("doctor", *target).code in (0, 1)
    runs = [
        cli("adopt", *target),  # no terminal to confirm at: shows the proposal, then refuses
        cli("adopt", "--propose", str(tmp_path / "proposal.toml"), *target),
        cli("adopt", "--yes", *target),
        cli("plan", *target),
        cli("plan", "--format", "json", *target),
        cli("export", *target),
        cli("drift", *target),
    ]
    for result in runs:
        assert "internal error" not in result.err, result.err
        assert_lines_safe(result.out + result.err)
    proposal = runs[0]
    assert proposal.code == 1 and "row 1 (" in proposal.out, proposal.text
    # The live rows whose names no valid file may hold got no file, and said why.
    adopted = runs[2]
    assert "its live values can't be written to a file that validates" in adopted.err, adopted.text
    assert cli("validate", "--config-dir", str(config)).code == 0


@pytest.mark.parametrize("text", [t for t in HOSTILE if "\x00" not in t])
def test_keys_of_a_mapping_and_of_billing_config_toml_never_reach_the_terminal_raw(
    tmp_path: Path, sqlite_url: str, config_tree: Path, cli: Callable[..., Run], text: str
) -> None:
    """Regression: a mapping or toml key holding a line break reached messages raw; in the
    pull-request comment a line of backticks closed its fence."""
    assert cli("db", "init", "--database", sqlite_url, "--config-dir", str(config_tree)).code == 0
    key = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    key = "".join(c if ord(c) >= 32 and c != "\x7f" else f"\\u{ord(c):04x}" for c in key)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(f'[kinds."{key}"]\ntable = "x"\n[kinds.statuses.fields]\n"{key}" = "y"\n', encoding="utf-8")
    toml = config_tree.parent / "billing-config.toml"
    toml.write_text(
        f'[targets."{key}"]\nurl_env = "{key}"\n[[allow]]\nkind = "groups"\nrule = "{key}"\nlimit = 1\nchanges = "sha256:00"\n'
        f'"{key}" = 1\n',
        encoding="utf-8",
    )
    runs = [
        cli("doctor", "--database", sqlite_url, "--mapping", str(mapping), "--config-dir", str(config_tree)),
        cli("plan", "--database", sqlite_url, "--mapping", str(mapping), "--config-dir", str(config_tree)),
        cli("plan", "--database", sqlite_url, "--config-dir", str(config_tree)),
        cli("plan", "--target", text, "--config-dir", str(config_tree)),
        cli("drift", "--target", text, "--config-dir", str(config_tree)),
        cli("new", "status", text, "--config-dir", str(config_tree)),
        cli("graph", "--highlight", text, "--config-dir", str(config_tree)),
    ]
    for result in runs[:5]:
        assert result.code == 1, result.text
        # Every line is the error's own or one of its indented details: no key starts a line.
        for line in result.err.splitlines():
            assert line.startswith(("billing-config: error: ", "  ")), result.err
    for result in runs:
        assert "internal error" not in result.err, result.err
        assert_lines_safe(result.out + result.err)


def test_argparse_messages_quote_the_command_line_escaped(cli: Callable[..., Run]) -> None:
    """argparse's own errors quote arguments ("unrecognized arguments: ..."): a sink like any other."""
    for argv in (["validate", *HOSTILE[:12]], ["plan", "--max-deletes", HOSTILE[0]], ["new", HOSTILE[9], "x"]):
        result = cli(*argv)
        assert result.code == 2
        assert_lines_safe(result.out + result.err)
        assert all(line.startswith(("usage:", " ", "billing-config")) for line in result.err.splitlines()), result.err
