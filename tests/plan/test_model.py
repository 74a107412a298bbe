"""plan.model.show: a value as a reviewer reads it, exactly as JSON writes it (its fast paths
for booleans, numbers and plain text must never differ from json.dumps)."""

from __future__ import annotations

import json

from hypothesis import given, strategies as st

from billing_config.plan.model import show


@given(st.one_of(st.text(), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False, allow_infinity=False)))
def test_show_writes_what_json_writes(value: object) -> None:
    assert show(value) == json.dumps(value, ensure_ascii=False)


def test_the_plain_text_path_is_taken_and_quotes_and_backslashes_are_not() -> None:
    assert show("Active") == '"Active"'
    assert show('say "hi"') == '"say \\"hi\\""' and show("a\\b") == '"a\\\\b"'
