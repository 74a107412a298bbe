"""Reviewed overrides of the safety thresholds: ``[[allow]]`` tables in billing-config.toml.

A mass change that is intended (renaming every group, retiring a department) must get through
review like any other change, so the override lives in the pull request itself, in the diff a
reviewer approves, not in a flag someone adds to a pipeline::

    [[allow]]
    kind = "groups"
    rule = "max-update-percent"      # or max-delete-percent, max-deletes, max-monthly-change
    limit = 100                      # the limit raised for these changes
    changes = "sha256:5c1e…"         # the digest `plan` prints: exactly these changes
    reason = "Rename every group for the 2025 tariff"

An allowance is bound to a digest of the very changes it allows (each changed entry's code,
action, and its values before and after), so it cannot carry over: a later, unrelated mass
change of the same kind has another digest and is refused again, even if the old table is
never removed. And it lifts its changes once per target: an apply that uses it records it in
the audit log (``action = 'allow'``, with the digest), and a digest recorded there lifts
nothing again, so entries re-created with the same values and deleted again are refused under
the old table. The plan that a refused change produces prints the table to paste; the apply
after merge honours it and records it in the audit log.

The old values are in the digest because the contract says an allow covers exactly the
change it was written for; the price is that a pull request planned against the test
platform gets a digest for test's old values, and where live holds other old values the live
plan is refused with its own table to paste (in a second pull request).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from billing_config.errors import UserError
from billing_config.plan.model import DELETE, UPDATE, Allowed, Blocker, Change, charges_moved

# What each rule counts: the kind's changes of one action, or those that move charges.
MOVES_CHARGES = "moves-charges"
THRESHOLD_RULES = {
    "max-update-percent": UPDATE, "max-delete-percent": DELETE, "max-deletes": DELETE, "max-monthly-change": MOVES_CHARGES,
}
DIGEST_PREFIX = "sha256:"
_DIGEST_LENGTH = 32  # hex digits: 128 bits, short enough to review, far too long to collide


@dataclass(frozen=True, slots=True)
class Allowance:
    kind: str
    rule: str
    limit: float
    changes: str
    reason: str = ""


def changes_digest(changes: Sequence[Change], kind: str, action: str) -> str:
    """The digest of a kind's changes of one action (or of those that move charges): each
    change's code, action, and its values before and after (every field, references as codes).

    The values before are in it so that an allow written for one change never lifts another
    with the same codes and outcome (entries re-created with other values and deleted again).
    """
    chosen = sorted(
        (
            [change.code, change.action, change.before, change.after] for change in changes
            if change.kind == kind and (change.action == action or (action == MOVES_CHARGES and change.moved()))
        ),
        key=lambda item: str(item[0]),
    )
    text = json.dumps(chosen, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return DIGEST_PREFIX + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:_DIGEST_LENGTH]


def allowances_digest(allowances: Sequence[Allowance]) -> str:
    """The digest of the [[allow]] tables in effect (in file order, every key): a saved plan
    carries it, and apply refuses the plan when its own tables differ."""
    text = json.dumps(
        [[a.kind, a.rule, a.limit, a.changes, a.reason] for a in allowances], ensure_ascii=False, separators=(",", ":")
    )
    return DIGEST_PREFIX + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def needed_limit(rule: str, kind: str, changes: Sequence[Change], live_counts: dict[str, int]) -> float:
    """The smallest limit that lets these changes through the rule."""
    if THRESHOLD_RULES[rule] == MOVES_CHARGES:
        return float(math.ceil(max(charges_moved(changes, kind).values(), default=0)))
    count = sum(1 for c in changes if c.kind == kind and c.action == THRESHOLD_RULES[rule])
    if rule == "max-deletes":
        return float(count)
    live = live_counts.get(kind, 0)
    return float(math.ceil(100.0 * count / live)) if live else 0.0


def allow_snippet(kind: str, rule: str, limit: float, digest: str) -> str:
    """The [[allow]] table a reviewer pastes into billing-config.toml."""
    return (
        "[[allow]]\n"
        f'kind = "{kind}"\n'
        f'rule = "{rule}"\n'
        f"limit = {show_limit(limit)}\n"
        f'changes = "{digest}"\n'
        'reason = "why this mass change is intended"\n'
    )


def show_limit(limit: float) -> str:
    """A limit as TOML and reviewers read it: a whole number without a decimal point or an
    exponent (a money limit of 1,250,000 is ``1250000``, not ``1.25e+06``)."""
    return str(int(limit)) if float(limit).is_integer() else f"{limit}"


def apply_allowances(
    blockers: list[Blocker],
    changes: Sequence[Change],
    live_counts: dict[str, int],
    allowances: Sequence[Allowance],
    used: Collection[str] = (),
) -> tuple[list[Blocker], list[Allowed]]:
    """Lift the threshold blockers an allowance matches exactly; give the others their snippet.

    ``used``: the digests an apply on this target has already let through (the audit log's
    ``allow`` rows): an allowance lifts its changes once, never again."""
    remaining: list[Blocker] = []
    lifted: list[Allowed] = []
    for blocker in blockers:
        if blocker.rule not in THRESHOLD_RULES:
            remaining.append(blocker)
            continue
        digest = changes_digest(changes, blocker.kind, THRESHOLD_RULES[blocker.rule])
        needed = needed_limit(blocker.rule, blocker.kind, changes, live_counts)
        match = next(
            (
                a for a in allowances
                if a.kind == blocker.kind and a.rule == blocker.rule and a.changes == digest and a.limit >= needed
            ),
            None,
        )
        if match is not None and digest not in used:
            lifted.append(Allowed(match.kind, match.rule, match.limit, match.changes, match.reason, blocker.message))
            continue
        hint = (
            f"{blocker.hint}; or, to allow exactly these changes after review, add the [[allow]] table shown "
            "to billing-config.toml in this pull request"
        )
        snippet: str | None = allow_snippet(blocker.kind, blocker.rule, needed, digest)
        if digest in used:
            # Pasting the same table again would change nothing: say so, and offer no table.
            hint = (
                f"an apply on this target already let exactly these changes through under [[allow]] changes = "
                f"\"{digest}\", and an allowance lifts its changes once; {blocker.hint}"
            )
            snippet = None
        remaining.append(Blocker(blocker.rule, blocker.kind, blocker.code, blocker.message, hint, snippet))
    return remaining, lifted


def read_allowances(path: Path | None) -> tuple[Allowance, ...]:
    """The [[allow]] tables of a billing-config.toml (none without a file)."""
    import tomllib

    if path is None or not path.is_file():
        return ()
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}") from None
    tables = document.get("allow", [])
    if not isinstance(tables, list):
        raise UserError(f"{path}: `allow` must be a list of [[allow]] tables")
    result: list[Allowance] = []
    for number, table in enumerate(tables, start=1):
        where = f"{path}: [[allow]] number {number}"
        if not isinstance(table, dict):
            raise UserError(f"{where} is not a table")
        unknown = sorted(set(table) - {"kind", "rule", "limit", "changes", "reason"})
        if unknown:
            raise UserError(f"{where} has unknown key(s) {', '.join(unknown)}; it takes kind, rule, limit, changes and reason")
        kind, rule, limit, digest, reason = (table.get(k) for k in ("kind", "rule", "limit", "changes", "reason"))
        if not isinstance(kind, str) or not kind:
            raise UserError(f'{where} needs kind = "KIND" (a kind folder such as "groups")')
        if not isinstance(rule, str) or rule not in THRESHOLD_RULES:
            raise UserError(f"{where}: rule must be one of {', '.join(sorted(THRESHOLD_RULES))}, not {rule!r}")
        if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit < 0:
            raise UserError(f"{where} needs limit = N, a number at least 0")
        if not isinstance(digest, str) or not digest.startswith(DIGEST_PREFIX):
            raise UserError(
                f'{where} needs changes = "sha256:…", the digest `billing-config plan` prints for the refused changes'
            )
        if reason is not None and not isinstance(reason, str):
            raise UserError(f"{where}: reason must be text")
        result.append(Allowance(kind, str(rule), float(limit), digest, reason or ""))
    return tuple(result)
