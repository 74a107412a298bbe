"""The reference schema as a mapping, derived from the kinds registry.

``db init`` creates exactly this layout (``db.tables``): a table per kind with key ``id``, the
code in ``code``, a column per field named as the field (a reference ``x`` as ``x_id``, holding
the target's key), ``created``/``last_modified`` timestamps, hard deletes. A kind added to the
registry is mapped here without touching this module.

Usage comes from the registry, plus the reference schema's one measure: ``services.monthly_charge``
(in pounds a month), summed for a service status over its services, and for a customer status
over the services of its customers (through ``customers``).
"""

from __future__ import annotations

from functools import lru_cache

from billing_config.mapping.model import HARD, CodeColumn, FieldMap, KindMap, Mapping, SetValue, TableName, Through, UsageMap
from billing_config.kinds import KINDS, Field, Kind

NOW = SetValue(now="datetime")
MONTHLY_CHARGE = "monthly_charge"  # services.monthly_charge, NUMERIC(10,2)
MONTHLY_UNIT = "GBP a month"


def reference_column(field: Field) -> str:
    """A reference field holds a code in the config and the target's key in the database."""
    return f"{field.name}_id" if field.references else field.name


def reference_usage(kind: Kind) -> tuple[UsageMap, ...]:
    """What uses a kind's entries in the reference schema, with the services' monthly charges."""
    if kind.usage is None:
        return ()
    usage = UsageMap(kind.usage.table, None, kind.usage.column, kind.usage.noun)
    if kind.name == "service-statuses":
        return (UsageMap(usage.table, None, usage.column, usage.noun, sum=MONTHLY_CHARGE, unit=MONTHLY_UNIT),)
    if kind.name == "statuses":
        services = UsageMap(
            "services", None, "customer_id", "services",
            through=Through(TableName(kind.usage.table), "id", kind.usage.column), sum=MONTHLY_CHARGE, unit=MONTHLY_UNIT,
        )
        return (usage, services)
    return (usage,)


@lru_cache(maxsize=1)
def default_mapping() -> Mapping:
    kinds = {}
    for kind in KINDS:
        usage = reference_usage(kind)
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
