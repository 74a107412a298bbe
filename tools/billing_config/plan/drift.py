"""Drift: the live database against the state the last apply recorded on it, field by field.

Comparing live with the config (what ``plan`` does) cannot tell who moved: a merged change
waiting for its apply looks exactly like a hand edit on live, and a drift job that exported it
would open a pull request reverting the merge. Against the recorded state the two separate:

- **drift** (someone changed live): a managed entry whose live values differ from those
  recorded (*changed*), a managed entry gone from live (*removed*), a live row the last apply
  never saw (*added*, e.g. inserted directly);
- **pending** (the config is ahead of live; the next apply will do it): a config entry whose
  values differ from those recorded, a new file, a removed file of a managed entry. Pending is
  informational, never drift.

An entry that is both (a merged change waits while someone also edited the row live) is a
*conflict*: only a person can say which should win, so ``export --only-drift`` refuses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from billing_config.kinds import Kind
from billing_config.loader import Document
from billing_config.plan.model import CREATE, DELETE, UPDATE, FieldChange

if TYPE_CHECKING:
    from billing_config.db.live import LiveState
    from billing_config.db.tool.state import RecordedState

CHANGED, ADDED, REMOVED = "changed", "added", "removed"


def unbound_code(key: object) -> str:
    """How a live row without a code is recorded: '#' and its key (never a valid code, so it
    never meets an entry). drift then tells it from a row inserted on live since."""
    return f"#{key}"


@dataclass(frozen=True, slots=True)
class Drifted:
    """A managed entry live no longer holds as recorded (fields: recorded → live)."""

    kind: str
    code: str
    status: str  # changed | added | removed
    name: str
    fields: tuple[FieldChange, ...] = ()
    live: dict[str, Any] | None = None  # every field as live holds it (None when removed)
    key: Any = None  # the live row's key; the only name of a row with no code yet (code "")

    @property
    def address(self) -> str:
        """kind/code, or 'kind key 17' for a row no code is bound to yet."""
        return f"{self.kind}/{self.code}" if self.code else f"{self.kind} key {self.key!r}"


@dataclass(frozen=True, slots=True)
class Pending:
    """A config entry ahead of the recorded state: the next apply will do it (fields: recorded → config)."""

    kind: str
    code: str
    action: str  # create | update | delete
    name: str
    fields: tuple[FieldChange, ...] = ()


@dataclass(slots=True)
class DriftReport:
    database: str
    drift: list[Drifted] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    recorded_commit: str | None = None
    recorded_at: str | None = None

    @property
    def has_drift(self) -> bool:
        return bool(self.drift)

    @property
    def conflicts(self) -> list[tuple[str, str]]:
        """Entries both drifted and pending, in kind then code order."""
        pending = {(p.kind, p.code) for p in self.pending}
        return [(d.kind, d.code) for d in self.drift if (d.kind, d.code) in pending]

    def to_dict(self) -> dict[str, Any]:
        def changes(fields: tuple[FieldChange, ...]) -> list[dict[str, Any]]:
            return [{"field": f.field, "old": f.old, "new": f.new} for f in fields]

        return {
            "database": self.database,
            "has_drift": self.has_drift,
            "recorded": {"git_commit": self.recorded_commit, "applied_at": self.recorded_at},
            "drift": [
                {"kind": d.kind, "code": d.code or None, "key": d.key, "status": d.status, "name": d.name, "fields": changes(d.fields)}
                for d in self.drift
            ],
            "pending": [
                {"kind": p.kind, "code": p.code, "action": p.action, "name": p.name, "fields": changes(p.fields)}
                for p in self.pending
            ],
            "conflicts": [{"kind": kind, "code": code} for kind, code in self.conflicts],
        }


def _same(old: object, new: object) -> bool:
    # bool is an int in Python: True == 1 must still count as a change of type.
    return type(old) is type(new) and old == new if old is not None and new is not None else old is new


def _differences(kind: Kind, old: dict[str, Any], new: dict[str, Any]) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(name, old.get(name), new.get(name)) for name in kind.field_names if not _same(old.get(name), new.get(name))
    )


def compute_drift(documents: Sequence[Document], live: LiveState, recorded: RecordedState, *, database: str = "") -> DriftReport:
    report = DriftReport(database=database)
    latest = recorded.latest()
    if latest is not None:
        report.recorded_commit = latest.git_commit
        report.recorded_at = latest.applied_at.isoformat(sep=" ")
    # The kinds the target's mapping manages; a kind it does not list is not on this target.
    managed = live.mapping.managed()
    by_kind: dict[str, dict[str, Document]] = {kmap.name: {} for kmap in managed}
    for document in documents:
        if document.kind in by_kind:
            by_kind[document.kind][document.code] = document
    for kmap in managed:
        kind = kmap.kind
        rows = live.rows.get(kind.name, {})
        entries = recorded.of(kind.name)
        for loose in live.unbound.get(kind.name, ()):
            # A row with no code (no code column, or one no transform reads): drift by its key.
            if unbound_code(loose.id) not in entries:
                report.drift.append(Drifted(kind.name, "", ADDED, str(loose.values.get("name")), (), dict(loose.values), key=loose.id))
        for code in sorted(set(rows) | {c for c, r in entries.items() if r.managed}):
            entry = entries.get(code)
            row = rows.get(code)
            if entry is None and row is not None and unbound_code(row.id) in entries:
                continue  # recorded when it had no code yet; adopt has bound it since
            if entry is None and row is not None:
                report.drift.append(Drifted(kind.name, code, ADDED, str(row.values.get("name")), (), dict(row.values), key=row.id))
            elif entry is not None and entry.managed and row is None:
                report.drift.append(Drifted(kind.name, code, REMOVED, str(entry.values.get("name"))))
            elif entry is not None and entry.managed and row is not None:
                fields = _differences(kind, entry.values, row.values)
                if fields:
                    report.drift.append(Drifted(kind.name, code, CHANGED, str(row.values.get("name")), fields, dict(row.values)))
        configured = by_kind[kind.name]
        for code in sorted(set(configured) | {c for c, r in entries.items() if r.managed}):
            config_entry = configured.get(code)
            entry = entries.get(code)
            if config_entry is None:
                assert entry is not None
                report.pending.append(Pending(kind.name, code, DELETE, str(entry.values.get("name"))))
                continue
            wanted = kind.with_defaults(config_entry.data)
            if entry is None or not entry.managed:
                report.pending.append(Pending(kind.name, code, CREATE, str(wanted["name"])))
                continue
            fields = _differences(kind, entry.values, wanted)
            if fields:
                report.pending.append(Pending(kind.name, code, UPDATE, str(wanted["name"]), fields))
    return report
