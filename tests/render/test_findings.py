"""Findings in each format, notes included: a note is printed as one, and never fails a run."""

from __future__ import annotations

import json

from billing_config.findings import Finding, Severity, has_failures
from billing_config.render.findings import render_github, render_json, render_text


def _finding(severity: Severity) -> Finding:
    return Finding("mapping.toml", 12, 3, severity, "doctor-target-limit", "names on this target: at most 30 characters")


def test_a_note_is_printed_as_a_note_in_every_format() -> None:
    note = _finding(Severity.NOTE)
    assert render_text([note]) == "mapping.toml:12:3: note doctor-target-limit names on this target: at most 30 characters\n"
    assert "\033[36mnote" in render_text([note], colour=True)
    assert render_github([note]).startswith("::notice file=mapping.toml,line=12,col=3,title=doctor-target-limit::")
    assert json.loads(render_json([note]))[0]["severity"] == "note"


def test_notes_never_fail_warnings_fail_only_strict_errors_always() -> None:
    notes = [_finding(Severity.NOTE)]
    assert not has_failures(notes, strict=False) and not has_failures(notes, strict=True)
    warnings = notes + [_finding(Severity.WARNING)]
    assert not has_failures(warnings, strict=False) and has_failures(warnings, strict=True)
    assert has_failures(notes + [_finding(Severity.ERROR)], strict=False)
