"""The TOML position index: every key a mapping problem can name is found at its line and column."""

from __future__ import annotations

import tomllib

from hypothesis import given, settings, strategies as st

from billing_config.mapping.positions import toml_positions

SAMPLE = '''# a comment
[tool]
schema = "billing_config"   # trailing comment

[kinds.statuses]
table = "safe.cust_status"
where = { tenant_id = 1, deleted = "N" }
  [kinds.statuses.fields]
  name = { column = "status_name", max_length = 30 }
  is_active = { column = "a", values = { true = ["Y", "y"], false = "N" } }
  "quoted key" = """multi
line [not a table]"""
  'literal' = 'x # not a comment'

[[kinds.statuses.usage]]
table = "account"

[[kinds.statuses.usage]]
table = "ticket"
through = { table = "component", key = "id", column = "box_id" }
'''


def test_every_key_is_found_where_it_is_written() -> None:
    found = toml_positions(SAMPLE).keys
    assert found["tool"] == (2, 1)
    assert found["tool.schema"] == (3, 1)
    assert found["kinds.statuses"] == (5, 1)
    assert found["kinds.statuses.where.deleted"] == (7, 26)
    assert found["kinds.statuses.fields"] == (8, 3)
    assert found["kinds.statuses.fields.name.max_length"] == (9, 36)
    assert found["kinds.statuses.fields.is_active.values.true[1]"] == (10, 55)
    assert found["kinds.statuses.fields.quoted key"] == (11, 3)
    assert found["kinds.statuses.fields.literal"] == (13, 3)
    assert found["kinds.statuses.usage[0].table"] == (16, 1)
    assert found["kinds.statuses.usage[1].through.column"] == (20, 46)


def test_a_missing_key_is_located_at_its_nearest_parent() -> None:
    positions = toml_positions(SAMPLE)
    assert positions.of("kinds.statuses.fields.is_billable") == (8, 3)
    assert positions.of("kinds.groups.table") == (1, 1)


def test_text_it_does_not_follow_stops_it_quietly() -> None:
    positions = toml_positions('[kinds.statuses]\ntable = "x"\n= broken\nkey = "id"\n')
    assert positions.keys["kinds.statuses.table"] == (2, 1)
    assert positions.of("kinds.statuses.key") == (1, 1) or positions.of("kinds.statuses.key") == (4, 1)


_KEY = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True)
_VALUE = st.one_of(st.integers(-5, 5), st.booleans(), st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8))


def _value_text(value: object) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


@settings(max_examples=60)
@given(st.dictionaries(_KEY, st.dictionaries(_KEY, _VALUE, min_size=1, max_size=4), min_size=1, max_size=4), st.booleans())
def test_every_key_of_a_generated_file_is_found_on_its_line(tables: dict[str, dict[str, object]], inline: bool) -> None:
    lines: list[str] = []
    expected: dict[str, int] = {}
    for table, items in tables.items():
        if inline:
            body = ", ".join(f"{key} = {_value_text(value)}" for key, value in items.items())
            lines.append(f"{table} = {{ {body} }}")
            expected[table] = len(lines)
            for key in items:
                expected[f"{table}.{key}"] = len(lines)
        else:
            lines.append(f"[{table}]")
            expected[table] = len(lines)
            for key, value in items.items():
                lines.append(f"{key} = {_value_text(value)}  # comment")
                expected[f"{table}.{key}"] = len(lines)
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # a valid file, as the parser reads it first
    found = toml_positions(text).keys
    for path, line in expected.items():
        assert found[path][0] == line, (path, text)
