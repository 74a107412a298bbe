"""Where the config came from: the git commit and author recorded with a plan and in the audit
log, and a digest of the config itself, which binds a saved plan to the config it came from."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

from billing_config.loader import Document
from billing_config.plan.model import GitInfo


def config_digest(documents: Sequence[Document]) -> str:
    """A digest of what the config says (kind, code and every value of every entry), so comments
    and formatting don't count but any change of meaning does."""
    content = sorted((d.kind, d.code, json.dumps(d.data, sort_keys=True, default=str)) for d in documents)
    return "sha256:" + hashlib.sha256(json.dumps(content).encode("utf-8", "surrogatepass")).hexdigest()


def git_info(config_dir: Path) -> GitInfo:
    """HEAD's commit and author of the checkout holding config_dir; '-dirty' when config/ has
    uncommitted changes. Nothing (not an error) outside a git checkout or without git."""
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
