"""What renaming an entry (``rename KIND OLD NEW``) means for the config as values.

A code is an entry's identity, so a rename is not an edit the planner can see: the file
``OLD.yaml`` going and ``NEW.yaml`` coming plan as a delete and a create. ``rename`` instead
moves the code on the target (the live row keeps its key) and rewrites the config to match.
This module holds the part both sides agree on, as pure functions: which fields hold a code
of the kind, the documents as they read after the rename, and whether two plans make the same
changes once the old code is read as the new one (the database side checks that inside its
transaction, so a rename that would leave the plan different is rolled back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from billing_config.kinds import KINDS, Field, Kind
from billing_config.loader import Document
from billing_config.plan.model import Plan


@dataclass(frozen=True, slots=True)
class Rename:
    kind: str  # the kind's folder name
    old: str
    new: str

    def reversed(self) -> Rename:
        return Rename(self.kind, self.new, self.old)

    def code(self, kind: str, code: str) -> str:
        """A (kind, code) as it reads after the rename."""
        return self.new if kind == self.kind and code == self.old else code


def referencing_fields(kind: str) -> list[tuple[Kind, Field]]:
    """Every (kind, field) of the registry whose value is a code of ``kind``, self-references included."""
    return [(other, spec) for other in KINDS for spec in other.reference_fields if spec.references == kind]


def renamed_documents(documents: Sequence[Document], rename: Rename) -> list[Document]:
    """The documents as they read after the rename: the entry under its new code, every
    reference to the old code naming the new one. Untouched documents are the same objects."""
    fields: dict[str, set[str]] = {}
    for other, spec in referencing_fields(rename.kind):
        fields.setdefault(other.name, set()).add(spec.name)
    result: list[Document] = []
    for document in documents:
        names = fields.get(document.kind, set())
        data = document.data
        if any(data.get(name) == rename.old for name in names):
            data = {key: rename.new if key in names and value == rename.old else value for key, value in data.items()}
        code, path = document.code, document.path
        if document.kind == rename.kind and document.code == rename.old:
            code = rename.new
            path = str(PurePath(path).with_name(f"{rename.new}{PurePath(path).suffix}"))
        if data is document.data and code == document.code:
            result.append(document)
        else:
            result.append(Document(document.kind, code, path, data))
    return result


def change_outline(plan: Plan, rename: Rename | None = None) -> list[tuple[str, str, str]]:
    """The plan's changes as (kind, code, action), codes read after ``rename``, sorted: two
    plans with the same outline make the same changes to the same entries."""
    if rename is None:
        return sorted((c.kind, c.code, c.action) for c in plan.changes)
    return sorted((c.kind, rename.code(c.kind, c.code), c.action) for c in plan.changes)
