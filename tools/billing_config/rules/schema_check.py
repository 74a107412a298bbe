"""The yes/no answer of a kind's JSON Schema, compiled to one small Python function a field.

Every entry is checked, and nearly every entry is valid, so the answer "valid" must be cheap;
only entries that fail go to the explainer (``json_schema``), the pure-Python jsonschema, whose
errors become findings. A compiled check costs about 4 us an entry. jsonschema-rs, used here
before, took 1 us an entry but 12 ms to import (it loads the email, socket and decimal modules),
which was more than validating the whole sample config; validate runs on every commit.

The shipped schemas use a small part of JSON Schema: an object with ``properties``,
``required`` and ``additionalProperties: false``, whose fields have a ``type`` (one or a list of
string, integer, number, boolean, null), an ``enum``, ``minLength``/``maxLength``, a
``pattern`` and ``minimum``/``maximum``. compile_schema reads exactly that and raises
Unsupported for any other keyword, so a schema that grows one is never half checked: the
caller then asks the explainer instead (slower, and a test fails for every shipped schema that
is not compiled).

The meaning follows the explainer's, so the two cannot disagree: jsonschema's types (a boolean
is no integer, 1.0 is one), its enum equality (true is not 1), and patterns read the ECMA-262
way, an unescaped ``$`` being the end of the text (``json_schema.ecma_search``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

Check = Callable[[object], bool]

# Keywords that say nothing about validity.
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment", "deprecated", "readOnly", "writeOnly"})
_FIELD_KEYWORDS = _ANNOTATIONS | {"type", "enum", "minLength", "maxLength", "pattern", "minimum", "maximum"}
_ROOT_KEYWORDS = _ANNOTATIONS | {"$schema", "$id", "type", "properties", "required", "additionalProperties"}
_SCALAR_TYPES = frozenset({"string", "integer", "number", "boolean", "null"})


class Unsupported(ValueError):
    """The schema uses a keyword (or a form of one) that compile_schema does not read."""


def compile_schema(schema: Mapping[str, Any], search: Callable[[str], Callable[[str], object]]) -> Check:
    """is_valid(instance) for an object schema; search(pattern) gives the function that finds
    a pattern in a text (None when it does not occur)."""
    _only(schema, _ROOT_KEYWORDS, "the schema")
    if schema.get("type", "object") != "object":
        raise Unsupported("the schema's type is not 'object'")
    closed = schema.get("additionalProperties", True)
    if not isinstance(closed, bool):
        raise Unsupported("additionalProperties is a schema, not true or false")
    closed = not closed
    checks = {name: _field(name, spec, search) for name, spec in schema.get("properties", {}).items()}
    required = tuple(schema.get("required", ()))

    def is_valid(instance: object) -> bool:
        if not isinstance(instance, dict):
            return False
        get = checks.get
        for key, value in instance.items():
            check = get(key)
            if check is None:
                if closed:
                    return False
            elif not check(value):
                return False
        for name in required:
            if name not in instance:
                return False
        return True

    return is_valid


def _only(spec: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    if not isinstance(spec, Mapping):
        raise Unsupported(f"{where} is not an object")
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise Unsupported(f"{where} uses {', '.join(unknown)}")


def _field(name: str, spec: Mapping[str, Any], search: Callable[[str], Callable[[str], object]]) -> Check:
    _only(spec, _FIELD_KEYWORDS, f"field {name!r}")
    declared = spec.get("type")
    if not declared:
        raise Unsupported(f"field {name!r} has no type")
    types = frozenset([declared] if isinstance(declared, str) else declared)
    if not types <= _SCALAR_TYPES:
        raise Unsupported(f"field {name!r} has type {sorted(types)}; only scalar types are compiled")
    min_length = spec.get("minLength", 0)
    max_length = spec.get("maxLength")
    minimum = spec.get("minimum")
    maximum = spec.get("maximum")
    pattern = spec.get("pattern")
    enum = spec.get("enum")
    for keyword, value in (("minLength", min_length), ("maxLength", max_length), ("minimum", minimum), ("maximum", maximum)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise Unsupported(f"field {name!r}: {keyword} is not a number")
    if pattern is not None and not isinstance(pattern, str):
        raise Unsupported(f"field {name!r}: pattern is not text")
    if enum is not None and (not isinstance(enum, list) or not all(_is_scalar(member) for member in enum)):
        raise Unsupported(f"field {name!r}: enum is not a list of scalars")
    find = search(pattern) if pattern is not None else None
    nullable = "null" in types
    if types - {"null"} == {"string"}:
        return _string(min_length, max_length, find, None if enum is None else frozenset(enum), nullable)
    if types - {"null"} == {"boolean"} and enum is None:
        return _boolean(nullable)
    if types - {"null"} == {"integer"} and enum is None:
        return _integer(minimum, maximum, nullable)
    return _any_scalar(types, min_length, max_length, find, minimum, maximum, enum)


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, (str, int, float))


# The shapes the shipped schemas use, each one closure with nothing to look up.


def _string(min_length: int, max_length: int | None, find: Callable[[str], object] | None, enum: frozenset[Any] | None, nullable: bool) -> Check:
    longest = float("inf") if max_length is None else max_length

    def check(value: object) -> bool:
        if isinstance(value, str):
            return (
                min_length <= len(value) <= longest
                and (find is None or find(value) is not None)
                and (enum is None or value in enum)
            )
        # null passes the enum only when the enum lists it
        return nullable and value is None and (enum is None or None in enum)

    return check


def _boolean(nullable: bool) -> Check:
    def check(value: object) -> bool:
        return value is True or value is False or (nullable and value is None)

    return check


def _integer(minimum: float | None, maximum: float | None, nullable: bool) -> Check:
    def check(value: object) -> bool:
        if _is_integer(value):
            return (minimum is None or value >= minimum) and (maximum is None or value <= maximum)  # type: ignore[operator]
        return nullable and value is None

    return check


def _any_scalar(
    types: frozenset[str], min_length: int, max_length: int | None, find: Callable[[str], object] | None,
    minimum: float | None, maximum: float | None, enum: list[Any] | None,
) -> Check:
    """Any other combination of the same keywords, read one by one as jsonschema reads them."""
    tests = tuple(_TYPE_TESTS[name] for name in sorted(types))

    def check(value: object) -> bool:
        if not any(test(value) for test in tests):
            return False
        if isinstance(value, str):
            if len(value) < min_length or (max_length is not None and len(value) > max_length):
                return False
            if find is not None and find(value) is None:
                return False
        elif _is_number(value):
            if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):  # type: ignore[operator]
                return False
        return enum is None or any(_equal(member, value) for member in enum)

    return check


def _is_integer(value: object) -> bool:
    """jsonschema's integer: an int that is no bool, or a float without a fraction (1.0)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TYPE_TESTS: dict[str, Check] = {
    "string": lambda value: isinstance(value, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
}


def _equal(one: object, two: object) -> bool:
    """jsonschema's equality of scalars: true and 1 differ, as do false and 0."""
    if one is two:
        return True
    if isinstance(one, bool) or isinstance(two, bool):
        return False
    return one == two
