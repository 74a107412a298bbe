"""Names and short names are unique within a kind, ignoring case and Unicode spelling."""

from __future__ import annotations

from billing_config.findings import Finding, finding, shorten
from billing_config.kinds import KINDS
from billing_config.loader import format_json_path
from billing_config.rules.references import Index

_UNIQUE_FIELDS = {"name": "duplicate-name", "short_name": "duplicate-short-name"}


def unique_key(value: str) -> str:
    """What two names must differ in to count as different: case, surrounding spaces and the
    Unicode spelling don't ("Café" typed as one é or as e + combining accent is one name).

    NFC before and after case folding: folding can undo a composition (and ``new`` shares this
    key, so it never creates what validate then rejects).
    """
    import unicodedata

    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", value.strip()).casefold())


def check_uniqueness(index: Index) -> list[Finding]:
    findings: list[Finding] = []
    for kind in KINDS:
        documents = sorted(index[kind.name].values(), key=lambda d: d.path)
        for field, rule in _UNIQUE_FIELDS.items():
            if field not in kind.field_map:
                continue
            first_holder: dict[str, str] = {}
            for document in documents:
                value = document.data.get(field)
                if not isinstance(value, str) or not value.strip():
                    continue
                folded = unique_key(value)
                if folded in first_holder:
                    line, column = document.locate((field,))
                    findings.append(
                        finding(
                            rule, document.path, line, column,
                            f"{field} {shorten(value)} is already used by {first_holder[folded]}; "
                            f"each {kind.singular} needs its own {field.replace('_', ' ')} (case is ignored)",
                            kind=kind.name, code=document.code, json_path=format_json_path((field,)),
                        )
                    )
                else:
                    first_holder[folded] = document.path
    return findings
