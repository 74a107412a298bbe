"""The compiled yes/no check of a schema says what the schema says.

It is compared, on generated entries valid and invalid, with the pure-Python jsonschema that
explains failures (the two must agree, or an entry would fail without a finding or pass with
one), and with jsonschema-rs, an independent implementation, where that is installed.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing_config.kinds import KINDS, Kind
from billing_config.rules import json_schema
from billing_config.rules.schema_check import Unsupported, compile_schema

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**33), 2**33),
    st.sampled_from([0, 1, -1, 2147483647, 2147483648, 1.0, 0.0, -0.0, 2.5, math.inf, -math.inf, math.nan]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=130),
    st.sampled_from(["", " ", "a ", "x\n", "Active", "active", "Headline", "ex-customer", "a-b", "A_b -9", "a;b", "\ufeffx", "x\u2028"]),
)
ANY_VALUE = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=5)


def _valid_value(spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values that often pass the field, so that both answers are well exercised."""
    options: list[st.SearchStrategy[Any]] = []
    types = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
    if "null" in types:
        options.append(st.none())
    if "boolean" in types:
        options.append(st.booleans())
    if "integer" in types:
        options.append(st.integers(spec.get("minimum", -(2**31)), spec.get("maximum", 2**31)))
    if "string" in types:
        if "enum" in spec:
            options.append(st.sampled_from([member for member in spec["enum"] if member is not None]))
        elif "pattern" in spec:
            options.append(st.from_regex(spec["pattern"].replace("$", r"\Z"), fullmatch=False).map(lambda t: t[:70]))
        else:
            options.append(st.text(max_size=spec.get("maxLength", 50)))
    return st.one_of(options)


def entries(kind: Kind) -> st.SearchStrategy[dict[str, Any]]:
    properties = kind.schema["properties"]
    fields = {
        name: st.one_of(_valid_value(spec), _valid_value(spec), ANY_VALUE) for name, spec in properties.items()
    }
    known = st.fixed_dictionaries({}, optional=fields)  # type: ignore[arg-type]
    stray = st.dictionaries(st.sampled_from(["nmae", "Name", "extra", "next status"]), ANY_VALUE, max_size=1)
    return st.tuples(known, stray, st.integers(0, 9)).map(lambda parts: {**parts[0], **(parts[1] if parts[2] == 0 else {})})


def _search(pattern: str) -> Any:
    return json_schema.ecma_search(pattern)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_every_shipped_schema_is_compiled(kind: Kind) -> None:
    """A schema that grew a keyword the compiler does not read would silently fall back to
    the explainer, many times slower: extend schema_check instead."""
    compile_schema(kind.schema, _search)  # raises Unsupported otherwise
    check = json_schema._fast_validator(kind).is_valid
    assert getattr(check, "__module__", "") == "billing_config.rules.schema_check"


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_the_check_agrees_with_the_explainer_and_with_jsonschema_rs(kind: Kind) -> None:
    check = compile_schema(kind.schema, _search)
    explainer = json_schema._explainer(kind)
    try:
        import jsonschema_rs
    except ImportError:
        independent = None
    else:
        independent = jsonschema_rs.validator_for(kind.schema)
    answers: set[bool] = set()

    @SETTINGS
    @given(entries(kind))
    def agrees(entry: dict[str, Any]) -> None:
        expected = explainer.is_valid(entry)
        assert check(entry) is expected, (entry, list(explainer.iter_errors(entry)))
        answers.add(expected)
        if independent is not None and not _out_of_jsonschema_rs_range(entry):
            assert independent.is_valid(entry) is expected, entry

    agrees()
    assert answers == {True, False}, "the generator should produce both valid and invalid entries"


def _out_of_jsonschema_rs_range(entry: dict[str, Any]) -> bool:
    """Values jsonschema-rs reads differently from JSON: NaN and infinities are no JSON numbers."""
    def odd(value: Any) -> bool:
        if isinstance(value, float):
            return not math.isfinite(value)
        if isinstance(value, list):
            return any(odd(item) for item in value)
        if isinstance(value, dict):
            return any(odd(item) for item in value.values())
        return False

    return odd(entry)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (1, True), (1.0, True), (1.5, False), (True, False), (False, False), (-1, False), (2**31, False),
        (None, False), ("1", False), (math.nan, False), (math.inf, False),
    ],
)
def test_integers_are_read_as_jsonschema_reads_them(value: Any, valid: bool) -> None:
    check = compile_schema(
        {"type": "object", "properties": {"n": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}}}, _search
    )
    assert check({"n": value}) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [("a", True), ("a\n", False), ("", False), ("ab", False), (None, True), (1, False)],
)
def test_patterns_end_at_the_very_end_of_the_text(value: Any, valid: bool) -> None:
    check = compile_schema(
        {"type": "object", "properties": {"s": {"type": ["string", "null"], "maxLength": 1, "pattern": "^[a-z]+$"}}},
        _search,
    )
    assert check({"s": value}) is valid


def test_enums_tell_true_from_one_and_null_counts_only_when_listed() -> None:
    check = compile_schema({"type": "object", "properties": {"e": {"type": ["integer", "boolean", "null"], "enum": [1, None]}}}, _search)
    assert (check({"e": 1}), check({"e": 1.0}), check({"e": True}), check({"e": None})) == (True, True, False, True)
    strict = compile_schema({"type": "object", "properties": {"e": {"type": ["string", "null"], "enum": ["A"]}}}, _search)
    assert (strict({"e": "A"}), strict({"e": "a"}), strict({"e": None})) == (True, False, False)


def test_required_and_closed_objects() -> None:
    closed = {"type": "object", "additionalProperties": False, "required": ["a"], "properties": {"a": {"type": "string"}}}
    check = compile_schema(closed, _search)
    assert (check({"a": "x"}), check({}), check({"a": "x", "b": 1}), check(["a"])) == (True, False, False, False)
    assert compile_schema({**closed, "additionalProperties": True}, _search)({"a": "x", "b": 1}) is True


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array"},
        {"type": "object", "additionalProperties": {"type": "string"}},
        {"type": "object", "properties": {"a": {"type": "string", "format": "email"}}},
        {"type": "object", "properties": {"a": {"type": "object"}}},
        {"type": "object", "properties": {"a": {"description": "no type"}}},
        {"type": "object", "properties": {"a": {"type": "string"}}, "allOf": []},
        {"type": "object", "properties": {"a": {"type": "string", "enum": [["a"]]}}},
    ],
)
def test_anything_else_is_refused_rather_than_half_checked(schema: dict[str, Any]) -> None:
    with pytest.raises(Unsupported):
        compile_schema(schema, _search)


def test_a_schema_it_cannot_compile_is_answered_by_the_explainer(monkeypatch: pytest.MonkeyPatch) -> None:
    kind = KINDS[0]
    monkeypatch.setattr(json_schema, "_fast_validators", {})

    def refuse(schema: Any, search: Any) -> Any:
        raise Unsupported("pretend")

    monkeypatch.setattr("billing_config.rules.schema_check.compile_schema", refuse)
    assert json_schema._fast_validator(kind).is_valid == json_schema._explainer(kind).is_valid
