"""Where the config came from: the git commit and author recorded with a plan and in the audit
log, and a digest of the config itself, which binds a saved plan to the config it came from."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from billing_config.loader import Document
from billing_config.plan.model import GitInfo


# What CI services say about the commit they run for, in the order they are tried: GitHub
# Actions, then GitLab CI. A job image without git (python:3.12-slim) still records both.
_CI_COMMIT = ("GITHUB_SHA", "CI_COMMIT_SHA")
_CI_AUTHOR = ("GITHUB_ACTOR", "CI_COMMIT_AUTHOR")


def ci_info() -> GitInfo:
    """The commit and author from the CI's variables (None for each the CI does not set)."""
    commit = next((os.environ[name] for name in _CI_COMMIT if os.environ.get(name)), None)
    author = next((os.environ[name] for name in _CI_AUTHOR if os.environ.get(name)), None)
    return GitInfo(commit[:64] if commit else None, author[:255] if author else None)


def config_digest(documents: Sequence[Document]) -> str:
    """A digest of what the config says (kind, code and every value of every entry), so comments
    and formatting don't count but any change of meaning does."""
    content = sorted((d.kind, d.code, json.dumps(d.data, sort_keys=True, default=str)) for d in documents)
    return "sha256:" + hashlib.sha256(json.dumps(content).encode("utf-8", "surrogatepass")).hexdigest()


def git_info(config_dir: Path) -> GitInfo:
    """HEAD's commit and author of the checkout holding config_dir; '-dirty' when config/ has
    uncommitted changes. Without git or outside a checkout, the CI's variables
    (``GITHUB_SHA``/``GITHUB_ACTOR``, ``CI_COMMIT_SHA``/``CI_COMMIT_AUTHOR``); else nothing
    (not an error)."""
    found = _from_git(config_dir)
    if found.commit is not None:
        return found
    return ci_info()


def _from_git(config_dir: Path) -> GitInfo:
    try:
        head = subprocess.run(
            ["git", "-C", str(config_dir), "log", "-1", "--format=%H%n%an <%ae>"],
            capture_output=True, text=True, timeout=10, check=False,
        )
        if head.returncode != 0 or not head.stdout.strip():
            return GitInfo(None, None)
        commit, _, author = head.stdout.strip().partition("\n")
        status = subprocess.run(
            ["git", "-C", str(config_dir), "status", "--porcelain", "--", "."],
            capture_output=True, text=True, timeout=10, check=False,
        )
        if status.returncode == 0 and status.stdout.strip():
            commit += "-dirty"
        return GitInfo(commit, author[:255] or None)
    except (OSError, subprocess.SubprocessError):
        return GitInfo(None, None)
