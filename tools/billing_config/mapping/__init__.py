"""Where each kind lives in a database: the mapping model, its TOML parser and the default.

Every read and write of the sync engine goes through a :class:`Mapping`. The reference schema
that ``db init`` creates is just the default mapping (:func:`default_mapping`), so a vendor's
database and ours take one code path. This stage imports nothing of the database layer: a
mapping is checked offline (``validate --mapping``) as well as against a live schema (``doctor``).
"""

from billing_config.mapping.default import default_mapping
from billing_config.mapping.model import (
    HARD_DELETE, KEY_CODE, KEY_DEFAULT, KEY_MAX_PLUS_ONE, KEY_SEQUENCE, CodeColumn, Condition, FieldMap, Guard, KindMap,
    Lookup, Mapping, SetValue, TableName, Through, UsageMap, now_stamp,
)
from billing_config.mapping.parse import MappingInvalid, Problem, load_mapping, parse_mapping

__all__ = [
    "HARD_DELETE", "KEY_CODE", "KEY_DEFAULT", "KEY_MAX_PLUS_ONE", "KEY_SEQUENCE", "CodeColumn", "Condition", "FieldMap",
    "Guard", "KindMap", "Lookup", "Mapping", "MappingInvalid", "Problem", "SetValue", "TableName", "Through", "UsageMap",
    "default_mapping", "load_mapping", "now_stamp", "parse_mapping",
]
