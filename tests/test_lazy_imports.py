"""validate runs as a pre-commit hook on every commit: it must not pay for the sync engine.

It imports the stages it runs (findings, loader, rules, render, and below them kinds and
errors), the parser of its own command and the command line, and nothing else of the
package: the parser of another command, the database, plans or file writers all cost start-up
time it does not need. benchmarks/startup_bench.py measures what that time is.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import CONFIG, REPO
from tests.test_layers import stage_of

# The stages validate runs, and what it needs around them.
ALLOWED_STAGES = {"__init__", "kinds", "findings", "errors", "loader", "rules", "render", "cli"}
# output: the one module that writes to the terminal (render.escape behind it), which every command uses.
ALLOWED_COMMAND_MODULES = {
    "billing_config.commands", "billing_config.commands.validate", "billing_config.commands.options", "billing_config.commands.output",
}


def _modules_loaded_by(argv: list[str]) -> tuple[list[str], int]:
    """The modules loaded, in a fresh interpreter, by main(argv); and main's exit code."""
    code = (
        "import json, sys; from billing_config.cli import main; "
        f"rc = main({argv!r}); "
        "print(json.dumps(sorted(sys.modules))); sys.exit(rc)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode in (0, 1), result.stderr
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded, result.returncode


def test_validate_imports_only_the_stages_it_runs() -> None:
    loaded, code = _modules_loaded_by(["validate", "--config-dir", str(CONFIG)])
    assert code == 0
    ours = [name for name in loaded if name.split(".")[0] == "billing_config"]
    outside = [
        name for name in ours
        if not (stage_of(name) in ALLOWED_STAGES or name in ALLOWED_COMMAND_MODULES)
    ]
    assert not outside, f"validate imports modules of stages it does not run: {outside}"
    assert "billing_config.rules.tree" in ours  # the check sees what validate loads


def test_validate_does_not_import_sqlalchemy_or_drivers() -> None:
    loaded, _ = _modules_loaded_by(["validate", "--config-dir", str(CONFIG)])
    heavy = sorted(name for name in loaded if name.split(".")[0] in {"sqlalchemy", "psycopg", "pymysql"})
    assert heavy == []


def test_a_clean_tree_of_simple_files_needs_no_costly_library() -> None:
    """Files of 'key: value' lines (all of the sample config) are read by the loader's fast
    path, valid entries are answered by the compiled schema check, git is asked only about a
    clash, and the value classes validate builds are named tuples or plain classes: importing
    PyYAML, a JSON Schema library, subprocess or dataclasses (with inspect) would each cost
    more than reading the sample tree."""
    loaded, _ = _modules_loaded_by(["validate", "--config-dir", str(CONFIG)])
    needless = {"yaml", "_yaml", "jsonschema", "jsonschema_rs", "subprocess", "dataclasses", "inspect"}
    assert [name for name in loaded if name.split(".")[0] in needless] == []
