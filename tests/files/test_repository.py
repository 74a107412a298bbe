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
from billing_config.files import repository
from billing_config.files.repository import installed_package_spec, pin_package
from tests.conftest import REPO
from tests.testing.fixtures import Run


def check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or "check-jsonschema"
    return subprocess.run([executable, *args], capture_output=True, text=True, check=False)


def test_init_github_validates_formats_clean_and_its_workflows_are_schema_valid(tmp_path: Path, cli: Callable[..., Run]) -> None:
    repo = tmp_path / "billing"
    result = cli("init", str(repo), "--ci", "github", "--package", PIN)
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
                assert line.strip() == f'BILLING_CONFIG_PACKAGE: "{PIN}"', path
    precommit = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    hooks = precommit["repos"][0]["hooks"]
    assert {h["id"] for h in hooks} == {"billing-config-validate", "billing-config-fmt"}
    assert all(h["additional_dependencies"] == [PIN] for h in hooks)

    # Entries written in it point at its own schemas, and the schemas are current.
    assert cli("new", "status", "Payment Plan", "--config-dir", str(repo / "config")).code == 0
    first = (repo / "config" / "statuses" / "payment-plan.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/statuses.schema.json"
    assert cli("init", "--check", str(repo)).code == 0


def test_init_gitlab_writes_the_gitlab_file_pinned(tmp_path: Path, cli: Callable[..., Run]) -> None:
    repo = tmp_path / "billing"
    assert cli("init", str(repo), "--ci", "gitlab", "--package", HASHED).code == 0
    gitlab = repo / ".gitlab-ci.yml"
    loaded = yaml.safe_load(gitlab.read_text())
    assert loaded["variables"]["BILLING_CONFIG_PACKAGE"] == HASHED
    # pre-commit hands each dependency to pip as one argument, where --hash can't go.
    hooks = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert all(h["additional_dependencies"] == ["billing-config==0.1.0"] for h in hooks)
    checked = check_jsonschema("--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci", str(gitlab))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert not (repo / ".github").exists()


def test_init_keeps_existing_files_and_refreshes_stale_schemas(tmp_path: Path, cli: Callable[..., Run]) -> None:
    repo = tmp_path / "billing"
    assert cli("init", str(repo), "--package", PIN).code == 0
    (repo / "billing-config.toml").write_text('[targets.live]\nurl_env = "BILLING_MINE"\n')
    schema = repo / "schemas" / "groups.schema.json"
    schema.write_text("{}")
    stale = cli("init", "--check", str(repo))
    assert stale.code == 1 and "schemas/groups.schema.json" in stale.out
    again = cli("init", str(repo), "--package", PIN)
    assert again.code == 0 and "kept" in again.out
    assert (repo / "billing-config.toml").read_text() == '[targets.live]\nurl_env = "BILLING_MINE"\n'
    assert cli("init", "--check", str(repo)).code == 0


COMMIT = "0123456789abcdef0123456789abcdef01234567"
PIN = f"billing-config @ git+https://example.invalid/bc@{COMMIT}"
HASHED = "billing-config==0.1.0 --hash=sha256:" + "ab" * 32


@pytest.mark.parametrize(
    "origin,expected",
    [
        ({"url": "https://github.com/org/billing-config", "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
         f"billing-config @ git+https://github.com/org/billing-config@{COMMIT}"),
        ({"url": "https://h/billing_config-0.1.0-py3-none-any.whl", "archive_info": {"hashes": {"sha256": "cd" * 32}}},
         "billing-config @ https://h/billing_config-0.1.0-py3-none-any.whl#sha256=" + "cd" * 32),
        ({"url": "https://h/b.whl", "archive_info": {"hash": "sha256=" + "cd" * 32}}, "billing-config @ https://h/b.whl#sha256=" + "cd" * 32),
        # Nothing a CI job could verify, or reach:
        ({}, None),  # a package index: billing-config==VERSION is a name anyone may publish under
        ({"url": "file:///work/billing-config", "dir_info": {"editable": True}}, None),
        ({"url": "file:///work/billing-config", "vcs_info": {"vcs": "git", "commit_id": COMMIT}}, None),
        ({"url": "https://github.com/org/billing-config", "vcs_info": {"vcs": "git", "commit_id": "v0.1.0"}}, None),
        ({"url": "https://h/b.whl", "archive_info": {}}, None),
        ({"url": "http://h/b.whl", "archive_info": {"hashes": {"sha256": "cd" * 32}}}, None),
    ],
)
def test_the_installed_pin_is_a_commit_or_a_hash_never_a_bare_version(
    monkeypatch: pytest.MonkeyPatch, origin: dict[str, object], expected: str | None
) -> None:
    """Issue 16, item 10: installed from a package index, init pinned billing-config==0.1.0."""
    monkeypatch.setattr(repository, "_direct_url", lambda: origin)
    assert installed_package_spec() == expected
    if expected is not None:
        assert repository.is_verifiable(expected)


def test_init_refuses_an_unverifiable_pin_unless_package_is_given(
    tmp_path: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository, "_direct_url", lambda: {})
    repo = tmp_path / "billing"
    refused = cli("init", str(repo), "--ci", "github")
    assert refused.code == 1, refused.text
    assert f"will not pin billing-config=={__version__}" in refused.err and "--package" in refused.err
    assert "--hash=sha256:" in refused.err and "<commit-sha>" in refused.err
    assert not repo.exists()
    for pin in (PIN, HASHED):
        made = cli("init", str(tmp_path / "ok"), "--ci", "github", "--package", pin)
        assert made.code == 0 and "warning" not in made.err, made.text
    # --package is the user's choice, said plainly when it pins nothing checkable.
    loose = cli("init", str(tmp_path / "loose"), "--package", "billing-config==0.1.0")
    assert loose.code == 0 and "pins no git commit and no hash" in loose.err


@pytest.mark.parametrize("package", ["--index-url=https://evil.example/simple", "-e .", "billing-config\n::error::x", "", " x"])
def test_a_package_that_is_no_single_requirement_is_refused(tmp_path: Path, cli: Callable[..., Run], package: str) -> None:
    """The pin reaches `pip install` in every job: an option there would change what pip does."""
    result = cli("init", str(tmp_path / "billing"), f"--package={package}")
    assert result.code == 1 and "is not one pip requirement" in result.err, result.text
    assert not (tmp_path / "billing").exists()


def test_every_ci_install_reads_the_pin_through_a_requirements_file_without_dependencies_first() -> None:
    """So a version pinned with --hash is checked by pip (hash-checking mode covers the tool
    alone; its declared dependencies are installed after)."""
    for path in [*(REPO / ".github" / "workflows").glob("*.yml"), REPO / ".gitlab-ci.yml"]:
        text = path.read_text()
        assert 'pip install --quiet "$BILLING_CONFIG_PACKAGE"' not in text, path.name
        assert text.count('printf \'%s\\n\' "$BILLING_CONFIG_PACKAGE" > "$requirement"') == text.count("--no-deps -r \"$requirement\""), path.name
        assert text.count("--no-deps -r") >= 1, path.name


@pytest.mark.parametrize("line", ['  BILLING_CONFIG_PACKAGE: "."', "  BILLING_CONFIG_PACKAGE: '.'", "  BILLING_CONFIG_PACKAGE: ."])
def test_pinning_rewrites_the_value_and_leaves_comments(line: str) -> None:
    text = f'env:\n  #   BILLING_CONFIG_PACKAGE: "billing-config @ git+x"\n{line}\n'
    assert pin_package(text, "billing-config==9") == 'env:\n  #   BILLING_CONFIG_PACKAGE: "billing-config @ git+x"\n  BILLING_CONFIG_PACKAGE: "billing-config==9"\n'


def test_modelines_resolve_from_wherever_config_sits(tmp_path: Path, cli: Callable[..., Run]) -> None:
    repo = tmp_path / "monorepo"
    assert cli("init", str(repo), "--package", PIN).code == 0
    nested = repo / "platform" / "billing"
    nested.mkdir(parents=True)
    (repo / "config").rename(nested / "config")
    config = nested / "config"
    assert cli("new", "department", "Field Engineers", "--config-dir", str(config)).code == 0
    text = (config / "departments" / "field-engineers.yaml").read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../../../../schemas/departments.schema.json"
    assert (config / "departments" / "../../../../schemas/departments.schema.json").resolve().is_file()
    assert cli("fmt", "--check", "--config-dir", str(config)).code == 0


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_the_scaffolded_ci_files_speak_to_the_config_repository(tmp_path: Path, cli: Callable[..., Run], ci: str) -> None:
    """They land in a config repository: nothing in them may describe the tool's own repository,
    and the drift request's body says what its report is (live against the last apply)."""
    repo = tmp_path / "billing"
    assert cli("init", str(repo), "--ci", ci, "--package", PIN).code == 0
    files = [repo / ".gitlab-ci.yml"] if ci == "gitlab" else sorted((repo / ".github" / "workflows").glob("*.yml"))
    text = "\n".join(path.read_text() for path in files)
    for stale in ("the checkout itself", "In this repository", "In a config repository", "What apply would do"):
        assert stale not in text, stale
    assert "pins it\n" in text and "to the version that scaffolded this repository" in text
    assert "What changed on live since the last apply (" in text


def test_init_onto_a_file_or_over_a_path_in_the_way_is_a_clear_error(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """Regression (issue 16, item 8): `init` onto a file ended in "internal error: FileExistsError"."""
    afile = tmp_path / "afile"
    afile.write_text("x\n")
    result = cli("init", str(afile), "--package", PIN)
    assert result.code == 1 and "is a file, not a folder" in result.err, result.text
    blocked = tmp_path / "blocked"
    (blocked / "config").mkdir(parents=True)
    (blocked / "config" / "statuses").write_text("a file where a kind folder belongs\n")
    result = cli("init", str(blocked), "--package", PIN)
    assert result.code == 1 and "config/statuses" in result.err and "move what is in the way" in result.err, result.text
    assert "internal error" not in result.err
