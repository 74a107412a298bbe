"""The package's shape: each stage imports only the stages below it, and nothing is loose.

The order is written here once. Lazy imports inside functions count as much as top-level
ones: a lower stage that reaches up, even lazily, is a cycle waiting to happen.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "tools" / "billing_config"

# Lowest first. A module may import its own stage and any stage before it.
STAGES = (
    ("kinds", "__init__"),  # the kinds registry, the version
    ("findings",),  # findings as values, the rule catalogue, did-you-mean
    ("errors",),  # the one error tree (ConfigInvalid carries findings)
    ("loader",),  # files -> documents with positions
    ("rules",),  # documents -> findings, the check of a whole tree
    ("mapping",),  # where each kind lives in a database: model, parser, the default, targets
    ("db",),  # connecting, the live rows, the table definitions
    ("plan",),  # documents + live rows -> a Plan
    ("apply",),  # a Plan -> one transaction on the database
    ("files",),  # what writes entry files: canonical text, fmt, export, new
    ("render",),  # values -> text, JSON, Markdown, Mermaid
    ("commands",),  # arguments -> typed calls
    ("cli", "__main__"),
)
RANK = {name: rank for rank, names in enumerate(STAGES) for name in names}
TOP_LEVEL_MODULES = {"__init__.py", "__main__.py", "cli.py", "errors.py", "kinds.py"}


def stage_of(module: str) -> str:
    """'billing_config.db.live' -> 'db'; 'billing_config' -> '__init__'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "billing_config":
                found.extend(
                    (node.lineno, f"billing_config.{alias.name}" if alias.name in RANK else "billing_config")
                    for alias in node.names
                )
            elif node.module.startswith("billing_config."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names if alias.name.startswith("billing_config."))
    return found


def modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_stage() -> None:
    for path in modules():
        relative = path.relative_to(PACKAGE)
        name = relative.parts[0].removesuffix(".py")
        assert name in RANK, f"{relative} is in no stage; put it in the package of its stage"


def test_the_package_top_holds_only_the_entry_points_the_errors_and_the_registry() -> None:
    loose = {path.name for path in PACKAGE.glob("*.py")} - TOP_LEVEL_MODULES
    assert not loose, f"loose modules at the package top: {sorted(loose)}; move each into its stage's package"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_stage_imports_a_later_one(path: Path) -> None:
    own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    upward = [
        f"line {line}: {module}"
        for line, module in imports_of(path)
        if RANK[stage_of(module)] > RANK[own]
    ]
    assert not upward, f"{path.relative_to(PACKAGE)} ({own}) imports later stages: {upward}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (lazy ones too; ``from pkg import mod`` counts
    as importing ``pkg.mod``)."""
    names = {module_name(path): path for path in modules()}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        targets: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("billing_config"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    targets.add(full if full in names else node.module)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names if alias.name in names)
        graph[name] = {target for target in targets if target in names and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                group.append(item)
                if item == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_inside_a_stage() -> None:
    """Within a stage, modules form a tree too: a cycle (db/access -> tool_tables -> state ->
    live -> access, once) means a module with more than one job. A package's __init__, which
    re-exports its modules' faces, is left out: importing it is importing those modules."""
    graph = {
        name: {t for t in targets if not _is_package(t)}
        for name, targets in import_graph().items()
        if not _is_package(name)
    }
    assert cycles(graph) == []


def _is_package(name: str) -> bool:
    return (PACKAGE.parent / name.replace(".", "/") / "__init__.py").is_file()


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_checker_sees_lazy_imports() -> None:
    """A test that finds nothing because it reads nothing would pass while broken."""
    found = {module for _, module in imports_of(PACKAGE / "commands" / "plan.py")}
    assert "billing_config.plan.pipeline" in found  # imported inside run()
    assert RANK[stage_of("billing_config.render.plan_json")] > RANK["plan"]


MAX_FUNCTION_LINES = 80


def test_no_function_is_longer_than_a_screenful() -> None:
    """A function of more than 80 lines does more than one thing (mapping/parse.py's _kind was
    163 once): split it into the steps it takes."""
    long = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno is not None:
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({length} lines)")
    assert long == []
