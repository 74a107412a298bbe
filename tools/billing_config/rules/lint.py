"""Advice: settings that are allowed but almost certainly not what the administrator meant."""

from __future__ import annotations

from billing_config.findings import Finding, finding
from billing_config.kinds import KINDS, get_kind
from billing_config.loader import Document, format_json_path
from billing_config.rules.references import Index

FINAL_BILL_OPTIONS = (
    "ignore_cutoff_date",
    "ignore_billable_status",
    "ignore_cutoff_date_calls",
    "ignore_billable_status_calls",
)


def _at(document: Document, rule: str, field: str, message: str) -> Finding:
    line, column = document.locate((field,))
    return finding(
        rule, document.path, line, column, message,
        kind=document.kind, code=document.code, json_path=format_json_path((field,)),
    )


def check_status_settings(document: Document) -> list[Finding]:
    """Per-document advice on status-like settings (runs in the worker processes).

    Each piece of advice applies to any kind whose schema has the fields it reads, so a kind
    gains it by declaring the fields, not by being named here; a stray field in another kind
    is the schema's to report, not advice.
    """
    fields = get_kind(document.kind).field_map
    data = {name: value for name, value in document.data.items() if name in fields}
    findings: list[Finding] = []
    if data.get("is_active") is True and data.get("is_suspended") is True:
        findings.append(
            _at(document, "active-and-suspended", "is_suspended",
                "the status is both active and suspended; reports will count these customers twice, so set one of them to false")
        )
    if data.get("crm_only") is True and data.get("has_frontend_login_access") is True:
        findings.append(
            _at(document, "crm-only-with-login", "has_frontend_login_access",
                "a CRM-only status lets customers log in to the portal; CRM-only records normally have no login, so set this to false")
        )
    if data.get("final_invoice") is not True:
        for option in FINAL_BILL_OPTIONS:
            if data.get(option) is True:
                findings.append(
                    _at(document, "final-bill-options-unused", option,
                        f"{option} only applies to final bills, but final_invoice is not true; "
                        f"set final_invoice: true or remove {option}")
                )
    return findings


def check_display_positions(index: Index) -> list[Finding]:
    """Two entries of a kind at the same explicit display position sort arbitrarily."""
    findings: list[Finding] = []
    for kind in KINDS:
        if not kind.has_display_position:
            continue
        first_holder: dict[int, str] = {}
        for document in sorted(index[kind.name].values(), key=lambda d: d.path):
            position = document.data.get("display_position")
            if not isinstance(position, int) or isinstance(position, bool):
                continue
            if position in first_holder:
                findings.append(
                    _at(document, "duplicate-display-position", "display_position",
                        f"display_position {position} is also used by {first_holder[position]}; "
                        f"give each {kind.singular} its own position so lists sort predictably")
                )
            else:
                first_holder[position] = document.path
    return findings
