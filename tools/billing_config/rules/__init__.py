"""Documents to findings.

Document rules look at one entry and run in the worker processes next to the loader; tree
rules need every entry at once (references, uniqueness) and run in the parent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from billing_config.findings import Finding
from billing_config.loader import Document
from billing_config.rules.lint import check_display_positions, check_status_settings
from billing_config.rules.references import Index, check_references, index_documents
from billing_config.rules.schema import check_schema
from billing_config.rules.uniqueness import check_uniqueness

DocumentRule = Callable[[Document], list[Finding]]
TreeRule = Callable[[Index], list[Finding]]

DOCUMENT_RULES: tuple[DocumentRule, ...] = (check_schema, check_status_settings)
TREE_RULES: tuple[TreeRule, ...] = (check_references, check_uniqueness, check_display_positions)


def check_document(document: Document) -> list[Finding]:
    findings: list[Finding] = []
    for rule in DOCUMENT_RULES:
        findings.extend(rule(document))
    return findings


def check_tree(documents: Sequence[Document]) -> list[Finding]:
    index = index_documents(documents)
    findings: list[Finding] = []
    for rule in TREE_RULES:
        findings.extend(rule(index))
    return findings


__all__ = ["check_document", "check_tree", "index_documents"]
