"""A saved plan file is untrusted input: checked, then bound to the config and target it names.

A plan file sits in a CI workspace or on someone's disk between ``plan --out`` and ``apply
--plan``; anyone who can edit it could otherwise have apply write an invalid code, a 5,000
character name, changes whose threshold blocker was deleted, or an audit row for a delete that
never happened under a made-up author. So apply trusts nothing in it:
- the file must match ``plan-format.schema.json`` (version 3) field by field, every kind must be
  a managed kind and every ``after`` must pass its kind's JSON Schema (:func:`check_plan_file`);
- it must come from this config (same ``config_digest``), this checkout's commit and this
  target, and have been made with the options apply runs with: the same ``--prune``, the same
  thresholds and the same [[allow]] tables (``allow_digest``). Apply never takes an option from
  the file: an edited ``"prune": true`` with pasted deletes is refused like an edited change
  (:func:`check_binding`);
- under the lock, apply recomputes the plan from the config and the live rows and refuses
  unless the changes are the same (apply.transaction); the refusals are recomputed with the
  apply command's own limits, and the audit's git fields are the checkout's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from billing_config.errors import Refused, UserError
from billing_config.kinds import KINDS_BY_NAME
from billing_config.loader import Document
from billing_config.plan.model import FORMAT_VERSION, Plan

if TYPE_CHECKING:
    from billing_config.plan.pipeline import PlanSettings

MAX_PROBLEMS_SHOWN = 5


class PlanFileInvalid(UserError):
    """The plan file does not have the saved-plan format; nothing was changed."""


@lru_cache(maxsize=1)
def plan_format_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((Path(__file__).parent / "plan-format.schema.json").read_text(encoding="utf-8"))
    return loaded


def _field(path: Sequence[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the top level"


def check_plan_file(data: Any, where: str) -> None:
    """Refuse a plan file that breaks the format, naming the field (``changes[2].code``)."""
    from billing_config.rules.json_schema import ecma_validator

    if isinstance(data, dict) and data.get("format_version") != FORMAT_VERSION:
        raise PlanFileInvalid(
            f"{where}: format_version is {ascii(data.get('format_version'))}; this billing-config applies only "
            f"version {FORMAT_VERSION} plans. Make a new plan with `billing-config plan --out` and apply that"
        )
    problems = [
        f"{_field(error.absolute_path)}: {_short(error.message)}"
        for error in sorted(ecma_validator(plan_format_schema()).iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if not problems:
        problems = _check_changes(data["changes"])
    if problems:
        more = f" (and {len(problems) - MAX_PROBLEMS_SHOWN} more)" if len(problems) > MAX_PROBLEMS_SHOWN else ""
        raise PlanFileInvalid(
            f"{where} is not a valid saved plan, nothing was changed: " + "; ".join(problems[:MAX_PROBLEMS_SHOWN]) + more
            + ". Make a new plan with `billing-config plan --out` and apply that"
        )


def _short(text: str, limit: int = 120) -> str:
    text = ascii(text)[1:-1]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_changes(changes: list[dict[str, Any]]) -> list[str]:
    """Kinds from the registry, values that pass their kind's schema."""
    from billing_config.rules.json_schema import _fast_validator

    problems: list[str] = []
    for number, change in enumerate(changes):
        kind = KINDS_BY_NAME.get(change["kind"])
        if kind is None or not kind.managed:
            problems.append(f"changes[{number}].kind: {_short(change['kind'])} is not a kind this tool writes")
            continue
        for side in ("before", "after"):
            values = change.get(side)
            if values is not None and not _fast_validator(kind).is_valid(values):
                problems.append(f"changes[{number}].{side}: the values break {kind.schema_file}")
    return problems


def check_binding(saved: Plan, where: str, documents: Sequence[Document], settings: PlanSettings) -> None:
    """Refuse a plan made from another config, at another commit, for another target, or with
    other options than ``settings`` (apply's own: --prune, the thresholds, the [[allow]] tables)."""
    from billing_config.plan.source import config_digest

    again = "Make a new plan here, review it, and apply that. Nothing was changed"
    digest = config_digest(documents)
    if saved.config_digest != digest:
        raise Refused(
            f"the plan in {where} was made from another config (its config_digest {saved.config_digest[:19]}…, "
            f"this config {digest[:19]}…). {again}"
        )
    if saved.git.commit != settings.git.commit:
        raise Refused(
            f"the plan in {where} was made at commit {ascii(saved.git.commit)}, but this checkout is at "
            f"{ascii(settings.git.commit)}. {again}"
        )
    from billing_config.db.connect import without_user

    if without_user(saved.database) != without_user(settings.database):
        raise Refused(f"the plan in {where} was made against {ascii(saved.database)[1:-1]}, not {settings.database}. {again}")
    differences = option_differences(saved, settings)
    if differences:
        raise Refused(
            f"the plan in {where} was made with other options than this apply: {'; '.join(differences)}. "
            "Everything that changes what apply does is bound to the plan: run apply with the options the plan was "
            f"made with, or make a new plan with this apply's options, review it, and apply that. Nothing was changed"
        )


def option_differences(saved: Plan, settings: PlanSettings) -> list[str]:
    """How the options a saved plan was made with differ from apply's own, one phrase each."""
    from billing_config.plan.allowances import allowances_digest

    differences = []
    if saved.prune != settings.prune:
        differences.append(
            "the plan was made with --prune and this apply runs without it" if saved.prune
            else "the plan was made without --prune; make a new plan with --prune"
        )
    for name, flag in (
        ("max_update_percent", "--max-update-percent"), ("max_delete_percent", "--max-delete-percent"),
        ("max_deletes", "--max-deletes"), ("min_entries", "the threshold's minimum of live entries"),
    ):
        planned, here = getattr(saved.thresholds, name), getattr(settings.thresholds, name)
        if planned != here:
            differences.append(f"{flag} is {_number(planned)} in the plan and {_number(here)} here")
    digest = allowances_digest(settings.allowances)
    if saved.allow_digest != digest:
        differences.append(
            f"the [[allow]] tables of billing-config.toml differ from those the plan was made with "
            f"(plan {_short(saved.allow_digest, 19)}, here {digest[:18]}…)"
        )
    return differences


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else _short(str(value), 30)
