"""billing-config fmt: canonical order and style, comments kept, values never changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing_config.files.canonical import dump_entry, modeline, needs_quotes
from billing_config.cli import main
from billing_config.files.formatter import format_file
from billing_config.kinds import KINDS, get_kind
from billing_config.loader import read_entry
from tests.conftest import CONFIG

STATUSES = get_kind("statuses")


def write_entry(root: Path, kind: str, code: str, text: str) -> Path:
    path = root / kind / f"{code}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def test_the_repository_config_is_already_formatted(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fmt", "--check", "--config-dir", str(CONFIG)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "0 would be reformatted" in captured.err


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_what_dump_entry_writes_passes_check_unchanged(tmp_path: Path, kind, capsys: pytest.CaptureFixture[str]) -> None:
    every_field = kind.with_defaults({"name": "It's: a \"name\" #1 😀"})
    path = write_entry(tmp_path, kind.name, "every-field", dump_entry(kind, every_field, comments=("Why it exists.",)))
    write_entry(tmp_path, kind.name, "name-only", dump_entry(kind, {"name": "yes"}))
    before = path.read_bytes()
    assert main(["fmt", "--check", "--config-dir", str(tmp_path)]) == 0, capsys.readouterr().out
    assert path.read_bytes() == before


def test_keys_go_in_schema_order_and_comments_travel_with_their_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_entry(
        tmp_path, "statuses", "ceased",
        "# Contract ended: the next bill run raises the final bill.\n"
        "short_name: \"CEA\"   # shown in narrow columns\n"
        "zz_note: kept after the known keys\n"
        "\n"
        "# The chain ends at ex-customer.\n"
        "next_status: ex-customer\n"
        "name: 'Ceased'\n"
        "availability: Standard # offered normally\n"
        "# a comment after the last key stays at the end\n",
    )
    assert main(["fmt", str(path)]) == 0
    assert path.read_text() == (
        f"{modeline(STATUSES)}\n"
        "# Contract ended: the next bill run raises the final bill.\n"
        "name: Ceased\n"
        "short_name: CEA  # shown in narrow columns\n"
        "availability: Standard  # offered normally\n"
        "\n"
        "# The chain ends at ex-customer.\n"
        "next_status: ex-customer\n"
        "zz_note: kept after the known keys\n"
        "# a comment after the last key stays at the end\n"
    )
    assert f"reformatted {path}" in capsys.readouterr().out
    assert main(["fmt", "--check", str(path)]) == 0


def test_a_wrong_modeline_is_corrected_and_a_missing_one_added(tmp_path: Path) -> None:
    wrong = write_entry(tmp_path, "groups", "vip", "# yaml-language-server: $schema=../../schemas/statuses.schema.json\nname: VIP\n")
    missing = write_entry(tmp_path, "departments", "sales", "name: Sales\n")
    assert main(["fmt", str(wrong), str(missing)]) == 0
    assert wrong.read_text() == f"{modeline(get_kind('groups'))}\nname: VIP\n"
    assert missing.read_text() == f"{modeline(get_kind('departments'))}\nname: Sales\n"


def test_blank_lines_between_the_modeline_and_the_entry_are_dropped(tmp_path: Path) -> None:
    # Found by the rewrite property: a leading blank line survived, so fmt and dump_entry disagreed.
    spaced = write_entry(tmp_path, "departments", "sales", "\n\n# The sales team.\nname: Sales\n")
    bare = write_entry(tmp_path, "departments", "accounts", "\nname: Accounts\n")
    assert main(["fmt", str(spaced), str(bare)]) == 0
    assert spaced.read_text() == f"{modeline(get_kind('departments'))}\n# The sales team.\nname: Sales\n"
    assert bare.read_text() == dump_entry(get_kind("departments"), {"name": "Accounts"})


def test_check_lists_the_files_it_would_change_and_changes_nothing(config_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    active = config_tree / "statuses" / "active.yaml"
    lines = active.read_text().splitlines(keepends=True)
    shuffled = "".join([lines[0], lines[2], lines[1], *lines[3:]])
    active.write_text(shuffled)
    assert main(["fmt", "--check", "--config-dir", str(config_tree)]) == 1
    out = capsys.readouterr()
    assert out.out == f"would reformat {active}\n"
    assert "1 would be reformatted" in out.err
    assert active.read_text() == shuffled


def test_a_file_that_does_not_parse_is_a_located_error_and_left_alone(config_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = config_tree / "departments" / "sales.yaml"
    broken.write_text("name: [Sales\nshort: x\n")
    shuffled = config_tree / "groups" / "vip-client.yaml"
    shuffled.write_text("reseller: false\nname: VIP Client\n")
    assert main(["fmt", "--config-dir", str(config_tree)]) == 1
    out = capsys.readouterr().out
    assert f"{broken}:2:" in out
    assert "error yaml-syntax" in out and "fmt leaves the file as it is" in out
    assert broken.read_text() == "name: [Sales\nshort: x\n"
    assert shuffled.read_text().splitlines()[1] == "name: VIP Client"  # the others are still formatted


def test_a_duplicate_key_is_refused_rather_than_one_value_dropped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_entry(tmp_path, "departments", "sales", "name: Sales\nname: Selling\n")
    assert main(["fmt", str(path)]) == 1
    assert f"{path}:2:1: error yaml-duplicate-key" in capsys.readouterr().out
    assert path.read_text() == "name: Sales\nname: Selling\n"


def test_a_file_outside_a_kind_folder_is_reported_and_the_others_formatted(config_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stray = config_tree / "x.yaml"
    stray.write_text("name: X\n")
    sales = config_tree / "departments" / "sales.yaml"
    sales.write_text("name: Sales\n")
    assert main(["fmt", str(stray), str(sales)]) == 1
    out = capsys.readouterr().out
    assert f"{stray}:1:1: error layout-stray-file entry files live in a kind folder" in out
    assert "fmt cannot tell which schema this file follows" in out
    assert sales.read_text().startswith("# yaml-language-server")
    assert stray.read_text() == "name: X\n"


def test_files_fmt_cannot_take_are_located_catalogued_errors_and_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flow = write_entry(tmp_path, "departments", "flow", "{name: Sales,  # the team\n}\n")
    notes = flow.parent / "notes.txt"
    notes.write_text("hello\n")
    missing = flow.parent / "gone.yaml"
    assert main(["fmt", str(flow), str(notes), str(missing)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{flow}:1:1: error fmt-cannot-format the entry is a flow mapping with comments inside; "
        "write it in block style, one 'key: value' per line; the file is left as it is",
        # the layout rules' own words, the same validate prints for these files
        f"{notes}:1:1: error file-extension 'notes.txt' is not a .yaml file; entries are *.yaml files; "
        "remove it or move it out of config/",
        f"{missing}:1:1: error file-unreadable cannot read the file: No such file or directory",
    ]
    assert flow.read_text() == "{name: Sales,  # the team\n}\n"
    assert notes.read_text() == "hello\n" and not missing.exists()


def test_floats_and_lists_keep_their_spelling_and_text_gets_the_canonical_quotes(tmp_path: Path) -> None:
    path = write_entry(
        tmp_path, "departments", "odd",
        "extra_list:\n  - 1   # one\n  - 2\nname: Odd\nwhen: 2001-12-14\nratio: 1e3\noctal: 0o17\nblock: |\n  two\n  lines\n",
    )
    before, _ = read_entry(path, "x", "departments", "odd")
    assert main(["fmt", str(path)]) == 0
    assert path.read_text() == (
        f"{modeline(get_kind('departments'))}\nname: Odd\nextra_list:\n  - 1   # one\n  - 2\n"
        "when: 2001-12-14\nratio: 1e3\noctal: '0o17'\nblock: \"two\\nlines\\n\"\n"
    )
    after, _ = read_entry(path, "x", "departments", "odd")
    assert before is not None and after is not None and before.data == after.data


def test_a_flow_mapping_becomes_block_style(tmp_path: Path) -> None:
    flow = write_entry(tmp_path, "groups", "vip", "{reseller: false, name: 'VIP'}\n")
    empty = write_entry(tmp_path, "departments", "none", "{}\n")
    assert main(["fmt", str(flow), str(empty)]) == 0
    assert flow.read_text() == f"{modeline(get_kind('groups'))}\nname: VIP\nreseller: false\n"
    assert empty.read_text() == f"{modeline(get_kind('departments'))}\n{{}}\n"


# --- property: idempotent, and the loaded values never change ---------------------------------

_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufeff"), max_size=24
)
_COMMENT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=20
).map(lambda text: text.replace("\ufeff", ""))


def _string_source(draw: st.DrawFn, text: str) -> str:
    styles = ["single", "double"]
    if not needs_quotes(text):
        styles.append("plain")
    style = draw(st.sampled_from(styles))
    if style == "plain":
        return text
    if style == "single" and not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029\ufffe\uffff" for c in text):
        return "'" + text.replace("'", "''") + "'"
    return "".join(
        f"\\u{ord(c):04x}" if 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029\ufffe\uffff" else c
        for c in json.dumps(text, ensure_ascii=False)
    )


def _value_source(draw: st.DrawFn, field_type: str) -> str:
    if field_type == "boolean":
        return draw(st.sampled_from(["true", "false", "True", "FALSE"]))
    if field_type == "integer":
        return str(draw(st.integers(0, 2**31 - 1)))
    if field_type == "null":
        return draw(st.sampled_from(["null", "~", "", "Null"]))
    if field_type == "float":
        return repr(draw(st.floats(allow_nan=False, allow_infinity=False)))
    return _string_source(draw, draw(_TEXT))


@st.composite
def entry_files(draw: st.DrawFn) -> str:
    fields = [f for f in STATUSES.fields if f.name != "name"]
    chosen = draw(st.lists(st.sampled_from(fields), unique_by=lambda f: f.name, max_size=8))
    unknown = draw(st.lists(st.from_regex(r"\Azz_[a-z]{1,6}\Z"), unique=True, max_size=3))
    items = [("name", _string_source(draw, draw(_TEXT.filter(bool))))]
    items += [(f.name, _value_source(draw, draw(st.sampled_from([f.type, "null"])) if f.nullable else f.type)) for f in chosen]
    items += [(key, _value_source(draw, draw(st.sampled_from(["string", "integer", "boolean", "null", "float"])))) for key in unknown]
    items = draw(st.permutations(items))
    lines: list[str] = []
    header = draw(st.sampled_from(["none", "right", "wrong"]))
    if header == "right":
        lines.append(modeline(STATUSES))
    elif header == "wrong":
        lines.append("# yaml-language-server: $schema=elsewhere.json")
    for key, source in items:
        if draw(st.booleans()):
            lines.append("")
        for comment in draw(st.lists(_COMMENT, max_size=2)):
            lines.append(f"# {comment}")
        eol = draw(st.one_of(st.none(), _COMMENT))
        line = f"{key}: {source}".rstrip() if source else f"{key}:"
        lines.append(line if eol is None else f"{line} # {eol}")
    if draw(st.booleans()):
        lines.append(f"# {draw(_COMMENT)}")
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=entry_files())
def test_fmt_is_idempotent_and_never_changes_the_loaded_values(tmp_path: Path, text: str) -> None:
    path = write_entry(tmp_path, "statuses", "generated", text)
    before, problems = read_entry(path, "generated.yaml", "statuses", "generated")
    assert before is not None and not problems, (text, problems)

    first = format_file(path, "generated.yaml", STATUSES, "generated")
    assert not first.problems, first.problems
    path.write_bytes(first.formatted.encode("utf-8"))
    after, problems = read_entry(path, "generated.yaml", "statuses", "generated")
    assert after is not None and not problems, (first.formatted, problems)
    assert after.data == before.data
    known = [k for k in after.data if k in STATUSES.field_map]
    assert list(after.data)[: len(known)] == [k for k in STATUSES.field_names if k in after.data]

    second = format_file(path, "generated.yaml", STATUSES, "generated")
    assert second.formatted == first.formatted
    assert first.formatted.startswith(modeline(STATUSES) + "\n")
    for line in text.splitlines():
        comment = line.partition(" # ")[2] if not line.startswith("#") else line
        if line.startswith("# ") and "yaml-language-server" not in line:
            assert line.rstrip() in first.formatted.splitlines()
        elif comment.strip() and " # " in line:
            # An end-of-line comment stays on its own key's line, not merely somewhere in the file.
            key = line.split(":", 1)[0]
            assert any(
                out.startswith(f"{key}:") and out.rstrip().endswith("# " + comment.rstrip())
                for out in first.formatted.splitlines()
            ), (key, comment, first.formatted)


# --- rewriting an entry with new values (what export does), comments kept ------------------------


def test_rewrite_keeps_comments_of_kept_keys_and_writes_exactly_the_values(tmp_path: Path) -> None:
    from billing_config.files.formatter import rewrite_entry

    path = write_entry(
        tmp_path, "groups", "vip",
        "# Our best customers.\n"
        "reseller: false  # never resellers\n"
        "# shown first\n"
        "display_position: 1\n"
        "# an old note about a field that is gone\n"
        "zz_gone: 1\n"
        "name: VIP\n",
    )
    kind = get_kind("groups")
    values = kind.with_defaults({"name": "VIP Clients", "display_position": 5, "reseller": False})
    assert rewrite_entry(path, kind, values) == (
        f"{modeline(kind)}\n"
        "# Our best customers.\n"
        "# an old note about a field that is gone\n"  # a dropped key's comment goes to the next key
        "name: VIP Clients\n"
        "display_class: ''\n"
        "# shown first\n"
        "display_position: 5\n"
        "personal_customer: false\n"
        "reseller: false  # never resellers\n"
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=entry_files(), data=st.data())
def test_rewrite_holds_exactly_the_new_values_and_keeps_every_comment_line(tmp_path: Path, text: str, data: st.DataObject) -> None:
    from billing_config.files.formatter import rewrite_entry

    path = write_entry(tmp_path, "statuses", "generated", text)
    values = STATUSES.with_defaults({"name": data.draw(_TEXT.filter(bool)), "display_position": data.draw(st.integers(0, 99))})
    values["short_name"] = data.draw(_TEXT)
    rewritten = rewrite_entry(path, STATUSES, values)
    assert rewritten is not None
    path.write_text(rewritten, encoding="utf-8")
    after, problems = read_entry(path, "generated.yaml", "statuses", "generated")
    assert after is not None and not problems
    assert after.data == values and list(after.data) == list(STATUSES.field_names)
    for line in text.splitlines():
        if line.startswith("# ") and "yaml-language-server" not in line:
            assert line.rstrip() in rewritten.splitlines()
    if "#" not in text and "\n\n" not in text.strip("\n"):
        # Blank lines between keys are kept by design (found by hypothesis: "name: '0'\n\nshort_name: ''"),
        # so only a file with neither comments nor inner blank lines must equal dump_entry's text.
        assert rewritten == dump_entry(STATUSES, values)
