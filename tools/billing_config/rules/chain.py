"""The lifecycle chain: a customer status, the number, service and feature statuses it sends its
customer's lines to, and the feature status each of those sends its features to.

Each list is valid on its own and still the chain can contradict itself: a billable customer
whose numbers are in a status that is never billed, a suspended customer whose numbers keep
working. These rules read both ends of every link. Settings that contradict each other within
one entry (CRM-only and billable, a final bill nobody is billed for) are checked per document.

Values are read through the schema defaults (an omitted flag is its default), and only real
booleans count: a wrongly typed value is the schema's to report, not a link to judge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from billing_config.findings import E, W, Finding, declare, finding
from billing_config.kinds import get_kind
from billing_config.loader import Document, format_json_path
from billing_config.rules.changes import ChangeProbe, no_changes
from billing_config.rules.references import Index

# The reasons are those of docs/lifecycle.md, which says more about each rule.
CRM_ONLY_BILLABLE = declare(
    "crm-only-billable", E, "chain", "An entry that is CRM-only (no billing account) and billable at once.",
    reason="A CRM-only record (a lead, a quote) has no billing account, yet is_billable puts it in billing runs: "
    "the platform cannot bill what has no account, so decide which the entry is.",
    mistake="# config/statuses/prospect.yaml\ncrm_only: true\nis_billable: true",
    fix="# config/statuses/prospect.yaml\ncrm_only: true\nis_billable: false",
)
FINAL_INVOICE_NOT_BILLABLE = declare(
    "final-invoice-not-billable", E, "chain",
    "A final invoice on a status that is not billable, so the final bill is never raised.",
    reason="final_invoice asks for a final bill, but billing runs skip customers whose status is not billable, "
    "so the final bill is never raised and the money owed is never invoiced.",
    mistake="# config/statuses/ceased.yaml\nis_billable: false\nfinal_invoice: true",
    fix="# config/statuses/ceased.yaml\nis_billable: true\nfinal_invoice: true",
)
FINAL_INVOICE_WITHOUT_LOGIN = declare(
    "final-invoice-without-login", W, "chain", "A final-bill status without portal login, where customers fetch that bill.",
    reason="Customers fetch their final bill from the portal; a final-bill status that takes the login away "
    "leaves them unable to see what they are asked to pay.",
    mistake="# config/statuses/ceased.yaml\nhas_frontend_login_access: false\nfinal_invoice: true",
    fix="# config/statuses/ceased.yaml\nhas_frontend_login_access: true\nfinal_invoice: true",
)
RELATED_STATUS_NOT_BILLABLE = declare(
    "related-status-not-billable", W, "chain",
    "A billable customer status whose related number or service status is not billable.",
    reason="The customer is billed each run, but the rental and calls of lines in a status that is not billable "
    "never reach the invoice, silently. Final-bill statuses are exempt: they stop ongoing charges on purpose.",
    mistake="# config/statuses/active.yaml\nis_billable: true\nrelated_number_status: available     # not billable",
    fix="# config/statuses/active.yaml\nis_billable: true\nrelated_number_status: active",
)
BILLABLE_STATUS_DROPS_CALLS = declare(
    "billable-status-drops-calls", W, "chain",
    "A billable customer status with can_have_calls false while its numbers have been in service: "
    "calls already made are never billed.",
    reason="can_have_calls: false on a billable customer status keeps call charges off its invoices, including "
    "calls made before the move; barring new calls is the number status's job.",
    mistake="# config/statuses/suspended.yaml\nrelated_number_status: suspended\nis_billable: true\ncan_have_calls: false",
    fix="# config/statuses/suspended.yaml\nrelated_number_status: suspended   # bars new calls\n"
    "is_billable: true\ncan_have_calls: true",
)
SUSPENDED_STATUS_ACTIVE_RELATED = declare(
    "suspended-status-active-related", W, "chain",
    "A suspended customer status whose related number, service or feature status is active.",
    reason="A suspended customer (not also active) whose numbers, services or features are sent to an active "
    "status keeps full service while suspended.",
    mistake="# config/statuses/suspended.yaml\nis_suspended: true\nrelated_number_status: active",
    fix="# config/statuses/suspended.yaml\nis_suspended: true\nrelated_number_status: suspended",
)
ACTIVE_STATUS_SUSPENDED_RELATED = declare(
    "active-status-suspended-related", W, "chain",
    "An active customer status whose related number, service or feature status is suspended.",
    reason="An active customer whose lines are sent to a suspended status is cut off while in good standing, "
    "and calls the support desk to find out why.",
    mistake="# config/statuses/active.yaml\nis_active: true\nrelated_service_status: suspended",
    fix="# config/statuses/active.yaml\nis_active: true\nrelated_service_status: active",
)
RELATED_STATUS_HISTORICAL = declare(
    "related-status-historical", W, "chain", "A related status that is Historical, named by an entry that is not.",
    reason="Historical entries are kept only for records already holding them; a status that is not itself "
    "Historical, naming one, puts more lines into a retired status with every move.",
    mistake="# config/statuses/ceased.yaml\nrelated_number_status: quarantined   # Historical",
    fix="# config/statuses/ceased.yaml\nrelated_number_status: ceased        # a current number status",
)
RELATED_FEATURE_STATUS_DIFFERS = declare(
    "related-feature-status-differs", W, "chain",
    "A customer status's feature status differs from the one its number or service status applies to the same features.",
    reason="The customer status names a feature status, and its number or service status names another for the "
    "same features; the platform applies both, so the features' status depends on which it applies last.",
    mistake="# config/statuses/active.yaml\nrelated_number_status: active    # sends features to active\n"
    "related_feature_status: pending",
    fix="# config/statuses/active.yaml\nrelated_number_status: active\nrelated_feature_status: active",
)
FEATURE_STATUS_CONTRADICTS = declare(
    "feature-status-contradicts", W, "chain",
    "A number or service status whose feature status differs from it in being active, suspended or billable.",
    reason="A number or service status whose features are active or suspended when it is not, or billable while "
    "it is not: features outliving, or outbilling, the line they belong to.",
    mistake="# config/number-statuses/available.yaml\nis_active: false\nrelated_feature_status: active",
    fix="# config/number-statuses/available.yaml\nis_active: false\nrelated_feature_status: pending",
)
SOLE_TRADER_NOT_PERSONAL = declare(
    "sole-trader-not-personal", W, "chain",
    "A sole-trader customer class that is not personal, though sole traders are legal individuals.",
    reason="Sole traders trade as themselves and are legal individuals for data protection, a common place to "
    "get classification wrong; a sole-trader class must be personal.",
    mistake="# config/classes/sole-trader.yaml\npersonal_customer: false\nsole_trader: true",
    fix="# config/classes/sole-trader.yaml\npersonal_customer: true\nsole_trader: true",
)
COMPANIES_HOUSE_CHECK_PERSONAL = declare(
    "companies-house-check-personal", W, "chain",
    "A Companies House check on a personal customer class, where it always fails.",
    reason="Individuals have no Companies House entry, so the check fails for every customer of a personal "
    "class; the check belongs to UK limited companies and PLCs.",
    mistake="# config/classes/residential.yaml\npersonal_customer: true\ncompanies_house_check: true",
    fix="# config/classes/residential.yaml\npersonal_customer: true\ncompanies_house_check: false",
)

CUSTOMER_STATUSES = "statuses"
# The related statuses whose billing follows the customer's: a number or service that is never
# billed while its customer is. Features are often free extras, so they are left out.
BILLED_LINES = ("related_number_status", "related_service_status")
RELATED_STATUSES = ("related_number_status", "related_service_status", "related_feature_status")
LINE_STATUSES = ("number-statuses", "service-statuses")  # the lists that name a feature status
FEATURE_FIELD = "related_feature_status"


def _at(document: Document, rule: str, field: str, message: str) -> Finding:
    line, column = document.locate((field,))
    return finding(
        rule, document.path, line, column, message,
        kind=document.kind, code=document.code, json_path=format_json_path((field,)),
    )


def _value(document: Document, field: str) -> Any:
    """A field's value, its schema default when omitted; None when the kind has no such field
    (a stray field is the schema's to report, not a setting to judge).

    Reads one field, not the whole entry with defaults: these rules run over every entry of a
    16,000-file tree and look at a handful of flags each.
    """
    spec = get_kind(document.kind).field_map.get(field)
    return None if spec is None else document.data.get(field, spec.default)


def _is(document: Document, field: str) -> bool:
    return _value(document, field) is True


def _isnt(document: Document, field: str) -> bool:
    return _value(document, field) is False


# The fields each per-entry check reads; a kind without any of them (groups, departments) is
# skipped without looking at its entries.
_ENTRY_FIELDS = {"crm_only", "final_invoice", "sole_trader", "companies_house_check"}


def check_entry_settings(document: Document) -> list[Finding]:
    """Per-document contradictions the platform cannot carry out (runs in the worker processes).

    Like the lint rules, each applies to any kind whose schema has the fields it reads.
    """
    if _ENTRY_FIELDS.isdisjoint(get_kind(document.kind).field_map):
        return []
    findings: list[Finding] = []
    if _is(document, "crm_only") and _is(document, "is_billable"):
        findings.append(
            _at(document, CRM_ONLY_BILLABLE, "is_billable",
                "a CRM-only record has no billing account, yet is_billable puts it in billing runs; "
                "set is_billable: false, or crm_only: false if these are real customers")
        )
    if _is(document, "final_invoice") and _isnt(document, "is_billable"):
        findings.append(
            _at(document, FINAL_INVOICE_NOT_BILLABLE, "final_invoice",
                "final_invoice asks for a final bill, but is_billable: false keeps these customers out of "
                "every billing run, so it is never raised; set is_billable: true")
        )
    if _is(document, "final_invoice") and _isnt(document, "has_frontend_login_access"):
        findings.append(
            _at(document, FINAL_INVOICE_WITHOUT_LOGIN, "has_frontend_login_access",
                "customers fetch their final bill from the portal, but this status takes their login away; "
                "set has_frontend_login_access: true")
        )
    if _is(document, "sole_trader") and _isnt(document, "personal_customer"):
        findings.append(
            _at(document, SOLE_TRADER_NOT_PERSONAL, "personal_customer",
                "sole traders trade as themselves and are legal individuals for data protection; "
                "set personal_customer: true")
        )
    if _is(document, "companies_house_check") and _is(document, "personal_customer"):
        findings.append(
            _at(document, COMPANIES_HOUSE_CHECK_PERSONAL, "companies_house_check",
                "individuals have no Companies House entry, so the check fails for every customer of this class; "
                "set companies_house_check: false, or personal_customer: false for a registered company")
        )
    return findings


def check_chain(index: Index, changes: ChangeProbe = no_changes) -> list[Finding]:
    """Links between a customer status and its related statuses, and between a number or service
    status and its feature status. A link to a missing entry is the reference rules' to report.

    Each finding is on the one entry whose link it is, so there is no clash to blame and changes
    is not asked."""
    findings: list[Finding] = []
    for document in index[CUSTOMER_STATUSES].values():
        findings.extend(_customer_status_links(document, index))
    for kind_name in LINE_STATUSES:
        for document in index[kind_name].values():
            feature = _target(document, FEATURE_FIELD, index)
            if feature is not None:
                findings.extend(_historical_links(document, {FEATURE_FIELD: feature}))
                findings.extend(_feature_status_link(document, feature))
    return findings


def _target(document: Document, field: str, index: Index) -> tuple[str, Document] | None:
    code = document.data.get(field)
    if not isinstance(code, str):
        return None
    target_kind = get_kind(document.kind).references.get(field)
    if target_kind is None:
        return None
    target = index[target_kind].get(code)
    return None if target is None else (target_kind, target)


def _describe(target_kind: str, target: Document) -> str:
    return f"{get_kind(target_kind).singular} '{target.code}'"


def _historical_links(document: Document, related: Mapping[str, tuple[str, Document]]) -> list[Finding]:
    """A link into a retired (Historical) entry from one that is not retired itself. Only
    related statuses count: moving on to a retired next status is how a lifecycle ends."""
    findings = []
    for field, found in related.items():
        if _value(found[1], "availability") != "Historical" or _value(document, "availability") == "Historical":
            continue
        singular = get_kind(document.kind).singular
        findings.append(
            _at(document, RELATED_STATUS_HISTORICAL, field,
                f"{field} is {_describe(*found)}, which is Historical (kept only where already in use), "
                f"yet every move to this {singular} puts more into it; name a current one, or make this "
                f"{singular} Historical too")
        )
    return findings


def _customer_status_links(document: Document, index: Index) -> list[Finding]:
    references = get_kind(CUSTOMER_STATUSES).references
    data = document.data
    related: dict[str, tuple[str, Document]] = {}
    for field in RELATED_STATUSES:  # _target, unrolled: this loop runs for every customer status
        code = data.get(field)
        if isinstance(code, str) and (target := index[references[field]].get(code)) is not None:
            related[field] = (references[field], target)
    if not related:
        return []
    findings = _historical_links(document, related)
    billable = _is(document, "is_billable")
    billed_each_run = billable and not _is(document, "final_invoice")
    active, suspended = _is(document, "is_active"), _is(document, "is_suspended")
    for field, found in related.items():
        line = found[1]
        if field in BILLED_LINES and billed_each_run and _isnt(line, "is_billable"):
            findings.append(
                _at(document, RELATED_STATUS_NOT_BILLABLE, field,
                    f"this status is billable, but {field} is {_describe(*found)}, which is not billable, so those "
                    "charges are never invoiced; make that status billable or relate a billable one")
            )
        if suspended and not active and _is(line, "is_active") and not _is(line, "is_suspended"):
            findings.append(
                _at(document, SUSPENDED_STATUS_ACTIVE_RELATED, field,
                    f"this status is suspended, but {field} is {_describe(*found)}, which is active, so the "
                    "customer's lines keep working; relate a suspended status")
            )
        if active and not suspended and _is(line, "is_suspended"):
            findings.append(
                _at(document, ACTIVE_STATUS_SUSPENDED_RELATED, field,
                    f"this status is active, but {field} is {_describe(*found)}, which is suspended, so an active "
                    "customer's lines are cut off; relate an active status")
            )
    number = related.get("related_number_status")
    if number is not None and billable and _isnt(document, "can_have_calls"):
        if _is(number[1], "is_active") or _is(number[1], "is_suspended"):
            findings.append(
                _at(document, BILLABLE_STATUS_DROPS_CALLS, "can_have_calls",
                    f"can_have_calls: false leaves calls already made on the customer's numbers off every bill; "
                    f"keep it true and bar new calls through the number status ({_describe(*number)})")
            )
    feature = related.get(FEATURE_FIELD)
    if feature is not None:
        others = [
            f"{field} {_describe(*line_status)} sends them to '{theirs}'"
            for field in BILLED_LINES
            if (line_status := related.get(field)) is not None
            and isinstance(theirs := line_status[1].data.get(FEATURE_FIELD), str) and theirs != feature[1].code
        ]
        if others:
            findings.append(
                _at(document, RELATED_FEATURE_STATUS_DIFFERS, FEATURE_FIELD,
                    f"{FEATURE_FIELD} is '{feature[1].code}', but {' and '.join(others)}; the platform applies "
                    "both to the same features, so make them the same")
            )
    return findings


def _feature_status_link(document: Document, found: tuple[str, Document]) -> list[Finding]:
    kind = get_kind(document.kind)
    feature = found[1]
    clashes = [
        flag for flag in ("is_active", "is_suspended")
        if isinstance(mine := _value(document, flag), bool) and isinstance(theirs := _value(feature, flag), bool) and mine != theirs
    ]
    if _is(feature, "is_billable") and _isnt(document, "is_billable"):
        clashes.append("is_billable")
    if not clashes:
        return []
    return [
        _at(document, FEATURE_STATUS_CONTRADICTS, FEATURE_FIELD,
            f"{FEATURE_FIELD} is {_describe(*found)}, which differs from this {kind.singular} in "
            f"{', '.join(clashes)}; the features would outlive or outbill their {kind.singular.split()[0]}, "
            "so relate a feature status that matches")
    ]
