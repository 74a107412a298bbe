"""Where each key of a TOML file is: ``kinds.statuses.fields.name`` -> (line, column).

``tomllib`` reads a mapping's values but keeps no positions, and a mapping problem that points
at ``mapping.toml:1:1`` sends its reader hunting. This is a small scanner of TOML's structure
(table headers, arrays of tables, dotted and quoted keys, inline tables, arrays of inline
tables, the four kinds of string) that records the line and column of every key, the way the
YAML loader records them for config files. It never decides whether the file is valid
(``tomllib`` does, first); on text it does not follow it simply stops recording, so a problem
is then located at the nearest key it did see.

Paths are written as the parser names them: dotted keys, and ``[N]`` for the N-th table of an
array (``kinds.statuses.usage[1].noun``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

Position = tuple[int, int]  # 1-based line and column

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class _Stop(Exception):
    """Internal: the scanner met text it does not follow; what it recorded so far stands."""


@dataclass
class Positions:
    """Key paths and where they are; :meth:`of` finds the nearest recorded ancestor."""

    keys: dict[str, Position] = field(default_factory=dict)

    def of(self, path: str) -> Position:
        """The position of ``path``, else of its closest recorded parent, else (1, 1)."""
        while path:
            if path in self.keys:
                return self.keys[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return (1, 1)


def toml_positions(text: str) -> Positions:
    scanner = _Scanner(text)
    try:
        scanner.document()
    except (_Stop, IndexError):
        pass
    return Positions(scanner.found)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.line = 1
        self.line_start = 0
        self.found: dict[str, Position] = {}
        self.array_counts: dict[str, int] = {}

    # -- characters ------------------------------------------------------------------------
    def peek(self, offset: int = 0) -> str:
        index = self.at + offset
        return self.text[index] if index < len(self.text) else ""

    def advance(self, count: int = 1) -> None:
        for _ in range(count):
            if self.at >= len(self.text):
                return
            if self.text[self.at] == "\n":
                self.line += 1
                self.line_start = self.at + 1
            self.at += 1

    def position(self) -> Position:
        return (self.line, self.at - self.line_start + 1)

    def skip_blanks(self, newlines: bool = False) -> None:
        """Spaces and tabs (and, inside arrays, line breaks and comments)."""
        while True:
            char = self.peek()
            if char in (" ", "\t", "\r") or (newlines and char == "\n"):
                self.advance()
            elif char == "#":
                while self.peek() not in ("\n", ""):
                    self.advance()
            else:
                return

    # -- structure -------------------------------------------------------------------------
    def document(self) -> None:
        prefix = ""
        while self.at < len(self.text):
            self.skip_blanks(newlines=True)
            char = self.peek()
            if not char:
                return
            if char == "[":
                prefix = self.header()
            else:
                self.key_value(prefix)
            self.skip_blanks()
            if self.peek() not in ("\n", ""):
                raise _Stop

    def header(self) -> str:
        double = self.peek(1) == "["
        start = self.position()  # the bracket: where a reader's eye finds the table
        self.advance(2 if double else 1)
        self.skip_blanks()
        parts = self.key_parts()
        self.skip_blanks()
        self.advance(2 if double else 1)
        path = ".".join(parts)
        if double:
            number = self.array_counts.get(path, 0)
            self.array_counts[path] = number + 1
            self.found.setdefault(path, start)
            path = f"{path}[{number}]"
        self.found.setdefault(path, start)
        return path

    def key_parts(self) -> list[str]:
        parts = [self.key_part()]
        while True:
            self.skip_blanks()
            if self.peek() != ".":
                return parts
            self.advance()
            self.skip_blanks()
            parts.append(self.key_part())

    def key_part(self) -> str:
        char = self.peek()
        if char in ('"', "'"):
            return self.string()
        start = self.at
        while self.peek() in _BARE and self.peek():
            self.advance()
        if self.at == start:
            raise _Stop
        return self.text[start:self.at]

    def key_value(self, prefix: str) -> None:
        start = self.position()
        parts = self.key_parts()
        path = prefix
        for part in parts:
            path = f"{path}.{part}" if path else part
            self.found.setdefault(path, start)
        self.skip_blanks()
        if self.peek() != "=":
            raise _Stop
        self.advance()
        self.skip_blanks()
        self.value(path)

    def value(self, path: str) -> None:
        char = self.peek()
        if char == "{":
            self.inline_table(path)
        elif char == "[":
            self.array(path)
        elif char in ('"', "'"):
            self.string()
        else:
            while self.peek() not in (",", "}", "]", "\n", "#", ""):
                self.advance()

    def inline_table(self, path: str) -> None:
        self.advance()
        self.skip_blanks(newlines=True)
        while self.peek() != "}":
            self.key_value(path)
            self.skip_blanks(newlines=True)
            if self.peek() == ",":
                self.advance()
                self.skip_blanks(newlines=True)
            elif self.peek() != "}":
                raise _Stop
        self.advance()

    def array(self, path: str) -> None:
        self.advance()
        number = 0
        self.skip_blanks(newlines=True)
        while self.peek() != "]":
            item = f"{path}[{number}]"
            self.found.setdefault(item, self.position())
            self.value(item)
            number += 1
            self.skip_blanks(newlines=True)
            if self.peek() == ",":
                self.advance()
                self.skip_blanks(newlines=True)
            elif self.peek() != "]":
                raise _Stop
        self.advance()

    def string(self) -> str:
        quote = self.peek()
        if self.peek(1) == quote and self.peek(2) == quote:
            return self.multiline(quote)
        self.advance()
        chars: list[str] = []
        while self.peek() != quote:
            char = self.peek()
            if char in ("\n", ""):
                raise _Stop
            if char == "\\" and quote == '"':
                chars.append(self.peek(1))
                self.advance(2)
                continue
            chars.append(char)
            self.advance()
        self.advance()
        return "".join(chars)

    def multiline(self, quote: str) -> str:
        self.advance(3)
        start = self.at
        while not (self.peek() == quote and self.peek(1) == quote and self.peek(2) == quote):
            if not self.peek():
                raise _Stop
            if self.peek() == "\\" and quote == '"':
                self.advance()
            self.advance()
        end = self.at
        self.advance(3)
        while self.peek() == quote:  # up to two quotes may close the string's content
            self.advance()
        return self.text[start:end]
