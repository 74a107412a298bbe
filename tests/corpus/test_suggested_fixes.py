"""Every line a finding tells the admin to write is one validate then accepts.

A message ending in "write `next_status: payment-plan`" is followed to the letter; advice that
the rules then reject (a status leading to itself, a loop) is worse than no advice. For each
case of the corpus, each finding that offers a line is applied on its own (the line replaced by
the one offered) and the tree validated again: that line must be free of errors, and no error
may appear that was not there before.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from billing_config.rules.tree import validate_tree
from tests.corpus.test_corpus import ALL_CASES, _base, build, load_case

# The line offered: "write `x: y`", "remove the quotes: `x: y`", "put the text in quotes: `x: y`".
# "such as `x: y`" and "add a line such as" are examples of a shape, not the value to write.
_OFFERED = re.compile(r"(?:write|remove the quotes:|put the text in quotes:|put it in quotes to make it text:) `([a-z_]+: [^`\n]*)`")


def offered_lines(message: str) -> list[str]:
    return _OFFERED.findall(message)


def _errors(config: Path, base: str | None) -> set[tuple[str, int, str]]:
    return {
        (Path(f.path).as_posix(), f.line, f.rule)
        for f in validate_tree(Path("config"), base=base).findings
        if f.severity.value == "error"
    }


def test_the_pattern_reads_the_advice_the_corpus_gives() -> None:
    assert offered_lines("next_status is 'ex-custmer', ...; write `next_status: ex-customer`") == ["next_status: ex-customer"]
    assert offered_lines("... remove the quotes: `display_position: 40`") == ["display_position: 40"]
    assert offered_lines("... such as `name: Sales`") == []


CASES_WITH_ADVICE = [
    folder for folder in ALL_CASES if any(offered_lines(said) for said in load_case(folder).says)
    or (folder / "config").is_dir() or load_case(folder).steps
]


@pytest.mark.parametrize("folder", CASES_WITH_ADVICE, ids=[path.name for path in CASES_WITH_ADVICE])
def test_each_offered_line_validates(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = load_case(folder)
    pristine = tmp_path / "case" / "config"
    build(case, pristine)
    monkeypatch.chdir(pristine.parent)
    base = _base(case.args)
    findings = validate_tree(Path("config"), base=base).findings
    before = _errors(pristine, base)
    followed = 0
    for index, found in enumerate(findings):
        for offered in offered_lines(found.message)[:1]:  # "write `a` or `b`": the first will do
            # Each piece of advice on a fresh copy of the broken tree, git history and all.
            trial = tmp_path / f"trial-{index}"
            shutil.copytree(pristine.parent, trial, symlinks=True)
            path = trial / found.path
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            lines[found.line - 1] = offered + "\n"
            path.write_text("".join(lines), encoding="utf-8")
            monkeypatch.chdir(trial)
            after = _errors(trial / "config", base)
            monkeypatch.chdir(pristine.parent)
            at_line = sorted(e for e in after if e[:2] == (Path(found.path).as_posix(), found.line))
            assert not at_line, f"{found.path}:{found.line} after writing {offered!r} as {found.rule} advised: {at_line}"
            new = sorted(after - before)
            assert not new, f"writing {offered!r} as {found.rule} advised brings new errors: {new}"
            followed += 1
    if any(offered_lines(said) for said in case.says):
        assert followed, "the case's advice was not found in what validate says"
