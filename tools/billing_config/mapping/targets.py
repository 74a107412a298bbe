"""Which mapping a command uses: ``--mapping FILE``, else the target's ``mapping`` (relative to
its billing-config.toml), else the reference schema's default mapping."""

from __future__ import annotations

from pathlib import Path

from billing_config.mapping.default import default_mapping
from billing_config.mapping.model import Mapping
from billing_config.mapping.parse import load_mapping
from billing_config.errors import UserError

TARGETS_FILE = "billing-config.toml"


def find_targets_file(start: Path) -> Path | None:
    for folder in (start.resolve(), *start.resolve().parents):
        candidate = folder / TARGETS_FILE
        if candidate.is_file():
            return candidate
    return None


def target_mapping_path(target: str, start: Path, *, strict: bool = False) -> Path | None:
    """The mapping file a target names, resolved against the toml that names it. ``strict``:
    a missing file or target is an error (validate --target, which reads no URL to fail on)."""
    import tomllib

    path = find_targets_file(start)
    if path is None:
        if strict:
            raise UserError(f"--target {target}: no {TARGETS_FILE} found here or in any parent folder")
        return None
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        if strict:
            raise UserError(f"{path}: not valid TOML: {error}") from None
        return None  # choose_database has already said what is wrong with the file
    targets = document.get("targets")
    spec = targets.get(target) if isinstance(targets, dict) else None
    if strict and not isinstance(spec, dict):
        known = ", ".join(sorted(map(str, targets))) if isinstance(targets, dict) and targets else "none"
        raise UserError(f"--target {target}: {path} has no [targets.{target}] table (targets: {known})")
    if not isinstance(spec, dict) or "mapping" not in spec:
        return None
    value = spec["mapping"]
    if not isinstance(value, str) or not value:
        raise UserError(f'{path}: [targets.{target}] mapping must be a path to a mapping file, e.g. mapping = "mappings/live.toml"')
    return (path.parent / value)


def choose_mapping(mapping_file: Path | None, target: str | None, start: Path, *, strict: bool = False) -> Mapping:
    if mapping_file is None and target:
        mapping_file = target_mapping_path(target, start, strict=strict)
    if mapping_file is None:
        return default_mapping()
    if not mapping_file.is_file():
        raise UserError(f"the mapping file {mapping_file} does not exist; write one (see docs/examples/vendor-mapping.toml) or fix the path")
    return load_mapping(mapping_file)
