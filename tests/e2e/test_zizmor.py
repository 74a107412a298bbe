"""zizmor, the GitHub Actions security linter, finds nothing at medium severity or above.

zizmor runs offline (no GitHub API: the online audits need a token and the network) with its
default persona. `run_zizmor(path)` takes a workflow file, a `.github/workflows` folder or a
repository root, so workflows that other code writes (the scaffolding of a config repository)
can be checked the same way: add their folder to `WORKFLOW_DIRECTORIES`, or call it from that
test.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.external import missing

# .ci/run installs exactly this release; another one may audit differently.
ZIZMOR_SERIES = "1.32."
WORKFLOW_DIRECTORIES = [REPO / ".github" / "workflows"]


@dataclass(frozen=True)
class Finding:
    audit: str
    severity: str
    confidence: str
    where: str
    annotation: str

    def __str__(self) -> str:
        return f"{self.where}: {self.severity.lower()} {self.audit}: {self.annotation}"


def zizmor() -> str:
    """The zizmor executable of the pinned series, or a skip (a failure when tools are required)."""
    executable = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    if executable is None:
        missing("zizmor is not installed")
    assert executable is not None
    version = subprocess.run([executable, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    if not version.startswith(f"zizmor {ZIZMOR_SERIES}"):
        missing(f"found {version or executable}, but these tests pin zizmor {ZIZMOR_SERIES}x")
    return executable


def run_zizmor(path: Path, min_severity: str = "medium") -> tuple[list[Finding], list[str]]:
    """zizmor's findings at ``min_severity`` or above in ``path``, and the files it audited.

    Raises when zizmor fails or audits nothing (a path it does not recognise as workflows), so
    an empty list of findings always means files were audited and passed.
    """
    completed = subprocess.run(
        [zizmor(), "--offline", "--no-progress", "--color", "never", "--format", "json", "--min-severity", min_severity, str(path)],
        capture_output=True, text=True, check=False,
    )
    # 0: no findings; 10 and up: findings (10 + the highest severity); anything else: an error.
    if completed.returncode not in (0, *range(10, 20)):
        raise AssertionError(f"zizmor failed on {path} (exit {completed.returncode}):\n{completed.stderr}")
    audited = re.findall(r"completed (\S+)", completed.stderr)
    if not audited:
        raise AssertionError(f"zizmor audited nothing in {path}:\n{completed.stderr}")
    findings = []
    for raw in json.loads(completed.stdout or "[]"):
        primary = next((loc for loc in raw["locations"] if loc["symbolic"]["kind"] == "Primary"), raw["locations"][0])
        key = primary["symbolic"]["key"]
        file = key.get("Local", {}).get("given_path") or key.get("Local", {}).get("verbatim_path") or str(key)
        row = primary["concrete"]["location"]["start_point"]["row"] + 1
        findings.append(Finding(
            audit=raw["ident"], severity=raw["determinations"]["severity"], confidence=raw["determinations"]["confidence"],
            where=f"{file}:{row}", annotation=primary["symbolic"]["annotation"],
        ))
    return findings, audited


@pytest.mark.parametrize("directory", WORKFLOW_DIRECTORIES, ids=lambda p: str(p.relative_to(REPO)))
def test_zizmor_finds_nothing_at_medium_severity_or_above(directory: Path) -> None:
    findings, audited = run_zizmor(directory)
    assert findings == [], "zizmor --offline:\n" + "\n".join(map(str, findings))
    assert {Path(name).name for name in audited} == {path.name for path in directory.glob("*.y*ml")}


def test_zizmor_does_flag_the_mistakes_these_workflows_avoid(tmp_path: Path) -> None:
    # A check that cannot fail checks nothing: the same call on a workflow with the classic
    # mistakes must report them.
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(
        "on: pull_request\n"
        "permissions:\n"
        "  contents: read\n"
        "  pull-requests: write\n"
        "jobs:\n"
        "  plan:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n'
        "  comment:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo comment\n"
    )
    findings, audited = run_zizmor(workflows)
    assert [Path(name).name for name in audited] == ["bad.yml"]
    assert {"unpinned-uses", "template-injection", "excessive-permissions", "artipacked"} <= {f.audit for f in findings}
