"""One module per command. Each has register(subparsers), which adds its parser and sets
``run``; heavy imports happen inside ``run`` so that a command pays only for what it uses.

COMMANDS names every command with the line ``billing-config --help`` shows for it. The command
line fills in only the parser of the command it runs (see ``cli.build_parser``); the others are
listed by this line alone, so validate, run on every commit, never imports what plan needs.
"""

from __future__ import annotations

COMMANDS: dict[str, str] = {
    "validate": "check every config file against its schema and the cross-reference rules",
    "fmt": "put entry files in canonical key order and style, keeping comments",
    "new": "create a new status, group or department file with every field at its default",
    "graph": "draw the status lifecycle (next statuses and related statuses) as a Mermaid diagram",
    "docs": "generate the configuration reference (docs/reference.md) from the schemas and rules",
    "explain": "explain a rule: why it exists, an example of the mistake and its fix",
    "db": "set up a billing database",
    "plan": "show what apply would change in the live database",
    "apply": "apply the configuration to the live database (one transaction)",
    "export": "write the live database out as config files",
    "drift": "show what changed on live outside the repository since the last apply",
    "doctor": "check a database against its mapping before the first write",
    "adopt": "bind live rows that have no code yet and write their config files",
    "rename": "change an entry's code: its file, the references to it, and its code on a target",
    "init": "scaffold a config repository: config/, billing-config.toml, schemas/, hooks and CI",
}
