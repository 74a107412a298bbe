"""Every rule the validator knows, with a stable id, a severity and a one-line summary.

Ids never change meaning once published: CI configurations, suppressions and people's memory
refer to them. The loader, the rules and the generated docs all read this table, so a rule's
severity is decided here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from billing_config.findings.model import Finding, Severity

E = Severity.ERROR
W = Severity.WARNING


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: str
    severity: Severity
    stage: str  # "layout", "yaml", "schema", "references", "uniqueness", "format", "chain", "lint", "doctor"
    summary: str


_RULES = (
    # Layout of the config tree.
    RuleInfo("layout-unknown-folder", E, "layout", "A folder under config/ that is not a kind."),
    RuleInfo("layout-stray-file", E, "layout", "A file directly under config/, outside every kind folder."),
    RuleInfo("layout-nested-folder", E, "layout", "A folder inside a kind folder; entries are flat files."),
    RuleInfo("file-extension", E, "layout", "A file in a kind folder that is not named *.yaml."),
    RuleInfo("file-symlink", E, "layout", "A symbolic link where an entry file is expected."),
    RuleInfo("file-not-regular", E, "layout", "A pipe, socket or device where an entry file is expected; reading it could hang."),
    RuleInfo("layout-unreadable-folder", E, "layout", "A folder of the config tree that cannot be listed."),
    RuleInfo("invalid-code", E, "layout", "A file name that is not a valid code (lower-case words joined by hyphens, at most 64 characters)."),
    # Reading the bytes and the YAML.
    RuleInfo("file-unreadable", E, "yaml", "A file that cannot be read, for example for lack of permission."),
    RuleInfo("file-too-large", E, "yaml", "A file far larger than any entry needs; refused before parsing."),
    RuleInfo("file-encoding", E, "yaml", "Bytes that are not UTF-8 text, or a NUL byte."),
    RuleInfo("yaml-too-deep", E, "yaml", "Nesting deeper than any entry needs; refused before building it."),
    RuleInfo("yaml-syntax", E, "yaml", "Text that is not well-formed YAML."),
    RuleInfo("yaml-empty", E, "yaml", "A file with no entry in it."),
    RuleInfo("yaml-multiple-documents", E, "yaml", "More than one YAML document in one file."),
    RuleInfo("yaml-not-mapping", E, "yaml", "A top level that is not a mapping of field names to values."),
    RuleInfo("yaml-duplicate-key", E, "yaml", "The same key twice in one mapping; YAML libraries silently keep the last."),
    RuleInfo("yaml-anchor", E, "yaml", "Anchors and aliases; they hide values and allow alias bombs."),
    RuleInfo("yaml-tag", E, "yaml", "An explicit YAML tag such as !!str or !python/object."),
    RuleInfo("yaml-key-type", E, "yaml", "A key that is not a plain piece of text."),
    # The JSON Schema of the kind.
    RuleInfo("schema-required", E, "schema", "A required field is missing."),
    RuleInfo("schema-unknown-field", E, "schema", "A field the kind does not have."),
    RuleInfo("schema-type", E, "schema", "A value of the wrong type."),
    RuleInfo("schema-enum", E, "schema", "A value outside the allowed list."),
    RuleInfo("schema-length", E, "schema", "Text longer or shorter than the field allows."),
    RuleInfo("schema-range", E, "schema", "A number outside the field's range."),
    RuleInfo("schema-pattern", E, "schema", "Text that does not have the field's form."),
    RuleInfo("schema", E, "schema", "Any other breach of the kind's JSON Schema."),
    # Cross-references between entries.
    RuleInfo("unknown-reference", E, "references", "A reference to an entry that does not exist."),
    RuleInfo("wrong-kind-reference", E, "references", "A reference to an entry of another kind, such as a service status where a number status belongs."),
    RuleInfo("next-status-self", E, "references", "A status whose next status is itself."),
    RuleInfo("next-status-cycle", E, "references", "Following next statuses comes back to where it started."),
    # Uniqueness within a kind.
    RuleInfo("duplicate-name", E, "uniqueness", "Two entries of a kind share a name, ignoring case and Unicode spelling (NFC)."),
    RuleInfo("duplicate-short-name", E, "uniqueness", "Two entries of a kind share a short name, ignoring case."),
    RuleInfo("mixed-script-name", W, "lint", "A name with a word mixing Latin, Greek or Cyrillic letters; it looks like another name."),
    # Formatting: valid YAML that fmt cannot rewrite without guessing.
    RuleInfo("fmt-cannot-format", E, "format", "A file fmt cannot put in canonical form without guessing, such as two keys on one line; it is left as it is."),
    # The lifecycle chain: settings the platform cannot carry out, and links that contradict themselves.
    RuleInfo("crm-only-billable", E, "chain", "An entry that is CRM-only (no billing account) and billable at once."),
    RuleInfo("final-invoice-not-billable", E, "chain", "A final invoice on a status that is not billable, so the final bill is never raised."),
    RuleInfo("final-invoice-without-login", W, "chain", "A final-bill status without portal login, where customers fetch that bill."),
    RuleInfo("related-status-not-billable", W, "chain", "A billable customer status whose related number or service status is not billable."),
    RuleInfo("billable-status-drops-calls", W, "chain", "A billable customer status with can_have_calls false while its numbers have been in service: calls already made are never billed."),
    RuleInfo("suspended-status-active-related", W, "chain", "A suspended customer status whose related number, service or feature status is active."),
    RuleInfo("active-status-suspended-related", W, "chain", "An active customer status whose related number, service or feature status is suspended."),
    RuleInfo("related-status-historical", W, "chain", "A related status that is Historical, named by an entry that is not."),
    RuleInfo("related-feature-status-differs", W, "chain", "A customer status's feature status differs from the one its number or service status applies to the same features."),
    RuleInfo("feature-status-contradicts", W, "chain", "A number or service status whose feature status differs from it in being active, suspended or billable."),
    RuleInfo("sole-trader-not-personal", W, "chain", "A sole-trader customer class that is not personal, though sole traders are legal individuals."),
    RuleInfo("companies-house-check-personal", W, "chain", "A Companies House check on a personal customer class, where it always fails."),
    # Advice an administrator wants to see; failures only with --strict.
    RuleInfo("active-and-suspended", W, "lint", "A status that is both active and suspended."),
    RuleInfo("crm-only-with-login", W, "lint", "A CRM-only status that still allows portal login."),
    RuleInfo("final-bill-options-unused", W, "lint", "Final-bill options set on a status whose final_invoice is false; they have no effect."),
    # doctor: does the database fit its mapping?
    RuleInfo("doctor-missing-table", E, "doctor", "A table the mapping names does not exist."),
    RuleInfo("doctor-missing-column", E, "doctor", "A column the mapping names does not exist in its table."),
    RuleInfo("doctor-column-type", E, "doctor", "A column's type cannot hold the values of the field mapped to it."),
    RuleInfo("doctor-column-length", E, "doctor", "A text column shorter than the longest value the field's schema allows."),
    RuleInfo("doctor-not-null", E, "doctor", "A NOT NULL column without a default that no field, where or set covers; inserts would fail."),
    RuleInfo("doctor-key-default", E, "doctor", "The key column has no identity, auto-increment or default, so new rows would get no key."),
    RuleInfo("doctor-live-value", E, "doctor", "A live value no encoding of the mapping reads, or a reference to a row the tool cannot see."),
    RuleInfo("doctor-sql-mode", E, "doctor", "MariaDB/MySQL without strict mode silently truncates text and zeroes bad values."),
    RuleInfo("doctor-search-path", E, "doctor", "PostgreSQL's search_path names no schema, so unqualified tables cannot be found."),
    RuleInfo("doctor-privilege", E, "doctor", "The database user lacks a privilege the tool needs on a mapped table."),
    RuleInfo("doctor-trigger", W, "doctor", "A mapped table has triggers; they run on every write the tool makes."),
    RuleInfo("duplicate-display-position", W, "lint", "Two entries of a kind share a display position, so their order is arbitrary."),
)

CATALOGUE: dict[str, RuleInfo] = {rule.id: rule for rule in _RULES}

MAX_MESSAGE = 1000


def finding(
    rule: str,
    path: str,
    line: int,
    column: int,
    message: str,
    *,
    kind: str | None = None,
    code: str | None = None,
    json_path: str = "$",
) -> Finding:
    """A finding whose severity comes from the catalogue, so no caller can disagree with it.

    The message is cut at MAX_MESSAGE characters as a last line of defence: every rule already
    quotes values through findings.shorten, but no slip may ever print a whole huge value.
    """
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    return Finding(
        path=path,
        line=line,
        column=column,
        severity=CATALOGUE[rule].severity,
        rule=rule,
        message=message,
        kind=kind,
        code=code,
        json_path=json_path,
    )
