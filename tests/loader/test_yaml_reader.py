"""The loader: positions, and everything YAML libraries let slip that an entry file must not hold."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.loader.conftest import Read, only


def test_every_key_and_value_has_its_line_and_column(read: Read) -> None:
    document, findings = read("# comment\nname: Active\nshort_name:   ACT\n\nnext_status:\n  ceased\n")
    assert findings == []
    assert document is not None
    assert document.data == {"name": "Active", "short_name": "ACT", "next_status": "ceased"}
    assert document.locate(("name",), key=True) == (2, 1)
    assert document.locate(("name",)) == (2, 7)
    assert document.locate(("short_name",)) == (3, 15)
    assert document.locate(("next_status",), key=True) == (5, 1)
    assert document.locate(("next_status",)) == (6, 3)
    assert document.spans[("short_name",)] == (3, 1, 3, 15)


def test_nested_values_have_positions_too(read: Read) -> None:
    document, findings = read("name:\n  - a\n  - {b: c}\n")
    assert findings == [] and document is not None
    assert document.data == {"name": ["a", {"b": "c"}]}
    assert document.locate(("name", 0)) == (2, 5)
    assert document.locate(("name", 1, "b")) == (3, 9)
    assert document.locate(("name", 1, "b"), key=True) == (3, 6)
    # An absent path falls back to its nearest ancestor, then to the top of the file.
    assert document.locate(("name", 7)) == (2, 3)
    assert document.locate(("is_billable",)) == (1, 1)


def test_a_duplicate_key_is_reported_where_it_repeats_and_the_first_value_wins(read: Read) -> None:
    document, findings = read("name: First\nshort_name: F\nname: Second\n")
    found = only(findings)
    assert (found.rule, found.line, found.column) == ("yaml-duplicate-key", 3, 1)
    assert found.message == "'name' is set twice (first on line 1), and only one can count; delete the line you did not mean"
    assert found.json_path == "$.name"
    assert document is not None and document.data["name"] == "First"


def test_a_duplicate_key_inside_a_nested_mapping_is_caught(read: Read) -> None:
    _, findings = read("name: {a: 1, a: 2}\n")
    found = only(findings)
    assert (found.rule, found.line, found.column, found.json_path) == ("yaml-duplicate-key", 1, 14, "$.name.a")


@pytest.mark.parametrize(
    "text, line, column",
    [
        ("name: &n Active\nshort_name: *n\n", 1, 7),
        ("name: Active\nshort_name: *undefined\n", 2, 13),
        ("name: &list [a]\n", 1, 7),
        ("base: &b {a: 1}\nname: x\n", 1, 7),
    ],
    ids=["anchor-and-alias", "alias-alone", "anchor-on-list", "anchor-on-mapping"],
)
def test_anchors_and_aliases_are_refused(read: Read, text: str, line: int, column: int) -> None:
    document, findings = read(text)
    found = only(findings)
    assert (found.rule, found.line, found.column) == ("yaml-anchor", line, column)
    assert "anchors (&name) and aliases (*name) are not allowed" in found.message
    assert document is None


def test_an_alias_bomb_is_refused_at_its_first_anchor_without_expanding(read: Read) -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        previous = chr(ord("a") + level - 1)
        here = chr(ord("a") + level)
        levels.append(f"{here}: &{here} [" + ",".join([f"*{previous}"] * 9) + "]")
    bomb = "\n".join(levels) + "\nname: *j\n"  # 9**10 strings if expanded
    started = time.perf_counter()
    document, findings = read(bomb)
    assert time.perf_counter() - started < 1
    found = only(findings)
    assert (found.rule, found.line, found.column) == ("yaml-anchor", 1, 4)
    assert document is None


@pytest.mark.parametrize(
    "text, line, column",
    [
        ("name: !!str 12\n", 1, 7),
        ("name: !!python/object:os.system [echo hi]\n", 1, 7),
        ("name: !!python/object/apply:os.system ['echo hi']\n", 1, 7),
        ("name: Active\nshort_name: !custom ACT\n", 2, 13),
        ("name: ! x\n", 1, 7),
        ("!!map\nname: x\n", 1, 1),
        ("name: !!seq [a]\n", 1, 7),
    ],
    ids=["str", "python-object", "python-apply", "custom", "non-specific", "map-at-top", "seq"],
)
def test_explicit_tags_are_refused(read: Read, text: str, line: int, column: int) -> None:
    document, findings = read(text)
    found = only(findings)
    assert (found.rule, found.line, found.column) == ("yaml-tag", line, column)
    assert "quote the value" in found.message
    assert document is None


def test_a_second_document_is_refused_at_its_separator(read: Read) -> None:
    _, findings = read("name: A\n---\nname: B\n")
    found = only(findings)
    assert (found.rule, found.line, found.column) == ("yaml-multiple-documents", 2, 1)
    assert "remove the '---' separator" in found.message


def test_one_explicit_document_with_start_and_end_markers_is_fine(read: Read) -> None:
    document, findings = read("---\nname: A\n...\n")
    assert findings == [] and document is not None and document.data == {"name": "A"}


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n# and another\n", "---\n", "---\n...\n", "\ufeff"])
def test_an_empty_file_is_reported(read: Read, text: str) -> None:
    document, findings = read(text)
    found = only(findings)
    assert (found.rule, found.line, found.column) == ("yaml-empty", 1, 1)
    assert "at least 'name'" in found.message
    assert document is None


@pytest.mark.parametrize(
    "text, noun, line, column",
    [
        ("- name: A\n- name: B\n", "a list", 1, 1),
        ("[a, b]\n", "a list", 1, 1),
        ("# c\nActive\n", "a single value", 2, 1),
        ("'quoted'\n", "a single value", 1, 1),
        ("null\n", "a single value", 1, 1),
        ("42\n", "a single value", 1, 1),
    ],
)
def test_a_top_level_that_is_not_a_mapping_is_reported(read: Read, text: str, noun: str, line: int, column: int) -> None:
    document, findings = read(text)
    found = only(findings)
    assert (found.rule, found.line, found.column) == ("yaml-not-mapping", line, column)
    assert found.message.startswith(f"the top level is {noun};")
    assert document is None


@pytest.mark.parametrize(
    "text, noun, line, column",
    [("[a, b]: x\n", "a list", 1, 1), ("? {a: 1}\n: x\n", "a mapping", 1, 3)],
)
def test_a_key_that_is_not_text_is_refused(read: Read, text: str, noun: str, line: int, column: int) -> None:
    _, findings = read(text)
    found = only(findings)
    assert (found.rule, found.line, found.column) == ("yaml-key-type", line, column)
    assert f"a key is {noun}" in found.message


def test_invalid_utf8_is_reported_with_its_position(read: Read) -> None:
    document, findings = read(b"name: Active\nshort_name: A\xe9C\n")
    found = only(findings)
    assert (found.rule, found.line, found.column) == ("file-encoding", 2, 14)
    assert found.message == "the file is not valid UTF-8 (byte 0xe9); save it as UTF-8"
    assert document is None


def test_latin1_text_is_not_guessed_at(read: Read) -> None:
    _, findings = read("name: Café\n".encode("latin-1"))
    assert only(findings).rule == "file-encoding"


def test_a_nul_byte_is_reported_with_its_position(read: Read) -> None:
    document, findings = read(b"name: Active\nshort_name: A\x00C\n")
    found = only(findings)
    assert (found.rule, found.line, found.column) == ("file-encoding", 2, 14)
    assert "NUL byte" in found.message
    assert document is None


def test_a_utf16_file_is_caught_by_its_nul_bytes(read: Read) -> None:
    _, findings = read("name: Active\n".encode("utf-16"))
    assert only(findings).rule == "file-encoding"


def test_a_utf8_byte_order_mark_is_accepted(read: Read) -> None:
    document, findings = read("\ufeffname: Active\n".encode())
    assert findings == [] and document is not None and document.data == {"name": "Active"}
    assert document.locate(("name",)) == (1, 7)


def test_syntax_errors_are_located(read: Read) -> None:
    _, findings = read("name: Active\n  short_name: ACT\n")
    found = only(findings)
    assert (found.rule, found.line) == ("yaml-syntax", 2)
    assert found.message.endswith("; check indentation, quoting and colons")


def test_an_unclosed_quote_is_a_syntax_error(read: Read) -> None:
    _, findings = read("name: 'Active\nshort_name: ACT\n")
    found = only(findings)
    assert found.rule == "yaml-syntax"
    assert found.line == 3


@pytest.mark.parametrize(
    "text, expected",
    [
        ("short_name: NO", "NO"),
        ("short_name: no", "no"),
        ("short_name: Yes", "Yes"),
        ("short_name: on", "on"),
        ("short_name: OFF", "OFF"),
        ("short_name: y", "y"),
        ("short_name: n", "n"),
        ("short_name: 'NO'", "NO"),
        ("is_billable: true", True),
        ("is_billable: False", False),
        ("is_billable: TRUE", True),
        ("display_position: 10", 10),
        ("display_position: -3", -3),
        ("display_position: 1.5", 1.5),
        ("display_position: '10'", "10"),
        ("display_position: 0x10", "0x10"),
        ("display_position: 010", 10),
        ("display_position: 1_000", "1_000"),
        ("display_position: 1:20", "1:20"),
        ("next_status: null", None),
        ("next_status: ~", None),
        ("next_status:", None),
        ("next_status: ''", ""),
        ("override_invoice_message: |\n  two\n  lines", "two\nlines\n"),
        ("override_invoice_message: >-\n  folded\n  text", "folded text"),
        ("name: 2024-01-01", "2024-01-01"),
    ],
)
def test_scalars_are_read_by_yaml_12_rules(read: Read, text: str, expected: object) -> None:
    """YAML 1.1 readers turn NO into false, 010 into 8 and 1:20 into 80; entries must not."""
    document, findings = read(text + "\n")
    assert findings == [] and document is not None
    (value,) = document.data.values()
    assert value == expected and type(value) is type(expected)


def test_special_floats_are_numbers_not_text(read: Read) -> None:
    document, _ = read("a: .inf\nb: -.Inf\nc: .nan\n")
    assert document is not None
    assert document.data["a"] == float("inf") and document.data["b"] == float("-inf")
    assert document.data["c"] != document.data["c"]


def test_keys_are_always_text(read: Read) -> None:
    document, findings = read("1: a\ntrue: b\nnull: c\n")
    assert findings == [] and document is not None
    assert list(document.data) == ["1", "true", "null"]


def test_a_file_over_the_size_cap_is_refused_unparsed(read: Read) -> None:
    document, findings = read("name: " + "x" * (256 * 1024) + "\n")
    found = only(findings)
    assert (found.rule, found.line, found.column) == ("file-too-large", 1, 1)
    assert "256 KiB" in found.message and len(found.message) < 200
    assert document is None


def test_a_file_just_under_the_cap_is_read(read: Read) -> None:
    document, findings = read("name: " + "x" * (256 * 1024 - 10) + "\n")
    assert findings == [] and document is not None


@pytest.mark.parametrize("length", [100, 256 * 1024 - 10, 256 * 1024 + 10])
def test_a_file_that_grew_after_its_size_was_taken_is_read_whole_up_to_the_cap(
    read: Read, length: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader asks for as many bytes as the file had when opened (not for the cap, which
    would allocate 256 KiB a file); a file still being written reads on, up to the cap."""
    import os

    from billing_config.loader import yaml_reader

    real_fstat = os.fstat
    monkeypatch.setattr(yaml_reader.os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 10, *real_fstat(fd)[7:])))
    document, findings = read("name: " + "x" * length + "\n")
    if length < 256 * 1024:
        assert findings == [] and document is not None and len(document.data["name"]) == length
    else:
        assert only(findings).rule == "file-too-large" and document is None


def test_a_duplicate_huge_key_is_quoted_short(read: Read) -> None:
    key = "k" * 100_000  # a key this long must be explicit ('? key'): plain keys stop at 1024
    _, findings = read(f"? {key}\n: 1\n? {key}\n: 2\n")
    found = only(findings)
    assert found.rule == "yaml-duplicate-key"
    assert len(found.message) < 200


def test_positions_survive_a_trip_through_pickle(read: Read) -> None:
    """Worker processes send documents back pickled; the positions must arrive intact."""
    import pickle

    document, _ = read("name: Active\nshort_name:\n  - ACT\n")
    assert document is not None
    copy = pickle.loads(pickle.dumps(document))
    assert copy == document
    assert copy.spans == document.spans
    assert copy.locate(("short_name", 0)) == (3, 5)
    # Positions a caller set up by hand survive too.
    twice = pickle.loads(pickle.dumps(copy))
    assert twice.spans == document.spans


def test_windows_line_endings_are_read_with_the_same_positions(read: Read) -> None:
    document, findings = read(b"# c\r\nname: Active\r\nshort_name: 'A'\r\n")
    assert findings == [] and document is not None
    assert document.data == {"name": "Active", "short_name": "A"}
    assert document.locate(("short_name",)) == (3, 13)


def test_an_unreadable_file_is_a_finding(read: Read, tmp_path: Path) -> None:
    from billing_config.loader import read_entry

    document, findings = read_entry(tmp_path / "missing.yaml", "statuses/missing.yaml", "statuses", "missing")
    found = only(findings)
    assert (found.rule, found.line, found.column) == ("file-unreadable", 1, 1)
    assert found.message == "cannot read the file: No such file or directory"
    assert document is None


def test_a_quoted_and_a_plain_spelling_of_one_key_are_duplicates(read: Read) -> None:
    document, findings = read("name: A\n'name': B\n\"name\": C\n")
    assert [(f.rule, f.line) for f in findings] == [("yaml-duplicate-key", 2), ("yaml-duplicate-key", 3)]
    assert document is not None and document.data == {"name": "A"}
