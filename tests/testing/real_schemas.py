"""Real vendor schemas (Dolibarr, A2Billing) loaded onto a test database exactly as shipped.

The hand-made vendor schemas in tests/scenarios/vendor_schemas.py are what we imagine a vendor
to look like; these fixtures are what two open-source projects actually ship, so adoption is
also tested against quirks nobody invented: keys the PHP assigns as max+1, MyISAM tables,
`varchar(12)` codes, unique indexes wider than the rows a mapping selects.

The fixture files under tests/fixtures/real_schemas/<project>/ hold the vendor's statements
byte for byte. This module therefore never rewrites a statement: it only cuts a file into
statements the way the vendor's own client would (the `mysql` client for `*.mysql.sql`,
`psql` for `*.postgresql.sql`) and sends each one, unchanged, through the driver's raw cursor,
so neither SQLAlchemy's text() parsing (colons) nor a driver's parameter syntax (percent
signs) can touch it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sqlalchemy as sa

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "real_schemas"

Backend = Literal["mariadb", "postgres"]
Dialect = Literal["mysql", "postgresql"]

# The folder (and SQL dialect) of each backend's files: MariaDB runs the MySQL files.
_DIALECT: dict[Backend, Dialect] = {"mariadb": "mysql", "postgres": "postgresql"}
_IDENTIFIER_CHAR = re.compile(r"[A-Za-z0-9_$\x80-\U0010ffff]")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\x80-\U0010ffff][A-Za-z0-9_\x80-\U0010ffff]*)?\$")
_DELIMITER_COMMAND = re.compile(r"delimiter[ \t]+(\S+)[^\n]*(?:\n|$)", re.IGNORECASE)
# psql's meta-commands run to the end of their line; the only one the vendors' files use is
# `\set ON_ERROR_STOP ON`, which the loader honours anyway (it stops at the first error).
_PSQL_META_COMMAND = re.compile(r"\\(\w+)[^\n]*(?:\n|$)")
_PSQL_META_COMMANDS_ALLOWED = {"set"}
_STANDARD_STRINGS = re.compile(
    r"set\s+(?:session\s+|local\s+)?standard_conforming_strings\s*(?:=|to)\s*'?(on|off|true|false)'?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Statement:
    """One statement as written in a file: its text without the delimiter (and without the
    blanks before it), the line it starts on (for error messages that point into the file) and
    its offset in the file's text."""

    text: str
    line: int
    offset: int


class FixtureLoadError(RuntimeError):
    """A statement of a fixture file failed; the message names the file and the line."""


def projects() -> list[str]:
    """Every vendor project that has fixtures: one folder each."""
    return sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())


def supported_backends(project: str) -> list[Backend]:
    """The backends a project ships a schema for.

    MariaDB always (both projects ship MySQL DDL). PostgreSQL only when the project ships its
    own PostgreSQL statements: Dolibarr does not (its installer converts the MySQL files on the
    fly), so a PostgreSQL Dolibarr would be our invention, not a real schema.
    """
    return [backend for backend in ("mariadb", "postgres") if fixture_files(project, backend)]


def fixture_files(project: str, backend: Backend) -> list[Path]:
    """A project's statement files for a backend, in load order (by file name): the vendor's
    own statements first, then our rows (named so that they sort last)."""
    folder = FIXTURES / project
    if not folder.is_dir():
        raise ValueError(f"no real-schema fixtures for {project!r} (looked in {folder})")
    return sorted((folder / _DIALECT[backend]).glob("*.sql"))


def backend_of(engine: sa.Engine) -> Backend:
    """The fixture backend an engine talks to (SQLite has no real vendor schema)."""
    name = engine.dialect.name
    if name in ("mysql", "mariadb"):
        return "mariadb"
    if name == "postgresql":
        return "postgres"
    raise ValueError(f"no real vendor schema runs on {name}")


def load(engine: sa.Engine, project: str) -> list[Path]:
    """Run every fixture file of a project on the engine's database, statement by statement,
    each exactly as written; returns the files run.

    The database should be empty (see tests.testing.databases.reset_database): the vendor's
    statements create their tables as shipped, without guards in places.

    Each file runs in a session of its own, as the vendors' installers run each file through
    a fresh client (A2Billing's install-db.sh pipes every file into its own `mysql`), and that
    session is thrown away afterwards instead of going back to the pool: vendor files change
    session settings (`SET SQL_MODE="NO_AUTO_VALUE_ON_ZERO"`, `SET standard_conforming_strings
    = off`) that must hold for the rest of their own file and for nothing else. Each file is
    committed when it has run, so a failure names the first statement that did not load.
    """
    backend = backend_of(engine)
    files = fixture_files(project, backend)
    if not files:
        raise ValueError(f"{project} ships no schema for {backend} (supported: {supported_backends(project)})")
    dialect = _DIALECT[backend]
    for path in files:
        statements = split_statements(path.read_bytes().decode("utf-8"), dialect)
        with engine.connect() as connection:
            # The raw DBAPI connection: its cursor sends a statement without parameters as it
            # is, where SQLAlchemy's text() would read ":name" and a driver "%s" as parameters.
            raw = connection.connection.dbapi_connection
            assert raw is not None
            cursor = raw.cursor()
            try:
                for statement in statements:
                    try:
                        cursor.execute(statement.text)
                    except Exception as error:
                        raw.rollback()
                        raise FixtureLoadError(f"{path}:{statement.line}: {error}") from error
                raw.commit()
            finally:
                cursor.close()
                connection.invalidate()
    return files


def split_statements(text: str, dialect: Dialect) -> list[Statement]:
    r"""Cut a SQL file into statements as the vendor's client does, without changing a byte of
    any statement.

    Comments between statements are dropped (the clients do the same); comments inside a
    statement stay in it. Delimiters inside quoted strings, quoted identifiers and comments do
    not end a statement. MySQL: `-- ` needs a space or control character after it, `#` starts
    a comment, backslash escapes in strings, `/*! ... */` (and `/*M! ... */`) is code and
    belongs to its statement, and the client's `DELIMITER` command changes the delimiter.
    PostgreSQL: `--` always starts a comment, block comments nest, `E'...'` strings take
    backslash escapes (and so do plain strings after `SET standard_conforming_strings = off`,
    which psql follows too), `$tag$ ... $tag$` quotes a body, and psql's `\set` meta-command
    is a client command, not a statement (any other meta-command is refused: it would change
    what runs).
    """
    return _Splitter(text, dialect).run()


class _Splitter:
    """A single pass over the file; `start` is where the statement being read begins."""

    def __init__(self, text: str, dialect: Dialect) -> None:
        self.text = text
        self.mysql = dialect == "mysql"
        self.delimiter = ";"
        self.standard_strings = True  # PostgreSQL's default since 9.1
        self.statements: list[Statement] = []

    def run(self) -> list[Statement]:
        text, i = self.text, 0
        start: int | None = None
        while i < len(text):
            if start is None:
                i = self._skip_blank_and_comments(i)
                if i >= len(text):
                    break
                if self.mysql:
                    command = _DELIMITER_COMMAND.match(text, i)
                    if command:
                        self.delimiter = command.group(1)
                        i = command.end()
                        continue
                else:
                    meta = _PSQL_META_COMMAND.match(text, i)
                    if meta:
                        if meta.group(1) not in _PSQL_META_COMMANDS_ALLOWED:
                            line = text.count("\n", 0, i) + 1
                            raise ValueError(f"line {line}: psql meta-command \\{meta.group(1)} is not SQL")
                        i = meta.end()
                        continue
                if text.startswith(self.delimiter, i):  # an empty statement
                    i += len(self.delimiter)
                    continue
                start = i
            if text.startswith(self.delimiter, i):
                self._emit(start, i)
                start = None
                i += len(self.delimiter)
                continue
            i = self._skip_token(i)
        if start is not None:
            self._emit(start, len(text))
        return self.statements

    def _emit(self, start: int, end: int) -> None:
        body = self.text[start:end].rstrip()
        if body:
            self.statements.append(Statement(body, self.text.count("\n", 0, start) + 1, start))
            setting = _STANDARD_STRINGS.match(body)
            if setting and not self.mysql:
                self.standard_strings = setting.group(1).lower() in ("on", "true")

    def _skip_blank_and_comments(self, i: int) -> int:
        text = self.text
        while i < len(text):
            if text[i].isspace():
                i += 1
            elif self._line_comment_at(i):
                i = self._line_end(i)
            elif text.startswith("/*", i) and not self._executable_comment_at(i):
                i = self._block_comment_end(i)
            else:
                break
        return i

    def _skip_token(self, i: int) -> int:
        """The index just past the token at i: a whole string, quoted identifier or comment, or
        a single character of anything else."""
        text = self.text
        char = text[i]
        if self._line_comment_at(i):
            return self._line_end(i)
        if text.startswith("/*", i):
            return self._block_comment_end(i)
        if char == "'":
            escape_string = i > 0 and text[i - 1] in "eE" and not self._identifier_before(i - 1)
            backslash = self.mysql or escape_string or not self.standard_strings
            return self._quoted_end(i, "'", backslash)
        if char == '"':
            return self._quoted_end(i, '"', self.mysql)
        if char == "`" and self.mysql:
            return self._quoted_end(i, "`", False)
        if char == "$" and not self.mysql and not self._identifier_before(i):
            tag = _DOLLAR_TAG.match(text, i)
            if tag:
                close = text.find(tag.group(0), tag.end())
                return len(text) if close < 0 else close + len(tag.group(0))
        return i + 1

    def _identifier_before(self, i: int) -> bool:
        return i > 0 and bool(_IDENTIFIER_CHAR.match(self.text[i - 1]))

    def _line_comment_at(self, i: int) -> bool:
        text = self.text
        if self.mysql and text[i] == "#":
            return True
        if not text.startswith("--", i):
            return False
        if not self.mysql:
            return True
        # MySQL: "--" starts a comment only before whitespace or a control character.
        return i + 2 >= len(text) or text[i + 2].isspace() or ord(text[i + 2]) < 32

    def _executable_comment_at(self, i: int) -> bool:
        return self.mysql and (self.text.startswith("/*!", i) or self.text.startswith("/*M!", i))

    def _line_end(self, i: int) -> int:
        end = self.text.find("\n", i)
        return len(self.text) if end < 0 else end + 1

    def _block_comment_end(self, i: int) -> int:
        text, depth, i = self.text, 1, i + 2
        while i < len(text):
            if text.startswith("*/", i):
                depth -= 1
                i += 2
                if depth == 0:
                    return i
            elif not self.mysql and text.startswith("/*", i):
                depth += 1  # PostgreSQL block comments nest; MySQL's do not
                i += 2
            else:
                i += 1
        return len(text)

    def _quoted_end(self, i: int, quote: str, backslash: bool) -> int:
        text, i = self.text, i + 1
        while i < len(text):
            char = text[i]
            if backslash and char == "\\":
                i += 2
            elif char == quote:
                if text.startswith(quote, i + 1):  # a doubled quote stands for itself
                    i += 2
                else:
                    return i + 1
            else:
                i += 1
        return len(text)
