"""The kind's JSON Schema, applied to each document.

jsonschema-rs gives the yes/no answer in under a microsecond an entry. Only entries that fail
are handed to the pure-Python jsonschema, whose errors carry enough structure for us to write
our own messages: its own messages quote whole values, which for a hostile file can be huge.

The two must agree on what a ``pattern`` means. JSON Schema patterns are ECMA-262 regular
expressions, in which ``$`` is the very end of the text; in Python's ``re`` it also matches
before a final line break, so ``next_status: "x\\n"`` failed the fast check yet got no finding
from the explainer, and validated. The explainer therefore reads ``$`` the ECMA way, and an
entry the fast validator refuses always gets at least one finding.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterator

from billing_config.findings import Finding, did_you_mean, finding, shorten
from billing_config.kinds import Kind, get_kind
from billing_config.loader import Document, format_json_path

_fast_validators: dict[str, Any] = {}
_explainers: dict[str, Any] = {}

_SUGGESTIONS = 20
_YAML11_BOOLEAN_WORDS = frozenset({"yes", "no", "on", "off", "y", "n"})
_TYPE_NOUNS = {
    "string": "text",
    "boolean": "true or false",
    "integer": "a whole number",
    "null": "empty (null)",
    "object": "a mapping",
    "array": "a list",
    "number": "a number",
}


def check_schema(document: Document) -> list[Finding]:
    kind = get_kind(document.kind)
    if _fast_validator(kind).is_valid(document.data):
        return []
    findings = _explain(kind, document)
    if not findings:  # the validators disagree: refuse rather than let the entry through
        findings = [
            finding(
                "schema", document.path, 1, 1, f"the entry breaks a rule of {kind.schema_file}",
                kind=document.kind, code=document.code,
            )
        ]
    return findings


@lru_cache(maxsize=None)
def _ecma_regex(pattern: str) -> re.Pattern[str]:
    """A JSON Schema (ECMA-262) pattern for Python's re: an unescaped ``$`` is the end of the text."""
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not _ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _fast_validator(kind: Kind) -> Any:
    validator = _fast_validators.get(kind.name)
    if validator is None:
        import jsonschema_rs

        validator = _fast_validators[kind.name] = jsonschema_rs.validator_for(kind.schema)
    return validator


def ecma_validator(schema: dict[str, Any]) -> Any:
    """A pure-Python Draft 2020-12 validator whose patterns read ``$`` the ECMA-262 way."""
    from jsonschema import Draft202012Validator
    from jsonschema.validators import extend

    return extend(Draft202012Validator, {"pattern": _ecma_pattern})(schema)  # type: ignore[no-untyped-call]


def _explainer(kind: Kind) -> Any:
    validator = _explainers.get(kind.name)
    if validator is None:
        validator = _explainers[kind.name] = ecma_validator(kind.schema)
    return validator


def _explain(kind: Kind, document: Document) -> list[Finding]:
    errors = list(_explainer(kind).iter_errors(document.data))
    # A value of the wrong type also misses the enum or pattern meant for the right type; one
    # mistake should read as one finding, so the type error speaks for its value alone.
    mistyped = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    # An empty name also fails the name pattern (blank); "empty" says it once.
    too_short = {tuple(e.absolute_path) for e in errors if e.validator == "minLength"}
    findings: list[Finding] = []
    for error in errors:
        if error.validator != "type" and tuple(error.absolute_path) in mistyped:
            continue
        if error.validator == "pattern" and tuple(error.absolute_path) in too_short:
            continue
        findings.extend(_describe(kind, document, error))
    return findings


def _describe(kind: Kind, document: Document, error: Any) -> list[Finding]:
    at = tuple(error.absolute_path)
    field = ".".join(str(part) for part in at) or "the entry"
    keyword = error.validator
    value = error.instance

    def make(rule: str, message: str, path: tuple[Any, ...] = at, key: bool = False) -> Finding:
        line, column = document.locate(path, key=key)
        return finding(
            rule, document.path, line, column, message,
            kind=document.kind, code=document.code, json_path=format_json_path(path),
        )

    if keyword == "required":
        missing = [name for name in error.validator_value if name not in value]
        return [
            make("schema-required", f"'{name}' is required for a {kind.singular}; add a line such as '{name}: ...'")
            for name in missing
        ]
    if keyword == "additionalProperties":
        known = set(kind.field_names)
        extras = [key for key in value if key not in known]  # in file order
        # Suggestions cost a difflib search each; past the first few the report lists only a
        # count (validation.MAX_FINDINGS_PER_RULE_AND_FILE), so only those get one.
        return [
            make(
                "schema-unknown-field",
                f"'{shorten(extra)[1:-1]}' is not a field of a {kind.singular}"
                f"{did_you_mean(extra, kind.field_names) if number < _SUGGESTIONS else ''}; "
                f"see {kind.schema_file} for the fields",
                (*at, extra), key=True,
            )
            for number, extra in enumerate(extras)
        ]
    if keyword == "type":
        expected = error.validator_value
        expected = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_TYPE_NOUNS.get(t, t) for t in expected)
        message = f"{field} must be {wanted}, not {_describe_value(value)}"
        if "boolean" in expected and isinstance(value, str) and value.lower() in _YAML11_BOOLEAN_WORDS:
            message += f"; write true or false (YAML 1.2 reads {value} as text, not a yes/no answer)"
        elif value is None:
            message += "; give it a value or remove the line to take the default"
        elif "string" in expected and isinstance(value, (bool, int, float)):
            message += "; put it in quotes to make it text"
        return [make("schema-type", message)]
    if keyword == "enum":
        options = [str(o) for o in error.validator_value if o is not None]
        hint = did_you_mean(str(value), options) if isinstance(value, str) else ""
        return [make("schema-enum", f"{field} is {shorten(value)}{hint}; it must be one of {', '.join(options)}")]
    if keyword in ("maxLength", "minLength"):
        length = len(value) if isinstance(value, str) else 0
        if keyword == "minLength":
            return [make("schema-length", f"{field} is empty; give it at least {error.validator_value} character(s)")]
        return [
            make("schema-length", f"{field} is {length} characters long; at most {error.validator_value} fit the database column")
        ]
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = "at least" if "inimum" in keyword else "at most"
        return [make("schema-range", f"{field} is {shorten(value)}; it must be {bound} {error.validator_value}")]
    if keyword == "pattern":
        spec = kind.field_map.get(str(at[0])) if at else None
        if spec is not None and spec.references:
            target = get_kind(spec.references)
            message = (
                f"{field} is {shorten(value)}, which is not a code: name a {target.singular} by its file name "
                f"under config/{target.name}/ (lower-case words joined by hyphens, such as 'ex-customer')"
            )
        elif isinstance(value, str) and (problem := text_problem(value)):
            message = f"{field} is {shorten(value)}, which {problem}"
        else:
            message = f"{field} is {shorten(value)}, which does not have the allowed form ({error.validator_value})"
        return [make("schema-pattern", message)]
    return [make("schema", f"{field} breaks the '{keyword}' rule of {kind.schema_file}")]


# What the text patterns of the schemas refuse (see schemas/*.schema.json), said in words.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")


def text_problem(value: str) -> str | None:
    """Why a name-like text breaks the schemas' text rules, in words; None when it doesn't."""
    control = _CONTROL.search(value.replace("\t", "")) or _CONTROL.search(value)
    if control is not None:
        return (
            f"holds the control character {ascii(control.group())[1:-1]}; remove it "
            "(text never holds control characters, a tab aside in long text)"
        )
    if not value.strip():
        return "is blank; give it a value"
    if value != value.strip():
        return "starts or ends with whitespace; remove it"
    return None


def _describe_value(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, (int, float)):
        return f"the number {shorten(value)}"
    if isinstance(value, str):
        return f"the text {shorten(value)}"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
