"""The status lifecycle as Mermaid: chains, related statuses, highlights, and escaping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing_config.cli import main
from billing_config.loader import Document
from billing_config.render.mermaid import escape_label, lifecycle_chain, status_lifecycle

# What every line of the diagram may look like: a node with a quoted label, an arrow between
# ids, or a class line. A label holds no raw quote, '#', '<', '>', '&' or backtick except the
# entity codes and the <br/> the renderer writes itself.
_LABEL = r'"((?:[^"#<>&`\n]|#\d+;|<br/>)*)"'
_NODE = re.compile(r"^(    |        )[a-z]+_[a-z0-9_]+\[" + _LABEL + r"\]$")
# Solid arrows lead to the next status; dotted ones, labelled, into a related list.
_EDGE = re.compile(r"^    [a-z]+_[a-z0-9_]+ (-->|-\.->\|" + _LABEL + r"\|) [a-z]+_[a-z0-9_]+$")
_CLASS = re.compile(r"^    (classDef [a-z]+ [^\n]+|class [a-z0-9_,]+ [a-z]+)$")
_SUBGRAPH = re.compile(r"^    (subgraph kind_[a-z]+\[" + _LABEL + r"\]|end)$")


def status(code: str, name: str, next_status: str | None = None, **related: str) -> Document:
    return Document(kind="statuses", code=code, path=f"{code}.yaml", data={"name": name, "next_status": next_status, **related})


def assert_well_formed(source: str) -> None:
    lines = source.splitlines()
    assert lines[0] == "flowchart LR"
    for line in lines[1:]:
        assert _NODE.match(line) or _EDGE.match(line) or _CLASS.match(line) or _SUBGRAPH.match(line), line


def test_the_sample_lifecycle_shows_chains_related_statuses_and_highlights(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--highlight", "ceased", "suspended"]) == 0
    source = capsys.readouterr().out
    assert_well_formed(source)
    assert "    sta_ceased --> sta_ex_customer\n" in source
    assert "    sta_debt_recovery --> sta_ceased\n" in source
    # The whole chain: each list in its own box, a dotted arrow for every related status.
    for box in ('kind_sta["customer statuses"]', 'kind_num["number statuses"]', 'kind_ser["service statuses"]', 'kind_fea["feature statuses"]'):
        assert f"    subgraph {box}\n" in source
    assert '        num_quarantined["Quarantined"]\n' in source
    assert '    sta_ceased -.->|"number status"| num_quarantined\n' in source
    assert '    sta_ceased -.->|"service status"| ser_ceased\n' in source
    assert '    sta_ceased -.->|"feature status"| fea_ceased\n' in source
    assert '    num_quarantined -.->|"feature status"| fea_ceased\n' in source
    assert '    ser_pending -.->|"feature status"| fea_pending\n' in source
    assert source.count("    subgraph ") == source.count("    end\n") == 4
    assert "    class sta_suspended,sta_ceased changed\n" in source


def test_the_chain_highlights_an_entry_of_any_list_by_kind_and_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--highlight", "number-statuses/suspended", "active"]) == 0
    source = capsys.readouterr().out
    assert_well_formed(source)
    assert "    class sta_active,num_suspended changed\n" in source


def test_the_chain_draws_a_missing_related_status_and_escapes_names() -> None:
    documents = [
        status("end", 'The "end" <b>', related_number_status="gone"),
        Document(kind="number-statuses", code="live", path="live.yaml", data={"name": "Live & `well`", "related_feature_status": "nowhere"}),
    ]
    source = lifecycle_chain(documents)
    assert_well_formed(source)
    assert '        sta_end["The #34;end#34; #60;b#62;"]\n' in source
    assert '        num_live["Live #38; #96;well#96;"]\n' in source
    assert '    sta_end -.->|"number status"| num_gone\n' in source and 'num_gone["gone (missing)"]' in source
    assert '    num_live -.->|"feature status"| fea_nowhere\n' in source
    assert "    class num_gone,fea_nowhere missing\n" in source


def test_markdown_format_is_a_mermaid_code_block(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("```mermaid\nflowchart LR\n") and out.endswith("```\n")


def test_names_with_quotes_brackets_and_emoji_are_escaped() -> None:
    documents = [
        status("end", 'The "end" [final] #1 <b>&`x`', next_status="graph"),
        status("graph", "Graph 😀 --> (loop)", related_number_status="gone"),
    ]
    source = status_lifecycle(documents, {"end"})
    assert_well_formed(source)
    assert 'sta_end["The #34;end#34; [final] #35;1 #60;b#62;#38;#96;x#96;"]' in source
    assert "Graph 😀 --#62; (loop)<br/>number status: gone (missing)" in source
    assert "    class sta_end changed\n" in source


def test_a_dangling_next_status_is_drawn_as_a_missing_node() -> None:
    source = status_lifecycle([status("ceased", "Ceased", next_status="ex-custmer")])
    assert_well_formed(source)
    assert 'sta_ex_custmer["ex-custmer (missing)"]' in source
    assert "sta_ceased --> sta_ex_custmer" in source
    assert "    class sta_ex_custmer missing\n" in source


def test_no_highlight_means_no_class_line(config_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--config-dir", str(config_tree)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("flowchart LR\n") and "sta_ceased --> sta_ex_customer" in out
    assert "class sta_" not in out


@given(st.lists(st.text(max_size=30), min_size=1, max_size=5))
def test_any_name_gives_a_well_formed_diagram(names: list[str]) -> None:
    documents = [status(f"s{i}", name, next_status=f"s{i + 1}", related_number_status=f"n{i}") for i, name in enumerate(names)]
    documents += [
        Document(kind="number-statuses", code=f"n{i}", path=f"n{i}.yaml", data={"name": name, "related_feature_status": "f"})
        for i, name in enumerate(names)
    ]
    assert_well_formed(status_lifecycle(documents, {"s0"}))
    assert_well_formed(lifecycle_chain(documents, {"s0", "number-statuses/n0"}))


@given(st.text())
def test_escaped_labels_hold_no_character_mermaid_reads(text: str) -> None:
    escaped = escape_label(text)
    assert not set(escaped) & set('"<>&`\n\r')
    assert re.sub(r"#\d+;", "", escaped).count("#") == 0


def test_the_plan_section_appears_only_when_a_status_changes() -> None:
    from billing_config.render.mermaid import lifecycle_sections

    documents = [status("active", "Active"), status("ceased", "Ceased", next_status="active")]
    assert lifecycle_sections(documents, [("groups", "vip"), ("departments", "sales")]) == []
    (section,) = lifecycle_sections(documents, [("statuses", "ceased"), ("groups", "active")])
    assert section.startswith("**Status lifecycle**")
    assert "```mermaid\nflowchart LR\n" in section
    assert "    class sta_ceased changed\n" in section


def test_on_a_big_tree_the_plan_shows_only_the_changes_and_their_neighbours() -> None:
    from billing_config.render.mermaid import lifecycle_sections

    documents = [status(f"s-{i}", f"Status {i}", next_status=f"s-{i + 1}" if i < 1999 else None) for i in range(2000)]
    (section,) = lifecycle_sections(documents, [("statuses", "s-500")])
    assert section.startswith("**Status lifecycle around the changes**")
    assert len(section) < 20_000
    assert {"sta_s_499 --> sta_s_500", "sta_s_500 --> sta_s_501"} <= set(line.strip() for line in section.splitlines())
    assert "sta_s_502[" not in section and "sta_s_498[" not in section

    many = [("statuses", f"s-{i}") for i in range(0, 2000, 2)]
    (note,) = lifecycle_sections(documents, many)
    assert "too large for a comment" in note and "billing-config graph --highlight s-0 s-10" in note
    assert "```mermaid" not in note


def test_a_changed_number_status_highlights_the_customer_statuses_that_name_it() -> None:
    from billing_config.render.mermaid import lifecycle_sections

    documents = [
        status("active", "Active", related_number_status="active"),
        status("suspended", "Suspended", related_number_status="barred"),
        status("debt", "Debt", related_number_status="barred"),
        Document(kind="number-statuses", code="barred", path="barred.yaml", data={"name": "Barred"}),
    ]
    (section,) = lifecycle_sections(documents, [("number-statuses", "barred")])
    assert "whose number, service or feature status changes" in section
    assert "    class sta_debt,sta_suspended changed\n" in section
    assert lifecycle_sections(documents, [("number-statuses", "unused")]) == []
