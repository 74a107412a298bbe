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
  The CI jobs that install it hold database URLs, so the pin must be one pip can verify: a
  git commit, or an archive or version with its sha256 (:func:`package_pin`); init never
  writes a bare ``billing-config==VERSION``, a name anyone may publish on a package index.

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


_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# A version pinned with its hash, as a requirements-file line: billing-config==0.1.0 --hash=sha256:...
_HASHED = re.compile(r"\S+==\S+(\s+--hash=sha256:[0-9a-f]{64})+")


class UnverifiablePin(UserError):
    """init found nothing it can pin and verify, and --package was not given."""


def installed_package_spec() -> str | None:
    """The pip requirement that installs exactly this tool and can be checked, or None.

    Installed from git, the commit it was installed from (PEP 610's direct_url.json records
    it): a commit SHA cannot move. Installed from an archive at an https URL, that URL with the
    archive's sha256 (pip checks it). Anything else (a package index, a local folder, an
    editable checkout) records nothing a CI job could verify: ``billing-config==VERSION`` is
    a name anyone may publish under on a package index, so it is never pinned unchecked.
    """
    origin = _direct_url()
    url = origin.get("url")
    if not isinstance(url, str) or not url.startswith(("https://", "ssh://", "git://", "git+")):
        return None
    vcs = origin.get("vcs_info")
    if isinstance(vcs, dict):
        commit = vcs.get("commit_id")
        if vcs.get("vcs") == "git" and isinstance(commit, str) and _COMMIT.fullmatch(commit):
            return f"{PACKAGE_NAME} @ git+{url.removeprefix('git+')}@{commit}"
        return None
    archive = origin.get("archive_info")
    if isinstance(archive, dict) and url.startswith("https://"):
        hashes = archive.get("hashes")
        digest = hashes.get("sha256") if isinstance(hashes, dict) else None
        if digest is None and isinstance(archive.get("hash"), str) and archive["hash"].startswith("sha256="):
            digest = archive["hash"].removeprefix("sha256=")
        if isinstance(digest, str) and _SHA256.fullmatch(digest):
            return f"{PACKAGE_NAME} @ {url.split('#', 1)[0]}#sha256={digest}"
    return None


def _direct_url() -> dict[str, object]:
    from importlib import metadata

    try:
        text = metadata.distribution(PACKAGE_NAME).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return {}
    try:
        origin = json.loads(text) if text else {}
    except ValueError:
        return {}
    return origin if isinstance(origin, dict) else {}


def installed_from() -> str:
    """Where this installation came from, in words, for the message that refuses to guess."""
    origin = _direct_url()
    url = origin.get("url")
    if not origin or not isinstance(url, str):
        return f"a package index (billing-config=={__version__})"
    dir_info = origin.get("dir_info")
    if isinstance(dir_info, dict):
        return f"the local folder {url.removeprefix('file://')}" + (" (editable)" if dir_info.get("editable") else "")
    return f"{url.split('#', 1)[0]}, which gives no commit or hash a CI job can check"


def package_pin(package: str | None) -> str:
    """The requirement init writes into the hooks and CI: ``--package`` as given (checked to be
    one requirement), else the verifiable pin of this installation; otherwise a refusal."""
    if package is not None:
        if not package.strip() or package.strip() != package or package.startswith("-") or any(
            ord(char) < 32 or ord(char) == 127 for char in package
        ):
            raise UserError(
                f"--package {ascii(package)} is not one pip requirement; give for example "
                '"billing-config @ git+https://github.com/ORG/billing-config@<commit-sha>"'
            )
        return package
    pin = installed_package_spec()
    if pin is None:
        raise UnverifiablePin(
            f"init will not pin billing-config=={__version__}: this billing-config was installed from "
            f"{installed_from()}, and a version on a package index is a name anyone may publish under, which the "
            "CI jobs holding database URLs would install. Pass the pin to write with --package: a git commit "
            '("billing-config @ git+https://github.com/ORG/billing-config@<commit-sha>") or a version and its hash '
            '("billing-config==0.1.0 --hash=sha256:<sha256 of the wheel>"); or install billing-config from git at a '
            "commit and run init again"
        )
    return pin


def is_verifiable(package: str) -> bool:
    """Whether a pin names something that cannot change: a git commit, or content with its sha256."""
    if _HASHED.fullmatch(package):
        return True
    if "#sha256=" in package:
        return bool(_SHA256.fullmatch(package.rsplit("#sha256=", 1)[1]))
    return "@ git+" in package and bool(_COMMIT.fullmatch(package.rsplit("@", 1)[1]))


def precommit_requirement(package: str) -> str:
    """pre-commit passes each dependency to pip as one argument, where --hash can't go: the
    hooks get the pinned version (they run on a developer's machine and hold no database URL)."""
    return package.split(" --hash=", 1)[0] if _HASHED.fullmatch(package) else package


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
    dependency = json.dumps(precommit_requirement(package))
    return (
        "# Run `pre-commit install` once per clone; the hooks then run on every commit.\n"
        f"# Written by billing-config {__version__} (`billing-config init`); the pin below is the tool's pin (without a\n"
        "# --hash, which pre-commit can't pass to pip; the CI files check it).\n"
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
