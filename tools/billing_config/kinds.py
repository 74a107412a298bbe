"""The registry of kinds: the one place where a kind of configuration entry is declared.

Everything else (loader, rules, database tables, planner, exporter, formatter, docs) reads this
module, so adding a kind means adding a declaration here and a schema in ``schemas/``.

Fields are not repeated here: their names, order, types, defaults and lengths come from the
kind's JSON Schema, which is also what editors and reviewers read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

CODE_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
CODE_MAX_LENGTH = 64
CODE_RE = re.compile(CODE_PATTERN)

SCHEMA_SUFFIX = ".schema.json"


def schemas_dir() -> Path:
    """Where the JSON Schemas are: inside the installed package, or at the repository top.

    A wheel carries them as ``billing_config/schemas``; an editable install or a source
    checkout reads the repository's own ``schemas/`` folder.
    """
    packaged = Path(__file__).resolve().parent / "schemas"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "schemas"


def is_valid_code(code: object) -> bool:
    """A whole-string match, whatever the code's origin (file name, live row, plan file, argument).

    ``fullmatch``, not ``match``: Python's ``$`` also matches before a final line break, so
    ``"x\n"`` would pass ``match`` and then become a file name, a Mermaid node or a SQL value.
    """
    return isinstance(code, str) and len(code) <= CODE_MAX_LENGTH and CODE_RE.fullmatch(code) is not None


class Field(NamedTuple):
    """One config field, as its kind's JSON Schema describes it."""

    name: str
    type: str  # "string", "boolean" or "integer" (a reference is a string holding a code)
    title: str
    description: str
    required: bool
    default: Any
    nullable: bool
    max_length: int | None = None
    enum: tuple[str, ...] | None = None
    references: str | None = None  # the kind whose code this field holds
    minimum: int | None = None  # integers: the schema's bounds (a target's column may be narrower)
    maximum: int | None = None


class Usage(NamedTuple):
    """A table outside the registry whose rows point at entries of a kind.

    The planner counts these rows to show a change's impact, and a delete is refused while
    any exist.
    """

    table: str
    column: str
    noun: str  # plural, as a reviewer reads it: "customers", "tickets"


class Shipped(NamedTuple):
    """Entries the platform ships and relies on: their codes, and why they should stay as shipped.

    The platform's own billing, reporting and delivery rules look these entries up, so a plan
    that changes or deletes one warns (in every format) with this reason. The codes are the
    ones the sample config gives them; a platform that named them differently lists its own.
    """

    codes: frozenset[str]
    reason: str


class Kind:
    """One kind of entry, declared once in KINDS below; its fields come from its schema.

    A plain class (the module docstring of findings.model says why not a dataclass); kinds are
    compared by identity, as there is one of each.
    """

    def __init__(
        self,
        name: str,
        singular: str,
        table: str,
        managed: bool,
        references: Mapping[str, str] | None = None,
        usage: Usage | None = None,
        aliases: tuple[str, ...] = (),
        seeded: bool = False,
        shipped: Shipped | None = None,
        charge_fields: tuple[str, ...] = (),
    ) -> None:
        self.name = name  # folder under config/ and schema file stem, e.g. "statuses"
        self.singular = singular  # how messages name one entry: "status", "number status"
        self.table = table  # live database table
        self.managed = managed  # True: the sync tool writes it; False: only checked to exist live
        self.references: Mapping[str, str] = references if references is not None else {}  # field -> kind name
        self.usage = usage
        # Further names `new` accepts besides the folder name and the hyphenated singular.
        self.aliases = aliases
        # The platform comes with this list filled in: `db init` copies it from config/ into an
        # empty table even without --sample-data, as a fresh platform would have it.
        self.seeded = seeded
        self.shipped = shipped
        # The fields that decide whether the charges of what uses an entry are invoiced: a change
        # to one states the money it moves (a usage table's measure) and counts toward
        # --max-monthly-change.
        self.charge_fields = charge_fields

    def __repr__(self) -> str:
        return f"Kind({self.name!r})"

    @property
    def schema_file(self) -> str:
        return f"{self.name}{SCHEMA_SUFFIX}"

    @property
    def schema_path(self) -> Path:
        return schemas_dir() / self.schema_file

    @cached_property
    def schema(self) -> dict[str, Any]:
        with open(self.schema_path, "rb") as handle:
            loaded: dict[str, Any] = json.load(handle)
        return loaded

    @cached_property
    def fields(self) -> tuple[Field, ...]:
        """The kind's fields in schema order, which is also the canonical key order."""
        required = set(self.schema.get("required", ()))
        result = []
        for name, spec in self.schema["properties"].items():
            types = spec.get("type", "string")
            types = [types] if isinstance(types, str) else list(types)
            nullable = "null" in types
            base = next((t for t in types if t != "null"), "string")
            enum = spec.get("enum")
            result.append(
                Field(
                    name=name,
                    type=base,
                    title=spec.get("title", name),
                    description=spec.get("description", ""),
                    required=name in required,
                    default=spec.get("default"),
                    nullable=nullable,
                    max_length=spec.get("maxLength"),
                    enum=tuple(e for e in enum if e is not None) if enum else None,
                    references=self.references.get(name),
                    minimum=spec.get("minimum"),
                    maximum=spec.get("maximum"),
                )
            )
        return tuple(result)

    @cached_property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @cached_property
    def field_map(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @cached_property
    def defaults(self) -> dict[str, Any]:
        return {f.name: f.default for f in self.fields if not f.required}

    def with_defaults(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The entry as the platform sees it: every field, omitted ones at their default."""
        return {f.name: data.get(f.name, f.default) for f in self.fields}

    @cached_property
    def reference_fields(self) -> tuple[Field, ...]:
        """Fields holding another entry's code: stored as ids, written once their target exists."""
        return tuple(f for f in self.fields if f.references)

    @cached_property
    def self_references(self) -> tuple[str, ...]:
        """Fields that name another entry of this same kind (a status's next status).

        Following them must never come back to where it started, so the rules check them for
        self-reference and loops without naming any field.
        """
        return tuple(name for name, target in self.references.items() if target == self.name)

    @property
    def has_display_position(self) -> bool:
        return "display_position" in self.field_map


_REFERENCE_FIELDS_OF_A_STATUS = {
    "next_status": "statuses",
    "related_number_status": "number-statuses",
    "related_service_status": "service-statuses",
    "related_feature_status": "feature-statuses",
}

STANDARD_CLASSES = Shipped(
    codes=frozenset({
        "residential", "sole-trader", "uk-limited-company", "uk-plc", "international-company",
        "public-sector", "charity", "reseller",
    }),
    reason=(
        "the platform ships this customer class and its billing, reporting and delivery rules rely on it; "
        "the platform's documentation says shipped classes should not normally be edited"
    ),
)

# The order is the order the sync engine creates in (and deletes in reverse), so a kind comes
# after every kind it refers to: feature statuses before the number statuses that name them,
# all three status lists before the customer statuses that name them.
KINDS: tuple[Kind, ...] = (
    Kind(
        "feature-statuses", "feature status", "feature_statuses", managed=True, seeded=True,
        usage=Usage("features", "feature_status_id", "features"), charge_fields=("is_billable",),
    ),
    Kind(
        "number-statuses", "number status", "number_statuses", managed=True, seeded=True,
        references={"related_feature_status": "feature-statuses"},
        usage=Usage("numbers", "number_status_id", "numbers"), charge_fields=("is_billable",),
    ),
    Kind(
        "service-statuses", "service status", "service_statuses", managed=True, seeded=True,
        references={"related_feature_status": "feature-statuses"},
        usage=Usage("services", "service_status_id", "services"), charge_fields=("is_billable",),
    ),
    Kind(
        "statuses",
        "customer status",
        "customer_statuses",
        managed=True,
        references=_REFERENCE_FIELDS_OF_A_STATUS,
        usage=Usage("customers", "customer_status_id", "customers"),
        aliases=("status",),
        charge_fields=("is_billable", "can_have_fixed_charges", "final_invoice"),
    ),
    Kind(
        "groups",
        "customer group",
        "customer_groups",
        managed=True,
        usage=Usage("customer_group_members", "customer_group_id", "customers"),
        aliases=("group",),
    ),
    Kind(
        "classes", "customer class", "customer_classes", managed=True, seeded=True,
        usage=Usage("customers", "customer_class_id", "customers"),
        aliases=("class",),
        shipped=STANDARD_CLASSES,
    ),
    Kind(
        "departments",
        "department",
        "departments",
        managed=True,
        usage=Usage("tickets", "department_id", "tickets"),
    ),
)

KINDS_BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}


def get_kind(name: str) -> Kind:
    return KINDS_BY_NAME[name]
