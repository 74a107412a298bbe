"""billing-config rename KIND OLD NEW: change an entry's code, in config and on a target."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from billing_config.commands import COMMANDS
from billing_config.commands.options import add_config_dir, add_database_options, add_lock_timeout
from billing_config.commands.output import say
from billing_config.db.connect import URL_ENV

if TYPE_CHECKING:
    from billing_config.apply.rename import LiveRenamed
    from billing_config.files.rename import ConfigRename


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from billing_config.files.rename import rename_kind_aliases

    aliases = rename_kind_aliases()
    parser = subparsers.add_parser(
        "rename",
        help=COMMANDS["rename"],
        description=(
            "Change an entry's code (its file name) without a delete and a create: with a target (--database, "
            f"--target or ${URL_ENV}) the code moves on the target first, in one audited transaction under the apply "
            "lock, the live row keeping its key (its binding moves, or its code column is updated); then the file is "
            "renamed and every reference to the old code in config is rewritten, comments kept. Without a target only "
            "the config changes; run it again with --target on each target before that config is applied there."
        ),
    )
    parser.add_argument("kind", choices=sorted(aliases), metavar="KIND", help=f"one of: {', '.join(sorted(aliases))}")
    parser.add_argument("old", metavar="OLD", help="the entry's code now (its file name without .yaml)")
    parser.add_argument("new", metavar="NEW", help="the code it gets: lower-case words joined by hyphens")
    add_database_options(parser)
    add_config_dir(parser)
    add_lock_timeout(parser)
    parser.add_argument(
        "--config-only", action="store_true",
        help=f"rename in config only, even when ${URL_ENV} names a database",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from billing_config.files.rename import carry_out, prepare_config_rename, rename_kind_aliases

    kind = rename_kind_aliases()[args.kind]
    config = prepare_config_rename(args.config_dir, kind, args.old, args.new)
    explicit = bool(args.database or args.target or args.mapping)
    if args.config_only and explicit:
        from billing_config.errors import UserError

        raise UserError("--config-only renames the files only; leave out --database, --target and --mapping with it")
    on_target = explicit or (not args.config_only and bool(os.environ.get(URL_ENV)))
    address = f"{kind.name}/{args.old}"
    if not on_target:
        if config.already_renamed:
            say(f"Nothing to rename in config: {address} is already {args.new}.")
            return 0
        carry_out(config)
        _report_files(config)
        say(
            f"Renamed {address} to {args.new} in config only; no target was changed. On each target that has "
            f"'{args.old}', run `billing-config rename {kind.name} {args.old} {args.new} --target NAME` before this "
            "config is applied there, or plan will show a delete and a create."
        )
        return 0
    shown, renamed = _rename_on_target(args, kind.name)
    say(
        f"Renamed {address} to {args.new} on {shown}: row {renamed.key!r} keeps its key; its {renamed.moved} "
        f"changed in {renamed.where} (audit run {renamed.run_id})."
    )
    if config.already_renamed:
        say(f"The config already had {args.new}; no file changed.")
        return 0
    from billing_config.files.rename import RenameIncomplete

    try:
        carry_out(config)
    except RenameIncomplete as error:
        raise RenameIncomplete(
            error.headline,
            details=(
                *error.details,
                f"The target already has the new code. Once the files are done, `billing-config plan` shows no "
                f"change for {kind.name}/{args.new}.",
            ),
        ) from None
    _report_files(config)
    return 0


def _report_files(config: ConfigRename) -> None:
    from billing_config.loader.tree import display_path

    say(f"  renamed {display_path(config.old_path)} -> {display_path(config.new_path)}")
    for edit in config.edits:
        for line, name in edit.lines:
            say(f"  {edit.display}:{line}: {name}: {config.rename.new}")


def _rename_on_target(args: argparse.Namespace, kind: str) -> tuple[str, LiveRenamed]:
    """The database side: the renamed config must validate; then one transaction on the target."""
    from billing_config.apply.rename import rename_live
    from billing_config.commands.options import database_from, mapping_from
    from billing_config.db.connect import open_engine, run_guarded, safe_url
    from billing_config.plan.pipeline import load_valid_config
    from billing_config.plan.rename import Rename, renamed_documents
    from billing_config.plan.source import git_info

    rename = Rename(kind, args.old, args.new)
    documents = renamed_documents(load_valid_config(args.config_dir), rename)
    choice = database_from(args)
    mapping = mapping_from(args)
    engine = open_engine(choice, purpose="billing-config rename", lock_timeout=args.lock_timeout)
    try:
        result = run_guarded(
            choice.url,
            lambda: rename_live(
                engine, choice.url, mapping, rename, documents, git=git_info(args.config_dir), lock_timeout=args.lock_timeout,
            ),
        )
    finally:
        engine.dispose()
    return safe_url(choice.url), result
