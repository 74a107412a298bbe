"""The kind's JSON Schema, with messages written for an administrator, not for a validator."""

from __future__ import annotations

from typing import Any

import pytest

from billing_config.render.rule_catalogue import full_catalogue

CATALOGUE = full_catalogue()
from tests.rules.conftest import Check, brief

ACTIVE = "statuses/active.yaml"


def test_a_missing_required_field_is_reported_at_the_top_of_the_file(check: Check) -> None:
    findings = check(files={"departments/sales.yaml": "# no name\n"})
    assert brief(findings) == [("departments/sales.yaml", "yaml-empty", 1, 1, "error")]
    findings = check(files={"departments/sales.yaml": "{}\n"})
    assert brief(findings) == [("departments/sales.yaml", "schema-required", 1, 1, "error")]
    assert findings[0].message == (
        "name is missing, and a department must have one (it has no default); add a line such as `name: Sales`"
    )


def test_an_unknown_field_is_reported_at_its_key_with_a_suggestion(check: Check) -> None:
    findings = check(edits=[(ACTIVE, "is_billable: true", "is_billabel: true")])
    assert brief(findings) == [(ACTIVE, "schema-unknown-field", 16, 1, "error")]
    assert findings[0].message == (
        "'is_billabel' is not a field of a customer status (did you mean is_billable?); write `is_billable: true`"
    )
    assert findings[0].json_path == "$.is_billabel"


def test_database_only_fields_are_unknown_in_a_file(check: Check) -> None:
    findings = check(files={"departments/new.yaml": "name: New\nlast_modified: 2024-01-01\ncreated: 2024-01-01\n"})
    assert [(f.rule, f.line) for f in findings] == [("schema-unknown-field", 2), ("schema-unknown-field", 3)]


def test_yes_is_not_a_boolean_and_the_message_says_why(check: Check) -> None:
    findings = check(edits=[(ACTIVE, "is_billable: true", "is_billable: yes")])
    assert brief(findings) == [(ACTIVE, "schema-type", 16, 14, "error")]
    assert findings[0].message == (
        "is_billable is 'yes', which YAML 1.2 reads as text, not as a yes/no answer; write `is_billable: true`"
    )


def test_an_empty_yes_no_field_offers_the_answers_the_entry_allows(check: Check) -> None:
    findings = check(edits=[(ACTIVE, "is_billable: true", "is_billable:")])
    assert findings[0].message == (
        "is_billable is empty; write `is_billable: true` or `is_billable: false`, or remove the line to take the default (false)"
    )
    # A CRM-only status cannot be billable: only false is offered (corpus: boolean-left-empty).
    findings = check(edits=[("statuses/prospect.yaml", "is_billable: false", "is_billable:")])
    assert [f.message for f in findings if f.path.endswith("prospect.yaml")] == [
        "is_billable is empty; write `is_billable: false` (true contradicts this entry's other settings), "
        "or remove the line to take the default (false)"
    ]


def test_an_unquoted_no_short_name_stays_text_and_is_valid(check: Check) -> None:
    """YAML 1.1 would make it false and fail the string type; YAML 1.2 keeps the text."""
    assert check(files={"statuses/notice.yaml": "name: Notice\nshort_name: NO\n"}) == []


@pytest.mark.parametrize(
    "line, message",
    [
        ("name: 42", "name must be text, not the number 42; put it in quotes to make it text: `name: '42'`"),
        ("name: true", "name must be text, not true (true/false); put it in quotes to make it text: `name: 'true'`"),
        ("name:", "name is empty, and a department must have one (it has no default); write it, such as `name: Odd`"),
        ("name: [a, b]", "name must be text, not a list of 2 item(s)"),
        ("name: {a: b}", "name must be text, not a mapping"),
    ],
)
def test_wrong_types_are_explained(check: Check, line: str, message: str) -> None:
    findings = check(files={"departments/odd.yaml": line + "\n"})
    assert brief(findings) == [("departments/odd.yaml", "schema-type", 1, 7 if line != "name:" else 6, "error")]
    assert findings[0].message == message


def test_a_number_where_a_whole_number_belongs(check: Check) -> None:
    findings = check(edits=[("groups/vip-client.yaml", "display_position: 10", "display_position: '10'")])
    assert [f.rule for f in findings] == ["schema-type"]
    assert findings[0].message == "display_position is the text '10' in quotes, not a number; remove the quotes: `display_position: 10`"


def test_a_value_outside_an_enum_gets_the_options_and_a_suggestion(check: Check) -> None:
    findings = check(edits=[(ACTIVE, "availability: Headline", "availability: headline")])
    assert brief(findings) == [(ACTIVE, "schema-enum", 4, 15, "error")]
    assert findings[0].message == (
        "availability is 'headline' (did you mean 'Headline'?); write `availability: Headline` "
        "(one of Headline, Standard, Historical)"
    )


def test_text_longer_than_its_column_is_reported_with_its_length(check: Check) -> None:
    findings = check(edits=[(ACTIVE, "short_name: ACT", "short_name: " + "A" * 21)])
    assert brief(findings) == [(ACTIVE, "schema-length", 3, 13, "error")]
    assert findings[0].message == (
        "short_name is 21 characters long, and at most 20 fit the platform; shorten it, such as `short_name: " + "A" * 20 + "`"
    )


def test_an_empty_name_is_too_short(check: Check) -> None:
    findings = check(files={"departments/blank.yaml": "name: ''\n"})
    assert [f.rule for f in findings] == ["schema-length"]
    assert findings[0].message == "name is empty, and a department must have one (it has no default); write it, such as `name: Blank`"


def test_a_negative_display_position_is_out_of_range(check: Check) -> None:
    findings = check(edits=[("groups/vip-client.yaml", "display_position: 10", "display_position: -1")])
    assert brief(findings) == [("groups/vip-client.yaml", "schema-range", 4, 19, "error")]
    assert findings[0].message == "display_position is -1; it must be at least 0, such as `display_position: 0`"


def test_a_display_position_too_big_for_the_column(check: Check) -> None:
    findings = check(edits=[("groups/vip-client.yaml", "display_position: 10", "display_position: 2147483648")])
    assert [f.rule for f in findings] == ["schema-range"]
    assert "at most 2147483647" in findings[0].message


def test_a_reference_that_is_not_a_code_says_what_a_code_looks_like(check: Check) -> None:
    findings = check(edits=[("statuses/ceased.yaml", "next_status: ex-customer", "next_status: Ex_Customer")])
    # Reported by the references rules, which can name the entry meant.
    assert brief(findings) == [("statuses/ceased.yaml", "reference-not-a-code", 12, 14, "error")]
    assert findings[0].message == (
        "next_status is 'Ex_Customer', codes are lower-case words joined by hyphens: write `next_status: ex-customer`"
    )


def test_a_display_class_with_odd_characters_breaks_its_pattern(check: Check) -> None:
    findings = check(edits=[(ACTIVE, "display_class: status-active", "display_class: 'status;active'")])
    assert [f.rule for f in findings] == ["schema-pattern"]
    assert "has characters the field does not allow" in findings[0].message


def test_several_problems_in_one_file_are_all_reported_in_line_order(check: Check) -> None:
    findings = check(
        edits=[
            (ACTIVE, "availability: Headline", "availability: Top"),
            (ACTIVE, "is_billable: true", "is_billable: 1"),
            (ACTIVE, "require_updated_date: false", "require_update_date: false"),
        ]
    )
    assert [(f.rule, f.line) for f in findings] == [
        ("schema-enum", 4), ("schema-type", 16), ("schema-unknown-field", 29),
    ]


def test_the_generic_schema_rule_names_the_keyword() -> None:
    """Only a schema keyword the describer does not know falls through to 'schema'."""
    from billing_config.loader import Document
    from billing_config.rules import json_schema as schema

    class Error:
        absolute_path = ("name",)
        validator = "multipleOf"
        instance = 3
        validator_value = 2

    document = Document("departments", "x", "departments/x.yaml", {"name": 3})
    (found,) = schema._describe(schema.get_kind("departments"), document, Error())
    assert (found.rule, found.message) == ("schema", "name breaks the 'multipleOf' rule of departments.schema.json")
    assert CATALOGUE["schema"].stage == "schema"


def test_jsonschema_is_only_asked_about_entries_that_fail(check: Check, monkeypatch: pytest.MonkeyPatch) -> None:
    from billing_config.rules import json_schema as schema

    explained: list[str] = []
    real = schema._explain
    def spy(kind: Any, document: Any) -> Any:
        explained.append(document.code)
        return real(kind, document)

    monkeypatch.setattr(schema, "_explain", spy)
    check(edits=[(ACTIVE, "is_billable: true", "is_billable: 1")])
    assert explained == ["active"]


def test_a_wrong_type_is_one_finding_even_where_an_enum_or_pattern_also_fails(check: Check) -> None:
    """Found by the property tests: 'availability: 7' also missed the enum, and said so twice."""
    findings = check(
        edits=[
            (ACTIVE, "availability: Headline", "availability: 7"),
            (ACTIVE, "display_class: status-active", "display_class: 12"),
        ]
    )
    assert [(f.rule, f.line) for f in findings] == [("schema-type", 4), ("schema-type", 5)]
