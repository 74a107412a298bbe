"""The loader's fast path for simple files must read exactly what the full event loop reads.

Most entry files are 'key: value' lines; yaml_reader reads those with one regex a line and
sends everything else to libyaml's events. These tests generate line-based text full of
YAML's traps and check that whenever the fast path accepts a file, libyaml reads the same
values at the same positions, without a single finding.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from billing_config.findings import Finding
from billing_config.loader import yaml_reader
from tests.conftest import CONFIG

TRAPS = list(" '\"#:-.~?[]{},&*!|>%@`\t\r\x85\u2028\u2029\xa0\ufeff\x7f\x01") + list("aeExyzAN019+_/()é😀")
WORDS = [
    "yes", "no", "NO", "on", "off", "y", "n", "true", "False", "TRUE", "null", "Null", "~", "", "0", "010", "-1",
    "+5", "1.5", ".5", "1e3", "1_000", "0x1F", "0o17", "1:20", ".inf", "-.inf", ".nan", "...", "---", "- x", "-x",
    "a #b", "a#b", "a: b", "a:b", "'q'", "'it''s'", "\"d\"", "2024-01-01", "[a]", "{a: 1}", "*x", "&x", "!x",
    "|", ">", "%x", "@x", "`x", "?x", "? x", "x ", " x", "Active Customer", "O'Brien",
]
KEYS = st.one_of(
    st.sampled_from(["name", "short_name", "a", "_x", "true", "null", "k1", "A_b", "1", "<<", "-k", "k k"]),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True),
)
VALUES = st.one_of(
    st.sampled_from(WORDS),
    st.text(st.sampled_from(TRAPS), max_size=12),
    st.text(st.sampled_from(TRAPS), max_size=12).map(lambda t: "'" + t + "'"),
)
SEPARATORS = st.sampled_from([": ", ": ", ": ", ":", ":  ", ":\t", " : "])
# Lines the fast path should mostly accept, so the comparison is not vacuous.
PLAIN_ALPHABET = st.sampled_from(list("aeExyzAN019+_/()é😀 -.'\"~,[]{}&*!|>%@`?"))
LIKELY_SIMPLE = st.tuples(
    st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True),
    st.just(": "),
    st.one_of(
        st.sampled_from(WORDS),
        st.text(PLAIN_ALPHABET, min_size=1, max_size=12),
        st.text(PLAIN_ALPHABET, max_size=12).map(lambda t: "'" + t.replace("'", "''") + "'"),
    ),
).map("".join)
LINES = st.one_of(
    LIKELY_SIMPLE,
    LIKELY_SIMPLE,
    LIKELY_SIMPLE,
    st.tuples(KEYS, SEPARATORS, VALUES).map("".join),
    st.tuples(KEYS, SEPARATORS, VALUES).map("".join),
    st.sampled_from(["", "# a comment", "#", "  # indented comment", "---", "...", "- item", "  continued", "%YAML 1.2"]),
)


def _both(text: str) -> tuple[object, object, list[Finding]]:
    simple = yaml_reader._read_simple(text, "statuses", "x", "x.yaml")
    findings: list[Finding] = []
    try:
        full: object = yaml_reader._build(text, "x.yaml", "statuses", "x", findings)
    except Exception as error:  # noqa: BLE001 - the comparison below reports it
        full = error
    return simple, full, findings


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, min_size=1, max_size=8), st.booleans())
@example(["name: O'Brien", "short_name: ''"], True)
@example(["name: a", "name: b"], True)
@example(["key: ...", "other: -.inf"], False)
def test_whenever_the_fast_path_accepts_a_file_libyaml_reads_the_same(lines: list[str], final_newline: bool) -> None:
    _assert_agree("\n".join(lines) + ("\n" if final_newline else ""))


def _assert_agree(text: str) -> None:
    simple, full, findings = _both(text)
    if simple is None:
        return
    assert not isinstance(full, Exception), (text, full)
    assert findings == [], (text, findings)
    assert repr(simple.data) == repr(full.data), text  # type: ignore[attr-defined]
    assert simple.spans == full.spans, text  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", sorted(CONFIG.rglob("*.yaml")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_sample_file_takes_the_fast_path_and_agrees(path: Path) -> None:
    text = path.read_text()
    simple, full, findings = _both(text)
    assert simple is not None, "the canonical style is simple enough for the fast path"
    assert findings == []
    assert simple.data == full.data and simple.spans == full.spans  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text",
    [
        "name: a\nname: b\n",  # duplicates are reported by the event loop
        "name: a\tb\n",
        "name: a\r\n",
        "name: 'multi\n  line'\n",
        "name:\n  nested: x\n",
        "name:\n- a\n",
        "---\nname: a\n",
        "# only a comment\n",
        "name: a:b\n",
        "name: - x\n",
        "name: \xa0x\n",
    ],
)
def test_anything_beyond_simple_lines_goes_to_the_event_loop(text: str) -> None:
    assert yaml_reader._read_simple(text, "statuses", "x", "x.yaml") is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(LIKELY_SIMPLE, st.sampled_from(["", "# comment: with 'quotes' #"])), min_size=1, max_size=10))
def test_files_of_likely_simple_lines_agree_too(lines: list[str]) -> None:
    _assert_agree("\n".join(lines) + "\n")
