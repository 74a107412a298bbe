"""The formatter: an entry file rewritten in the canonical style, comments and blank lines kept.

The style is canonical.py's, so a formatted file is byte-for-byte what ``dump_entry`` (export,
new) writes for the same values: the schema modeline first, keys in schema order, then keys the
schema does not know in their original order, each value as ``canonical.scalar_text`` writes it.

How comments travel. A file is cut into a header (everything above the first key), one block per
top-level key, and a trailer (comment lines after the last value). A key's block is the comment
and blank lines directly above it, the key line itself with its end-of-line comment, and any
continuation lines of its value. When keys are put in order the blocks move whole, so a comment
written above a key stays above that key. The header stays at the top (minus any old modeline).

Why not ruamel.yaml's round-trip dumper: its emitter makes its own quoting, escaping and
line-wrapping choices, so its output is not byte-for-byte ``canonical.scalar_text``; its comment
model attaches a comment to the key *before* it, so a moved key would leave its comment behind
and take its neighbour's; and it types scalars by its own YAML 1.2 rules (``2001-12-14`` a date,
``0o17`` the number 15) where the loader reads text. Here the values come from the loader's
``Document`` and the extents from the same libyaml composer the loader uses, so formatting can
never change what validate, plan and apply see; the hypothesis tests hold it to that.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from billing_config.files.canonical import MODELINE_PREFIX, modeline, scalar_text
from billing_config.findings import E, Finding, declare, finding
from billing_config.kinds import Kind
from billing_config.loader import Document, read_entry

CANNOT_FORMAT = declare(
    "fmt-cannot-format", E, "format",
    "A file fmt cannot put in canonical form without guessing, such as two keys on one line; it is left as it is.",
    reason="fmt rewrites files into one canonical layout and keeps comments; where the layout is ambiguous it "
    "would have to guess where a comment belongs, so it leaves the file alone and says so.",
    mistake="{name: Active,   # the status customers hold\n short_name: ACT}",
    fix="# the status customers hold\nname: Active\nshort_name: ACT",
)

# The line breaks libyaml counts when it numbers lines.
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
_FLOW_SCALAR_STYLES = frozenset({None, "", "'", '"'})


class FormatError(Exception):
    """The file cannot be formatted without guessing; it is left as it is."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


@dataclass(slots=True)
class _Block:
    key: str
    leading: list[str] = field(default_factory=list)  # comment and blank lines above the key
    lines: list[str] = field(default_factory=list)  # the key line and its value's lines
    comment: str = ""  # the end-of-line comment of a one-line value

    def replace_value(self, value: Any) -> None:
        line = f"{scalar_text(self.key)}: {scalar_text(value)}"
        self.lines = [f"{line}  {self.comment}" if self.comment else line]


def split_lines(text: str) -> list[str]:
    """The text's lines, numbered the way libyaml numbers them (marks index this list)."""
    return _LINE_BREAK.split(text)


def format_entry(
    text: str, document: Document, kind: Kind, values: Mapping[str, Any] | None = None, path: Path | None = None
) -> str:
    """The canonical text of an entry the loader has read without a YAML-level problem.

    ``text`` is the file's text (BOM removed) and ``document`` what the loader made of it; the
    loader's findings must be empty, because a file it refuses (duplicate keys, anchors, tags)
    has no single meaning to preserve.

    With ``values`` the entry is rewritten to hold exactly those fields and values (what export
    does with the live state), keeping the comments of every key that stays: a drift pull
    request then shows the changed values, not lost comments.
    """
    root = yaml.compose(text, Loader=yaml.CSafeLoader)
    if not isinstance(root, yaml.MappingNode):  # the loader has refused these already
        raise FormatError(1, 1, "the top level is not a mapping of field names to values")
    lines = split_lines(text)
    if root.flow_style:
        return _format_flow_mapping(root, lines, dict(values) if values is not None else document.data, kind, path)

    pairs: list[tuple[yaml.ScalarNode, yaml.Node]] = root.value
    indent = pairs[0][0].start_mark.column if pairs else 0
    key_lines = [key.start_mark.line for key, _ in pairs]
    if len(set(key_lines)) != len(key_lines):
        raise FormatError(pairs[0][0].start_mark.line + 1, 1, "two keys share a line; put each 'key: value' on its own line")

    header = lines[: key_lines[0]] if pairs else list(lines)
    blocks: list[_Block] = []
    trailing: list[str] = []
    for index, (key_node, value_node) in enumerate(pairs):
        stop = key_lines[index + 1] if index + 1 < len(pairs) else len(lines)
        block = _Block(key=key_node.value, leading=trailing)
        trailing = _cut_block(block, key_node, value_node, lines, stop, indent, document)
        blocks.append(block)
    if values is not None:
        blocks, trailing = _with_values(blocks, trailing, values)

    known = {name: position for position, name in enumerate(kind.field_names)}
    ordered = sorted(blocks, key=lambda b: (0, known[b.key]) if b.key in known else (1, 0))
    out = [modeline(kind, path)]
    out.extend(_header_lines(header))
    for block in ordered:
        out.extend(line.rstrip() for line in block.leading)
        out.extend(block.lines)
    out.extend(line.rstrip() for line in trailing)
    while len(out) > 1 and out[1] == "":  # the entry starts right under the modeline
        del out[1]
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def _with_values(blocks: list[_Block], trailing: list[str], values: Mapping[str, Any]) -> tuple[list[_Block], list[str]]:
    """The blocks holding exactly ``values``: dropped keys leave their comments to the next key."""
    kept: list[_Block] = []
    orphaned: list[str] = []
    for block in blocks:
        if block.key not in values:
            orphaned.extend(block.leading)
            continue
        block.leading = orphaned + block.leading
        orphaned = []
        block.replace_value(values[block.key])
        kept.append(block)
    present = {block.key for block in kept}
    for key, value in values.items():
        if key not in present:
            block = _Block(key=key)
            block.replace_value(value)
            kept.append(block)
    return kept, orphaned + trailing


def _cut_block(
    block: _Block,
    key_node: yaml.ScalarNode,
    value_node: yaml.Node,
    lines: list[str],
    stop: int,
    indent: int,
    document: Document,
) -> list[str]:
    """Fill the block's own lines; return the comment and blank lines that follow its value."""
    key = key_node.value
    first = key_node.start_mark.line
    value = document.data[key]
    if isinstance(value_node, yaml.ScalarNode) and value_node.style in _FLOW_SCALAR_STYLES:
        end = value_node.end_mark
        rest = lines[end.line][end.column :].strip()
        comment = rest if rest.startswith("#") else ""
        if isinstance(value, float) or not isinstance(value, (str, int, type(None))):
            # Floats keep the spelling they were written in: 1e3 and 1000.0 read the same.
            text = _source(lines, value_node)
        else:
            text = scalar_text(value)
        line = f"{scalar_text(key)}: {text}"
        block.comment = comment
        block.lines = [f"{line}  {comment}" if comment else line]
        after = lines[end.line + 1 : stop]
        for offset, extra in enumerate(after):
            if extra.strip() and not extra.lstrip().startswith("#"):
                raise FormatError(end.line + 2 + offset, 1, f"unexpected text after the value of '{key}'")
        return after
    # Block scalars, lists and mappings: the value's lines are kept as written, and comment
    # lines at the key's own indentation after them belong to whatever follows.
    end = first
    for number in range(first, stop):
        stripped = lines[number].strip()
        if not stripped:
            continue
        column = len(lines[number]) - len(lines[number].lstrip())
        if stripped.startswith("#") and column <= indent:
            continue
        end = number
    if isinstance(value, str):  # a block scalar: written as one canonical line instead
        block.lines = [f"{scalar_text(key)}: {scalar_text(value)}"]
    else:
        block.lines = [_dedent(line, indent) for line in lines[first : end + 1]]
        written_key = key_node.end_mark.column - key_node.start_mark.column
        block.lines[0] = scalar_text(key) + block.lines[0][written_key:]
    return lines[end + 1 : stop]


def _dedent(line: str, indent: int) -> str:
    return line[indent:] if line[:indent].strip() == "" else line.lstrip()


def _source(lines: list[str], node: yaml.Node) -> str:
    start, end = node.start_mark, node.end_mark
    if start.line == end.line:
        return lines[start.line][start.column : end.column]
    raise FormatError(start.line + 1, start.column + 1, "a number written over several lines; write it on one line")


def _header_lines(header: list[str]) -> list[str]:
    """The lines above the first key, without an old modeline or a bare document marker."""
    directives = any(line.startswith("%") for line in header)
    kept = []
    for line in header:
        if line.strip().startswith(MODELINE_PREFIX):
            continue  # replaced by the kind's modeline on the first line
        if line.strip() == "---" and not directives:
            continue
        kept.append(line.rstrip())
    return kept


def _format_flow_mapping(
    root: yaml.MappingNode, lines: list[str], data: dict[str, Any], kind: Kind, path: Path | None = None
) -> str:
    """``{name: X, ...}`` on its own: rewritten in block style when nothing would be lost."""
    start, end = root.start_mark, root.end_mark
    region = "\n".join(lines[start.line : end.line + 1])
    if _has_comment(region):
        raise FormatError(
            start.line + 1, start.column + 1,
            "the entry is a flow mapping with comments inside; write it in block style, one 'key: value' per line",
        )
    if any(not isinstance(v, (str, int, type(None))) or isinstance(v, float) for v in data.values()):
        raise FormatError(start.line + 1, start.column + 1, "write the entry in block style, one 'key: value' per line")
    header = lines[: start.line]
    trailer = lines[end.line + 1 :]
    known = {name: position for position, name in enumerate(kind.field_names)}
    keys = sorted(data, key=lambda k: (0, known[k]) if k in known else (1, 0))
    out = [modeline(kind, path), *_header_lines(header)]
    out.extend(f"{scalar_text(k)}: {scalar_text(data[k])}" for k in keys)
    if not keys:
        out.append("{}")  # still an (empty) entry, not an empty file
    out.extend(line.rstrip() for line in trailer)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def _has_comment(region: str) -> bool:
    """Whether a flow region holds a comment: a '#' after a space or at a line start."""
    return any(line.lstrip().startswith("#") or " #" in line for line in region.split("\n"))



@dataclass(slots=True)
class FileOutcome:
    """What formatting one file came to: its new text, or why it was left alone."""

    display: str
    original: str = ""
    formatted: str = ""
    problems: list[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return not self.problems and self.formatted != self.original


def format_file(path: Path, display: str, kind: Kind, code: str) -> FileOutcome:
    """Read one entry file through the loader and compute its canonical text (writes nothing)."""
    outcome = FileOutcome(display=display)
    document, problems = read_entry(path, display, kind.name, code)
    if document is None or problems:
        outcome.problems = [_explained(p) for p in problems]
        return outcome
    raw = path.read_bytes()
    outcome.original = raw.decode("utf-8")
    text = outcome.original[1:] if outcome.original.startswith("\ufeff") else outcome.original
    try:
        outcome.formatted = format_entry(text, document, kind, path=path)
    except FormatError as error:
        outcome.problems = [
            finding(CANNOT_FORMAT, display, error.line, error.column, f"{error.message}; the file is left as it is", kind=kind.name, code=code)
        ]
    return outcome


def rewrite_entry(path: Path, kind: Kind, values: Mapping[str, Any]) -> str | None:
    """The file at ``path`` rewritten to hold ``values``, comments kept; None if it cannot be read.

    Export calls this for an entry file that already exists, so an administrator's comments
    survive a drift export; a file the loader refuses is simply written anew.
    """
    document, problems = read_entry(path, str(path), kind.name, path.stem)
    if document is None or problems:
        return None
    text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    try:
        return format_entry(text, document, kind, values, path)
    except FormatError:
        return None


def _explained(problem: Finding) -> Finding:
    """A loader problem, saying that fmt left the file alone because of it."""
    return problem._replace(message=f"{problem.message} (fmt leaves the file as it is until this is fixed)")


def write_atomically(path: Path, text: str) -> None:
    """Replace the file in one step, so an interrupted fmt never leaves half a file; never
    through a symlink and never outside the file's folder (files.safe_write)."""
    from billing_config.files.safe_write import write_text

    write_text(path.parent, path.name, text)
