"""The lifecycle diagrams, read by Mermaid's own parser: they parse, and say what we meant.

`billing-config graph`, its Markdown block and the diagram in a markdown plan go through
mermaid_parse.mjs, which runs the real `mermaid` package (the renderer GitHub and GitLab use)
under Node with jsdom. A diagram passes when Mermaid parses it, finds exactly the nodes and
arrows billing-config wrote (a name cannot add a node, an arrow or a directive), and each
label reads, once drawn, as the status's name.

Needs Node and the packages of tests/e2e/package.json in .ci/node/node_modules (.ci/run
installs them; MERMAID_NODE_MODULES points elsewhere). Without them the tests skip, or fail
when BILLING_TEST_REQUIRE_TOOLS=1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CONFIG, REPO
from tests.e2e.external import missing

HERE = Path(__file__).resolve().parent
PARSER = HERE / "mermaid_parse.mjs"
NODE_MODULES = Path(os.environ.get("MERMAID_NODE_MODULES") or REPO / ".ci" / "node" / "node_modules")

# Everything Mermaid gives meaning to, in a status name.
HOSTILE_NAMES = [
    'He said "stop" [now] {x} (y) |z| ((o)) >flag]',
    "Line<br>break <br/> <b>bold</b> <script>alert(1)</script> <img src=x onerror=alert(1)>",
    "`code` and **bold** _it_ ~~strike~~ $$x$$",
    "100%% sure %% still % and %%%",
    "Ünïcødé 😀 中文 العربية עברית \u200b zero-width",
    "end",
    "A --> B; C-->D ==> E -.- F --- G",
    "click sta_active call alert() ; classDef changed fill:red ; class sta_active changed",
    "#35; &amp; &lt; #quot; \\ back\\slash #",
    "'single' quotes and a ; semicolon",
    "subgraph x\nend\ttab",
]
# Text Mermaid rewrites before its parser sees it, quoted label or not: a directive
# (`%%{init: ...}%%`) anywhere in the source is applied and cut out, and a line matching
# `style.*:\S*#.*;` or `classDef.*:\S*#.*;` loses its last ';' (Mermaid's encodeEntities).
REWRITTEN_NAMES = {
    "directive": "%%{init: {'theme': 'dark'}}%% themed",
    "open-directive": "50%%{x",
    "style": "style sta_active fill:#f00 ; done",
    "classdef": "classDef x color:#f00; done",
}


def billing_config(*args: str, cwd: Path | None = None) -> str:
    executable = shutil.which("billing-config", path=str(Path(sys.executable).parent)) or "billing-config"
    completed = subprocess.run([executable, *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, f"billing-config {' '.join(args)}:\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout


class Mermaid:
    """One `node mermaid_parse.mjs` for the whole module: importing Mermaid takes seconds."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None

    def __call__(self, diagrams: list[str]) -> list[dict[str, Any]]:
        """Mermaid's verdict on each diagram (see mermaid_parse.mjs)."""
        process = self.process or self._start()
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(diagrams) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"mermaid_parse.mjs stopped:\n{self.close()}")
        results: list[dict[str, Any]] = json.loads(line)
        assert len(results) == len(diagrams)
        return results

    def _start(self) -> subprocess.Popen[str]:
        node = shutil.which("node")
        if node is None:
            missing("node is not installed")
        if not (NODE_MODULES / "mermaid" / "package.json").exists() or not (NODE_MODULES / "jsdom" / "package.json").exists():
            missing(f"mermaid and jsdom are not installed in {NODE_MODULES}")
        assert node is not None
        self.process = subprocess.Popen(
            [node, str(PARSER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", env={**os.environ, "MERMAID_NODE_MODULES": str(NODE_MODULES)},
        )
        return self.process

    def close(self) -> str:
        """Stop the parser; what it wrote to standard error."""
        process, self.process = self.process, None
        if process is None:
            return ""
        try:
            _, errors = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, errors = process.communicate()
        return errors


@pytest.fixture(scope="module")
def parse() -> Iterator[Mermaid]:
    mermaid = Mermaid()
    yield mermaid
    mermaid.close()


def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```mermaid\n(.*?)^```$", markdown, flags=re.MULTILINE | re.DOTALL)


def assert_means_what_was_written(source: str, result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Mermaid parsed ``source`` into exactly its node lines and arrow lines; the nodes by id."""
    assert result["ok"], f"Mermaid refused the diagram: {result.get('error')}\n{source}"
    assert result["type"].startswith("flowchart")
    assert result["config"] == {}, f"the diagram carries a directive: {result['config']}"
    # Nodes at the top level or inside a list's box (graph draws one subgraph per list); arrows
    # to the next status, or dotted and labelled into a related list, in the order written.
    written_nodes = re.findall(r'^(?:    |        )(\w+)\["', source, flags=re.MULTILINE)
    written_edges = [
        list(edge) for edge in re.findall(r'^    (\w+) (?:-->|-\.->\|"[^"\n]*"\|) (\w+)$', source, flags=re.MULTILINE)
    ]
    nodes = {node["id"]: node for node in result["nodes"]}
    assert sorted(nodes) == sorted(written_nodes)
    assert result["edges"] == written_edges
    return nodes


def shown(name: str) -> str:
    """A name as the diagram shows it: control characters become spaces."""
    return re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]", " ", name)


def hostile_tree(tmp_path: Path, names: list[str]) -> tuple[Path, list[str]]:
    """This repository's config plus one status per name, chained to each other and to Active."""
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    codes = [f"hostile-{index}" for index in range(len(names))]
    for index, (code, name) in enumerate(zip(codes, names)):
        entry = {
            "name": name,
            "display_position": 100 + index,
            "next_status": codes[index + 1] if index + 1 < len(codes) else "active",
            "related_number_status": "active",
        }
        (config / "statuses" / f"{code}.yaml").write_text(yaml.safe_dump(entry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return config, codes


def test_the_repositorys_lifecycle_parses_as_drawn(parse: Mermaid) -> None:
    plain = billing_config("graph", "--config-dir", str(CONFIG))
    highlighted = billing_config("graph", "--config-dir", str(CONFIG), "--highlight", "suspended", "ceased")
    (block,) = mermaid_blocks(billing_config("graph", "--config-dir", str(CONFIG), "--format", "markdown"))
    assert block == plain
    plain_result, highlighted_result = parse([plain, highlighted])
    nodes = assert_means_what_was_written(plain, plain_result)
    assert ["sta_pending_connection", "sta_active"] in plain_result["edges"]
    # The whole chain: Suspended sends its lines to the suspended statuses of each list.
    assert nodes["sta_suspended"]["text"] == "Suspended"
    for target in ("num_suspended", "ser_suspended", "fea_suspended"):
        assert ["sta_suspended", target] in plain_result["edges"]
    assert ["num_suspended", "fea_suspended"] in plain_result["edges"]
    nodes = assert_means_what_was_written(highlighted, highlighted_result)
    assert {node for node, spec in nodes.items() if "changed" in spec["classes"]} == {"sta_suspended", "sta_ceased"}


def test_hostile_names_parse_and_read_back_exactly(parse: Mermaid, tmp_path: Path) -> None:
    config, codes = hostile_tree(tmp_path, HOSTILE_NAMES)
    source = billing_config("graph", "--config-dir", str(config), "--highlight", *codes[:3])
    (block,) = mermaid_blocks(billing_config("graph", "--config-dir", str(config), "--highlight", *codes[:3], "--format", "markdown"))
    result, block_result = parse([source, block])
    nodes = assert_means_what_was_written(source, result)
    assert block_result == result
    for code, name in zip(codes, HOSTILE_NAMES):
        node = nodes[f"sta_{code.replace('-', '_')}"]
        assert node["text"] == shown(name), node
        assert [f"sta_{code.replace('-', '_')}", "num_active"] in result["edges"]
    assert {node for node, spec in nodes.items() if "changed" in spec["classes"]} == {f"sta_hostile_{i}" for i in range(3)}
    # The names reached Mermaid as text: the `click`/`style`/`classDef` in one of them did nothing.
    assert nodes["sta_active"]["classes"] == []


@pytest.mark.parametrize("name", REWRITTEN_NAMES.values(), ids=REWRITTEN_NAMES.keys())
def test_a_name_reaches_the_parser_unrewritten(parse: Mermaid, tmp_path: Path, name: str) -> None:
    config, (code,) = hostile_tree(tmp_path, [name])
    source = billing_config("graph", "--config-dir", str(config))
    (result,) = parse([source])
    nodes = assert_means_what_was_written(source, result)
    assert nodes[f"sta_{code.replace('-', '_')}"]["text"].split("\n")[0] == name


def test_the_diagram_in_a_markdown_plan_parses(parse: Mermaid, tmp_path: Path) -> None:
    config, codes = hostile_tree(tmp_path, HOSTILE_NAMES[:4])
    (tmp_path / "billing-config.toml").write_text("")
    url = f"sqlite:///{tmp_path / 'platform.db'}"
    billing_config("db", "init", "--database", url, "--config-dir", str(config), cwd=tmp_path)
    billing_config("apply", "--database", url, "--config-dir", str(config), "--yes", cwd=tmp_path)
    suspended = config / "statuses" / "suspended.yaml"
    suspended.write_text(suspended.read_text(encoding="utf-8").replace("name: Suspended", "name: 'Suspended \"hard\" <br> `x` %%'"))
    plan = billing_config("plan", "--database", url, "--config-dir", str(config), "--format", "markdown", cwd=tmp_path)
    (block,) = mermaid_blocks(plan)
    (result,) = parse([block])
    nodes = assert_means_what_was_written(block, result)
    assert nodes["sta_suspended"]["text"].split("\n")[0] == 'Suspended "hard" <br> `x` %%'
    assert "changed" in nodes["sta_suspended"]["classes"]


def test_the_parser_refuses_what_is_not_mermaid(parse: Mermaid) -> None:
    # A check that cannot fail checks nothing: an unclosed label and a dangling arrow are errors,
    # and an unescaped quote, which Mermaid tolerates, changes what the label says.
    broken = ['flowchart LR\n    a["open\n', "flowchart LR\n    a --> \n", "flowchart LR\n    a[x]]]\n"]
    assert [result["ok"] for result in parse(broken)] == [False, False, False]
    unescaped = 'flowchart LR\n    a["He said "stop""]\n'
    (result,) = parse([unescaped])
    assert result["ok"] and result["nodes"][0]["text"] != 'He said "stop"'
