"""billing-config explain RULE-ID: the lesson behind a rule, as `ruff rule` gives it."""

from __future__ import annotations

import pytest

from billing_config.cli import main
from billing_config.render.reference import reference_markdown
from billing_config.render.rule_catalogue import full_catalogue


def test_explain_prints_the_reason_the_mistake_and_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "schema-type"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("schema-type (error, schema)\n\nA value of the wrong type.\n\n")
    assert "The mistake:\n    is_billable: 'true'\n" in out
    assert "The fix:\n    is_billable: true\n" in out


def test_explain_knows_the_refusals_of_plan_and_apply(capsys: pytest.CaptureFixture[str]) -> None:
    for rule in ("in-use", "max-update-percent", "max-delete-percent", "max-deletes", "stale-plan", "apply-locked"):
        assert main(["explain", rule]) == 0
        assert capsys.readouterr().out.startswith(f"{rule} (error, sync)")


def test_an_unknown_rule_exits_1_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "duplicate-nme"]) == 1
    err = capsys.readouterr().err
    assert "there is no rule 'duplicate-nme' (did you mean 'duplicate-name'?)" in err
    assert "Traceback" not in err


def test_docs_lists_the_same_lesson_for_every_rule() -> None:
    text = reference_markdown()
    for rule in full_catalogue().values():
        assert f"### {rule.id}\n" in text and rule.reason in text and rule.fix in text
