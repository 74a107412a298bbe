"""Mapping files: located errors (file, key path, what to write) and the default mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from billing_config.mapping import CodeColumn, MappingInvalid, default_mapping, parse_mapping
from billing_config.kinds import KINDS, is_valid_code
from tests.scenarios.vendor_schemas import vendor_a_mapping, vendor_b_mapping, vendor_c_mapping


def problems(text: str) -> list[str]:
    with pytest.raises(MappingInvalid) as caught:
        parse_mapping(text, "m.toml")
    assert "m.toml" in caught.value.message
    return caught.value.problems


def test_the_vendor_examples_parse() -> None:
    mapping = parse_mapping(vendor_a_mapping(), "a.toml")
    statuses = mapping.kinds["statuses"]
    assert statuses.code is None and statuses.created == "created_on"
    assert statuses.field_map["is_billable"].decode == {"Y": True, "y": True, "N": False}
    assert statuses.field_map["is_billable"].encode == {True: "Y", False: "N"}
    assert parse_mapping(vendor_b_mapping("vendor_b"), "b.toml").kinds["groups"].schema == "vendor_b"


def test_an_unknown_field_is_located_with_a_suggestion() -> None:
    text = vendor_a_mapping().replace("is_billable = {", "is_bilable = {")
    found = problems(text)
    assert any(p.startswith("kinds.statuses.fields.is_bilable:") and "did you mean 'is_billable'" in p for p in found)
    assert any(p.startswith("kinds.statuses.fields.is_billable:") and "false" in p for p in found)


def test_an_unknown_kind_and_a_bad_encoding() -> None:
    assert any("did you mean 'statuses'" in p for p in problems('[kinds.status]\ntable = "x"\n'))
    text = vendor_a_mapping().replace('Headline = 1, ', "Headlin = 1, ")
    assert any(p.startswith("kinds.statuses.fields.availability.values.Headlin:") and "Headline" in p for p in problems(text))


def test_a_partial_encoding_is_a_narrower_target_not_an_error() -> None:
    """A two-valued column for a three-valued field: the left-out value is invalid on that target."""
    text = vendor_a_mapping().replace('Headline = 1, ', "")
    availability = parse_mapping(text, "m.toml").kinds["statuses"].field_map["availability"]
    assert availability.allows("Standard") and not availability.allows("Headline")


def test_a_soft_delete_must_leave_scope_and_columns_belong_to_one_place() -> None:
    text = vendor_a_mapping().replace('delete = { deleted = "Y" }', 'delete = { deleted = "N" }', 1)
    assert any(p.startswith("kinds.statuses.delete:") for p in problems(text))
    text = vendor_a_mapping().replace('name = "status_name"', 'name = "tenant_id"')
    assert any("tenant_id" in p and "where" in p for p in problems(text))


def test_not_toml_is_an_error_not_a_traceback() -> None:
    assert any("not valid TOML" in p for p in problems("[kinds.statuses\n"))


def test_the_default_mapping_is_the_registry() -> None:
    mapping = default_mapping()
    assert list(mapping.kinds) == [kind.name for kind in KINDS]
    statuses = mapping.kinds["statuses"]
    assert statuses.key == "id" and statuses.code == CodeColumn("code") and statuses.delete == "hard"
    assert statuses.field_map["next_status"].column == "next_status_id"


def test_the_default_mapping_measures_the_services_charges() -> None:
    """Service statuses sum their services' monthly charges; customer statuses sum those of their
    customers' services, through customers, as a second usage table with its own noun."""
    statuses, services = default_mapping().kinds["statuses"].usage
    assert (statuses.table, statuses.column, statuses.sum) == ("customers", "customer_status_id", None)
    assert (services.table, services.column, services.sum, services.unit) == ("services", "customer_id", "monthly_charge", "GBP a month")
    assert services.through is not None and (services.through.table.name, services.through.key, services.through.column) == (
        "customers", "id", "customer_status_id",
    )
    [own] = default_mapping().kinds["service-statuses"].usage
    assert (own.table, own.column, own.sum, own.unit, own.through) == ("services", "service_status_id", "monthly_charge", "GBP a month", None)
    assert all(u.sum is None for kind in ("groups", "departments", "classes") for u in default_mapping().kinds[kind].usage)


def test_a_usage_reads_via_through_sum_and_its_singular() -> None:
    usage = parse_mapping(vendor_c_mapping(), "c.toml").kinds["service-statuses"].usage
    assert [(u.noun, u.one) for u in usage] == [
        ("subscriptions", "subscription"), ("charge lines", "charge line"), ("open tickets", "open ticket"),
        ("port requests", "port request"),
    ]
    assert usage[0].via == "code" and usage[0].sum == "price" and usage[0].unit == "EUR a month"
    assert usage[1].through is not None and usage[1].through.column == "status_code" and usage[1].via == "code"
    stated = vendor_c_mapping().replace('noun = "port requests"', 'noun = "staff on call"\nsingular = "member of staff on call"')
    assert parse_mapping(stated, "c.toml").kinds["service-statuses"].usage[3].one == "member of staff on call"
    assert any(p.startswith("kinds.service-statuses.usage[3].singular:") for p in problems(stated.replace(
        'singular = "member of staff on call"', "singular = 3")))
    assert any(p.startswith("kinds.service-statuses.usage[0].unit:") and "sum and unit go together" in p
               for p in problems(vendor_c_mapping().replace('unit = "EUR a month"\n', "", 1)))


@pytest.mark.parametrize("plural, singular", [
    ("customers", "customer"), ("third parties", "third party"), ("sub-categories", "sub-category"),
    ("lines of business", "line of business"), ("boxes", "box"), ("statuses", "status"), ("uses", "use"),
    ("classes", "class"), ("branches", "branch"), ("people", "person"), ("data", "data"), ("SIP trunks", "SIP trunk"),
])
def test_the_singular_is_derived_from_the_plural(plural: str, singular: str) -> None:
    from billing_config.mapping.model import singular_of

    assert singular_of(plural) == singular


@given(st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,3}", fullmatch=True))
def test_code_transforms_reverse_exactly(code: str) -> None:
    column = CodeColumn("c", case="upper", separator="_")
    assert is_valid_code(code)
    assert column.code_of(column.stored(code)) == code


def test_a_target_names_its_mapping(tmp_path: Path, cli: object) -> None:
    from billing_config.mapping.targets import choose_mapping

    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "live.toml").write_text(vendor_b_mapping(None), encoding="utf-8")
    (tmp_path / "billing-config.toml").write_text('[targets.live]\nurl_env = "BILLING_X"\nmapping = "maps/live.toml"\n', encoding="utf-8")
    (tmp_path / "config").mkdir()
    mapping = choose_mapping(None, "live", tmp_path / "config")
    assert list(mapping.kinds) == ["groups"] and not mapping.is_default


def test_the_shipped_example_parses() -> None:
    from tests.conftest import REPO

    path = REPO / "docs" / "examples" / "vendor-mapping.toml"
    mapping = parse_mapping(path.read_text(encoding="utf-8"), str(path))
    assert mapping.tool_schema == "billing_config" and mapping.kinds["statuses"].schema == "safe"
