"""Where the config came from: the git commit and author recorded with a plan and in the audit log."""

from __future__ import annotations

import subprocess
from pathlib import Path

from billing_config.plan.model import GitInfo


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
