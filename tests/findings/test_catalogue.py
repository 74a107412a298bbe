"""The rule catalogue: stable ids, one severity each, and every rule exercised by some test."""

from __future__ import annotations

import re
from pathlib import Path

from billing_config.findings import MAX_MESSAGE, finding
from billing_config.findings import declare
from billing_config.findings.catalogue import STAGES
from billing_config.render.rule_catalogue import declaring_modules, full_catalogue

CATALOGUE = full_catalogue()
from billing_config.findings import Severity

TESTS = Path(__file__).resolve().parents[1]


def _test_texts() -> str:
    own = Path(__file__).resolve()
    parts = [p.read_text() for p in TESTS.rglob("*.py") if p.resolve() != own]
    parts += [p.read_text() for p in (TESTS / "corpus" / "cases").rglob("case")]
    return "\n".join(parts)


def test_every_rule_in_the_catalogue_is_exercised_by_a_test() -> None:
    texts = _test_texts()
    # The refusals of plan and apply (stage sync) are tested by their behaviour in tests/plan and
    # tests/apply; the catalogue only gives them ids to explain.
    untested = [
        rule.id for rule in CATALOGUE.values()
        if rule.stage != "sync" and not re.search(rf"(?<![\w-]){re.escape(rule.id)}(?![\w-])", texts)
    ]
    assert untested == []


def test_every_corpus_expectation_names_a_catalogued_rule() -> None:
    for case in (TESTS / "corpus" / "cases").rglob("case"):
        for line in case.read_text().splitlines():
            if line.startswith("expect "):
                assert line.split()[-1] in CATALOGUE, f"{case}: {line}"


def test_rule_ids_are_lower_case_words_joined_by_hyphens() -> None:
    for rule in CATALOGUE.values():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.id), rule.id
        assert rule.summary.endswith(".")
        assert rule.stage in STAGES


def test_every_rule_has_a_reason_an_example_mistake_and_its_fix() -> None:
    for rule in CATALOGUE.values():
        assert rule.reason.endswith(".") and len(rule.reason) > 40, rule.id
        assert rule.mistake and rule.fix and rule.mistake != rule.fix, rule.id


def test_the_catalogue_finds_every_module_that_declares_a_rule() -> None:
    """A rule declared in a module docs never imports would be missing from docs and explain."""
    package = Path(__file__).resolve().parents[2] / "tools" / "billing_config"
    declaring = {
        ".".join(path.relative_to(package.parent).with_suffix("").parts)
        for path in package.rglob("*.py")
        if "\ndeclare(" in path.read_text() or " = declare(" in path.read_text()
    }
    assert declaring <= set(declaring_modules())


def test_a_rule_declared_twice_with_different_texts_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="declared twice"):
        declare("duplicate-name", Severity.WARNING, "uniqueness", "x", reason="r", mistake="m", fix="f")


def test_finding_refuses_an_undeclared_rule() -> None:
    import pytest

    with pytest.raises(LookupError, match="not declared"):
        finding("no-such-rule", "p", 1, 1, "m")


def test_a_finding_takes_its_severity_from_the_catalogue() -> None:
    assert finding("duplicate-display-position", "p", 1, 1, "m").severity is Severity.WARNING
    assert finding("duplicate-name", "p", 1, 1, "m").severity is Severity.ERROR


def test_no_message_can_exceed_the_cap() -> None:
    long = finding("schema", "p", 1, 1, "x" * 100_000)
    assert len(long.message) == MAX_MESSAGE and long.message.endswith("…")
