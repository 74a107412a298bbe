"""JSON written once however many columns hold it.

An apply writes every created or changed entry's values twice, as the audit log's ``after``
and as the recorded state's ``values``: at 16,000 entries serialising them twice cost a tenth
of the apply. :class:`Serialized` carries its JSON text, made once, and :func:`serialize`, the
engine's JSON serializer (db/connect.py), writes that text for it and ``json.dumps`` for any
other value, so what the database stores is the same either way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class Serialized(dict[str, Any]):
    """A dict of values together with its JSON text (a dict to every reader)."""

    __slots__ = ("text",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.text = json.dumps(self)


def serialize(value: Any) -> str:
    return value.text if type(value) is Serialized else json.dumps(value)
