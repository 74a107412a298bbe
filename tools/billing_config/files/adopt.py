"""``adopt`` carried out: bindings recorded in one transaction, then the missing entry files.

Files are written from a fresh read once every row has its code, so references between
adopted rows come out as codes. Only missing files are written; existing ones are left as
they are (plan then shows where they differ from live). Files are written as export writes
them (files/safe_write.py): never through a symbolic link (a linked config/ or kind folder is
refused before anything is bound), atomically, and never for a row whose values no valid file
may hold (a name with control characters): that row is reported and gets no file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from billing_config.db.live import LiveState, read_live
from billing_config.db.tool.bindings import bind
from billing_config.files.canonical import dump_entry
from billing_config.files.export import prepare_folders, unwritable
from billing_config.files.safe_write import write_text
from billing_config.kinds import get_kind
from billing_config.loader.tree import ENTRY_SUFFIX
from billing_config.plan.adopt import Proposed


@dataclass(slots=True)
class AdoptReport:
    bound: int = 0
    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # rows whose values no valid file may hold, described


def record_bindings(connection: sa.Connection, live: LiveState, proposal: Sequence[Proposed]) -> int:
    by_kind: dict[str, list[tuple[str, Any, Any]]] = {}
    for item in proposal:
        by_kind.setdefault(item.kind, []).append((item.code, item.key, item.created))
    for kind, bindings in by_kind.items():
        bind(connection, live.mapping, live.mapping.kinds[kind], bindings)
    return len(proposal)


def write_missing_files(live: LiveState, config_dir: Path, report: AdoptReport) -> None:
    """A file for every bound live row of every mapped kind that has none (and may have one)."""
    for kmap in live.mapping.kinds.values():
        kind = get_kind(kmap.name)
        folder = config_dir / kind.name
        for code, row in sorted(live.rows[kind.name].items()):
            path = folder / f"{code}{ENTRY_SUFFIX}"
            if path.exists() or path.is_symlink():
                continue
            values = kind.with_defaults(row.values)
            refused = unwritable(kind, code, row.id, values)
            if refused is not None:
                report.skipped.append(refused)
                continue
            # The fields this target stores; one mapped false has only its default here, and
            # writing it would claim a value the target never held.
            mapped = {fmap.name for fmap in kmap.mapped_fields}
            wanted = {name: value for name, value in values.items() if name in mapped}
            write_text(folder, path.name, dump_entry(kind, wanted, path=path), exclusive=True)
            report.written.append(path)


def adopt(engine: sa.Engine, live: LiveState, proposal: Sequence[Proposed], config_dir: Path) -> AdoptReport:
    """Bindings and the recorded state in one transaction, then the missing files."""
    report = AdoptReport()
    # Before anything is bound: a linked folder is refused with nothing changed.
    prepare_folders(config_dir, [get_kind(name) for name in live.mapping.kinds], what="adopt")
    with engine.begin() as connection:
        report.bound = record_bindings(connection, live, proposal)
        fresh = read_live(connection, live.mapping, with_usage=False)
        record_adopted_state(connection, fresh)
    write_missing_files(fresh, config_dir, report)
    return report


def record_adopted_state(connection: sa.Connection, live: LiveState) -> None:
    """What adopt saw is the target's recorded state from now on, so drift can tell a row
    inserted on live later (even where apply can never run: a MyISAM table). Entries an apply
    has made managed stay managed with their applied values; every other live row is recorded
    as it is, unmanaged (adopted entries are only bound until an apply sees their files)."""
    import uuid

    from billing_config.apply.record import adopted_rows, recorded_kinds
    from billing_config.db.tool.state import read_recorded, record_state
    from billing_config.mapping import now_stamp

    recorded = read_recorded(connection, live.mapping.tool_schema)
    record_state(
        connection, adopted_rows(live, recorded), kinds=recorded_kinds(live.mapping), run_id=str(uuid.uuid4()),
        stamp=now_stamp(), git_commit=None, schema=live.mapping.tool_schema,
    )
