"""init: a config repository that works at once, pinned to the installed tool."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from billing_config import __version__
from billing_config.files.repository import installed_package_spec, pin_package
from tests.conftest import REPO
from tests.testing.fixtures import Run


def check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or "check-jsonschema"
    return subprocess.run([executable, *args], capture_output=True, text=True, check=False)


def test_init_github_validates_formats_clean_and_its_workflows_are_schema_valid(tmp_path: Path, cli: Callable[..., Run]) -> None:
    repo = tmp_path / "billing"
    result = cli("init", str(repo), "--ci", "github", "--package", "billing-config @ git+https://example.invalid/bc@0123abc")
    assert result.code == 0, result.text
    for kind in ("statuses", "groups", "departments", "number-statuses", "service-statuses", "feature-statuses"):
        assert (repo / "config" / kind).is_dir()
        assert (repo / "schemas" / f"{kind}.schema.json").read_bytes() == (REPO / "schemas" / f"{kind}.schema.json").read_bytes()
    toml = (repo / "billing-config.toml").read_text()
    for name, variable in (("test", "BILLING_TEST_PLATFORM_URL"), ("live", "BILLING_LIVE_DATABASE_URL"),
                           ("test-readonly", "BILLING_TEST_READONLY_URL"), ("live-readonly", "BILLING_LIVE_READONLY_URL")):
        assert f'[targets.{name}]\nurl_env = "{variable}"' in toml
    assert cli("validate", "--config-dir", str(repo / "config")).code == 0
    assert cli("fmt", "--check", "--config-dir", str(repo / "config")).code == 0

    workflows = sorted((repo / ".github" / "workflows").glob("*.yml"))
    assert [p.name for p in workflows] == sorted(p.name for p in (REPO / ".github" / "workflows").glob("*.yml"))
    checked = check_jsonschema("--builtin-schema", "vendor.github-workflows", *map(str, workflows))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for path in workflows:
        text = path.read_text()
        for line in text.splitlines():
            if line.strip().startswith("BILLING_CONFIG_PACKAGE:"):
                assert line.strip() == 'BILLING_CONFIG_PACKAGE: "billing-config @ git+https://example.invalid/bc@0123abc"', path
    precommit = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    hooks = precommit["repos"][0]["hooks"]
    assert {h["id"] for h in hooks} == {"billing-config-validate", "billing-config-fmt"}
    assert all(h["additional_dependencies"] == ["billing-config @ git+https://example.invalid/bc@0123abc"] for h in hooks)

    # Entries written in it point at its own schemas, and the schemas are current.
    assert cli("new", "status", "Payment Plan", "--config-dir", str(repo / "config")).code == 0
    first = (repo / "config" / "statuses" / "payment-plan.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/statuses.schema.json"
    assert cli("init", "--check", str(repo)).code == 0


def test_init_gitlab_writes_the_gitlab_file_pinned(tmp_path: Path, cli: Callable[..., Run]) -> None:
    repo = tmp_path / "billing"
    assert cli("init", str(repo), "--ci", "gitlab").code == 0
    gitlab = repo / ".gitlab-ci.yml"
    loaded = yaml.safe_load(gitlab.read_text())
    assert loaded["variables"]["BILLING_CONFIG_PACKAGE"] == installed_package_spec()
    checked = check_jsonschema("--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci", str(gitlab))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert not (repo / ".github").exists()


def test_init_keeps_existing_files_and_refreshes_stale_schemas(tmp_path: Path, cli: Callable[..., Run]) -> None:
    repo = tmp_path / "billing"
    assert cli("init", str(repo)).code == 0
    (repo / "billing-config.toml").write_text('[targets.live]\nurl_env = "BILLING_MINE"\n')
    schema = repo / "schemas" / "groups.schema.json"
    schema.write_text("{}")
    stale = cli("init", "--check", str(repo))
    assert stale.code == 1 and "schemas/groups.schema.json" in stale.out
    again = cli("init", str(repo))
    assert again.code == 0 and "kept" in again.out
    assert (repo / "billing-config.toml").read_text() == '[targets.live]\nurl_env = "BILLING_MINE"\n'
    assert cli("init", "--check", str(repo)).code == 0


def test_the_installed_pin_is_this_version_or_a_commit() -> None:
    spec = installed_package_spec()
    assert spec == f"billing-config=={__version__}" or spec.startswith("billing-config @ git+")


@pytest.mark.parametrize("line", ['  BILLING_CONFIG_PACKAGE: "."', "  BILLING_CONFIG_PACKAGE: '.'", "  BILLING_CONFIG_PACKAGE: ."])
def test_pinning_rewrites_the_value_and_leaves_comments(line: str) -> None:
    text = f'env:\n  #   BILLING_CONFIG_PACKAGE: "billing-config @ git+x"\n{line}\n'
    assert pin_package(text, "billing-config==9") == 'env:\n  #   BILLING_CONFIG_PACKAGE: "billing-config @ git+x"\n  BILLING_CONFIG_PACKAGE: "billing-config==9"\n'


def test_modelines_resolve_from_wherever_config_sits(tmp_path: Path, cli: Callable[..., Run]) -> None:
    repo = tmp_path / "monorepo"
    assert cli("init", str(repo)).code == 0
    nested = repo / "platform" / "billing"
    nested.mkdir(parents=True)
    (repo / "config").rename(nested / "config")
    config = nested / "config"
    assert cli("new", "department", "Field Engineers", "--config-dir", str(config)).code == 0
    text = (config / "departments" / "field-engineers.yaml").read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../../../../schemas/departments.schema.json"
    assert (config / "departments" / "../../../../schemas/departments.schema.json").resolve().is_file()
    assert cli("fmt", "--check", "--config-dir", str(config)).code == 0


def test_init_onto_a_file_or_over_a_path_in_the_way_is_a_clear_error(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """Regression (issue 16, item 8): `init` onto a file ended in "internal error: FileExistsError"."""
    afile = tmp_path / "afile"
    afile.write_text("x\n")
    result = cli("init", str(afile))
    assert result.code == 1 and "is a file, not a folder" in result.err, result.text
    blocked = tmp_path / "blocked"
    (blocked / "config").mkdir(parents=True)
    (blocked / "config" / "statuses").write_text("a file where a kind folder belongs\n")
    result = cli("init", str(blocked))
    assert result.code == 1 and "config/statuses" in result.err and "move what is in the way" in result.err, result.text
    assert "internal error" not in result.err
