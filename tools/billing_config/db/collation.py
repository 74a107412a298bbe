"""Codes compared the way the live code column compares them.

Config codes are compared exactly, but a MariaDB column with a PAD SPACE or case- or
accent-insensitive collation holds ``'billing '`` or ``'Billing'`` as *equal* to ``'billing'``:
plan would show a clean create and apply would die on "Duplicate entry". So plan compares codes
(and every unique constraint's values) under the collation the catalogue reads for each column
(db/catalog.py; MariaDB/MySQL only: SQLite's and PostgreSQL's default collations compare
exactly) and reports such collisions as blockers.
"""

from __future__ import annotations

import unicodedata


def collation_key(text: str, collation: str | None) -> str:
    """What the collation sees of the text: a near enough model of MariaDB's rules.

    ``_bin`` without ``nopad``: trailing spaces ignored (PAD SPACE); ``_ci``: case ignored;
    ``general``/``unicode``/``_ai`` collations without ``_as``: accents ignored too.
    """
    if not collation:
        return text
    name = collation.lower()
    key = text
    if "nopad" not in name:
        key = key.rstrip(" ")
    if name.endswith("_bin"):
        return key
    if "_ci" in name:
        key = key.casefold()
    if "_as" not in name:
        key = "".join(ch for ch in unicodedata.normalize("NFD", key) if not unicodedata.combining(ch))
    return key
