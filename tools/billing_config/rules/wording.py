"""Small pieces the rules' messages share: a corrected line as the admin should type it.

A message that ends with the line to write (`write \\`is_billable: true\\``) teaches in one
step what a description of the rule takes three to say.
"""

from __future__ import annotations

import re
from typing import Any

from billing_config.findings import shorten

# Text YAML reads back as the same text when written bare: no quotes, no ': ' or ' #', no
# leading indicator, not a word YAML 1.2 or 1.1 reads as something else.
_PLAIN_SAFE = re.compile(r"[A-Za-z(/][^:#\n'\"]*(?<![ ])\Z")
_NOT_TEXT = re.compile(r"(?i)(true|false|null|~|yes|no|on|off|y|n)\Z|[-+.0-9]")


def yaml_value(value: Any) -> str:
    """A value as it should stand after 'field: ' in an entry file."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if len(text) > 60:
        text = shorten(text, 57)[1:-1]
    if _PLAIN_SAFE.match(text) and not _NOT_TEXT.match(text):
        return text
    return "'" + text.replace("'", "''") + "'"


def yaml_line(field: str, value: Any) -> str:
    """`field: value`, in backquotes, ready to paste."""
    return f"`{field}: {yaml_value(value)}`"


def slug(text: str) -> str:
    """Text as a code would spell it: 'Ex-Customer' -> 'ex-customer', 'Next Status' -> 'next-status'."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))
