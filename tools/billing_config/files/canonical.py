"""The canonical text of an entry file, shared by export, new and the formatter.

One style everywhere means an exported file, a scaffolded file and a formatted file are
byte-for-byte what ``fmt --check`` accepts, and diffs in pull requests show only real changes.

The style: the schema modeline on the first line, keys in schema order, two-space indentation,
text plain where YAML 1.1 and 1.2 readers agree it is text and single-quoted otherwise.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from billing_config.kinds import Kind

MODELINE_PREFIX = "# yaml-language-server: $schema="
TARGETS_FILE = "billing-config.toml"  # db.connect.TARGETS_FILE, without importing the db stage

# Plain scalars that some YAML reader would not read back as the same text: booleans and nulls
# of YAML 1.1 and 1.2, numbers, and anything starting with an indicator character.
_AMBIGUOUS_WORDS = frozenset(
    word
    for base in ("yes", "no", "on", "off", "y", "n", "true", "false", "null", "~")
    for word in (base, base.upper(), base.capitalize())
)
_NUMBER_LIKE = re.compile(
    r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$"
    r"|^0[xob][0-9a-fA-F_]+$|^[0-9]+(:[0-5]?[0-9])+(\.[0-9_]*)?$"
)
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")


# Characters YAML cannot carry raw in a scalar: controls, DEL, C1 controls (U+0085 is a line
# break to libyaml, as are U+2028 and U+2029) and the non-characters U+FFFE and U+FFFF.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def modeline(kind: Kind, path: Path | None = None) -> str:
    """The editor hint: the kind's schema, as a path relative to the entry file at ``path``."""
    return f"{MODELINE_PREFIX}{schema_reference(kind, path)}"


def schema_reference(kind: Kind, path: Path | None) -> str:
    """Where the schema is from the file's folder, so editors find it wherever config/ sits.

    The schemas folder is the one beside the billing-config.toml found in the file's folder or
    above it (what ``init`` lays out); ``config/`` need not be at the repository's top. Without
    one, the layout of this repository: ``../../schemas/`` from ``config/<kind>/``.
    """
    if path is not None:
        folder = Path(os.path.abspath(path)).parent
        for candidate in (folder, *folder.parents):
            if (candidate / TARGETS_FILE).is_file():
                schemas = candidate / "schemas"
                if schemas.is_dir():
                    return Path(os.path.relpath(schemas / kind.schema_file, folder)).as_posix()
                break
    return f"../../schemas/{kind.schema_file}"


def needs_quotes(text: str) -> bool:
    if text == "" or text != text.strip() or "\n" in text:
        return True
    if text in _AMBIGUOUS_WORDS or _NUMBER_LIKE.match(text):
        return True
    if text[0] in _INDICATORS:
        return True
    if ": " in text or " #" in text or text.endswith(":"):
        return True
    return _UNPRINTABLE.search(text) is not None


def scalar_text(value: Any) -> str:
    """One value as canonical YAML text."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if not needs_quotes(text):
        return text
    if _UNPRINTABLE.search(text):
        # Such characters cannot appear in single quotes; JSON escapes are valid YAML, and the
        # ones JSON leaves raw are escaped as \uXXXX, which YAML's double quotes read too.
        import json

        return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))
    return "'" + text.replace("'", "''") + "'"


def dump_entry(kind: Kind, data: Mapping[str, Any], comments: tuple[str, ...] = (), *, path: Path | None = None) -> str:
    """A whole entry file: modeline, optional comment lines, then every given field in order.

    Fields are written in schema order; fields the kind does not have are dropped, so callers
    pass exactly what should be in the file (``kind.with_defaults(data)`` for every field).
    """
    lines = [modeline(kind, path)]
    lines.extend(f"# {comment}" if comment else "#" for comment in comments)
    for name in kind.field_names:
        if name in data:
            lines.append(f"{name}: {scalar_text(data[name])}")
    return "\n".join(lines) + "\n"
