"""One entry file to a Document, refusing what YAML libraries let slip.

libyaml's composer does the parsing (it is several times faster than anything in Python), and
our own walk over its nodes builds the values. Doing the construction ourselves is what lets
us keep a line and column for every key and value, catch duplicate keys, and read scalars by
YAML 1.2 rules, so an unquoted ``NO`` stays the text "NO" instead of turning into false.

Checks that need the event stream (anchors, aliases, tags, nesting depth, several documents)
run only on files whose bytes could contain such things, which keeps the common file on the
fast path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from billing_config.catalogue import finding
from billing_config.findings import Finding
from billing_config.loader.document import Document, JsonPath, Span, format_json_path

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 32
# A file with fewer structural bytes than this cannot nest deeper than MAX_DEPTH, so the
# bounded event scan is skipped for it.
_STRUCTURE_BYTES_NEEDING_SCAN = 100

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


class _Refused(Exception):
    """Raised inside the walk when the file cannot become a document at all."""

    def __init__(self, found: Finding) -> None:
        super().__init__(found.message)
        self.finding = found


def read_entry(path: Path, display: str, kind: str, code: str) -> tuple[Document | None, list[Finding]]:
    """Read one entry file. Returns the document (None if unreadable) and what was wrong."""
    findings: list[Finding] = []

    def fail(rule: str, line: int, column: int, message: str) -> tuple[None, list[Finding]]:
        findings.append(finding(rule, display, line, column, message, kind=kind, code=code))
        return None, findings

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return fail(
                "file-too-large", 1, 1,
                f"the file is {size // 1024} KiB; an entry needs well under 1 KiB and files over "
                f"{MAX_FILE_BYTES // 1024} KiB are refused unread. Remove what does not belong to the entry",
            )
        raw = path.read_bytes()
    except OSError as error:
        return fail("file-encoding", 1, 1, f"cannot read the file: {error.strerror or error}")

    if len(raw) > MAX_FILE_BYTES:  # grew between stat and read
        return fail("file-too-large", 1, 1, f"the file is over {MAX_FILE_BYTES // 1024} KiB")
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

    if _needs_event_scan(raw):
        refused = _scan_events(text, display, kind, code)
        if refused is not None:
            findings.append(refused)
            return None, findings

    try:
        root = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if isinstance(error, yaml.composer.ComposerError) and "single document" in str(error):
            return fail(
                "yaml-multiple-documents", line, column,
                "the file holds more than one YAML document; keep one entry per file and remove the '---' separator",
            )
        problem = error.problem or "the YAML is not well-formed"
        return fail("yaml-syntax", line, column, f"{problem}; check indentation, quoting and colons")
    except yaml.YAMLError as error:
        return fail("yaml-syntax", 1, 1, f"the YAML cannot be read: {str(error).splitlines()[0]}")

    if root is None:
        return fail("yaml-empty", 1, 1, "the file is empty; write the entry's fields, at least 'name'")
    if not isinstance(root, yaml.MappingNode):
        return fail(
            "yaml-not-mapping", root.start_mark.line + 1, root.start_mark.column + 1,
            f"the top level is {_node_noun(root)}; an entry is a mapping of field names to values, such as 'name: Active'",
        )

    spans: dict[JsonPath, Span] = {}
    try:
        data = _mapping(root, (), spans, display, kind, code, findings)
    except _Refused as refusal:
        findings.append(refusal.finding)
        return None, findings
    return Document(kind=kind, code=code, path=display, data=data, spans=spans), findings


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    return raw.count(b"\n", 0, offset) + 1, offset - line_start + 1


def _needs_event_scan(raw: bytes) -> bool:
    if b"&" in raw or b"*" in raw or b"!" in raw or b"%" in raw:
        return True
    structure = raw.count(b"[") + raw.count(b"{") + raw.count(b"-") + raw.count(b":") + raw.count(b"?")
    return structure > _STRUCTURE_BYTES_NEEDING_SCAN


def _scan_events(text: str, display: str, kind: str, code: str) -> Finding | None:
    """Walk libyaml's event stream (iterative, so safe at any depth) before building anything.

    Refuses anchors, aliases, explicit tags, nesting beyond MAX_DEPTH and a second document
    before the composer, whose recursion would crash the process on deep input, sees them.
    """
    loader = yaml.CSafeLoader(text)
    depth = 0
    documents = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            line, column = event.start_mark.line + 1, event.start_mark.column + 1
            anchor = getattr(event, "anchor", None)
            if isinstance(event, yaml.AliasEvent) or anchor is not None:
                return finding(
                    "yaml-anchor", display, line, column,
                    "anchors (&name) and aliases (*name) are not allowed; write each value out in full",
                    kind=kind, code=code,
                )
            tag = getattr(event, "tag", None)
            if tag is not None and isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
                return finding(
                    "yaml-tag", display, line, column,
                    "explicit YAML tags (such as !!str or !custom) are not allowed; quote the value if it must be text",
                    kind=kind, code=code,
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return finding(
                        "yaml-too-deep", display, line, column,
                        f"values are nested more than {MAX_DEPTH} levels deep; entry fields are plain values",
                        kind=kind, code=code,
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    return finding(
                        "yaml-multiple-documents", display, line, column,
                        "the file holds more than one YAML document; keep one entry per file and remove the '---' separator",
                        kind=kind, code=code,
                    )
    except yaml.MarkedYAMLError:
        return None  # the composer reports the syntax error with its position
    finally:
        loader.dispose()
    return None


def _node_noun(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    return "a single value"


def _mapping(
    node: yaml.MappingNode,
    at: JsonPath,
    spans: dict[JsonPath, Span],
    display: str,
    kind: str,
    code: str,
    findings: list[Finding],
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    first_seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        key_mark = key_node.start_mark
        if not isinstance(key_node, yaml.ScalarNode):
            raise _Refused(
                finding(
                    "yaml-key-type", display, key_mark.line + 1, key_mark.column + 1,
                    f"a key is {_node_noun(key_node)}; keys are field names such as 'name'",
                    kind=kind, code=code, json_path=format_json_path(at),
                )
            )
        key = key_node.value
        path = (*at, key)
        if key in first_seen:
            findings.append(
                finding(
                    "yaml-duplicate-key", display, key_mark.line + 1, key_mark.column + 1,
                    f"'{key}' is set twice (first on line {first_seen[key]}); keep one of them",
                    kind=kind, code=code, json_path=format_json_path(path),
                )
            )
            continue
        first_seen[key] = key_mark.line + 1
        value_mark = value_node.start_mark
        spans[path] = Span(key_mark.line + 1, key_mark.column + 1, value_mark.line + 1, value_mark.column + 1)
        result[key] = _value(value_node, path, spans, display, kind, code, findings)
    return result


def _value(
    node: yaml.Node,
    at: JsonPath,
    spans: dict[JsonPath, Span],
    display: str,
    kind: str,
    code: str,
    findings: list[Finding],
) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if len(at) > MAX_DEPTH:  # the event scan bounds depth; this guards the walk on its own
        raise _Refused(
            finding(
                "yaml-too-deep", display, node.start_mark.line + 1, node.start_mark.column + 1,
                f"values are nested more than {MAX_DEPTH} levels deep", kind=kind, code=code,
            )
        )
    if isinstance(node, yaml.MappingNode):
        return _mapping(node, at, spans, display, kind, code, findings)
    items = []
    for index, item in enumerate(node.value):
        path = (*at, index)
        mark = item.start_mark
        spans[path] = Span(mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 1)
        items.append(_value(item, path, spans, display, kind, code, findings))
    return items


def _scalar(node: yaml.ScalarNode) -> Any:
    """YAML 1.2 core-schema reading of a scalar: only true/false are booleans.

    YAML 1.1 (PyYAML's default) reads yes/no/on/off/y/n as booleans, so a short name of NO
    would silently become false; here it stays the text "NO".
    """
    text: str = node.value
    if node.style:  # quoted, literal or folded: always text (libyaml marks plain as "")
        return text
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT_RE.match(text):
        return int(text)
    if _FLOAT_RE.match(text):
        return float(text)
    special = _SPECIAL_FLOATS.get(text)
    if special is not None:
        return special
    return text
