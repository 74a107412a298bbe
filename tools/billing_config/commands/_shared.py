"""Helpers the database commands share: reading a valid config tree, printing to stderr."""

from __future__ import annotations

import sys
from pathlib import Path

from billing_config.errors import UserError
from billing_config.loader import Document


def load_valid_config(config_dir: Path) -> list[Document]:
    """The documents of a config tree that validates; otherwise print the findings and refuse.

    An invalid config never reaches the database: the findings are printed exactly as
    ``validate`` prints them (to stderr, so a JSON plan on stdout stays clean).
    """
    from billing_config.findings import has_failures
    from billing_config.render import findings as render
    from billing_config.validation import validate_tree

    try:
        result = validate_tree(config_dir)
    except FileNotFoundError:
        raise UserError(
            f"config directory '{config_dir}' does not exist; run from the repository root or pass --config-dir"
        ) from None
    if has_failures(result.findings, strict=False):
        sys.stderr.write(render.render_text(result.findings))
        raise UserError(
            f"the configuration has {result.errors} error(s); fix them (see `billing-config validate`) "
            "before planning or applying: an invalid config never produces a plan"
        )
    return result.documents
