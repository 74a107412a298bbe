"""Plain-words readings of the YAML mistakes admins make most: a tab used to indent, text
holding ': ' without quotes, and a ' #' that silently ends a text.

The YAML library's own words ("found character that cannot start any token", "mapping values
are not allowed in this context") say where the reader stopped, not what to type; these say
what to type, with the corrected line.
"""

from __future__ import annotations

import re
from typing import Any

from billing_config.findings import W, Finding, declare, finding
from billing_config.kinds import get_kind

TEXT_CUT_BY_COMMENT = declare(
    "text-cut-by-comment", W, "yaml", "Unquoted text followed by ' #': YAML ends the text there and reads the rest as a comment.",
    reason="In YAML a space and '#' start a comment, so an invoice message reading 'Call us on #1' is stored as "
    "'Call us on' without a word. Quotes keep the '#' in the text.",
    mistake="override_invoice_message: Payments to account #1234",
    fix="override_invoice_message: 'Payments to account #1234'",
)

_KEY_VALUE = re.compile(r"^([A-Za-z_][A-Za-z0-9_ ]*):[ \t]+(.*?)[ \t]*$")
# A '#' right against the next word ('account #1234', 'press #1'): a comment is '# words', with
# a space, and that is how fmt and nearly everyone writes one.
_CUT = re.compile(r"^([a-z_]+):[ \t]+([^'\"\s#|>&*!%@`{\[](?:[^\n]*?[^ \t])?)[ \t]+#(\S.*)$")


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def syntax_message(text: str, line: int, column: int, problem: str) -> tuple[int, int, str]:
    """Where to report a YAML syntax error and what to say (1-based line and column in and out)."""
    lines = text.splitlines()
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    tab = _tab_in_indent(lines, line)
    if tab is not None:
        number, fixed = tab
        return number, 1, f"line {number} is indented with a tab, and YAML allows only spaces; indent with spaces: `{fixed}`"
    if "mapping values are not allowed" in problem:
        match = _KEY_VALUE.match(source)
        if match and ": " in match.group(2):
            key, value = match.groups()
            return (
                line, len(key) + 3,
                f"the text of {key} holds ': ', which YAML reads as the start of another field; "
                f"put the text in quotes: `{key}: {quoted(value)}`",
            )
    return line, column, f"{problem}; check indentation, quoting and colons"


def _tab_in_indent(lines: list[str], line: int) -> tuple[int, str] | None:
    """The line (near the error) indented with a tab, and the line as it should read."""
    for number in (line, line - 1, line + 1):
        if 0 < number <= len(lines):
            source = lines[number - 1]
            indent = source[: len(source) - len(source.lstrip(" \t"))]
            if "\t" in indent:
                return number, source.lstrip(" \t")
    return None


def text_cut_by_comment(text: str, data: dict[str, Any], display: str, kind: str, code: str) -> list[Finding]:
    """Warnings for plain text fields that a ' #' cut short (the file already read fine)."""
    if " #" not in text and "\t#" not in text:
        return []
    fields = get_kind(kind).field_map
    findings = []
    for number, source in enumerate(text.splitlines(), 1):
        if " #" not in source and "\t#" not in source:
            continue  # most lines of a commented file: no comment after a value
        match = _CUT.match(source)
        if match is None:
            continue
        key, kept, rest = match.groups()
        spec = fields.get(key)
        if spec is None or spec.type != "string" or spec.enum or spec.references or data.get(key) != kept:
            continue
        whole = f"{kept} #{rest}".rstrip()
        findings.append(
            finding(
                TEXT_CUT_BY_COMMENT, display, number, source.index("#", len(key) + 2) + 1,
                f"{key} stops before '#': YAML reads ' #' as the start of a comment. If the '#' belongs to the text, "
                f"put the text in quotes: `{key}: {quoted(whole)}`; if it is a comment, move it to a line of its own",
                kind=kind, code=code, json_path=f"$.{key}",
            )
        )
    return findings
