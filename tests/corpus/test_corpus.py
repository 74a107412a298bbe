"""The corpus of broken configurations: one folder per case under cases/, named after what is broken.

Each case holds a ``case`` file and, usually, a ``config/`` folder laid over a copy of the
sample config (files there replace or join the sample's). Adding a case needs no code.

The ``case`` file, one instruction a line (``#`` starts a comment):

    says config/statuses/active.yaml:16:14: error schema-type is_billable ...
                                                    a line exactly as validate prints it; the
                                                    case's says lines are the whole output
    expect statuses/active.yaml:16:14 schema-type   or only where and which rule, as
                                                    PATH:LINE[:COLUMN] RULE (for cases whose
                                                    wording is not the point)
    git                                            the sample is committed in a git repository
                                                   first, so what follows is this change
    git add                                        stage the change (git sees renames)
    git commit                                     commit the change (then validate --base)
    args --base HEAD~1                             more arguments for validate
    move statuses/a.yaml statuses/b.yaml           rename or move a file of the sample
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
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from billing_config.cli import main
from billing_config.rules.tree import validate_tree
from tests.conftest import CONFIG
from tests.testing.git import git, init_repository

CASES = Path(__file__).resolve().parent / "cases"
SAID = re.compile(r"config/(.+):(\d+):(\d+): (?:error|warning) (\S+) ")


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
    says: list[str] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)
    strict: bool = False
    git: bool = False
    args: list[str] = field(default_factory=list)


def load_case(folder: Path, require: bool = True) -> Case:
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
        elif verb == "says":
            said = raw.split("says ", 1)[1]
            parsed = SAID.match(said)
            if parsed is None:
                raise ValueError(f"{folder.name}/case:{number}: not a line validate prints: {said!r}")
            path, line_no, column, rule = parsed.groups()
            case.says.append(said)
            case.expected.append(Expected(path, int(line_no), int(column), rule))
        elif verb in {"write", "fill", "symlink", "fifo", "remove", "move"}:
            case.steps.append((verb, rest))
        elif verb == "git":
            if rest:
                case.steps.append((f"git {rest}", ""))
            else:
                case.git = True
        elif verb == "args":
            case.args.extend(rest.split())
        elif verb == "strict":
            case.strict = True
        else:
            raise ValueError(f"{folder.name}/case:{number}: unknown instruction {verb!r}")
    if require and not case.expected:
        raise ValueError(f"{folder.name}/case: a case must expect at least one finding")
    return case


def build(case: Case, target: Path) -> None:
    shutil.copytree(CONFIG, target)
    if case.git:
        init_repository(target.parent)
        git(target.parent, "add", "-A")
        git(target.parent, "commit", "-q", "-m", "the sample config")
    overlay = case.folder / "config"
    if overlay.is_dir():
        # shutil.copy, not copy2: a case file keeping its checkout mtime, with the same size as
        # the sample file it replaces, looks unchanged to git's stat check in a fresh clone.
        shutil.copytree(overlay, target, dirs_exist_ok=True, copy_function=shutil.copy)
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
        elif verb == "move":
            source, destination = rest.split()
            (target / destination).parent.mkdir(parents=True, exist_ok=True)
            (target / source).rename(target / destination)
        elif verb == "git add":
            git(target.parent, "add", "-A")
        elif verb == "git commit":
            git(target.parent, "add", "-A")
            git(target.parent, "commit", "-q", "-m", "the change")


ALL_CASES = sorted(path for path in CASES.iterdir() if (path / "case").is_file())


def test_the_corpus_is_big_enough() -> None:
    assert len(ALL_CASES) >= 30
    worded = [folder for folder in ALL_CASES if load_case(folder).says]
    assert len(worded) >= 40, "cases asserting the exact text an admin reads"


@pytest.mark.parametrize("folder", ALL_CASES, ids=[path.name for path in ALL_CASES])
def test_case(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    case = load_case(folder)
    config = tmp_path / "config"
    build(case, config)
    monkeypatch.chdir(tmp_path)
    findings = validate_tree(Path("config"), base=_base(case.args)).findings
    found = [(Path(f.path).relative_to("config").as_posix(), f.line, f.column, f.rule) for f in findings]
    unexpected = [f for f in found if not any(e.matches(f) for e in case.expected)]
    missing = [e for e in case.expected if not any(e.matches(f) for f in found)]
    assert len(found) == len(case.expected) and not unexpected and not missing, (
        f"\nfound:      {found}\nunexpected: {unexpected}\nmissing:    {missing}\n"
        + "\n".join(f"  {f.path}:{f.line}:{f.column} {f.rule} {f.message}" for f in findings)
    )
    for finding in findings:
        assert finding.message and len(finding.message) < 400
    # The command line agrees: errors fail; warnings fail only with --strict. What it prints is
    # exactly what the case says, line for line.
    argv = ["validate", "--config-dir", "config", *case.args]
    capsys.readouterr()
    assert main(argv) == (0 if case.strict else 1)
    printed = capsys.readouterr()
    if case.says:
        assert printed.out.splitlines() == case.says, "\n" + printed.out
    if case.strict:
        assert main([*argv, "--strict"]) == 1
    assert "Traceback" not in printed.err + capsys.readouterr().err


def _base(args: list[str]) -> str | None:
    return args[args.index("--base") + 1] if "--base" in args else None
