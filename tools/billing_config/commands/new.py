"""billing-config new KIND NAME: scaffold an entry file with every field at its default."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from billing_config.errors import UserError
from billing_config.kinds import CODE_MAX_LENGTH, KINDS, Kind, is_valid_code


def kind_aliases() -> dict[str, Kind]:
    """Every managed kind by its folder name, its singular and the singular's last word.

    ``statuses``, ``customer-status`` and ``status`` all name the statuses kind; adding a kind
    to the registry adds its names here.
    """
    aliases: dict[str, Kind] = {}
    for kind in KINDS:
        if not kind.managed:
            continue
        singular = kind.singular.replace(" ", "-")
        for alias in (kind.name, singular, kind.singular.split()[-1]):
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


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    aliases = kind_aliases()
    parser = subparsers.add_parser(
        "new",
        help="create a new status, group or department file with every field at its default",
        description="Scaffold a valid, formatted entry file whose code is derived from its name.",
    )
    parser.add_argument("kind", choices=sorted(aliases), metavar="KIND", help=f"one of: {', '.join(sorted(aliases))}")
    parser.add_argument("name", metavar="NAME", help="the entry's name, as staff will see it")
    parser.add_argument("--code", help="the code (file name) to use instead of the one derived from NAME")
    parser.add_argument("--config-dir", type=Path, default=Path("config"), help="the config tree (default: ./config)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from billing_config.files.canonical import dump_entry
    from billing_config.commands._shared import require_config_dir
    from billing_config.loader.tree import ENTRY_SUFFIX, display_path

    kind = kind_aliases()[args.kind]
    name = args.name.strip()
    name_field = kind.field_map["name"]
    if not name:
        raise UserError("the name is empty; give the name staff will see, for example 'Payment Plan'")
    if name_field.max_length is not None and len(name) > name_field.max_length:
        raise UserError(f"the name is {len(name)} characters long; a {kind.singular} name has at most {name_field.max_length}")
    code = args.code if args.code is not None else code_from_name(name)
    if not is_valid_code(code):
        hint = "pass --code with lower-case words joined by hyphens, for example --code payment-plan"
        if args.code is None:
            raise UserError(f"cannot make a code from the name '{name}'; {hint}")
        raise UserError(f"'{code}' is not a valid code; {hint}")
    require_config_dir(args.config_dir)
    folder = args.config_dir / kind.name
    path = folder / f"{code}{ENTRY_SUFFIX}"
    if path.exists():
        raise UserError(
            f"{display_path(path)} already exists: there is already a {kind.singular} with the code '{code}'; "
            "edit that file, or pass --code to choose another code"
        )
    clash = _same_name(folder, name)
    if clash is not None:
        raise UserError(f"{clash} already has the name '{name}' (names are unique ignoring case); choose another name")
    folder.mkdir(exist_ok=True)
    path.write_text(dump_entry(kind, kind.with_defaults({"name": name})), encoding="utf-8")
    print(f"created {display_path(path)}")
    return 0


def _same_name(folder: Path, name: str) -> str | None:
    """The file of an existing entry with this name (ignoring case), if any."""
    from billing_config.loader import read_entry
    from billing_config.loader.tree import ENTRY_SUFFIX, display_path

    if not folder.is_dir():
        return None
    wanted = name.casefold()
    for path in sorted(folder.glob(f"*{ENTRY_SUFFIX}")):
        document, _ = read_entry(path, str(path), folder.name, path.stem)
        existing = document.data.get("name") if document is not None else None
        if isinstance(existing, str) and existing.casefold() == wanted:
            return display_path(path)
    return None
