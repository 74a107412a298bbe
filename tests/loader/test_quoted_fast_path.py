"""Hand-written entry files (quotes, comments, blank lines) take the fast path and mean the same.

People write YAML with quoted values, comments and blank lines. yaml_reader reads such files
with its fast path when it safely can and leaves the rest to libyaml's event loop. These
tests generate hand-written files full of the traps they hold (quotes inside quotes, '' and
backslash escapes, '#' and ': ' inside quotes, odd spacing, unclosed quotes) and check that
reading with the fast path gives exactly what the event loop alone gives: the same values
at the same positions, or the same findings. A second property checks that the common
hand-written files do take the fast path, which is what it is for.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from billing_config.findings import Finding
from billing_config.loader import yaml_reader
from billing_config.rules import validate_tree

FIELDS = [
    "name", "short_name", "availability", "display_position", "is_active", "next_status", "override_invoice_message",
]
IDENTIFIERS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)
KEYS = st.one_of(st.sampled_from(FIELDS), IDENTIFIERS, IDENTIFIERS)
# Text a person might put between quotes, with what quoting must get right.
TRAPS = list(" '\"\\#:-,.~?[]{}&*!|>%@`/") + ["''", "\\\\", "\\\"", ": ", " #"] + list("aZx09é😀")
TEXT = st.lists(st.sampled_from(TRAPS), max_size=10).map("".join)
# Escapes of double-quoted YAML, valid and not: the fast path leaves all of them to libyaml.
ESCAPES = ["\\n", "\\t", "\\\\", "\\\"", "\\/", "\\x41", "\\u00e9", "\\U0001F600", "\\ ", "\\N", "\\q", "\\x4"]
WORDS = [
    "Active", "Debt Recovery", "O'Brien", "status-00011", "true", "False", "null", "~", "yes", "NO", "0", "010",
    "-1", "+5", "1.5", "1e3", ".inf", "-.nan", "a #b", "a#b", "a: b", "a:b", "[a]", "{a: 1}", "- x", "*x", "!x",
]


def single_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def double_quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Values quoted as YAML wants, without backslashes, so that most lines holding them stay on
# the fast path, with the traps inside the quotes.
WELL_QUOTED = st.one_of(
    TEXT.map(single_quoted),
    TEXT.map(lambda t: '"' + t.replace("\\", "").replace('"', "") + '"'),
    st.sampled_from(WORDS).map(single_quoted),
    st.sampled_from(WORDS).map(lambda w: f'"{w}"'),
)
ANY_VALUE = st.one_of(
    st.sampled_from(WORDS),
    WELL_QUOTED,
    TEXT.map(double_quoted),
    st.lists(st.one_of(st.sampled_from(ESCAPES), TEXT.map(lambda t: t.replace("\\", "").replace('"', ""))), max_size=4)
    .map(lambda parts: '"' + "".join(parts) + '"'),
    # Quoting gone wrong: unclosed, text after the closing quote, a lone quote inside.
    st.sampled_from(["'unclosed", '"unclosed', "'a'b", '"a"b', "'it's'", "'a' 'b'", "''''", '"""', "'", '"']),
    st.just(""),
)
COMMENTS = st.sampled_from(["", "", "", " # note", "  # it's \"quoted\": #", "   #", " #: ' \""])
ODD_COMMENTS = st.sampled_from(["", "#tight", "\t# after a tab", " # note"])


def key_line(key: str, before: str, after: str, value: str, trailing: str, comment: str) -> str:
    return f"{key}{before}:{after}{value}{trailing}{comment}"


# Mostly lines in a style the fast path takes; some with odd spacing, stray quotes and what
# is not an entry line at all, which the event loop must read (or refuse) as before.
WELL_LINES = st.builds(
    key_line, KEYS, st.just(""), st.sampled_from([" ", " ", "  ", "   "]), st.one_of(*[WELL_QUOTED] * 5, ANY_VALUE),
    st.sampled_from(["", "", " ", "  "]), COMMENTS,
)
ODD_LINES = st.builds(
    key_line, KEYS, st.sampled_from(["", " "]), st.sampled_from(["", " ", "  "]), ANY_VALUE,
    st.sampled_from(["", " "]), st.one_of(COMMENTS, ODD_COMMENTS),
)
OTHER_LINES = st.sampled_from(["", "", "   ", "# a comment", "#", "  # indented: 'x' \"y\"", "# key: 'value'"])
NOT_ENTRY_LINES = st.sampled_from(["  continued", "  # then", "---", "...", "- item", "\tindented: tab", "name: a\r"])


@st.composite
def hand_written_files(draw: st.DrawFn) -> str:
    """Lines in a style the fast path takes, and in a third of the files one that is odd."""
    lines = draw(st.lists(st.one_of(WELL_LINES, WELL_LINES, OTHER_LINES), min_size=1, max_size=10))
    if draw(st.sampled_from([False, False, True])):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.one_of(ODD_LINES, NOT_ENTRY_LINES)))
    return "\n".join(lines) + draw(st.sampled_from(["\n", ""]))


def outcome(text: str, fast: bool) -> tuple[tuple[str, object] | None, list[Finding]]:
    """What reading the text gives: values (by repr, so 1, 1.0 and True differ) with their
    positions, or None; and the findings."""
    document, findings = yaml_reader._read_text(text, "statuses/x.yaml", "statuses", "x", fast=fast)
    values = None if document is None else (repr(document.data), document.spans)
    return values, findings


def assert_same_as_event_loop(text: str) -> None:
    took_fast_path = yaml_reader._read_simple(text, "statuses", "x", "statuses/x.yaml") is not None
    event("fast path" if took_fast_path else "event loop")
    assert outcome(text, fast=True) == outcome(text, fast=False), text


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hand_written_files())
@example("name: 'it''s'  # O'Brien's\nshort_name: \"a # b: c\"\n\n  # done\n")
@example("name: 'a'#tight\n")
@example('name: "tab\\tstop"\n')
@example("name:   # nothing yet\nis_active: 'true'")
@example("name: Debt\n  Recovery\n")  # a plain value may go on over indented lines
@example("name: 'Debt\n  Recovery'\n")
@example("# a comment\n  continued\nname: x\n")
def test_hand_written_files_read_the_same_on_both_paths(text: str) -> None:
    assert_same_as_event_loop(text)


# What people commonly write: every one of these files must take the fast path.
# Printable text: tabs, controls and unusual spaces (no-break, line separator ...) send a
# file to the event loop, which reads them as libyaml does.
COMMON_TEXT = st.text(
    st.characters(
        codec="utf-8", exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"), include_characters=" "
    ),
    max_size=12,
)
COMMON_VALUES = st.one_of(
    st.sampled_from([w for w in WORDS if w[0] not in "[{*!" and ":" not in w and "#" not in w and w != "- x"]),
    COMMON_TEXT.map(single_quoted),
    COMMON_TEXT.map(lambda t: '"' + t.replace("\\", "/").replace('"', "'") + '"'),
    st.just(""),
)
COMMON_COMMENTS = st.sampled_from(["", "", " # note", "  # it's \"quoted\": #", "   #"])
COMMON_FILLER = st.sampled_from(["", "  ", "# a comment", "#", "  # indented: 'x'", "# yaml-language-server: $schema=x"])


@st.composite
def common_files(draw: st.DrawFn) -> str:
    keys = draw(st.lists(KEYS, min_size=1, max_size=8, unique=True))
    lines = []
    for key in keys:
        lines += draw(st.lists(COMMON_FILLER, max_size=2))
        after = draw(st.sampled_from([" ", " ", "  ", "    "]))
        value = draw(COMMON_VALUES)
        trailing = draw(st.sampled_from(["", " "]))
        lines.append(f"{key}:{after if value else ''}{value}{trailing}{draw(COMMON_COMMENTS)}")
    lines += draw(st.lists(COMMON_FILLER, max_size=2))
    return "\n".join(lines) + draw(st.sampled_from(["\n", ""]))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(common_files())
def test_common_hand_written_files_take_the_fast_path(text: str) -> None:
    assert yaml_reader._read_simple(text, "statuses", "x", "statuses/x.yaml") is not None, text
    assert outcome(text, fast=True) == outcome(text, fast=False), text


HAND_WRITTEN = """\
# yaml-language-server: $schema=../../schemas/statuses.schema.json
# Accounts we are chasing for money.

name: "Debt Recovery"
short_name:   'DR'  # shown on invoices
availability: 'Standard'

# Where an account goes from here; null ends the chain.
next_status: "ceased"
override_invoice_message: 'Call us: it''s not too late. #1 priority'
display_position: 50  # sort order
is_active: 'true'
"""


def test_a_hand_written_file_takes_the_fast_path_with_its_positions() -> None:
    document = yaml_reader._read_simple(HAND_WRITTEN, "statuses", "x", "statuses/x.yaml")
    assert document is not None
    assert document.data == {
        "name": "Debt Recovery",
        "short_name": "DR",
        "availability": "Standard",
        "next_status": "ceased",
        "override_invoice_message": "Call us: it's not too late. #1 priority",
        "display_position": 50,
        "is_active": "true",  # quoted, so text: the schema rule reports it (below)
    }
    assert document.locate(("name",)) == (4, 7)
    assert document.locate(("short_name",), key=True) == (5, 1)
    assert document.locate(("short_name",)) == (5, 15)
    assert document.locate(("override_invoice_message",)) == (10, 27)
    assert outcome(HAND_WRITTEN, fast=True) == outcome(HAND_WRITTEN, fast=False)


@pytest.mark.parametrize(
    "text",
    [
        "name: 'Active'\n",
        'name: "Active"\n',
        "name: Active # comment\n",
        "name: 'Active'  # comment\n",
        'name: "a # b: c" #c\n',
        "name: ''\nshort_name: \"\"\n",
        "name:   # filled in later\n",
        "  # indented comment\n\n   \nname: x\n",
        "name:      aligned\n",
        "name: trailing   \n",
        "name: 'back\\slash is literal in single quotes'\n",
    ],
)
def test_these_take_the_fast_path(text: str) -> None:
    assert yaml_reader._read_simple(text, "statuses", "x", "statuses/x.yaml") is not None
    assert outcome(text, fast=True) == outcome(text, fast=False)


@pytest.mark.parametrize(
    "text",
    [
        'name: "tab\\tstop"\n',  # any backslash in double quotes: escapes are libyaml's
        "name: 'a'#tight\n",  # libyaml takes this '#' as a comment; YAML says it is not one
        "name : x\n",  # a space before the colon
        "k" * 257 + ": x\n",  # libyaml refuses keys over 1024 characters; well under that is left alone
        "k" * 1025 + ": x\n",
    ],
)
def test_these_are_left_to_the_event_loop_and_still_agree(text: str) -> None:
    assert yaml_reader._read_simple(text, "statuses", "x", "statuses/x.yaml") is None
    assert outcome(text, fast=True) == outcome(text, fast=False)


def test_a_quoted_true_is_text_and_the_schema_says_so(config_tree: Path) -> None:
    entry = config_tree / "statuses" / "active.yaml"
    text = entry.read_text()
    assert "\nis_billable: true\n" in text
    entry.write_text(text.replace("\nis_billable: true\n", "\nis_billable: 'true'  # quoted by hand\n"))
    assert yaml_reader._read_simple(entry.read_text(), "statuses", "active", "statuses/active.yaml") is not None
    line = entry.read_text().splitlines().index("is_billable: 'true'  # quoted by hand") + 1
    findings = validate_tree(config_tree).findings
    assert [(f.path, f.line, f.column, f.rule) for f in findings] == [(str(entry), line, 14, "schema-type")]
