"""adopt's proposal file: what --propose writes, --codes reads back, whatever the live names
hold (issue 16, item 9: a DEL in a name made a file --codes could not read)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from billing_config.plan.adopt import Proposed, read_codes, render_proposal
from tests.testing.hostile import HOSTILE, hostile_text


def proposal_for(names: list[str], keys: list[object]) -> list[Proposed]:
    return [Proposed("departments", key, name, f"dept-{number}", "name") for number, (name, key) in enumerate(zip(names, keys))]


def test_the_corpus_round_trips_through_the_proposal_file() -> None:
    names = [*HOSTILE, "a\x7fb", "tab\there", "é", "x" * 500]
    proposal = proposal_for(names, list(range(len(names))))
    assert read_codes(render_proposal(proposal), "proposal.toml", proposal) == proposal


@settings(max_examples=200)
@given(
    st.lists(hostile_text(), min_size=1, max_size=5),
    st.lists(st.one_of(st.integers(), hostile_text(), st.integers(min_value=2**63)), min_size=5, max_size=5, unique_by=str),
)
def test_any_name_and_key_round_trip_through_the_proposal_file(names: list[str], keys: list[object]) -> None:
    proposal = proposal_for(names, keys[: len(names)])
    text = render_proposal(proposal)
    assert "\x7f" not in text and "\x00" not in text
    assert read_codes(text, "proposal.toml", proposal) == proposal
