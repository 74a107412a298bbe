"""Properties that hold for every entry: generated valid entries pass, one mutation is caught.

Entries are generated from the kinds registry and each kind's JSON Schema (any kind, any field
values the schema allows), written with the canonical writer, read back by the loader and
checked against the sample config, exactly as validate would.
"""

from __future__ import annotations

import re
import string
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing_config.files.canonical import dump_entry
from billing_config.findings import Finding, Severity, rule_info
from billing_config.kinds import KINDS, Field, Kind, get_kind, is_valid_code
from billing_config.loader import Document, read_entry
from billing_config.rules import check_document, check_tree
from billing_config.rules.lint import FINAL_BILL_OPTIONS
from billing_config.rules.tree import validate_tree
from tests.conftest import CONFIG

_SAMPLE_RESULT = validate_tree(CONFIG)
assert _SAMPLE_RESULT.findings == [], "the properties start from a clean sample config"
SAMPLE: list[Document] = _SAMPLE_RESULT.documents
CODES: dict[str, set[str]] = {kind.name: {d.code for d in SAMPLE if d.kind == kind.name} for kind in KINDS}
ALL_CODES = set().union(*CODES.values())
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text YAML can carry in a file. Left out: control characters other than tab and newline, and
# the Unicode line separators, which canonical.scalar_text does not yet escape (reported).
TEXT = st.characters(
    codec="utf-8",
    exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"),
    exclude_characters="\ufeff\ufffe\uffff",
    include_characters="\t\n",
)
CODE = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,3}", fullmatch=True)


def _schema(kind: Kind, field: Field) -> dict[str, Any]:
    spec: dict[str, Any] = kind.schema["properties"][field.name]
    return spec


def _folded(value: Any) -> Any:
    return value.strip().casefold() if isinstance(value, str) else value


def value_strategy(kind: Kind, field: Field) -> st.SearchStrategy[Any]:
    spec = _schema(kind, field)
    if field.type == "boolean":
        values: st.SearchStrategy[Any] = st.booleans()
    elif field.type == "integer":
        values = st.integers(spec.get("minimum", -(2**31)), spec.get("maximum", 2**31 - 1))
    elif field.references:
        values = st.sampled_from(sorted(CODES[field.references]))
    elif field.enum:
        values = st.sampled_from(field.enum)
    elif "pattern" in spec:
        pattern = spec["pattern"]
        values = (
            st.from_regex(pattern, fullmatch=True)
            .map(lambda text: text[: field.max_length])
            .filter(lambda text: re.fullmatch(pattern, text) is not None)
        )
    else:
        values = st.text(TEXT, min_size=spec.get("minLength", 0), max_size=field.max_length or 200)
    return st.one_of(st.none(), values) if field.nullable else values


def _not_in(seen: set[Any]) -> Any:
    return lambda value: _folded(value) not in seen


@st.composite
def valid_entries(draw: st.DrawFn, kinds: tuple[Kind, ...] = KINDS) -> tuple[Kind, str, dict[str, Any]]:
    kind = draw(st.sampled_from(kinds))
    code = draw(CODE.filter(lambda c: c not in CODES[kind.name] and is_valid_code(c)))
    taken = {
        field: {_folded(d.data.get(field)) for d in SAMPLE if d.kind == kind.name}
        for field in ("name", "short_name")
    }
    data: dict[str, Any] = {}
    for field in kind.fields:
        if not field.required and not draw(st.booleans()):
            continue
        strategy = value_strategy(kind, field)
        if field.name in taken:
            strategy = strategy.filter(_not_in(taken[field.name]))
        data[field.name] = draw(strategy)
    return kind, code, data


def check_entry(kind: Kind, code: str, text: str) -> tuple[Document | None, list[Finding]]:
    """Loader, document rules and tree rules for one new file among the sample's entries."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{code}.yaml"
        path.write_text(text, encoding="utf-8")
        document, findings = read_entry(path, f"config/{kind.name}/{code}.yaml", kind.name, code)
    if document is not None:
        findings += check_document(document)
        # The sample alone is clean, so whatever the tree rules find now comes from the new
        # entry, even when reported at a sample file that sorts after it.
        findings += check_tree([*SAMPLE, document])
    return document, findings


def expected_warnings(kind: Kind, data: dict[str, Any]) -> set[str]:
    """An independent oracle for the lint rules."""
    warnings = set()
    # Each applies to any kind with the fields it reads (the status lists have is_active too).
    if data.get("is_active") is True and data.get("is_suspended") is True:
        warnings.add("active-and-suspended")
    if data.get("crm_only") is True and data.get("has_frontend_login_access") is True:
        warnings.add("crm-only-with-login")
    if data.get("final_invoice") is not True and any(data.get(o) is True for o in FINAL_BILL_OPTIONS):
        warnings.add("final-bill-options-unused")
    if "display_position" in data:
        positions = {d.data.get("display_position") for d in SAMPLE if d.kind == kind.name}
        if data["display_position"] in positions:
            warnings.add("duplicate-display-position")
    # The chain's per-entry contradictions, read through the schema defaults.
    full = kind.with_defaults(data)
    if full.get("crm_only") is True and full.get("is_billable") is True:
        warnings.add("crm-only-billable")
    if full.get("final_invoice") is True and full.get("is_billable") is False:
        warnings.add("final-invoice-not-billable")
    if full.get("final_invoice") is True and full.get("has_frontend_login_access") is False:
        warnings.add("final-invoice-without-login")
    if full.get("sole_trader") is True and full.get("personal_customer") is False:
        warnings.add("sole-trader-not-personal")
    if full.get("companies_house_check") is True and full.get("personal_customer") is True:
        warnings.add("companies-house-check-personal")
    return warnings


# Links between entries (a new status against the sample's number statuses, say): the corpus
# and tests/rules/test_chain.py pin those; this oracle judges each entry on its own.
LINK_RULES = {
    "related-status-not-billable", "billable-status-drops-calls", "suspended-status-active-related",
    "active-status-suspended-related", "related-status-historical", "related-feature-status-differs",
    "feature-status-contradicts",
}


@SETTINGS
@given(valid_entries())
def test_a_generated_valid_entry_validates_clean(entry: tuple[Kind, str, dict[str, Any]]) -> None:
    kind, code, data = entry
    document, findings = check_entry(kind, code, dump_entry(kind, data))
    expected = expected_warnings(kind, data)
    assert [f for f in findings if f.severity is Severity.ERROR and f.rule not in expected] == []
    assert document is not None and document.data == data, "the value read back is the value written"
    assert {f.rule for f in findings} - LINK_RULES == expected


def _string_fields(kind: Kind) -> list[Field]:
    return [f for f in kind.fields if f.type == "string"]


LAST_LINE = "<the appended last line>"


@st.composite
def mutations(draw: st.DrawFn) -> tuple[Kind, str, str, str, str | None]:
    """A valid entry with exactly one thing broken: (kind, code, file text, the rule expected,
    the key whose line the finding must point at: LAST_LINE for an appended line, None for line 1)."""
    kind, code, data = draw(valid_entries())
    name = draw(st.sampled_from(["wrong-type", "unknown-key", "too-long", "bad-enum", "dangling-reference",
                                 "duplicate-key", "missing-name", "out-of-range"]))
    extra = ""
    at: str | None = LAST_LINE
    if name == "bad-enum" and not any(f.enum for f in kind.fields):
        name = "unknown-key"
    if name == "dangling-reference" and not kind.references:
        name = "wrong-type"
    if name == "out-of-range" and "display_position" not in kind.field_map:
        name = "missing-name"
    if name == "wrong-type":
        field = draw(st.sampled_from(kind.fields))
        if field.type == "boolean":
            data[field.name] = draw(st.sampled_from(["yes", "no", "on", "off", "1", "0", 1, 0, "true"]))
        elif field.type == "integer":
            data[field.name] = draw(st.sampled_from(["ten", "10", True, 1.5]))
        else:
            data[field.name] = draw(st.sampled_from([7, 0, -3, True, False]))
        rule, at = "schema-type", field.name
    elif name == "unknown-key":
        key = draw(st.from_regex(r"[a-z][a-z_]{0,20}", fullmatch=True).filter(lambda k: k not in kind.field_map))
        extra = f"{key}: x\n"
        rule = "schema-unknown-field"
    elif name == "too-long":
        field = draw(st.sampled_from([f for f in _string_fields(kind) if f.max_length and not f.enum]))
        data[field.name] = "a" * (field.max_length + draw(st.integers(1, 50)))  # type: ignore[operator]
        # A reference too long to be a code is reported as no code at all, naming what was meant.
        rule, at = ("reference-not-a-code" if field.references else "schema-length"), field.name
    elif name == "bad-enum":
        field = draw(st.sampled_from([f for f in kind.fields if f.enum]))
        data[field.name] = draw(st.text(string.ascii_letters, min_size=1, max_size=12).filter(lambda v: v not in field.enum))
        rule, at = "schema-enum", field.name
    elif name == "dangling-reference":
        field_name = draw(st.sampled_from(sorted(kind.references)))
        data[field_name] = draw(CODE.filter(lambda c: c not in ALL_CODES and c != code))
        rule, at = "unknown-reference", field_name
    elif name == "duplicate-key":
        present = [f.name for f in kind.fields if f.name in data]
        extra = f"{draw(st.sampled_from(present))}: null\n"
        rule = "yaml-duplicate-key"
    elif name == "missing-name":
        data.pop("name")
        # With no field left the file holds no mapping at all: that is an empty entry.
        rule, at = ("schema-required" if data else "yaml-empty"), None
    else:
        data["display_position"] = draw(st.sampled_from([-1, -1000, 2**31, 2**40]))
        rule, at = "schema-range", "display_position"
    return kind, code, dump_entry(kind, data) + extra, rule, at


@SETTINGS
@given(mutations())
def test_a_single_mutation_is_caught_with_its_rule(mutation: tuple[Kind, str, str, str, str | None]) -> None:
    kind, code, text, rule, at = mutation
    _, findings = check_entry(kind, code, text)
    # The chain's contradictions may also hold for the rest of the generated entry.
    errors = {f.rule for f in findings if f.severity is Severity.ERROR and rule_info(f.rule).stage != "chain"}
    assert errors == {rule}, (text, [(f.rule, f.message) for f in findings])
    lines = text.splitlines()
    if at is None:
        expected_line = 1
    elif at == LAST_LINE:
        expected_line = len(lines)
    else:
        expected_line = next(number for number, line in enumerate(lines, 1) if line.startswith(f"{at}:"))
    for found in findings:
        if found.rule == rule:
            assert found.line == expected_line, (text, found)
        assert found.line >= 1 and found.column >= 1
        assert len(found.message) < 400


@SETTINGS
@given(st.sampled_from(KINDS), st.text(TEXT, max_size=300))
def test_any_text_at_all_gives_findings_or_a_document_never_an_exception(kind: Kind, text: str) -> None:
    document, findings = check_entry(kind, "fuzz", text)
    assert document is not None or findings
    for found in findings:
        assert found.line >= 1 and found.column >= 1


def test_the_strategies_cover_every_kind_and_field() -> None:
    from hypothesis import find
    from jsonschema import Draft202012Validator

    for kind in KINDS:
        for field in kind.fields:
            spec = Draft202012Validator(kind.schema["properties"][field.name])
            # A strategy that produced values its own field rejects would make "valid entries pass" vacuous.
            example = find(value_strategy(kind, field), lambda value: value is not None)
            assert spec.is_valid(example), (kind.name, field.name, example)
