"""The plan as plain values, and its stable JSON form (``format_version`` 3).

The JSON form is what ``plan --format json`` prints and ``plan --out`` saves; ``apply --plan``
reads it back with :meth:`Plan.from_dict`. Fields are only ever added within a version; a
change of meaning gets a new version, and apply refuses versions it does not know.

Version 2 (issue 8) adds ``config_digest``: a saved plan is bound to the config it came from,
and apply recomputes it from that config rather than trusting the file's contents.

Version 3 (issue 16) binds everything else that changes what apply does to the plan: apply
refuses a plan whose ``prune``, ``thresholds`` or ``allow_digest`` (the [[allow]] tables of
billing-config.toml it was made with) differ from its own, so none of them can be smuggled in
by editing the file; and an [[allow]] digest covers each change's old values too. Warnings
gain the rule ``live-value-invalid``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT_VERSION = 3
CREATE, UPDATE, DELETE = "create", "update", "delete"
ACTIONS = (CREATE, UPDATE, DELETE)


def show(value: Any) -> str:
    """A value as a reviewer reads it: true/false/null, numbers bare, text in double quotes."""
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: Any
    new: Any

    def describe(self) -> str:
        return f"{self.field} {show(self.old)} → {show(self.new)}"


@dataclass(slots=True)
class Change:
    kind: str
    code: str
    action: str  # create | update | delete
    name: str  # the entry's name as reviewers know it (the new name when it changes)
    before: dict[str, Any] | None  # every field, live (None for a create)
    after: dict[str, Any] | None  # every field, from config (None for a delete)
    fields: list[FieldChange] = field(default_factory=list)
    impact: int | None = None  # rows of the usage table pointing at the live entry
    impact_noun: str | None = None  # "customers", "tickets"

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.code}"

    def impact_sentence(self) -> str | None:
        """'affects 312 customers' (None if nothing uses it): who is affected, not the diff again,
        which the lines above it already show."""
        if self.impact is None or self.impact_noun is None or self.action == CREATE:
            return None
        return f"affects {self.impact} {self.impact_noun}"

    def summary_sentence(self) -> str | None:
        """What a reviewer needs to know, in one sentence: 'Suspended stops billing for 312
        customers.' None for a change nobody is affected by."""
        if self.impact is None or self.impact_noun is None or self.action == CREATE or not self.impact:
            return None
        who = f"{self.impact} {self.impact_noun}"
        if self.action == DELETE:
            return f"Deleting {self.name} affects {who}."
        effects = [_EFFECTS[f.field][bool(f.new)] for f in self.fields if f.field in _EFFECTS and isinstance(f.new, bool)]
        others = [f.field for f in self.fields if f.field not in _EFFECTS or not isinstance(f.new, bool)]
        if effects:
            more = f" (and changes {', '.join(others)})" if others else ""
            return f"{self.name} {_joined(effects)} for {who}{more}."
        return f"{self.name} changes for {who} ({', '.join(others)})."


# What a yes/no field turning true (index 1) or false (index 0) does for the customers holding
# the entry, in the words a billing administrator uses.
_EFFECTS: dict[str, tuple[str, str]] = {
    "is_billable": ("stops billing", "starts billing"),
    "can_have_calls": ("stops call charges", "allows call charges"),
    "can_have_fixed_charges": ("stops fixed charges", "allows fixed charges"),
    "send_correspondence": ("stops correspondence", "starts correspondence"),
    "process_automatic_payments": ("stops automatic payments", "starts automatic payments"),
    "has_frontend_login_access": ("closes portal login", "opens portal login"),
    "final_invoice": ("stops raising final bills", "raises final bills"),
    "is_suspended": ("no longer counts as suspended", "counts as suspended"),
    "is_active": ("no longer counts as active", "counts as active"),
}


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


@dataclass(frozen=True, slots=True)
class Unmanaged:
    """A live entry with no config file; deleted only with --prune."""

    kind: str
    code: str
    name: str
    impact: int | None = None
    impact_noun: str | None = None


@dataclass(frozen=True, slots=True)
class Blocker:
    """A reason apply must refuse this plan, with what to do about it."""

    rule: str  # "in-use", "max-update-percent", "max-delete-percent", "max-deletes"
    kind: str
    code: str | None
    message: str
    hint: str
    # For a threshold: the [[allow]] table that would let exactly these changes through,
    # to paste into billing-config.toml in the pull request (plan/allowances.py).
    allow: str | None = None


@dataclass(frozen=True, slots=True)
class Allowed:
    """A threshold that an [[allow]] table of billing-config.toml lifted for this plan."""

    kind: str
    rule: str
    limit: float
    changes: str  # the digest of exactly the changes it allows
    reason: str
    message: str  # the refusal it lifted


@dataclass(frozen=True, slots=True)
class PlanWarning:
    """Something a reviewer must know before approving, which does not stop the apply: a change
    to an entry the platform ships and relies on (rule ``shipped-entry-changed``)."""

    rule: str
    kind: str
    code: str
    message: str
    why: str


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Safety limits per kind (octoDNS style): above min_entries live entries, refuse a plan
    that updates or deletes more than the given share of them; never delete more than
    max_deletes entries of a kind at once."""

    max_update_percent: float = 30.0
    max_delete_percent: float = 30.0
    max_deletes: int = 25
    min_entries: int = 10


@dataclass(frozen=True, slots=True)
class GitInfo:
    commit: str | None
    author: str | None


@dataclass(slots=True)
class Plan:
    changes: list[Change]
    unmanaged: list[Unmanaged]
    blockers: list[Blocker]
    fingerprint: str  # of the live rows the plan was computed from
    live_counts: dict[str, int]  # live entries per managed kind
    prune: bool
    thresholds: Thresholds
    database: str  # password-free URL
    created_at: str
    tool_version: str
    git: GitInfo = field(default_factory=lambda: GitInfo(None, None))
    managed_kinds: list[str] | None = None  # the kinds the target's mapping manages (None: the registry's)
    config_digest: str = ""  # of the validated config the plan was computed from
    # The config's codes per managed kind: the entries apply records as managed. None in a plan
    # saved without it (apply then keeps the managed set it finds).
    entries: dict[str, list[str]] | None = None
    allowed: list[Allowed] = field(default_factory=list)
    warnings: list[PlanWarning] = field(default_factory=list)
    # The [[allow]] tables the plan was made with (plan/allowances.py allowances_digest): apply
    # refuses a saved plan when its own differ, as it does for prune and the thresholds.
    allow_digest: str = ""

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def count(self, action: str, kind: str | None = None) -> int:
        return sum(1 for c in self.changes if c.action == action and (kind is None or c.kind == kind))

    def kinds(self) -> list[str]:
        """Managed kinds in registry order (the order apply writes them)."""
        from billing_config.kinds import KINDS

        if self.managed_kinds is not None:
            return list(self.managed_kinds)
        return [kind.name for kind in KINDS if kind.managed]

    def summary(self) -> dict[str, dict[str, int]]:
        result = {}
        for kind in self.kinds():
            result[kind] = {
                "create": self.count(CREATE, kind),
                "update": self.count(UPDATE, kind),
                "delete": self.count(DELETE, kind),
                "unmanaged": sum(1 for u in self.unmanaged if u.kind == kind),
                "live": self.live_counts.get(kind, 0),
            }
        return result

    def headline(self) -> str:
        return (
            f"{self.count(CREATE)} to create, {self.count(UPDATE)} to update, {self.count(DELETE)} to delete"
        )

    def to_dict(self) -> dict[str, Any]:
        changes = []
        for change in self.changes:
            item: dict[str, Any] = {
                "kind": change.kind,
                "code": change.code,
                "action": change.action,
                "name": change.name,
                "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in change.fields],
                "before": change.before,
                "after": change.after,
                "impact": None if change.impact is None else {"count": change.impact, "noun": change.impact_noun},
            }
            sentence = change.impact_sentence()
            if sentence:
                item["impact"]["sentence"] = sentence
            changes.append(item)
        return {
            "format_version": FORMAT_VERSION,
            "tool_version": self.tool_version,
            "created_at": self.created_at,
            "database": self.database,
            "fingerprint": self.fingerprint,
            "config_digest": self.config_digest,
            "allow_digest": self.allow_digest,
            "prune": self.prune,
            "thresholds": asdict(self.thresholds),
            "git": asdict(self.git),
            "has_changes": self.has_changes,
            "summary": self.summary(),
            "changes": changes,
            "unmanaged": [asdict(u) for u in self.unmanaged],
            "blockers": [asdict(b) for b in self.blockers],
            "allowed": [asdict(a) for a in self.allowed],
            **({"entries": self.entries} if self.entries is not None else {}),
            "warnings": [asdict(w) for w in self.warnings],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise ValueError(
                f"format_version is {version!r}, and this billing-config applies only version {FORMAT_VERSION}: "
                "make a new plan with this version of the tool"
            )
        changes = []
        for item in data["changes"]:
            impact = item.get("impact") or None
            changes.append(
                Change(
                    kind=item["kind"], code=item["code"], action=item["action"], name=item["name"],
                    before=item.get("before"), after=item.get("after"),
                    fields=[FieldChange(f["field"], f["old"], f["new"]) for f in item.get("fields", [])],
                    impact=None if impact is None else impact["count"],
                    impact_noun=None if impact is None else impact["noun"],
                )
            )
            if changes[-1].action not in ACTIONS:
                raise ValueError(f"unknown action {changes[-1].action!r}")
        return cls(
            changes=changes,
            unmanaged=[Unmanaged(**u) for u in data.get("unmanaged", [])],
            blockers=[Blocker(**b) for b in data.get("blockers", [])],
            fingerprint=data["fingerprint"],
            live_counts={k: v["live"] for k, v in data.get("summary", {}).items()},
            prune=bool(data["prune"]),
            thresholds=Thresholds(**data["thresholds"]),
            database=data["database"],
            created_at=data["created_at"],
            tool_version=data["tool_version"],
            git=GitInfo(**data.get("git", {"commit": None, "author": None})),
            managed_kinds=list(data["summary"]) if "summary" in data else None,
            config_digest=data["config_digest"],
            allow_digest=data["allow_digest"],
            entries={str(k): [str(c) for c in v] for k, v in data["entries"].items()} if data.get("entries") is not None else None,
            allowed=[Allowed(**a) for a in data.get("allowed", [])],
            warnings=[PlanWarning(**w) for w in data.get("warnings", [])],
        )

    def changes_as_data(self) -> list[dict[str, Any]]:
        """What apply compares between a saved plan and the plan it recomputes."""
        return [
            {"kind": c.kind, "code": c.code, "action": c.action, "name": c.name, "before": c.before, "after": c.after,
             "fields": [[f.field, f.old, f.new] for f in c.fields]}
            for c in self.changes
        ]
