"""Advice: settings that are allowed but almost certainly not what the administrator meant."""

from __future__ import annotations

from billing_config.findings import W, Finding, declare, finding
from billing_config.kinds import KINDS, get_kind
from billing_config.loader import Document, format_json_path
from billing_config.rules.changes import ChangeProbe, no_changes
from billing_config.rules.references import Index
from billing_config.rules.uniqueness import blamed, copied_codes, others_text

ACTIVE_AND_SUSPENDED = declare(
    "active-and-suspended", W, "lint", "A status that is both active and suspended.",
    reason="Reports count active and suspended customers apart; a status that is both puts its customers in both counts.",
    mistake="is_active: true\nis_suspended: true",
    fix="is_active: false\nis_suspended: true",
)
CRM_ONLY_WITH_LOGIN = declare(
    "crm-only-with-login", W, "lint", "A CRM-only status that still allows portal login.",
    reason="CRM-only records are contacts, not customers with services; letting them log in to the portal is "
    "almost never meant.",
    mistake="crm_only: true\nhas_frontend_login_access: true",
    fix="crm_only: true\nhas_frontend_login_access: false",
)
FINAL_BILL_OPTIONS_UNUSED = declare(
    "final-bill-options-unused", W, "lint",
    "Final-bill options set on a status whose final_invoice is false; they have no effect.",
    reason="The ignore_* options change only final bills; on a status that raises no final bill they do nothing, "
    "which usually means final_invoice was forgotten.",
    mistake="final_invoice: false\nignore_cutoff_date: true",
    fix="final_invoice: true\nignore_cutoff_date: true",
)
DUPLICATE_DISPLAY_POSITION = declare(
    "duplicate-display-position", W, "lint", "Two entries of a kind share a display position, so their order is arbitrary.",
    reason="Lists on the platform sort by display position; two entries at the same position swap places "
    "unpredictably from one screen to the next.",
    mistake="# config/statuses/payment-plan.yaml\ndisplay_position: 40     # Suspended is at 40",
    fix="# config/statuses/payment-plan.yaml\ndisplay_position: 45",
)

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
            _at(document, ACTIVE_AND_SUSPENDED, "is_suspended",
                "the status is both active and suspended; reports will count these customers twice, so set one of them to false")
        )
    if data.get("crm_only") is True and data.get("has_frontend_login_access") is True:
        findings.append(
            _at(document, CRM_ONLY_WITH_LOGIN, "has_frontend_login_access",
                "a CRM-only status lets customers log in to the portal; CRM-only records normally have no login, so set this to false")
        )
    if data.get("final_invoice") is not True:
        for option in FINAL_BILL_OPTIONS:
            if data.get(option) is True:
                findings.append(
                    _at(document, FINAL_BILL_OPTIONS_UNUSED, option,
                        f"{option} only applies to final bills, but final_invoice is not true; "
                        f"set final_invoice: true or remove {option}")
                )
    return findings


def check_display_positions(index: Index, changes: ChangeProbe = no_changes) -> list[Finding]:
    """Two entries of a kind at the same explicit display position sort arbitrarily.

    Reported on the entry this change moved there, naming the one already at that position.
    """
    findings: list[Finding] = []
    for kind in KINDS:
        if not kind.has_display_position:
            continue
        holders: dict[int, list[Document]] = {}
        for document in sorted(index[kind.name].values(), key=lambda d: d.path):
            position = document.data.get("display_position")
            if isinstance(position, int) and not isinstance(position, bool):
                holders.setdefault(position, []).append(document)
        clashes = [group for group in holders.values() if len(group) > 1]
        if not clashes:
            continue
        copied = copied_codes(kind, index)
        for group in clashes:
            if all(d.code in copied for d in group):
                continue  # one entry pasted twice: duplicate-entry says so once
            for document in blamed(group, changes):
                findings.append(
                    _at(document, DUPLICATE_DISPLAY_POSITION, "display_position",
                        f"display_position {document.data['display_position']} is also used by {others_text(document, group)}; "
                        f"give each {kind.singular} its own position so lists sort predictably")
                )
    return findings
