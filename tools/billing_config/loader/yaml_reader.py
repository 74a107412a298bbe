"""One entry file to a Document, refusing what YAML libraries let slip.

libyaml's C parser turns the text into events, and one flat loop here builds the values from
them. Not using a composer is the point:

- libyaml's composer (and PyYAML's) recurses once per nesting level, so very deep input can
  overflow the C stack and kill the whole process; this loop keeps its own stack and stops at
  MAX_DEPTH, so no input can crash it.
- Anchors, aliases, tags and a second document are refused the moment their event arrives,
  before anything is built from them, so an alias bomb never expands.
- Building the values ourselves keeps a line and column for every key and value, catches
  duplicate keys, and reads scalars by YAML 1.2 rules: an unquoted ``NO`` stays the text "NO"
  instead of turning into false. It also skips PyYAML's Python resolver, which cost more than
  the parsing itself.
"""

from __future__ import annotations

import os
import re
import sys
from array import array
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from billing_config.findings import E, Finding, declare, finding, shorten
from billing_config.loader.document import Document, JsonPath, format_json_path
from billing_config.loader.hints import syntax_message, text_cut_by_comment

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 32

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_INT_RE = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT_RE = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_SPECIAL_FLOATS = {
    ".inf": float("inf"), ".Inf": float("inf"), ".INF": float("inf"),
    "+.inf": float("inf"), "+.Inf": float("inf"), "+.INF": float("inf"),
    "-.inf": float("-inf"), "-.Inf": float("-inf"), "-.INF": float("-inf"),
    ".nan": float("nan"), ".NaN": float("nan"), ".NAN": float("nan"),
}
_MULTIPLE_DOCUMENTS = "the file holds more than one YAML document; keep one entry per file and remove the '---' separator"
_TOO_DEEP = f"values are nested more than {MAX_DEPTH} levels deep; entry fields are plain values"

# The rules of reading one file, checked below.
declare(
    "file-unreadable", E, "yaml", "A file that cannot be read, for example for lack of permission.",
    reason="An entry that cannot be read cannot be checked or applied; the plan would treat it as deleted.",
    mistake="config/statuses/suspended.yaml   (no permission to read it)",
    fix="chmod u+r config/statuses/suspended.yaml",
)
declare(
    "file-too-large", E, "yaml", "A file far larger than any entry needs; refused before parsing.",
    reason="An entry needs well under 1 KiB. A huge file is a mistake (a pasted export, a log) or an attack, "
    "and is refused before any time is spent on it.",
    mistake="config/statuses/suspended.yaml   (300 KiB)",
    fix="config/statuses/suspended.yaml   (the entry's fields only)",
)
declare(
    "file-encoding", E, "yaml", "Bytes that are not UTF-8 text, or a NUL byte.",
    reason="Names and invoice messages reach invoices and the portal; text in another encoding would turn "
    "accented letters into garbage there.",
    mistake="name: Caf\\xe9 customers     # saved as Latin-1",
    fix="name: Café customers         # saved as UTF-8",
)
declare(
    "yaml-too-deep", E, "yaml", "Nesting deeper than any entry needs; refused before building it.",
    reason="Entry fields are plain values; deep nesting is never needed and could exhaust memory.",
    mistake="name: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[Active]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    fix="name: Active",
)
declare(
    "yaml-syntax", E, "yaml", "Text that is not well-formed YAML.",
    reason="A file YAML cannot read holds no entry at all. The usual causes are a tab used to indent and "
    "text holding ': ' without quotes, which YAML reads as a second field.",
    mistake="override_invoice_message: Note: call us on 0800 000 000",
    fix="override_invoice_message: 'Note: call us on 0800 000 000'",
)
declare(
    "yaml-empty", E, "yaml", "A file with no entry in it.",
    reason="An empty file is an entry with no name; it is usually a file created and never filled in.",
    mistake="# config/statuses/payment-plan.yaml\n# (nothing but comments)",
    fix="# config/statuses/payment-plan.yaml\nname: Payment Plan",
)
declare(
    "yaml-multiple-documents", E, "yaml", "More than one YAML document in one file.",
    reason="One file holds one entry; a second document after '---' would be ignored.",
    mistake="name: Active\n---\nname: Suspended",
    fix="name: Active          # and Suspended in its own file, suspended.yaml",
)
declare(
    "yaml-not-mapping", E, "yaml", "A top level that is not a mapping of field names to values.",
    reason="An entry is a set of 'field: value' lines; a bare value or a list has no field names.",
    mistake="- name: Active",
    fix="name: Active",
)
declare(
    "yaml-duplicate-key", E, "yaml", "The same key twice in one mapping; YAML libraries silently keep the last.",
    reason="Other tools keep the second value and this one the first; either way one of the two lines is "
    "ignored without a word, usually the one just edited.",
    mistake="is_billable: true\nsend_correspondence: true\nis_billable: false",
    fix="is_billable: false\nsend_correspondence: true",
)
declare(
    "yaml-anchor", E, "yaml", "Anchors and aliases; they hide values and allow alias bombs.",
    reason="An alias makes a value depend on another line, which reviewers miss, and nested aliases can "
    "expand to gigabytes.",
    mistake="name: &n Active\nshort_name: *n",
    fix="name: Active\nshort_name: ACT",
)
declare(
    "yaml-tag", E, "yaml", "An explicit YAML tag such as !!str or !python/object.",
    reason="Tags change how a value is read and some run code in other tools; plain values are all an entry needs.",
    mistake="short_name: !!str NO",
    fix="short_name: 'NO'",
)
declare(
    "yaml-key-type", E, "yaml", "A key that is not a plain piece of text.",
    reason="Field names are words such as 'name'; a list or mapping as a key names no field.",
    mistake="? [name]\n: Active",
    fix="name: Active",
)

class _Refused(Exception):
    """Raised inside the build when the file cannot become a document at all."""

    def __init__(self, rule: str, line: int, column: int, message: str, json_path: str = "$") -> None:
        super().__init__(message)
        self.rule, self.line, self.column, self.message, self.json_path = rule, line, column, message, json_path


def read_entry(path: Path | str, display: str, kind: str, code: str) -> tuple[Document | None, list[Finding]]:
    """Read one entry file. Returns the document (None if unusable) and what was wrong."""

    def fail(rule: str, line: int, column: int, message: str) -> tuple[None, list[Finding]]:
        return None, [finding(rule, display, line, column, message, kind=kind, code=code)]

    try:
        with open(path, "rb") as handle:
            # One byte more than allowed tells a too-large file apart without reading all of it.
            # Asking for that many bytes would allocate (and map, and fault in) 256 KiB for every
            # file; ask for the size the file has, then read on if it grew in the meantime.
            size = min(os.fstat(handle.fileno()).st_size, MAX_FILE_BYTES)
            raw = handle.read(size + 1)
            if len(raw) > size:
                raw += handle.read(MAX_FILE_BYTES + 1 - len(raw))
    except OSError as error:
        hint = "; check its permissions" if isinstance(error, PermissionError) else ""
        return fail("file-unreadable", 1, 1, f"cannot read the file: {error.strerror or error}{hint}")
    return read_entry_bytes(raw, display, kind, code)


def read_entry_bytes(raw: bytes, display: str, kind: str, code: str) -> tuple[Document | None, list[Finding]]:
    """An entry file's content as :func:`read_entry` reads it (an earlier version from git, say)."""

    def fail(rule: str, line: int, column: int, message: str) -> tuple[None, list[Finding]]:
        return None, [finding(rule, display, line, column, message, kind=kind, code=code)]

    if len(raw) > MAX_FILE_BYTES:
        return fail(
            "file-too-large", 1, 1,
            f"the file is over {MAX_FILE_BYTES // 1024} KiB; an entry needs well under 1 KiB, so larger files "
            "are refused unparsed. Remove what does not belong to the entry",
        )
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, column = _byte_position(raw, nul)
        return fail("file-encoding", line, column, "the file contains a NUL byte; entry files are plain UTF-8 text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _byte_position(raw, error.start)
        return fail(
            "file-encoding", line, column,
            f"the file is not valid UTF-8 (byte 0x{raw[error.start]:02x}); save it as UTF-8",
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    return _read_text(text, display, kind, code)


def _read_text(
    text: str, display: str, kind: str, code: str, *, fast: bool = True
) -> tuple[Document | None, list[Finding]]:
    """The document of one file's text, and what was wrong with it.

    The fast path (_read_simple) is tried first and the event loop (_build) reads whatever it
    declines. fast=False skips the fast path, so tests can check both give the same answer.
    """
    findings: list[Finding] = []

    def fail(rule: str, line: int, column: int, message: str, json_path: str = "$") -> tuple[None, list[Finding]]:
        findings.append(finding(rule, display, line, column, message, kind=kind, code=code, json_path=json_path))
        return None, findings

    if fast:
        document = _read_simple(text, kind, code, display)
        if document is not None:
            # the fast path keeps comments too, so it gives the same warning the event loop does
            return document, text_cut_by_comment(text, document.data, display, kind, code)
    import yaml  # only here: most files take the fast path, and importing PyYAML costs more than reading them

    try:
        document = _build(text, display, kind, code, findings)
    except _Refused as refusal:
        return fail(refusal.rule, refusal.line, refusal.column, refusal.message, refusal.json_path)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (error.problem or "the YAML is not well-formed")[:200]
        if "nesting depth" in problem:  # libyaml's own limit, reached while looking ahead
            return fail("yaml-too-deep", line, column, _TOO_DEEP)
        return fail("yaml-syntax", *syntax_message(text, line, column, problem))
    except yaml.YAMLError as error:
        first = (str(error).splitlines() or ["not well-formed"])[0][:200]
        return fail("yaml-syntax", 1, 1, f"the YAML cannot be read: {first}")
    findings.extend(text_cut_by_comment(text, document.data, display, kind, code))
    return document, findings


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    return raw.count(b"\n", 0, offset) + 1, offset - line_start + 1


# The fast path: a file whose every line is blank, a comment, or 'key: value' with the value
# on that line, plain, single-quoted or double-quoted, and perhaps a comment after it; with
# nothing YAML could read in two ways. Such a file means exactly what libyaml would read
# (tests/loader/test_simple_path.py and test_quoted_fast_path.py check the two agree on
# generated input), and reading it with one regex a line is several times faster than
# building Python event objects. Anything else, including any duplicate key, goes to the
# full event loop below, which is what reports problems.
#
# Left to the event loop, as rare in entry files and easy to get subtly wrong here: a
# double-quoted value with a backslash (escapes), a comment right after a quote ('x'#c,
# which libyaml reads as a comment though YAML says it is not one), a space before the
# colon, a key over 256 characters (libyaml refuses one over 1024 as unfinished).
_SIMPLE_LINES = re.compile(
    r"^(?:"
    r"([A-Za-z_][A-Za-z0-9_]{0,255}):"  # a key at column 0
    r"(?:( +)(?:"  # the spaces before a value, then the value:
    r"((?:[A-Za-z0-9_(/+~.]|-(?=[^ \n]))[^:#\n]*(?<! ))"  # plain: no ':', '#' or trailing space
    r"|('[^'\n]*(?:''[^'\n]*)*'"  # or quoted: single, closed on its line, '' being a quote,
    r"|\"[^\"\\\n]*\")"  # or double, closed on its line, without escapes
    r"))?"
    r"(?: +#.*| *)"  # trailing spaces, or a comment after at least one space
    r"| *(?:#.*)?"  # a blank line, or a comment at any indentation
    r")$",
    re.MULTILINE,
)


def _read_simple(text: str, kind: str, code: str, display: str) -> Document | None:
    """The document of a simple file (see above), or None to use the event loop."""
    # Python's printable characters are a subset of YAML's, without tabs, CR, controls, DEL,
    # NEL, line and paragraph separators, no-break spaces or a BOM: any of those sends the
    # file to the event loop, which treats them exactly as libyaml does.
    if not text.replace("\n", "").isprintable():
        return None
    # One tuple a line, in order, when every line is simple; fewer when any line is not.
    lines = _SIMPLE_LINES.findall(text)
    if len(lines) != text.count("\n") + 1:
        return None
    data: dict[str, Any] = {}
    paths: list[JsonPath] = []
    numbers: list[int] = []
    top_paths = _TOP_PATHS
    for index, (key, spaces, plain, quoted) in enumerate(lines):
        if not key:
            continue  # a comment or a blank line
        if key in data:
            return None  # the event loop reports duplicates
        path = top_paths.get(key)
        if path is None:
            key = sys.intern(key)
            path = _top_path(key)
        else:
            key = path[0]
        if plain:
            data[key] = _plain(plain)
            numbers += (index, 0, index, len(key) + 1 + len(spaces))
        elif quoted:  # always text: a quoted 'true' is the word, not the boolean
            data[key] = quoted[1:-1].replace("''", "'") if quoted[0] == "'" else quoted[1:-1]
            numbers += (index, 0, index, len(key) + 1 + len(spaces))
        else:  # 'key:' alone is null, placed just after the colon, as libyaml places it
            data[key] = None
            numbers += (index, 0, index, len(key) + 1)
        paths.append(path)
    if not data:
        return None
    return Document.packed(kind, code, display, data, _shared_layout(tuple(paths)), array("i", numbers))


def _shared_layout(layout: tuple[JsonPath, ...]) -> tuple[JsonPath, ...]:
    # Files of a kind share one key layout; sharing the tuple saves memory and lets pickle send
    # it once per worker instead of once per file. Bounded, as a hostile tree may vary it.
    shared = _LAYOUTS.get(layout)
    if shared is None:
        if len(_LAYOUTS) >= _MAX_LAYOUTS:
            return layout
        shared = _LAYOUTS[layout] = layout
    return shared


def _build(text: str, display: str, kind: str, code: str, findings: list[Finding]) -> Document:
    """The entry, built from libyaml's event stream; duplicate keys are added to findings.

    Positions go into a flat list of integers (see Document) instead of one object per value:
    most files are valid and nobody ever asks where their values are.
    """
    from yaml._yaml import CParser

    parser = CParser(text)
    paths: list[JsonPath] = []
    numbers: list[int] = []
    try:
        root = _walk(parser.get_event, paths, numbers, partial(_duplicate, display, kind, code, findings))
    finally:
        parser.dispose()
    if root is None:
        raise _Refused("yaml-empty", 1, 1, "the file is empty; write the entry's fields, at least 'name'")
    return Document.packed(kind, code, display, root, _shared_layout(tuple(paths)), array("i", numbers))


_Duplicate = Callable[[str, int, int, list[Any]], object]


def _walk(get_event: Any, paths: list[JsonPath], numbers: list[int], duplicate: _Duplicate) -> dict[str, Any] | None:
    """Every event in turn; returns the root mapping.

    Open collections are kept on a list, not in recursive calls, so that no depth of input
    can exhaust the C stack (see the module docstring).

    Each open collection is a frame: [container, its path, the key awaiting a value (mappings),
    the key's 0-based line and column, first line of every key seen (mappings)]. Each value
    adds its path to paths and four numbers to numbers: key line and column, value line and
    column. Events are duck-typed here: the stubs type them all as the base Event.
    """
    from yaml import (
        AliasEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    stack: list[list[Any]] = []
    root: dict[str, Any] | None = None
    documents = 0
    while True:
        event = get_event()
        if event is None:
            return root
        cls = event.__class__
        if cls is ScalarEvent:
            if event.anchor is not None:
                _refuse_anchor(event)
            if event.tag is not None:
                _refuse_tag(event)
            if stack:
                _add_scalar(event, stack[-1], paths, numbers, duplicate)
            elif event.value != "" or event.style:  # a plain empty scalar is '---' alone: an empty document
                mark = event.start_mark
                raise _Refused("yaml-not-mapping", mark.line + 1, mark.column + 1, _not_mapping("a single value"))
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            if event.anchor is not None:
                _refuse_anchor(event)
            if event.tag is not None and not event.implicit:
                _refuse_tag(event)
            if stack:
                _open_nested(event, cls is MappingStartEvent, stack, paths, numbers)
            else:
                root = _open_root(event, cls is MappingStartEvent, stack)
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            stack.pop()
        elif cls is AliasEvent:
            _refuse_anchor(event)
        elif cls is DocumentStartEvent:
            documents += 1
            if documents > 1:
                mark = event.start_mark
                raise _Refused("yaml-multiple-documents", mark.line + 1, mark.column + 1, _MULTIPLE_DOCUMENTS)
        # StreamStart, StreamEnd and DocumentEnd carry nothing to build.


def _add_scalar(event: Any, frame: list[Any], paths: list[JsonPath], numbers: list[int], duplicate: _Duplicate) -> None:
    """A scalar inside the frame's collection: a list item, or a mapping's key or value.

    A key only waits in the frame for its value, which records both positions; the value of
    a duplicate key (_SKIP) is read and dropped.
    """
    container = frame[0]
    mark = event.start_mark
    if container.__class__ is not dict:
        paths.append((*frame[1], len(container)))
        numbers.extend((mark.line, mark.column, mark.line, mark.column))
        container.append(_scalar(event.value, event.style))
        return
    key = frame[2]
    if key is None:
        key = sys.intern(event.value)
        seen = frame[5]
        if key in seen:
            key = duplicate(key, mark.line + 1, mark.column + 1, frame)
        else:
            seen[key] = mark.line + 1
        frame[2] = key
        frame[3] = mark.line
        frame[4] = mark.column
        return
    frame[2] = None
    if key is _SKIP:
        return
    text = event.value
    container[key] = text if event.style else _plain(text)
    parent = frame[1]
    paths.append((*parent, key) if parent else _top_path(key))
    numbers.extend((frame[3], frame[4], mark.line, mark.column))


def _open_root(event: Any, is_mapping: bool, stack: list[list[Any]]) -> dict[str, Any]:
    """The top-level collection, which must be a mapping: an entry is fields and values."""
    if not is_mapping:
        mark = event.start_mark
        raise _Refused("yaml-not-mapping", mark.line + 1, mark.column + 1, _not_mapping("a list"))
    root: dict[str, Any] = {}
    stack.append([root, (), None, 0, 0, {}])
    return root


def _open_nested(
    event: Any, is_mapping: bool, stack: list[list[Any]], paths: list[JsonPath], numbers: list[int]
) -> None:
    """A mapping or list inside another: stored, given its position, and pushed as a frame.

    A collection cannot be a key, and nesting stops at MAX_DEPTH, so no input can exhaust
    memory or the stack by depth alone.
    """
    mark = event.start_mark
    new: Any = {} if is_mapping else []
    frame = stack[-1]
    container = frame[0]
    if container.__class__ is dict:
        key = frame[2]
        if key is None:
            raise _Refused(
                "yaml-key-type", mark.line + 1, mark.column + 1,
                f"a key is {'a mapping' if is_mapping else 'a list'}; keys are field names such as 'name'",
                format_json_path(frame[1]),
            )
        frame[2] = None
        path: JsonPath = (*frame[1], key)
        if key is not _SKIP:
            container[key] = new
            paths.append(path)
            numbers.extend((frame[3], frame[4], mark.line, mark.column))
    else:
        path = (*frame[1], len(container))
        container.append(new)
        paths.append(path)
        numbers.extend((mark.line, mark.column, mark.line, mark.column))
    if len(stack) >= MAX_DEPTH:
        raise _Refused("yaml-too-deep", mark.line + 1, mark.column + 1, _TOO_DEEP)
    stack.append([new, path, None, 0, 0, {} if is_mapping else None])


_LAYOUTS: dict[tuple[JsonPath, ...], tuple[JsonPath, ...]] = {}
_MAX_LAYOUTS = 4096
_TOP_PATHS: dict[str, JsonPath] = {}


def _top_path(key: str) -> JsonPath:
    path = _TOP_PATHS.get(key)
    if path is None:
        path = (key,)
        if len(_TOP_PATHS) < _MAX_LAYOUTS:
            _TOP_PATHS[key] = path
    return path


_SKIP = object()  # the key of a duplicate: its value is read and dropped


def _duplicate(
    display: str, kind: str, code: str, findings: list[Finding], key: str, line: int, column: int, frame: list[Any]
) -> Any:
    """Reports a key set twice in one mapping; the first value wins, as a reader expects."""
    findings.append(
        finding(
            "yaml-duplicate-key", display, line, column,
            f"{shorten(key)} is set twice (first on line {frame[5][key]}), and only one can count; "
            "delete the line you did not mean",
            kind=kind, code=code, json_path=format_json_path((*frame[1], key)),
        )
    )
    return _SKIP


def _refuse_anchor(event: Any) -> None:
    mark = event.start_mark
    raise _Refused(
        "yaml-anchor", mark.line + 1, mark.column + 1,
        "anchors (&name) and aliases (*name) are not allowed; write each value out in full",
    )


def _refuse_tag(event: Any) -> None:
    mark = event.start_mark
    raise _Refused(
        "yaml-tag", mark.line + 1, mark.column + 1,
        "explicit YAML tags (such as !!str or !custom) are not allowed; quote the value if it must be text",
    )


def _not_mapping(noun: str) -> str:
    return f"the top level is {noun}; an entry is a mapping of field names to values, such as 'name: Active'"


def _scalar(text: str, style: str | None) -> Any:
    """YAML 1.2 core-schema reading of a scalar: only true/false are booleans.

    YAML 1.1 (PyYAML's default) reads yes/no/on/off/y/n as booleans, so a short name of NO
    would silently become false; here it stays the text "NO".
    """
    if style:  # quoted, literal or folded: always text (libyaml marks plain as "")
        return text
    return _plain(text)


def _plain(text: str) -> Any:
    value = _CONSTANTS.get(text, _NOT_CONSTANT)
    if value is not _NOT_CONSTANT:
        return value
    if text[0] in _NUMBER_START:
        if _INT_RE.match(text):
            return int(text)
        if _FLOAT_RE.match(text):
            return float(text)
        special = _SPECIAL_FLOATS.get(text)
        if special is not None:
            return special
    return text


_NOT_CONSTANT = object()
_CONSTANTS: dict[str, Any] = {
    **{word: None for word in _NULLS},
    **{word: True for word in _TRUE},
    **{word: False for word in _FALSE},
}
_NUMBER_START = frozenset("0123456789+-.")
