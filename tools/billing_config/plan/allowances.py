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
action and new values), so it cannot carry over: a later, unrelated mass change of the same
kind has another digest and is refused again, even if the old table is never removed. The plan
that a refused change produces prints the table to paste; the apply after merge honours it
and records it in the audit log.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
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
    """The digest of a kind's changes of one action (or of those that move charges): codes and
    the values they end with.

    Old values are left out on purpose: the pull request is planned against the test
    platform and the merge against live, and the same reviewed change must match on both.
    """
    chosen = sorted(
        (
            [change.code, change.action, change.after] for change in changes
            if change.kind == kind and (change.action == action or (action == MOVES_CHARGES and change.moved()))
        ),
        key=lambda item: str(item[0]),
    )
    text = json.dumps(chosen, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return DIGEST_PREFIX + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:_DIGEST_LENGTH]


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
) -> tuple[list[Blocker], list[Allowed]]:
    """Lift the threshold blockers an allowance matches exactly; give the others their snippet."""
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
        if match is not None:
            lifted.append(Allowed(match.kind, match.rule, match.limit, match.changes, match.reason, blocker.message))
            continue
        hint = (
            f"{blocker.hint}; or, to allow exactly these changes after review, add the [[allow]] table shown "
            "to billing-config.toml in this pull request"
        )
        remaining.append(
            Blocker(blocker.rule, blocker.kind, blocker.code, blocker.message, hint, allow_snippet(blocker.kind, blocker.rule, needed, digest))
        )
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
        if rule not in THRESHOLD_RULES:
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
