"""The rule catalogue: stable ids, one severity each, and every rule exercised by some test."""

from __future__ import annotations

import re
from pathlib import Path

from billing_config.findings import CATALOGUE, MAX_MESSAGE, finding
from billing_config.findings import Severity

TESTS = Path(__file__).resolve().parents[1]


def _test_texts() -> str:
    own = Path(__file__).resolve()
    parts = [p.read_text() for p in TESTS.rglob("*.py") if p.resolve() != own]
    parts += [p.read_text() for p in (TESTS / "corpus" / "cases").rglob("case")]
    return "\n".join(parts)


def test_every_rule_in_the_catalogue_is_exercised_by_a_test() -> None:
    texts = _test_texts()
    untested = [
        rule for rule in CATALOGUE
        if not re.search(rf"(?<![\w-]){re.escape(rule)}(?![\w-])", texts)
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
        assert rule.stage in {"layout", "yaml", "schema", "references", "uniqueness", "format", "chain", "lint", "doctor"}


def test_a_finding_takes_its_severity_from_the_catalogue() -> None:
    assert finding("duplicate-display-position", "p", 1, 1, "m").severity is Severity.WARNING
    assert finding("duplicate-name", "p", 1, 1, "m").severity is Severity.ERROR


def test_no_message_can_exceed_the_cap() -> None:
    long = finding("schema", "p", 1, 1, "x" * 100_000)
    assert len(long.message) == MAX_MESSAGE and long.message.endswith("…")
