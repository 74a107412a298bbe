"""The plan as plain values, and its stable JSON form (``format_version`` 3).

The JSON form is what ``plan --format json`` prints and ``plan --out`` saves; ``apply --plan``
reads it back with :meth:`Plan.from_dict`. Fields are only ever added within a version; a
change of meaning gets a new version, and apply refuses versions it does not know.

Version 2 (issue 8) adds ``config_digest``: a saved plan is bound to the config it came from,
and apply recomputes it from that config rather than trusting the file's contents.
Version 3 (issues 15 and 19) gives a change's impact per usage table, never summed across
nouns (``impact.uses``: noun, singular, count, and a measure's ``amount`` with its ``unit``),
says whether the change moves those charges (``impact.moves_charges``), gives unmanaged
entries the same ``impact``, and adds the ``max_monthly_change`` threshold. Amounts are JSON
numbers with two decimals, read back as exact Decimals. It also adds the ``revive`` action (with ``revive_key``, the restored row's key), a
``revive`` count in the summary, and ``hooks``: the mapping's own statements apply will run.
It also (issue 16) binds everything else that changes what apply does to the plan: apply
refuses a plan whose ``prune``, ``thresholds`` or ``allow_digest`` (the [[allow]] tables of
billing-config.toml it was made with) differ from its own, so none of them can be smuggled in
by editing the file; and an [[allow]] digest covers each change's old values too. Warnings
gain the rule ``live-value-invalid``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from billing_config.plan.money import charges_phrase, format_money

FORMAT_VERSION = 3
CREATE, UPDATE, DELETE = "create", "update", "delete"
# A create whose soft-deleted row still exists (the mapping says revive = true): that row is
# restored, same key, its where values written back and its fields updated.
REVIVE = "revive"
ACTIONS = (CREATE, UPDATE, DELETE, REVIVE)


def show(value: Any) -> str:
    """A value as a reviewer reads it: true/false/null, numbers bare, text in double quotes."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if type(value) is int:
        return str(value)
    if type(value) is str and _PLAIN_TEXT.fullmatch(value):
        return f'"{value}"'  # what json.dumps writes for text with nothing to escape
    return json.dumps(value, ensure_ascii=False)


# Printable ASCII but the two characters JSON escapes: written between quotes as it is.
_PLAIN_TEXT = re.compile(r'[ !#-\[\]-~]*')


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: Any
    new: Any

    def describe(self) -> str:
        return f"{self.field} {show(self.old)} → {show(self.new)}"


def _amount(value: Any) -> Decimal:
    """An amount read back from JSON (a Decimal when parsed with parse_float=Decimal; a float
    or int from other readers, taken through its shortest decimal form)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        raise ValueError(f"{value!r} is not an amount")
    return Decimal(repr(value) if isinstance(value, float) else value)


@dataclass(frozen=True, slots=True)
class Use:
    """How one usage table uses an entry: its rows pointing at it (customers, tickets) and,
    when the usage carries a measure, their sum (monthly charges) in its unit."""

    noun: str  # plural: "customers"
    singular: str  # for a count of 1: "customer"
    count: int
    amount: Decimal | None = None  # the measure's sum over those rows, to the cent
    unit: str | None = None  # "GBP a month"

    def counted(self) -> str:
        return f"{self.count} {self.singular if self.count == 1 else self.noun}"

    @property
    def money(self) -> str | None:
        return None if self.amount is None or self.unit is None else format_money(self.amount, self.unit)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"noun": self.noun, "singular": self.singular, "count": self.count}
        if self.amount is not None and self.unit is not None:
            data["amount"] = self.amount
            data["unit"] = self.unit
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Use:
        amount = data.get("amount")
        return cls(
            str(data["noun"]), str(data["singular"]), int(data["count"]),
            None if amount is None else _amount(amount), None if amount is None else str(data["unit"]),
        )


def who(uses: Sequence[Use], *, money_each: bool = False) -> str:
    """'2 third parties and 1 sub-category': each usage table's count with its own noun, zero
    counts left out ('no customers' when all are zero); never a sum across nouns. With
    ``money_each``, each count carries its measure: '2 accounts (£10.00 a month)'."""
    used = [use for use in uses if use.count]
    if not used:
        return "no " + " or ".join(dict.fromkeys(use.noun for use in uses))
    return _joined([
        use.counted() + (f" ({use.money})" if money_each and use.money else "") for use in used
    ])


def uses_from_dict(data: Any) -> tuple[Use, ...] | None:
    if data is None:
        return None
    return tuple(Use.from_dict(item) for item in data["uses"])


@dataclass(slots=True)
class Change:
    kind: str
    code: str
    action: str  # create | update | delete
    name: str  # the entry's name as reviewers know it (the new name when it changes)
    before: dict[str, Any] | None  # every field, live (None for a create)
    after: dict[str, Any] | None  # every field, from config (None for a delete)
    fields: list[FieldChange] = field(default_factory=list)
    # Per usage table of the kind on this target, in mapping order (zero counts included);
    # None when nothing can use entries of the kind there.
    impact: tuple[Use, ...] | None = None
    revive_key: Any = None  # for a revive: the key of the soft-deleted row restored

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.code}"

    def created_fields(self) -> tuple[dict[str, Any], int]:
        """A create's fields as a reviewer needs them: those away from the kind's default, and
        how many others are left at theirs (which the text and Markdown plans only count)."""
        if self.action not in (CREATE, REVIVE) or self.after is None:
            return {}, 0
        from billing_config.kinds import get_kind

        kind = get_kind(self.kind)
        defaults = kind.defaults
        after = self.after
        # In the kind's field order (the file's), then any field the kind does not know.
        names = [name for name in kind.field_names if name in after] + [name for name in after if name not in kind.field_map]
        shown = {
            name: after[name] for name in names
            if name not in defaults or defaults[name] != after[name] or type(defaults[name]) is not type(after[name])
        }
        return shown, len(after) - len(shown)

    @property
    def used(self) -> tuple[Use, ...]:
        """The usage tables that use the entry (count above 0)."""
        return tuple(use for use in self.impact or () if use.count)

    @property
    def moves_charges(self) -> bool:
        """Whether the change decides if the charges its measures add up are invoiced: an update
        of a field the kind declares for that (``is_billable``, ``can_have_fixed_charges``,
        ``final_invoice``), or a delete."""
        if self.action == DELETE:
            return True
        if self.action != UPDATE:
            return False
        from billing_config.kinds import KINDS_BY_NAME

        kind = KINDS_BY_NAME.get(self.kind)
        return kind is not None and any(f.field in kind.charge_fields for f in self.fields)

    def charges(self) -> tuple[Use, ...]:
        """The measured uses whose amount this change moves (none unless it moves charges)."""
        if not self.moves_charges:
            return ()
        return tuple(use for use in self.used if use.money is not None)

    def moved(self) -> dict[str, Decimal]:
        """unit -> the amount this change moves (each measure's sum, whatever its sign)."""
        result: dict[str, Decimal] = {}
        for use in self.charges():
            assert use.amount is not None and use.unit is not None
            result[use.unit] = result.get(use.unit, Decimal("0.00")) + abs(use.amount)
        return result

    def rank(self) -> tuple[Decimal, int]:
        """How much a reviewer should see it first: the money it moves, then its largest count."""
        return max(self.moved().values(), default=Decimal(0)), max((use.count for use in self.used), default=0)

    def impact_sentence(self) -> str | None:
        """'affects 312 customers and 20 services, £1,234.50 a month' (None when nothing can use
        the kind): who is affected per usage table, and the money where the change decides whether
        it is invoiced; not the diff again, which the lines above it already show."""
        if self.impact is None or self.action in (CREATE, REVIVE):
            return None
        charged = self.charges()
        if len(charged) == 1:
            return f"affects {who(self.impact)}, {charged[0].money}"
        return f"affects {who(self.impact, money_each=bool(charged))}"

    def summary_sentence(self) -> str | None:
        """What a reviewer needs to know, in one sentence: 'Suspended stops billing for 312
        customers: £1,234.50 a month of recurring charges.' None for a change nobody is affected by."""
        if self.impact is None or self.action in (CREATE, REVIVE) or not self.used:
            return None
        charged = self.charges()
        whom = who(self.impact, money_each=len(charged) > 1)
        money = ""
        if len(charged) == 1 and charged[0].unit is not None:
            phrase = charges_phrase(charged[0].unit)
            money = f": {charged[0].money}" + (f" {phrase}" if phrase else "")
        if self.action == DELETE:
            return f"Deleting {self.name} affects {whom}{money}."
        effects = [_EFFECTS[f.field][bool(f.new)] for f in self.fields if f.field in _EFFECTS and isinstance(f.new, bool)]
        others = [f.field for f in self.fields if f.field not in _EFFECTS or not isinstance(f.new, bool)]
        if effects:
            more = f" (and changes {', '.join(others)})" if others else ""
            return f"{self.name} {_joined(effects)} for {whom}{more}{money}."
        return f"{self.name} changes for {whom} ({', '.join(others)}){money}."


def charges_moved(changes: Iterable[Change], kind: str) -> dict[str, Decimal]:
    """unit -> the amount a kind's changes move together (--max-monthly-change compares it)."""
    result: dict[str, Decimal] = {}
    for change in changes:
        if change.kind != kind:
            continue
        for unit, amount in change.moved().items():
            result[unit] = result.get(unit, Decimal("0.00")) + amount
    return result


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
    impact: tuple[Use, ...] | None = None  # as Change.impact

    def to_dict(self) -> dict[str, Any]:
        impact = None if self.impact is None else {"uses": [use.to_dict() for use in self.impact]}
        return {"kind": self.kind, "code": self.code, "name": self.name, "impact": impact}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Unmanaged:
        return cls(str(data["kind"]), str(data["code"]), str(data["name"]), uses_from_dict(data.get("impact")))


@dataclass(frozen=True, slots=True)
class Blocker:
    """A reason apply must refuse this plan, with what to do about it."""

    rule: str  # "in-use", "max-update-percent", "max-delete-percent", "max-deletes", "max-monthly-change", ...
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
    max_deletes entries of a kind at once; with max_monthly_change, never move more than that
    amount of a kind's measured charges (in each measure's unit) at once."""

    max_update_percent: float = 30.0
    max_delete_percent: float = 30.0
    max_deletes: int = 25
    min_entries: int = 10
    max_monthly_change: Decimal | None = None  # off by default

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Thresholds:
        """As saved (a number read as a Decimal, to keep amounts exact, is a float here but
        the money limit, which stays a Decimal)."""
        money = data.get("max_monthly_change")
        return cls(
            max_update_percent=float(data["max_update_percent"]), max_delete_percent=float(data["max_delete_percent"]),
            max_deletes=int(data["max_deletes"]), min_entries=int(data["min_entries"]),
            max_monthly_change=None if money is None else _amount(money),
        )


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
    hooks: list[str] = field(default_factory=list)  # the mapping's own statements apply runs (guards, on_change, after_apply)
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
                "revive": self.count(REVIVE, kind),
                "unmanaged": sum(1 for u in self.unmanaged if u.kind == kind),
                "live": self.live_counts.get(kind, 0),
            }
        return result

    def headline(self) -> str:
        revived = self.count(REVIVE)
        return (
            f"{self.count(CREATE)} to create, " + (f"{revived} to revive, " if revived else "")
            + f"{self.count(UPDATE)} to update, {self.count(DELETE)} to delete"
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
                "impact": None if change.impact is None else {
                    "uses": [use.to_dict() for use in change.impact], "moves_charges": change.moves_charges,
                },
            }
            if change.action == REVIVE:
                item["revive_key"] = change.revive_key
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
            "unmanaged": [u.to_dict() for u in self.unmanaged],
            "blockers": [asdict(b) for b in self.blockers],
            "allowed": [asdict(a) for a in self.allowed],
            **({"entries": self.entries} if self.entries is not None else {}),
            "warnings": [asdict(w) for w in self.warnings],
            "hooks": list(self.hooks),
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
            changes.append(
                Change(
                    kind=item["kind"], code=item["code"], action=item["action"], name=item["name"],
                    before=item.get("before"), after=item.get("after"),
                    fields=[FieldChange(f["field"], f["old"], f["new"]) for f in item.get("fields", [])],
                    impact=uses_from_dict(item.get("impact")),
                    revive_key=item.get("revive_key"),
                )
            )
            if changes[-1].action not in ACTIONS:
                raise ValueError(f"unknown action {changes[-1].action!r}")
        return cls(
            changes=changes,
            unmanaged=[Unmanaged.from_dict(u) for u in data.get("unmanaged", [])],
            blockers=[Blocker(**b) for b in data.get("blockers", [])],
            fingerprint=data["fingerprint"],
            live_counts={k: v["live"] for k, v in data.get("summary", {}).items()},
            prune=bool(data["prune"]),
            thresholds=Thresholds.from_dict(data["thresholds"]),
            database=data["database"],
            created_at=data["created_at"],
            tool_version=data["tool_version"],
            git=GitInfo(**data.get("git", {"commit": None, "author": None})),
            managed_kinds=list(data["summary"]) if "summary" in data else None,
            config_digest=data["config_digest"],
            allow_digest=data["allow_digest"],
            entries={str(k): [str(c) for c in v] for k, v in data["entries"].items()} if data.get("entries") is not None else None,
            allowed=[Allowed(**{**a, "limit": float(a["limit"])}) for a in data.get("allowed", [])],
            warnings=[PlanWarning(**w) for w in data.get("warnings", [])],
            hooks=[str(h) for h in data.get("hooks", [])],
        )

    def changes_as_data(self) -> list[dict[str, Any]]:
        """What apply compares between a saved plan and the plan it recomputes."""
        return [
            {"kind": c.kind, "code": c.code, "action": c.action, "name": c.name, "before": c.before, "after": c.after,
             "fields": [[f.field, f.old, f.new] for f in c.fields], "revive_key": c.revive_key}
            for c in self.changes
        ]
