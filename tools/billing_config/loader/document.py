"""A loaded config entry together with where each of its keys and values stands in the file."""

from __future__ import annotations

from array import array
from typing import Any, NamedTuple

PathPart = str | int
JsonPath = tuple[PathPart, ...]


class Span(NamedTuple):
    """1-based line and column of a key and of its value.

    A named tuple rather than a dataclass: a big tree holds half a million of these, and a
    tuple is built, pickled and compared several times faster.
    """

    key_line: int
    key_column: int
    value_line: int
    value_column: int


class Document:
    """One entry: its kind, code, display path, values, and the position of every key and value.

    The loader records positions packed: a tuple of paths and one array of 0-based integers,
    four a path (key line, key column, value line, value column). They become a dict of Spans
    only when something asks, which for a valid file is never. Building half a million Span
    objects, and pickling them back from worker processes, cost more than reading the files.
    """

    __slots__ = ("kind", "code", "path", "data", "_spans", "_packed")

    def __init__(
        self, kind: str, code: str, path: str, data: dict[str, Any], spans: dict[JsonPath, Span] | None = None
    ) -> None:
        self.kind = kind
        self.code = code
        self.path = path  # display path
        self.data = data
        self._spans: dict[JsonPath, Span] | None = spans if spans is not None else {}
        self._packed: tuple[tuple[JsonPath, ...], array[int]] | None = None

    @classmethod
    def packed(
        cls, kind: str, code: str, path: str, data: dict[str, Any], paths: tuple[JsonPath, ...], numbers: array[int]
    ) -> Document:
        """A document whose positions are 0-based numbers, four per path, in paths' order."""
        document = cls(kind, code, path, data)
        document._spans = None
        document._packed = (paths, numbers)
        return document

    @property
    def spans(self) -> dict[JsonPath, Span]:
        if self._spans is None:
            paths, n = self._packed or ((), array("i"))
            self._spans = {
                path: Span(n[i] + 1, n[i + 1] + 1, n[i + 2] + 1, n[i + 3] + 1)
                for path, i in zip(paths, range(0, len(n), 4))
            }
            self._packed = None
        return self._spans

    def __reduce__(self) -> tuple[Any, ...]:
        if self._packed is not None:
            paths, numbers = self._packed
        else:
            spans = self._spans or {}
            paths = tuple(spans)
            numbers = array("i", [n - 1 for span in spans.values() for n in span])
        return (_unpickle, (self.kind, self.code, self.path, self.data, paths, numbers.tobytes()))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return (self.kind, self.code, self.path, self.data, self.spans) == (
            other.kind, other.code, other.path, other.data, other.spans,
        )

    def __repr__(self) -> str:
        return f"Document(kind={self.kind!r}, code={self.code!r}, path={self.path!r})"

    def locate(self, json_path: JsonPath, *, key: bool = False) -> tuple[int, int]:
        """Line and column of a value (or its key); the nearest known ancestor when absent.

        A missing required field has no place of its own, so it is reported at the start of
        the file, where it would be added.
        """
        probe = tuple(json_path)
        spans = self.spans
        while probe:
            span = spans.get(probe)
            if span is not None:
                return (span.key_line, span.key_column) if key else (span.value_line, span.value_column)
            probe = probe[:-1]
        return (1, 1)


def _unpickle(kind: str, code: str, path: str, data: dict[str, Any], paths: tuple[JsonPath, ...], raw: bytes) -> Document:
    numbers = array("i")
    numbers.frombytes(raw)
    return Document.packed(kind, code, path, data, paths, numbers)


def format_json_path(json_path: JsonPath) -> str:
    text = "$"
    for part in json_path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text
