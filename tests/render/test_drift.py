"""The drift report's renderers (render/drift.py)."""

from __future__ import annotations

from billing_config.plan.drift import DriftReport
from billing_config.render.drift import render_drift_markdown, render_drift_text


def test_an_unknown_commit_is_said_whole_and_a_known_one_shortened() -> None:
    """Regression (issue 16, item 9): the header read "(an unknown c, ...)" when the recorded
    state named no commit: the placeholder was cut to a commit's length."""
    unknown = DriftReport(database="sqlite:///x", recorded_commit=None, recorded_at="2026-01-01 10:00:00")
    assert "(an unknown commit, 2026-01-01 10:00:00 UTC)" in render_drift_text(unknown)
    assert "an unknown commit" in render_drift_markdown(unknown)
    known = DriftReport(database="sqlite:///x", recorded_commit="0123456789abcdef0123", recorded_at=None)
    assert "(0123456789ab, an unknown time)" in render_drift_text(known)
