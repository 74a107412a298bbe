"""Names that look like another name: letters of several scripts mixed in one word.

"Αccounts" with a Greek capital alpha reads exactly like "Accounts" but is a different name, so
uniqueness can't catch it and staff would see two identical entries in a list. Real names mix
scripts only across words ("Café Москва"), hardly ever inside one, so a word that mixes Latin,
Greek and Cyrillic letters (the scripts whose letters look alike) gets a warning.
"""

from __future__ import annotations

import re
import unicodedata

from billing_config.findings import W, Finding, declare, finding, shorten
from billing_config.kinds import get_kind
from billing_config.loader import Document, format_json_path

MIXED_SCRIPT = declare(
    "mixed-script-name", W, "lint", "A name with a word mixing Latin, Greek or Cyrillic letters; it looks like another name.",
    reason="A Greek capital alpha looks exactly like a Latin A: 'Αccounts' beside 'Accounts' would be two "
    "entries nobody can tell apart on screen, usually pasted from somewhere else.",
    mistake="name: Αccounts      # starts with a Greek capital alpha",
    fix="name: Accounts",
)

_CONFUSABLE_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")
_TEXT_FIELDS = ("name", "short_name")


def scripts_of(word: str) -> set[str]:
    """The confusable scripts whose letters appear in the word."""
    found = set()
    for char in word:
        if not char.isalpha():
            continue
        script = unicodedata.name(char, "").split(" ", 1)[0]
        if script in _CONFUSABLE_SCRIPTS:
            found.add(script)
    return found


def mixed_word(text: str) -> str | None:
    """The first word of the text that mixes confusable scripts, if any."""
    if text.isascii():
        return None  # every ASCII letter is Latin: nothing to mix, and most names are ASCII
    for word in re.split(r"[\W_]+", unicodedata.normalize("NFC", text)):
        if len(scripts_of(word)) > 1:
            return word
    return None


def check_lookalikes(document: Document) -> list[Finding]:
    fields = get_kind(document.kind).field_map
    findings: list[Finding] = []
    for field in _TEXT_FIELDS:
        value = document.data.get(field)
        if field not in fields or not isinstance(value, str):
            continue
        word = mixed_word(value)
        if word is None:
            continue
        scripts = " and ".join(sorted(script.capitalize() for script in scripts_of(word)))
        line, column = document.locate((field,))
        findings.append(
            finding(
                "mixed-script-name", document.path, line, column,
                f"{field} {shorten(value)}: the word {ascii(word)} mixes {scripts} letters, so it looks like "
                "a different name; type it again in one script",
                kind=document.kind, code=document.code, json_path=format_json_path((field,)),
            )
        )
    return findings
