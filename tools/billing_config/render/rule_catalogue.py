"""The whole rule catalogue, for `docs` and `explain`: every rule any stage declares.

Rules are declared where they are checked (findings.declare), at import; validate imports only
what it runs, so only a stage that may import every other stage can hand out the full list.
This one finds the declaring modules by reading the package's sources for ``declare(`` and
imports those alone, so a new rule needs no registration here, and ``explain`` stays quick.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from billing_config.findings import RuleInfo, declared
from billing_config.findings.catalogue import STAGES

_PACKAGE = Path(__file__).resolve().parents[1]
_DECLARES = re.compile(r"^(?:[A-Z_]+ = )?declare\(", re.MULTILINE)


def declaring_modules() -> list[str]:
    """Every module of the package that declares a rule, as an importable name."""
    names = []
    for path in sorted(_PACKAGE.rglob("*.py")):
        if _DECLARES.search(path.read_text(encoding="utf-8")):
            relative = path.relative_to(_PACKAGE.parent).with_suffix("")
            names.append(".".join(relative.parts))
    return names


def full_catalogue() -> dict[str, RuleInfo]:
    """Every rule, by stage in the order validate meets them, then by id."""
    for name in declaring_modules():
        importlib.import_module(name)
    rules = declared().values()
    return {rule.id: rule for rule in sorted(rules, key=lambda r: (STAGES.index(r.stage), r.id))}
