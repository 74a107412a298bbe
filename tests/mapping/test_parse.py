"""Mapping files: located errors (file, key path, what to write) and the default mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from billing_config.mapping import CodeColumn, MappingInvalid, default_mapping, parse_mapping
from billing_config.kinds import KINDS, is_valid_code
from tests.scenarios.vendor_schemas import vendor_a_mapping, vendor_b_mapping


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
