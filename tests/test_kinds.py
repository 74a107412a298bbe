"""The registry: what each kind declares and what is derived from its schema."""

from __future__ import annotations

from billing_config.kinds import KINDS, get_kind


def test_only_a_status_refers_to_its_own_kind() -> None:
    assert {kind.name: kind.self_references for kind in KINDS if kind.self_references} == {"statuses": ("next_status",)}


def test_every_reference_names_a_field_of_the_schema_and_a_declared_kind() -> None:
    for kind in KINDS:
        for field, target in kind.references.items():
            assert kind.field_map[field].references == target
            assert get_kind(target).name == target


def test_fields_follow_schema_order_and_name_comes_first() -> None:
    for kind in KINDS:
        assert kind.field_names[0] == "name"
        assert list(kind.field_names) == list(kind.schema["properties"])
        assert kind.field_map["name"].required


def test_defaults_fill_every_optional_field() -> None:
    statuses = get_kind("statuses")
    entry = statuses.with_defaults({"name": "Winback"})
    assert list(entry) == list(statuses.field_names)
    assert entry["availability"] == "Standard" and entry["next_status"] is None and entry["visible_in_backend"] is True
