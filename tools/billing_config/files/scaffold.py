"""A new entry file with every field at its default, named by a code derived from its name."""

from __future__ import annotations

import re
from pathlib import Path

from billing_config.errors import UserError
from billing_config.kinds import CODE_MAX_LENGTH, KINDS, Kind, is_valid_code


def kind_aliases() -> dict[str, Kind]:
    """Every managed kind by its folder name, its hyphenated singular and its declared aliases.

    ``statuses``, ``customer-status`` and ``status`` all name the statuses kind, and
    ``number-status`` the number statuses; adding a kind to the registry adds its names here.
    The short aliases are declared, not derived: "status" is the last word of four kinds' names.
    """
    aliases: dict[str, Kind] = {}
    for kind in KINDS:
        if not kind.managed:
            continue
        for alias in (kind.name, kind.singular.replace(" ", "-"), *kind.aliases):
            aliases.setdefault(alias, kind)
    return aliases


def code_from_name(name: str) -> str:
    """A code for a name: ASCII-folded, lower-case words joined by hyphens, at most 64 long."""
    import unicodedata

    kept = []
    for char in unicodedata.normalize("NFKD", name):
        if char.isascii():
            kept.append(char)
        elif not unicodedata.combining(char) and not unicodedata.category(char).startswith("L"):
            kept.append(" ")  # dashes, symbols and foreign spaces separate words
        # accents fall away from their letters; letters with no ASCII form are dropped
    code = re.sub(r"[^a-z0-9]+", "-", "".join(kept).lower()).strip("-")
    return code[:CODE_MAX_LENGTH].rstrip("-")


def scaffold_entry(config_dir: Path, kind: Kind, name: str, code: str | None = None) -> Path:
    """Write ``config_dir/<kind>/<code>.yaml`` for a new entry and return its path.

    Refuses (nothing written) an empty or over-long name, a code that is not valid, a code
    already taken, and a name another entry of the kind already has (the uniqueness rule's
    own comparison, so ``new`` never creates what ``validate`` then rejects).
    """
    from billing_config.files.canonical import dump_entry
    from billing_config.loader.tree import ENTRY_SUFFIX, display_path
    from billing_config.loader import require_config_dir

    name = name.strip()
    name_field = kind.field_map["name"]
    if not name:
        raise UserError("the name is empty; give the name staff will see, for example 'Payment Plan'")
    from billing_config.rules.json_schema import text_problem

    problem = text_problem(name)
    if problem is not None:
        raise UserError(f"the name {ascii(name)} {problem}")
    if name_field.max_length is not None and len(name) > name_field.max_length:
        raise UserError(f"the name is {len(name)} characters long; a {kind.singular} name has at most {name_field.max_length}")
    chosen = code if code is not None else code_from_name(name)
    if not is_valid_code(chosen):
        hint = "pass --code with lower-case words joined by hyphens, for example --code payment-plan"
        if code is None:
            raise UserError(f"cannot make a code from the name '{name}'; {hint}")
        raise UserError(f"'{chosen}' is not a valid code; {hint}")
    require_config_dir(config_dir)
    folder = config_dir / kind.name
    path = folder / f"{chosen}{ENTRY_SUFFIX}"
    if path.exists() or path.is_symlink():
        raise UserError(
            f"{display_path(path)} already exists: there is already a {kind.singular} with the code '{chosen}'; "
            "edit that file, or pass --code to choose another code"
        )
    clash = _same_name(folder, name)
    if clash is not None:
        raise UserError(f"{clash} already has the name '{name}' (names are unique ignoring case); choose another name")
    from billing_config.files.safe_write import write_text

    if not folder.is_symlink():
        folder.mkdir(exist_ok=True)
    write_text(folder, path.name, dump_entry(kind, kind.with_defaults({"name": name}), path=path), exclusive=True)
    return path


def _same_name(folder: Path, name: str) -> str | None:
    """The file of an existing entry with this name under the uniqueness rule, if any."""
    from billing_config.loader import read_entry
    from billing_config.loader.tree import ENTRY_SUFFIX, display_path
    from billing_config.rules.uniqueness import unique_key

    if not folder.is_dir():
        return None
    wanted = unique_key(name)
    for path in sorted(folder.glob(f"*{ENTRY_SUFFIX}")):
        document, _ = read_entry(path, str(path), folder.name, path.stem)
        existing = document.data.get("name") if document is not None else None
        if isinstance(existing, str) and unique_key(existing) == wanted:
            return display_path(path)
    return None
