"""A plan as a reviewer reads it in a terminal: Terraform-like, ``+`` create, ``~`` update, ``-`` delete.

Every line passes through :func:`render.escape.log_line` before colour is added, so a name or
code holding ``\\r`` or an ANSI sequence is shown escaped and can't rewrite the lines above it
(the apply prompt shows this text) nor issue a CI runner command.
"""

from __future__ import annotations

from billing_config.plan.allowances import show_limit
from billing_config.plan.config_empty import for_reviewers
from billing_config.plan.model import CREATE, DELETE, REVIVE, UPDATE, Change, Plan, show, who
from billing_config.render.escape import Rendered, log_line

_SIGNS = {CREATE: "+", UPDATE: "~", DELETE: "-", REVIVE: "+"}
_COLOURS = {CREATE: "\033[32m", UPDATE: "\033[33m", DELETE: "\033[31m", REVIVE: "\033[32m"}
_RESET = "\033[0m"


def _change_lines(change: Change, colour: bool) -> list[str]:
    sign = _SIGNS[change.action]
    revives = f", restoring its deleted row {change.revive_key!r}" if change.action == REVIVE else ""
    head = log_line(f"  {sign} {change.address} ({show(change.name)}){revives}")
    if colour:
        head = f"{_COLOURS[change.action]}{head}{_RESET}"
    lines = [head]
    sentence = change.impact_sentence()
    if change.action in (CREATE, REVIVE):
        shown, at_default = change.created_fields()
        lines.extend(f"      {name}: {show(value)}" for name, value in shown.items())
        if at_default:
            lines.append(f"      (other {at_default} field(s) at their defaults)")
    elif change.action == UPDATE:
        width = max(len(f.field) for f in change.fields)
        lines.extend(f"      {f.field.ljust(width)}: {show(f.old)} → {show(f.new)}" for f in change.fields)
    if sentence:
        lines.append(f"      impact: {sentence}")
    return [lines[0], *(log_line(line) for line in lines[1:])]


def render_plan_text(plan: Plan, colour: bool = False) -> Rendered:
    lines = [log_line(f"Plan for {plan.database} (live state {plan.fingerprint[:19]}…)"), ""]
    if not plan.has_changes:
        lines.append("No changes. The live database matches the configuration.")
    for kind in plan.kinds():
        kind_changes = [c for c in plan.changes if c.kind == kind]
        if not kind_changes:
            continue
        lines.append(f"{kind}:")
        for change in kind_changes:
            lines.extend(_change_lines(change, colour))  # escaped there, before colour
        lines.append("")
    if plan.unmanaged:
        lines.append("Unmanaged (live, no config file; kept unless you plan with --prune):")
        for entry in plan.unmanaged:
            used = f", used by {who(entry.impact)}" if entry.impact is not None else ""
            lines.append(log_line(f"  ? {entry.kind}/{entry.code} ({show(entry.name)}{used})"))
        lines.append("")
    blockers, warnings, left_out = for_reviewers(plan)
    if blockers:
        lines.append("Apply will refuse this plan:")
        for blocker in blockers:
            # The rule id where validate puts it, after the severity: `explain RULE` is one copy away.
            lines.append(log_line(f"  ! error {blocker.rule} {blocker.message}"))
            lines.append(log_line(f"    {blocker.hint}"))
            if blocker.allow:
                lines.extend(log_line(f"      {line}") for line in blocker.allow.splitlines())
        if left_out:
            lines.append(
                f"  ({left_out} more refusal(s) and warning(s) about single deletes of these kinds follow from it; "
                "--format json lists them)"
            )
        lines.append(f"  (`billing-config explain {blockers[0].rule}` says why a rule exists and how to meet it)")
        lines.append("")
    if plan.allowed:
        lines.append("Allowed by billing-config.toml (reviewed [[allow]] tables):")
        for allowed in plan.allowed:
            reason = f": {allowed.reason}" if allowed.reason else ""
            lines.append(log_line(f"  * {allowed.message}; allowed up to {show_limit(allowed.limit)} for exactly {allowed.changes}{reason}"))
        lines.append("")
    if warnings:
        lines.append("Warnings (apply goes ahead; check these before approving):")
        for warning in warnings:
            lines.append(log_line(f"  ! {warning.rule}: {warning.message}"))  # names come from config and live rows
            lines.append(log_line(f"    why: {warning.why}"))
        lines.append("")
    if plan.hooks:
        lines.append("The mapping's own statements apply runs (in its transaction):")
        lines.extend(log_line(f"  $ {statement}") for statement in plan.hooks)
        lines.append("")
    lines.append(f"Plan: {plan.headline()}.")
    return Rendered("\n".join(lines) + "\n")
