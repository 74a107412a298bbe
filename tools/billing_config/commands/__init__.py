"""One module per command. Each has register(subparsers), which adds its parser and sets
``run``; heavy imports happen inside ``run`` so that a command pays only for what it uses."""

from __future__ import annotations

COMMAND_MODULES = (
    "validate",
    "fmt",
    "new",
    "graph",
    "docs",
    "explain",
    "db",
    "plan",
    "apply",
    "export",
    "doctor",
    "adopt",
)
