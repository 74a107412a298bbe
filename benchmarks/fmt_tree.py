"""fmt over a big tree: how long check, format and re-check take for N shuffled status files.

Usage: python benchmarks/fmt_tree.py [N]   (default 16000). Prints wall times and files/second.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

from billing_config.cli import main

REPO = Path(__file__).resolve().parents[1]


def build_tree(root: Path, count: int) -> Path:
    config = root / "config"
    shutil.copytree(REPO / "config", config)
    lines = (config / "statuses" / "ceased.yaml").read_text().splitlines(keepends=True)
    shuffled = "".join([lines[1], lines[3], lines[2], *lines[4:]])  # no modeline, keys out of order
    for i in range(count):
        text = shuffled.replace("name: Ceased", f"name: Ceased {i}").replace("short_name: CEA", f"short_name: C{i}")
        (config / "statuses" / f"bench-{i}.yaml").write_text(text)
    return config


def timed(argv: list[str]) -> tuple[float, int]:
    sink = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        code = main(argv)
    return time.perf_counter() - started, code


def run(count: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        config = build_tree(Path(scratch), count)
        files = sum(1 for _ in config.rglob("*.yaml"))
        for label, argv in (
            ("fmt --check (all need formatting)", ["fmt", "--check", "--config-dir", str(config)]),
            ("fmt (rewrites them)", ["fmt", "--config-dir", str(config)]),
            ("fmt --check (all clean)", ["fmt", "--check", "--config-dir", str(config)]),
        ):
            seconds, code = timed(argv)
            print(f"{label:38} {files} files  {seconds:6.2f} s  {files / seconds:8.0f} files/s  exit {code}")


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 16000)
