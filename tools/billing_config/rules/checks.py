"""The rule sets: which rules run per document and which over the whole tree.

Document rules look at one entry and run in the worker processes next to the loader; tree
rules need every entry at once (references, uniqueness) and run in the parent.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from billing_config.findings import Finding
from billing_config.rules.chain import check_chain, check_entry_settings
from billing_config.loader import Document
from billing_config.rules.changes import ChangeProbe, no_changes
from billing_config.rules.lint import check_display_positions, check_status_settings
from billing_config.rules.lookalike import check_lookalikes
from billing_config.rules.references import Index, check_references, index_documents
from billing_config.rules.json_schema import check_schema
from billing_config.rules.uniqueness import check_uniqueness

DocumentRule = Callable[[Document], list[Finding]]
# A tree rule gets the index and a probe of what this change touched (asked only on a clash).
TreeRule = Callable[[Index, ChangeProbe], list[Finding]]

DOCUMENT_RULES: tuple[DocumentRule, ...] = (check_schema, check_status_settings, check_lookalikes, check_entry_settings)
# References run first and apart: they also need the codes of files that exist but failed to load.
TREE_RULES: tuple[TreeRule, ...] = (check_uniqueness, check_display_positions, check_chain)


def check_document(document: Document) -> list[Finding]:
    findings: list[Finding] = []
    for rule in DOCUMENT_RULES:
        findings.extend(rule(document))
    return findings


def check_tree(
    documents: Sequence[Document],
    present: Mapping[str, Collection[str]] | None = None,
    changes: ChangeProbe = no_changes,
) -> list[Finding]:
    """Rules over the whole tree.

    present maps each kind to the codes of every entry file found, loaded or not: a file that
    failed to load has already been reported, and references to it are not reported again as
    unknown (or, worse, as pointing at another kind that happens to share its code). changes
    says what this change added, edited, removed or renamed (see rules.changes).
    """
    index = index_documents(documents)
    findings = check_references(index, present, changes)
    for rule in TREE_RULES:
        findings.extend(rule(index, changes))
    return findings


__all__ = ["check_document", "check_tree", "index_documents"]
