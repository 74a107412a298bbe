"""``rename`` on a target: move an entry's code in one audited transaction; the row keeps its key.

Where the code lives decides what is written:
- the tool's bindings table (a table without a code column, or a row whose stored code is a
  legacy value such as ``Field_Ops``): the binding moves to the new code; the vendor's table
  is not touched;
- the table's code column: that column of that one row is updated (through the mapping's
  transform, ``ON_HOLD`` for ``on-hold``), with the mapping's ``update`` set columns, as any
  update is. That writes a mapped table, so doctor's schema checks run first, in the same
  transaction (as apply runs them), and a schema that does not fit is refused.

Everything happens under the apply lock, in one transaction, after a fresh read of the live
rows: the live state must hold OLD, must not hold NEW, and the config must agree with the
live row (plan shows no change for it), otherwise it is refused and nothing is written. Before
committing, the live rows are read again and planned against the renamed config: the plan
must make exactly the changes it made before (read with the new code), so a rename can never
turn into a delete and a create, or leave an update behind. The audit log gets one row
(action ``rename``); the applied state, where the tool keeps one, follows the code.
"""

from __future__ import annotations

import json

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from billing_config import __version__
from billing_config.apply.audit import applied_by, fit_commit
from billing_config.apply.transaction import locked_transaction, require_fitting_schema
from billing_config.db import sql as access
from billing_config.db.connect import safe_url
from billing_config.db.live import LiveState, read_live
from billing_config.mapping import KindMap, Mapping
from billing_config.db.write import set_values
from billing_config.mapping.model import now_stamp
from billing_config.db.tool.bindings import bindings_table, key_text
from billing_config.db.tool.tables import AUDIT_LOG, tool_table
from billing_config.errors import Refused
from billing_config.loader import Document
from billing_config.plan.model import GitInfo, Plan
from billing_config.plan.rename import Rename, change_outline, renamed_documents

BINDING = "binding"
CODE_COLUMN = "code column"


class RenameRefused(Refused):
    """The rename cannot be made on this target; nothing was changed."""


@dataclass(frozen=True, slots=True)
class LiveRenamed:
    key: Any  # the row's key, unchanged
    moved: str  # BINDING or CODE_COLUMN
    where: str  # the table (or the tool's bindings table) written
    run_id: str


def rename_live(
    engine: sa.Engine,
    url: str,
    mapping: Mapping,
    rename: Rename,
    documents: Sequence[Document],
    *,
    git: GitInfo,
    lock_timeout: float = 30.0,
) -> LiveRenamed:
    """Move ``rename.old`` to ``rename.new`` on the target. ``documents`` are the config as it
    reads *after* the rename (the valid tree, with the entry under its new code)."""
    kmap = mapping.get(rename.kind)
    shown = safe_url(url)
    if kmap is None:
        raise RenameRefused(
            f"rename refused, nothing changed: {rename.kind} is not on {shown} (its mapping {mapping.source} does not "
            "list it); rename the files only, without --database/--target"
        )
    if kmap.key_source == "code":
        raise RenameRefused(
            f"rename refused, nothing changed: on {shown} the code of {rename.kind} is the key of {kmap.qualified} "
            f"(key_source = \"code\"), so it cannot change while the row keeps its key"
        )
    after_documents = list(documents)
    before_documents = renamed_documents(after_documents, rename.reversed())
    run_id = str(uuid.uuid4())
    with locked_transaction(engine, url, mapping, lock_timeout, "rename") as connection:
        live = read_live(connection, mapping, for_update=True)
        before = _plan(before_documents, live, shown, git)
        row = _checked_row(live, kmap, rename, before, shown)
        stamp = now_stamp()
        if _bound(connection, mapping, rename, row.id):
            moved, where = BINDING, _move_binding(connection, mapping, rename, row.id, stamp, shown)
        else:
            require_fitting_schema(connection, mapping, "rename")
            from billing_config.plan.collisions import rename_collision

            clash = rename_collision(kmap, live, rename.old, rename.new)
            if clash is not None:  # another row, in scope or not, holds the new code under a unique index
                raise RenameRefused("rename refused, nothing changed:", details=[clash])
            moved, where = CODE_COLUMN, _update_code_column(connection, mapping, kmap, rename, row.id, stamp, shown)
        _follow_applied_state(connection, mapping, rename)
        _audit(connection, mapping, rename, row.id, moved, run_id, stamp, git)
        fresh = read_live(connection, mapping, for_update=True)
        after = _plan(after_documents, fresh, shown, git)
        if change_outline(after) != change_outline(before, rename):
            raise RenameRefused(
                f"rename refused and rolled back, nothing changed: after moving the code on {shown} the plan would "
                f"differ from the plan before it ({len(before.changes)} change(s) before, {len(after.changes)} after); "
                "run `billing-config plan` and `billing-config doctor` to see why"
            )
    return LiveRenamed(row.id, moved, where, run_id)


def _plan(documents: Sequence[Document], live: LiveState, shown: str, git: GitInfo) -> Plan:
    from billing_config.plan.diff import compute_plan

    return compute_plan(documents, live, database=shown, git=git)


def _checked_row(live: LiveState, kmap: KindMap, rename: Rename, before: Plan, shown: str) -> Any:
    rows = live.rows.get(kmap.name, {})
    problems = []
    if rename.old not in rows:
        problems.append(
            f"{shown} has no {kmap.kind.singular} '{rename.old}' in {kmap.qualified}; apply the config first "
            "(or, if it is only in config, rename the files without --database/--target)"
        )
    if rename.new in rows:
        problems.append(
            f"{shown} already has a {kmap.kind.singular} '{rename.new}' (row {rows[rename.new].id!r}); choose another code"
        )

    pending = [c for c in before.changes if c.kind == kmap.name and c.code == rename.old]
    for change in pending:
        fields = ", ".join(f.field for f in change.fields) or "every field"
        problems.append(
            f"config and {shown} disagree about {kmap.name}/{rename.old} (plan shows an {change.action} of {fields}); "
            "apply the config (or export the live values) first, so the rename moves only the code"
        )
    if problems:
        raise RenameRefused("rename refused, nothing changed:", details=problems)
    return rows[rename.old]


def _bound(connection: sa.Connection, mapping: Mapping, rename: Rename, key: Any) -> bool:
    """Whether the row's code lives in the tool's bindings table (rather than its code column)."""
    table = bindings_table(mapping)
    found = connection.execute(
        sa.select(table.c.key_value).where(table.c.kind == rename.kind, table.c.code == rename.old)
    ).scalar()
    return found is not None and found == key_text(key)


def _move_binding(connection: sa.Connection, mapping: Mapping, rename: Rename, key: Any, stamp: Any, shown: str) -> str:
    table = bindings_table(mapping)
    stale = connection.execute(
        sa.select(table.c.key_value).where(table.c.kind == rename.kind, table.c.code == rename.new)
    ).scalar()
    if stale is not None:
        raise RenameRefused(
            f"rename refused, nothing changed: the tool's bindings on {shown} still bind '{rename.new}' to key {stale!r}, "
            "a row it no longer sees as that entry (re-used key or out of scope); choose another code"
        )
    moved = connection.execute(
        sa.update(table)
        .where(table.c.kind == rename.kind, table.c.code == rename.old, table.c.key_value == key_text(key))
        .values(code=rename.new, bound_at=stamp)
    ).rowcount
    if moved != 1:
        raise RenameRefused(f"rename refused, nothing changed: the binding of '{rename.old}' on {shown} changed while renaming; run again")
    return table.fullname


def _update_code_column(
    connection: sa.Connection, mapping: Mapping, kmap: KindMap, rename: Rename, key: Any, stamp: Any, shown: str,
) -> str:
    code = kmap.code
    if code is None:  # read_live only binds such a table's rows; _bound said otherwise
        raise RenameRefused(f"rename refused, nothing changed: '{rename.old}' on {shown} has neither a binding nor a code column")
    if not kmap.managed:
        raise RenameRefused(
            f"rename refused, nothing changed: {kmap.name} is not managed on {shown}, so the tool does not write "
            f"{kmap.qualified}; change the row's {code.column} there to {code.stored(rename.new)!r} first, "
            "then rename the files without --database/--target"
        )
    for other in mapping.kinds.values():
        for fmap in other.mapped_fields:
            if fmap.field.references == kmap.name and fmap.via == code.column:
                raise RenameRefused(
                    f"rename refused, nothing changed: {other.qualified}.{fmap.column} refers to {kmap.qualified} by its "
                    f"code column {code.column}, so changing the code would break those references on {shown}"
                )
    table = access.kind_table(kmap)
    stored = code.stored(rename.new)
    holder = connection.execute(sa.select(table.c[kmap.key]).where(table.c[code.column] == stored).limit(1)).first()
    if holder is not None:
        raise RenameRefused(
            f"rename refused, nothing changed: row {holder[0]!r} of {kmap.qualified} on {shown} already stores "
            f"{stored!r} in {code.column} (outside this config's scope, or soft-deleted); choose another code"
        )
    values: dict[str, Any] = {code.column: stored}
    values.update(set_values(kmap.update_set, table, stamp))
    updated = connection.execute(
        sa.update(table).where(table.c[kmap.key] == key, *access.scope(table, kmap.where)).values(values)
    ).rowcount
    if updated != 1:
        raise RenameRefused(f"rename refused, nothing changed: row {key!r} of {kmap.qualified} changed while renaming; run again")
    return kmap.qualified


def _follow_applied_state(connection: sa.Connection, mapping: Mapping, rename: Rename) -> None:
    """The recorded state (what drift compares against, what makes an entry managed) follows the code."""
    from billing_config.db.tool.tables import STATE as STATE_TABLE
    from billing_config.db.tool.tables import tool_table

    if not sa.inspect(connection).has_table(STATE_TABLE, schema=mapping.tool_schema):
        return  # nothing applied here yet: nothing recorded to follow
    table = tool_table(STATE_TABLE, mapping.tool_schema)
    connection.execute(
        sa.update(table).where(table.c.kind == rename.kind, table.c.code == rename.old).values(code=rename.new)
    )
    # References to the entry, as recorded in other entries' values, follow it too: the live
    # rows still point at the same key, which now reads as the new code.
    from billing_config.kinds import KINDS

    for kind in KINDS:
        fields = [spec.name for spec in kind.reference_fields if spec.references == rename.kind]
        if not fields:
            continue
        rows = connection.execute(sa.select(table.c.code, table.c["values"]).where(table.c.kind == kind.name)).all()
        for code, values in rows:
            recorded = json.loads(values) if isinstance(values, str) else dict(values or {})
            if not any(recorded.get(name) == rename.old for name in fields):
                continue
            recorded.update({name: rename.new for name in fields if recorded.get(name) == rename.old})
            connection.execute(
                sa.update(table).where(table.c.kind == kind.name, table.c.code == code).values({"values": recorded})
            )


def _audit(
    connection: sa.Connection, mapping: Mapping, rename: Rename, key: Any, moved: str, run_id: str, stamp: Any, git: GitInfo,
) -> None:
    connection.execute(
        tool_table(AUDIT_LOG, mapping.tool_schema).insert(),
        [{
            "applied_at": stamp, "run_id": run_id, "kind": rename.kind, "code": rename.new, "action": "rename",
            "before": {"code": rename.old, "key": key_text(key), "moved": moved},
            "after": {"code": rename.new, "key": key_text(key), "moved": moved},
            "git_commit": fit_commit(git.commit), "git_author": git.author,
            "tool_version": __version__, "applied_by": applied_by(),
        }],
    )
