"""Names and short names are unique within a kind, ignoring case; an entry lives in one file.

When two entries clash, the finding lands on the one this change added or edited (see
rules.changes) and names the other: that is the file the admin has open. When git cannot
tell (no checkout, both new, both untouched), every party to the clash gets one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from billing_config.findings import E, Finding, declare, finding, shorten
from billing_config.kinds import KINDS, Kind
from billing_config.loader import Document, format_json_path
from billing_config.rules.changes import ChangeProbe, no_changes
from billing_config.rules.references import Index

DUPLICATE_NAME = declare(
    "duplicate-name", E, "uniqueness", "Two entries of a kind share a name, ignoring case.",
    reason="Staff pick statuses and groups by name; two with the same name cannot be told apart in the "
    "platform's lists, and reports would merge them.",
    mistake="# config/departments/sales-2.yaml\nname: Sales         # config/departments/sales.yaml has it",
    fix="# config/departments/sales-2.yaml\nname: Sales North",
)
DUPLICATE_SHORT_NAME = declare(
    "duplicate-short-name", E, "uniqueness", "Two entries of a kind share a short name, ignoring case.",
    reason="Short names stand in for names where space is tight (reports, the portal's badges); two alike "
    "cannot be told apart there.",
    mistake="# config/statuses/payment-plan.yaml\nshort_name: PEN     # Pending Connection has it",
    fix="# config/statuses/payment-plan.yaml\nshort_name: PPL",
)
DUPLICATE_ENTRY = declare(
    "duplicate-entry", E, "uniqueness", "Two files of a kind hold the same entry, field for field.",
    reason="A file copied to make a new entry and never edited is a second entry under another code: the "
    "plan would create it on the platform as a twin of the first.",
    mistake="config/statuses/active.yaml\nconfig/statuses/active-copy.yaml    # the same fields",
    fix="config/statuses/active.yaml         # the copy removed, or edited into its own entry",
)

_UNIQUE_FIELDS = {"name": DUPLICATE_NAME, "short_name": DUPLICATE_SHORT_NAME}
# A copy is told from a name clash by everything else matching too; with a name alone it is not.
_MIN_COPIED_FIELDS = 3
_OWN_FIELDS = (("name", "name"), ("short_name", "short name"), ("display_position", "display position"))


def unique_key(value: str) -> str:
    """What two names must differ in to count as different: case, surrounding spaces and the
    Unicode spelling don't ("Café" typed as one é or as e + combining accent is one name).

    NFC before and after case folding: folding can undo a composition (and ``new`` shares this
    key, so it never creates what validate then rejects).
    """
    import unicodedata

    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", value.strip()).casefold())


def relative_path(document: Document) -> str:
    """The entry's file relative to the config folder, as git changes name it."""
    return f"{document.kind}/{document.code}.yaml"


def blamed(documents: Sequence[Document], changes: ChangeProbe) -> list[Document]:
    """Which of the clashing entries to report: those this change added or edited, if some
    but not all of them; otherwise every one."""
    if len(documents) < 2:
        return list(documents)
    known = changes()
    if known is None:
        return list(documents)
    touched = [d for d in documents if known.touched(relative_path(d))]
    return touched if touched and len(touched) < len(documents) else list(documents)


def others_text(document: Document, group: Sequence[Document]) -> str:
    others = [d.path for d in group if d is not document]
    return ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")


def copies(kind: Kind, index: Index) -> list[list[Document]]:
    """Groups of entries of a kind identical in every field: one entry pasted under two codes."""
    # Copies share every value, their name too: only entries that share a name are compared
    # whole, so a big tree of distinct names costs one look at each name.
    candidates: dict[str, list[Document]] = {}
    for document in sorted(index[kind.name].values(), key=lambda d: d.path):
        if len(document.data) < _MIN_COPIED_FIELDS:
            continue  # 'name: Sales' twice is a name clash; nothing else tells a copy apart
        candidates.setdefault(repr(document.data.get("name")), []).append(document)
    groups: dict[str, list[Document]] = {}
    for candidate in candidates.values():
        if len(candidate) > 1:
            for document in candidate:
                groups.setdefault(json.dumps(document.data, sort_keys=True, default=str), []).append(document)
    return sorted((group for group in groups.values() if len(group) > 1), key=lambda group: group[0].path)


def copied_codes(kind: Kind, index: Index) -> set[str]:
    """Codes of entries in a group of copies; the clash rules leave them to duplicate-entry."""
    return {document.code for group in copies(kind, index) for document in group}


def check_uniqueness(index: Index, changes: ChangeProbe = no_changes) -> list[Finding]:
    findings: list[Finding] = []
    for kind in KINDS:
        documents = sorted(index[kind.name].values(), key=lambda d: d.path)
        copied: set[str] = set()
        if len(documents) > 1:
            for group in copies(kind, index):
                copied.update(d.code for d in group)
                findings.extend(_copy_findings(kind, group, changes))
        for field, rule in _UNIQUE_FIELDS.items():
            if field not in kind.field_map:
                continue
            holders: dict[str, list[Document]] = {}
            for document in documents:
                value = document.data.get(field)
                if isinstance(value, str) and value.strip():
                    holders.setdefault(unique_key(value), []).append(document)
            for group in holders.values():
                if len(group) > 1 and not all(d.code in copied for d in group):
                    findings.extend(_clash_findings(kind, field, rule, group, changes))
    return findings


def _clash_findings(kind: Kind, field: str, rule: str, group: list[Document], changes: ChangeProbe) -> list[Finding]:
    findings = []
    words = field.replace("_", " ")
    reported = blamed(group, changes)
    # "already" when this change brought the clash in; "also" when no side can be told apart.
    when = "already" if len(reported) < len(group) else "also"
    for document in reported:
        line, column = document.locate((field,))
        value = document.data[field]
        findings.append(
            finding(
                rule, document.path, line, column,
                f"{field} {shorten(value)} is {when} used by {others_text(document, group)}; "
                f"give this {kind.singular} a {words} of its own (case is ignored)",
                kind=kind.name, code=document.code, json_path=format_json_path((field,)),
            )
        )
    return findings


def _copy_findings(kind: Kind, group: list[Document], changes: ChangeProbe) -> list[Finding]:
    own = [words for field, words in _OWN_FIELDS if field in kind.field_map]
    own_text = ", ".join(own[:-1]) + f" and {own[-1]}" if len(own) > 1 else own[0]
    return [
        finding(
            DUPLICATE_ENTRY, document.path, 1, 1,
            f"this file is a copy of {others_text(document, group)}, field for field; remove the copy, "
            f"or give it its own {own_text} if it is a new {kind.singular}",
            kind=kind.name, code=document.code,
        )
        for document in blamed(group, changes)
    ]
