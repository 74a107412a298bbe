"""The reference schema as a mapping, derived from the kinds registry.

``db init`` creates exactly this layout (``db.tables``): a table per kind with key ``id``, the
code in ``code``, a column per field named as the field (a reference ``x`` as ``x_id``, holding
the target's key), ``created``/``last_modified`` timestamps, hard deletes. A kind added to the
registry is mapped here without touching this module.
"""

from __future__ import annotations

from functools import lru_cache

from billing_config.mapping.model import HARD, CodeColumn, FieldMap, KindMap, Mapping, SetValue, UsageMap
from billing_config.kinds import KINDS, Field

NOW = SetValue(now="datetime")


def reference_column(field: Field) -> str:
    """A reference field holds a code in the config and the target's key in the database."""
    return f"{field.name}_id" if field.references else field.name


@lru_cache(maxsize=1)
def default_mapping() -> Mapping:
    kinds = {}
    for kind in KINDS:
        usage = (UsageMap(kind.usage.table, None, kind.usage.column, kind.usage.noun),) if kind.usage else ()
        kinds[kind.name] = KindMap(
            kind=kind,
            table=kind.table,
            schema=None,
            key="id",
            code=CodeColumn("code"),
            fields=tuple(FieldMap(field, reference_column(field)) for field in kind.fields),
            insert_set={"created": NOW, "last_modified": NOW},
            update_set={"last_modified": NOW},
            created="created",
            delete=HARD,
            managed=kind.managed,
            usage=usage,
        )
    return Mapping(kinds=kinds)
