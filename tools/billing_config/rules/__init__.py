"""Documents to findings: the per-file rules, the whole-tree rules, and the check of a tree.

Document rules look at one entry and run in the worker processes next to the loader; tree
rules need every entry at once (references, uniqueness) and run in the parent.
"""

from billing_config.rules.checks import check_document, check_tree, index_documents
from billing_config.rules.tree import TreeResult, validate_tree

__all__ = ["TreeResult", "check_document", "check_tree", "index_documents", "validate_tree"]
