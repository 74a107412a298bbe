"""A loaded config entry together with where each of its keys and values stands in the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PathPart = str | int
JsonPath = tuple[PathPart, ...]


@dataclass(frozen=True, slots=True)
class Span:
    """1-based line and column of a key and of its value."""

    key_line: int
    key_column: int
    value_line: int
    value_column: int


@dataclass(slots=True)
class Document:
    kind: str
    code: str
    path: str  # display path
    data: dict[str, Any]
    spans: dict[JsonPath, Span] = field(default_factory=dict)

    def locate(self, json_path: JsonPath, *, key: bool = False) -> tuple[int, int]:
        """Line and column of a value (or its key); the nearest known ancestor when absent.

        A missing required field has no place of its own, so it is reported at the start of
        the file, where it would be added.
        """
        probe = tuple(json_path)
        while probe:
            span = self.spans.get(probe)
            if span is not None:
                return (span.key_line, span.key_column) if key else (span.value_line, span.value_column)
            probe = probe[:-1]
        return (1, 1)


def format_json_path(json_path: JsonPath) -> str:
    text = "$"
    for part in json_path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text
