"""The kind's JSON Schema, applied to each document.

A check compiled from the schema (``schema_check``) gives the yes/no answer in a few
microseconds an entry. Only entries that fail are handed to the pure-Python jsonschema, whose
errors carry enough structure for us to write our own messages: its own messages quote whole
values, which for a hostile file can be huge, and describe the schema where an administrator
needs the line to write instead.

The two must agree on what a ``pattern`` means. JSON Schema patterns are ECMA-262 regular
expressions, in which ``$`` is the very end of the text; in Python's ``re`` it also matches
before a final line break, so ``next_status: "x\\n"`` once failed the fast check yet got no
finding from the explainer, and validated. Both therefore read ``$`` the ECMA way
(``ecma_search``), and an entry the fast check refuses always gets at least one finding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, NamedTuple

from billing_config.findings import E, Finding, declare, did_you_mean, finding, shorten
from billing_config.kinds import KINDS, Field, Kind, get_kind
from billing_config.loader import Document, format_json_path
from billing_config.rules.wording import slug, yaml_line

REQUIRED = declare(
    "schema-required", E, "schema", "A required field is missing.",
    reason="A required field has no default: the platform cannot create the entry without it.",
    mistake="# config/departments/sales.yaml\nshort_name: SAL",
    fix="# config/departments/sales.yaml\nname: Sales",
)
UNKNOWN_FIELD = declare(
    "schema-unknown-field", E, "schema", "A field the kind does not have.",
    reason="A misspelt field is not applied at all: the entry silently keeps the default. Files use the field "
    "names (next_status), not the labels of the reference page (Next Status).",
    mistake="Next Status: ex-customer",
    fix="next_status: ex-customer",
)
TYPE = declare(
    "schema-type", E, "schema", "A value of the wrong type.",
    reason="A quoted 'true' is text, not a yes/no answer, and YAML 1.2 reads yes, no and on as text too; the "
    "platform needs true or false, and numbers without quotes.",
    mistake="is_billable: 'true'\ncan_have_calls: yes\ndisplay_position: '40'",
    fix="is_billable: true\ncan_have_calls: true\ndisplay_position: 40",
)
ENUM = declare(
    "schema-enum", E, "schema", "A value outside the allowed list.",
    reason="The platform knows only the listed values, spelt exactly so (capitals included).",
    mistake="availability: headline",
    fix="availability: Headline",
)
LENGTH = declare(
    "schema-length", E, "schema", "Text longer or shorter than the field allows.",
    reason="The platform's column holds only so many characters, and would refuse or cut a longer text; a name "
    "must not be empty.",
    mistake="short_name: SUSP",
    fix="short_name: SUS",
)
RANGE = declare(
    "schema-range", E, "schema", "A number outside the field's range.",
    reason="Positions are sort orders from 0 up; the platform cannot store a negative or huge one.",
    mistake="display_position: -1",
    fix="display_position: 0",
)
PATTERN = declare(
    "schema-pattern", E, "schema", "Text that does not have the field's form.",
    reason="Display classes become CSS class names in the platform's pages; other characters would break them.",
    mistake="display_class: status;suspended",
    fix="display_class: status-suspended",
)
OTHER = declare(
    "schema", E, "schema", "Any other breach of the kind's JSON Schema.",
    reason="The kind's JSON Schema describes what the platform accepts; anything else would be refused there.",
    mistake="name:\n  - Active",
    fix="name: Active",
)
WRONG_FOLDER = declare(
    "wrong-folder", E, "schema", "An entry of one kind in the folder of another.",
    reason="The folder says which kind an entry is. A customer status moved into number-statuses/ would be "
    "checked, and applied, as a number status.",
    mistake="config/number-statuses/debt-recovery.yaml   # a customer status",
    fix="config/statuses/debt-recovery.yaml",
)

_fast_validators: dict[str, FastValidator] = {}
_explainers: dict[str, Any] = {}

_SUGGESTIONS = 20
# A file counts as another kind's only when this many of its fields are foreign here: one
# stray field is a typo, a whole status in groups/ is a file in the wrong folder.
_WRONG_FOLDER_MIN_FOREIGN = 3
_YAML11_TRUE = frozenset({"yes", "on", "y"})
_YAML11_FALSE = frozenset({"no", "off", "n"})
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
    moved = _belongs_elsewhere(kind, document)
    if moved is not None:
        return [moved]
    findings = _explain(kind, document)
    if not findings and not _bad_reference(kind, document):
        # the validators disagree: refuse rather than let the entry through
        findings = [
            finding(
                "schema", document.path, 1, 1, f"the entry breaks a rule of {kind.schema_file}",
                kind=document.kind, code=document.code,
            )
        ]
    return findings


def _bad_reference(kind: Kind, document: Document) -> bool:
    """A reference that is no code: the references rules report it, naming the entry meant."""
    from billing_config.kinds import is_valid_code

    return any(
        isinstance(value := document.data.get(spec.name), str) and not is_valid_code(value)
        for spec in kind.reference_fields
    )


@lru_cache(maxsize=None)
def _ecma_regex(pattern: str) -> re.Pattern[str]:
    """A JSON Schema (ECMA-262) pattern for Python's re: an unescaped ``$`` is the end of the text."""
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


def ecma_search(pattern: str) -> Callable[[str], re.Match[str] | None]:
    """The function that finds a JSON Schema pattern in a text, or returns None."""
    return _ecma_regex(pattern).search


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not _ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def ecma_validator(schema: dict[str, Any]) -> Any:
    """A pure-Python Draft 2020-12 validator whose patterns read ``$`` the ECMA-262 way."""
    from jsonschema import Draft202012Validator
    from jsonschema.validators import extend

    return extend(Draft202012Validator, {"pattern": _ecma_pattern})(schema)  # type: ignore[no-untyped-call]


class FastValidator:
    """The yes/no answer of one kind's schema: ``is_valid(data)``."""

    __slots__ = ("is_valid",)

    def __init__(self, is_valid: Callable[[object], bool]) -> None:
        self.is_valid = is_valid


def _fast_validator(kind: Kind) -> FastValidator:
    """The compiled check of the kind's schema; the explainer's own answer, much slower, for a
    schema that uses a keyword schema_check does not compile (no shipped schema does)."""
    validator = _fast_validators.get(kind.name)
    if validator is None:
        from billing_config.rules.schema_check import Unsupported, compile_schema

        try:
            is_valid = compile_schema(kind.schema, ecma_search)
        except Unsupported:
            is_valid = _explainer(kind).is_valid
        validator = _fast_validators[kind.name] = FastValidator(is_valid)
    return validator


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


def _belongs_elsewhere(kind: Kind, document: Document) -> Finding | None:
    """One finding for a file in the wrong kind folder, instead of one per foreign field."""
    foreign = [key for key in document.data if key not in kind.field_map]
    if len(foreign) < _WRONG_FOLDER_MIN_FOREIGN:
        return None
    homes = [other for other in KINDS if other is not kind and all(key in other.field_map for key in document.data)]
    if not homes:
        return None
    home = min(homes, key=lambda other: len(other.fields))
    return finding(
        WRONG_FOLDER, document.path, 1, 1,
        f"this file holds a {home.singular} ({', '.join(foreign[:2])} and {len(foreign) - 2} more are not fields of a "
        f"{kind.singular}); move it to config/{home.name}/{document.code}.yaml",
        kind=document.kind, code=document.code,
    )


class _Problem(NamedTuple):
    """One schema error, with what every message about it needs."""

    kind: Kind
    document: Document
    at: tuple[Any, ...]
    spec: Field | None  # the field the error is about, when it is a top-level field
    error: Any

    @property
    def field(self) -> str:
        return ".".join(str(part) for part in self.at) or "the entry"

    def make(self, rule: str, message: str, path: tuple[Any, ...] | None = None, key: bool = False) -> Finding:
        where = self.at if path is None else path
        line, column = self.document.locate(where, key=key)
        return finding(
            rule, self.document.path, line, column, message,
            kind=self.document.kind, code=self.document.code, json_path=format_json_path(where),
        )


def _describe(kind: Kind, document: Document, error: Any) -> list[Finding]:
    at = tuple(error.absolute_path)
    spec = kind.field_map.get(str(at[0])) if len(at) == 1 else None
    problem = _Problem(kind, document, at, spec, error)
    describe = _DESCRIBERS.get(error.validator, _other)
    return describe(problem)


def _required(problem: _Problem) -> list[Finding]:
    value = problem.error.instance
    # 'Name: Sales' is reported once, as the field written wrongly, not again as name missing.
    written_wrongly = {_field_meant(problem.kind, key) for key in value if isinstance(key, str) and key not in problem.kind.field_map}
    missing = [name for name in problem.error.validator_value if name not in value and name not in written_wrongly]
    return [
        problem.make(
            REQUIRED,
            f"{name} is missing, and a {problem.kind.singular} must have one (it has no default); "
            f"add a line such as {yaml_line(name, _example(problem.kind, problem.document, name))}",
        )
        for name in missing
    ]


def _unknown_fields(problem: _Problem) -> list[Finding]:
    known = problem.kind.field_names
    extras = [key for key in problem.error.instance if key not in problem.kind.field_map]  # in file order
    # Suggestions cost a difflib search each; past the first few the report lists only a
    # count (rules.tree.MAX_FINDINGS_PER_RULE_AND_FILE), so only those get one.
    findings = []
    for number, extra in enumerate(extras):
        value = problem.error.instance[extra]
        meant = _field_meant(problem.kind, extra) if number < _SUGGESTIONS and isinstance(extra, str) else None
        shown = shorten(extra)[1:-1]
        if meant is not None and not isinstance(value, (dict, list)):
            if extra.lower() == meant:
                why = "field names are written in lower case"
            elif extra.lower().replace(" ", "_") == meant or _is_label(problem.kind, extra, meant):
                why = "that is the label the platform shows; files use the field name"
            else:
                why = f"did you mean {meant}?"
            message = f"'{shown}' is not a field of a {problem.kind.singular} ({why}); write {yaml_line(meant, value)}"
        else:
            hint = did_you_mean(extra, known) if number < _SUGGESTIONS and isinstance(extra, str) else ""
            message = f"'{shown}' is not a field of a {problem.kind.singular}{hint}; see {problem.kind.schema_file} for the fields"
        findings.append(problem.make(UNKNOWN_FIELD, message, (*problem.at, extra), key=True))
    return findings


def _field_meant(kind: Kind, key: str) -> str | None:
    """The field a wrongly written key stands for: other case, spaces, or the platform's label."""
    import difflib

    words = slug(key).replace("-", "_")
    prefix = slug(kind.singular).replace("-", "_")
    candidates = [words, words.removeprefix(prefix).strip("_") or "name"]
    for candidate in candidates:
        if candidate in kind.field_map:
            return candidate
    for spec in kind.fields:
        if slug(spec.title) == slug(key):
            return spec.name
    close = difflib.get_close_matches(candidates[-1], kind.field_names, n=1, cutoff=0.6)
    return close[0] if close else None


def _is_label(kind: Kind, key: str, meant: str) -> bool:
    """Whether the key reads like the platform's label of the field ('Customer Status (Short)')."""
    return " " in key.strip() or any(ch.isupper() for ch in key)


def _wrong_type(problem: _Problem) -> list[Finding]:
    expected = problem.error.validator_value
    expected = [expected] if isinstance(expected, str) else list(expected)
    value = problem.error.instance
    field = problem.field
    if value is None:
        return [problem.make(TYPE, _empty_message(problem))]
    if "boolean" in expected and isinstance(value, str):
        word = value.strip().lower()
        if word in {"true", "false"} | _YAML11_TRUE | _YAML11_FALSE:
            answer = word == "true" or word in _YAML11_TRUE
            if word in ("true", "false"):
                lead = f"{field} is the text '{value}' in quotes, not true or false"
                fix = f"remove the quotes: {yaml_line(field, answer)}"
            else:
                lead = f"{field} is '{value}', which YAML 1.2 reads as text, not as a yes/no answer"
                fix = f"write {yaml_line(field, answer)}"
            if _top_level(problem) and not _entry_rules_allow(problem.document, field, answer):
                # What it means is what the entry's other settings rule out: say so, and offer
                # only the line that validates.
                fix = (
                    f"it means {yaml_line(field, answer)}, which contradicts this entry's other settings: "
                    f"write {yaml_line(field, not answer)}, or change those settings"
                )
            return [problem.make(TYPE, f"{lead}; {fix}")]
    if "integer" in expected and isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return [problem.make(TYPE, f"{field} is the text '{value}' in quotes, not a number; remove the quotes: {yaml_line(field, int(value))}")]
    wanted = " or ".join(_TYPE_NOUNS.get(t, t) for t in expected if t != "null")
    message = f"{field} must be {wanted}, not {_describe_value(value)}"
    if "string" in expected and isinstance(value, (bool, int, float)):
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        message += f"; put it in quotes to make it text: {yaml_line(field, text)}"
    return [problem.make(TYPE, message)]


def _top_level(problem: _Problem) -> bool:
    return problem.spec is not None and len(problem.at) == 1


def _entry_rules_allow(document: Document, field: str, value: Any) -> bool:
    """Whether writing ``field: value`` brings no new error from the per-entry rules."""
    from billing_config.findings import Severity
    from billing_config.rules.chain import check_entry_settings

    def errors(data: dict[str, Any]) -> set[str]:
        trial = Document(document.kind, document.code, document.path, data)
        return {f.rule for f in check_entry_settings(trial) if f.severity is Severity.ERROR}

    return not errors({**document.data, field: value}) - errors(document.data)


def _empty_message(problem: _Problem) -> str:
    field = problem.field
    spec = problem.spec
    if spec is None or spec.required:
        example = _example(problem.kind, problem.document, field)
        return (
            f"{field} is empty, and a {problem.kind.singular} must have one (it has no default); "
            f"write it, such as {yaml_line(field, example)}"
        )
    if spec.type == "boolean":
        # Offer only the answers this entry's other settings allow (a CRM-only status can't be
        # billable): advice that the next validate rejects is worse than none.
        allowed = [answer for answer in (True, False) if _entry_rules_allow(problem.document, field, answer)] or [True, False]
        default = "true" if spec.default else "false"
        lines = " or ".join(yaml_line(field, answer) for answer in allowed)
        ruled_out = f" ({'false' if allowed == [True] else 'true'} contradicts this entry's other settings)" if len(allowed) == 1 else ""
        keep_default = f", or remove the line to take the default ({default})" if spec.default in allowed else ""
        return f"{field} is empty; write {lines}{ruled_out}{keep_default}"
    return f"{field} is empty; give it a value or remove the line to take the default ({_default_text(spec)})"


def _default_text(spec: Field) -> str:
    if spec.default is None:
        return "none"
    if isinstance(spec.default, bool):
        return "true" if spec.default else "false"
    if spec.default == "":
        return "no text"
    return str(spec.default)


def _example(kind: Kind, document: Document, field: str) -> Any:
    """A plausible value for a required field: for a name, the code spelt as a name."""
    if field == "name":
        return document.code.replace("-", " ").capitalize()
    return "..."


def _not_allowed(problem: _Problem) -> list[Finding]:
    value = problem.error.instance
    options = [str(o) for o in problem.error.validator_value if o is not None]
    choices = ", ".join(options)
    if isinstance(value, str):
        close = did_you_mean(value, options)
        if close:
            meant = close.split("'")[1]
            return [problem.make(ENUM, f"{problem.field} is {shorten(value)}{close}; write {yaml_line(problem.field, meant)} (one of {choices})")]
    return [problem.make(ENUM, f"{problem.field} is {shorten(value)}; it must be one of {choices}")]


def _too_long(problem: _Problem) -> list[Finding]:
    if problem.spec is not None and problem.spec.references:
        return []  # a reference that is too long is no code: the references rules say so
    value = problem.error.instance
    limit = problem.error.validator_value
    length = len(value) if isinstance(value, str) else 0
    return [
        problem.make(
            LENGTH,
            f"{problem.field} is {length} characters long, and at most {limit} fit the platform; "
            f"shorten it, such as {yaml_line(problem.field, value[:limit].rstrip())}",
        )
    ]


def _too_short(problem: _Problem) -> list[Finding]:
    if problem.spec is None or problem.spec.required:
        return [problem.make(LENGTH, _empty_message(problem))]
    return [problem.make(LENGTH, f"{problem.field} is empty; give it at least {problem.error.validator_value} character(s)")]


def _out_of_range(problem: _Problem) -> list[Finding]:
    keyword = problem.error.validator
    bound = problem.error.validator_value
    side = "at least" if "inimum" in keyword else "at most"
    return [
        problem.make(
            RANGE, f"{problem.field} is {shorten(problem.error.instance)}; it must be {side} {bound}, such as {yaml_line(problem.field, bound)}"
        )
    ]


def _wrong_form(problem: _Problem) -> list[Finding]:
    if problem.spec is not None and problem.spec.references:
        return []  # not a code: the references rules name the entry that was meant
    value = problem.error.instance
    if isinstance(value, str) and (words := text_problem(value)):
        return [problem.make(PATTERN, f"{problem.field} is {shorten(value)}, which {words}")]
    return [
        problem.make(
            PATTERN,
            f"{problem.field} is {shorten(value)}, which has characters the field does not allow "
            f"(it must match {problem.error.validator_value})",
        )
    ]


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


def values_problems(kind: Kind, values: dict[str, Any]) -> list[str]:
    """Why values that come from no file (a live row) can't be written to one that validates,
    one phrase per problem ("name holds the control character \\x1b; ..."); none when they
    pass the kind's schema. Export and adopt skip such an entry; plan warns about it."""
    if _fast_validator(kind).is_valid(values):
        return []
    problems: list[str] = []
    for error in _explainer(kind).iter_errors(values):
        at = ".".join(str(part) for part in error.absolute_path) or "the entry"
        value = error.instance
        said = text_problem(value) if isinstance(value, str) else None
        problems.append(
            f"{at} {said}" if said
            else f"{at} is {_describe_value(value)}, which breaks the '{error.validator}' rule of {kind.schema_file}"
        )
    return list(dict.fromkeys(problems)) or [f"the values break a rule of {kind.schema_file}"]


def _other(problem: _Problem) -> list[Finding]:
    return [problem.make(OTHER, f"{problem.field} breaks the '{problem.error.validator}' rule of {problem.kind.schema_file}")]


_DESCRIBERS: dict[str, Callable[[_Problem], list[Finding]]] = {
    "required": _required,
    "additionalProperties": _unknown_fields,
    "type": _wrong_type,
    "enum": _not_allowed,
    "maxLength": _too_long,
    "minLength": _too_short,
    "minimum": _out_of_range,
    "maximum": _out_of_range,
    "exclusiveMinimum": _out_of_range,
    "exclusiveMaximum": _out_of_range,
    "pattern": _wrong_form,
}


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
