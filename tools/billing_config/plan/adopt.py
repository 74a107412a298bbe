"""What ``adopt`` proposes: a code for every live row that has none, deterministically.

A row with no code (no code column, or a legacy value such as ``Field_Ops`` that is no valid
file name) is first matched to an existing config file of its kind that no live row holds yet:
by name, then by every field. Two rows claiming one file, or one row matching several files,
is refused: guessing there would bind the wrong row. The rows left get a code made from their
legacy code or their name (``Field_Ops`` -> ``field-ops``, "VIP Client" -> ``vip-client``),
made unique with ``-2``, ``-3``... The live value is never touched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from billing_config.db.live import LiveRow, LiveState
from billing_config.errors import Refused
from billing_config.kinds import CODE_MAX_LENGTH, is_valid_code
from billing_config.loader import Document


@dataclass(frozen=True, slots=True)
class Proposed:
    kind: str
    key: Any
    name: str
    code: str
    source: str  # "file" (matched an existing file), "legacy" (from the stored code), "name"
    created: str | None = None


def slug(text: str) -> str:
    """Text as a code: lower case, runs of anything else as one hyphen, at most 64 characters."""
    split = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", text)  # LondonRegion -> London-Region
    words = re.sub(r"[^a-z0-9]+", "-", split.lower()).strip("-")
    return words[:CODE_MAX_LENGTH].rstrip("-")


def _legacy_code(row: LiveRow, stored: Any) -> str:
    return slug(stored) if isinstance(stored, str) else ""


def propose(documents: Sequence[Document], live: LiveState) -> list[Proposed]:
    """A code for every unbound row of every mapped kind (managed or not)."""
    result: list[Proposed] = []
    problems: list[str] = []
    for kmap in live.mapping.kinds.values():
        kind = kmap.kind
        rows = sorted(live.unbound.get(kind.name, ()), key=lambda r: (str(type(r.id)), r.id))
        if not rows:
            continue
        docs = {d.code: d for d in documents if d.kind == kind.name}
        free = {code: d for code, d in docs.items() if code not in live.rows[kind.name]}
        taken = set(docs) | set(live.rows[kind.name])
        claimed: dict[str, LiveRow] = {}
        left: list[LiveRow] = []
        for row in rows:
            by_name = [code for code, d in free.items() if d.data.get("name") == row.name]
            if not by_name:
                by_name = [code for code, d in free.items() if kind.with_defaults(d.data) == row.values]
            if len(by_name) > 1:
                problems.append(f"{kmap.qualified} row {row.id!r} ({row.name}) matches several files: {', '.join(sorted(by_name))}")
                continue
            if by_name:
                code = by_name[0]
                if code in claimed:
                    problems.append(
                        f"{kmap.qualified} rows {claimed[code].id!r} and {row.id!r} both match config/{kind.name}/{code}.yaml "
                        f"({row.name}); give one of them a different name live, or write --codes by hand"
                    )
                    continue
                claimed[code] = row
                result.append(Proposed(kind.name, row.id, row.name, code, "file", row.created))
            else:
                left.append(row)
        names_seen: dict[str, Any] = {str(d.data.get("name", "")).lower(): code for code, d in docs.items()}
        for row in left:
            lowered = row.name.lower()
            if lowered in names_seen:
                problems.append(
                    f"{kmap.qualified} row {row.id!r} is named '{row.name}', as {names_seen[lowered]!r} is (ignoring case); "
                    "names must be unique within a kind: rename one of them live first"
                )
                continue
            names_seen[lowered] = row.id
            stored = row.legacy
            base = _legacy_code(row, stored) or slug(row.name) or kind.singular.replace(" ", "-")
            code, number = base, 2
            while code in taken or not is_valid_code(code):
                suffix = f"-{number}"
                code = base[: CODE_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
                number += 1
            taken.add(code)
            result.append(Proposed(kind.name, row.id, row.name, code, "legacy" if stored else "name", row.created))
    if problems:
        raise Refused("adopt refused, nothing changed:", details=problems)
    return result


# What a TOML basic string can't hold raw (C0 controls but tab, DEL), and what no reviewer should
# meet raw in a file (C1 controls, line separators, bidi overrides): written as \\uXXXX escapes.
_TOML_ESCAPED = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def toml_string(text: str) -> str:
    """Text as a TOML basic string that any TOML reader reads back as the same text."""
    import json

    quoted = json.dumps(text, ensure_ascii=False)  # JSON's escapes \\" \\\\ \\n \\uXXXX are TOML's too
    return _TOML_ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def render_proposal(proposal: Sequence[Proposed]) -> str:
    """The proposal as a TOML file to review and edit (`adopt --propose FILE`, then `--codes FILE`);
    every value is a TOML string or integer that ``read_codes`` reads back as it was."""
    lines = [
        "# billing-config adopt: the code each live row will be bound to. Edit `code` (lower-case words",
        "# joined by hyphens) and run `billing-config adopt --codes THIS-FILE`.",
    ]
    for item in proposal:
        key = str(item.key) if isinstance(item.key, bool) or not isinstance(item.key, (int, str)) else item.key
        lines += [
            "", "[[adopt]]", f"kind = {toml_string(item.kind)}",
            f"key = {key}" if isinstance(key, int) and -(2**63) <= key < 2**63 else f"key = {toml_string(str(key))}",
            f"name = {toml_string(item.name)}", f"code = {toml_string(item.code)}",
            f"# from: {item.source}",
        ]
    return "\n".join(lines) + "\n"


def read_codes(text: str, source: str, proposal: Sequence[Proposed]) -> list[Proposed]:
    """An edited proposal: the same rows, with the codes a person chose (checked)."""
    import tomllib

    try:
        items = tomllib.loads(text).get("adopt", [])
    except tomllib.TOMLDecodeError as error:
        raise Refused(f"{source}: not valid TOML: {error}") from None
    by_row = {(p.kind, str(p.key)): p for p in proposal}
    chosen: list[Proposed] = []
    seen: set[tuple[str, str]] = set()
    problems = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(f"adopt[{index}]: must be a table with kind, key and code")
            continue
        row = by_row.get((str(item.get("kind")), str(item.get("key"))))
        code = item.get("code")
        if row is None:
            problems.append(f"adopt[{index}]: no unbound row {item.get('kind')} key {item.get('key')!r} (run adopt --propose again)")
        elif not isinstance(code, str) or not is_valid_code(code):
            problems.append(f"adopt[{index}].code: {code!r} is no valid code; lower-case words joined by hyphens, e.g. 'field-ops'")
        elif (row.kind, code) in seen:
            problems.append(f"adopt[{index}].code: '{code}' is given to two rows of {row.kind}")
        else:
            seen.add((row.kind, code))
            chosen.append(Proposed(row.kind, row.key, row.name, code, "codes file" if code != row.code else row.source, row.created))
    if problems:
        raise Refused(f"{source}: adopt refused, nothing changed:", details=problems)
    return chosen
