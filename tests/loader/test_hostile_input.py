"""Input built to hurt: deep nesting, alias bombs, huge values. The process must survive,
memory must stay bounded, and no message may carry a whole huge value."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from billing_config.rules.tree import validate_tree

DEEP_INPUTS = {
    # libyaml's C composer (and PyYAML's) recurses once per level.
    "flow-sequences": "[" * 100_000,
    "flow-sequences-closed": "name: " + "[" * 50_000 + "]" * 50_000 + "\n",
    "flow-sequences-on-lines": "[\n" * 100_000,
    "flow-mappings": "name: " + "{a: " * 60_000 + "\n",
    "block-sequences": "- " * 100_000 + "x\n",
    "block-sequences-under-a-key": "name:\n" + "- " * 100_000 + "x\n",
    "block-mappings": "name:\n" + "".join(" " * level + f"k{level}:\n" for level in range(700)),
    "explicit-keys": "? " * 100_000 + "x\n",
}


def _run_validate(config_dir: Path, *extra: str, limit_memory_mb: int | None = None) -> subprocess.CompletedProcess[str]:
    """validate in a fresh process, optionally under an address-space limit."""
    preexec = None
    if limit_memory_mb is not None:
        def preexec() -> None:
            import resource

            limit = limit_memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "billing_config", "validate", "--config-dir", str(config_dir), "--format", "json", *extra],
        capture_output=True, text=True, check=False, timeout=60, preexec_fn=preexec,
    )


def test_extremely_deep_nesting_never_crashes_the_process(config_tree: Path) -> None:
    """A C stack overflow would kill the process with SIGSEGV (a negative return code)."""
    for name, text in DEEP_INPUTS.items():
        (config_tree / "statuses" / f"deep-{name}.yaml").write_text(text)
    completed = _run_validate(config_tree)
    assert completed.returncode == 1, (completed.returncode, completed.stderr[-2000:])
    assert "Traceback" not in completed.stderr
    problems = json.loads(completed.stdout)
    by_file = {Path(p["path"]).stem.removeprefix("deep-"): p for p in problems}
    assert set(by_file) == set(DEEP_INPUTS)
    expected = {
        # libyaml looks ahead for a possible key and gives up at its own limit of 1,000 levels.
        "flow-sequences": ("yaml-too-deep", 1),
        # A top level that is a list is refused at its first event, before any nesting.
        "flow-sequences-on-lines": ("yaml-not-mapping", 1),
        "block-sequences": ("yaml-not-mapping", 1),
        "flow-sequences-closed": ("yaml-too-deep", 1),
        "flow-mappings": ("yaml-too-deep", 1),
        "block-sequences-under-a-key": ("yaml-too-deep", 2),
        "block-mappings": ("yaml-too-deep", 34),  # 700 levels of indentation: a 240 KiB file
        "explicit-keys": ("yaml-key-type", 1),  # '? ? x': the first key is itself a mapping
    }
    assert {name: (p["rule"], p["line"]) for name, p in by_file.items()} == expected


def test_the_same_deep_input_in_many_files_with_parallel_workers(config_tree: Path) -> None:
    """The worker processes are protected as well as the parent."""
    for index in range(40):
        (config_tree / "statuses" / f"deep-{index}.yaml").write_text("name:\n" + "- " * 100_000 + "x\n")
    completed = _run_validate(config_tree, "--jobs", "2")
    assert completed.returncode == 1, completed.stderr[-2000:]
    rules = {p["rule"] for p in json.loads(completed.stdout)}
    assert rules == {"yaml-too-deep"}


def test_an_alias_bomb_does_not_blow_up_memory(config_tree: Path) -> None:
    """Billion laughs: 9**10 strings if anything expanded it. Run under a 600 MB address-space cap."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        previous, here = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{here}: &{here} [" + ",".join([f"*{previous}"] * 9) + "]")
    lines.append("name: *j")
    (config_tree / "statuses" / "laughs.yaml").write_text("\n".join(lines) + "\n")
    completed = _run_validate(config_tree, limit_memory_mb=600)
    assert completed.returncode == 1, completed.stderr[-2000:]
    assert [(p["rule"], p["line"]) for p in json.loads(completed.stdout)] == [("yaml-anchor", 1)]


HUGE = 200_000


@pytest.mark.parametrize(
    "text, rules",
    [
        (f"name: {'N' * HUGE}\n", {"schema-length"}),
        (f"name: Huge\nshort_name: {'S' * HUGE}\n", {"schema-length"}),
        (f"name: Huge\navailability: {'A' * HUGE}\n", {"schema-enum"}),
        (f"name: Huge\nnext_status: {'a' * HUGE}\n", {"reference-not-a-code"}),
        (f"name: Huge\nnext_status: {'A' * HUGE}\n", {"reference-not-a-code"}),
        (f"name: Huge\ndisplay_class: {'$' * HUGE}\n", {"schema-length", "schema-pattern"}),
        (f"name: Huge\ndisplay_position: {'9' * 4000}\n", {"schema-range"}),
        (f"name: Huge\nis_billable: {'y' * HUGE}\n", {"schema-type"}),
        (f"name: Huge\noverride_invoice_message: {'m' * HUGE}\n", {"schema-length"}),
        ("name: [" + "x, " * 60_000 + "x]\n", {"schema-type"}),
        ("name: {" + ", ".join(f"k{i}: v" for i in range(20_000)) + "}\n", {"schema-type"}),
        (f"name: Huge\n? {'u' * HUGE}\n: 1\n", {"schema-unknown-field"}),
        (f"name: Huge\n? {'u' * 100_000}\n: 1\n? {'u' * 100_000}\n: 2\n", {"schema-unknown-field", "yaml-duplicate-key"}),
        (f"name: Huge\n'{'bad key ' * 20_000}': 1\n", {"schema-unknown-field", "yaml-syntax"}),
    ],
    ids=[
        "name", "short-name", "enum", "reference-code-too-long", "reference-not-a-code", "display-class",
        "huge-number", "boolean", "invoice-message", "long-list", "wide-mapping", "unknown-key", "duplicate-unknown-key",
        "quoted-long-key",
    ],
)
def test_a_huge_value_never_reaches_a_message(config_tree: Path, text: str, rules: set[str]) -> None:
    """jsonschema's own messages repr the whole value; ours quote at most a short prefix."""
    path = config_tree / "statuses" / "huge.yaml"
    path.write_text(text)
    findings = [f for f in validate_tree(config_tree).findings if f.path.endswith("huge.yaml")]
    assert findings
    assert {f.rule for f in findings} <= rules
    assert findings[0].rule in rules
    for found in findings:
        assert len(found.message) < 400, found.message[:500]


def test_the_worst_case_file_under_the_cap_stays_within_memory(config_tree: Path) -> None:
    """Many huge values in one file, each explained, under a 400 MB address-space cap."""
    fields = ["name", "short_name", "display_class", "override_invoice_message", "next_status", "related_number_status"]
    size = (250 * 1024) // len(fields)
    (config_tree / "statuses" / "worst.yaml").write_text("".join(f"{field}: {'Z' * size}\n" for field in fields))
    completed = _run_validate(config_tree, limit_memory_mb=400)
    assert completed.returncode == 1, completed.stderr[-2000:]
    problems = json.loads(completed.stdout)
    assert len(completed.stdout) < 20_000
    assert {p["rule"] for p in problems} == {"schema-length", "reference-not-a-code"}


def test_a_file_far_over_the_cap_is_never_read_whole(config_tree: Path) -> None:
    big = config_tree / "statuses" / "big.yaml"
    with open(big, "wb") as handle:
        handle.truncate(2 * 1024 * 1024 * 1024)  # a sparse 2 GiB file
    completed = _run_validate(config_tree, limit_memory_mb=300)
    assert completed.returncode == 1, completed.stderr[-2000:]
    assert [p["rule"] for p in json.loads(completed.stdout)] == ["file-too-large"]


def test_the_protection_does_not_depend_on_the_python_recursion_limit(config_tree: Path) -> None:
    """The build loop keeps its own stack: a tiny recursion limit still reads nesting up to the cap."""
    (config_tree / "statuses" / "nested.yaml").write_text("name: " + "[" * 30 + "x" + "]" * 30 + "\n")
    script = textwrap.dedent(
        f"""
        import sys
        sys.setrecursionlimit(60)
        from pathlib import Path
        from billing_config.loader import read_entry
        document, findings = read_entry(Path({str(config_tree / 'statuses' / 'nested.yaml')!r}), "n", "statuses", "nested")
        print(len(findings), document is not None)
        """
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert completed.stdout.split() == ["0", "True"], completed.stderr[-2000:]


def test_thousands_of_problems_in_one_file_are_listed_twenty_per_rule_then_counted(config_tree: Path) -> None:
    (config_tree / "statuses" / "many.yaml").write_text(
        "name: Many\n" + "".join(f"k{i}: 1\n" for i in range(5000)) + "name: again\n" * 3000
    )
    findings = [f for f in validate_tree(config_tree).findings if f.path.endswith("many.yaml")]
    by_rule: dict[str, list[str]] = {}
    for found in findings:
        by_rule.setdefault(found.rule, []).append(found.message)
    assert set(by_rule) == {"schema-unknown-field", "yaml-duplicate-key"}
    for messages in by_rule.values():
        assert len(messages) == 21
    assert by_rule["schema-unknown-field"][-1].startswith("4980 more schema-unknown-field problem(s) in this file")
    assert by_rule["yaml-duplicate-key"][-1].startswith("2980 more yaml-duplicate-key problem(s) in this file")
