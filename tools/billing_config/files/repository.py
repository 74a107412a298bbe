"""``init``: a config repository that works at once, pinned to the tool that wrote it.

What a team needs beside its entry files is the same everywhere, and copying it by hand went
wrong in the same ways (a modeline pointing at a folder the repository lacks, a pin to a tag
that does not exist, CI that cannot install the tool). So ``init`` writes it:

- ``config/<kind>/`` for every kind of the registry (a ``.gitkeep`` keeps empty ones in git);
- ``billing-config.toml`` with the four targets the workflows use (test, test-readonly, live,
  live-readonly), each naming the ``BILLING_*`` environment variable that holds its URL;
- ``schemas/``: the installed tool's schemas, so editors complete fields offline and the
  modelines ``fmt``/``new``/``export`` write resolve (``check_schemas`` says when they are stale);
- ``.pre-commit-config.yaml`` and the CI files, pinned to one package spec: this repository's
  own workflow files (shipped in the package), with ``BILLING_CONFIG_PACKAGE`` set to the pin.

Files that already exist are left as they are (the schemas aside, which belong to the tool),
so running ``init`` again after an upgrade refreshes the schemas and adds what is missing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from billing_config import __version__
from billing_config.errors import UserError
from billing_config.files.safe_write import UnsafePath, write_text
from billing_config.kinds import KINDS, SCHEMA_SUFFIX, schemas_dir

PACKAGE_NAME = "billing-config"
CI_CHOICES = ("github", "gitlab")
GITLAB_FILE = ".gitlab-ci.yml"
GITHUB_FOLDER = Path(".github") / "workflows"
_PACKAGE_LINE = re.compile(r"""^(?P<indent>[ \t]*)BILLING_CONFIG_PACKAGE:[ \t]*("[^"\n]*"|'[^'\n]*'|[^\s#]+)[ \t]*$""", re.MULTILINE)

TARGETS = (
    ("test", "BILLING_TEST_PLATFORM_URL", "the test platform, read-write: merges apply here first"),
    ("test-readonly", "BILLING_TEST_READONLY_URL", "the test platform as a read-only user: pull-request plans"),
    ("live", "BILLING_LIVE_DATABASE_URL", "the live platform, read-write: only the approved apply job"),
    ("live-readonly", "BILLING_LIVE_READONLY_URL", "the live platform as a read-only user: live plans and drift"),
)


@dataclass(slots=True)
class InitReport:
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    package: str = ""


def ci_templates_dir() -> Path:
    """Where this repository's CI files are: inside the installed package (``billing_config/ci``,
    mapped from the repository's top in pyproject.toml), or the repository's top itself."""
    packaged = Path(__file__).resolve().parents[1] / "ci"
    if (packaged / GITLAB_FILE).is_file():
        return packaged
    return Path(__file__).resolve().parents[3]


def installed_package_spec() -> str:
    """The pip requirement that installs exactly this tool.

    Installed from git, the commit it was installed from (PEP 610's direct_url.json): until
    tags exist a commit SHA is the only pin that cannot move. Otherwise this version from the
    package index.
    """
    from importlib import metadata

    try:
        text = metadata.distribution(PACKAGE_NAME).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        text = None
    if text:
        try:
            origin = json.loads(text)
        except ValueError:
            origin = {}
        vcs = origin.get("vcs_info") if isinstance(origin, dict) else None
        if isinstance(vcs, dict) and vcs.get("vcs") == "git" and vcs.get("commit_id") and origin.get("url"):
            return f"{PACKAGE_NAME} @ git+{origin['url']}@{vcs['commit_id']}"
    return f"{PACKAGE_NAME}=={__version__}"


def targets_toml() -> str:
    lines = [
        "# Databases the sync tool can be pointed at with --target NAME. Each target names the",
        "# environment variable holding its SQLAlchemy URL; URLs and passwords never go in this file.",
        "# In CI the variables come from secrets (see the workflow files).",
        "",
    ]
    for name, variable, what in TARGETS:
        lines.extend([f"# {what}", f"[targets.{name}]", f'url_env = "{variable}"', ""])
    lines.extend([
        "# A mass change the safety thresholds refuse can be allowed in its pull request: paste the",
        "# [[allow]] table that `billing-config plan` prints for exactly those changes, e.g.",
        "# [[allow]]",
        '# kind = "groups"',
        '# rule = "max-update-percent"',
        "# limit = 100",
        '# changes = "sha256:…"',
        '# reason = "why"',
    ])
    return "\n".join(lines) + "\n"


def precommit_config(package: str) -> str:
    """Hooks that install the pinned tool into pre-commit's own environment."""
    dependency = json.dumps(package)
    return (
        "# Run `pre-commit install` once per clone; the hooks then run on every commit.\n"
        f"# Written by billing-config {__version__} (`billing-config init`); the pin below is the tool's version.\n"
        "repos:\n"
        "  - repo: local\n"
        "    hooks:\n"
        "      - id: billing-config-validate\n"
        "        name: billing-config validate\n"
        "        entry: billing-config validate\n"
        "        language: python\n"
        f"        additional_dependencies: [{dependency}]\n"
        "        pass_filenames: false\n"
        "        require_serial: true\n"
        "        files: ^config/\n"
        "      - id: billing-config-fmt\n"
        "        name: billing-config fmt\n"
        "        entry: billing-config fmt\n"
        "        language: python\n"
        f"        additional_dependencies: [{dependency}]\n"
        "        files: ^config/.*\\.yaml$\n"
    )


def pin_package(text: str, package: str) -> str:
    """A CI file with every ``BILLING_CONFIG_PACKAGE: "..."`` set to the pin (YAML-quoted)."""
    quoted = json.dumps(package)
    return _PACKAGE_LINE.sub(lambda m: f"{m.group('indent')}BILLING_CONFIG_PACKAGE: {quoted}", text)


def ci_files(ci: str) -> list[tuple[Path, Path]]:
    """(source, path in the config repository) of the CI files for one CI service."""
    source = ci_templates_dir()
    if ci == "gitlab":
        return [(source / GITLAB_FILE, Path(GITLAB_FILE))]
    folder = source / GITHUB_FOLDER
    return [(path, GITHUB_FOLDER / path.name) for path in sorted(folder.glob("*.yml"))]


def scaffold_repository(target: Path, ci: str | None, package: str) -> InitReport:
    """Write what is missing in ``target``; a path in the way (a file where a folder goes, a
    folder where a file goes, no permission) is a :class:`UserError` naming it."""
    if target.exists() and not target.is_dir():
        raise UserError(
            f"{target} is a file, not a folder: give init the folder of the config repository (created when missing)"
        )
    try:
        return _scaffold(target, ci, package)
    except UnsafePath:
        raise
    except OSError as error:
        where = error.filename or target
        raise UserError(
            f"cannot write the config repository in {target}: {where}: {error.strerror or error}; "
            "move what is in the way (a file where a folder belongs, or the reverse) and run init again"
        ) from None


def _scaffold(target: Path, ci: str | None, package: str) -> InitReport:
    report = InitReport(package=package)

    def write(relative: Path, text: str, *, replace: bool = False) -> None:
        path = target / relative
        if path.exists() and (not replace or path.read_text(encoding="utf-8") == text):
            if not replace:
                report.kept.append(path)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # files/safe_write.py: never through a symbolic link, atomically, like every entry file.
        write_text(path.parent, path.name, text)
        report.written.append(path)

    target.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        folder = target / "config" / kind.name
        folder.mkdir(parents=True, exist_ok=True)
        if not any(folder.iterdir()):
            write(Path("config") / kind.name / ".gitkeep", "")
    write(Path("billing-config.toml"), targets_toml())
    for kind in KINDS:
        write(Path("schemas") / kind.schema_file, kind.schema_path.read_text(encoding="utf-8"), replace=True)
    write(Path(".pre-commit-config.yaml"), precommit_config(package))
    if ci is not None:
        for source, relative in ci_files(ci):
            write(relative, pin_package(source.read_text(encoding="utf-8"), package))
    return report


def stale_schemas(target: Path) -> list[str]:
    """The schema files of a config repository that differ from the installed tool's (or are
    missing): editors and reviewers would read other fields and defaults than the tool checks."""
    stale: list[str] = []
    folder = target / "schemas"
    for source in sorted(schemas_dir().glob(f"*{SCHEMA_SUFFIX}")):
        if source.name not in {kind.schema_file for kind in KINDS}:
            continue
        copy = folder / source.name
        if not copy.is_file() or copy.read_bytes() != source.read_bytes():
            stale.append(f"schemas/{source.name}")
    return stale
