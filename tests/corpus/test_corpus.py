"""The corpus of broken configurations: one folder per case under cases/, named after what is broken.

Each case holds a ``case`` file and, usually, a ``config/`` folder laid over a copy of the
sample config (files there replace or join the sample's). Adding a case needs no code.

The ``case`` file, one instruction a line (``#`` starts a comment):

    expect statuses/active.yaml:16:14 schema-type   every finding, as PATH:LINE[:COLUMN] RULE;
                                                    the column is compared only when given
    write statuses/x.yaml b"name: A\\x00"          bytes that a text file in git cannot hold
    fill statuses/x.yaml 300000                    'name: ' followed by that many x's
    symlink statuses/live.yaml -> active.yaml      a symbolic link (target relative to the link)
    fifo statuses/pipe.yaml                        a named pipe
    remove statuses/ceased.yaml                    delete a file of the sample
    strict                                         the case holds only warnings: it passes
                                                   validate and fails validate --strict
"""

from __future__ import annotations

import ast
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from billing_config.cli import main
from billing_config.rules.tree import validate_tree
from tests.conftest import CONFIG

CASES = Path(__file__).resolve().parent / "cases"


@dataclass
class Expected:
    path: str
    line: int
    column: int | None
    rule: str

    def matches(self, found: tuple[str, int, int, str]) -> bool:
        path, line, column, rule = found
        return (path, line, rule) == (self.path, self.line, self.rule) and self.column in (None, column)


@dataclass
class Case:
    name: str
    folder: Path
    expected: list[Expected] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)
    strict: bool = False


def load_case(folder: Path) -> Case:
    case = Case(folder.name, folder)
    for number, raw in enumerate((folder / "case").read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        verb, _, rest = line.partition(" ")
        if verb == "expect":
            where, rule = rest.split()
            path, line_no, *column = where.split(":")
            case.expected.append(Expected(path, int(line_no), int(column[0]) if column else None, rule))
        elif verb in {"write", "fill", "symlink", "fifo", "remove"}:
            case.steps.append((verb, rest))
        elif verb == "strict":
            case.strict = True
        else:
            raise ValueError(f"{folder.name}/case:{number}: unknown instruction {verb!r}")
    if not case.expected:
        raise ValueError(f"{folder.name}/case: a case must expect at least one finding")
    return case


def build(case: Case, target: Path) -> None:
    shutil.copytree(CONFIG, target)
    overlay = case.folder / "config"
    if overlay.is_dir():
        shutil.copytree(overlay, target, dirs_exist_ok=True)
    for verb, rest in case.steps:
        if verb == "write":
            relative, literal = rest.split(" ", 1)
            (target / relative).write_bytes(ast.literal_eval(literal))
        elif verb == "fill":
            relative, size = rest.split()
            (target / relative).write_text("name: " + "x" * int(size) + "\n")
        elif verb == "symlink":
            link, _, destination = rest.partition(" -> ")
            os.symlink(destination.strip(), target / link.strip())
        elif verb == "fifo":
            os.mkfifo(target / rest)
        elif verb == "remove":
            (target / rest).unlink()


ALL_CASES = sorted(path for path in CASES.iterdir() if (path / "case").is_file())


def test_the_corpus_is_big_enough() -> None:
    assert len(ALL_CASES) >= 30


@pytest.mark.parametrize("folder", ALL_CASES, ids=[path.name for path in ALL_CASES])
def test_case(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = load_case(folder)
    config = tmp_path / "config"
    build(case, config)
    findings = validate_tree(config).findings
    found = [(Path(f.path).relative_to(config).as_posix(), f.line, f.column, f.rule) for f in findings]
    unexpected = [f for f in found if not any(e.matches(f) for e in case.expected)]
    missing = [e for e in case.expected if not any(e.matches(f) for f in found)]
    assert len(found) == len(case.expected) and not unexpected and not missing, (
        f"\nfound:      {found}\nunexpected: {unexpected}\nmissing:    {missing}\n"
        + "\n".join(f"  {f.path}:{f.line}:{f.column} {f.rule} {f.message}" for f in findings)
    )
    for finding in findings:
        assert finding.message and len(finding.message) < 400
    # The command line agrees: errors fail; warnings fail only with --strict.
    argv = ["validate", "--config-dir", str(config)]
    assert main(argv) == (0 if case.strict else 1)
    if case.strict:
        assert main([*argv, "--strict"]) == 1
    assert "Traceback" not in capsys.readouterr().err
