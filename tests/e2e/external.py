"""External tools the end-to-end tests run: found, or skipped with a visible reason.

On a developer's machine a missing tool skips its tests (pytest -ra lists the reason). In CI,
`.ci/run` installs every tool and sets BILLING_TEST_REQUIRE_TOOLS=1, which turns a missing tool
into a failure: CI must never pass by skipping.
"""

from __future__ import annotations

import os

import pytest

REQUIRE_ENV = "BILLING_TEST_REQUIRE_TOOLS"


def missing(reason: str) -> None:
    """Skip the test for ``reason``, or fail it when the tools are required."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1 forbids skipping; .ci/run installs it)")
    pytest.skip(f"{reason} (run .ci/run, or see tests/e2e, to install it)")
