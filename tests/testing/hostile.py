"""Hostile text, shared by the per-sink tests: what an attacker or an accident puts in a name,
a file name, a live row, a plan file or the environment, and the hypothesis strategy that
generates more of it."""

from __future__ import annotations

from hypothesis import strategies as st

# At least 20 per sink; each sink's test runs every string through it. The comment says what
# the string tries to do.
HOSTILE = [
    "\x1b[2K\x1b[1A",  # ANSI: erase the line, move up (hide a plan line)
    "Active\rSort order only",  # carriage return: overwrite the start of the line
    "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x9b2K",  # C1 CSI, read by some terminals like ESC [
    "name\nimpact: none",  # a line break inventing a plan line
    "\u2028paragraph",  # Unicode line separator
    "\u202eevil\u202c",  # bidi override (Trojan Source)
    "a\x00b",  # NUL
    "\x07bell\x08backspace\x7fdelete",  # BEL, BS, DEL
    "::error file=x,line=1::pwned",  # a GitHub workflow command
    "::add-mask::secret",  # hide later log text
    "  ::set-output name=x::y",  # a command after leading whitespace
    "x ##[error]legacy command",  # the legacy form, anywhere in a line
    "\x1b[0Ksection_start:1:evil\r\x1b[0K",  # a GitLab log section
    "```\n</details>\n# Pwned",  # close the fence, the details, start a heading
    "</details><img src=x onerror=alert(1)>",  # raw HTML
    "[click](https://evil.example)",  # a link
    "![img](https://evil.example/x.png)",  # an image
    "@everyone @org/team please approve",  # mentions
    "`code` ``double`` ````",  # backticks of every run length
    "| cell | break |",  # table cells
    "*bold* _em_ ~~strike~~ $x^2$",  # emphasis, strike-through, math
    "&lt;script&gt;&#64;",  # entities
    '"quoted" #35; <br/> [label]',  # Mermaid label syntax
    "../../../etc/passwd",  # path traversal
    "/abs/path",  # absolute path
    "x\n",  # the trailing newline that "$" admits
]


def hostile_text() -> st.SearchStrategy[str]:
    """Any text, weighted towards the characters sinks read as instructions."""
    special = st.sampled_from(list("\x1b\r\n\t\x00\x7f\x85\x9b\u2028\u2029\u202e`*_[]()<>!@#|~&$:%\\\"'") + ["::", "##[", "```"])
    pieces = st.lists(st.one_of(special, st.text(max_size=5), st.sampled_from(HOSTILE)), max_size=12)
    return pieces.map("".join)
