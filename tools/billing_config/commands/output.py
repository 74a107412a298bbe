"""What a command writes to the terminal, in one place.

This is the only module under ``commands/`` (with ``cli.py``, which calls it) that may call
``print`` or write to ``sys.stdout`` and ``sys.stderr``; tests/commands/test_output.py reads
every other module and fails on any such call. Text reaches the terminal in two shapes:

- a line of ours holding pieces from anywhere (a path, a live name, a mapping key, a URL):
  :func:`say` escapes the whole line for the terminal and CI logs
  (:func:`billing_config.render.escape.log_line`), so no piece can bring a line break, an ANSI
  sequence, a GitHub workflow command or a GitLab section marker of its own;
- a renderer's output (render/), which escaped each piece for its sink (text, JSON, Markdown,
  workflow commands, Mermaid): :func:`show` takes only a ``Rendered`` value, which only render/
  makes, so mypy refuses a bare string there.

:func:`ask` is the confirmation prompt; :func:`error` prints a :class:`UserError` line by line;
:class:`Parser` is argparse writing its usage, help and errors (which quote the command line)
through :func:`say` too.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, NoReturn, TextIO

from billing_config.errors import UserError
from billing_config.render.escape import Rendered, log_line

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


def _stream(err: bool) -> TextIO:
    return sys.stderr if err else sys.stdout


def say(text: str, *, err: bool = False) -> None:
    """One line of ours, escaped whole (a line break inside it is shown as ``\\x0a``)."""
    _stream(err).write(log_line(text) + "\n")


def say_each(lines: Iterable[str], *, err: bool = False) -> None:
    """Several lines of ours, each escaped whole like :func:`say`."""
    for line in lines:
        say(line, err=err)


def show(rendered: Rendered, *, err: bool = False) -> None:
    """A renderer's output as it is: render/ escaped every piece for its sink."""
    stream = _stream(err)
    stream.write(rendered)
    stream.flush()


def ask(question: str) -> str:
    """Ask on the terminal (one escaped line, after a blank one) and return the answer typed."""
    sys.stdout.write("\n" + log_line(question) + " ")
    sys.stdout.flush()
    return sys.stdin.readline().strip()


def error(prefix: str, problem: UserError) -> None:
    """A user error on standard error: its first line after ``prefix``, then its details."""
    first, *rest = problem.lines
    say(f"{prefix}{first}", err=True)
    say_each(rest, err=True)


class Parser(argparse.ArgumentParser):
    """argparse, whose messages quote the command line ("unrecognized arguments: ..."), with
    every line it prints escaped like a line of ours. Subparsers are made of the same class."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        """Usage and help: our own lines (the command line never reaches them)."""
        if message:
            say_each(message.rstrip("\n").split("\n"), err=file is sys.stderr)

    def error(self, message: str) -> NoReturn:
        """The usage, then the error as one line: it quotes arguments, which may hold line breaks."""
        self.print_usage(sys.stderr)
        say(f"{self.prog}: error: {message}", err=True)
        self.exit(2)
