"""validate runs as a pre-commit hook on every commit: it must not pay for the sync engine."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import CONFIG, REPO


def test_validate_does_not_import_sqlalchemy_or_drivers() -> None:
    code = (
        "import sys; from billing_config.cli import main; "
        f"rc = main(['validate', '--config-dir', {str(CONFIG)!r}]); "
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'sqlalchemy', 'psycopg', 'pymysql'}); "
        "print(heavy); sys.exit(rc)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
