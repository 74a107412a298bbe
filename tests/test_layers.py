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


def test_the_checker_sees_lazy_imports() -> None:
    """A test that finds nothing because it reads nothing would pass while broken."""
    found = {module for _, module in imports_of(PACKAGE / "commands" / "plan.py")}
    assert "billing_config.plan.pipeline" in found  # imported inside run()
    assert RANK[stage_of("billing_config.render.plan_json")] > RANK["plan"]
