"""Escaping for every place text is shown: the terminal, CI logs, Markdown, workflow commands.

Text reaching these sinks comes from places nobody reviewed: file names, names in config files,
rows of the live database that platform staff can edit, saved plan files, the environment.
Each sink reads some characters as instructions (a terminal reads ``ESC [ 2 K`` as "erase the
line", GitHub Actions reads a line starting ``::`` as a command, Markdown reads ``[x](y)`` as
a link and ``@team`` as a mention), so each sink has one function here, and every renderer
passes untrusted text through it. The rule is per sink, not per origin: whatever the text's
origin, it is escaped where it is shown.

What the functions promise (the hypothesis tests in tests/render/test_escape.py hold them to it):
- :func:`terminal`: no control character (C0, DEL, C1, line and paragraph separators, bidi
  overrides) survives; each is shown as ``\\xNN`` or ``\\uNNNN``, so a reviewer sees it.
- :func:`log_line`: one line that neither a terminal nor a CI runner reads as an instruction.
- :func:`md_text`, :func:`md_code`, :func:`md_fence`: the text renders as that text — never a
  link, image, HTML, mention, heading or table cell break, and a fence or code span can't be
  closed early by the content.
- :func:`gh_data`, :func:`gh_property`: the escaping GitHub's runner defines for workflow
  command values.
- :func:`json_text`: JSON in which no control character, line separator or bidi override
  stands raw (JSON leaves C1 controls and U+2028 as they are; they are written ``\\uNNNN``).

What a renderer returns for a command to print is a :data:`Rendered`: only render/ makes one,
and the commands' one output module (commands/output.py) prints a renderer's text only as a
``Rendered``, so a bare string can't reach the terminal by accident (mypy refuses it).
"""

from __future__ import annotations

import json
import re
from typing import Any, NewType

# Text a renderer has escaped for its sink, piece by piece: what commands/output.show prints.
Rendered = NewType("Rendered", str)

# C0 controls, DEL, C1 controls, the Unicode line/paragraph separators, the bidirectional
# formatting characters (they reorder what is shown: "Trojan Source"), and lone surrogates (the
# command line's undecodable bytes: no stream can encode them).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str) -> str:
    """Text safe to print: every control character shown as an escape (``\\x1b``, ``\\r``...).

    A name holding ``\\r`` or ``ESC [ 1 A`` could otherwise overwrite the lines above it, so the
    apply prompt would show something other than what apply writes.
    """
    return _CONTROL.sub(_visible, text)


def has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None


# Lines a CI runner treats as commands: GitHub's "::command::" (after leading whitespace) and
# the older "##[command]" form, which the runner and log viewer look for anywhere in a line.
_WORKFLOW_START = re.compile(r"^(\s*):")
_LEGACY_COMMAND = re.compile(r"##\[")


# What log_line must change inside a line: a control character or the legacy command marker.
# Lines with neither (and no command at their start) are by far the most common, and are
# returned as they are after one scan.
_LOG_UNSAFE = re.compile(f"{_CONTROL.pattern}|##\\[")


def log_line(text: str) -> str:
    """One line of command output that may end up in a CI log.

    Control characters are escaped (so no line break, ANSI sequence or GitLab section marker
    gets through) and workflow-command syntax is broken: a leading ``::`` becomes ``\\::`` and
    ``##[`` becomes ``##\\[``. GitLab has no in-band commands besides ANSI sequences.
    """
    if _LOG_UNSAFE.search(text) is None and not text.lstrip().startswith("::"):
        return text
    line = terminal(text)
    if line.lstrip().startswith("::"):
        line = _WORKFLOW_START.sub(lambda m: m.group(1) + "\\:", line, count=1)
    return _LEGACY_COMMAND.sub("##\\\\[", line)


def log_text(text: str) -> str:
    """Several lines of our own (joined by ``\\n``), each made safe with :func:`log_line`.

    Only for text whose line breaks we wrote; untrusted pieces must not bring their own.
    """
    return "\n".join(log_line(line) for line in text.split("\n"))


# ---------------------------------------------------------------------------------------------
# Markdown (GitHub-flavoured, as GitHub and GitLab render a pull-request comment)

# The punctuation that starts syntax in the middle of a line: code, emphasis, links and images
# (no "[" no link), HTML, entities, table cells, strikethrough and GitHub's $math$. Line-start
# syntax (headings, lists, quotes) can't arise: these functions never begin a line.
_MD_SPECIAL = set("\\`*_[]<>|~&$")


def md_text(text: str) -> str:
    """Text shown as itself in running Markdown (a list item, a table cell, bold text).

    Punctuation is backslash-escaped, control characters are shown as escapes, and ``@`` gets a
    zero-width space after it so ``@team`` notifies nobody. A bare URL may still autolink, as
    it would in any Markdown engine.
    """
    out = []
    shown = terminal(text)
    for index, char in enumerate(shown):
        if char == "_" and shown[index - 1 : index].isalnum() and shown[index + 1 : index + 2].isalnum():
            out.append(char)  # GFM: an underscore inside a word never starts emphasis (is_billable)
        elif char in _MD_SPECIAL:
            out.append("\\" + char)
        elif char == "@":
            out.append("@&#8203;")
        else:
            out.append(char)
    return "".join(out)


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall("`+", text)), default=0)


def md_code(text: str, *, in_table: bool = False) -> str:
    """Inline code that the content can't close: delimited by more backticks than any run in it.

    Inside a code span nothing is a link, HTML or mention. Control characters are shown as
    escapes (a line break would end a list item or table row). In a table cell GitHub splits at
    ``|`` even inside code, so there it is written ``\\|``, which GitHub shows as ``|``.
    """
    body = terminal(text)
    if in_table:
        body = body.replace("|", "\\|")
    fence = "`" * (_longest_backtick_run(body) + 1)
    if body.startswith("`") or body.endswith("`") or (body.startswith(" ") and body.endswith(" ") and body.strip()):
        body = f" {body} "
    if not body:
        body = " "
    return f"{fence}{body}{fence}"


def md_fence(content: str, info: str = "") -> str:
    """A fenced code block the content can't close: the fence is longer than any backtick run.

    ``info`` is ours (``text``, ``mermaid``). Control characters other than line breaks and tabs
    are shown as escapes, so nothing in the block can move the reader's terminal or browser.
    """
    body = "\n".join(_CONTROL.sub(lambda m: "\t" if m.group() == "\t" else _visible(m), line) for line in content.split("\n"))
    if not body.endswith("\n"):
        body += "\n"
    fence = "`" * max(3, _longest_backtick_run(body) + 1)
    return f"{fence}{info}\n{body}{fence}\n"


# ---------------------------------------------------------------------------------------------
# GitHub Actions workflow commands (::error file=...,line=...::message)


# Raw in JSON text as json.dumps writes it (ensure_ascii=False): everything of _CONTROL except the
# line breaks of the indentation (inside strings json.dumps already escapes C0 controls).
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def json_text(value: Any, *, indent: int | None = 2) -> Rendered:
    """``value`` as JSON for a terminal, a log or a file: non-ASCII text stays readable, but no
    control character, line separator or bidi override appears raw (each is ``\\uNNNN``,
    which every JSON reader reads back as the same character)."""
    return json_rendered(json.dumps(value, indent=indent, ensure_ascii=False, default=str))


def json_rendered(text: str) -> Rendered:
    """JSON text made as :func:`json_text` makes it (another encoder's, such as the plan's
    exact-decimal one): every control character, separator or bidi override as ``\\uNNNN``."""
    return Rendered(_JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def gh_data(text: str) -> str:
    """A workflow command's message, escaped as the runner unescapes it; other controls shown."""
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return terminal(escaped)


def gh_property(text: str) -> str:
    """A workflow command's property value (file=, title=): also ``:`` and ``,``."""
    return gh_data(text).replace(":", "%3A").replace(",", "%2C")
