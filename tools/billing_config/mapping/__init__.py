"""Where each kind lives in a database: the mapping model, its TOML parser and the default.

Every read and write of the sync engine goes through a :class:`Mapping`. The reference schema
that ``db init`` creates is just the default mapping (:func:`default_mapping`), so a vendor's
database and ours take one code path.
"""

from billing_config.mapping.default import default_mapping
from billing_config.mapping.model import (
    HARD_DELETE, CodeColumn, Condition, FieldMap, KindMap, Mapping, SetValue, UsageMap,
)
from billing_config.mapping.parse import MappingInvalid, load_mapping, parse_mapping

__all__ = [
    "HARD_DELETE", "CodeColumn", "Condition", "FieldMap", "KindMap", "Mapping", "MappingInvalid", "SetValue",
    "UsageMap", "default_mapping", "load_mapping", "parse_mapping",
]
