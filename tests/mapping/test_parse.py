"""Mapping files: located errors (file, key path, what to write) and the default mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from billing_config.mapping import CodeColumn, MappingInvalid, TableName, Through, default_mapping, parse_mapping
from billing_config.kinds import KINDS, is_valid_code
from tests.scenarios.vendor_schemas import vendor_a_mapping, vendor_b_mapping, vendor_d_mapping


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
    usage = parse_mapping(vendor_d_mapping(), "c.toml").kinds["service-statuses"].usage
    assert [(u.noun, u.one) for u in usage] == [
        ("subscriptions", "subscription"), ("charge lines", "charge line"), ("open tickets", "open ticket"),
        ("port requests", "port request"),
    ]
    assert usage[0].via == "code" and usage[0].sum == "price" and usage[0].unit == "EUR a month"
    assert usage[1].through is not None and usage[1].through.column == "status_code" and usage[1].via == "code"
    stated = vendor_d_mapping().replace('noun = "port requests"', 'noun = "staff on call"\nsingular = "member of staff on call"')
    assert parse_mapping(stated, "c.toml").kinds["service-statuses"].usage[3].one == "member of staff on call"
    assert any(p.startswith("kinds.service-statuses.usage[3].singular:") for p in problems(stated.replace(
        'singular = "member of staff on call"', "singular = 3")))
    assert any(p.startswith("kinds.service-statuses.usage[0].sum:") and "sum and unit go together" in p
               for p in problems(vendor_d_mapping().replace('unit = "EUR a month"\n', "", 1)))


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


# --- the keys real schemas need: each misuse is a located problem -----------------------------

BASE = '''[kinds.departments]
table = "dept"
key = "dept_id"
code = { column = "dept_cd", case = "upper", separator = "_" }
where = { tenant_id = 1, deleted = "N" }
delete = { deleted = "Y" }

[kinds.departments.fields]
name = "dept_name"
'''


def located(text: str) -> list[tuple[int, str]]:
    with pytest.raises(MappingInvalid) as caught:
        parse_mapping(text, "m.toml")
    assert all(f"m.toml:{p.line}:{p.column}: {p}" in caught.value.message for p in caught.value.located)
    return [(p.line, str(p)) for p in caught.value.located]


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_the_base_mapping_parses() -> None:
    departments = parse_mapping(BASE, "m.toml").kinds["departments"]
    assert departments.key_source == "default" and departments.code == CodeColumn("dept_cd", "upper", "_")


MISUSES = [
    # (what is added to BASE's kind table or replaces a line, the key path reported, words of the message)
    ('key_source = "max + 1"', "kinds.departments.key_source", "max+1"),
    ("key_source = { sequence = 7 }", "kinds.departments.key_source.sequence", "sequence name"),
    ('code = { column = "dept_cd", max_length = 0 }', "kinds.departments.code.max_length", "at least 1"),
    ("revive = \"yes\"", "kinds.departments.revive", "revive = true"),
    ('protect = { id = [1, 2] }', "kinds.departments.protect.id", "{ in = "),
    ('protect = [{ id = 1 }, "x"]', "kinds.departments.protect[1]", "protect = {"),
    ('on_change = "INSERT INTO h VALUES (:key)"', "kinds.departments.on_change", "[[kinds.departments.on_change]]"),
    ("set = { insert = { uid = { uuid = false } } }", "kinds.departments.set.insert.uid", "{ uuid = true }"),
    ("set = { update = { uid = { uuid = true } } }", "kinds.departments.set.update.uid", "belongs in insert"),
    ("set = { insert = { n = { increment = 1 } } }", "kinds.departments.set.insert.n", "a new row has none"),
    ('where = { tenant_id = 1, deleted = "N", since = 2024-01-01T00:00:00 }', "kinds.departments.where.since", "read back differently"),
    ('table = "x\\u0000y"', "kinds.departments.table", "table name"),
    ('table = "' + "t" * 70 + '"', "kinds.departments.table", "longer than the 63 bytes"),
]


@pytest.mark.parametrize("line,path,words", MISUSES, ids=[m[1] for m in MISUSES])
def test_each_misuse_of_a_kind_key_is_located(line: str, path: str, words: str) -> None:
    key = line.split(" ", 1)[0]
    lines = [existing for existing in BASE.splitlines() if not existing.startswith(f"{key} =")]
    lines.insert(3, line)
    text = "\n".join(lines) + "\n"
    found = located(text)
    assert any(message.startswith(f"{path}:") and words in message for _, message in found), found
    assert any(number == line_of(text, line) for number, message in found if message.startswith(f"{path}:")), found


FIELD_MISUSES = [
    ('name = { column = "dept_name", max_length = "30" }', "kinds.departments.fields.name.max_length", "whole number"),
    ('name = { column = "dept_name", lookup = { table = "t", key = "id" } }', "kinds.departments.fields.name.lookup.value", "lookup table"),
    ('name = { column = "dept_name", lookup = "t" }', "kinds.departments.fields.name.lookup", "lookup = {"),
    ('name = { column = "dept_name", values = { x = 1 } }', "kinds.departments.fields.name.values", "free text"),
]


@pytest.mark.parametrize("line,path,words", FIELD_MISUSES, ids=[m[1] for m in FIELD_MISUSES])
def test_each_misuse_of_a_field_key_is_located(line: str, path: str, words: str) -> None:
    text = BASE.replace('name = "dept_name"', line)
    found = located(text)
    assert any(message.startswith(f"{path}:") and words in message for _, message in found), found
    assert any(number == line_of(text, line) for number, message in found if message.startswith(f"{path}:")), found


USAGE = '''
[[kinds.departments.usage]]
table = "ticket"
column = "dept_id"
noun = "tickets"
'''

USAGE_MISUSES = [
    ('via = ""', "kinds.departments.usage[0].via", "column name"),
    ('through = { table = "component", key = "id" }', "kinds.departments.usage[0].through.column", "this kind's key"),
    ('through = "component"', "kinds.departments.usage[0].through", "through = {"),
    ('sum = "charge"', "kinds.departments.usage[0].sum", "go together"),
    ('unit = "GBP a month"', "kinds.departments.usage[0].unit", "go together"),
    ('noun = "tick\\nets"', "kinds.departments.usage[0].noun", "plural"),
    ('count = 1', "kinds.departments.usage[0].count", "unknown key"),
]


@pytest.mark.parametrize("line,path,words", USAGE_MISUSES, ids=[m[1] for m in USAGE_MISUSES])
def test_each_misuse_of_a_usage_key_is_located(line: str, path: str, words: str) -> None:
    key = line.split(" ", 1)[0]
    usage = "\n".join(existing for existing in USAGE.splitlines() if not existing.startswith(f"{key} =")) + f"\n{line}\n"
    text = BASE + usage
    found = located(text)
    assert any(message.startswith(f"{path}:") and words in message for _, message in found), found
    assert any(number == line_of(text, line) for number, message in found if message.startswith(f"{path}:")), found


TOP_MISUSES = [
    ('[[guard]]\nsql = "SELECT 1"\n', "guard[0].message", "say why"),
    ('[[guard]]\nmessage = "a bill run"\n', "guard[0].sql", "statement"),
    ('[[after_apply]]\nsql = ""\n', "after_apply[0].sql", "statement"),
    ('guard = "SELECT 1"\n', "guard", "[[guard]]"),
]


@pytest.mark.parametrize("block,path,words", TOP_MISUSES, ids=[m[1] for m in TOP_MISUSES])
def test_each_misuse_of_a_hook_is_located(block: str, path: str, words: str) -> None:
    text = block + BASE if not block.startswith("[[") else BASE + block
    found = located(text)
    assert any(message.startswith(f"{path}:") and words in message for _, message in found), found


def test_the_new_keys_parse_into_values() -> None:
    text = BASE.replace('key = "dept_id"', 'key = "dept_id"\nkey_source = { sequence = "Dept Seq" }\nrevive = true\nprotect = { dept_id = { in = [1, 2] } }') + USAGE + '''via = "dept_cd"
through = { table = "safe.component", key = "id", column = "dept_id" }
sum = "charge"
unit = "GBP a month"

[[kinds.departments.on_change]]
sql = "INSERT INTO dept_history (action, dept_id) VALUES (:action, :key)"

[[guard]]
sql = "SELECT COUNT(*) FROM bill_run WHERE state = 'running'"
message = "a bill run is in progress"

[[after_apply]]
sql = "UPDATE cache_version SET n = n + 1"
'''
    mapping = parse_mapping(text, "m.toml")
    departments = mapping.kinds["departments"]
    assert departments.key_source == "sequence" and departments.sequence == TableName("Dept Seq")
    assert departments.revive and departments.is_protected({"dept_id": 2}) and not departments.is_protected({"dept_id": 3})
    usage = departments.usage[0]
    assert usage.via == "dept_cd" and usage.through == Through(TableName("component", "safe"), "id", "dept_id")
    assert (usage.sum, usage.unit) == ("charge", "GBP a month")
    assert mapping.guards[0].message == "a bill run is in progress" and mapping.after_apply[0].startswith("UPDATE")
    assert [h.split(":", 1)[0] for h in mapping.hooks()] == ["guard", "on_change (departments)", "after_apply"]


def test_a_soft_delete_by_time_leaves_a_null_scope() -> None:
    """{ now = true } writes a time, which leaves where = { deleted_at = { null = true } }."""
    text = BASE.replace('where = { tenant_id = 1, deleted = "N" }', "where = { tenant_id = 1, deleted_at = { null = true } }")
    text = text.replace('delete = { deleted = "Y" }', "delete = { deleted_at = { now = true } }")
    assert parse_mapping(text, "m.toml").kinds["departments"].soft_delete is not None


def test_two_kinds_on_one_table_need_scopes_that_cannot_overlap() -> None:
    groups = '''
[kinds.groups]
table = "dept"
key = "dept_id"
where = { tenant_id = 1 }

[kinds.groups.fields]
name = "dept_name"
display_class = false
display_position = false
personal_customer = false
reseller = false
'''
    found = located(BASE + groups)
    assert any(message.startswith("kinds.groups.where:") and "both live in dept" in message for _, message in found)
    apart = (BASE + groups).replace("where = { tenant_id = 1 }", "where = { tenant_id = 2 }")
    assert set(parse_mapping(apart, "m.toml").kinds) == {"departments", "groups"}
